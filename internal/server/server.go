// Package server is ringfence's HTTP face: the versioned JSON API that
// hiring and payout flows call, health and metrics for operators, and the
// analyst UI mounted beside them. Every API route names the permission it
// needs; the route table is the single place that says who may do what,
// and the OpenAPI document is checked against it.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/store"
)

// Config is what a Server needs.
type Config struct {
	Store  store.Store
	Engine *live.Engine
	Desk   *cases.Desk
	Auth   *access.Authenticator
	// UI, when set, serves every path the API does not.
	UI  http.Handler
	Log *slog.Logger
	// RateLimit is the requests per second each key or user may make,
	// with bursts of twice that; 0 means no limit.
	RateLimit float64
	// MaxBody bounds a JSON request body; 0 means 1 MiB.
	MaxBody int64
	// MaxUpload bounds an uploaded file (a batch, an intelligence file, an
	// attachment); 0 means 64 MiB.
	MaxUpload int64
}

// Server is the HTTP handler of `ringfence serve`.
type Server struct {
	cfg     Config
	st      store.Store
	eng     *live.Engine
	desk    *cases.Desk
	auth    *access.Authenticator
	log     *slog.Logger
	mux     *http.ServeMux
	limits  *limiter
	metrics *metrics
	// screening admits single-record screens a few at a time, first come
	// first served (a channel queues its waiters in order). Screening is
	// CPU work with a few reads: more at once than cores only makes each
	// slower, and the database pools hand a freed connection to a random
	// waiter, which under load left some requests waiting for seconds.
	screening chan struct{}
}

// New returns a Server with every route registered.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = 64 << 20
	}
	s := &Server{cfg: cfg, st: cfg.Store, eng: cfg.Engine, desk: cfg.Desk, auth: cfg.Auth, log: cfg.Log,
		mux: http.NewServeMux(), limits: newLimiter(cfg.RateLimit), metrics: newMetrics(cfg.Engine),
		screening: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.endpoint(rt))
	}
	s.mux.Handle("GET /healthz", s.plain("/healthz", s.healthz))
	s.mux.Handle("GET /readyz", s.plain("/readyz", s.readyz))
	s.mux.Handle("GET /metrics", s.plain("/metrics", s.metrics.handler().ServeHTTP))
	s.mux.Handle("GET /openapi.json", s.plain("/openapi.json", serveOpenAPI))
	s.mux.Handle("/v1/", s.plain("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path, "")
	}))
	if cfg.UI != nil {
		s.mux.Handle("/", cfg.UI)
	}
	return s
}

// Registry is the server's own Prometheus registry (never the global one,
// so tests and several servers in one process do not collide).
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is ready when the intelligence is loaded and the database answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if !s.eng.Ready() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "loading intelligence"})
		return
	}
	if _, err := s.st.Alerts(ctx, store.AlertQuery{Limit: 1}); err != nil {
		s.log.Error("readiness: database", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// ShutdownGrace is how long Serve lets in-flight requests finish once told
// to stop.
const ShutdownGrace = 30 * time.Second

// Serve serves HTTP on ln until ctx ends, then stops taking connections and
// waits up to ShutdownGrace for requests in flight to finish.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads
		WriteTimeout:      5 * time.Minute, // downloads
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}
