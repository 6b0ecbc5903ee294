package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/dial"
)

// stack is a Server over everything real: a SQLite store in a temporary
// directory with the starter pack loaded, a case desk, a running engine,
// and one API key per role.
type stack struct {
	st   store.Store
	desk *cases.Desk
	eng  *live.Engine
	auth *access.Authenticator
	srv  *Server
	// keys holds an API key per role, keyIDs their ids.
	keys   map[string]string
	keyIDs map[string]string
}

// newStack builds a stack; opts change the server's Config before New.
func newStack(t *testing.T, opts ...func(*Config)) *stack {
	t.Helper()
	ctx := t.Context()
	// Only server errors are worth a line in the test's output: every 4xx
	// is logged as a warning, and most tests here ask for 4xx on purpose.
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	st, err := dial.Open(ctx, filepath.Join(t.TempDir(), "ringfence.db"), log)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := intel.EnsureStarterPack(ctx, st); err != nil {
		t.Fatalf("load starter pack: %v", err)
	}
	desk := cases.New(st, log)
	eng, err := live.New(ctx, live.Config{Store: st, Desk: desk, Log: log})
	if err != nil {
		t.Fatalf("start engine: %v", err)
	}
	desk.IndicatorsChanged = eng.Reload
	// The engine runs until the test ends, and is stopped before the store
	// closes (cleanups run last in, first out).
	ectx, stop := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { eng.Run(ectx) })
	// As a load balancer would, wait until the engine says it is ready.
	for deadline := time.Now().Add(10 * time.Second); !eng.Ready(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the engine never became ready")
		}
	}
	t.Cleanup(func() { stop(); wg.Wait() })
	// Batch jobs a test left running finish before the engine stops, so
	// none writes to a store being closed.
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for busy := true; busy && time.Now().Before(deadline); {
			busy = false
			for _, j := range eng.Jobs() {
				busy = busy || j.State == live.JobQueued || j.State == live.JobRunning
			}
			if busy {
				time.Sleep(5 * time.Millisecond)
			}
		}
	})

	auth := access.NewAuthenticator(st)
	cfg := Config{Store: st, Engine: eng, Desk: desk, Auth: auth, Log: log}
	for _, o := range opts {
		o(&cfg)
	}
	s := &stack{st: st, desk: desk, eng: eng, auth: auth, srv: New(cfg),
		keys: map[string]string{}, keyIDs: map[string]string{}}
	for _, role := range access.Roles {
		s.keys[role], s.keyIDs[role] = s.addKey(t, role)
	}
	return s
}

// addKey stores a new API key of role and returns it and its id.
func (s *stack) addKey(t *testing.T, role string) (key, id string) {
	t.Helper()
	key, id, hash := access.NewKey()
	k := store.APIKey{ID: id, Name: "test " + role, Role: role, Owner: "test", SecretHash: hash, CreatedAt: time.Now().UTC()}
	if err := s.st.AddAPIKey(t.Context(), k); err != nil {
		t.Fatalf("add %s key: %v", role, err)
	}
	return key, id
}

// call sends a request to the server as the holder of key ("" sends no
// credentials). header holds name, value pairs; a JSON-looking body is
// sent as application/json unless header says otherwise.
func (s *stack) call(t *testing.T, method, target, key, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequestWithContext(t.Context(), method, target, nil)
	} else {
		r = httptest.NewRequestWithContext(t.Context(), method, target, strings.NewReader(body))
		if b := strings.TrimSpace(body); strings.HasPrefix(b, "{") || strings.HasPrefix(b, "[") {
			r.Header.Set("Content-Type", "application/json")
		}
	}
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.srv.ServeHTTP(w, r)
	return w
}

// must is call that fails the test unless the status is want, and decodes
// a JSON reply into out when out is not nil.
func (s *stack) must(t *testing.T, want int, method, target, key, body string, out any) *httptest.ResponseRecorder {
	t.Helper()
	w := s.call(t, method, target, key, body)
	if w.Code != want {
		t.Fatalf("%s %s: status %d, want %d; body: %s", method, target, w.Code, want, w.Body)
	}
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: reply is not the JSON expected: %v; body: %s", method, target, err, w.Body)
		}
	}
	return w
}

// multipartBody returns a multipart/form-data body with the file part
// and any further fields, and its Content-Type.
func multipartBody(t *testing.T, filename string, data []byte, fields ...string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), mw.FormDataContentType()
}

// decodeError decodes an error reply, which must be the JSON error body.
func decodeError(t *testing.T, w *httptest.ResponseRecorder) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
		t.Fatalf("status %d: body is not an error object: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("status %d: Content-Type %q, want application/json", w.Code, ct)
	}
	return e
}

// record is a subject record that the starter pack scores high: its
// e-mail is on upworksell.com, an identity-selling site the FBI seized
// (front-company-domain, 75 points).
func record(id string, more ...string) string {
	fields := []string{
		fmt.Sprintf(`"id":%q`, id),
		`"kind":"applicant"`,
		`"name":"Jon Carter ` + id + `"`,
		`"birth_date":"1991-04-12"`,
		fmt.Sprintf(`"emails":[%q]`, id+"@upworksell.com"),
	}
	return "{" + strings.Join(append(fields, more...), ",") + "}"
}

// seeded is a stored subject with an alert and a case.
type seeded struct {
	subject string
	alert   int64
	caseID  int64
}

// seed screens rec through the API as admin with ?store=true, which must
// raise an alert, and opens a case for the alert.
func (s *stack) seed(t *testing.T, id string, more ...string) seeded {
	t.Helper()
	var v screenResponse
	s.must(t, http.StatusOK, "POST", "/v1/screen?store=true", s.keys[store.RoleAdmin], record(id, more...), &v)
	if v.Level != "high" && v.Level != "critical" || v.AlertID == 0 || !v.Stored {
		t.Fatalf("seeding %s: verdict %s (%d), stored %t, alert %d (skipped %q); want a stored high verdict with an alert",
			id, v.Level, v.Score, v.Stored, v.AlertID, v.AlertSkipped)
	}
	var c caseJSON
	s.must(t, http.StatusCreated, "POST", fmt.Sprintf("/v1/alerts/%d/case", v.AlertID), s.keys[store.RoleAdmin], "", &c)
	if c.SubjectID != id || c.Status != store.CaseOpen {
		t.Fatalf("seeding %s: case %+v, want an open case of the subject", id, c)
	}
	return seeded{subject: id, alert: v.AlertID, caseID: c.ID}
}

// schemas validates replies against the response schemas of openapi.json.
type schemas struct {
	doc map[string]any
	c   *jsonschema.Compiler
	mu  sync.Mutex
	got map[string]*jsonschema.Schema
}

// openAPISchemas returns a validator of replies against the embedded
// document.
func openAPISchemas(t *testing.T) *schemas {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAPI))
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	m, _ := doc.(map[string]any)
	closeObjects(m)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("mem:///openapi.json", doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return &schemas{doc: m, c: c, got: map[string]*jsonschema.Schema{}}
}

// closeObjects makes the document's object schemas refuse properties they
// do not list, so a reply with a field the document leaves out fails the
// check. The document itself leaves them open, so clients tolerate fields
// added later. Schemas that say what to do with other properties are
// left as they are, and so are the parts of an allOf, whose whole is
// closed instead.
func closeObjects(doc map[string]any) {
	parts := map[string]bool{}
	var walk func(v any, visit func(map[string]any))
	walk = func(v any, visit func(map[string]any)) {
		switch v := v.(type) {
		case map[string]any:
			visit(v)
			for _, x := range v {
				walk(x, visit)
			}
		case []any:
			for _, x := range v {
				walk(x, visit)
			}
		}
	}
	walk(doc, func(m map[string]any) {
		all, _ := m["allOf"].([]any)
		for _, p := range all {
			pm, _ := p.(map[string]any)
			if ref, ok := pm["$ref"].(string); ok {
				parts[ref] = true
			}
			pm["x-allOf-part"] = true
		}
	})
	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name, s := range schemas {
		if parts["#/components/schemas/"+name] {
			s.(map[string]any)["x-allOf-part"] = true
		}
	}
	walk(doc, func(m map[string]any) {
		_, props := m["properties"]
		_, all := m["allOf"]
		_, additional := m["additionalProperties"]
		if (props || all) && !additional && m["x-allOf-part"] == nil {
			m["unevaluatedProperties"] = false
		}
	})
}

// pointerEscape escapes a JSON pointer token.
func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// lookup follows a JSON pointer ("#/a/b") in the document.
func (sc *schemas) lookup(ptr string) (any, bool) {
	var v any = sc.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "#/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return v, true
}

// check validates a JSON reply of method and path (an OpenAPI path
// template) against the schema the document gives for its status. A
// status the document does not list is an error; a reply that is not
// JSON is not checked further.
func (sc *schemas) check(t *testing.T, method, path string, w *httptest.ResponseRecorder) {
	t.Helper()
	ptr := "#/paths/" + pointerEscape(path) + "/" + strings.ToLower(method) + "/responses/" + fmt.Sprint(w.Code)
	resp, ok := sc.lookup(ptr)
	if !ok {
		t.Errorf("%s %s answered %d, which openapi.json does not list; body: %s", method, path, w.Code, w.Body)
		return
	}
	if m, _ := resp.(map[string]any); m["$ref"] != nil {
		ptr = m["$ref"].(string)
		resp, _ = sc.lookup(ptr)
	}
	ct := strings.TrimSpace(strings.Split(w.Header().Get("Content-Type"), ";")[0])
	if ct != "application/json" {
		return
	}
	if _, ok := sc.lookup(ptr + "/content/application~1json/schema"); !ok {
		t.Errorf("%s %s %d: the reply is JSON but openapi.json gives no application/json schema", method, path, w.Code)
		return
	}
	sch, err := sc.schema(ptr + "/content/application~1json/schema")
	if err != nil {
		t.Fatalf("compile the schema of %s %s %d: %v", method, path, w.Code, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Errorf("%s %s %d: reply is not JSON: %v", method, path, w.Code, err)
		return
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s %s %d: the reply does not match openapi.json: %v\nbody: %s", method, path, w.Code, err, w.Body)
	}
}

func (sc *schemas) schema(ptr string) (*jsonschema.Schema, error) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sch, ok := sc.got[ptr]; ok {
		return sch, nil
	}
	sch, err := sc.c.Compile("mem:///openapi.json" + ptr)
	if err != nil {
		return nil, err
	}
	sc.got[ptr] = sch
	return sch, nil
}
