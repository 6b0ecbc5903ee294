package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// wantRoles is who may call each route, as a security reviewer reads the
// roles: an admin does everything; an analyst screens, reads and works
// subjects, cases and intelligence and reads the audit log, but manages
// no users or keys; a viewer reads subjects, cases and intelligence and
// changes nothing; an ingest key belongs to a program that screens what it
// sends and reads nothing else. It is written by hand, not derived from
// package access, so that a grant changed there must be changed here too.
var wantRoles = map[string]string{
	"GET /v1/me":                           "admin analyst viewer ingest",
	"POST /v1/screen":                      "admin analyst ingest",
	"POST /v1/jobs":                        "admin analyst ingest",
	"GET /v1/jobs":                         "admin analyst ingest",
	"GET /v1/jobs/{id}":                    "admin analyst ingest",
	"GET /v1/jobs/{id}/result":             "admin analyst ingest",
	"GET /v1/subjects":                     "admin analyst viewer",
	"GET /v1/subjects/{id}":                "admin analyst viewer",
	"GET /v1/subjects/{id}/verdict":        "admin analyst viewer",
	"GET /v1/subjects/{id}/graph":          "admin analyst viewer",
	"GET /v1/alerts":                       "admin analyst viewer",
	"GET /v1/alerts/{id}":                  "admin analyst viewer",
	"POST /v1/alerts/{id}/case":            "admin analyst",
	"GET /v1/cases":                        "admin analyst viewer",
	"GET /v1/cases/{id}":                   "admin analyst viewer",
	"POST /v1/cases/{id}/assign":           "admin analyst",
	"POST /v1/cases/{id}/comments":         "admin analyst",
	"POST /v1/cases/{id}/attachments":      "admin analyst",
	"GET /v1/cases/{id}/attachments/{aid}": "admin analyst viewer",
	"POST /v1/cases/{id}/decision":         "admin analyst",
	"POST /v1/cases/{id}/reopen":           "admin analyst",
	"GET /v1/clusters":                     "admin analyst viewer",
	"GET /v1/indicators":                   "admin analyst viewer",
	"POST /v1/indicators":                  "admin analyst",
	"GET /v1/indicators/export":            "admin analyst viewer",
	"POST /v1/telemetry":                   "admin analyst",
	"GET /v1/audit":                        "admin analyst",
	"GET /v1/users":                        "admin",
	"POST /v1/users":                       "admin",
	"GET /v1/keys":                         "admin",
	"POST /v1/keys":                        "admin",
	"DELETE /v1/keys/{id}":                 "admin",
}

// fixture is what the route walk calls the routes on: a seeded subject
// with an alert, a case and an attachment, and a finished job per role
// that may screen (a job is its submitter's).
type fixture struct {
	s          *stack
	seeded     seeded
	attachment int64
	jobs       map[string]string // role → job id
}

// probe is one call of a route by role: its target, body and headers.
type probe struct {
	target, body string
	header       []string
}

// probes call each route with valid ids and bodies, so that an allowed
// role gets a 2xx.
var probes = map[string]func(t *testing.T, f *fixture, role string) probe{
	"GET /v1/me": func(*testing.T, *fixture, string) probe { return probe{target: "/v1/me"} },
	"POST /v1/screen": func(_ *testing.T, _ *fixture, role string) probe {
		return probe{target: "/v1/screen", body: record("probe-" + role)}
	},
	"POST /v1/jobs": func(_ *testing.T, _ *fixture, role string) probe {
		return probe{target: "/v1/jobs?name=probe.jsonl", body: `{"id":"job-probe-` + role + `"}` + "\n",
			header: []string{"Content-Type", "application/x-ndjson"}}
	},
	"GET /v1/jobs": func(*testing.T, *fixture, string) probe { return probe{target: "/v1/jobs"} },
	"GET /v1/jobs/{id}": func(_ *testing.T, f *fixture, role string) probe {
		return probe{target: "/v1/jobs/" + f.job(role)}
	},
	"GET /v1/jobs/{id}/result": func(_ *testing.T, f *fixture, role string) probe {
		return probe{target: "/v1/jobs/" + f.job(role) + "/result"}
	},
	"GET /v1/subjects": func(*testing.T, *fixture, string) probe { return probe{target: "/v1/subjects"} },
	"GET /v1/subjects/{id}": func(_ *testing.T, f *fixture, _ string) probe {
		return probe{target: "/v1/subjects/" + f.seeded.subject}
	},
	"GET /v1/subjects/{id}/verdict": func(_ *testing.T, f *fixture, _ string) probe {
		return probe{target: "/v1/subjects/" + f.seeded.subject + "/verdict"}
	},
	"GET /v1/subjects/{id}/graph": func(_ *testing.T, f *fixture, _ string) probe {
		return probe{target: "/v1/subjects/" + f.seeded.subject + "/graph?depth=2&max_nodes=50"}
	},
	"GET /v1/alerts": func(*testing.T, *fixture, string) probe { return probe{target: "/v1/alerts?sort=score"} },
	"GET /v1/alerts/{id}": func(_ *testing.T, f *fixture, _ string) probe {
		return probe{target: fmt.Sprintf("/v1/alerts/%d", f.seeded.alert)}
	},
	"POST /v1/alerts/{id}/case": func(_ *testing.T, f *fixture, _ string) probe {
		return probe{target: fmt.Sprintf("/v1/alerts/%d/case", f.seeded.alert)}
	},
	"GET /v1/cases":      func(*testing.T, *fixture, string) probe { return probe{target: "/v1/cases?status=open"} },
	"GET /v1/cases/{id}": func(_ *testing.T, f *fixture, _ string) probe { return probe{target: f.caseURL("")} },
	"POST /v1/cases/{id}/assign": func(_ *testing.T, f *fixture, _ string) probe {
		return probe{target: f.caseURL("/assign"), body: `{"assignee":""}`}
	},
	"POST /v1/cases/{id}/comments": func(_ *testing.T, f *fixture, role string) probe {
		return probe{target: f.caseURL("/comments"), body: `{"body":"looked at by ` + role + `"}`}
	},
	"POST /v1/cases/{id}/attachments": func(_ *testing.T, f *fixture, role string) probe {
		return probe{target: f.caseURL("/attachments?name=" + role + ".txt"), body: "notes of " + role,
			header: []string{"Content-Type", "text/plain"}}
	},
	"GET /v1/cases/{id}/attachments/{aid}": func(_ *testing.T, f *fixture, _ string) probe {
		return probe{target: f.caseURL(fmt.Sprintf("/attachments/%d", f.attachment))}
	},
	"POST /v1/cases/{id}/decision": func(_ *testing.T, f *fixture, _ string) probe {
		return probe{target: f.caseURL("/decision"), body: `{"decision":"needs_info","note":"ask for a video call"}`}
	},
	"POST /v1/cases/{id}/reopen": func(_ *testing.T, f *fixture, _ string) probe { return probe{target: f.caseURL("/reopen")} },
	"GET /v1/clusters":           func(*testing.T, *fixture, string) probe { return probe{target: "/v1/clusters?min_level=low"} },
	"GET /v1/indicators": func(*testing.T, *fixture, string) probe {
		return probe{target: "/v1/indicators?source=starter-pack&limit=5"}
	},
	"POST /v1/indicators": func(_ *testing.T, _ *fixture, role string) probe {
		return probe{target: "/v1/indicators?name=probe.csv", body: "type,value,severity\nemail,probe-" + role + "@example.org,low\n",
			header: []string{"Content-Type", "text/csv"}}
	},
	"GET /v1/indicators/export": func(*testing.T, *fixture, string) probe {
		return probe{target: "/v1/indicators/export?format=stix&source=starter-pack"}
	},
	"POST /v1/telemetry": func(_ *testing.T, _ *fixture, role string) probe {
		return probe{target: "/v1/telemetry?name=probe.jsonl", body: `{"time":"2026-11-20T10:00:00Z","type":"seen","device":"C02PROBE` + role + `","ip":"73.1.2.3"}` + "\n",
			header: []string{"Content-Type", "application/x-ndjson"}}
	},
	"GET /v1/audit": func(*testing.T, *fixture, string) probe { return probe{target: "/v1/audit?limit=10"} },
	"GET /v1/users": func(*testing.T, *fixture, string) probe { return probe{target: "/v1/users"} },
	"POST /v1/users": func(_ *testing.T, _ *fixture, role string) probe {
		return probe{target: "/v1/users", body: `{"name":"probe-` + role + `","role":"viewer","password":"a long enough password"}`}
	},
	"GET /v1/keys": func(*testing.T, *fixture, string) probe { return probe{target: "/v1/keys"} },
	"POST /v1/keys": func(*testing.T, *fixture, string) probe {
		return probe{target: "/v1/keys", body: `{"name":"applicant tracking","role":"ingest"}`}
	},
	"DELETE /v1/keys/{id}": func(t *testing.T, f *fixture, _ string) probe {
		_, id := f.s.addKey(t, store.RoleIngest) // a key of its own to revoke
		return probe{target: "/v1/keys/" + id}
	},
}

func (f *fixture) caseURL(rest string) string {
	return fmt.Sprintf("/v1/cases/%d%s", f.seeded.caseID, rest)
}

// job is role's own job, or the admin's for a role that may not screen.
func (f *fixture) job(role string) string {
	if id, ok := f.jobs[role]; ok {
		return id
	}
	return f.jobs[store.RoleAdmin]
}

func (p probe) send(t *testing.T, s *stack, method, key string) *httptest.ResponseRecorder {
	t.Helper()
	return s.call(t, method, p.target, key, p.body, p.header...)
}

// newFixture seeds a stack for the route walk.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	s := newStack(t)
	f := &fixture{s: s, seeded: s.seed(t, "seed-1"), jobs: map[string]string{}}
	body, ct := multipartBody(t, "chat log.txt", []byte("recruiter chat, 3 May"))
	w := s.call(t, "POST", f.caseURL("/attachments"), s.keys[store.RoleAdmin], body, "Content-Type", ct)
	var a attachmentJSON
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &a) != nil {
		t.Fatalf("attach: status %d: %s", w.Code, w.Body)
	}
	f.attachment = a.ID
	for _, role := range []string{store.RoleAdmin, store.RoleAnalyst, store.RoleIngest} {
		f.jobs[role] = s.finishJob(t, s.keys[role], "batch.jsonl", `{"id":"batch-`+role+`","name":"Jon Carter"}`+"\n")
	}
	return f
}

// finishJob submits a batch as the holder of key and waits until it is
// done.
func (s *stack) finishJob(t *testing.T, key, name, data string) string {
	t.Helper()
	var j live.Job
	s.must(t, http.StatusAccepted, "POST", "/v1/jobs?name="+name, key, data, &j)
	deadline := time.Now().Add(10 * time.Second)
	for j.State != live.JobDone {
		if j.State == live.JobFailed || time.Now().After(deadline) {
			t.Fatalf("job %s: state %s (%s), want done", j.ID, j.State, j.Error)
		}
		time.Sleep(5 * time.Millisecond)
		s.must(t, http.StatusOK, "GET", "/v1/jobs/"+j.ID, key, "", &j)
	}
	return j.ID
}

// TestRoutePermissions walks every route of the table with no, bad and
// revoked credentials and as each role, and holds the outcome to
// wantRoles.
func TestRoutePermissions(t *testing.T) {
	f := newFixture(t)
	s := f.s
	sc := openAPISchemas(t)
	rts := s.srv.routes()

	var table []string
	for _, rt := range rts {
		table = append(table, rt.Method+" "+rt.Pattern)
	}
	for k := range wantRoles {
		if !slices.Contains(table, k) {
			t.Errorf("wantRoles names %s, which is not a route", k)
		}
	}

	// A revoked key, used once first so that it is in the authenticator's
	// cache when it is revoked: revocation must not wait for the cache.
	revoked, revokedID := s.addKey(t, store.RoleAdmin)
	s.must(t, http.StatusOK, "GET", "/v1/me", revoked, "", nil)
	s.must(t, http.StatusNoContent, "DELETE", "/v1/keys/"+revokedID, s.keys[store.RoleAdmin], "", nil)
	adminID, _, _ := access.ParseKey(s.keys[store.RoleAdmin])
	badCreds := []struct {
		name   string
		header []string
	}{
		{"no credentials", nil},
		{"a malformed key", []string{"Authorization", "Bearer rfk_not-a-key"}},
		{"a key that is not ringfence's", []string{"Authorization", "Bearer ghp_0123456789abcdef"}},
		{"a known key id with a wrong secret", []string{"Authorization", "Bearer rfk_" + adminID + "_wrongsecret"}},
		{"a revoked key", []string{"Authorization", "Bearer " + revoked}},
		{"basic authentication", []string{"Authorization", "Basic YWRtaW46YWRtaW4="}},
		{"an unknown session cookie", []string{"Cookie", access.SessionCookie + "=forged"}},
	}

	for _, rt := range rts {
		key := rt.Method + " " + rt.Pattern
		t.Run(key, func(t *testing.T) {
			allowed, ok := wantRoles[key]
			if !ok {
				t.Fatalf("route %s is missing from wantRoles: say which roles may call it", key)
			}
			mk, ok := probes[key]
			if !ok {
				t.Fatalf("route %s has no probe: add one that calls it with valid ids", key)
			}
			for _, bc := range badCreds {
				p := mk(t, f, "")
				w := s.call(t, rt.Method, p.target, "", p.body, append(slices.Clone(p.header), bc.header...)...)
				if w.Code != http.StatusUnauthorized {
					t.Errorf("with %s: status %d, want 401; body: %s", bc.name, w.Code, w.Body)
					continue
				}
				if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("with %s: 401 without a WWW-Authenticate: Bearer challenge", bc.name)
				}
				sc.check(t, rt.Method, rt.Pattern, w)
			}
			for _, role := range access.Roles {
				p := mk(t, f, role)
				w := p.send(t, s, rt.Method, s.keys[role])
				sc.check(t, rt.Method, rt.Pattern, w)
				may := slices.Contains(strings.Fields(allowed), role)
				switch {
				case !may && w.Code != http.StatusForbidden:
					t.Errorf("as %s: status %d, want 403; body: %s", role, w.Code, w.Body)
				case may && (w.Code < 200 || w.Code > 299):
					t.Errorf("as %s: status %d, want a 2xx; body: %s", role, w.Code, w.Body)
				}
			}
		})
	}
}

// TestKeyInXAPIKeyHeader: programs that cannot set Authorization send the
// key in X-API-Key.
func TestKeyInXAPIKeyHeader(t *testing.T) {
	s := newStack(t)
	w := s.call(t, "GET", "/v1/me", "", "", "X-API-Key", s.keys[store.RoleViewer])
	var me struct {
		Name        string              `json:"name"`
		Role        string              `json:"role"`
		Permissions []access.Permission `json:"permissions"`
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &me) != nil {
		t.Fatalf("GET /v1/me with X-API-Key: status %d: %s", w.Code, w.Body)
	}
	if want := "key:" + s.keyIDs[store.RoleViewer]; me.Name != want || me.Role != store.RoleViewer {
		t.Errorf("GET /v1/me: %s (%s), want %s (viewer)", me.Name, me.Role, want)
	}
	if slices.Contains(me.Permissions, access.WorkCases) || !slices.Contains(me.Permissions, access.ReadCases) {
		t.Errorf("viewer permissions %v: want cases:read and not cases:write", me.Permissions)
	}
}

// TestJobsAreTheirSubmitters: an ingest key sees its own jobs, never
// another's verdicts.
func TestJobsAreTheirSubmitters(t *testing.T) {
	s := newStack(t)
	adminJob := s.finishJob(t, s.keys[store.RoleAdmin], "admin.jsonl", record("job-a")+"\n"+record("job-b")+"\n")
	ingestJob := s.finishJob(t, s.keys[store.RoleIngest], "ats.jsonl", record("job-c")+"\n")
	ingest := s.keys[store.RoleIngest]

	var list struct{ Jobs []live.Job }
	s.must(t, http.StatusOK, "GET", "/v1/jobs", ingest, "", &list)
	if len(list.Jobs) != 1 || list.Jobs[0].ID != ingestJob {
		t.Errorf("ingest lists %+v, want only its job %s", list.Jobs, ingestJob)
	}
	for _, target := range []string{"/v1/jobs/" + adminJob, "/v1/jobs/" + adminJob + "/result"} {
		s.must(t, http.StatusNotFound, "GET", target, ingest, "", nil)
	}

	w := s.must(t, http.StatusOK, "GET", "/v1/jobs/"+adminJob+"/result", s.keys[store.RoleAnalyst], "", nil)
	if ct := w.Header().Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("job result Content-Type %q, want application/x-ndjson", ct)
	}
	var levels []string
	for line := range strings.Lines(w.Body.String()) {
		var v struct {
			ID    string `json:"id"`
			Level string `json:"level"`
			Hits  []any  `json:"hits"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("job result line %q: %v", line, err)
		}
		levels = append(levels, v.ID+" "+v.Level)
	}
	if want := []string{"job-a high", "job-b high"}; !slices.Equal(levels, want) {
		t.Errorf("job verdicts %q, want %q", levels, want)
	}
}

// TestSessionNeedsCSRFToken: a browser session may read freely, but a
// change needs the session's CSRF token, so that another site cannot
// make a signed-in analyst's browser act.
func TestSessionNeedsCSRFToken(t *testing.T) {
	s := newStack(t)
	c := s.seed(t, "csrf-1")
	hash, err := access.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.st.PutUser(t.Context(), store.User{Name: "ana", Role: store.RoleAnalyst, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	token, sess, err := s.auth.SignIn(t.Context(), "ana", "correct horse battery")
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	cookie := access.SessionCookie + "=" + token
	comment := fmt.Sprintf("/v1/cases/%d/comments", c.caseID)
	for _, tc := range []struct {
		name   string
		method string
		target string
		header []string
		want   int
	}{
		{"a read needs no token", "GET", "/v1/me", nil, http.StatusOK},
		{"a change without a token is refused", "POST", comment, nil, http.StatusForbidden},
		{"a change with a wrong token is refused", "POST", comment, []string{"X-CSRF-Token", "guess"}, http.StatusForbidden},
		{"a change with the token of another session is refused", "POST", comment, []string{"X-CSRF-Token", access.Token()}, http.StatusForbidden},
		{"a change with the session's token is done", "POST", comment, []string{"X-CSRF-Token", sess.CSRF}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := ""
			if tc.method == "POST" {
				body = `{"body":"checked the references"}`
			}
			w := s.call(t, tc.method, tc.target, "", body, append([]string{"Cookie", cookie}, tc.header...)...)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d; body: %s", w.Code, tc.want, w.Body)
			}
		})
	}
	// Only the one accepted comment was written.
	_, evs, err := s.st.Case(t.Context(), c.caseID)
	if err != nil {
		t.Fatal(err)
	}
	notes := 0
	for _, e := range evs {
		if e.Kind == store.EventNote {
			notes++
			if e.Actor != "ana" {
				t.Errorf("comment by %q, want ana", e.Actor)
			}
		}
	}
	if notes != 1 {
		t.Errorf("%d comments on the case, want 1", notes)
	}
}

// TestRateLimitIsPerKey: a key that spends its burst gets 429 with
// Retry-After, and another key is not slowed by it.
func TestRateLimitIsPerKey(t *testing.T) {
	s := newStack(t, func(c *Config) { c.RateLimit = 5 }) // bursts of 10
	sc := openAPISchemas(t)
	busy, calm := s.keys[store.RoleAnalyst], s.keys[store.RoleViewer]
	passed := 0
	var w *httptest.ResponseRecorder
	for range 100 {
		w = s.call(t, "GET", "/v1/me", busy, "")
		if w.Code != http.StatusOK {
			break
		}
		passed++
	}
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("after %d requests: status %d, want 429", passed, w.Code)
	}
	if passed < 10 {
		t.Errorf("429 after %d requests, want a burst of at least 10", passed)
	}
	if w.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	sc.check(t, "GET", "/v1/me", w)
	if w := s.call(t, "GET", "/v1/me", calm, ""); w.Code != http.StatusOK {
		t.Errorf("another key: status %d, want 200", w.Code)
	}
}

// TestBadInputNamesTheField: every 400 says which field or parameter is
// at fault.
func TestBadInputNamesTheField(t *testing.T) {
	s := newStack(t)
	c := s.seed(t, "bad-1")
	sc := openAPISchemas(t)
	kase := fmt.Sprintf("/v1/cases/%d", c.caseID)
	mp, mpType := multipartBody(t, "x.jsonl", []byte("{}"))
	noFile := strings.Replace(mp, `name="file"`, `name="upload"`, 1)
	for _, tc := range []struct {
		name          string
		method, route string // route is the pattern, for the document
		target, body  string
		header        []string
		field         string
	}{
		{"an unknown decision", "POST", "/v1/cases/{id}/decision", kase + "/decision", `{"decision":"maybe"}`, nil, "decision"},
		{"an unknown TLP", "POST", "/v1/cases/{id}/decision", kase + "/decision", `{"decision":"cleared","tlp":"purple"}`, nil, "tlp"},
		{"an unknown field", "POST", "/v1/cases/{id}/decision", kase + "/decision", `{"decision":"cleared","verdict":"ok"}`, nil, "verdict"},
		{"a decision of the wrong type", "POST", "/v1/cases/{id}/decision", kase + "/decision", `{"decision":true}`, nil, "decision"},
		{"an assignee of the wrong type", "POST", "/v1/cases/{id}/assign", kase + "/assign", `{"assignee": 5}`, nil, "assignee"},
		{"no assignee", "POST", "/v1/cases/{id}/assign", kase + "/assign", `{}`, nil, "assignee"},
		{"an assignee who is no user", "POST", "/v1/cases/{id}/assign", kase + "/assign", `{"assignee":"nobody"}`, nil, "assignee"},
		{"a body that is not JSON", "POST", "/v1/cases/{id}/assign", kase + "/assign", `assign it to bob`, nil, "body"},
		{"two JSON values", "POST", "/v1/cases/{id}/assign", kase + "/assign", `{"assignee":""} {"assignee":"x"}`, nil, "body"},
		{"an empty comment", "POST", "/v1/cases/{id}/comments", kase + "/comments", `{"body":"   "}`, nil, "body"},
		{"a case title of the wrong type", "POST", "/v1/alerts/{id}/case", fmt.Sprintf("/v1/alerts/%d/case", c.alert), `{"title":1}`, nil, "title"},
		{"a case id that is not a number", "GET", "/v1/cases/{id}", "/v1/cases/abc", "", nil, "id"},
		{"a case id of zero", "POST", "/v1/cases/{id}/reopen", "/v1/cases/0/reopen", "", nil, "id"},
		{"an attachment id that is not a number", "GET", "/v1/cases/{id}/attachments/{aid}", kase + "/attachments/x", "", nil, "aid"},
		{"an attachment name with a slash", "POST", "/v1/cases/{id}/attachments", kase + "/attachments?name=a/b.txt", "data", []string{"Content-Type", "text/plain"}, "name"},
		{"an empty attachment", "POST", "/v1/cases/{id}/attachments", kase + "/attachments?name=a.txt", "", nil, "body"},
		{"a record without an id", "POST", "/v1/screen", "/v1/screen", `{"name":"Jon Carter"}`, nil, "id"},
		{"a record with a bad birth date", "POST", "/v1/screen", "/v1/screen", `{"id":"x","birth_date":"12/04/1991"}`, nil, "birth_date"},
		{"a record with e-mails of the wrong type", "POST", "/v1/screen", "/v1/screen", `{"id":"x","emails":5}`, nil, "emails"},
		{"a record with a bad second e-mail", "POST", "/v1/screen", "/v1/screen", `{"id":"x","emails":["a@b.example",7]}`, nil, "emails[1]"},
		{"a record of an unknown kind", "POST", "/v1/screen", "/v1/screen", `{"id":"x","kind":"robot"}`, nil, "kind"},
		{"a record that is not JSON", "POST", "/v1/screen", "/v1/screen", `{"id":`, nil, "body"},
		{"no record", "POST", "/v1/screen", "/v1/screen", "", nil, "body"},
		{"a list of records", "POST", "/v1/screen", "/v1/screen", `[{"id":"x"}]`, nil, "body"},
		{"a record that is a string", "POST", "/v1/screen", "/v1/screen", `"x"`, nil, "body"},
		{"a record that is null", "POST", "/v1/screen", "/v1/screen", `null`, nil, "body"},
		{"store that is not a boolean", "POST", "/v1/screen", "/v1/screen?store=maybe", record("x"), nil, "store"},
		{"an empty batch", "POST", "/v1/jobs", "/v1/jobs?name=a.jsonl", "", nil, "body"},
		{"a form without a file part", "POST", "/v1/jobs", "/v1/jobs", noFile, []string{"Content-Type", mpType}, "file"},
		{"a batch with store not a boolean", "POST", "/v1/jobs", "/v1/jobs?store=yes", "{}", nil, "store"},
		{"telemetry in no known format", "POST", "/v1/telemetry", "/v1/telemetry?name=t.txt", "hello\nworld\n", []string{"Content-Type", "text/plain"}, "file"},
		{"a corporate egress that is not a range", "POST", "/v1/telemetry", "/v1/telemetry?corporate_egress=office", "{}\n", []string{"Content-Type", "text/plain"}, "corporate_egress"},
		{"a telemetry window that is not a duration", "POST", "/v1/telemetry", "/v1/telemetry?window=month", "{}\n", []string{"Content-Type", "text/plain"}, "window"},
		{"an intelligence file that does not parse", "POST", "/v1/indicators", "/v1/indicators?name=bad.csv", "type,value\nplanet,mars\n", []string{"Content-Type", "text/csv"}, "type"},
		{"a user with an unknown role", "POST", "/v1/users", "/v1/users", `{"name":"bo","role":"root","password":"a long enough password"}`, nil, "role"},
		{"a user with a bad name", "POST", "/v1/users", "/v1/users", `{"name":"bo bo","role":"viewer","password":"a long enough password"}`, nil, "name"},
		{"a new user without a password", "POST", "/v1/users", "/v1/users", `{"name":"bo","role":"viewer"}`, nil, "password"},
		{"a user with a short password", "POST", "/v1/users", "/v1/users", `{"name":"bo","role":"viewer","password":"short"}`, nil, "password"},
		{"a key without a name", "POST", "/v1/keys", "/v1/keys", `{"role":"ingest"}`, nil, "name"},
		{"a key with an unknown role", "POST", "/v1/keys", "/v1/keys", `{"name":"ats","role":"superuser"}`, nil, "role"},
		{"a page size of zero", "GET", "/v1/subjects", "/v1/subjects?limit=0", "", nil, "limit"},
		{"a page size too large", "GET", "/v1/subjects", "/v1/subjects?limit=1001", "", nil, "limit"},
		{"a page size that is not a number", "GET", "/v1/indicators", "/v1/indicators?limit=ten", "", nil, "limit"},
		{"an unknown alert order", "GET", "/v1/alerts", "/v1/alerts?sort=bogus", "", nil, "sort"},
		{"an unknown alert status", "GET", "/v1/alerts", "/v1/alerts?status=bogus", "", nil, "status"},
		{"a minimum score above 100", "GET", "/v1/alerts", "/v1/alerts?min_score=101", "", nil, "min_score"},
		{"a negative offset", "GET", "/v1/alerts", "/v1/alerts?offset=-1", "", nil, "offset"},
		{"an alert page too large", "GET", "/v1/alerts", "/v1/alerts?limit=501", "", nil, "limit"},
		{"an unknown case status", "GET", "/v1/cases", "/v1/cases?status=bogus", "", nil, "status"},
		{"a negative cursor", "GET", "/v1/cases", "/v1/cases?after=-1", "", nil, "after"},
		{"a graph too deep", "GET", "/v1/subjects/{id}/graph", "/v1/subjects/bad-1/graph?depth=5", "", nil, "depth"},
		{"a graph of no nodes", "GET", "/v1/subjects/{id}/graph", "/v1/subjects/bad-1/graph?max_nodes=0", "", nil, "max_nodes"},
		{"an unknown cluster level", "GET", "/v1/clusters", "/v1/clusters?min_level=severe", "", nil, "min_level"},
		{"an unknown export format", "GET", "/v1/indicators/export", "/v1/indicators/export?format=xml", "", nil, "format"},
		{"an audit page of zero", "GET", "/v1/audit", "/v1/audit?limit=0", "", nil, "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := s.call(t, tc.method, tc.target, s.keys[store.RoleAdmin], tc.body, tc.header...)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("%s %s: status %d, want 400; body: %s", tc.method, tc.target, w.Code, w.Body)
			}
			e := decodeError(t, w)
			if e.Field != tc.field {
				t.Errorf("%s %s: field %q, want %q (error %q)", tc.method, tc.target, e.Field, tc.field, e.Error)
			}
			if strings.Contains(e.Error, os.TempDir()) {
				t.Errorf("%s %s: the error names a file of the server's: %q", tc.method, tc.target, e.Error)
			}
			sc.check(t, tc.method, tc.route, w)
		})
	}
}

// TestBodyLimits: bodies past MaxBody, and uploads past MaxUpload, are
// 413 and are not read to their end.
func TestBodyLimits(t *testing.T) {
	s := newStack(t, func(c *Config) { c.MaxBody, c.MaxUpload = 512, 2048 })
	c := s.seed(t, "big-1")
	sc := openAPISchemas(t)
	kase := fmt.Sprintf("/v1/cases/%d", c.caseID)
	big := strings.Repeat("x", 4096)
	mp, mpType := multipartBody(t, "big.bin", []byte(big))
	for _, tc := range []struct {
		name          string
		route, target string
		body          string
		header        []string
		field         string
	}{
		{"a comment", "/v1/cases/{id}/comments", kase + "/comments", `{"body":"` + big + `"}`, nil, "body"},
		// A record may be as large as a batch line (4 MiB compact), whatever MaxBody says.
		{"a record", "/v1/screen", "/v1/screen", `{"id":"big-2","resume_text":"` + strings.Repeat("x", 2*subject.MaxLineBytes) + `"}`, nil, "body"},
		{"a user", "/v1/users", "/v1/users", `{"name":"bo","role":"viewer","password":"` + big + `"}`, nil, "body"},
		{"a raw attachment", "/v1/cases/{id}/attachments", kase + "/attachments?name=big.bin", big, []string{"Content-Type", "application/octet-stream"}, "body"},
		{"a multipart attachment", "/v1/cases/{id}/attachments", kase + "/attachments", mp, []string{"Content-Type", mpType}, "file"},
		{"a batch", "/v1/jobs", "/v1/jobs?name=big.jsonl", big, []string{"Content-Type", "application/x-ndjson"}, "body"},
		{"an intelligence file", "/v1/indicators", "/v1/indicators?name=big.csv", "type,value\n" + big, []string{"Content-Type", "text/csv"}, "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := s.call(t, "POST", tc.target, s.keys[store.RoleAdmin], tc.body, tc.header...)
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413; body: %s", w.Code, w.Body)
			}
			if e := decodeError(t, w); e.Field != tc.field {
				t.Errorf("field %q, want %q", e.Field, tc.field)
			}
			sc.check(t, "POST", tc.route, w)
		})
	}
	// An upload between MaxBody and MaxUpload is fine.
	w := s.call(t, "POST", kase+"/attachments?name=mid.bin", s.keys[store.RoleAdmin], big[:1500], "Content-Type", "application/octet-stream")
	if w.Code != http.StatusCreated {
		t.Errorf("an attachment of 1500 bytes: status %d, want 201; body: %s", w.Code, w.Body)
	}
}

// TestSubjectReadsAreAudited: every read of a subject's data is in the
// audit log with who read it.
func TestSubjectReadsAreAudited(t *testing.T) {
	s := newStack(t)
	c := s.seed(t, "audit-1")
	analyst := s.keys[store.RoleAnalyst]
	actor := "key:" + s.keyIDs[store.RoleAnalyst]
	for _, target := range []string{"/v1/subjects/audit-1", "/v1/subjects/audit-1/graph", "/v1/subjects/audit-1/verdict",
		fmt.Sprintf("/v1/alerts/%d", c.alert)} {
		s.must(t, http.StatusOK, "GET", target, analyst, "", nil)
	}
	var got struct {
		Events []struct {
			Actor, Action, Object string
		}
	}
	s.must(t, http.StatusOK, "GET", "/v1/audit?object=subject:audit-1&actor="+actor, s.keys[store.RoleAdmin], "", &got)
	var actions []string
	for _, e := range got.Events {
		if e.Actor != actor || e.Object != "subject:audit-1" {
			t.Errorf("audit event %+v: want actor %s and object subject:audit-1", e, actor)
		}
		actions = append(actions, e.Action)
	}
	if want := []string{"subject.read", "subject.graph", "verdict.read", "alert.read"}; !slices.Equal(actions, want) {
		t.Errorf("audited actions %q, want %q", actions, want)
	}

	// A subject that is not there is not found, by anyone.
	s.must(t, http.StatusNotFound, "GET", "/v1/subjects/nobody", analyst, "", nil)
	s.must(t, http.StatusNotFound, "GET", "/v1/subjects/nobody/verdict", analyst, "", nil)
	s.must(t, http.StatusNotFound, "GET", "/v1/subjects/nobody/graph", analyst, "", nil)
}

// TestAttachmentRoundTrip: what is attached is downloaded byte for byte,
// and always as a download.
func TestAttachmentRoundTrip(t *testing.T) {
	s := newStack(t)
	c := s.seed(t, "att-1")
	analyst := s.keys[store.RoleAnalyst]
	kase := fmt.Sprintf("/v1/cases/%d", c.caseID)
	data := []byte("<html><script>alert(1)</script>\x00\xff\xfe binary tail")
	for _, tc := range []struct {
		name   string
		upload func() *httptest.ResponseRecorder
		file   string
	}{
		{"as multipart/form-data", func() *httptest.ResponseRecorder {
			body, ct := multipartBody(t, "passport scan.html", data)
			return s.call(t, "POST", kase+"/attachments", analyst, body, "Content-Type", ct)
		}, "passport scan.html"},
		{"as the raw body", func() *httptest.ResponseRecorder {
			return s.call(t, "POST", kase+"/attachments?name=chat.bin", analyst, string(data), "Content-Type", "application/octet-stream")
		}, "chat.bin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.upload()
			var a attachmentJSON
			if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &a) != nil {
				t.Fatalf("upload: status %d: %s", w.Code, w.Body)
			}
			sum := sha256.Sum256(data)
			if a.Name != tc.file || a.Size != int64(len(data)) || a.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("attachment %+v: want %s, %d bytes, sha256 %x", a, tc.file, len(data), sum)
			}
			w = s.must(t, http.StatusOK, "GET", fmt.Sprintf("%s/attachments/%d", kase, a.ID), s.keys[store.RoleViewer], "", nil)
			if got := w.Body.Bytes(); string(got) != string(data) {
				t.Errorf("downloaded %q, want %q", got, data)
			}
			if cd := w.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename=") {
				t.Errorf("Content-Disposition %q, want an attachment with a filename", cd)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/octet-stream" {
				t.Errorf("Content-Type %q, want application/octet-stream: an attachment must never be rendered", ct)
			}
			if w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("download without X-Content-Type-Options: nosniff")
			}
		})
	}
	// An attachment is reached through its own case only.
	other := s.seed(t, "att-2")
	var detail struct{ Attachments []attachmentJSON }
	s.must(t, http.StatusOK, "GET", kase, analyst, "", &detail)
	if len(detail.Attachments) != 2 {
		t.Fatalf("case lists %d attachments, want 2", len(detail.Attachments))
	}
	s.must(t, http.StatusNotFound, "GET", fmt.Sprintf("/v1/cases/%d/attachments/%d", other.caseID, detail.Attachments[0].ID), analyst, "", nil)
}

// TestConfirmedFraudTeachesScreening: confirming fraud turns the subject's
// identifiers into indicators that screening hits from then on.
func TestConfirmedFraudTeachesScreening(t *testing.T) {
	s := newStack(t)
	rec := []string{`"phones":["+1 214 555 0142"]`, `"wallets":["bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"]`}
	c := s.seed(t, "fraud-1", rec...)
	analyst := s.keys[store.RoleAnalyst]
	kase := fmt.Sprintf("/v1/cases/%d", c.caseID)
	source := fmt.Sprintf("case-%d", c.caseID)

	var dec struct {
		Case       caseJSON `json:"case"`
		Indicators int      `json:"indicators"`
		Suppressed []string `json:"suppressed"`
	}
	s.must(t, http.StatusOK, "POST", kase+"/decision", analyst, `{"decision":"confirmed_fraud","tlp":"green","note":"laptop farm"}`, &dec)
	if dec.Case.Status != store.CaseClosed || dec.Case.Decision != store.DecisionConfirmed || dec.Indicators == 0 {
		t.Fatalf("decision: %+v; want a closed confirmed case and indicators", dec)
	}

	var inds struct{ Indicators []indicatorJSON }
	s.must(t, http.StatusOK, "GET", "/v1/indicators?source="+source, s.keys[store.RoleViewer], "", &inds)
	kinds := map[string]string{}
	for _, in := range inds.Indicators {
		kinds[in.Kind] = in.Value
		if in.Source != source || in.TLP != "green" {
			t.Errorf("indicator %+v: want source %s and TLP green", in, source)
		}
	}
	if len(inds.Indicators) != dec.Indicators {
		t.Errorf("%d indicators of %s, but the decision said %d", len(inds.Indicators), source, dec.Indicators)
	}
	for _, k := range []string{"email", "phone", "wallet"} {
		if kinds[k] == "" {
			t.Errorf("no %s indicator from the case; got %v", k, kinds)
		}
	}

	// The index is rebuilt in the background; the next screenings hit the
	// new indicators once it is.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var v screenResponse
		s.must(t, http.StatusOK, "POST", "/v1/screen", s.keys[store.RoleIngest], record("fraud-1", rec...), &v)
		hit := false
		for _, h := range v.Hits {
			hit = hit || strings.HasPrefix(h.Source, source+" ")
		}
		if hit {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("screening the record again hits nothing of %s: %+v", source, v.Hits)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A decided case is closed: deciding again needs a reopen.
	w := s.call(t, "POST", kase+"/decision", analyst, `{"decision":"cleared"}`)
	if w.Code != http.StatusConflict {
		t.Errorf("deciding a closed case: status %d, want 409", w.Code)
	}
	s.must(t, http.StatusOK, "POST", kase+"/reopen", analyst, "", nil)
	s.must(t, http.StatusOK, "POST", kase+"/decision", analyst, `{"decision":"needs_info"}`, nil)
}

// TestClearedSuppressesAlerts: a cleared subject raises no alert again
// until its data changes.
func TestClearedSuppressesAlerts(t *testing.T) {
	s := newStack(t)
	c := s.seed(t, "clear-1")
	analyst := s.keys[store.RoleAnalyst]

	var dec struct {
		Suppressed []string `json:"suppressed"`
	}
	s.must(t, http.StatusOK, "POST", fmt.Sprintf("/v1/cases/%d/decision", c.caseID), analyst, `{"decision":"cleared"}`, &dec)
	if !slices.Equal(dec.Suppressed, []string{"clear-1"}) {
		t.Fatalf("suppressed %q, want [clear-1]", dec.Suppressed)
	}

	var v screenResponse
	s.must(t, http.StatusOK, "POST", "/v1/screen?store=true", s.keys[store.RoleIngest], record("clear-1"), &v)
	if v.Level != "high" || v.AlertID != 0 || v.AlertSkipped != "suppressed" {
		t.Errorf("screening the cleared record again: %s, alert %d, skipped %q; want high, no alert, suppressed",
			v.Level, v.AlertID, v.AlertSkipped)
	}

	v = screenResponse{}
	s.must(t, http.StatusOK, "POST", "/v1/screen?store=true", s.keys[store.RoleIngest], record("clear-1", `"phones":["+44 20 7946 0018"]`), &v)
	if v.AlertID == 0 || v.AlertSkipped != "" {
		t.Errorf("screening it with a new phone: alert %d, skipped %q; want a new alert", v.AlertID, v.AlertSkipped)
	}
	var alerts struct{ Alerts []alertJSON }
	s.must(t, http.StatusOK, "GET", "/v1/alerts?subject=clear-1", analyst, "", &alerts)
	var states []string
	for _, a := range alerts.Alerts {
		states = append(states, a.Status)
	}
	if want := []string{store.AlertClosed, store.AlertNew}; !slices.Equal(states, want) {
		t.Errorf("alerts of clear-1 are %q, want %q", states, want)
	}
}

// TestOperationsEndpoints: health, readiness and metrics need no
// credentials, and metrics name routes, never paths.
func TestOperationsEndpoints(t *testing.T) {
	s := newStack(t)
	sc := openAPISchemas(t)
	s.seed(t, "metrics-1")
	s.must(t, http.StatusOK, "GET", "/v1/subjects/metrics-1", s.keys[store.RoleViewer], "", nil)
	s.call(t, "GET", "/v1/me", "", "")

	for _, tc := range []struct{ path, status string }{{"/healthz", "ok"}, {"/readyz", "ready"}} {
		var got struct{ Status string }
		w := s.must(t, http.StatusOK, "GET", tc.path, "", "", &got)
		if got.Status != tc.status {
			t.Errorf("GET %s: status %q, want %q", tc.path, got.Status, tc.status)
		}
		sc.check(t, "GET", tc.path, w)
	}

	w := s.must(t, http.StatusOK, "GET", "/metrics", "", "", nil)
	body := w.Body.String()
	for _, want := range []string{
		`ringfence_http_requests_total{code="200",method="GET",route="GET /v1/subjects/{id}"} 1`,
		`ringfence_http_requests_total{code="401",method="GET",route="GET /v1/me"} 1`,
		`ringfence_http_requests_total{code="201",method="POST",route="POST /v1/alerts/{id}/case"} 1`,
		`ringfence_verdicts_total{level="high"} 1`,
		`ringfence_indicators_loaded `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "metrics-1") {
		t.Error("/metrics names a subject id: metrics must carry route patterns, never paths")
	}
}

// TestMissingAndClosed: ids of nothing are 404, changes to a closed case
// are 409, and both are the documented error body.
func TestMissingAndClosed(t *testing.T) {
	s := newStack(t)
	c := s.seed(t, "gone-1")
	sc := openAPISchemas(t)
	admin := s.keys[store.RoleAdmin]
	s.must(t, http.StatusOK, "POST", fmt.Sprintf("/v1/cases/%d/decision", c.caseID), admin, `{"decision":"cleared"}`, nil)
	closed := fmt.Sprintf("/v1/cases/%d", c.caseID)
	for _, tc := range []struct {
		method, route, target, body string
		want                        int
	}{
		{"GET", "/v1/jobs/{id}", "/v1/jobs/0123456789abcdef", "", http.StatusNotFound},
		{"GET", "/v1/jobs/{id}/result", "/v1/jobs/0123456789abcdef/result", "", http.StatusNotFound},
		{"GET", "/v1/subjects/{id}", "/v1/subjects/nobody", "", http.StatusNotFound},
		{"GET", "/v1/alerts/{id}", "/v1/alerts/999", "", http.StatusNotFound},
		{"POST", "/v1/alerts/{id}/case", "/v1/alerts/999/case", "", http.StatusNotFound},
		{"GET", "/v1/cases/{id}", "/v1/cases/999", "", http.StatusNotFound},
		{"POST", "/v1/cases/{id}/assign", "/v1/cases/999/assign", `{"assignee":""}`, http.StatusNotFound},
		{"POST", "/v1/cases/{id}/comments", "/v1/cases/999/comments", `{"body":"hello"}`, http.StatusNotFound},
		{"POST", "/v1/cases/{id}/attachments", "/v1/cases/999/attachments?name=a.txt", "data", http.StatusNotFound},
		{"GET", "/v1/cases/{id}/attachments/{aid}", "/v1/cases/999/attachments/1", "", http.StatusNotFound},
		{"POST", "/v1/cases/{id}/decision", "/v1/cases/999/decision", `{"decision":"cleared"}`, http.StatusNotFound},
		{"POST", "/v1/cases/{id}/reopen", "/v1/cases/999/reopen", "", http.StatusNotFound},
		{"DELETE", "/v1/keys/{id}", "/v1/keys/000000000000", "", http.StatusNotFound},
		{"POST", "/v1/cases/{id}/assign", closed + "/assign", `{"assignee":""}`, http.StatusConflict},
		{"POST", "/v1/cases/{id}/comments", closed + "/comments", `{"body":"too late"}`, http.StatusConflict},
		{"POST", "/v1/cases/{id}/attachments", closed + "/attachments?name=a.txt", "data", http.StatusConflict},
		{"POST", "/v1/cases/{id}/decision", closed + "/decision", `{"decision":"needs_info"}`, http.StatusConflict},
	} {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			w := s.call(t, tc.method, tc.target, admin, tc.body, "Content-Type", "application/json")
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d; body: %s", w.Code, tc.want, w.Body)
			}
			decodeError(t, w)
			sc.check(t, tc.method, tc.route, w)
		})
	}
	t.Run("an unknown API path is a JSON 404", func(t *testing.T) {
		w := s.call(t, "GET", "/v1/nothing", admin, "")
		if w.Code != http.StatusNotFound {
			t.Fatalf("status %d, want 404", w.Code)
		}
		decodeError(t, w)
	})
}

// TestKeyLifecycle: an admin makes a key, which works at once, is shown
// once, and stops working when revoked.
func TestKeyLifecycle(t *testing.T) {
	s := newStack(t)
	admin := s.keys[store.RoleAdmin]
	var k keyJSON
	s.must(t, http.StatusCreated, "POST", "/v1/keys", admin, `{"name":"applicant tracking","role":"ingest"}`, &k)
	if k.Key == "" || k.Role != store.RoleIngest || k.Owner != "key:"+s.keyIDs[store.RoleAdmin] {
		t.Fatalf("created key %+v: want an ingest key with its secret, owned by the admin key", k)
	}
	var me struct{ Name, Role string }
	s.must(t, http.StatusOK, "GET", "/v1/me", k.Key, "", &me)
	if me.Name != "key:"+k.ID || me.Role != store.RoleIngest {
		t.Errorf("the new key is %s (%s), want key:%s (ingest)", me.Name, me.Role, k.ID)
	}
	s.must(t, http.StatusForbidden, "GET", "/v1/alerts", k.Key, "", nil)

	w := s.must(t, http.StatusOK, "GET", "/v1/keys", admin, "", nil)
	if strings.Contains(w.Body.String(), k.Key) || strings.Contains(w.Body.String(), `"key":`) {
		t.Errorf("GET /v1/keys shows a secret: %s", w.Body)
	}
	s.must(t, http.StatusNoContent, "DELETE", "/v1/keys/"+k.ID, admin, "", nil)
	s.must(t, http.StatusUnauthorized, "GET", "/v1/me", k.Key, "", nil)
	var list struct{ Keys []keyJSON }
	s.must(t, http.StatusOK, "GET", "/v1/keys", admin, "", &list)
	for _, x := range list.Keys {
		if x.ID == k.ID && x.RevokedAt.IsZero() {
			t.Errorf("key %s is listed as not revoked", k.ID)
		}
	}
	var audit struct {
		Events []struct{ Action, Object string }
	}
	s.must(t, http.StatusOK, "GET", "/v1/audit?object=key:"+k.ID, admin, "", &audit)
	var actions []string
	for _, e := range audit.Events {
		actions = append(actions, e.Action)
	}
	if want := []string{"key.create", "key.revoke"}; !slices.Equal(actions, want) {
		t.Errorf("audited %q, want %q", actions, want)
	}
}

// TestUserLifecycle: an admin makes a user who can sign in; changing the
// role keeps the password, and a disabled user's session stops working.
func TestUserLifecycle(t *testing.T) {
	s := newStack(t)
	admin := s.keys[store.RoleAdmin]
	var u userJSON
	s.must(t, http.StatusOK, "POST", "/v1/users", admin, `{"name":"ana@example.org","role":"viewer","password":"correct horse battery"}`, &u)
	if u.Name != "ana@example.org" || u.Role != store.RoleViewer || u.Disabled {
		t.Fatalf("created user %+v", u)
	}
	token, _, err := s.auth.SignIn(t.Context(), "ana@example.org", "correct horse battery")
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	cookie := []string{"Cookie", access.SessionCookie + "=" + token}
	s.must(t, http.StatusOK, "POST", "/v1/users", admin, `{"name":"ana@example.org","role":"analyst"}`, nil)
	if w := s.call(t, "GET", "/v1/audit", "", "", cookie...); w.Code != http.StatusOK {
		t.Errorf("after promotion to analyst: GET /v1/audit status %d, want 200", w.Code)
	}
	if _, _, err := s.auth.SignIn(t.Context(), "ana@example.org", "correct horse battery"); err != nil {
		t.Errorf("a role change lost the password: %v", err)
	}
	s.must(t, http.StatusOK, "POST", "/v1/users", admin, `{"name":"ana@example.org","role":"analyst","disabled":true}`, nil)
	if w := s.call(t, "GET", "/v1/me", "", "", cookie...); w.Code != http.StatusUnauthorized {
		t.Errorf("a disabled user's session: status %d, want 401", w.Code)
	}
	var list struct{ Users []userJSON }
	s.must(t, http.StatusOK, "GET", "/v1/users", admin, "", &list)
	if len(list.Users) != 1 || !list.Users[0].Disabled || list.Users[0].Role != store.RoleAnalyst {
		t.Errorf("users %+v, want ana disabled as analyst", list.Users)
	}
}

// TestSubjectIDWithSlash: ids are the organisation's own, and may hold a
// slash; escaped, they address the subject.
func TestSubjectIDWithSlash(t *testing.T) {
	s := newStack(t)
	s.must(t, http.StatusOK, "POST", "/v1/screen?store=true", s.keys[store.RoleIngest], `{"id":"ATS/2024 17","name":"Jon Carter"}`, nil)
	var got struct{ Subject subjectView }
	s.must(t, http.StatusOK, "GET", "/v1/subjects/ATS%2F2024%2017", s.keys[store.RoleViewer], "", &got)
	if got.Subject.ID != "ATS/2024 17" {
		t.Errorf("read subject %q, want ATS/2024 17", got.Subject.ID)
	}
	s.must(t, http.StatusOK, "GET", "/v1/subjects/ATS%2F2024%2017/verdict", s.keys[store.RoleViewer], "", nil)
}

// TestLinkedSubjects: subjects of different names sharing a payout
// account form a cluster, and the graph shows the link.
func TestLinkedSubjects(t *testing.T) {
	s := newStack(t)
	sc := openAPISchemas(t)
	ingest, viewer := s.keys[store.RoleIngest], s.keys[store.RoleViewer]
	for _, rec := range []string{
		`{"id":"ring-1","name":"Jon Carter","bank_accounts":["GB29NWBK60161331926819"],"phones":["+1 214 555 0142"]}`,
		`{"id":"ring-2","name":"Ana Lopez","bank_accounts":["GB29NWBK60161331926819"],"phones":["+1 214 555 0142"]}`,
		`{"id":"ring-3","name":"Wei Zhang","bank_accounts":["GB29NWBK60161331926819"]}`,
	} {
		s.must(t, http.StatusOK, "POST", "/v1/screen?store=true", ingest, rec, nil)
	}

	w := s.must(t, http.StatusOK, "GET", "/v1/clusters", viewer, "", nil)
	sc.check(t, "GET", "/v1/clusters", w)
	var cl struct {
		Clusters []struct {
			Members  []string
			Evidence []json.RawMessage
		}
	}
	json.Unmarshal(w.Body.Bytes(), &cl)
	if len(cl.Clusters) != 1 || len(cl.Clusters[0].Members) != 3 || len(cl.Clusters[0].Evidence) == 0 {
		t.Errorf("clusters %s: want one of ring-1, ring-2 and ring-3 with evidence", w.Body)
	}

	w = s.must(t, http.StatusOK, "GET", "/v1/subjects/ring-1/graph?depth=1", viewer, "", nil)
	sc.check(t, "GET", "/v1/subjects/{id}/graph", w)
	var g live.SubjectGraph
	json.Unmarshal(w.Body.Bytes(), &g)
	if g.Center != "ring-1" || len(g.Nodes) != 3 || len(g.Edges) == 0 || g.Info["ring-2"].Name != "Ana Lopez" {
		t.Errorf("graph of ring-1: %s", w.Body)
	}

	var v screenResponse
	w = s.must(t, http.StatusOK, "POST", "/v1/screen", ingest, `{"id":"ring-4","name":"Li Wei","bank_accounts":["GB29NWBK60161331926819"]}`, &v)
	sc.check(t, "POST", "/v1/screen", w)
	if v.Score == 0 || v.Stored {
		t.Errorf("a fourth name on the account: score %d, stored %t; want a score, not stored", v.Score, v.Stored)
	}
}

// TestSubjectPages: the subject listing pages with a cursor.
func TestSubjectPages(t *testing.T) {
	s := newStack(t)
	for _, id := range []string{"p-1", "p-2", "p-3"} {
		s.must(t, http.StatusOK, "POST", "/v1/screen?store=true", s.keys[store.RoleIngest], `{"id":"`+id+`","name":"Jon Carter"}`, nil)
	}
	var ids []string
	target := "/v1/subjects?limit=2"
	for range 3 {
		var page struct {
			Subjects []subjectView
			Next     string
		}
		s.must(t, http.StatusOK, "GET", target, s.keys[store.RoleViewer], "", &page)
		for _, sub := range page.Subjects {
			ids = append(ids, sub.ID)
			if len(sub.Identifiers) != 0 {
				t.Errorf("listing shows the identifiers of %s", sub.ID)
			}
		}
		if page.Next == "" {
			break
		}
		target = "/v1/subjects?limit=2&after=" + page.Next
	}
	if want := []string{"p-1", "p-2", "p-3"}; !slices.Equal(ids, want) {
		t.Errorf("paged through %q, want %q", ids, want)
	}
}
