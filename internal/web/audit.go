package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/store"
)

type auditPage struct {
	Actor, Object string
	Events        []store.AuditEvent
	// Older is the cursor of the next page, 0 when there is none.
	Older int64
	// Query is the filter without the cursor.
	Query template.URL
}

const auditPerPage = 100

func (u *ui) auditLog(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	q := r.URL.Query()
	d := auditPage{Actor: strings.TrimSpace(q.Get("actor")), Object: strings.TrimSpace(q.Get("object"))}
	var before int64
	if s := q.Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return badRequest("before must be an event number")
		}
		before = n
	}
	evs, err := u.lastAudit(r.Context(), store.AuditQuery{Actor: d.Actor, Object: d.Object}, before, auditPerPage+1)
	if err != nil {
		return err
	}
	if len(evs) > auditPerPage {
		evs = evs[:auditPerPage]
		d.Older = evs[len(evs)-1].ID
	}
	d.Events = evs
	keep := url.Values{}
	if d.Actor != "" {
		keep.Set("actor", d.Actor)
	}
	if d.Object != "" {
		keep.Set("object", d.Object)
	}
	d.Query = template.URL(keep.Encode())
	return u.render(w, r, http.StatusOK, "audit", view{Title: "Audit log", Nav: "audit", User: p, D: d})
}
