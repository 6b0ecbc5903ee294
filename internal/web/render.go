package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

// layoutFiles are parsed into every page: the frame and shared pieces.
var layoutFiles = []string{"templates/layout.html", "templates/parts.html"}

// parsePages parses each page template with the layout, so that every page
// defines its own "content" block and the pages cannot clash.
func parsePages(funcs template.FuncMap) map[string]*template.Template {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, layoutFiles...))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		if n == layoutFiles[0] || n == layoutFiles[1] {
			continue
		}
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
		pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return pages
}

// view is what every page template gets: the page's own data in D and
// what the frame needs around it.
type view struct {
	Title string
	// Nav names the menu entry to mark as current.
	Nav  string
	User access.Principal
	// Flash is a one-line message shown above the content: what a form
	// did, or why it was refused.
	Flash      string
	FlashError bool
	D          any
}

// Can reports whether the user may do perm; templates hide the forms and
// links a role cannot use.
func (v view) Can(perm string) bool { return v.User.Can(access.Permission(perm)) == nil }

// CSRF is the token forms carry.
func (v view) CSRF() string {
	if v.User.Session == nil {
		return ""
	}
	return v.User.Session.CSRF
}

// render executes a page into a buffer first, so a template error is a
// clean 500 rather than half a page.
func (u *ui) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) error {
	return u.renderTemplate(w, r, status, name, "layout", v)
}

// fragment renders one named template of a page without the frame, for
// htmx to swap in.
func (u *ui) fragment(w http.ResponseWriter, r *http.Request, name, block string, v view) error {
	return u.renderTemplate(w, r, http.StatusOK, name, block, v)
}

func (u *ui) renderTemplate(w http.ResponseWriter, r *http.Request, status int, name, block string, v view) error {
	t, ok := u.pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, block, v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages carry PII: no cache may keep them, and the back button after
	// signing out must not show them.
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "HX-Request")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
	return nil
}

// userError is an error whose message is for the user.
type userError struct {
	status int
	msg    string
}

func (e *userError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &userError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// fail shows an error page. What the user reads is a public message;
// an unexpected error is logged with a reference the page shows, and its
// text never reaches the browser.
func (u *ui) fail(w http.ResponseWriter, r *http.Request, p access.Principal, err error) {
	status, msg := http.StatusInternalServerError, ""
	var ue *userError
	var fe *cases.FieldError
	var pe *intel.ParseError
	switch {
	case errors.As(err, &ue):
		status, msg = ue.status, ue.msg
	case errors.Is(err, errCSRF):
		status, msg = http.StatusForbidden, err.Error()
	case errors.Is(err, access.ErrForbidden):
		status, msg = http.StatusForbidden, fmt.Sprintf("Your role (%s) does not allow this page or action.", p.Role)
	case errors.Is(err, access.ErrUnauthenticated):
		status, msg = http.StatusUnauthorized, "Sign in first."
	case errors.As(err, &fe):
		status, msg = http.StatusBadRequest, fe.Error()
	case errors.As(err, &pe):
		status, msg = http.StatusBadRequest, pe.Error()
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, "Not found."
	case errors.Is(err, store.ErrConflict):
		status, msg = http.StatusConflict, err.Error()
	case errors.Is(err, store.ErrInvalid):
		status, msg = http.StatusBadRequest, err.Error()
	case errors.Is(err, live.ErrBusy):
		status, msg = http.StatusServiceUnavailable, err.Error()
	}
	ref := ""
	if status == http.StatusInternalServerError {
		ref = requestID()
		msg = "Something went wrong on the server."
		u.Log.Error("ui failure", "route", r.Pattern, "actor", p.Name, "ref", ref, "err", err)
	}
	if r.Header.Get("HX-Request") == "true" {
		// htmx leaves the page as it was on an error status; say why in
		// the header its error handler shows.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		fmt.Fprintln(w, msg)
		return
	}
	v := view{Title: http.StatusText(status), User: p, D: errorPage{Status: status, Message: msg, Ref: ref}}
	if rerr := u.render(w, r, status, "error", v); rerr != nil {
		u.Log.Error("ui error page", "err", rerr)
		http.Error(w, msg, status)
	}
}

type errorPage struct {
	Status  int
	Message string
	Ref     string
}

// notFound is the page of every path no route claims.
func (u *ui) notFound(w http.ResponseWriter, r *http.Request) {
	p, _ := u.principal(r)
	u.fail(w, r, p, &userError{http.StatusNotFound, "There is no page at this address."})
}

func (u *ui) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":    u.assets.url,
		"when":     when,
		"day":      day,
		"farmkind": farmKindLabel,
		"whensec":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
		"ago":      func(t time.Time) string { return ago(u.now(), t) },
		"level":    levelClass,
		"levels":   func() []string { return risk.Levels },
		"decision": decisionLabel,
		"tlps":     func() []string { return store.TLPs },
		"upper":    strings.ToUpper,
		"join":     strings.Join,
		"pct": func(n, of int) int {
			if of <= 0 {
				return 0
			}
			return min(100, n*100/of)
		},
		"add":     func(a, b int) int { return a + b },
		"itoa":    strconv.Itoa,
		"pathesc": url.PathEscape,
		"kib":     kib,
	}
}

// when is a timestamp as analysts read it across time zones: UTC, to the
// minute.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// day is a timestamp's UTC date, for evidence that spans days.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// ago says how long since t, roughly, for a queue row's second glance.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// levelClass is the CSS class of a level's badge; an unknown level gets
// the neutral one rather than a class built from stored text.
func levelClass(level string) string {
	if risk.Rank(level) < 0 {
		return "lvl-unknown"
	}
	return "lvl-" + level
}

func decisionLabel(d string) string {
	switch d {
	case store.DecisionConfirmed:
		return "Confirmed fraud"
	case store.DecisionCleared:
		return "Cleared"
	case store.DecisionMoreInfo:
		return "Needs more information"
	}
	return d
}

func kib(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
