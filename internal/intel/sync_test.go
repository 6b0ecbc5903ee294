package intel

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/sqlite"
)

// listServer serves one file with an ETag and Last-Modified, answers
// conditional requests with 304, and can be told to fail or to cut the
// body short.
type listServer struct {
	mu          sync.Mutex
	body        []byte
	etag        string
	mode        string // "", "error", "truncate"
	conditional []string
	full        int
}

func (s *listServer) set(body []byte, etag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.etag, s.mode = body, etag, ""
}

func (s *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conditional = append(s.conditional, r.Header.Get("If-None-Match"))
	switch s.mode {
	case "error":
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	case "truncate":
		w.Header().Set("Content-Length", fmt.Sprint(len(s.body)))
		w.Write(s.body[:len(s.body)/2])
		return // the server closes the connection: the client sees a short body
	}
	if r.Header.Get("If-None-Match") == s.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.full++
	w.Header().Set("ETag", s.etag)
	w.Header().Set("Last-Modified", "Fri, 27 Feb 2026 00:00:09 GMT")
	w.Write(s.body)
}

func openTestStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "rf.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func countSource(t *testing.T, st store.Store, source string) int {
	t.Helper()
	n := 0
	for _, err := range st.Indicators(t.Context(), store.IndicatorQuery{Source: source}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

func parsedCount(t *testing.T, body []byte) int {
	t.Helper()
	res, err := ParseUN(context.Background(), bytes.NewReader(body), "consolidated.xml")
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Indicators)
}

func TestSyncImportsWhatChangedAndKeepsTheListOnFailure(t *testing.T) {
	un, err := os.ReadFile(sharedFile(t, "un/consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	// The list a day later: its first individual delisted.
	start := bytes.Index(un, []byte("<INDIVIDUAL>"))
	end := bytes.Index(un, []byte("</INDIVIDUAL>")) + len("</INDIVIDUAL>")
	changed := append(append([]byte{}, un[:start]...), un[end:]...)
	srv := &listServer{}
	srv.set(un, `"v1"`)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	st := openTestStore(t)
	target := SyncTarget{Name: "un", URL: ts.URL + "/resources/xml/en/consolidated.xml"}
	s := &Syncer{Store: st, Client: ts.Client()}
	ctx := t.Context()

	steps := []struct {
		name    string
		prepare func()
		want    string
		count   int // indicators of un-consolidated afterwards
	}{
		{"the first sync imports the list", func() {}, SyncImported, parsedCount(t, un)},
		{"a second sync asks with the ETag, gets 304 and imports nothing", func() {}, SyncUnchanged, parsedCount(t, un)},
		{"a server error leaves the list in place", func() { srv.mode = "error" }, SyncFailed, parsedCount(t, un)},
		{"a body cut short leaves the list in place", func() { srv.set(changed, `"v2"`); srv.mode = "truncate" }, SyncFailed, parsedCount(t, un)},
		{"a truncated document leaves the list in place", func() { srv.set(changed[:len(changed)/2], `"v3"`) }, SyncFailed, parsedCount(t, un)},
		{"a changed list is imported again", func() { srv.set(changed, `"v4"`) }, SyncImported, parsedCount(t, changed)},
		{"the same bytes under a new ETag are not imported again", func() { srv.set(changed, `"v5"`) }, SyncUnchanged, parsedCount(t, changed)},
	}
	for _, step := range steps {
		step.prepare()
		o := s.Sync(ctx, target, false)
		if o.Status != step.want {
			t.Fatalf("%s: status %s (%v), want %s", step.name, o.Status, o.Err, step.want)
		}
		if got := countSource(t, st, "un-consolidated"); got != step.count {
			t.Errorf("%s: un-consolidated has %d indicators, want %d", step.name, got, step.count)
		}
	}
	if got := srv.conditional[1]; got != `"v1"` {
		t.Errorf("the second request sent If-None-Match %q, want the first response's ETag", got)
	}
	state, err := st.SyncState(ctx, target.URL)
	if err != nil || state.ETag != `"v5"` || state.LastModified == "" {
		t.Errorf("sync state = %+v, %v; want the last response's validators", state, err)
	}
}

func TestSyncDryRunChangesNothing(t *testing.T) {
	un, err := os.ReadFile(sharedFile(t, "un/consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &listServer{}
	srv.set(un, `"v1"`)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	st := openTestStore(t)
	s := &Syncer{Store: st, Client: ts.Client()}
	o := s.Sync(t.Context(), SyncTarget{Name: "un", URL: ts.URL + "/consolidated.xml"}, true)
	if o.Status != SyncChanged || o.Bytes != int64(len(un)) {
		t.Errorf("dry run: %s, %d bytes (%v); want changed, %d bytes", o.Status, o.Bytes, o.Err, len(un))
	}
	if n := countSource(t, st, "un-consolidated"); n != 0 {
		t.Errorf("a dry run stored %d indicators", n)
	}
	if _, err := st.SyncState(t.Context(), ts.URL+"/consolidated.xml"); err == nil {
		t.Error("a dry run recorded sync state")
	}
}

func TestSyncImportsTheCompressedSDNList(t *testing.T) {
	if testing.Short() {
		t.Skip("parses the full SDN list")
	}
	bz, err := os.ReadFile(sharedFile(t, "ofac/sdn-advanced-2025-11-19/sdn_advanced.xml.bz2"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &listServer{}
	srv.set(bz, `"sdn"`)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	st := openTestStore(t)
	s := &Syncer{Store: st, Client: ts.Client()}
	target := SyncTarget{Name: "sdn", URL: ts.URL + "/api/PublicationPreview/exports/SDN_ADVANCED.XML"}
	o := s.Sync(t.Context(), target, false)
	if o.Status != SyncImported || len(o.Results) != 1 || o.Results[0].Source != "ofac-sdn" {
		t.Fatalf("sync = %s %v, results %v", o.Status, o.Err, o.Results)
	}
	if got, want := countSource(t, st, "ofac-sdn"), len(o.Results[0].Indicators); got != want || want == 0 {
		t.Errorf("ofac-sdn has %d indicators, want %d", got, want)
	}
	if o2 := s.Sync(t.Context(), target, false); o2.Status != SyncUnchanged || srv.full != 1 {
		t.Errorf("second sync: %s, %d full downloads; want unchanged after one", o2.Status, srv.full)
	}
}

func TestParseSyncTargets(t *testing.T) {
	got, err := ParseSyncTargets("sdn=https://a.example/SDN.XML, un=http://b.example/u.xml\nx=https://c.example/")
	if err != nil || len(got) != 3 || got[1].Name != "un" || got[2].URL != "https://c.example/" {
		t.Errorf("ParseSyncTargets = %+v, %v", got, err)
	}
	for _, bad := range []string{"https://no-name.example", "x=ftp://a.example/f", "x=", "=https://a.example"} {
		if _, err := ParseSyncTargets(bad); err == nil {
			t.Errorf("ParseSyncTargets(%q) accepted it", bad)
		}
	}
	if !strings.HasPrefix(DefaultSyncTargets[0].URL, "https://sanctionslistservice.ofac.treas.gov/") {
		t.Errorf("the default SDN URL is %s", DefaultSyncTargets[0].URL)
	}
}
