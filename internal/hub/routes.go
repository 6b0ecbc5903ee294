package hub

import (
	"errors"
	"net/http"
	"time"

	"github.com/ringfence/ringfence/internal/taxii"
)

// APIRoot is where the hub serves its TAXII API root.
const APIRoot = "/api/"

// Handler serves the hub: TAXII 2.1 discovery at /taxii2/ and its API root
// at /api/, the blinded-token API under /hub/v1/, and /healthz.
func (h *Hub) Handler() http.Handler {
	mux := http.NewServeMux()
	tx := taxii.NewServer(backend{h.st}, taxii.ServerOptions{
		Title: h.opt.Title, Description: h.opt.Description, APIRoot: APIRoot,
		Authenticate: func(r *http.Request) (taxii.Principal, error) {
			m, err := h.auth.authenticate(r)
			if errors.Is(err, errUnauthenticated) {
				return taxii.Principal{}, errors.Join(taxii.ErrUnauthenticated, err)
			}
			if err != nil {
				return taxii.Principal{}, err
			}
			setActor(r, m.ID)
			return taxii.Principal{Member: m.ID, Guest: m.Guest}, nil
		},
		Log: h.log,
	})
	mux.Handle(taxii.DiscoveryPath, tx)
	mux.Handle(APIRoot, tx)
	mux.Handle("GET /hub/v1/keys", h.members(false, h.handleKeys))
	mux.Handle("POST /hub/v1/evaluate", h.members(true, h.handleEvaluate))
	mux.Handle("PUT /hub/v1/tokens", h.members(true, h.handleRegister))
	mux.Handle("POST /hub/v1/tokens/counts", h.members(true, h.handleCounts))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return h.logged(mux)
}

// members authenticates a hub API call; onlyMembers refuses guests, who
// take no part in token matching.
func (h *Hub) members(onlyMembers bool, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := h.auth.authenticate(r)
		if err != nil {
			if !errors.Is(err, errUnauthenticated) {
				writeError(w, http.StatusInternalServerError, "", "authentication failed")
				return
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="ringfence hub"`)
			writeError(w, http.StatusUnauthorized, "", "a member's API key is required")
			return
		}
		setActor(r, m.ID)
		if onlyMembers && m.Guest {
			writeError(w, http.StatusForbidden, "", "guests take no part in token matching")
			return
		}
		next(w, r.WithContext(withMember(r.Context(), m)))
	})
}

// logged writes one JSON log line per request: method, route, status,
// duration and member. Never the path (it names objects and collections
// of other members), the query, or a body.
func (h *Hub) logged(next *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		info := &requestInfo{}
		r = r.WithContext(withInfo(r.Context(), info))
		next.ServeHTTP(rec, r)
		_, pattern := next.Handler(r)
		h.log.Info("request", "method", r.Method, "route", pattern, "status", rec.status,
			"ms", time.Since(start).Milliseconds(), "member", info.actor)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
