package live_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/dial"
	"github.com/ringfence/ringfence/internal/subject"
)

func newEngine(t *testing.T) (*live.Engine, store.Store, *cases.Desk) {
	t.Helper()
	ctx := context.Background()
	st, err := dial.Open(ctx, filepath.Join(t.TempDir(), "live.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := intel.EnsureStarterPack(ctx, st); err != nil {
		t.Fatal(err)
	}
	desk := cases.New(st, nil)
	eng, err := live.New(ctx, live.Config{Store: st, Desk: desk})
	if err != nil {
		t.Fatal(err)
	}
	desk.IndicatorsChanged = eng.Reload
	rctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go eng.Run(rctx)
	// As a load balancer would, wait until the engine says it is ready.
	for deadline := time.Now().Add(10 * time.Second); !eng.Ready(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the engine never became ready")
		}
	}
	return eng, st, desk
}

func waitJob(t *testing.T, eng *live.Engine, id string) live.Job {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		j, ok := eng.Job(id)
		if !ok {
			t.Fatalf("job %s vanished", id)
		}
		if j.State == live.JobDone || j.State == live.JobFailed {
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job %s did not finish", id)
	return live.Job{}
}

// truth reads the sample's ground truth: ring of each fraudulent persona.
func truth(t *testing.T) map[string]string {
	f, err := os.Open("../../examples/people.truth.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rings := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct {
			ID    string `json:"id"`
			Fraud bool   `json:"fraud"`
			Ring  string `json:"ring"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Fraud {
			rings[r.ID] = r.Ring
		}
	}
	return rings
}

func TestBatchJobScreensStoresAndAlertsOnce(t *testing.T) {
	eng, st, _ := newEngine(t)
	ctx := context.Background()
	data, err := os.ReadFile("../../examples/people.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	j, err := eng.Submit("tester", "people.jsonl", data, true)
	if err != nil {
		t.Fatal(err)
	}
	j = waitJob(t, eng, j.ID)
	if j.State != live.JobDone || j.Records != 400 || j.Done != 400 || j.Stored != 400 || j.Bad != 0 {
		t.Fatalf("job: %+v", j)
	}
	sum := 0
	for _, n := range j.Levels {
		sum += n
	}
	if sum != 400 {
		t.Errorf("levels %v add up to %d", j.Levels, sum)
	}
	// The result is one verdict per record, in input order.
	res, ok := eng.JobResult(j.ID, true)
	if !ok {
		t.Fatal("no result")
	}
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(res))
	sc.Buffer(nil, 1<<20)
	high := map[string]bool{}
	for sc.Scan() {
		var v screen.Verdict
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
		if risk.Rank(v.Level) >= risk.Rank(risk.High) {
			high[v.ID] = true
		}
	}
	if len(ids) != 400 || ids[0] != "S0000001" || ids[399] != "S0000400" {
		t.Errorf("result ids: %d, first %v", len(ids), ids[:1])
	}
	// Every ring persona is flagged, and every flagged subject has one alert.
	for id := range truth(t) {
		if !high[id] {
			t.Errorf("ring persona %s is not high", id)
		}
	}
	alerts, err := st.Alerts(ctx, store.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != len(high) || j.Alerts != len(high) {
		t.Errorf("%d alerts (job says %d) for %d high verdicts", len(alerts), j.Alerts, len(high))
	}
	if v, err := st.Verdict(ctx, "S0000009"); err != nil || risk.Rank(v.Level) < risk.Rank(risk.High) {
		t.Errorf("stored verdict of a ring persona: %+v, %v", v, err)
	}
	// The same batch again raises no second alert for the same data.
	j2, _ := eng.Submit("tester", "people.jsonl", data, true)
	if j2 = waitJob(t, eng, j2.ID); j2.Alerts != 0 {
		t.Errorf("re-screening raised %d alerts", j2.Alerts)
	}
}

func TestBatchJobReportsBadLinesAndGoesOn(t *testing.T) {
	eng, st, _ := newEngine(t)
	in := strings.Join([]string{
		`{"id":"a1","name":"Ann Lee","emails":["ann@example.com"]}`,
		`{"id":"a2","name":"Bo Kim","birth_date":"1990-13-45"}`,
		`{"id":"a1","name":"Ann Lee again"}`,
		`not json`,
		`{"id":"a3","name":"Cy Park"}`,
	}, "\n") + "\n"
	j, err := eng.Submit("tester", "upload.jsonl", []byte(in), true)
	if err != nil {
		t.Fatal(err)
	}
	j = waitJob(t, eng, j.ID)
	if j.State != live.JobDone || j.Records != 2 || j.Bad != 3 {
		t.Fatalf("job: %+v", j)
	}
	want := []string{"upload.jsonl:2: field birth_date", "upload.jsonl:3: field id", "upload.jsonl:4: not valid JSON"}
	for i, w := range want {
		if i >= len(j.Errors) || !strings.HasPrefix(j.Errors[i], w) {
			t.Errorf("error %d = %q, want it to start %q", i, j.Errors, w)
		}
	}
	if _, err := st.Subject(context.Background(), "a3"); err != nil {
		t.Errorf("a good record after bad ones was not stored: %v", err)
	}
	if _, err := st.Subject(context.Background(), "a2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a bad record was stored: %v", err)
	}
}

func TestScreenWithoutKeepStoresNothing(t *testing.T) {
	eng, st, _ := newEngine(t)
	rec := subject.Record{ID: "x1", Name: "Kim Chol", Raw: json.RawMessage(`{"id":"x1","name":"Kim Chol"}`)}
	res, err := eng.Screen(context.Background(), rec, false)
	if err != nil || res.Stored || res.Verdict.ID != "x1" {
		t.Fatalf("%+v, %v", res, err)
	}
	if _, err := st.Subject(context.Background(), "x1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("stored without being asked: %v", err)
	}
	if _, err := eng.Screen(context.Background(), subject.Record{}, false); !errors.Is(err, live.ErrRecord) {
		t.Errorf("no id: %v", err)
	}
}

func TestSubjectGraphAndClustersFollowTheRings(t *testing.T) {
	eng, _, _ := newEngine(t)
	ctx := context.Background()
	data, err := os.ReadFile("../../examples/people.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	j, _ := eng.Submit("tester", "people.jsonl", data, true)
	waitJob(t, eng, j.ID)
	rings := truth(t)

	g, err := eng.SubjectGraph(ctx, "S0000009", 2, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range g.Nodes {
		got = append(got, n.ID)
		if g.Info[n.ID].Level == "" {
			t.Errorf("node %s has no level", n.ID)
		}
	}
	for id, ring := range rings {
		if ring == rings["S0000009"] && !slices.Contains(got, id) {
			t.Errorf("ring-mate %s missing from the graph of S0000009: %v", id, got)
		}
	}
	if len(g.Edges) == 0 || len(g.Edges[0].Links) == 0 {
		t.Errorf("graph has no evidence on its edges: %+v", g.Edges)
	}
	if _, err := eng.SubjectGraph(ctx, "nobody", 2, 100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown subject: %v", err)
	}

	cs, _, err := eng.Clusters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, c := range cs {
		if risk.Rank(c.Level) < risk.Rank(risk.High) {
			continue
		}
		ring := rings[c.Members[0]]
		for _, m := range c.Members {
			if rings[m] != ring || ring == "" {
				t.Errorf("high cluster %s mixes %s (ring %q) with ring %q", c.ID, m, rings[m], ring)
			}
		}
		found[ring] = true
	}
	if len(found) != 2 {
		t.Errorf("high clusters cover rings %v, want both", found)
	}
}

func TestRedactWithholdsStoredIDsOnly(t *testing.T) {
	eng, st, _ := newEngine(t)
	ctx := context.Background()
	stored := subject.Record{ID: "kept-1", Name: "Ann Lee", Wallets: []string{"0x52908400098527886E0F7030069857D2E4169EE7"},
		Raw: json.RawMessage(`{"id":"kept-1"}`)}
	if _, err := eng.Screen(ctx, stored, true); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Subject(ctx, "kept-1"); err != nil {
		t.Fatal(err)
	}
	rec := subject.Record{ID: "new-1", Name: "Bo Kim", Wallets: stored.Wallets, Raw: json.RawMessage(`{"id":"new-1"}`)}
	res, err := eng.Screen(ctx, rec, false)
	if err != nil {
		t.Fatal(err)
	}
	var link *screen.Hit
	for i, h := range res.Verdict.Hits {
		if h.Source == "store" {
			link = &res.Verdict.Hits[i]
		}
	}
	if link == nil || !strings.Contains(link.Matched, "kept-1") {
		t.Fatalf("no store link naming kept-1: %+v", res.Verdict.Hits)
	}
	red := live.Redact(res.Verdict)
	for i, h := range red.Hits {
		orig := res.Verdict.Hits[i]
		if strings.Contains(h.Matched, "kept-1") {
			t.Errorf("redacted hit still names the stored subject: %+v", h)
		}
		if h.Points != orig.Points || h.Explanation != orig.Explanation || h.Rule != orig.Rule {
			t.Errorf("redaction changed more than matched: %+v vs %+v", h, orig)
		}
	}
	if red.Score != res.Verdict.Score || !strings.Contains(link.Matched, "kept-1") {
		t.Error("Redact changed the verdict it was given")
	}
}
