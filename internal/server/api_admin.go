package server

// The audit log, users and API keys.

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/store"
)

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
	before, ok := queryInt(w, r, "before", 0, 0, 1<<62)
	if !ok {
		return
	}
	q.BeforeID = int64(before)
	switch r.URL.Query().Get("order") {
	case "", "oldest":
	case "newest":
		q.Newest = true
	default:
		badField(w, "order", "oldest (the default) or newest")
		return
	}
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
