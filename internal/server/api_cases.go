package server

// Alerts and cases.

import (
	"fmt"
	"mime"
	"net/http"
	"slices"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
)

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
		Share    bool   `json:"share"`
	}
	if !decode(w, r, &body) {
		return
	}
	out, err := s.desk.Decide(r.Context(), p.Name, id, cases.Decision{Outcome: body.Decision, TLP: body.TLP, Note: body.Note,
		Share: body.Share})
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
