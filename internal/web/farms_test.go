package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// storeFindings stores what laptop-farm detection and the consortium
// found about the ring's batch: a farm at one house where two stored
// employees and a user tied to no record work, an IP-KVM on another
// employee's laptop, an off-hours pattern, and the hub's answer about one
// persona's passport.
func (s *stack) storeFindings() {
	s.t.Helper()
	ctx := context.Background()
	first := time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)
	last := time.Date(2026, 11, 14, 0, 0, 0, 0, time.UTC)
	detail := func(v map[string]any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			s.t.Fatal(err)
		}
		return b
	}
	farmDetail := detail(map[string]any{"people": 3, "devices": 3, "days": 21, "location": "ip 73.12.4.9",
		"subjects": []string{"P4", "user:x", "P1"}, "device_ids": []string{"C02XK1", "C02XK2", "C02XK3"},
		"first": first, "last": last, "source": "SIGNALS.md Network: one house, many laptops", "evidence_total": 40})
	farmRow := func(subject string) store.Finding {
		return store.Finding{Source: store.SourceFarm, ID: "farm-0a1b2c3d4e5f", SubjectID: subject, Kind: "farm",
			Level: "high", Points: 80, Explanation: "Three people's laptops sat at one house on 21 days.",
			Detail: farmDetail, First: first, Last: last}
	}
	farms := []store.Finding{
		farmRow("P1"), farmRow("P4"),
		{Source: store.SourceFarm, ID: "ip_kvm-1a2b3c4d5e6f", SubjectID: "P2", Kind: "ip_kvm", Level: "medium",
			Points: 50, First: first, Last: first.AddDate(0, 0, 1),
			Explanation: "Managed device C02TB1 of Tom Becker had a USB device attached that matches an IP-KVM's shape.",
			Detail:      detail(map[string]any{"subjects": []string{"P2"}, "device_ids": []string{"C02TB1"}, "days": 2})},
		{Source: store.SourceFarm, ID: "off_hours-2a3b4c5d6e7f", SubjectID: "P1", Kind: "off_hours", Level: "low",
			Points: 10, Explanation: "Most of Maria Gonzalez's sign-ins fall within Pyongyang office hours.",
			Detail: detail(map[string]any{"subjects": []string{"P1"}, "days": 30}), First: first, Last: last},
	}
	if _, err := s.st.ReplaceFindings(ctx, store.SourceFarm, farms); err != nil {
		s.t.Fatal(err)
	}
	consortium := []store.Finding{{Source: store.SourceConsortium, ID: "id_document:id_documents[0]", SubjectID: "R1",
		Kind: "active_elsewhere", Level: "high", Points: 75,
		Explanation: "The identity document in id_documents[0] is also held by people at 2 other members of the consortium.",
		Detail:      detail(map[string]any{"identifier": "id_document", "attribute": "id_documents[0]", "members": 2, "fraud": 1})}}
	if _, err := s.st.ReplaceFindings(ctx, store.SourceConsortium, consortium); err != nil {
		s.t.Fatal(err)
	}
}

func TestFarmsListsFindingsOnceStrongestFirst(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	s.storeBatch("ring.jsonl", ringFile)
	s.storeFindings()
	c := s.client()
	c.signIn("ana")
	resp, body := c.get("/farms")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /farms: %d", resp.StatusCode)
	}
	if n := strings.Count(body, `id="farm-0a1b2c3d4e5f"`); n != 1 {
		t.Errorf("the farm is listed %d times, want once", n)
	}
	for _, want := range []string{`href="/subjects/P1"`, `href="/subjects/P4"`, "user:x", "ip 73.12.4.9",
		"C02XK1, C02XK2, C02XK3", "2026-10-03 – 2026-11-14", "Three people&#39;s laptops sat at one house on 21 days.",
		"Rests on: SIGNALS.md Network: one house, many laptops", `href="/farms" aria-current="page"`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /farms lacks %q", want)
		}
	}
	if strings.Contains(body, `href="/subjects/user`) {
		t.Error("a user tied to no record is linked to a subject page")
	}
	farm, kvm, off := strings.Index(body, `id="farm-0a1b2c3d4e5f"`), strings.Index(body, `id="ip_kvm-1a2b3c4d5e6f"`),
		strings.Index(body, `id="off_hours-2a3b4c5d6e7f"`)
	if farm < 0 || kvm < 0 || off < 0 || !(farm < kvm && kvm < off) {
		t.Errorf("findings at %d, %d, %d; want the farm, the IP-KVM, the off-hours pattern in that order", farm, kvm, off)
	}

	evs, err := s.st.Audit(context.Background(), store.AuditQuery{Actor: "ana", Object: "farms"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Action != "farms.read" || evs[0].Detail != "subjects: P4,P1,P2" {
		t.Errorf("audit of the view: %+v, want one farms.read naming P4,P1,P2", evs)
	}
}

func TestFarmsFilters(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	s.storeBatch("ring.jsonl", ringFile)
	s.storeFindings()
	c := s.client()
	c.signIn("ana")
	ids := []string{"farm-0a1b2c3d4e5f", "ip_kvm-1a2b3c4d5e6f", "off_hours-2a3b4c5d6e7f"}
	for _, tc := range []struct {
		query string
		want  []bool
	}{
		{"", []bool{true, true, true}},
		{"?kind=ip_kvm", []bool{false, true, false}},
		{"?kind=farm", []bool{true, false, false}},
		{"?min_level=medium", []bool{true, true, false}},
		{"?min_level=high&kind=ip_kvm", []bool{false, false, false}},
	} {
		resp, body := c.get("/farms" + tc.query)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /farms%s: %d", tc.query, resp.StatusCode)
			continue
		}
		for i, id := range ids {
			if got := strings.Contains(body, `id="`+id+`"`); got != tc.want[i] {
				t.Errorf("GET /farms%s lists %s: %v, want %v", tc.query, id, got, tc.want[i])
			}
		}
	}
	_, body := c.get("/farms?min_level=critical")
	if !strings.Contains(body, "No findings match; 3 stored.") {
		t.Error("a filter that leaves nothing does not say so")
	}
	for _, q := range []string{"?kind=bogus", "?min_level=severe"} {
		if resp, _ := c.get("/farms" + q); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /farms%s: %d, want 400", q, resp.StatusCode)
		}
	}
}

func TestFarmsWithoutFindingsSayHowToGetThem(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	c := s.client()
	c.signIn("ana")
	_, body := c.get("/farms")
	for _, want := range []string{"ringfence telemetry import FILE…", "/v1/telemetry", "docs/TELEMETRY.md"} {
		if !strings.Contains(body, want) {
			t.Errorf("an empty /farms lacks %q", want)
		}
	}
	if evs, _ := s.st.Audit(context.Background(), store.AuditQuery{Object: "farms"}); len(evs) != 0 {
		t.Errorf("a view that shows nothing was audited: %+v", evs)
	}
}

func TestFarmsNeedToReadCases(t *testing.T) {
	s := newStack(t)
	s.addUser("ats", store.RoleIngest)
	s.storeBatch("ring.jsonl", ringFile)
	s.storeFindings()
	c := s.client()
	c.signIn("ats")
	resp, body := c.get("/farms")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("ingest GET /farms: %d, want 403", resp.StatusCode)
	}
	if strings.Contains(body, "farm-0a1b2c3d4e5f") || strings.Contains(body, `href="/farms"`) {
		t.Error("ingest sees the farms page or its menu entry")
	}
}

func TestSubjectShowsOtherEvidence(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	s.storeBatch("ring.jsonl", ringFile)
	s.storeFindings()
	c := s.client()
	c.signIn("ana")
	for _, tc := range []struct {
		subject string
		want    []string
	}{
		{"P1", []string{"Other evidence", `href="/farms#farm-0a1b2c3d4e5f"`, "laptop farm",
			"Three people&#39;s laptops sat at one house on 21 days.", `href="/farms#off_hours-2a3b4c5d6e7f"`, "off-hours work"}},
		{"R1", []string{"Other evidence",
			"identity document in id_documents[0]: held at 2 other members, confirmed fraud at 1",
			"The identity document in id_documents[0] is also held by people at 2 other members of the consortium."}},
	} {
		resp, body := c.get("/subjects/" + tc.subject)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /subjects/%s: %d", tc.subject, resp.StatusCode)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("GET /subjects/%s lacks %q", tc.subject, want)
			}
		}
	}
	// The farm is stronger than the off-hours pattern and comes first.
	_, body := c.get("/subjects/P1")
	if i, j := strings.Index(body, "#farm-0a1b2c3d4e5f"), strings.Index(body, "#off_hours-2a3b4c5d6e7f"); i > j {
		t.Error("the subject's findings are not strongest first")
	}
	_, body = c.get("/subjects/P3")
	if strings.Contains(body, "Other evidence") {
		t.Error("a subject without findings has an Other evidence section")
	}
}
