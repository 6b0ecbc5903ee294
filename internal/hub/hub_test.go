package hub_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/blind"
	"github.com/ringfence/ringfence/internal/hub"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/sqlite"
	"github.com/ringfence/ringfence/internal/taxii"
)

type fixture struct {
	h    *hub.Hub
	st   *sqlite.Store
	srv  *httptest.Server
	keys map[string]string
}

func newHub(t testing.TB, opt hub.Options) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := hub.New(t.Context(), st, opt)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{h: h, st: st, srv: httptest.NewServer(h.Handler()), keys: map[string]string{}}
	t.Cleanup(f.srv.Close)
	for id, kind := range map[string]string{"acme": store.MemberOrg, "beta": store.MemberOrg, "gov": store.MemberGuest} {
		if err := hub.PutMember(t.Context(), st, store.HubMember{ID: id, Kind: kind}); err != nil {
			t.Fatal(err)
		}
		key, _, err := hub.CreateKey(t.Context(), st, id, "test")
		if err != nil {
			t.Fatal(err)
		}
		f.keys[id] = key
	}
	return f
}

func (f *fixture) call(t testing.TB, method, path, member string, body any) (*http.Response, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(t.Context(), method, f.srv.URL+path, bytes.NewReader(b))
	if member != "" {
		req.Header.Set("Authorization", "Bearer "+f.keys[member])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func blinded(t testing.TB, f *fixture, n int) *blind.Request {
	t.Helper()
	c, err := blind.NewClient(f.h.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	inputs := make([][]byte, n)
	for i := range inputs {
		inputs[i] = blind.Input("phone", "+1415555"+strconv.Itoa(1000+i))
	}
	req, err := c.Blind(inputs)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestEvaluateAndFinalize(t *testing.T) {
	f := newHub(t, hub.Options{})
	req := blinded(t, f, 3)
	resp, out := f.call(t, "POST", "/hub/v1/evaluate", "acme", hub.EvaluateRequest{Epoch: req.Epoch, Elements: req.Blinded})
	if resp.StatusCode != 200 {
		t.Fatalf("evaluate: %d %v", resp.StatusCode, out)
	}
	var ev [][]byte
	for _, e := range out["evaluated"].([]any) {
		b, _ := base64.StdEncoding.DecodeString(e.(string))
		ev = append(ev, b)
	}
	proof, _ := base64.StdEncoding.DecodeString(out["proof"].(string))
	toks, err := req.Finalize(ev, proof)
	if err != nil || len(toks) != 3 {
		t.Fatalf("Finalize = %d tokens, %v", len(toks), err)
	}
}

func TestTokenAPIRefusals(t *testing.T) {
	f := newHub(t, hub.Options{})
	req := blinded(t, f, 2)
	identity := make([]byte, 32) // the identity element of ristretto255
	tok := base64.RawURLEncoding.EncodeToString(make([]byte, blind.TokenLen))
	for _, tc := range []struct {
		name, method, path, member string
		body                       any
		status                     int
		field                      string
	}{
		{"no key", "POST", "/hub/v1/evaluate", "", hub.EvaluateRequest{Epoch: req.Epoch, Elements: req.Blinded}, 401, ""},
		{"guests take no part", "POST", "/hub/v1/evaluate", "gov", hub.EvaluateRequest{Epoch: req.Epoch, Elements: req.Blinded}, 403, ""},
		{"identity element", "POST", "/hub/v1/evaluate", "acme", hub.EvaluateRequest{Epoch: req.Epoch, Elements: [][]byte{req.Blinded[0], identity}}, 400, "elements[1]"},
		{"not an element", "POST", "/hub/v1/evaluate", "acme", hub.EvaluateRequest{Epoch: req.Epoch, Elements: [][]byte{bytes.Repeat([]byte{0xff}, 32)}}, 400, "elements[0]"},
		{"wrong length", "POST", "/hub/v1/evaluate", "acme", hub.EvaluateRequest{Epoch: req.Epoch, Elements: [][]byte{{1, 2, 3}}}, 400, "elements[0]"},
		{"unknown epoch", "POST", "/hub/v1/evaluate", "acme", hub.EvaluateRequest{Epoch: 99, Elements: req.Blinded}, 409, "epoch"},
		{"empty batch", "POST", "/hub/v1/evaluate", "acme", hub.EvaluateRequest{Epoch: req.Epoch}, 400, "elements"},
		{"bad token", "PUT", "/hub/v1/tokens", "acme", hub.RegisterRequest{Epoch: req.Epoch, Tokens: []hub.RegisterToken{{Token: "abc"}}}, 400, "tokens[0].token"},
		{"counts of a bad token", "POST", "/hub/v1/tokens/counts", "acme", hub.CountsRequest{Epoch: req.Epoch, Tokens: []string{tok, "!"}}, 400, "tokens[1]"},
		{"counts of another epoch", "POST", "/hub/v1/tokens/counts", "acme", hub.CountsRequest{Epoch: 7, Tokens: []string{tok}}, 409, "epoch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := f.call(t, tc.method, tc.path, tc.member, tc.body)
			if resp.StatusCode != tc.status || tc.field != "" && out["field"] != tc.field {
				t.Errorf("%d %v; want %d naming %q", resp.StatusCode, out, tc.status, tc.field)
			}
		})
	}
}

// A member trying to enumerate a phone-number space is stopped by the quota
// long before the end, and told when to come back.
func TestQuotaStopsBulkEnumeration(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	f := newHub(t, hub.Options{Now: clock, DailyLimit: 5000, Quota: blind.QuotaOptions{Rate: 1_000_000, Burst: 1_000_000}})
	req := blinded(t, f, blind.MaxBatch)
	// The attacker's plan: one area code, 10,000,000 numbers, in full
	// batches as fast as the hub answers.
	const space = 10_000_000
	evaluated := 0
	var refused *http.Response
	for evaluated < space {
		resp, out := f.call(t, "POST", "/hub/v1/evaluate", "acme", hub.EvaluateRequest{Epoch: req.Epoch, Elements: req.Blinded})
		if resp.StatusCode == http.StatusTooManyRequests {
			refused = resp
			break
		}
		if resp.StatusCode != 200 {
			t.Fatalf("evaluate: %d %v", resp.StatusCode, out)
		}
		evaluated += blind.MaxBatch
	}
	if refused == nil || evaluated > 5000 {
		t.Fatalf("evaluated %d of %d before a refusal; want at most the daily 5,000", evaluated, space)
	}
	if ra, err := strconv.Atoi(refused.Header.Get("Retry-After")); err != nil || ra < 3600 {
		t.Errorf("Retry-After %q; want hours, not seconds", refused.Header.Get("Retry-After"))
	}
	// Another member is not affected, and the refusal is in the audit log.
	if resp, _ := f.call(t, "POST", "/hub/v1/evaluate", "beta", hub.EvaluateRequest{Epoch: req.Epoch, Elements: req.Blinded}); resp.StatusCode != 200 {
		t.Errorf("beta refused too: %d", resp.StatusCode)
	}
	evs, err := f.st.Audit(t.Context(), store.AuditQuery{Actor: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	refusals := 0
	for _, ev := range evs {
		if ev.Action == "hub.evaluate.refused" {
			refusals++
		}
	}
	if refusals == 0 {
		t.Error("the refusal is not in the audit log")
	}
	// The daily count is kept in the database: a restarted hub refuses too.
	h2, err := hub.New(t.Context(), f.st, hub.Options{Now: clock, DailyLimit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(h2.Handler())
	defer srv2.Close()
	f2 := &fixture{h: h2, st: f.st, srv: srv2, keys: f.keys}
	if resp, _ := f2.call(t, "POST", "/hub/v1/evaluate", "acme", hub.EvaluateRequest{Epoch: req.Epoch, Elements: req.Blinded}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after a restart: %d; want 429", resp.StatusCode)
	}
}

func TestRevokedKeyAndDisabledMember(t *testing.T) {
	f := newHub(t, hub.Options{})
	if resp, _ := f.call(t, "GET", "/hub/v1/keys", "acme", nil); resp.StatusCode != 200 {
		t.Fatalf("keys: %d", resp.StatusCode)
	}
	if err := hub.PutMember(t.Context(), f.st, store.HubMember{ID: "acme", Kind: store.MemberOrg, Disabled: true}); err != nil {
		t.Fatal(err)
	}
	// A disabled member is refused within the key cache's 10 s in other
	// processes; a new hub sees it at once.
	h2, _ := hub.New(t.Context(), f.st, hub.Options{})
	srv2 := httptest.NewServer(h2.Handler())
	defer srv2.Close()
	f2 := &fixture{h: h2, st: f.st, srv: srv2, keys: f.keys}
	if resp, _ := f2.call(t, "GET", "/hub/v1/keys", "acme", nil); resp.StatusCode != 401 {
		t.Errorf("disabled member: %d; want 401", resp.StatusCode)
	}
	if err := hub.PutMember(t.Context(), f.st, store.HubMember{ID: "unknown member!", Kind: store.MemberOrg}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad member id: %v", err)
	}
}

func TestRotationKeepsTheOldEpochForAGrace(t *testing.T) {
	f := newHub(t, hub.Options{})
	old := f.h.PublicKey()
	pk, err := f.h.Rotate(t.Context())
	if err != nil || pk.Epoch != old.Epoch+1 {
		t.Fatalf("Rotate = %v, %v", pk, err)
	}
	resp, out := f.call(t, "GET", "/hub/v1/keys", "beta", nil)
	if resp.StatusCode != 200 || int(out["epoch"].(float64)) != pk.Epoch || len(out["accepted"].([]any)) != 2 {
		t.Errorf("keys after rotation: %v", out)
	}
	req := blinded(t, f, 1) // pinned to the new key
	if resp, out := f.call(t, "POST", "/hub/v1/evaluate", "acme", hub.EvaluateRequest{Epoch: old.Epoch, Elements: req.Blinded}); resp.StatusCode != 200 {
		t.Errorf("the old epoch during its grace: %d %v", resp.StatusCode, out)
	}
}

// No member can revise, revoke or sign as another member's objects: the
// first member to add an id (or an identity, or to sign as it) owns it.
func TestMembersCannotOverwriteOrImpersonate(t *testing.T) {
	f := newHub(t, hub.Options{})
	ctx := t.Context()
	if err := hub.PutCollection(ctx, f.st, store.HubCollection{ID: "c", Title: "shared",
		Rights: []store.HubRight{{Member: "*", Read: true, Write: true}}}); err != nil {
		t.Fatal(err)
	}
	client := func(m string) *taxii.Client {
		return &taxii.Client{BaseURL: f.srv.URL + "/taxii2/", APIKey: f.keys[m], HTTP: f.srv.Client()}
	}
	const acmeID = "identity--6f8a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b"
	identity := func(name string) json.RawMessage {
		return json.RawMessage(`{"type":"identity","spec_version":"2.1","id":"` + acmeID + `","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-0` + name[:1] + `T00:00:00.000Z","name":"` + name + `"}`)
	}
	ind := func(id, modified, pattern string, revoked bool) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created_by_ref":%q,"created":"2026-11-01T00:00:00.000Z","modified":%q,"pattern":%q,"pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z","revoked":%v}`,
			id, acmeID, modified, pattern, revoked))
	}
	const indID = "indicator--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	st, err := client("acme").AddObjects(ctx, "", "c", []json.RawMessage{identity("1 Acme"),
		ind(indID, "2026-11-01T00:00:00.000Z", "[email-addr:value = 'fraud@example.com']", false)})
	if err != nil || st.SuccessCount != 2 {
		t.Fatalf("acme's post: %+v, %v", st, err)
	}
	// Beta tries to revoke acme's indicator, rename acme, and sign a new
	// indicator as acme.
	st, err = client("beta").AddObjects(ctx, "", "c", []json.RawMessage{
		ind(indID, "2026-11-05T00:00:00.000Z", "[email-addr:value = 'someone-innocent@example.com']", true),
		identity("2 Evil"),
		ind("indicator--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "2026-11-05T00:00:00.000Z", "[email-addr:value = 'innocent@example.com']", false),
	})
	if err != nil || st.SuccessCount != 0 || st.FailureCount != 3 {
		t.Fatalf("beta's post: %+v, %v; want all three refused", st, err)
	}
	for _, fl := range st.Failures {
		if !strings.Contains(fl.Message, "another member") {
			t.Errorf("refusal %q does not say why", fl.Message)
		}
	}
	// Acme can still revise its own.
	st, err = client("acme").AddObjects(ctx, "", "c", []json.RawMessage{ind(indID, "2026-11-06T00:00:00.000Z", "[email-addr:value = 'fraud@example.com']", true)})
	if err != nil || st.SuccessCount != 1 {
		t.Errorf("acme revoking its own: %+v, %v", st, err)
	}
}

// A rotation made by another process reaches a running hub: a member who
// pinned the new key is served at once.
func TestRotationByAnotherProcessReachesARunningHub(t *testing.T) {
	f := newHub(t, hub.Options{})
	other, err := hub.New(t.Context(), f.st, hub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pk, err := other.Rotate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c, err := blind.NewClient(pk)
	if err != nil {
		t.Fatal(err)
	}
	req, err := c.Blind([][]byte{blind.Input("phone", "+14155550100")})
	if err != nil {
		t.Fatal(err)
	}
	resp, out := f.call(t, "POST", "/hub/v1/evaluate", "acme", hub.EvaluateRequest{Epoch: pk.Epoch, Elements: req.Blinded})
	if resp.StatusCode != 200 {
		t.Fatalf("evaluate under the new epoch at the running hub: %d %v", resp.StatusCode, out)
	}
	if got := f.h.PublicKey().Epoch; got != pk.Epoch {
		t.Errorf("the running hub's current epoch is %d, want %d", got, pk.Epoch)
	}
}
