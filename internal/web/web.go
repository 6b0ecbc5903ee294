// Package web is the analysts' user interface: the alert queue, subjects
// with their evidence and link graph, cases and their decisions, laptop-farm
// findings, batch uploads, indicators and the audit log, as server-rendered
// HTML pages.
//
// Pages are html/template with a little htmx for filters and progress, and
// cytoscape for the graph; every asset is embedded, so the UI works with no
// network beyond the server. Forms are guarded by the session's CSRF token
// and by http.CrossOriginProtection, every page checks its permission, and
// every view of a subject's data is in the audit log before it is shown.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/store"
)

// Deps is what the UI needs. Every field is required but Log.
type Deps struct {
	Store  store.Store
	Engine *live.Engine
	Desk   *cases.Desk
	Auth   *access.Authenticator
	Log    *slog.Logger
}

// ui holds the dependencies and the parsed templates; handlers are its
// methods.
type ui struct {
	Deps
	pages  map[string]*template.Template
	assets *assets
	now    func() time.Time
}

// New returns the UI's handler, meant to be mounted at "/". It panics when
// the embedded templates do not parse, which a test catches before any
// release.
func New(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	u := &ui{Deps: d, now: time.Now}
	u.assets = loadAssets()
	u.pages = parsePages(u.funcs())
	mux := http.NewServeMux()
	u.routes(mux)
	// Cross-origin protection refuses a form posted from another site
	// even before the CSRF token is checked; the token stays because old
	// browsers send neither Sec-Fetch-Site nor Origin.
	cop := http.NewCrossOriginProtection()
	return u.logged(secured(cop.Handler(mux)))
}

// handler is a page handler that returns its error, so that mapping errors
// to statuses happens in one place (fail).
type handler func(w http.ResponseWriter, r *http.Request, p access.Principal) error

// csp keeps every script, style and connection on this server: the UI has
// no inline script and fetches nothing from elsewhere. Cytoscape sets
// styles through the CSSOM, which style-src does not govern.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secured sets the headers every response carries.
func secured(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

type actorKey struct{}

// logged writes one line per request: the route pattern, never the path
// or query, because those carry subject ids, names searched for and other
// PII; and the actor, which a handler records once it knows it.
func (u *ui) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		actor := new(string)
		r = r.WithContext(context.WithValue(r.Context(), actorKey{}, actor))
		next.ServeHTTP(sw, r)
		if r.URL.Path == "/static/" || strings.HasPrefix(r.URL.Path, "/static/") {
			return // assets are noise in the log
		}
		route := r.Pattern
		if route == "" {
			route = r.Method + " (no route)"
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		u.Log.Info("ui request", "route", route, "status", status, "actor", *actor,
			"ms", time.Since(start).Milliseconds())
	})
}

func setActor(r *http.Request, name string) {
	if a, ok := r.Context().Value(actorKey{}).(*string); ok {
		*a = name
	}
}

// page wraps a page handler with sign-in and the permission check. A
// browser without a session is sent to the sign-in page and comes back
// after it.
func (u *ui) page(perm access.Permission, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := u.admit(w, r, perm)
		if !ok {
			return
		}
		if err := h(w, r, p); err != nil {
			u.fail(w, r, p, err)
		}
	})
}

// action wraps a form's handler: sign-in and the permission first, so a
// stranger's upload is refused before a byte of it is read; then the body,
// bounded by max; then the CSRF token.
func (u *ui) action(perm access.Permission, max int64, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := u.admit(w, r, perm)
		if !ok {
			return
		}
		if err := readForm(w, r, max); err != nil {
			u.fail(w, r, p, err)
			return
		}
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		if !csrfOK(r, p) {
			u.fail(w, r, p, errCSRF)
			return
		}
		if err := h(w, r, p); err != nil {
			u.fail(w, r, p, err)
		}
	})
}

// admit authenticates the request and checks perm, answering it when
// either fails.
func (u *ui) admit(w http.ResponseWriter, r *http.Request, perm access.Permission) (access.Principal, bool) {
	p, err := u.principal(r)
	if err != nil {
		if errors.Is(err, access.ErrUnauthenticated) {
			u.toSignIn(w, r)
			return access.Principal{}, false
		}
		u.fail(w, r, access.Principal{}, err)
		return access.Principal{}, false
	}
	setActor(r, p.Name)
	if perm != anyone {
		if err := p.Can(perm); err != nil {
			u.fail(w, r, p, err)
			return p, false
		}
	}
	return p, true
}

// anyone is the permission of pages every signed-in user may see.
const anyone access.Permission = ""

// principal is the signed-in user. The UI takes only sessions: an API key
// has no CSRF token to guard forms with, and belongs to a program.
func (u *ui) principal(r *http.Request) (access.Principal, error) {
	p, err := u.Auth.Authenticate(r)
	if err != nil {
		return access.Principal{}, err
	}
	if p.Session == nil {
		return access.Principal{}, fmt.Errorf("an API key is not a browser session: %w", access.ErrUnauthenticated)
	}
	return p, nil
}

var errCSRF = errors.New("the form is missing its security token or the token is stale; reload the page and try again")

// csrfOK checks the token of a state-changing request: the X-CSRF-Token
// header htmx sends, or the csrf field of the form readForm parsed.
func csrfOK(r *http.Request, p access.Principal) bool {
	if p.Session == nil || p.Session.CSRF == "" {
		return false
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(p.Session.CSRF)) == 1
}

// readForm reads a form of at most max bytes; files past memMax of a
// multipart form go to temporary files.
func readForm(w http.ResponseWriter, r *http.Request, max int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		err = r.ParseMultipartForm(memMax)
	} else {
		err = r.ParseForm()
	}
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		return &userError{http.StatusRequestEntityTooLarge, "The form is larger than the " + kib(max) + " it may be."}
	case err != nil:
		return badRequest("the form could not be read")
	}
	return nil
}

// limited bounds the body of a handler that reads its form itself: the
// sign-in form, which comes before any session.
func limited(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

const memMax = 32 << 20

// toSignIn sends a browser to the sign-in page, to come back to where it
// was going; htmx is told to load the page whole rather than swap the
// sign-in form into a fragment.
func (u *ui) toSignIn(w http.ResponseWriter, r *http.Request) {
	target := "/signin"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if next := r.URL.RequestURI(); next != "/" {
			target += "?next=" + url.QueryEscape(next)
		}
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath returns next when it is a path on this server, else "/": a
// sign-in link must not send anyone to another site.
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	p, err := url.Parse(next)
	if err != nil || p.Scheme != "" || p.Host != "" || p.User != nil {
		return "/"
	}
	return next
}

// secureCookie says whether the session cookie must be Secure: always but
// on plain HTTP to the machine itself, where a developer runs `ringfence
// serve` without TLS. Behind a TLS proxy the request is plain HTTP from a
// non-loopback name, so the cookie stays Secure.
func secureCookie(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// requestID names a failure in the log and on the error page, so a user
// can report it without the log being shown to them.
func requestID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// formFile reads the form's "file" part whole, at most limit bytes (0: no
// bound beyond the request's). A missing part is http.ErrMissingFile, for
// the caller to say what to choose; an unreadable one is a bad request.
func formFile(r *http.Request, limit int64) (name, contentType string, data []byte, err error) {
	f, fh, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return "", "", nil, err
	}
	if err != nil {
		return "", "", nil, badRequest("the file could not be read")
	}
	defer f.Close()
	var src io.Reader = f
	if limit > 0 {
		src = io.LimitReader(f, limit)
	}
	if data, err = io.ReadAll(src); err != nil {
		return "", "", nil, err
	}
	return fh.Filename, fh.Header.Get("Content-Type"), data, nil
}
