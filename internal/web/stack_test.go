package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/dial"
	"github.com/ringfence/ringfence/internal/web"
)

// stack is the whole UI over a real SQLite store, as `ringfence serve`
// assembles it.
type stack struct {
	t      *testing.T
	st     store.Store
	engine *live.Engine
	desk   *cases.Desk
	srv    *httptest.Server
	h      http.Handler
}

// ringIndicators is the watchlist the planted ring is screened against:
// one of its personas' e-mail addresses is a known DPRK IT worker's.
const ringIndicators = `type,value,label,severity,source,confidence
email,jin.park.dev@proton.me,"DPRK IT worker persona named in an FBI advisory",high,test-advisory,90
`

// ringFile is a batch with a planted ring: three personas with different
// names sharing one wallet and one phone, one of them on the watchlist;
// and four ordinary people, one of whom shares an IP address with a
// persona: a weak link, drawn dashed.
const ringFile = `{"id":"R1","kind":"applicant","name":"Jin Park","emails":["jin.park.dev@proton.me"],"phones":["+1 415 555 2671"],"wallets":["0x52908400098527886E0F7030069857D2E4169EE7"],"addresses":[{"kind":"shipping","line1":"12 Elm Street","city":"Dallas","region":"TX","postal_code":"75201","country":"US"}]}
{"id":"R2","kind":"applicant","name":"Kevin Lee","emails":["kevin.lee.codes@gmail.com"],"phones":["+1 415 555 2671"],"wallets":["0x52908400098527886E0F7030069857D2E4169EE7"],"ips":["81.2.69.160"]}
{"id":"R3","kind":"freelancer","name":"Daniel Cho","emails":["dcho.fullstack@outlook.com"],"phones":["+1 415 555 2671"],"wallets":["0x52908400098527886E0F7030069857D2E4169EE7"]}
{"id":"P1","kind":"employee","name":"Maria Gonzalez","emails":["maria.gonzalez@example.org"],"phones":["+1 312 555 0199"]}
{"id":"P2","kind":"employee","name":"Tom Becker","emails":["tbecker@example.net"],"phones":["+1 617 555 0143"]}
{"id":"P3","kind":"applicant","name":"Aisha Khan","emails":["aisha.khan@example.com"],"phones":["+44 20 7946 0958"]}
{"id":"P4","kind":"contractor","name":"Sam Ortiz","emails":["sam.ortiz@example.com"],"ips":["81.2.69.160"]}
`

func newStack(t *testing.T) *stack { return newStackWith(t, nil) }

// newStackWith builds a stack whose desk and UI see the store through
// wrap, so a test can make some of its methods fail.
func newStackWith(t *testing.T, wrap func(store.Store) store.Store) *stack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, err := dial.Open(ctx, filepath.Join(t.TempDir(), "ringfence.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := intel.LoadStarterPack(ctx, st); err != nil {
		t.Fatal(err)
	}
	res, err := intel.ParseIndicatorCSV(ctx, strings.NewReader(ringIndicators), "advisory.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := intel.Load(ctx, st, res); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	seen := st
	if wrap != nil {
		seen = wrap(st)
	}
	desk := cases.New(seen, log)
	engine, err := live.New(ctx, live.Config{Store: st, Desk: desk, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	desk.IndicatorsChanged = engine.Reload
	go engine.Run(ctx)
	for deadline := time.Now().Add(10 * time.Second); !engine.Ready(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the engine never became ready")
		}
	}
	h := web.New(web.Deps{Store: seen, Engine: engine, Desk: desk, Auth: access.NewAuthenticator(st), Log: log})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &stack{t: t, st: st, engine: engine, desk: desk, srv: srv, h: h}
}

// password is the password addUser gives a user.
func password(name string) string { return name + "-test-password" }

// addUser creates a user with a role and the password password(name).
func (s *stack) addUser(name, role string) {
	s.t.Helper()
	h, err := access.HashPassword(password(name))
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.st.PutUser(context.Background(), store.User{Name: name, Role: role, PasswordHash: h}); err != nil {
		s.t.Fatal(err)
	}
}

// storeBatch screens data as a stored job through the engine and waits
// for it, so tests without a browser have subjects and alerts.
func (s *stack) storeBatch(name, data string) live.Job {
	s.t.Helper()
	j, err := s.engine.Submit("admin", name, []byte(data), true)
	if err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		j, _ = s.engine.Job(j.ID)
		if j.State == live.JobDone || j.State == live.JobFailed {
			if j.State == live.JobFailed {
				s.t.Fatalf("job failed: %s", j.Error)
			}
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatal("the job did not finish in 30s")
	return j
}

// client is a browser without JavaScript: a cookie jar, and redirects
// left to the test.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func (s *stack) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: s.t, base: s.srv.URL, hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn signs in as a user made by addUser.
func (c *client) signIn(name string) {
	c.t.Helper()
	resp := c.post("/signin", url.Values{"name": {name}, "password": {password(name)}})
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: status %d, want 303", name, resp.StatusCode)
	}
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.hc.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *client) post(path string, form url.Values) *http.Response {
	c.t.Helper()
	resp, err := c.hc.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// csrf reads the token a page's forms carry.
func (c *client) csrf() string {
	c.t.Helper()
	_, body := c.get("/upload")
	i := strings.Index(body, `name="csrf" value="`)
	if i < 0 {
		_, body = c.get("/alerts")
		i = strings.Index(body, `name="csrf" value="`)
	}
	if i < 0 {
		c.t.Fatal("no CSRF token on the page")
	}
	rest := body[i+len(`name="csrf" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}
