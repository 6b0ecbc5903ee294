package server

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// routes is the API: every endpoint, the permission it needs, and its
// handler. openapi.json documents exactly these (a test holds them equal).
func (s *Server) routes() []route {
	return []route{
		{"GET", "/v1/me", "", jsonBody, s.me},
		{"POST", "/v1/screen", access.Screen, recordBody, s.screen},
		{"POST", "/v1/jobs", access.Screen, uploadBody, s.submitJob},
		{"GET", "/v1/jobs", access.Screen, jsonBody, s.listJobs},
		{"GET", "/v1/jobs/{id}", access.Screen, jsonBody, s.getJob},
		{"GET", "/v1/jobs/{id}/result", access.Screen, jsonBody, s.jobResult},
		{"GET", "/v1/subjects", access.ReadSubjects, jsonBody, s.listSubjects},
		{"GET", "/v1/subjects/{id}", access.ReadSubjects, jsonBody, s.getSubject},
		{"GET", "/v1/subjects/{id}/verdict", access.ReadSubjects, jsonBody, s.getVerdict},
		{"GET", "/v1/subjects/{id}/graph", access.ReadSubjects, jsonBody, s.subjectGraph},
		{"GET", "/v1/alerts", access.ReadCases, jsonBody, s.listAlerts},
		{"GET", "/v1/alerts/{id}", access.ReadCases, jsonBody, s.getAlert},
		{"POST", "/v1/alerts/{id}/case", access.WorkCases, jsonBody, s.openCase},
		{"GET", "/v1/cases", access.ReadCases, jsonBody, s.listCases},
		{"GET", "/v1/cases/{id}", access.ReadCases, jsonBody, s.getCase},
		{"POST", "/v1/cases/{id}/assign", access.WorkCases, jsonBody, s.assignCase},
		{"POST", "/v1/cases/{id}/comments", access.WorkCases, jsonBody, s.commentCase},
		{"POST", "/v1/cases/{id}/attachments", access.WorkCases, uploadBody, s.attach},
		{"GET", "/v1/cases/{id}/attachments/{aid}", access.ReadCases, jsonBody, s.getAttachment},
		{"POST", "/v1/cases/{id}/decision", access.WorkCases, jsonBody, s.decide},
		{"POST", "/v1/cases/{id}/reopen", access.WorkCases, jsonBody, s.reopen},
		{"GET", "/v1/clusters", access.ReadCases, jsonBody, s.clusters},
		{"GET", "/v1/indicators", access.ReadIntel, jsonBody, s.searchIndicators},
		{"POST", "/v1/indicators", access.WriteIntel, uploadBody, s.importIndicators},
		{"GET", "/v1/indicators/export", access.ReadIntel, jsonBody, s.exportIndicators},
		{"POST", "/v1/telemetry", access.WriteIntel, uploadBody, s.importTelemetry},
		{"GET", "/v1/audit", access.ReadAudit, jsonBody, s.audit},
		{"GET", "/v1/users", access.Admin, jsonBody, s.listUsers},
		{"POST", "/v1/users", access.Admin, jsonBody, s.putUser},
		{"GET", "/v1/keys", access.Admin, jsonBody, s.listKeys},
		{"POST", "/v1/keys", access.Admin, jsonBody, s.createKey},
		{"DELETE", "/v1/keys/{id}", access.Admin, jsonBody, s.revokeKey},
	}
}

// fail writes err as the API reports it: the status its kind calls for, the
// field at fault for bad input, and nothing internal for a server error.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var fe *cases.FieldError
	var pe *intel.ParseError
	var le *subject.LineError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", mbe.Limit), "body")
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, err.Error(), fe.Field)
	case errors.As(err, &le):
		// A record that is not an object at all is wrong as a whole.
		writeError(w, http.StatusBadRequest, le.Reason, cmp.Or(le.Field, "body"))
	case errors.As(err, &pe):
		writeError(w, http.StatusBadRequest, err.Error(), pe.Field)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error(), "")
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, err.Error(), "")
	case errors.Is(err, store.ErrInvalid), errors.Is(err, live.ErrRecord):
		writeError(w, http.StatusBadRequest, err.Error(), "")
	case errors.Is(err, live.ErrBusy):
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, err.Error(), "")
	case errors.Is(err, live.ErrTooLarge):
		writeError(w, http.StatusUnprocessableEntity, err.Error(), "")
	case r.Context().Err() != nil:
		// The client went away; nothing to tell it.
	default:
		s.log.Error("request failed", "route", r.Pattern, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", "")
	}
}

// badField is a 400 naming the field.
func badField(w http.ResponseWriter, field, reason string) {
	writeError(w, http.StatusBadRequest, field+": "+reason, field)
}

// decode reads a JSON body into v, refusing unknown fields and trailing
// data, and names the field at fault.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		return true
	}
	var te *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", mbe.Limit), "body")
	case errors.As(err, &te):
		badField(w, te.Field, "want "+te.Type.String()+", got "+te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		badField(w, f, "unknown field")
	case errors.Is(err, io.EOF):
		badField(w, "body", "empty; a JSON object is required")
	default:
		badField(w, "body", "not valid JSON: "+err.Error())
	}
	return false
}

func pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		badField(w, name, "a positive integer")
		return 0, false
	}
	return id, true
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(w http.ResponseWriter, r *http.Request, name string, def, lo, hi int) (int, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		badField(w, name, fmt.Sprintf("an integer from %d to %d", lo, hi))
		return 0, false
	}
	return n, true
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, p access.Principal) {
	var perms []access.Permission
	for _, perm := range []access.Permission{access.Screen, access.ReadSubjects, access.ReadCases, access.WorkCases,
		access.ReadIntel, access.WriteIntel, access.ReadAudit, access.Admin} {
		if access.Allowed(p.Role, perm) {
			perms = append(perms, perm)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": p.Name, "role": p.Role, "permissions": perms})
}
