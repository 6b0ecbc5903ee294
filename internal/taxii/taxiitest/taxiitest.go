// Package taxiitest is the conformance suite of taxii.Backend
// implementations, run through the real TAXII server over HTTP: what a
// member posts is what members read back, every page boundary keeps every
// object exactly once, and TLP and rights hold on every read path. Every
// object the server serves is validated against the OASIS STIX 2.1 JSON
// schemas in ../shared/data. The suite drives the server with
// taxii.Client where a client would, which tests the client too.
//
// An implementation's test calls Run with a function that opens a fresh,
// empty backend holding the collections given.
package taxiitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ringfence/ringfence/internal/shareddata"
	"github.com/ringfence/ringfence/internal/taxii"
)

// NewBackend opens a fresh, empty backend holding colls, each with the
// rights and default TLP its spec gives, and closes it when t ends.
// Principals are members by their Member id and guests by Guest.
type NewBackend func(t *testing.T, colls []taxii.CollectionSpec) taxii.Backend

// The collections every test starts with.
var (
	// shared is where members share: every member reads and writes it,
	// guests read it.
	shared = taxii.CollectionSpec{
		ID: "0b6c3a52-6f3e-4c55-9a6b-2f1d8e7c4a10", Title: "DPRK IT worker indicators",
		Description: "Indicators of DPRK remote IT workers and their facilitators, shared by consortium members.",
		Alias:       "dprk-it-workers", Readers: []string{"*"}, Writers: []string{"*"}, GuestRead: true,
	}
	// membersOnly is not for guests.
	membersOnly = taxii.CollectionSpec{
		ID: "5d2e8f14-93b7-4e0a-8c61-0f4b7a9d3e22", Title: "Member investigations",
		Readers: []string{"*"}, Writers: []string{"*"},
	}
	// amberDefault treats unmarked objects as TLP:AMBER.
	amberDefault = taxii.CollectionSpec{
		ID: "7a41c0d9-2b85-4f6e-b3a7-6e9c1d0f5b33", Title: "Unreviewed member submissions",
		DefaultTLP: taxii.TLPAmber, Readers: []string{"*"}, Writers: []string{"*"}, GuestRead: true,
	}
	// dropbox is written by org-b and read by org-a only.
	dropbox = taxii.CollectionSpec{
		ID: "c93f7e21-48ad-4b1c-9e05-d7a2b6c8f144", Title: "Tips for the consortium operator",
		Readers: []string{"org-a"}, Writers: []string{"org-b"},
	}
)

// who is a principal and its credentials.
type who struct {
	name       string
	p          taxii.Principal
	user, pass string // HTTP Basic
	key        string // API key, sent as a bearer token
}

var (
	orgA   = who{name: "org-a", p: taxii.Principal{Member: "org-a"}, user: "analyst@org-a.example", pass: "correct horse battery a"}
	orgB   = who{name: "org-b", p: taxii.Principal{Member: "org-b"}, key: "rf_test_0f3c9a7be1d24c55"}
	orgC   = who{name: "org-c", p: taxii.Principal{Member: "org-c"}, user: "soc@org-c.example", pass: "correct horse battery c"}
	guest  = who{name: "guest", p: taxii.Principal{Member: "gov-liaison", Guest: true}, user: "liaison@gov.example", pass: "correct horse battery g"}
	nobody = who{name: "nobody"}
)

var principals = []who{orgA, orgB, orgC, guest}

// authenticate is the suite's Authenticate: Basic or bearer credentials of
// the principals above.
func authenticate(r *http.Request) (taxii.Principal, error) {
	if u, p, ok := r.BasicAuth(); ok {
		for _, w := range principals {
			if w.user != "" && u == w.user && p == w.pass {
				return w.p, nil
			}
		}
		return taxii.Principal{}, taxii.ErrUnauthenticated
	}
	if key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		for _, w := range principals {
			if w.key != "" && key == w.key {
				return w.p, nil
			}
		}
	}
	return taxii.Principal{}, taxii.ErrUnauthenticated
}

// Limits of the server under test, small enough to reach.
const (
	maxContentLength = 1 << 20
	maxObjectSize    = 64 << 10
	pageSize         = 20
	maxPageSize      = 100
)

// env is one test's server over a fresh backend.
type env struct {
	b       taxii.Backend
	srv     *httptest.Server
	schemas *schemas // nil when the schemas are missing
}

// Run runs the suite against the backends newBackend opens.
func Run(t *testing.T, newBackend NewBackend) {
	dir := filepath.Join(shareddata.Dir(t), "stix2-schemas", "schemas")
	sch, err := loadSchemas(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if os.Getenv("CI") == "true" {
			t.Fatalf("the STIX 2.1 schemas are missing (CI must have ../shared/data): %v", err)
		}
	case err != nil:
		t.Fatalf("load the STIX 2.1 schemas: %v", err)
	}

	tests := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"discovery leads to the API root and its collections", testDiscovery},
		{"posted objects are reported in a status and read back", testRoundTrip},
		{"invalid objects are failures and the valid ones are stored", testInvalidObjects},
		{"a version posted twice is stored once and succeeds twice", testSameVersionTwice},
		{"250 objects added together are paged exactly once and in order", testSharedDateAdded},
		{"concurrent posts are paged exactly once", testConcurrentPosts},
		{"added_after is exclusive", testAddedAfter},
		{"match[type] and match[id] select objects", testMatchTypeAndID},
		{"match[version] selects first, last, all or one version", testMatchVersion},
		{"match[spec_version] selects by STIX version", testMatchSpecVersion},
		{"TLP:RED is served only to the member who wrote it", testTLPRed},
		{"TLP:AMBER is never served to guests", testTLPAmber},
		{"TLP:GREEN and CLEAR are served to guests of a collection open to them", testTLPGreen},
		{"the strictest TLP marking wins", testStrictestMarking},
		{"unmarked objects take the collection's default TLP", testDefaultTLP},
		{"read and write rights are kept per collection", testRights},
		{"a status is shown only to the member who posted", testStatusOwner},
		{"an Accept header without TAXII 2.1 is refused with 406", testAccept},
		{"a POST that is not TAXII 2.1 JSON is refused with 415", testContentType},
		{"bad JSON and bad parameters are refused with 400", testBadRequests},
		{"requests without valid credentials are refused with 401", testUnauthenticated},
		{"a body over max_content_length is refused with 413", testTooLarge},
		{"pages carry X-TAXII-Date-Added-First and -Last", testDateHeaders},
		{"unknown collections, objects and paths are 404", testNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackend(t, []taxii.CollectionSpec{shared, membersOnly, amberDefault, dropbox})
			srv := httptest.NewServer(taxii.NewServer(b, taxii.ServerOptions{
				Title: "ringfence consortium hub", Description: "Conformance test server",
				Contact: "hub-operator@consortium.example", APIRoot: "/api/",
				MaxContentLength: maxContentLength, MaxObjectSize: maxObjectSize,
				PageSize: pageSize, MaxPageSize: maxPageSize,
				Authenticate: authenticate, Realm: "ringfence-test",
			}))
			t.Cleanup(srv.Close)
			tt.fn(t, &env{b: b, srv: srv, schemas: sch})
		})
	}
	t.Run("every object served validates against the STIX 2.1 schemas", func(t *testing.T) {
		if sch == nil {
			shareddata.Require(t, dir)
			t.Skipf("the STIX 2.1 schemas are missing: %s", dir)
		}
		if sch.count() == 0 {
			t.Error("no served object was validated")
		}
	})
}

func ctx(t *testing.T) context.Context { return t.Context() }

// client returns a taxii.Client acting as w, pointed at discovery.
func (e *env) client(w who) *taxii.Client {
	return &taxii.Client{
		BaseURL: e.srv.URL + taxii.DiscoveryPath, HTTP: e.srv.Client(),
		Username: w.user, Password: w.pass, APIKey: w.key,
	}
}

func collPath(id string) string { return "/api/collections/" + id + "/" }

// request sends a request as w. hdr overrides the default headers (Accept
// and, with a body, Content-Type: TAXII 2.1); an empty value removes one.
func (e *env) request(t *testing.T, w who, method, path string, q url.Values, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	u := e.srv.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx(t), method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", taxii.MediaType)
	if body != nil {
		req.Header.Set("Content-Type", taxii.MediaType)
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	switch {
	case w.user != "":
		req.SetBasicAuth(w.user, w.pass)
	case w.key != "":
		req.Header.Set("Authorization", "Bearer "+w.key)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp, data
}

// getJSON GETs path as w, wants 200 with the TAXII media type, and decodes
// the body into out.
func (e *env) getJSON(t *testing.T, w who, path string, q url.Values, out any) http.Header {
	t.Helper()
	resp, body := e.request(t, w, http.MethodGet, path, q, nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s?%s as %s: status %d, want 200: %s", path, q.Encode(), w.name, resp.StatusCode, body)
	}
	checkMediaType(t, resp)
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s as %s: %v: %s", path, w.name, err, body)
	}
	return resp.Header
}

func checkMediaType(t *testing.T, resp *http.Response) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "application/taxii+json" || params["version"] != "2.1" {
		t.Errorf("%s %s: Content-Type %q, want %s", resp.Request.Method, resp.Request.URL.Path, resp.Header.Get("Content-Type"), taxii.MediaType)
	}
}

// wantError checks that an answer is a TAXII error message with status.
func wantError(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	what := resp.Request.Method + " " + resp.Request.URL.String()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d: %s", what, resp.StatusCode, status, body)
		return
	}
	checkMediaType(t, resp)
	var te taxii.Error
	if err := json.Unmarshal(body, &te); err != nil {
		t.Errorf("%s: the body is not a TAXII error message: %v: %s", what, err, body)
		return
	}
	var raw struct {
		Title      *string `json:"title"`
		HTTPStatus *string `json:"http_status"`
	}
	json.Unmarshal(body, &raw)
	if raw.Title == nil || *raw.Title == "" || te.HTTPStatus != status || raw.HTTPStatus == nil {
		t.Errorf("%s: error message %s, want a title and http_status %q", what, body, http.StatusText(status))
	}
}

// serve checks objects served to a reader: each validates against its
// STIX 2.1 schema.
func (e *env) serve(t *testing.T, objs []json.RawMessage) []json.RawMessage {
	t.Helper()
	if e.schemas == nil {
		return objs
	}
	for _, o := range objs {
		if err := e.schemas.check(o); err != nil {
			t.Error(err)
		}
	}
	return objs
}

// page is one page of objects as served.
type page struct {
	env    taxii.Envelope
	header http.Header
}

// objectPages reads every page of a collection's objects as w, following
// next from the first request's parameters.
func (e *env) objectPages(t *testing.T, w who, coll string, q url.Values) []page {
	t.Helper()
	return e.pages(t, w, collPath(coll)+"objects/", q)
}

func (e *env) pages(t *testing.T, w who, path string, q url.Values) []page {
	t.Helper()
	var pages []page
	v := cloneValues(q)
	for range 10000 {
		var env taxii.Envelope
		hdr := e.getJSON(t, w, path, v, &env)
		e.serve(t, env.Objects)
		pages = append(pages, page{env: env, header: hdr})
		if !env.More {
			return pages
		}
		if env.Next == "" {
			t.Fatalf("GET %s: more without next", path)
		}
		v = cloneValues(q)
		v.Set("next", env.Next)
	}
	t.Fatalf("GET %s: more than 10000 pages", path)
	return nil
}

// objects reads every object of a collection as w.
func (e *env) objects(t *testing.T, w who, coll string, q url.Values) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for _, p := range e.objectPages(t, w, coll, q) {
		out = append(out, p.env.Objects...)
	}
	return out
}

// manifest reads every manifest record of a collection as w.
func (e *env) manifest(t *testing.T, w who, coll string, q url.Values) []taxii.ManifestRecord {
	t.Helper()
	var out []taxii.ManifestRecord
	v := cloneValues(q)
	for range 10000 {
		var m taxii.Manifest
		e.getJSON(t, w, collPath(coll)+"manifest/", v, &m)
		out = append(out, m.Objects...)
		if !m.More {
			return out
		}
		v = cloneValues(q)
		v.Set("next", m.Next)
	}
	t.Fatal("manifest: more than 10000 pages")
	return nil
}

// versions reads every version of an object as w.
func (e *env) versions(t *testing.T, w who, coll, id string, q url.Values) []string {
	t.Helper()
	var out []string
	v := cloneValues(q)
	for range 10000 {
		var vs taxii.Versions
		e.getJSON(t, w, collPath(coll)+"objects/"+id+"/versions/", v, &vs)
		out = append(out, vs.Versions...)
		if !vs.More {
			return out
		}
		v = cloneValues(q)
		v.Set("next", vs.Next)
	}
	t.Fatal("versions: more than 10000 pages")
	return nil
}

// object reads one object's versions as w through its own endpoint.
func (e *env) object(t *testing.T, w who, coll, id string, q url.Values) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for _, p := range e.pages(t, w, collPath(coll)+"objects/"+id+"/", q) {
		out = append(out, p.env.Objects...)
	}
	return out
}

// post adds objects as w with the client and wants every one stored.
func (e *env) post(t *testing.T, w who, coll string, objs ...json.RawMessage) taxii.Status {
	t.Helper()
	st, err := e.client(w).AddObjects(ctx(t), "", coll, objs)
	if err != nil {
		t.Fatalf("add %d objects to %s as %s: %v", len(objs), coll, w.name, err)
	}
	if st.Status != taxii.StatusComplete || st.SuccessCount != len(objs) || st.FailureCount != 0 || st.PendingCount != 0 {
		t.Fatalf("add %d objects as %s: status %+v, want all complete and successful", len(objs), w.name, st)
	}
	return st
}

// ids returns the ids of objects, in order.
func ids(objs []json.RawMessage) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		var head struct {
			ID string `json:"id"`
		}
		json.Unmarshal(o, &head)
		out[i] = head.ID
	}
	return out
}

// idsOf returns the ids of objects built by the fixtures.
func idsOf(objs ...json.RawMessage) []string { return ids(objs) }

// modifiedOf returns the modified of objects, in order.
func modifiedOf(objs []json.RawMessage) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		var head struct {
			Modified string `json:"modified"`
		}
		json.Unmarshal(o, &head)
		out[i] = head.Modified
	}
	return out
}

// sameObjects compares objects as JSON values.
func sameObjects(t *testing.T, what string, got, want []json.RawMessage) {
	t.Helper()
	decode := func(objs []json.RawMessage) []any {
		out := make([]any, len(objs))
		for i, o := range objs {
			if err := json.Unmarshal(o, &out[i]); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		return out
	}
	if diff := cmp.Diff(decode(want), decode(got), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

func sameIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: ids (-want +got):\n%s", what, diff)
	}
}

func values(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
