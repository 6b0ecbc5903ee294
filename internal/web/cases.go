package web

import (
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
)

type caseListPage struct {
	Cases    []store.Case
	Status   string
	Assignee string // "", "mine" or a user name
	Users    []string
	Page     int
	More     bool
	Query    template.URL
}

const casesPerPage = 50

func (u *ui) caseList(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := caseListPage{Status: q.Get("status"), Assignee: q.Get("assignee"), Page: 1}
	if _, set := q["status"]; !set {
		d.Status = store.CaseOpen
	}
	if d.Status != "" && d.Status != store.CaseOpen && d.Status != store.CaseClosed {
		return badRequest("status must be open, closed or empty for all")
	}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return badRequest("page must be a positive number")
		}
		d.Page = n
	}
	// Newest on top, one page and one row more to know whether there is a
	// next page.
	cq := store.CaseQuery{Status: d.Status, Assignee: d.Assignee, Newest: true,
		Offset: (d.Page - 1) * casesPerPage, Limit: casesPerPage + 1}
	if d.Assignee == "mine" {
		cq.Assignee = p.Name
	}
	page, err := u.Store.Cases(ctx, cq)
	if err != nil {
		return err
	}
	d.More = len(page) > casesPerPage
	d.Cases = page[:min(len(page), casesPerPage)]
	if d.Users, err = u.userNames(r); err != nil {
		return err
	}
	keep := url.Values{}
	keep.Set("status", d.Status)
	if d.Assignee != "" {
		keep.Set("assignee", d.Assignee)
	}
	d.Query = template.URL(keep.Encode())
	v := view{Title: "Cases", Nav: "cases", User: p, D: d}
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "cases" {
		return u.fragment(w, r, "cases", "cases-table", v)
	}
	return u.render(w, r, http.StatusOK, "cases", v)
}

func (u *ui) userNames(r *http.Request) ([]string, error) {
	us, err := u.Store.Users(r.Context())
	if err != nil {
		return nil, err
	}
	var names []string
	for _, x := range us {
		if !x.Disabled && x.Role != store.RoleIngest {
			names = append(names, x.Name)
		}
	}
	return names, nil
}

// casePage is one case with what it is about and what was done.
type casePage struct {
	Case        store.Case
	Events      []historyItem
	Alerts      []caseAlert
	Attachments []store.Attachment
	Users       []string
	// Form keeps what was typed into a refused form.
	Form url.Values
}

type caseAlert struct {
	store.Alert
	Hits []screen.Hit
}

func caseObject(id int64) string { return "case:" + strconv.FormatInt(id, 10) }

func (u *ui) casePage(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	return u.showCase(w, r, p, id, http.StatusOK, doneMessage(r.URL.Query()), false, nil)
}

// showCase renders a case, with a flash: what a form did, or why it was
// refused (then status says so and form keeps what was typed).
func (u *ui) showCase(w http.ResponseWriter, r *http.Request, p access.Principal, id int64, status int, flash string, flashErr bool, form url.Values) error {
	ctx := r.Context()
	// The alerts' hits carry the subject's identifiers: reading them is
	// logged like a read of the subject, before they are read.
	if err := u.Desk.Audit(ctx, p.Name, "case.read", caseObject(id), ""); err != nil {
		return err
	}
	c, evs, err := u.Store.Case(ctx, id)
	if err != nil {
		return err
	}
	d := casePage{Case: c, Form: form}
	d.Events = append(d.Events, historyItem{At: c.CreatedAt, Actor: c.CreatedBy, What: "case opened"})
	for _, ev := range evs {
		d.Events = append(d.Events, caseHistory(ev, false))
	}
	alerts, err := u.Store.Alerts(ctx, store.AlertQuery{CaseID: id})
	if err != nil {
		return err
	}
	for _, a := range alerts {
		d.Alerts = append(d.Alerts, caseAlert{Alert: a, Hits: cases.Hits(a)})
	}
	if d.Attachments, err = u.Store.Attachments(ctx, id); err != nil {
		return err
	}
	if p.Can(access.WorkCases) == nil {
		if d.Users, err = u.userNames(r); err != nil {
			return err
		}
	}
	v := view{Title: fmt.Sprintf("Case %d", c.ID), Nav: "cases", User: p, D: d, Flash: flash, FlashError: flashErr}
	return u.render(w, r, status, "case", v)
}

// doneMessage is the flash after a form of the case page succeeded. The
// query names the message, never carries its text, so a link cannot make
// the page say something else.
func doneMessage(q url.Values) string {
	switch q.Get("done") {
	case "assigned":
		return "Assignment saved."
	case "commented":
		return "Comment added."
	case "attached":
		return "File attached."
	case "reopened":
		return "Case reopened."
	case "decided":
		n, _ := strconv.Atoi(q.Get("indicators"))
		if n > 0 {
			return fmt.Sprintf("Decision recorded; %d identifiers became indicators.", n)
		}
		return "Decision recorded."
	}
	return ""
}

// afterForm finishes a case form: on success back to the case (post,
// redirect, get, so a reload does not post again); a refusal the analyst
// can fix is shown on the case page with the form as typed.
func (u *ui) afterForm(w http.ResponseWriter, r *http.Request, p access.Principal, id int64, err error, done string) error {
	if err == nil {
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
		return nil
	}
	var fe *cases.FieldError
	switch {
	case errors.As(err, &fe):
		return u.showCase(w, r, p, id, http.StatusBadRequest, "Not saved: "+fe.Error(), true, r.PostForm)
	case errors.Is(err, store.ErrConflict):
		return u.showCase(w, r, p, id, http.StatusConflict, "Not saved: "+conflictText(err), true, r.PostForm)
	}
	return err
}

// conflictText is the part of a conflict a user needs: the store's
// wrapping names tables.
func conflictText(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "+store.ErrConflict.Error()); i > 0 {
		s = s[:i]
	}
	return s
}

func (u *ui) assign(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	who := strings.TrimSpace(r.PostFormValue("assignee"))
	if who == "me" {
		who = p.Name
	}
	return u.afterForm(w, r, p, id, u.Desk.Assign(r.Context(), p.Name, id, who), "assigned")
}

func (u *ui) comment(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	return u.afterForm(w, r, p, id, u.Desk.Comment(r.Context(), p.Name, id, r.PostFormValue("body")), "commented")
}

func (u *ui) attach(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	name, ct, data, err := formFile(r, cases.MaxAttachment+1)
	if errors.Is(err, http.ErrMissingFile) {
		return u.afterForm(w, r, p, id, &cases.FieldError{Field: "file", Reason: "choose a file to attach"}, "")
	}
	if err != nil {
		return err
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		ct = "application/octet-stream"
	}
	_, err = u.Desk.Attach(r.Context(), p.Name, id, name, ct, data)
	return u.afterForm(w, r, p, id, err, "attached")
}

func (u *ui) decide(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	dec := cases.Decision{Outcome: r.PostFormValue("decision"), TLP: r.PostFormValue("tlp"), Note: r.PostFormValue("note"),
		Share: r.PostFormValue("share") == "on"}
	out, err := u.Desk.Decide(r.Context(), p.Name, id, dec)
	return u.afterForm(w, r, p, id, err, "decided&indicators="+strconv.Itoa(out.Indicators))
}

func (u *ui) reopen(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	return u.afterForm(w, r, p, id, u.Desk.Reopen(r.Context(), p.Name, id), "reopened")
}

// attachment sends an attachment as a download, never to be shown in the
// browser: an uploaded page must not run as this site.
func (u *ui) attachment(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	aid, err := pathInt(r, "aid")
	if err != nil {
		return err
	}
	a, err := u.Store.Attachment(r.Context(), aid)
	if err != nil {
		return err
	}
	if a.CaseID != id {
		return store.ErrNotFound
	}
	if err := u.Desk.Audit(r.Context(), p.Name, "case.attachment.read", caseObject(id), a.Name); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "no-store")
	w.Write(a.Data)
	return nil
}
