// Package cases is the analyst's workflow: a verdict worth a look raises an
// alert, an alert opens a case, and a case is assigned, commented on, given
// evidence and decided. Decisions teach the system: a confirmed fraudster's
// identifiers become local indicators, and a cleared subject raises no
// alert again until its data changes. Every decision is in the audit log.
package cases

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// ErrInvalid wraps store.ErrInvalid for a bad request with the field named.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }
func (e *FieldError) Unwrap() error { return store.ErrInvalid }

// Desk is the workflow over a store.
type Desk struct {
	st  store.Store
	log *slog.Logger
	now func() time.Time
	// AlertFrom is the lowest level that raises an alert: high, the level
	// DESIGN.md defines as "stop and review".
	AlertFrom string
	// IndicatorsChanged is called after a decision changed the local
	// indicators, so the live match index is rebuilt.
	IndicatorsChanged func()
}

// New returns a Desk.
func New(st store.Store, log *slog.Logger) *Desk {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Desk{st: st, log: log, now: time.Now, AlertFrom: risk.High, IndicatorsChanged: func() {}}
}

// Audit appends to the audit log. A failure to audit fails the action that
// asked: an unaudited read of PII is worse than a refused one.
func (d *Desk) Audit(ctx context.Context, actor, action, object, detail string) error {
	_, err := d.st.AppendAudit(ctx, store.AuditEvent{Actor: actor, Action: action, Object: object, Detail: detail})
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", action, object, err)
	}
	return nil
}

// Fingerprint identifies a subject's data for suppression: a hash of its
// canonical identifiers in order. A cleared subject whose identifiers are
// unchanged keeps its suppression however its record is formatted; a new
// phone, account or address lifts it.
func Fingerprint(ids []store.Identifier) string {
	h := sha256.New()
	for _, id := range ids {
		h.Write([]byte(id.Kind))
		h.Write([]byte{0})
		h.Write([]byte(id.Value))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// alertEvidence is what an alert keeps of its verdict: the hits, and what
// deduplication and suppression compare.
type alertEvidence struct {
	Fingerprint string       `json:"fingerprint"`
	Rules       []string     `json:"rules"`
	Hits        []screen.Hit `json:"hits"`
}

// scoringRules are the rules that gave a verdict points, sorted.
func scoringRules(v *screen.Verdict) []string {
	var rs []string
	for _, h := range v.Hits {
		if h.Points > 0 && !slices.Contains(rs, h.Rule) {
			rs = append(rs, h.Rule)
		}
	}
	slices.Sort(rs)
	return rs
}

// Raised says what Raise did.
type Raised struct {
	Alert *store.Alert // the new alert, nil if none was raised
	// Why no alert was raised: "below" the alert level, "suppressed" by a
	// cleared decision, or "open" because an alert on the same data and
	// rules is still being worked.
	Skipped string
}

// Raise raises an alert for a stored subject's verdict when it reaches
// AlertFrom, unless the subject was cleared on the same data and rules, or
// an alert with the same data and rules is new or open.
func (d *Desk) Raise(ctx context.Context, s store.Subject, v screen.Verdict) (Raised, error) {
	if risk.Rank(v.Level) < risk.Rank(d.AlertFrom) {
		return Raised{Skipped: "below"}, nil
	}
	ev := alertEvidence{Fingerprint: Fingerprint(s.Identifiers), Rules: scoringRules(&v), Hits: v.Hits}
	sup, err := d.st.Suppression(ctx, s.ID)
	if err == nil && sup.Fingerprint == ev.Fingerprint && subset(ev.Rules, sup.Rules) {
		return Raised{Skipped: "suppressed"}, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Raised{}, err
	}
	prev, err := d.st.Alerts(ctx, store.AlertQuery{SubjectID: s.ID, Sort: store.SortNewest, Limit: 1})
	if err != nil {
		return Raised{}, err
	}
	if len(prev) == 1 && prev[0].CaseStatus != store.CaseClosed {
		var pe alertEvidence
		if json.Unmarshal(prev[0].Evidence, &pe) == nil && pe.Fingerprint == ev.Fingerprint && subset(ev.Rules, pe.Rules) {
			return Raised{Skipped: "open"}, nil
		}
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		return Raised{}, err
	}
	a, err := d.st.AddAlert(ctx, store.Alert{SubjectID: s.ID, Score: v.Score, Level: v.Level,
		Summary: summary(&v), Evidence: raw})
	if err != nil {
		return Raised{}, err
	}
	return Raised{Alert: &a}, nil
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// summary is one line for the alert queue: the strongest hits' rules.
func summary(v *screen.Verdict) string {
	var parts []string
	for _, h := range v.Hits {
		if h.Points <= 0 || len(parts) == 3 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (+%d)", h.Rule, h.Points))
	}
	return strings.Join(parts, ", ")
}

// Hits returns the hits an alert's evidence carries.
func Hits(a store.Alert) []screen.Hit {
	var ev alertEvidence
	json.Unmarshal(a.Evidence, &ev)
	return ev.Hits
}

// OpenCase opens a case for an alert, or returns the case the alert is
// already in.
func (d *Desk) OpenCase(ctx context.Context, actor string, alertID int64, title string) (store.Case, error) {
	a, err := d.st.Alert(ctx, alertID)
	if err != nil {
		return store.Case{}, err
	}
	if a.CaseID != 0 {
		c, _, err := d.st.Case(ctx, a.CaseID)
		return c, err
	}
	if title == "" {
		title = fmt.Sprintf("%s: %s (%d)", a.SubjectID, a.Level, a.Score)
	}
	c, err := d.st.OpenCase(ctx, store.Case{Title: title, SubjectID: a.SubjectID, CreatedBy: actor})
	if err != nil {
		return store.Case{}, err
	}
	if _, err := d.st.AppendCaseEvent(ctx, store.CaseEvent{CaseID: c.ID, Actor: actor, Kind: store.EventAlert, AlertID: a.ID}); err != nil {
		return store.Case{}, err
	}
	if err := d.Audit(ctx, actor, "case.open", caseObject(c.ID), "alert "+strconv.FormatInt(a.ID, 10)); err != nil {
		return store.Case{}, err
	}
	return c, nil
}

func caseObject(id int64) string { return "case:" + strconv.FormatInt(id, 10) }

// Assign gives a case to a user ("" unassigns).
func (d *Desk) Assign(ctx context.Context, actor string, caseID int64, user string) error {
	if user != "" {
		if _, err := d.st.User(ctx, user); errors.Is(err, store.ErrNotFound) {
			return &FieldError{"assignee", fmt.Sprintf("no user %q", user)}
		} else if err != nil {
			return err
		}
	}
	if _, err := d.st.AppendCaseEvent(ctx, store.CaseEvent{CaseID: caseID, Actor: actor, Kind: store.EventAssign, Body: user}); err != nil {
		return err
	}
	return d.Audit(ctx, actor, "case.assign", caseObject(caseID), user)
}

// maxComment bounds a comment; longer evidence belongs in an attachment.
const maxComment = 20000

// Comment adds a note to a case.
func (d *Desk) Comment(ctx context.Context, actor string, caseID int64, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return &FieldError{"body", "empty comment"}
	}
	if len(text) > maxComment {
		return &FieldError{"body", fmt.Sprintf("longer than %d bytes; attach it as a file", maxComment)}
	}
	if _, err := d.st.AppendCaseEvent(ctx, store.CaseEvent{CaseID: caseID, Actor: actor, Kind: store.EventNote, Body: text}); err != nil {
		return err
	}
	return d.Audit(ctx, actor, "case.comment", caseObject(caseID), "")
}

// MaxAttachment bounds an attachment.
const MaxAttachment = 10 << 20

// Attach adds a file to a case as evidence.
func (d *Desk) Attach(ctx context.Context, actor string, caseID int64, name, contentType string, data []byte) (store.Attachment, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 255 || strings.ContainsAny(name, "/\\\x00") {
		return store.Attachment{}, &FieldError{"name", "a file name without slashes, 1–255 bytes"}
	}
	if len(data) > MaxAttachment {
		return store.Attachment{}, &FieldError{"file", fmt.Sprintf("larger than %d MiB", MaxAttachment>>20)}
	}
	a, err := d.st.AddAttachment(ctx, store.Attachment{CaseID: caseID, Name: name, ContentType: contentType,
		Data: data, AddedBy: actor})
	if err != nil {
		return store.Attachment{}, err
	}
	if err := d.Audit(ctx, actor, "case.attach", caseObject(caseID), name); err != nil {
		return store.Attachment{}, err
	}
	return a, nil
}

// Decision is what an analyst decides on a case.
type Decision struct {
	// Outcome is one of store.Decisions.
	Outcome string
	// TLP marks the indicators a confirmed decision creates; default amber,
	// which the hub shares with members only.
	TLP  string
	Note string
	// Share marks the confirmed indicators shareable with the consortium
	// ('ringfence share push' publishes them; TLP:RED ones never leave).
	Share bool
}

// Decided says what a decision did.
type Decided struct {
	Indicators int      // local indicators created from the subjects
	Shared     bool     // the indicators were marked shareable
	Suppressed []string // subjects whose alert is suppressed
}

// Decide records a decision. Confirmed fraud turns the case's subjects'
// identifiers into indicators (source "case-<id>", replaced whole if the
// case is decided again) and closes the case; cleared suppresses the alert
// for each subject until its data changes, and closes the case; needing
// more information leaves it open.
func (d *Desk) Decide(ctx context.Context, actor string, caseID int64, dec Decision) (Decided, error) {
	if !slices.Contains(store.Decisions, dec.Outcome) {
		return Decided{}, &FieldError{"decision", "one of " + strings.Join(store.Decisions, ", ")}
	}
	if dec.TLP == "" {
		dec.TLP = "amber"
	}
	if !slices.Contains(store.TLPs, dec.TLP) {
		return Decided{}, &FieldError{"tlp", "one of " + strings.Join(store.TLPs, ", ")}
	}
	c, _, err := d.st.Case(ctx, caseID)
	if err != nil {
		return Decided{}, err
	}
	if c.Status == store.CaseClosed {
		return Decided{}, fmt.Errorf("case %d is closed; reopen it first: %w", caseID, store.ErrConflict)
	}
	alerts, err := d.st.Alerts(ctx, store.AlertQuery{CaseID: caseID})
	if err != nil {
		return Decided{}, err
	}
	subjects := caseSubjects(c, alerts)
	var out Decided
	switch dec.Outcome {
	case store.DecisionConfirmed:
		inds, err := d.indicators(ctx, caseID, subjects, dec.TLP)
		if err != nil {
			return Decided{}, err
		}
		if out.Indicators, err = d.st.ReplaceIndicators(ctx, caseSource(caseID), inds); err != nil {
			return Decided{}, err
		}
		if dec.Share {
			if err := d.st.ShareSource(ctx, store.SharedSource{Source: caseSource(caseID), Actor: actor}); err != nil {
				return Decided{}, err
			}
			out.Shared = true
		}
	case store.DecisionCleared:
		for _, id := range subjects {
			s, err := d.st.Subject(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue // screened but never stored: nothing to suppress against
			}
			if err != nil {
				return Decided{}, err
			}
			var rules []string
			for _, a := range alerts {
				if a.SubjectID == id {
					var ev alertEvidence
					json.Unmarshal(a.Evidence, &ev)
					rules = append(rules, ev.Rules...)
				}
			}
			slices.Sort(rules)
			err = d.st.PutSuppression(ctx, store.Suppression{SubjectID: id, Fingerprint: Fingerprint(s.Identifiers),
				Rules: slices.Compact(rules), CaseID: caseID, Actor: actor})
			if err != nil {
				return Decided{}, err
			}
			out.Suppressed = append(out.Suppressed, id)
		}
	}
	if dec.Note = strings.TrimSpace(dec.Note); dec.Note != "" {
		if err := d.Comment(ctx, actor, caseID, dec.Note); err != nil {
			return Decided{}, err
		}
	}
	_, err = d.st.AppendCaseEvent(ctx, store.CaseEvent{CaseID: caseID, Actor: actor, Kind: store.EventDecision,
		Decision: dec.Outcome, TLP: dec.TLP, Body: decisionText(dec, out)})
	if err != nil {
		return Decided{}, err
	}
	if dec.Outcome != store.DecisionMoreInfo {
		if _, err := d.st.AppendCaseEvent(ctx, store.CaseEvent{CaseID: caseID, Actor: actor, Kind: store.EventStatus,
			Status: store.CaseClosed}); err != nil {
			return Decided{}, err
		}
	}
	detail := fmt.Sprintf("%s tlp=%s subjects=%s indicators=%d", dec.Outcome, dec.TLP, strings.Join(subjects, ","), out.Indicators)
	if err := d.Audit(ctx, actor, "case.decide", caseObject(caseID), detail); err != nil {
		return Decided{}, err
	}
	if out.Indicators > 0 {
		d.IndicatorsChanged()
	}
	return out, nil
}

// Reopen reopens a closed case, so it can be decided again.
func (d *Desk) Reopen(ctx context.Context, actor string, caseID int64) error {
	if _, err := d.st.AppendCaseEvent(ctx, store.CaseEvent{CaseID: caseID, Actor: actor, Kind: store.EventStatus,
		Status: store.CaseOpen}); err != nil {
		return err
	}
	return d.Audit(ctx, actor, "case.reopen", caseObject(caseID), "")
}

func decisionText(dec Decision, out Decided) string {
	switch dec.Outcome {
	case store.DecisionConfirmed:
		return fmt.Sprintf("confirmed fraud: %d identifiers became indicators (TLP:%s)", out.Indicators, strings.ToUpper(dec.TLP))
	case store.DecisionCleared:
		return fmt.Sprintf("cleared: alerts suppressed for %s until their data changes", strings.Join(out.Suppressed, ", "))
	}
	return "needs more information"
}

func caseSource(caseID int64) string { return "case-" + strconv.FormatInt(caseID, 10) }

func caseSubjects(c store.Case, alerts []store.Alert) []string {
	var ids []string
	if c.SubjectID != "" {
		ids = append(ids, c.SubjectID)
	}
	for _, a := range alerts {
		if !slices.Contains(ids, a.SubjectID) {
			ids = append(ids, a.SubjectID)
		}
	}
	return ids
}

// indicatorKinds are the identifiers a confirmed decision turns into
// indicators. IPs are left out: residential and mobile addresses are
// reassigned, and a VPN exit is shared by thousands. Names go in with the
// birth date and nationality of the same entry, so matching weighs a
// namesake by them as it does for sanctions entries.
var indicatorKinds = map[string]bool{
	"email": true, "phone": true, "address": true, "bank_account": true, "wallet": true,
	"id_document": true, "device": true, "url": true, "name": true,
}

func (d *Desk) indicators(ctx context.Context, caseID int64, subjects []string, tlp string) ([]store.Indicator, error) {
	now := d.now().UTC()
	var out []store.Indicator
	seen := map[[3]string]bool{}
	for _, id := range subjects {
		s, err := d.st.Subject(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ref := fmt.Sprintf("case:%d:%s", caseID, id)
		label := fmt.Sprintf("confirmed fraud (case %d, subject %s)", caseID, id)
		add := func(kind, value string) {
			// An entry's descriptors repeat across subjects; identifiers
			// are listed once.
			k := [3]string{"", kind, value}
			if kind == store.KindBirthDate || kind == store.KindNationality || kind == "name" {
				k[0] = ref
			}
			if value == "" || seen[k] {
				return
			}
			seen[k] = true
			out = append(out, store.Indicator{Kind: kind, Value: value, Label: label, Severity: "high", Confidence: 90,
				Source: caseSource(caseID), SourceRef: ref, TLP: tlp, FirstSeen: now, LastSeen: now})
		}
		for _, x := range s.Identifiers {
			if indicatorKinds[x.Kind] {
				add(x.Kind, x.Value)
			}
		}
		if rec, err := subject.DecodeStored(s.Raw); err == nil {
			add(store.KindBirthDate, rec.BirthDate)
			add(store.KindNationality, strings.ToUpper(rec.Nationality))
		}
	}
	slices.SortFunc(out, func(a, b store.Indicator) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
	return out, nil
}
