package server

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/subject"
)

// route is one API endpoint and the permission it needs.
type route struct {
	Method  string
	Pattern string
	Perm    access.Permission
	// Body says how large a body the route takes.
	Body    bodySize
	Handler func(w http.ResponseWriter, r *http.Request, p access.Principal)
}

// bodySize is the body limit of a route.
type bodySize int

const (
	jsonBody   bodySize = iota // Config.MaxBody
	recordBody                 // a subject record: as large as the reader takes
	uploadBody                 // a file: Config.MaxUpload
)

// statusWriter remembers the status for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs and counts a request under its route pattern, never its
// path or query: those can carry subject ids and other PII.
func (s *Server) observe(pattern string, r *http.Request, sw *statusWriter, start time.Time, actor string) {
	el := time.Since(start)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	s.metrics.request(r.Method, pattern, sw.status, el)
	level := slogLevel(sw.status)
	s.log.Log(r.Context(), level, "request", "method", r.Method, "route", pattern, "status", sw.status,
		"ms", float64(el.Microseconds())/1000, "actor", actor)
}

// plain serves an unauthenticated endpoint with logs and metrics.
func (s *Server) plain(pattern string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer s.observe(pattern, r, sw, start, "")
		h(sw, r)
	})
}

// endpoint wraps an API route: authentication (401), the route's
// permission (403), the rate limit (429), CSRF for browser sessions (403),
// a bounded body, and a recovered panic (500, logged with its stack).
func (s *Server) endpoint(rt route) http.Handler {
	pattern := rt.Method + " " + rt.Pattern
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		w = sw
		var actor string
		defer func() { s.observe(pattern, r, sw, start, actor) }()
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic", "route", pattern, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeError(w, http.StatusInternalServerError, "internal error", "")
				}
			}
		}()
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		p, err := s.auth.Authenticate(r)
		if err != nil {
			if !errors.Is(err, access.ErrUnauthenticated) {
				s.log.Error("authenticate", "err", err)
				writeError(w, http.StatusServiceUnavailable, "cannot check credentials now", "")
				return
			}
			s.log.Info("authentication failed", "route", pattern, "reason", err.Error())
			w.Header().Set("WWW-Authenticate", `Bearer realm="ringfence"`)
			writeError(w, http.StatusUnauthorized, "authentication required: an API key (Authorization: Bearer rfk_…) or a signed-in session", "")
			return
		}
		actor = p.Name
		if err := p.Can(rt.Perm); rt.Perm != "" && err != nil {
			writeError(w, http.StatusForbidden, err.Error(), "")
			return
		}
		if !s.limits.allow(p.Name, start) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, "rate limit exceeded", "")
			return
		}
		if p.Session != nil && !safeMethod(r.Method) {
			tok := r.Header.Get("X-CSRF-Token")
			if subtle.ConstantTimeCompare([]byte(tok), []byte(p.Session.CSRF)) != 1 || tok == "" {
				writeError(w, http.StatusForbidden, "missing or wrong X-CSRF-Token for a browser session", "")
				return
			}
		}
		limit := s.cfg.MaxBody
		switch rt.Body {
		case uploadBody:
			limit = s.cfg.MaxUpload
		case recordBody:
			// A record may be as large as a line of a batch file, and
			// pretty-printed JSON is larger than the line it compacts to.
			limit = max(limit, 2*subject.MaxLineBytes)
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		rt.Handler(w, r.WithContext(access.With(r.Context(), p)), p)
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// limiter is a token bucket per principal.
type limiter struct {
	rate    float64
	burst   float64
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64) *limiter {
	return &limiter{rate: rate, burst: 2 * rate, buckets: map[string]*bucket{}}
}

func (l *limiter) allow(who string, now time.Time) bool {
	if l.rate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[who]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[who] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// apiError is every error body the API writes.
type apiError struct {
	Error string `json:"error"`
	// Field names the request field at fault, for 400s.
	Field string `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg, field string) {
	writeJSON(w, status, apiError{Error: msg, Field: field})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
