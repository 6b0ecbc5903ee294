package share_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ringfence/ringfence/internal/blind"
	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/hub"
	"github.com/ringfence/ringfence/internal/match"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/share"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/sqlite"
	"github.com/ringfence/ringfence/internal/subject"
	"github.com/ringfence/ringfence/internal/taxii"
)

// lockedBuffer collects the hub's log lines from concurrent requests.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type member struct {
	id  string
	st  *sqlite.Store
	hc  *share.HubClient
	bc  *blind.Client
	tx  share.Remote
	key string
}

func openStore(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func put(t testing.TB, st store.Store, lines ...string) []subject.Record {
	t.Helper()
	var recs []subject.Record
	var subs []store.Subject
	for _, l := range lines {
		rec, err := subject.DecodeRecord([]byte(l), "test")
		if err != nil {
			t.Fatal(err)
		}
		ids, _ := subject.Identifiers(&rec, normalize.Options{})
		recs = append(recs, rec)
		subs = append(subs, subject.Stored(&rec, ids))
	}
	if _, err := st.PutSubjects(t.Context(), subs); err != nil {
		t.Fatal(err)
	}
	return recs
}

// screenWith screens records against a member's stored intelligence and
// findings, as 'ringfence screen --db' does.
func screenWith(t *testing.T, st store.Store, recs []subject.Record) map[string]screen.Verdict {
	t.Helper()
	idx, err := match.NewIndex(st.Indicators(t.Context(), store.IndicatorQuery{}))
	if err != nil {
		t.Fatal(err)
	}
	findings, err := screen.LoadFindings(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	s, err := screen.New(screen.Config{Intel: idx, Store: st, Findings: findings})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := s.ScreenAll(t.Context(), recs)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]screen.Verdict{}
	for _, v := range vs {
		out[v.ID] = v
	}
	return out
}

func hitRules(v screen.Verdict) []string {
	var out []string
	for _, h := range v.Hits {
		out = append(out, h.Rule)
	}
	return out
}

// The consortium end to end: a hub and three members, each with its own
// database, over real HTTP on loopback.
func TestConsortiumEndToEnd(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()

	hubPath := filepath.Join(dir, "hub.db")
	hubStore := openStore(t, hubPath)
	logs := &lockedBuffer{}
	h, err := hub.New(ctx, hubStore, hub.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)

	// The operator's set-up: three members, a key each, one collection.
	pinned := h.PublicKey()
	members := map[string]*member{}
	for _, id := range []string{"acme", "beta", "gamma"} {
		if err := hub.PutMember(ctx, hubStore, store.HubMember{ID: id, Name: strings.ToUpper(id), Kind: store.MemberOrg}); err != nil {
			t.Fatal(err)
		}
		key, _, err := hub.CreateKey(ctx, hubStore, id, id+"-sync")
		if err != nil {
			t.Fatal(err)
		}
		// Members pin the key the operator gives them out of band, as text.
		text, _ := pinned.MarshalText()
		var pk blind.PublicKey
		if err := pk.UnmarshalText(text); err != nil {
			t.Fatal(err)
		}
		bc, err := blind.NewClient(pk)
		if err != nil {
			t.Fatal(err)
		}
		members[id] = &member{id: id, key: key, st: openStore(t, filepath.Join(dir, id+".db")),
			hc: &share.HubClient{URL: srv.URL, Key: key, HTTP: srv.Client()}, bc: bc,
			tx: share.Remote{Client: &taxii.Client{BaseURL: srv.URL + "/taxii2/", APIKey: key, HTTP: srv.Client()}, Collection: "confirmed-fraud"}}
	}
	if err := hub.PutCollection(ctx, hubStore, store.HubCollection{ID: "confirmed-fraud", Title: "Confirmed DPRK IT-worker personas",
		Rights: []store.HubRight{{Member: "*", Read: true, Write: true}}}); err != nil {
		t.Fatal(err)
	}
	a, b, c := members["acme"], members["beta"], members["gamma"]

	// Acme employed a fraudster, confirmed it in a case, and shares.
	put(t, a.st, `{"id":"acme-17","kind":"employee","name":"Daniel Moore","birth_date":"1991-03-04",`+
		`"emails":["dan.moore.dev91@gmail.com"],"phones":["+1 415 555 2671"],`+
		`"wallets":["0x52908400098527886E0F7030069857D2E4169EE7"],"bank_accounts":["021000021:987654321"],`+
		`"id_documents":[{"type":"ssn","country":"US","number":"532-71-4409"}]}`)
	desk := cases.New(a.st, nil)
	alert, err := a.st.AddAlert(ctx, store.Alert{SubjectID: "acme-17", Score: 80, Level: "high"})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := desk.OpenCase(ctx, "ana", alert.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	dec, err := desk.Decide(ctx, "ana", cs.ID, cases.Decision{Outcome: store.DecisionConfirmed, TLP: "amber", Share: true})
	if err != nil || !dec.Shared || dec.Indicators == 0 {
		t.Fatalf("Decide = %+v, %v", dec, err)
	}
	pushed, err := share.Push(ctx, a.st, a.tx, share.PushOptions{Org: "ACME", Actor: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	if pushed.Indicators == 0 || pushed.Refused != 0 || pushed.Withheld == 0 {
		t.Fatalf("push = %+v; want indicators shared, none refused, the SSN withheld", pushed)
	}

	// Beta and Gamma pull, and flag an applicant who reuses the persona's
	// wallet and e-mail under another name.
	persona := `{"id":"app-9","kind":"applicant","name":"Ryan Clark","emails":["dan.moore.dev91@gmail.com"],` +
		`"wallets":["0x52908400098527886e0f7030069857d2e4169ee7"]}`
	for _, m := range []*member{b, c} {
		res, err := share.Pull(ctx, m.st, m.tx, share.PullOptions{Actor: "sync"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Indicators == 0 || !slices.Contains(res.Sources, "hub:confirmed-fraud:ACME") {
			t.Fatalf("%s pulled %+v; want ACME's indicators", m.id, res)
		}
		var recs []subject.Record
		rec, _ := subject.DecodeRecord([]byte(persona), "test")
		recs = append(recs, rec)
		v := screenWith(t, m.st, recs)["app-9"]
		if v.Level != "high" && v.Level != "critical" {
			t.Errorf("%s screens the reused persona %s (%d): %v; want high or critical", m.id, v.Level, v.Score, hitRules(v))
		}
		found := false
		for _, hit := range v.Hits {
			if strings.HasPrefix(hit.Source, "hub:confirmed-fraud:ACME") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no hit names the shared source: %+v", m.id, v.Hits)
		}
		// A second pull with nothing new reads nothing.
		if again, err := share.Pull(ctx, m.st, m.tx, share.PullOptions{}); err != nil || !again.Unchanged {
			t.Errorf("%s second pull = %+v, %v; want unchanged", m.id, again, err)
		}
	}
	// Acme's own pull does not bring its finding back as the consortium's.
	if own, err := share.Pull(ctx, a.st, a.tx, share.PullOptions{Org: "ACME"}); err != nil || len(own.Sources) != 0 {
		t.Errorf("acme's pull = %+v, %v; want nothing of its own imported", own, err)
	}

	// Beta and Gamma both employ one identity (one SSN and birth date,
	// under two names), and Beta has an applicant using the fraudster's.
	betaRecs := put(t, b.st,
		`{"id":"b-1","kind":"employee","name":"Chris Lee","birth_date":"1990-07-08","emails":["chris.lee.codes@gmail.com"],`+
			`"id_documents":[{"type":"ssn","country":"US","number":"461-28-3307"}]}`,
		`{"id":"b-2","kind":"employee","name":"Ordinary Person","birth_date":"1985-01-01","emails":["ordinary@example.com"],`+
			`"phones":["+1 212 555 0143"]}`,
		`{"id":"b-3","kind":"applicant","name":"Alan Turner","birth_date":"1991-03-04",`+
			`"id_documents":[{"type":"ssn","country":"US","number":"532-71-4409"}]}`)
	gammaRecs := put(t, c.st,
		`{"id":"g-1","kind":"contractor","name":"Kevin Chris Lee","birth_date":"1990-07-08","emails":["k.lee.remote@outlook.com"],`+
			`"id_documents":[{"type":"ssn","country":"US","number":"461-28-3307"}]}`)
	// The members share a pepper the hub does not know.
	pepper := []byte("a secret the three members agreed on")
	for i, m := range []*member{a, b, c, b} { // beta again: gamma registered after beta's first sync
		res, err := share.SyncTokens(ctx, m.st, m.hc, m.bc, share.SyncOptions{Pepper: pepper})
		if err != nil {
			t.Fatalf("%s sync: %v", m.id, err)
		}
		if res.Registered == 0 {
			t.Fatalf("%s registered nothing: %+v", m.id, res)
		}
		// Beta's second sync asks the hub for nothing: every token is
		// cached under this epoch.
		if i == 3 && (res.Evaluated != 0 || res.Inputs == 0) {
			t.Errorf("beta's second sync evaluated %d of %d identifiers; want none", res.Evaluated, res.Inputs)
		}
	}
	consortium := func(st store.Store, subj string) map[string]screen.Finding {
		fs, err := st.Findings(ctx, store.FindingQuery{Source: store.SourceConsortium, SubjectID: subj})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]screen.Finding{}
		for _, f := range fs {
			sf, _ := screen.FindingOf(f)
			out[sf.Identifier] = sf
		}
		return out
	}
	for _, tc := range []struct {
		m    *member
		subj string
	}{{b, "b-1"}, {c, "g-1"}} {
		got := consortium(tc.m.st, tc.subj)
		for _, kind := range []string{"id_document", "identity"} {
			if f := got[kind]; f.Members != 1 || f.Fraud != 0 {
				t.Errorf("%s %s: %s finding %+v; want held at 1 other member, no fraud", tc.m.id, tc.subj, kind, f)
			}
		}
		if _, ok := got["email"]; ok {
			t.Errorf("%s %s: e-mails differ, yet %+v", tc.m.id, tc.subj, got["email"])
		}
	}
	if got := consortium(b.st, "b-2"); len(got) != 0 {
		t.Errorf("an ordinary employee of beta has consortium findings: %+v", got)
	}
	if f := consortium(b.st, "b-3")["identity"]; f.Fraud != 1 {
		t.Errorf("beta's applicant with the fraudster's identity: %+v; want fraud at 1 member", f)
	}
	// Screening turns the answers into explained hits.
	vb := screenWith(t, b.st, betaRecs)
	if rules := hitRules(vb["b-1"]); !slices.Contains(rules, "consortium-identity-elsewhere") || vb["b-1"].Level != "medium" {
		t.Errorf("b-1: %s %v; want medium with consortium-identity-elsewhere", vb["b-1"].Level, rules)
	}
	if v := vb["b-3"]; !slices.Contains(hitRules(v), "consortium-fraud-elsewhere") || (v.Level != "high" && v.Level != "critical") {
		t.Errorf("b-3: %s %v; want high with consortium-fraud-elsewhere", v.Level, hitRules(v))
	}
	if v := vb["b-2"]; v.Level != "clear" {
		t.Errorf("b-2: %s %v; want clear", v.Level, hitRules(v))
	}
	vg := screenWith(t, c.st, gammaRecs)
	if !slices.Contains(hitRules(vg["g-1"]), "consortium-identity-elsewhere") {
		t.Errorf("g-1: %v", hitRules(vg["g-1"]))
	}
	for _, hit := range vb["b-1"].Hits {
		if hit.Rule == "consortium-identity-elsewhere" && !strings.Contains(hit.Explanation, "1 other member") {
			t.Errorf("explanation %q does not say how many members", hit.Explanation)
		}
	}

	// Acme withdraws the case (a false positive after all): its next push
	// revokes what it published, and the members' next pull drops it.
	if err := a.st.UnshareSource(ctx, "case-1"); err != nil {
		t.Fatal(err)
	}
	withdrawn, err := share.Push(ctx, a.st, a.tx, share.PushOptions{Org: "ACME"})
	if err != nil || withdrawn.Revoked != pushed.Indicators || withdrawn.Refused != 0 {
		t.Fatalf("push after unsharing = %+v, %v; want the %d indicators revoked", withdrawn, err, pushed.Indicators)
	}
	res, err := share.Pull(ctx, b.st, b.tx, share.PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var left int
	for range b.st.Indicators(ctx, store.IndicatorQuery{Source: "hub:confirmed-fraud:ACME"}) {
		left++
	}
	if left != 0 {
		t.Errorf("after the revocation beta still holds %d of acme's indicators (pull %+v)", left, res)
	}

	// No raw identifier that was not deliberately shared is in the hub's
	// database files or its logs: not the SSNs, not beta's and gamma's
	// people, not the tokens' inputs.
	if err := hubStore.Close(); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"532-71-4409", "532714409", "461-28-3307", "461283307", "Chris Lee", "CHRIS LEE",
		"chris.lee.codes", "k.lee.remote", "Ordinary Person", "ordinary@example.com", "+12125550143", "2125550143",
		"Alan Turner", "1990-07-08", "Kevin Chris Lee"}
	files, _ := filepath.Glob(hubPath + "*")
	if len(files) == 0 {
		t.Fatal("no hub database files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(s))) {
				t.Errorf("the hub's %s holds %q", filepath.Base(f), s)
			}
		}
	}
	for _, s := range append(secrets, a.key, b.key, c.key) {
		if strings.Contains(strings.ToLower(logs.String()), strings.ToLower(s)) {
			t.Errorf("the hub's log holds %q", s)
		}
	}
	if !strings.Contains(logs.String(), `"route":"POST /hub/v1/evaluate"`) {
		t.Errorf("the hub logged no evaluation: %.500s", logs.String())
	}

	_ = json.Valid
	_ = context.Background
}

// A member with another pepper (or none) matches nobody: the tokens of one
// identifier differ.
func TestPepperSeparatesTokens(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	hubStore := openStore(t, filepath.Join(dir, "hub.db"))
	h, err := hub.New(ctx, hubStore, hub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	sync := func(id string, pepper []byte) map[string]screen.Finding {
		if err := hub.PutMember(ctx, hubStore, store.HubMember{ID: id, Kind: store.MemberOrg}); err != nil {
			t.Fatal(err)
		}
		key, _, err := hub.CreateKey(ctx, hubStore, id, "")
		if err != nil {
			t.Fatal(err)
		}
		st := openStore(t, filepath.Join(dir, id+".db"))
		put(t, st, `{"id":"e1","kind":"employee","name":"Chris Lee","birth_date":"1990-07-08","id_documents":[{"type":"ssn","country":"US","number":"461-28-3307"}]}`)
		bc, _ := blind.NewClient(h.PublicKey())
		if _, err := share.SyncTokens(ctx, st, &share.HubClient{URL: srv.URL, Key: key, HTTP: srv.Client()}, bc, share.SyncOptions{Pepper: pepper}); err != nil {
			t.Fatal(err)
		}
		fs, _ := st.Findings(ctx, store.FindingQuery{})
		out := map[string]screen.Finding{}
		for _, f := range fs {
			sf, _ := screen.FindingOf(f)
			out[sf.Identifier] = sf
		}
		return out
	}
	sync("one", []byte("pepper of the consortium"))
	if got := sync("two", []byte("another pepper entirely")); len(got) != 0 {
		t.Errorf("a member with another pepper matched: %+v", got)
	}
	if got := sync("three", nil); len(got) != 0 {
		t.Errorf("a member without a pepper matched: %+v", got)
	}
	if got := sync("four", []byte("pepper of the consortium")); got["identity"].Members != 1 {
		t.Errorf("a member with the same pepper: %+v; want the identity held at 1 other member", got)
	}
}
