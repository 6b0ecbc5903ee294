package web

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// subjectPage is everything known about one subject.
type subjectPage struct {
	Subject store.Subject
	Name    string
	// Fields are the record's values in the contract's order, the unknown
	// fields last.
	Fields    []field
	Resume    string
	DecodeErr string
	Verdict   *store.Verdict
	Hits      []screen.Hit
	// Other is what analyses besides screening found: laptop-farm
	// detection, the consortium's answers.
	Other   []otherFinding
	Alerts  []store.Alert
	Cases   []store.Case
	History []historyItem
}

// field is one labelled value of a record; Values has one entry per item
// of a list field.
type field struct {
	Label  string
	Values []string
	// Mono sets identifiers (numbers, addresses of wallets) in a fixed
	// font, where a 0 and an O must not be confused.
	Mono bool
}

// historyItem is one line of a subject's or case's history, from the audit
// log or a case's events.
type historyItem struct {
	At     time.Time
	Actor  string
	What   string
	Detail string
	// Link goes to the object, when it is not the page shown.
	Link string
}

func subjectObject(id string) string { return "subject:" + id }

// subjectHistory is how many of a subject's audit events its page shows.
const subjectHistory = 100

func (u *ui) subject(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	ctx := r.Context()
	id := r.PathValue("id")
	// The read is logged before anything of the subject is read, and a
	// failed log fails the page: no one sees PII the log does not show.
	if err := u.Desk.Audit(ctx, p.Name, "subject.read", subjectObject(id), ""); err != nil {
		return err
	}
	s, err := u.Store.Subject(ctx, id)
	if err != nil {
		return err
	}
	d := subjectPage{Subject: s}
	if rec, err := subject.DecodeStored(s.Raw); err != nil {
		// Show what is stored even when it no longer decodes, so the
		// analyst is not blind to it.
		d.DecodeErr = err.Error()
		d.Fields = []field{{Label: "Stored record", Values: []string{string(s.Raw)}, Mono: true}}
	} else {
		d.Name = rec.Name
		d.Fields = recordFields(&rec)
		d.Resume = rec.ResumeText
	}
	if v, err := u.Store.Verdict(ctx, id); err == nil {
		d.Verdict = &v
		if err := json.Unmarshal(v.Hits, &d.Hits); err != nil {
			return fmt.Errorf("hits of %s: %w", id, err)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	fs, err := u.Store.Findings(ctx, store.FindingQuery{SubjectID: id})
	if err != nil {
		return err
	}
	d.Other = otherEvidence(fs)
	if d.Alerts, err = u.Store.Alerts(ctx, store.AlertQuery{SubjectID: id, Sort: store.SortNewest}); err != nil {
		return err
	}
	var events []store.CaseEvent
	seen := map[int64]bool{}
	for _, a := range d.Alerts {
		d.History = append(d.History, historyItem{At: a.CreatedAt, Actor: "screening",
			What: "alert raised", Detail: fmt.Sprintf("alert %d: %s (%d) %s", a.ID, a.Level, a.Score, a.Summary)})
		if a.CaseID == 0 || seen[a.CaseID] {
			continue
		}
		seen[a.CaseID] = true
		c, evs, err := u.Store.Case(ctx, a.CaseID)
		if err != nil {
			return err
		}
		d.Cases = append(d.Cases, c)
		events = append(events, evs...)
	}
	for _, ev := range events {
		d.History = append(d.History, caseHistory(ev, true))
	}
	audit, err := u.lastAudit(ctx, store.AuditQuery{Object: subjectObject(id)}, 0, subjectHistory)
	if err != nil {
		return err
	}
	for _, ev := range audit {
		d.History = append(d.History, historyItem{At: ev.At, Actor: ev.Actor, What: ev.Action, Detail: ev.Detail})
	}
	sortHistory(d.History)
	// The title names the id only: titles go into the browser's history,
	// which outlives the session.
	return u.render(w, r, http.StatusOK, "subject", view{Title: "Subject " + id, Nav: "alerts", User: p, D: d})
}

// sortHistory puts the newest first; the sort is stable so that events of
// one instant keep their logged order (reversed with the rest).
func sortHistory(h []historyItem) {
	slices.Reverse(h)
	slices.SortStableFunc(h, func(a, b historyItem) int { return b.At.Compare(a.At) })
}

// recordFields lists a record's values for people: empty fields left
// out, lists one value a line.
func recordFields(rec *subject.Record) []field {
	var fs []field
	add := func(label string, mono bool, values ...string) {
		var vs []string
		for _, v := range values {
			if v = strings.TrimSpace(v); v != "" {
				vs = append(vs, v)
			}
		}
		if len(vs) > 0 {
			fs = append(fs, field{Label: label, Values: vs, Mono: mono})
		}
	}
	add("Name", false, rec.Name)
	add("Kind", false, rec.Kind)
	add("Aliases", false, rec.Aliases...)
	add("Birth date", true, rec.BirthDate)
	add("Nationality", false, rec.Nationality)
	add("E-mails", true, rec.Emails...)
	add("Phones", true, rec.Phones...)
	var addrs []string
	for _, a := range rec.Addresses {
		addrs = append(addrs, formatAddress(a))
	}
	add("Addresses", false, addrs...)
	var docs []string
	for _, d := range rec.IDDocuments {
		s := d.Type + ": " + d.Number
		if d.Country != "" {
			s += " (" + d.Country + ")"
		}
		docs = append(docs, s)
	}
	add("Identity documents", true, docs...)
	add("Bank accounts", true, rec.BankAccounts...)
	add("Wallets", true, rec.Wallets...)
	add("IP addresses", true, rec.IPs...)
	add("Devices", true, rec.Devices...)
	// URLs are shown as text, not links: following a persona's link from
	// the analyst's machine could tell the ring it is being looked at.
	add("URLs", true, rec.URLs...)
	add("Created", true, rec.CreatedAt)
	keys := make([]string, 0, len(rec.Extra))
	for k := range rec.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := string(rec.Extra[k])
		var s string
		if json.Unmarshal(rec.Extra[k], &s) == nil {
			v = s
		}
		add(k, true, v)
	}
	return fs
}

func formatAddress(a subject.Address) string {
	if a.Text != "" && a.Line1 == "" {
		return withKind(a.Kind, a.Text)
	}
	var parts []string
	for _, s := range []string{a.Line1, a.Line2, a.City, strings.TrimSpace(a.Region + " " + a.PostalCode), a.Country} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return withKind(a.Kind, strings.Join(parts, ", "))
}

func withKind(kind, s string) string {
	if kind == "" {
		return s
	}
	return kind + ": " + s
}

// caseHistory is a case event as a history line; onSubject links it to
// its case, for the subject page.
func caseHistory(ev store.CaseEvent, onSubject bool) historyItem {
	h := historyItem{At: ev.At, Actor: ev.Actor, Detail: ev.Body}
	switch ev.Kind {
	case store.EventNote:
		h.What = "comment"
	case store.EventStatus:
		h.What = "case " + ev.Status
		if ev.Status == store.CaseOpen {
			h.What = "case reopened"
		}
	case store.EventAlert:
		h.What, h.Detail = "alert added", "alert "+strconv.FormatInt(ev.AlertID, 10)
	case store.EventDecision:
		h.What = "decision"
		if ev.Decision != "" {
			h.What = "decision: " + decisionLabel(ev.Decision)
		}
	case store.EventAssign:
		h.What, h.Detail = "assigned", ev.Body
		if ev.Body == "" {
			h.What = "unassigned"
		}
	case store.EventAttachment:
		h.What = "attachment"
	default:
		h.What = ev.Kind
	}
	if onSubject {
		h.What = fmt.Sprintf("case %d · %s", ev.CaseID, h.What)
		h.Link = "/cases/" + strconv.FormatInt(ev.CaseID, 10)
	}
	return h
}

// lastAudit returns the newest n audit events matching q with ids below
// before (0: no bound), newest first: one query down the log's index.
func (u *ui) lastAudit(ctx context.Context, q store.AuditQuery, before int64, n int) ([]store.AuditEvent, error) {
	q.Newest, q.BeforeID, q.Limit = true, before, n
	return u.Store.Audit(ctx, q)
}

// graphJSON is a subject's neighbourhood as graph.js draws it.
type graphJSON struct {
	Center    string      `json:"center"`
	Truncated bool        `json:"truncated"`
	Nodes     []graphNode `json:"nodes"`
	Edges     []graphEdge `json:"edges"`
}

type graphNode struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Score   int    `json:"score"`
	Level   string `json:"level"`
	Depth   int    `json:"depth"`
	Cluster string `json:"cluster,omitempty"`
}

type graphEdge struct {
	ID     string  `json:"id"`
	Source string  `json:"source"`
	Target string  `json:"target"`
	Weight float64 `json:"weight"`
	// Style is "join" (strong enough to join a cluster), "weak" (not),
	// or "cut" (strong, but clustering cut it).
	Style string      `json:"style"`
	Links []graphLink `json:"links"`
}

type graphLink struct {
	Attribute string  `json:"attribute"`
	Kind      string  `json:"kind"`
	Value     string  `json:"value"`
	Holders   int     `json:"holders"`
	Weight    float64 `json:"weight"`
	Linking   bool    `json:"linking"`
}

// Graph bounds: two hops show a ring around a persona and its
// facilitators; past 60 nodes a drawing stops being readable.
const (
	graphDepth = 2
	graphNodes = 60
)

func (u *ui) subjectGraph(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	ctx := r.Context()
	id := r.PathValue("id")
	sg, err := u.Engine.SubjectGraph(ctx, id, graphDepth, graphNodes)
	if err != nil {
		return err
	}
	g := graphJSON{Center: sg.Center, Truncated: sg.Truncated, Nodes: []graphNode{}, Edges: []graphEdge{}}
	var others []string
	for _, n := range sg.Nodes {
		info := sg.Info[n.ID]
		g.Nodes = append(g.Nodes, graphNode{ID: n.ID, Name: info.Name, Kind: info.Kind, Score: info.Score,
			Level: cmp.Or(info.Level, "clear"), Depth: n.Depth, Cluster: n.Cluster})
		if n.ID != id {
			others = append(others, n.ID)
		}
	}
	for i, e := range sg.Edges {
		ge := graphEdge{ID: "e" + strconv.Itoa(i), Source: e.Source, Target: e.Target, Weight: e.Weight, Style: "weak"}
		switch {
		case e.Cut:
			ge.Style = "cut"
		case e.Joins:
			ge.Style = "join"
		}
		for _, l := range e.Links {
			ge.Links = append(ge.Links, graphLink{Attribute: l.Attribute, Kind: l.Kind, Value: l.Value,
				Holders: l.Holders, Weight: l.Weight, Linking: l.Linking})
		}
		g.Edges = append(g.Edges, ge)
	}
	body, err := json.Marshal(g)
	if err != nil {
		return err
	}
	// The graph shows the neighbours' names and the values they share:
	// the log names them, and is written before anything is sent.
	detail := "nodes: " + strings.Join(others, ",")
	if err := u.Desk.Audit(ctx, p.Name, "subject.graph", subjectObject(id), detail); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
	return nil
}
