package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
)

// Telemetry uploaded through the API becomes stored farm findings, and the
// next screen of a named employee carries the laptop-farm hit.
func TestTelemetryUploadFindsAFarmAndScreeningSeesIt(t *testing.T) {
	s := newStack(t)
	admin := s.keys[store.RoleAdmin]
	// Four employees with their laptops, stored.
	people := []struct{ id, name, state, laptop string }{
		{"e1", "Daniel Moore", "TX", "C02F0001"}, {"e2", "Ryan Clark", "WA", "C02F0002"},
		{"e3", "Kevin Brown", "FL", "C02F0003"}, {"e4", "Paul Young", "CO", "C02F0004"},
	}
	for _, p := range people {
		body := fmt.Sprintf(`{"id":%q,"kind":"employee","name":%q,"emails":[%q],"devices":[%q],"addresses":[{"kind":"home","line1":"1 Main St","city":"Town %s","region":%q,"country":"US"}]}`,
			p.id, p.name, p.id+"@corp.example", p.laptop, p.state, p.state)
		s.must(t, http.StatusOK, "POST", "/v1/screen?store=true", admin, body, nil)
	}
	// A week behind one residential address, in two files: MDM check-ins
	// and, in the second, a PiKVM on one laptop.
	var seen, usb strings.Builder
	start := time.Date(2026, 11, 10, 15, 0, 0, 0, time.UTC)
	for d := range 7 {
		for _, p := range people {
			fmt.Fprintf(&seen, `{"time":%q,"type":"seen","user":%q,"device":%q,"ip":"73.12.4.9"}`+"\n",
				start.AddDate(0, 0, d).Format(time.RFC3339), p.id+"@corp.example", p.laptop)
		}
	}
	fmt.Fprintf(&usb, `{"time":%q,"type":"usb","device":"C02F0001","usb":{"vendor_id":"1d6b","product_id":"0104","vendor":"PiKVM","product":"PiKVM Composite Device","serial":"CAFEBABE"}}`+"\n",
		start.Format(time.RFC3339))
	usb.WriteString("{broken\n")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, data := range map[string]string{"mdm.jsonl": seen.String(), "osquery.jsonl": usb.String()} {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(data))
	}
	mw.Close()
	w := s.call(t, "POST", "/v1/telemetry", admin, buf.String(), "Content-Type", mw.FormDataContentType())
	if w.Code != http.StatusOK {
		t.Fatalf("POST /v1/telemetry: %d %s", w.Code, w.Body)
	}
	var res struct {
		Files []struct {
			Name   string
			Events int
		}
		Problems []struct {
			File  string
			Line  int
			Error string
		}
		BadLines int `json:"bad_lines"`
		Findings []struct {
			Kind, Level string
			Subjects    []string
		}
		Stored int
	}
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 || res.BadLines != 1 || len(res.Problems) != 1 || res.Problems[0].File != "osquery.jsonl" || res.Problems[0].Line != 2 {
		t.Errorf("files %+v, problems %+v (%d); want two files and the broken line 2 of osquery.jsonl", res.Files, res.Problems, res.BadLines)
	}
	farmFound := false
	for _, f := range res.Findings {
		if f.Kind == "farm" {
			slices.Sort(f.Subjects)
			farmFound = slices.Equal(f.Subjects, []string{"e1", "e2", "e3", "e4"}) && (f.Level == "high" || f.Level == "critical")
		}
	}
	if !farmFound || res.Stored == 0 {
		t.Fatalf("findings %+v, stored %d; want a high farm of e1–e4", res.Findings, res.Stored)
	}
	// The engine reloads findings with the index; a screen soon after
	// carries the hit.
	var v screenResponse
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.must(t, http.StatusOK, "POST", "/v1/screen", admin, `{"id":"e1","kind":"employee","name":"Daniel Moore","devices":["C02F0001"]}`, &v)
		if slices.ContainsFunc(v.Hits, func(h screen.Hit) bool { return h.Rule == "laptop-farm" }) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !slices.ContainsFunc(v.Hits, func(h screen.Hit) bool { return h.Rule == "laptop-farm" }) || (v.Level != "high" && v.Level != "critical") {
		t.Errorf("screen of e1 after the import: %s %+v; want high with laptop-farm", v.Level, v.Hits)
	}
	openAPISchemas(t).check(t, "POST", "/v1/telemetry", w)
}
