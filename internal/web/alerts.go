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

// queuePage is the alert queue: the alerts of one page and the filter
// that chose them.
type queuePage struct {
	Alerts   []store.Alert
	Status   string
	MinScore int
	Sort     string
	Page     int
	More     bool
	// Query is the filter as a query string without the page, for links
	// that keep it.
	Query template.URL
}

// queueSize is a screenful of rows on a laptop, dense as analysts like it.
const queueSize = 50

func (u *ui) home(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	if p.Can(access.ReadCases) != nil && p.Can(access.Screen) == nil {
		// An ingest user has nothing to read; the upload is its page.
		http.Redirect(w, r, "/upload", http.StatusSeeOther)
		return nil
	}
	if err := p.Can(access.ReadCases); err != nil {
		return err
	}
	return u.queue(w, r, p)
}

func (u *ui) queue(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	q := r.URL.Query()
	d := queuePage{Status: q.Get("status"), Sort: q.Get("sort"), Page: 1}
	if _, set := q["status"]; !set {
		d.Status = store.AlertNew // the queue is what nobody has picked up
	}
	switch d.Status {
	case "", store.AlertNew, store.AlertOpen, store.AlertClosed:
	default:
		return badRequest("status must be new, open, closed or empty for all")
	}
	switch d.Sort {
	case "":
		d.Sort = store.SortScore // riskiest first: what an analyst works down
	case store.SortScore, store.SortNewest:
	default:
		return badRequest("sort must be score or newest")
	}
	if s := strings.TrimSpace(q.Get("min_score")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100 {
			return badRequest("min_score must be a number from 0 to 100")
		}
		d.MinScore = n
	}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			return badRequest("page must be a positive number")
		}
		d.Page = n
	}
	alerts, err := u.Store.Alerts(r.Context(), store.AlertQuery{Status: d.Status, MinScore: d.MinScore, Sort: d.Sort,
		Offset: (d.Page - 1) * queueSize, Limit: queueSize + 1})
	if err != nil {
		return err
	}
	if len(alerts) > queueSize {
		alerts, d.More = alerts[:queueSize], true
	}
	d.Alerts = alerts
	keep := url.Values{}
	keep.Set("status", d.Status)
	keep.Set("sort", d.Sort)
	if d.MinScore > 0 {
		keep.Set("min_score", strconv.Itoa(d.MinScore))
	}
	d.Query = template.URL(keep.Encode())
	v := view{Title: "Alert queue", Nav: "alerts", User: p, D: d}
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "queue" {
		return u.fragment(w, r, "queue", "queue-table", v)
	}
	return u.render(w, r, http.StatusOK, "queue", v)
}

// openCase opens a case for an alert (or finds the one it is in) and
// goes to it.
func (u *ui) openCase(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	c, err := u.Desk.OpenCase(r.Context(), p.Name, id, strings.TrimSpace(r.PostFormValue("title")))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}

// pathInt reads a numeric path value; anything else is not a page.
func pathInt(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, &userError{http.StatusNotFound, "Not found."}
	}
	return n, nil
}
