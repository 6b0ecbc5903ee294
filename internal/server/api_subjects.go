package server

// Stored subjects, their verdicts and graphs; every read is audited.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/store"
)

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
