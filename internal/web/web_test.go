package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/store"
)

func TestPagesSendStrangersToSignIn(t *testing.T) {
	s := newStack(t)
	c := s.client()
	for _, tc := range []struct{ path, want string }{
		{"/", "/signin"},
		{"/alerts?status=open", "/signin?next=" + url.QueryEscape("/alerts?status=open")},
		{"/subjects/R1", "/signin?next=" + url.QueryEscape("/subjects/R1")},
		{"/audit", "/signin?next=%2Faudit"},
	} {
		resp, _ := c.get(tc.path)
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != tc.want {
			t.Errorf("GET %s: %d to %q, want 303 to %q", tc.path, resp.StatusCode, got, tc.want)
		}
	}
	// An API key is for programs: the UI sends its bearer to sign in.
	key, id, hash := access.NewKey()
	if err := s.st.AddAPIKey(context.Background(), store.APIKey{ID: id, Name: "ats", Role: store.RoleAdmin, SecretHash: hash}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", s.srv.URL+"/alerts", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /alerts with an API key: %d, want 303 to sign in", resp.StatusCode)
	}
	// htmx is told to load the sign-in page whole.
	req, _ = http.NewRequest("GET", s.srv.URL+"/alerts", nil)
	req.Header.Set("HX-Request", "true")
	resp, err = c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("HX-Redirect"); resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(got, "/signin") {
		t.Errorf("htmx GET /alerts: %d, HX-Redirect %q; want 401 and /signin", resp.StatusCode, got)
	}
}

func TestSignInGoesOnlyToLocalPaths(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	for _, tc := range []struct{ next, want string }{
		{"/cases?status=closed", "/cases?status=closed"},
		{"", "/"},
		{"//evil.example/x", "/"},
		{"https://evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"javascript:alert(1)", "/"},
	} {
		c := s.client()
		resp := c.post("/signin", url.Values{"name": {"ana"}, "password": {password("ana")}, "next": {tc.next}})
		if got := resp.Header.Get("Location"); got != tc.want {
			t.Errorf("sign in with next %q: to %q, want %q", tc.next, got, tc.want)
		}
	}
}

func TestSignInRefusesWrongPasswordsAlike(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	c := s.client()
	for _, name := range []string{"ana", "nobody"} {
		resp, err := c.hc.PostForm(s.srv.URL+"/signin", url.Values{"name": {name}, "password": {"wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "Wrong name or password.") {
			t.Errorf("sign in as %s with a wrong password: %d, want 401 and the one message", name, resp.StatusCode)
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("sign in as %s with a wrong password set a cookie", name)
		}
	}
}

func TestSessionCookie(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	form := url.Values{"name": {"ana"}, "password": {password("ana")}}.Encode()
	for _, tc := range []struct {
		host       string
		tls        bool
		wantSecure bool
	}{
		{"127.0.0.1:8080", false, false},
		{"localhost:8080", false, false},
		{"[::1]:8080", false, false},
		{"ringfence.example.com", false, true}, // plain HTTP behind a TLS proxy
		{"127.0.0.1:8443", true, true},
	} {
		scheme := "http://"
		if tc.tls {
			scheme = "https://" // NewRequest then sets TLS
		}
		req := httptest.NewRequest("POST", scheme+tc.host+"/signin", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.h.ServeHTTP(rec, req)
		cs := rec.Result().Cookies()
		if len(cs) != 1 {
			t.Fatalf("host %s: %d cookies, want 1", tc.host, len(cs))
		}
		ck := cs[0]
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure != tc.wantSecure {
			t.Errorf("host %s (tls %v): HttpOnly %v SameSite %v Path %q Secure %v; want true Strict / %v",
				tc.host, tc.tls, ck.HttpOnly, ck.SameSite, ck.Path, ck.Secure, tc.wantSecure)
		}
	}
}

func TestFormsNeedTheCSRFToken(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	s.storeBatch("ring.jsonl", ringFile)
	c := s.client()
	c.signIn("ana")
	token := c.csrf()
	alert := firstAlert(t, s, "R2")

	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"without a token", url.Values{}},
		{"with another token", url.Values{"csrf": {"not-the-token"}}},
	} {
		resp := c.post("/alerts/"+alert+"/case", tc.form)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("open a case %s: %d, want 403", tc.name, resp.StatusCode)
		}
	}
	cs, _ := s.st.Cases(context.Background(), store.CaseQuery{})
	if len(cs) != 0 {
		t.Fatalf("a refused form opened %d cases", len(cs))
	}
	// A multipart form without its token is refused too.
	resp := c.postMultipart("/upload", map[string]string{"store": "1"}, "file", "x.jsonl", []byte(ringFile))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload without a token: %d, want 403", resp.StatusCode)
	}
	// htmx sends the token as a header.
	req, _ := http.NewRequest("POST", s.srv.URL+"/alerts/"+alert+"/case", nil)
	req.Header.Set("X-CSRF-Token", token)
	r2, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusSeeOther {
		t.Errorf("open a case with the token in X-CSRF-Token: %d, want 303", r2.StatusCode)
	}
	// Signing out needs the token as well, so no page can sign anyone out.
	if resp := c.post("/signout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign out without a token: %d, want 403", resp.StatusCode)
	}
	if resp := c.post("/signout", url.Values{"csrf": {token}}); resp.Header.Get("Location") != "/signin" {
		t.Errorf("sign out: %d to %q, want /signin", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := c.get("/alerts"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /alerts after signing out: %d, want 303 to sign in", resp.StatusCode)
	}
}

func TestViewersReadWithoutForms(t *testing.T) {
	s := newStack(t)
	s.addUser("vic", store.RoleViewer)
	s.storeBatch("ring.jsonl", ringFile)
	alert := firstAlert(t, s, "R1")
	id, _ := strconv.ParseInt(alert, 10, 64)
	c0, err := s.desk.OpenCase(context.Background(), "admin", id, "")
	if err != nil {
		t.Fatal(err)
	}
	caseURL := "/cases/" + strconv.FormatInt(c0.ID, 10)
	c := s.client()
	c.signIn("vic")
	token := c.csrf()
	for _, path := range []string{"/alerts?status=", "/subjects/R1", caseURL, "/cases", "/farms", "/indicators?q=dprk"} {
		resp, body := c.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("viewer GET %s: %d, want 200", path, resp.StatusCode)
			continue
		}
		// The only form a viewer gets is signing out.
		if n := strings.Count(body, "<form method=\"post\""); n != 1 {
			t.Errorf("viewer GET %s: %d post forms, want only sign-out's", path, n)
		}
	}
	for _, path := range []string{"/upload", "/audit"} {
		if resp, _ := c.get(path); resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer GET %s: %d, want 403", path, resp.StatusCode)
		}
	}
	for _, path := range []string{"/alerts/" + alert + "/case", caseURL + "/comment", caseURL + "/decide", caseURL + "/assign"} {
		resp := c.post(path, url.Values{"csrf": {token}, "body": {"x"}, "decision": {"cleared"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", path, resp.StatusCode)
		}
	}
	_, evs, _ := s.st.Case(context.Background(), c0.ID)
	if len(evs) != 1 {
		t.Errorf("the case has %d events after the viewer's posts, want the 1 of opening it", len(evs))
	}
}

func TestIngestCannotReadSubjects(t *testing.T) {
	s := newStack(t)
	s.addUser("ats", store.RoleIngest)
	s.storeBatch("ring.jsonl", ringFile)
	c := s.client()
	c.signIn("ats")
	for _, path := range []string{"/subjects/R1", "/subjects/R1/graph.json", "/alerts", "/cases", "/farms", "/audit"} {
		resp, body := c.get(path)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("ingest GET %s: %d, want 403", path, resp.StatusCode)
		}
		if strings.Contains(body, "Jin Park") {
			t.Errorf("ingest GET %s shows the subject's name", path)
		}
	}
	if resp, _ := c.get("/"); resp.Header.Get("Location") != "/upload" {
		t.Errorf("ingest GET /: to %q, want /upload", resp.Header.Get("Location"))
	}
	evs, _ := s.st.Audit(context.Background(), store.AuditQuery{Object: "subject:R1"})
	if len(evs) != 0 {
		t.Errorf("refused reads left %d audit events, want none", len(evs))
	}
}

func TestSubjectReadsAreAudited(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	s.storeBatch("ring.jsonl", ringFile)
	c := s.client()
	c.signIn("ana")
	resp, body := c.get("/subjects/R1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /subjects/R1: %d", resp.StatusCode)
	}
	for _, want := range []string{"Jin Park", "known-bad-identifier", "DPRK IT worker persona named in an FBI advisory", "shared-wallet"} {
		if !strings.Contains(body, want) {
			t.Errorf("the subject page lacks %q", want)
		}
	}
	resp, body = c.get("/subjects/R1/graph.json")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"Kevin Lee"`) {
		t.Fatalf("GET graph.json: %d %s", resp.StatusCode, body)
	}
	evs, err := s.st.Audit(context.Background(), store.AuditQuery{Object: "subject:R1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Actor+" "+ev.Action)
	}
	want := []string{"ana subject.read", "ana subject.graph"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("audit of subject:R1 = %q, want %q", got, want)
	}
}

// failingAudit is a store whose audit log cannot be written.
type failingAudit struct{ store.Store }

func (failingAudit) AppendAudit(context.Context, store.AuditEvent) (store.AuditEvent, error) {
	return store.AuditEvent{}, errors.New("disk full")
}

func TestNoSubjectWithoutItsAudit(t *testing.T) {
	s := newStackWith(t, func(st store.Store) store.Store { return failingAudit{st} })
	s.addUser("ana", store.RoleAnalyst)
	s.storeBatch("ring.jsonl", ringFile)
	c := s.client()
	c.signIn("ana")
	for _, path := range []string{"/subjects/R1", "/subjects/R1/graph.json"} {
		resp, body := c.get(path)
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("GET %s with the audit log failing: %d, want 500", path, resp.StatusCode)
		}
		for _, pii := range []string{"Jin Park", "jin.park.dev", "4155552671", "disk full"} {
			if strings.Contains(body, pii) {
				t.Errorf("GET %s with the audit log failing shows %q", path, pii)
			}
		}
	}
}

func TestHostileValuesAreEscaped(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	s.storeBatch("evil.jsonl", `{"id":"X1","name":"<script>alert(1)</script>","emails":["\"><img src=x onerror=alert(2)>@example.com"],"note":"</textarea><b>bold</b>"}`+"\n")
	c := s.client()
	c.signIn("ana")
	_, body := c.get("/subjects/X1")
	if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<img src=x") || strings.Contains(body, "<b>bold") {
		t.Errorf("the subject page carries markup from the record:\n%s", body)
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the subject page does not show the hostile name escaped")
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := newStack(t)
	c := s.client()
	resp, body := c.get("/signin")
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
		"X-Frame-Options":        "DENY",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP %q allows inline or eval", csp)
	}
	// No inline script: every <script> has a src.
	if m := regexp.MustCompile(`<script(?:\s+[^>]*)?>`).FindAllString(body, -1); len(m) == 0 {
		t.Error("no scripts on the sign-in page")
	} else {
		for _, tag := range m {
			if !strings.Contains(tag, "src=") {
				t.Errorf("inline script %s", tag)
			}
		}
	}
	// Assets are versioned and kept for long.
	asset := regexp.MustCompile(`/static/app\.css\?v=[0-9a-f]+`).FindString(body)
	if asset == "" {
		t.Fatal("the page links no versioned app.css")
	}
	resp, _ = c.get(asset)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: %d, Cache-Control %q", asset, resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("assets lack nosniff")
	}
	for _, a := range []string{"/static/vendor/htmx.min.js", "/static/vendor/cytoscape.min.js", "/static/graph.js", "/static/app.js"} {
		if resp, _ := c.get(a); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("GET %s: %d %s", a, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

func TestCaseWork(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	s.addUser("bob", store.RoleAnalyst)
	s.storeBatch("ring.jsonl", ringFile)
	c := s.client()
	c.signIn("ana")
	token := c.csrf()
	alert := firstAlert(t, s, "R2")
	resp := c.post("/alerts/"+alert+"/case", url.Values{"csrf": {token}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/cases/") {
		t.Fatalf("open case: %d to %q", resp.StatusCode, loc)
	}
	steps := []struct {
		name   string
		path   string
		form   url.Values
		status int
		flash  string
	}{
		{"assign to bob", "/assign", url.Values{"assignee": {"bob"}}, 303, "Assignment saved."},
		{"assign to a stranger", "/assign", url.Values{"assignee": {"mallory"}}, 400, `Not saved: assignee: no user &#34;mallory&#34;`},
		{"comment", "/comment", url.Values{"body": {"Same wallet as R1; asked HR for the I-9."}}, 303, "Comment added."},
		{"comment nothing", "/comment", url.Values{"body": {"  "}}, 400, "Not saved: body: empty comment"},
		{"decide nothing", "/decide", url.Values{"tlp": {"amber"}}, 400, "Not saved: decision:"},
		{"decide", "/decide", url.Values{"decision": {"confirmed_fraud"}, "tlp": {"amber"}, "note": {"ring"}}, 303, "Decision recorded;"},
		{"decide a closed case", "/decide", url.Values{"decision": {"cleared"}}, 409, "reopen it first"},
		{"reopen", "/reopen", url.Values{}, 303, "Case reopened."},
	}
	for _, st := range steps {
		st.form.Set("csrf", token)
		resp, err := c.hc.PostForm(s.srv.URL+loc+st.path, st.form)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != st.status {
			t.Errorf("%s: %d, want %d", st.name, resp.StatusCode, st.status)
			continue
		}
		page := string(body)
		if resp.StatusCode == http.StatusSeeOther {
			_, page = c.get(resp.Header.Get("Location"))
		}
		if !strings.Contains(page, st.flash) {
			t.Errorf("%s: the page does not say %q", st.name, st.flash)
		}
	}
	_, page := c.get(loc)
	for _, want := range []string{"Same wallet as R1; asked HR for the I-9.", "Confirmed fraud", "bob"} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	evs, _ := s.st.Audit(context.Background(), store.AuditQuery{Actor: "ana"})
	var actions []string
	for _, ev := range evs {
		if ev.Action != "case.read" {
			actions = append(actions, ev.Action)
		}
	}
	want := "case.open,case.assign,case.comment,case.comment,case.decide,case.reopen"
	if got := strings.Join(actions, ","); got != want {
		t.Errorf("ana's audit trail: %s, want %s", got, want)
	}
}

func TestAttachments(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	s.storeBatch("ring.jsonl", ringFile)
	c := s.client()
	c.signIn("ana")
	token := c.csrf()
	resp := c.post("/alerts/"+firstAlert(t, s, "R1")+"/case", url.Values{"csrf": {token}})
	loc := resp.Header.Get("Location")
	evil := []byte("<html><script>alert(1)</script></html>")
	resp = c.postMultipart(loc+"/attach", map[string]string{"csrf": token}, "file", "letter.html", evil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("attach: %d", resp.StatusCode)
	}
	_, page := c.get(loc)
	m := regexp.MustCompile(`href="(/cases/\d+/attachments/\d+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the case page links no attachment")
	}
	resp, body := c.get(m[1])
	if body != string(evil) || resp.Header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %q, %s, %s", body, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	big := bytes.Repeat([]byte("x"), 10<<20+1)
	resp = c.postMultipart(loc+"/attach", map[string]string{"csrf": token}, "file", "big.bin", big)
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("attach 10 MiB + 1: %d, want 400 or 413", resp.StatusCode)
	}
}

func TestUploadAndJob(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	c := s.client()
	c.signIn("ana")
	token := c.csrf()
	data := ringFile + `{"id":"B1","emails":["not an address"],"phones":[42]}` + "\n"
	resp := c.postMultipart("/upload", map[string]string{"csrf": token, "store": "1"}, "file", "C:\\Users\\ana\\batch.jsonl", []byte(data))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/jobs/") {
		t.Fatalf("upload: %d to %q", resp.StatusCode, loc)
	}
	var body string
	for range 500 {
		_, body = c.get(loc + "/status")
		if strings.Contains(body, `data-state="done"`) || strings.Contains(body, `data-state="failed"`) {
			break
		}
	}
	if !strings.Contains(body, `data-state="done"`) {
		t.Fatalf("the job did not finish:\n%s", body)
	}
	if strings.Contains(body, "hx-trigger") {
		t.Error("a finished job's status still polls")
	}
	for _, want := range []string{`href="/subjects/R1"`, "batch.jsonl:8: field phones[0]", "Download verdicts"} {
		if !strings.Contains(body, want) {
			t.Errorf("the finished job lacks %q:\n%s", want, body)
		}
	}
	resp, res := c.get(loc + "/result.jsonl")
	if resp.StatusCode != http.StatusOK || strings.Count(res, "\n") != 7 {
		t.Errorf("result: %d, %d lines, want 7", resp.StatusCode, strings.Count(res, "\n"))
	}
	// Another analyst does not see the job.
	s.addUser("bob", store.RoleAnalyst)
	c2 := s.client()
	c2.signIn("bob")
	if resp, _ := c2.get(loc); resp.StatusCode != http.StatusNotFound {
		t.Errorf("bob GET ana's job: %d, want 404", resp.StatusCode)
	}
}

func TestIndicators(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	c := s.client()
	c.signIn("ana")
	_, body := c.get("/indicators?q=fbi+advisory")
	if !strings.Contains(body, "jin.park.dev@proton.me") {
		t.Error("the search does not find the advisory's e-mail")
	}
	csv := "type,value,label,severity,source\nwallet,0x52908400098527886E0F7030069857D2E4169EE7,ring payout wallet,high,team-list\n"
	resp := c.postMultipart("/indicators/import", map[string]string{"csrf": c.csrf()}, "file", "team.csv", []byte(csv))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d", resp.StatusCode)
	}
	_, body = c.get("/indicators?source=team-list")
	if !strings.Contains(body, "ring payout wallet") {
		t.Error("the imported indicator is not found")
	}
	bad := "type,value\nphone,not a phone\n"
	resp, err := c.hc.Do(multipartRequest(t, s.srv.URL+"/indicators/import", map[string]string{"csrf": c.csrf()}, "file", "bad.csv", []byte(bad)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "bad.csv:2") {
		t.Errorf("a bad import: %d, want 400 naming bad.csv:2:\n%s", resp.StatusCode, b)
	}
}

func TestAuditLogFilters(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	s.storeBatch("ring.jsonl", ringFile)
	c := s.client()
	c.signIn("ana")
	c.get("/subjects/R1")
	c.get("/subjects/R2")
	_, body := c.get("/audit?object=subject:R2")
	if !strings.Contains(body, "subject:R2") || strings.Contains(body, ">subject:R1<") {
		t.Errorf("the audit log filtered by subject:R2 is wrong:\n%s", body)
	}
	_, body = c.get("/audit")
	if i, j := strings.Index(body, ">subject:R2<"), strings.Index(body, ">subject:R1<"); i < 0 || j < 0 || i > j {
		t.Error("the audit log is not newest first")
	}
}

func TestAuditLogPages(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	ctx := context.Background()
	// Old events first, then a burst of new ones: a page must reach back
	// past the last hour when the hour holds too few.
	old := time.Now().Add(-40 * 24 * time.Hour)
	for i := range 30 {
		if _, err := s.st.AppendAudit(ctx, store.AuditEvent{At: old.Add(time.Duration(i) * time.Minute), Actor: "old",
			Action: "subject.read", Object: "subject:O" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 120 {
		if err := s.desk.Audit(ctx, "new", "subject.read", "subject:N"+strconv.Itoa(i), ""); err != nil {
			t.Fatal(err)
		}
	}
	c := s.client()
	c.signIn("ana")
	ids := regexp.MustCompile(`<td class="num muted">(\d+)</td>`)
	var got []string
	next := "/audit"
	for next != "" {
		_, body := c.get(next)
		for _, m := range ids.FindAllStringSubmatch(body, -1) {
			got = append(got, m[1])
		}
		next = ""
		if m := regexp.MustCompile(`href="(/audit\?[^"]*before=\d+)"`).FindStringSubmatch(body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(got) != 150 || got[0] != "150" || got[149] != "1" {
		t.Fatalf("paging the audit log gave %d events, %v … %v; want 150 … 1", len(got), got[:min(3, len(got))], got[max(0, len(got)-3):])
	}
	for i := 1; i < len(got); i++ {
		a, _ := strconv.Atoi(got[i-1])
		b, _ := strconv.Atoi(got[i])
		if a != b+1 {
			t.Fatalf("event %d follows %d", b, a)
		}
	}
}

func TestUnknownPathsAndIDs(t *testing.T) {
	s := newStack(t)
	s.addUser("ana", store.RoleAnalyst)
	c := s.client()
	c.signIn("ana")
	for _, path := range []string{"/nope", "/subjects/NOPE", "/cases/999", "/cases/abc", "/jobs/nope", "/static/nope.js"} {
		if resp, _ := c.get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// firstAlert is the id of a subject's first alert.
func firstAlert(t *testing.T, s *stack, subject string) string {
	t.Helper()
	as, err := s.st.Alerts(context.Background(), store.AlertQuery{SubjectID: subject})
	if err != nil || len(as) == 0 {
		t.Fatalf("no alert for %s (%v)", subject, err)
	}
	return strconv.FormatInt(as[0].ID, 10)
}

func multipartRequest(t *testing.T, u string, fields map[string]string, fileField, fileName string, data []byte) *http.Request {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile(fileField, fileName)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", u, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

func (c *client) postMultipart(path string, fields map[string]string, fileField, fileName string, data []byte) *http.Response {
	c.t.Helper()
	resp, err := c.hc.Do(multipartRequest(c.t, c.base+path, fields, fileField, fileName, data))
	if err != nil {
		c.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
