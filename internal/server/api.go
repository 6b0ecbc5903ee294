package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/graph"
	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/screen"
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

// screenResponse is a verdict with what happened to it.
type screenResponse struct {
	screen.Verdict
	Stored       bool   `json:"stored"`
	AlertID      int64  `json:"alert_id,omitempty"`
	AlertSkipped string `json:"alert_skipped,omitempty"`
}

// screen screens one record given as the body: a subject record object as
// DESIGN.md fixes it. ?store=true keeps it and may raise an alert.
func (s *Server) screen(w http.ResponseWriter, r *http.Request, p access.Principal) {
	keep, ok := queryBool(w, r, "store")
	if !ok {
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		badField(w, "body", "empty; a subject record object is required")
		return
	}
	rec, err := subject.DecodeRecord(body, "request")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	select {
	case s.screening <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	res, err := s.eng.Screen(r.Context(), rec, keep)
	<-s.screening
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.metrics.verdicts.WithLabelValues(res.Verdict.Level).Inc()
	v := res.Verdict
	if !access.Allowed(p.Role, access.ReadSubjects) {
		v = live.Redact(v)
	}
	out := screenResponse{Verdict: v, Stored: res.Stored, AlertSkipped: res.AlertSkipped}
	if res.Alert != nil {
		out.AlertID = res.Alert.ID
	}
	if keep {
		if err := s.desk.Audit(r.Context(), p.Name, "subject.screen", "subject:"+rec.ID, res.Verdict.Level); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func queryBool(w http.ResponseWriter, r *http.Request, name string) (bool, bool) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false", "0":
		return false, true
	case "true", "1":
		return true, true
	}
	badField(w, name, "true or false")
	return false, false
}

// upload reads a file body: multipart/form-data with a part named "file",
// or the raw bytes with ?name= giving its name.
func upload(w http.ResponseWriter, r *http.Request) (name string, data []byte, ok bool) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("upload larger than %d bytes", mbe.Limit), "file")
				return "", nil, false
			}
			badField(w, "file", "a multipart part named file is required")
			return "", nil, false
		}
		defer f.Close()
		data, err = io.ReadAll(f)
		if err != nil {
			badField(w, "file", err.Error())
			return "", nil, false
		}
		return hdr.Filename, data, true
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("upload larger than %d bytes", mbe.Limit), "body")
			return "", nil, false
		}
		badField(w, "body", err.Error())
		return "", nil, false
	}
	name = r.URL.Query().Get("name")
	if name == "" {
		name = "upload"
	}
	if len(data) == 0 {
		badField(w, "body", "empty upload")
		return "", nil, false
	}
	return name, data, true
}

func (s *Server) submitJob(w http.ResponseWriter, r *http.Request, p access.Principal) {
	keep, ok := queryBool(w, r, "store")
	if !ok {
		return
	}
	name, data, ok := upload(w, r)
	if !ok {
		return
	}
	if v := r.FormValue("store"); v == "true" || v == "on" {
		keep = true
	}
	j, err := s.eng.Submit(p.Name, name, data, keep)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
}

// ownJob: a job's verdicts are its submitter's; those who read subjects
// anyway may see every job.
func ownJob(p access.Principal, j live.Job) bool {
	return j.Owner == p.Name || access.Allowed(p.Role, access.ReadSubjects)
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, p access.Principal) {
	out := []live.Job{}
	for _, j := range s.eng.Jobs() {
		if ownJob(p, j) {
			out = append(out, j)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

func (s *Server) job(w http.ResponseWriter, r *http.Request, p access.Principal) (live.Job, bool) {
	j, ok := s.eng.Job(r.PathValue("id"))
	if !ok || !ownJob(p, j) {
		writeError(w, http.StatusNotFound, "no job "+r.PathValue("id"), "")
		return live.Job{}, false
	}
	return j, true
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request, p access.Principal) {
	if j, ok := s.job(w, r, p); ok {
		writeJSON(w, http.StatusOK, j)
	}
}

func (s *Server) jobResult(w http.ResponseWriter, r *http.Request, p access.Principal) {
	j, ok := s.job(w, r, p)
	if !ok {
		return
	}
	data, ok := s.eng.JobResult(j.ID, access.Allowed(p.Role, access.ReadSubjects))
	if !ok {
		writeError(w, http.StatusConflict, "job "+j.ID+" is "+j.State+"; its result is ready when done", "")
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "job.result", "job:"+j.ID, j.Name); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="verdicts-`+j.ID+`.jsonl"`)
	w.Write(data)
}

// subjectView is a stored subject as the API shows it.
type subjectView struct {
	ID          string           `json:"id"`
	Kind        string           `json:"kind,omitempty"`
	Record      json.RawMessage  `json:"record"`
	Identifiers []identifierJSON `json:"identifiers,omitempty"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// identifierJSON is a store.Identifier, which has no JSON names of its own,
// named like the rest of the API.
type identifierJSON struct {
	Kind      string `json:"kind"`
	Value     string `json:"value"`
	Attribute string `json:"attribute"`
	Role      string `json:"role,omitempty"`
}

func viewOf(sub store.Subject, withIDs bool) subjectView {
	v := subjectView{ID: sub.ID, Kind: sub.Kind, Record: sub.Raw, UpdatedAt: sub.UpdatedAt}
	if withIDs {
		for _, x := range sub.Identifiers {
			v.Identifiers = append(v.Identifiers, identifierJSON{Kind: x.Kind, Value: x.Value, Attribute: x.Attribute, Role: x.Role})
		}
	}
	return v
}

func (s *Server) listSubjects(w http.ResponseWriter, r *http.Request, p access.Principal) {
	limit, ok := queryInt(w, r, "limit", 100, 1, 1000)
	if !ok {
		return
	}
	after := r.URL.Query().Get("after")
	subs, err := s.st.SubjectPage(r.Context(), after, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "subject.list", "subjects", fmt.Sprintf("after=%q n=%d", after, len(subs))); err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]subjectView, len(subs))
	for i := range subs {
		out[i] = viewOf(subs[i], false)
	}
	resp := map[string]any{"subjects": out}
	if len(subs) == limit {
		resp["next"] = subs[len(subs)-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
}

// readSubject audits the read, then returns the subject: an unaudited read
// of PII must not happen, so a failed audit fails the request.
func (s *Server) readSubject(w http.ResponseWriter, r *http.Request, p access.Principal, action string) (store.Subject, bool) {
	id := r.PathValue("id")
	sub, err := s.st.Subject(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return store.Subject{}, false
	}
	if err := s.desk.Audit(r.Context(), p.Name, action, "subject:"+id, ""); err != nil {
		s.fail(w, r, err)
		return store.Subject{}, false
	}
	return sub, true
}

func (s *Server) getSubject(w http.ResponseWriter, r *http.Request, p access.Principal) {
	sub, ok := s.readSubject(w, r, p, "subject.read")
	if !ok {
		return
	}
	resp := map[string]any{"subject": viewOf(sub, true)}
	if v, err := s.st.Verdict(r.Context(), sub.ID); err == nil {
		resp["verdict"] = verdictView(v)
	} else if !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	alerts, err := s.st.Alerts(r.Context(), store.AlertQuery{SubjectID: sub.ID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp["alerts"] = alertViews(alerts, false)
	writeJSON(w, http.StatusOK, resp)
}

type verdictJSON struct {
	ID         string          `json:"id"`
	Score      int             `json:"score"`
	Level      string          `json:"level"`
	Hits       json.RawMessage `json:"hits"`
	ScreenedAt time.Time       `json:"screened_at"`
}

func verdictView(v store.Verdict) verdictJSON {
	hits := v.Hits
	if len(hits) == 0 {
		hits = json.RawMessage("[]")
	}
	return verdictJSON{ID: v.SubjectID, Score: v.Score, Level: v.Level, Hits: hits, ScreenedAt: v.ScreenedAt}
}

func (s *Server) getVerdict(w http.ResponseWriter, r *http.Request, p access.Principal) {
	id := r.PathValue("id")
	v, err := s.st.Verdict(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "verdict.read", "subject:"+id, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, verdictView(v))
}

func (s *Server) subjectGraph(w http.ResponseWriter, r *http.Request, p access.Principal) {
	depth, ok := queryInt(w, r, "depth", 2, 1, 4)
	if !ok {
		return
	}
	maxNodes, ok := queryInt(w, r, "max_nodes", 100, 1, 500)
	if !ok {
		return
	}
	if _, ok := s.readSubject(w, r, p, "subject.graph"); !ok {
		return
	}
	g, err := s.eng.SubjectGraph(r.Context(), r.PathValue("id"), depth, maxNodes)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

type alertJSON struct {
	ID         int64        `json:"id"`
	SubjectID  string       `json:"subject_id"`
	Score      int          `json:"score"`
	Level      string       `json:"level"`
	Summary    string       `json:"summary"`
	Status     string       `json:"status"`
	CaseID     int64        `json:"case_id,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	Hits       []screen.Hit `json:"hits,omitempty"`
	CaseStatus string       `json:"-"`
}

func alertViews(as []store.Alert, hits bool) []alertJSON {
	out := make([]alertJSON, len(as))
	for i, a := range as {
		out[i] = alertView(a, hits)
	}
	return out
}

func alertView(a store.Alert, hits bool) alertJSON {
	v := alertJSON{ID: a.ID, SubjectID: a.SubjectID, Score: a.Score, Level: a.Level, Summary: a.Summary,
		CaseID: a.CaseID, CreatedAt: a.CreatedAt, Status: store.AlertNew}
	if a.CaseID != 0 {
		v.Status = store.AlertOpen
		if a.CaseStatus == store.CaseClosed {
			v.Status = store.AlertClosed
		}
	}
	if hits {
		v.Hits = cases.Hits(a)
	}
	return v
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request, p access.Principal) {
	q := store.AlertQuery{Status: r.URL.Query().Get("status"), Sort: r.URL.Query().Get("sort"),
		SubjectID: r.URL.Query().Get("subject")}
	if !slices.Contains([]string{"", store.AlertNew, store.AlertOpen, store.AlertClosed}, q.Status) {
		badField(w, "status", "one of new, open, closed")
		return
	}
	if !slices.Contains([]string{store.SortID, store.SortNewest, store.SortScore}, q.Sort) {
		badField(w, "sort", "one of newest, score (default: oldest first)")
		return
	}
	var ok bool
	if q.MinScore, ok = queryInt(w, r, "min_score", 0, 0, 100); !ok {
		return
	}
	if q.Offset, ok = queryInt(w, r, "offset", 0, 0, 1<<30); !ok {
		return
	}
	if q.Limit, ok = queryInt(w, r, "limit", 50, 1, 500); !ok {
		return
	}
	as, err := s.st.Alerts(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": alertViews(as, false)})
}

func (s *Server) getAlert(w http.ResponseWriter, r *http.Request, p access.Principal) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	a, err := s.st.Alert(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "alert.read", "subject:"+a.SubjectID, "alert "+itoa(a.ID)); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, alertView(a, true))
}

func (s *Server) openCase(w http.ResponseWriter, r *http.Request, p access.Principal) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var body struct {
		Title string `json:"title"`
	}
	if r.ContentLength != 0 && !decode(w, r, &body) {
		return
	}
	a, err := s.st.Alert(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.desk.OpenCase(r.Context(), p.Name, id, body.Title)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if a.CaseID == c.ID {
		status = http.StatusOK // it was in this case already
	}
	writeJSON(w, status, caseView(c))
}

type caseJSON struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Status    string    `json:"status"`
	SubjectID string    `json:"subject_id,omitempty"`
	Assignee  string    `json:"assignee,omitempty"`
	Decision  string    `json:"decision,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func caseView(c store.Case) caseJSON {
	return caseJSON{ID: c.ID, Title: c.Title, Status: c.Status, SubjectID: c.SubjectID, Assignee: c.Assignee,
		Decision: c.Decision, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request, p access.Principal) {
	q := store.CaseQuery{Status: r.URL.Query().Get("status"), Assignee: r.URL.Query().Get("assignee")}
	if !slices.Contains([]string{"", store.CaseOpen, store.CaseClosed}, q.Status) {
		badField(w, "status", "open or closed")
		return
	}
	var ok bool
	if q.Limit, ok = queryInt(w, r, "limit", 100, 1, 500); !ok {
		return
	}
	after, ok := queryInt(w, r, "after", 0, 0, 1<<62)
	if !ok {
		return
	}
	q.AfterID = int64(after)
	cs, err := s.st.Cases(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]caseJSON, len(cs))
	for i := range cs {
		out[i] = caseView(cs[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": out})
}

type eventJSON struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Kind     string    `json:"kind"`
	Body     string    `json:"body,omitempty"`
	Status   string    `json:"status,omitempty"`
	AlertID  int64     `json:"alert_id,omitempty"`
	Decision string    `json:"decision,omitempty"`
	TLP      string    `json:"tlp,omitempty"`
}

type attachmentJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	AddedBy     string    `json:"added_by"`
	AddedAt     time.Time `json:"added_at"`
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request, p access.Principal) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	c, evs, err := s.st.Case(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	alerts, err := s.st.Alerts(r.Context(), store.AlertQuery{CaseID: id})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	atts, err := s.st.Attachments(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "case.read", "case:"+itoa(id), ""); err != nil {
		s.fail(w, r, err)
		return
	}
	events := make([]eventJSON, len(evs))
	for i, e := range evs {
		events[i] = eventJSON{ID: e.ID, At: e.At, Actor: e.Actor, Kind: e.Kind, Body: e.Body, Status: e.Status,
			AlertID: e.AlertID, Decision: e.Decision, TLP: e.TLP}
	}
	attachments := make([]attachmentJSON, len(atts))
	for i, a := range atts {
		attachments[i] = attachmentJSON{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size,
			SHA256: a.SHA256, AddedBy: a.AddedBy, AddedAt: a.AddedAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"case": caseView(c), "events": events,
		"alerts": alertViews(alerts, true), "attachments": attachments})
}

func (s *Server) assignCase(w http.ResponseWriter, r *http.Request, p access.Principal) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var body struct {
		Assignee *string `json:"assignee"`
	}
	if !decode(w, r, &body) {
		return
	}
	if body.Assignee == nil {
		badField(w, "assignee", "required (\"\" unassigns)")
		return
	}
	if err := s.desk.Assign(r.Context(), p.Name, id, *body.Assignee); err != nil {
		s.fail(w, r, err)
		return
	}
	s.caseReply(w, r, id)
}

func (s *Server) caseReply(w http.ResponseWriter, r *http.Request, id int64) {
	c, _, err := s.st.Case(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, caseView(c))
}

func (s *Server) commentCase(w http.ResponseWriter, r *http.Request, p access.Principal) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var body struct {
		Body string `json:"body"`
	}
	if !decode(w, r, &body) {
		return
	}
	if err := s.desk.Comment(r.Context(), p.Name, id, body.Body); err != nil {
		s.fail(w, r, err)
		return
	}
	s.caseReply(w, r, id)
}

func (s *Server) attach(w http.ResponseWriter, r *http.Request, p access.Principal) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	name, data, ok := upload(w, r)
	if !ok {
		return
	}
	ct := http.DetectContentType(data)
	a, err := s.desk.Attach(r.Context(), p.Name, id, name, ct, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, attachmentJSON{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size,
		SHA256: a.SHA256, AddedBy: a.AddedBy, AddedAt: a.AddedAt})
}

func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request, p access.Principal) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	aid, ok := pathID(w, r, "aid")
	if !ok {
		return
	}
	a, err := s.st.Attachment(r.Context(), aid)
	if err == nil && a.CaseID != id {
		err = fmt.Errorf("attachment %d of case %d: %w", aid, id, store.ErrNotFound)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "case.attachment.read", "case:"+itoa(id), a.Name); err != nil {
		s.fail(w, r, err)
		return
	}
	// Served as a download, never rendered: an attachment is untrusted.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Write(a.Data)
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request, p access.Principal) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var body struct {
		Decision string `json:"decision"`
		TLP      string `json:"tlp"`
		Note     string `json:"note"`
	}
	if !decode(w, r, &body) {
		return
	}
	out, err := s.desk.Decide(r.Context(), p.Name, id, cases.Decision{Outcome: body.Decision, TLP: body.TLP, Note: body.Note})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, _, err := s.st.Case(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"case": caseView(c), "indicators": out.Indicators,
		"suppressed": nonNil(out.Suppressed)})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) reopen(w http.ResponseWriter, r *http.Request, p access.Principal) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	if err := s.desk.Reopen(r.Context(), p.Name, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.caseReply(w, r, id)
}

func (s *Server) clusters(w http.ResponseWriter, r *http.Request, p access.Principal) {
	min := r.URL.Query().Get("min_level")
	if min != "" && screen.LevelRank(min) < 0 {
		badField(w, "min_level", "one of clear, low, medium, high, critical")
		return
	}
	cs, at, err := s.eng.Clusters(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []graph.Cluster{}
	for _, c := range cs {
		if min == "" || screen.LevelRank(c.Level) >= screen.LevelRank(min) {
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"computed_at": at, "clusters": out})
}

type indicatorJSON struct {
	Kind       string    `json:"type"`
	Value      string    `json:"value"`
	Label      string    `json:"label,omitempty"`
	Severity   string    `json:"severity,omitempty"`
	Confidence int       `json:"confidence"`
	Source     string    `json:"source"`
	SourceRef  string    `json:"source_ref,omitempty"`
	TLP        string    `json:"tlp,omitempty"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
}

func (s *Server) searchIndicators(w http.ResponseWriter, r *http.Request, p access.Principal) {
	limit, ok := queryInt(w, r, "limit", 100, 1, 1000)
	if !ok {
		return
	}
	q := live.IndicatorSearch{Text: r.URL.Query().Get("q"), Kind: r.URL.Query().Get("type"),
		Source: r.URL.Query().Get("source"), Limit: limit}
	inds, more, err := s.eng.SearchIndicators(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]indicatorJSON, len(inds))
	for i, in := range inds {
		out[i] = indicatorJSON{Kind: in.Kind, Value: in.Value, Label: in.Label, Severity: in.Severity,
			Confidence: in.Confidence, Source: in.Source, SourceRef: in.SourceRef, TLP: in.TLP, ValidUntil: in.ValidUntil}
	}
	writeJSON(w, http.StatusOK, map[string]any{"indicators": out, "more": more})
}

func (s *Server) importIndicators(w http.ResponseWriter, r *http.Request, p access.Principal) {
	name, data, ok := upload(w, r)
	if !ok {
		return
	}
	results, err := s.eng.ImportIntel(r.Context(), name, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type loaded struct {
		Source     string   `json:"source"`
		Format     string   `json:"format"`
		Indicators int      `json:"indicators"`
		Warnings   []string `json:"warnings,omitempty"`
	}
	out := make([]loaded, len(results))
	for i, res := range results {
		out[i] = loaded{Source: res.Source, Format: res.Format, Indicators: len(res.Indicators), Warnings: res.Warnings}
		if err := s.desk.Audit(r.Context(), p.Name, "intel.import", "source:"+res.Source,
			fmt.Sprintf("%s, %d indicators", res.Format, len(res.Indicators))); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"loaded": out})
}

func (s *Server) exportIndicators(w http.ResponseWriter, r *http.Request, p access.Principal) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "stix" {
		badField(w, "format", "csv or stix")
		return
	}
	var inds []store.Indicator
	q := store.IndicatorQuery{Source: r.URL.Query().Get("source"), Kind: r.URL.Query().Get("type"), ValidAt: time.Now()}
	for in, err := range s.st.Indicators(r.Context(), q) {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		inds = append(inds, in)
	}
	var buf bytes.Buffer
	var err error
	if format == "csv" {
		_, err = intel.ExportCSV(&buf, inds)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		err = intel.ExportSTIX(&buf, inds, time.Now().UTC())
		w.Header().Set("Content-Type", "application/stix+json;version=2.1")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "intel.export", "indicators", fmt.Sprintf("%s, %d indicators", format, len(inds))); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Write(buf.Bytes())
}

func (s *Server) audit(w http.ResponseWriter, r *http.Request, p access.Principal) {
	q := store.AuditQuery{Actor: r.URL.Query().Get("actor"), Object: r.URL.Query().Get("object")}
	var ok bool
	if q.Limit, ok = queryInt(w, r, "limit", 100, 1, 1000); !ok {
		return
	}
	after, ok := queryInt(w, r, "after", 0, 0, 1<<62)
	if !ok {
		return
	}
	q.AfterID = int64(after)
	evs, err := s.st.Audit(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type auditJSON struct {
		ID     int64     `json:"id"`
		At     time.Time `json:"at"`
		Actor  string    `json:"actor"`
		Action string    `json:"action"`
		Object string    `json:"object"`
		Detail string    `json:"detail,omitempty"`
	}
	out := make([]auditJSON, len(evs))
	for i, e := range evs {
		out[i] = auditJSON{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, Object: e.Object, Detail: e.Detail}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": out})
}

type userJSON struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p access.Principal) {
	us, err := s.st.Users(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]userJSON, len(us))
	for i, u := range us {
		out[i] = userJSON{Name: u.Name, Role: u.Role, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

// putUser creates a user or changes one's role, password or disabled flag.
func (s *Server) putUser(w http.ResponseWriter, r *http.Request, p access.Principal) {
	var body struct {
		Name     string `json:"name"`
		Role     string `json:"role"`
		Password string `json:"password"`
		Disabled bool   `json:"disabled"`
	}
	if !decode(w, r, &body) {
		return
	}
	if !access.ValidUserName(body.Name) {
		badField(w, "name", "1–64 letters, digits, '.', '_', '-' or '@'")
		return
	}
	if !access.ValidRole(body.Role) {
		badField(w, "role", "one of "+strings.Join(access.Roles, ", "))
		return
	}
	u, err := s.st.User(r.Context(), body.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if body.Password == "" {
			badField(w, "password", "required for a new user")
			return
		}
		u = store.User{Name: body.Name}
	case err != nil:
		s.fail(w, r, err)
		return
	}
	u.Role, u.Disabled = body.Role, body.Disabled
	if body.Password != "" {
		h, err := access.HashPassword(body.Password)
		if err != nil {
			badField(w, "password", err.Error())
			return
		}
		u.PasswordHash = h
	}
	if err := s.st.PutUser(r.Context(), u); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "user.put", "user:"+u.Name, fmt.Sprintf("role=%s disabled=%t password_changed=%t",
		u.Role, u.Disabled, body.Password != "")); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userJSON{Name: u.Name, Role: u.Role, Disabled: u.Disabled, CreatedAt: u.CreatedAt})
}

type keyJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Owner     string    `json:"owner"`
	CreatedAt time.Time `json:"created_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// Key is the secret, shown once at creation.
	Key string `json:"key,omitempty"`
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request, p access.Principal) {
	ks, err := s.st.APIKeys(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]keyJSON, len(ks))
	for i, k := range ks {
		out[i] = keyJSON{ID: k.ID, Name: k.Name, Role: k.Role, Owner: k.Owner, CreatedAt: k.CreatedAt, RevokedAt: k.RevokedAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request, p access.Principal) {
	var body struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if !decode(w, r, &body) {
		return
	}
	if body.Name == "" || len(body.Name) > 100 {
		badField(w, "name", "1–100 bytes saying what the key is for")
		return
	}
	if !access.ValidRole(body.Role) {
		badField(w, "role", "one of "+strings.Join(access.Roles, ", "))
		return
	}
	key, id, hash := access.NewKey()
	k := store.APIKey{ID: id, Name: body.Name, Role: body.Role, Owner: p.Name, SecretHash: hash, CreatedAt: time.Now().UTC()}
	if err := s.st.AddAPIKey(r.Context(), k); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "key.create", "key:"+id, "role="+k.Role); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, keyJSON{ID: id, Name: k.Name, Role: k.Role, Owner: k.Owner, CreatedAt: k.CreatedAt, Key: key})
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request, p access.Principal) {
	id := r.PathValue("id")
	if err := s.st.RevokeAPIKey(r.Context(), id, time.Now().UTC()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.auth.Forget(id)
	if err := s.desk.Audit(r.Context(), p.Name, "key.revoke", "key:"+id, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
