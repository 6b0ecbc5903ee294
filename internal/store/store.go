// Package store says what ringfence keeps and what it asks of its database:
// subjects as they were given and their normalised identifiers, an index
// from identifier values back to subjects, indicators with their
// provenance, screening verdicts, alerts, cases with an append-only event
// log, and an audit log.
//
// The Store interface is the contract; internal/store/sqlite and
// internal/store/postgres implement it, internal/store/storetest proves
// they behave alike, and internal/store/dial opens one by its DSN.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"time"
)

// Errors every implementation returns, checked with errors.Is. The list is
// append-only: callers map these to exit codes and HTTP statuses.
var (
	// ErrNotFound: the subject, verdict, alert or case does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change contradicts what is stored (an alert already
	// in another case, a closed case).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the argument is malformed (an empty id, an unknown TLP).
	ErrInvalid = errors.New("invalid")
	// ErrSchemaTooNew: the database was migrated by a newer ringfence.
	ErrSchemaTooNew = errors.New("database schema is newer than this ringfence")
)

// Store is what ringfence asks of its database. Every method is safe for
// concurrent use, and every write either happens whole or not at all.
type Store interface {
	Findings

	// PutSubjects stores subjects in one transaction: a new id is inserted,
	// a known id whose raw record or identifiers changed is replaced with
	// its identifiers, and an unchanged one is left alone. A subject's
	// Verdict, when set, is stored (replacing the one before) in the same
	// transaction, so screening never leaves a subject beside a verdict of
	// other data. When ids repeat in the slice the last one wins.
	// ErrInvalid for an empty id or raw record that is not a JSON object,
	// or a verdict of another subject.
	PutSubjects(ctx context.Context, subjects []Subject) (PutResult, error)
	// Subject returns one subject with its identifiers in the order they
	// were given. ErrNotFound.
	Subject(ctx context.Context, id string) (Subject, error)
	// Subjects yields every stored subject with its identifiers (in the order
	// they were given), ordered by id, without Verdict. It reads in pages so
	// memory stays bounded for millions of subjects. Stop early by breaking;
	// an error is yielded once and ends the sequence. It is not a snapshot:
	// a subject put while iterating is yielded, once, only if its id sorts
	// after those already yielded.
	Subjects(ctx context.Context) iter.Seq2[Subject, error]
	// SubjectsByIdentifier returns the ids of the subjects having the
	// identifier kind/value (a canonical value or a key), sorted, each once.
	// ErrInvalid for a kind that is not indexed (see Indexed).
	SubjectsByIdentifier(ctx context.Context, kind, value string) ([]string, error)
	// SubjectsByIdentifiers is SubjectsByIdentifier for many values of one
	// kind at once: the ids holding each value, sorted, each once; values
	// no subject holds are absent. ErrInvalid for a kind that is not
	// indexed.
	SubjectsByIdentifiers(ctx context.Context, kind string, values []string) (map[string][]string, error)
	// SubjectsByValues is SubjectsByIdentifiers for a few values of several
	// kinds at once, in as few queries as it can: what screening one
	// record through the API asks, where each query's round trip counts.
	// Values no subject holds are absent. ErrInvalid for a kind that is not
	// indexed.
	SubjectsByValues(ctx context.Context, values []KindValue) (map[KindValue][]string, error)
	// IdentifierCounts returns how many distinct subjects have each of the
	// values of one kind; values no subject has are absent. Link analysis
	// weighs a shared value by its rarity. ErrInvalid for a kind that is
	// not indexed (see Indexed).
	IdentifierCounts(ctx context.Context, kind string, values []string) (map[string]int, error)

	// ReplaceIndicators replaces, in one transaction, every indicator of
	// source with indicators, so a feed re-imported is never seen half old
	// and half new. It returns how many are stored. ErrInvalid for an
	// empty source, kind or value, a TLP not in TLPs, a confidence outside
	// 0–100, or an indicator whose Source is not source.
	ReplaceIndicators(ctx context.Context, source string, indicators []Indicator) (int, error)
	// Indicators yields the indicators matching q, ordered by source, kind
	// and value, for building in-memory match indexes. Stop early by
	// breaking; an error is yielded once and ends the sequence.
	Indicators(ctx context.Context, q IndicatorQuery) iter.Seq2[Indicator, error]

	// PutVerdicts stores the latest verdict of each subject, replacing the
	// one before.
	PutVerdicts(ctx context.Context, verdicts []Verdict) error
	// Verdict returns the latest verdict of a subject. ErrNotFound.
	Verdict(ctx context.Context, subjectID string) (Verdict, error)

	// AddAlert stores a new alert and returns it with its ID and, when
	// zero, its CreatedAt set.
	AddAlert(ctx context.Context, a Alert) (Alert, error)
	// Alert returns one alert. ErrNotFound.
	Alert(ctx context.Context, id int64) (Alert, error)
	// Alerts returns the alerts matching q in ID order.
	Alerts(ctx context.Context, q AlertQuery) ([]Alert, error)

	// OpenCase stores a new case, status open, and returns it with its ID.
	OpenCase(ctx context.Context, c Case) (Case, error)
	// Case returns a case and its events in order. ErrNotFound.
	Case(ctx context.Context, id int64) (Case, []CaseEvent, error)
	// Cases returns the cases matching q in ID order, or newest first with
	// q.Newest.
	Cases(ctx context.Context, q CaseQuery) ([]Case, error)
	// AppendCaseEvent appends an event to a case's log and applies it: a
	// status event sets the case's status, an alert event links the alert
	// to the case. Events are never changed or removed. ErrNotFound for an
	// unknown case or alert; ErrConflict for an event on a closed case
	// other than reopening it, or an alert already in another case;
	// ErrInvalid for an unknown event kind or status.
	AppendCaseEvent(ctx context.Context, ev CaseEvent) (CaseEvent, error)

	// AppendAudit appends to the audit log and returns the event with its
	// ID and, when zero, At set.
	AppendAudit(ctx context.Context, ev AuditEvent) (AuditEvent, error)
	// Audit returns the audit events matching q in ID order, or newest
	// first with q.Newest.
	Audit(ctx context.Context, q AuditQuery) ([]AuditEvent, error)

	// Stats counts rows per table and identifiers per kind and lists the
	// top most shared identifier values.
	Stats(ctx context.Context, top int) (Stats, error)
	// Check verifies the database's integrity and says what is wrong.
	Check(ctx context.Context) error
	// Close releases the database.
	Close() error

	// SubjectPage returns up to limit subjects (1–1000) whose ids sort after
	// after, in id order, with identifiers and without Verdict: a page of a
	// listing the API walks with a cursor.
	SubjectPage(ctx context.Context, after string, limit int) ([]Subject, error)

	// PutUser inserts a user or, when Name exists, replaces its role,
	// password hash and disabled flag (CreatedAt is kept). ErrInvalid for an
	// empty name or role.
	PutUser(ctx context.Context, u User) error
	// User returns one user. ErrNotFound.
	User(ctx context.Context, name string) (User, error)
	// Users returns every user in name order.
	Users(ctx context.Context) ([]User, error)
	// AddAPIKey stores a new key. ErrConflict when the ID exists, ErrInvalid
	// for an empty ID, role or secret hash.
	AddAPIKey(ctx context.Context, k APIKey) error
	// APIKey returns one key, revoked or not. ErrNotFound.
	APIKey(ctx context.Context, id string) (APIKey, error)
	// APIKeys returns every key in ID order.
	APIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey marks a key revoked at at; revoking twice keeps the
	// first time. ErrNotFound.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	// AddSession stores a signed-in session. ErrConflict when the ID exists.
	AddSession(ctx context.Context, s Session) error
	// Session returns a session, expired or not. ErrNotFound.
	Session(ctx context.Context, id string) (Session, error)
	// DeleteSession removes a session (signing out); removing an unknown one
	// is not an error. It also removes every session that expired.
	DeleteSession(ctx context.Context, id string) error

	// AddAttachment stores a file as evidence on a case and appends an
	// EventAttachment naming it to the case's log, in one transaction.
	// ErrNotFound for an unknown case, ErrConflict for a closed one,
	// ErrInvalid for an empty name.
	AddAttachment(ctx context.Context, a Attachment) (Attachment, error)
	// Attachment returns one attachment with its Data. ErrNotFound.
	Attachment(ctx context.Context, id int64) (Attachment, error)
	// Attachments lists a case's attachments in ID order, without Data.
	Attachments(ctx context.Context, caseID int64) ([]Attachment, error)

	// PutSuppression records that a subject's alert was cleared, replacing
	// the subject's suppression before. ErrInvalid for an empty subject.
	PutSuppression(ctx context.Context, s Suppression) error
	// Suppression returns a subject's suppression. ErrNotFound.
	Suppression(ctx context.Context, subjectID string) (Suppression, error)

	// SyncState returns what the last successful download of url left:
	// its validators and digest, for a conditional request next time.
	// ErrNotFound when url was never fetched.
	SyncState(ctx context.Context, url string) (SyncState, error)
	// PutSyncState records a successful download of st.URL, replacing the
	// state before. ErrInvalid for an empty or non-UTF-8 URL.
	PutSyncState(ctx context.Context, st SyncState) error
}

// Subject is a person or account as stored: the record as it was given and
// the identifiers normalised from it.
type Subject struct {
	ID string
	// Kind is the record's kind (applicant, employee, …), kept for
	// filtering without parsing Raw.
	Kind string
	// Raw is the record exactly as read, a JSON object.
	Raw json.RawMessage
	// Identifiers are the normalised values and their keys, kept in their
	// order; the index from (Kind, Value) to subjects is built from those
	// of the kinds Indexed names.
	Identifiers []Identifier
	// UpdatedAt is when the record last changed in the store; set by the
	// store.
	UpdatedAt time.Time
	// Verdict, when set, is written with the subject (PutSubjects); never
	// set by reads.
	Verdict *Verdict
}

// Identifier is one indexed value of a subject: a canonical value (Kind
// "email") or a key derived from one (Kind "email_domain"), with the
// record field it came from.
type Identifier struct {
	Kind  string
	Value string
	// Attribute is the record field, e.g. "emails[0]".
	Attribute string
	// Role qualifies the field: an address kind or a document type.
	Role string
}

// KindValue is an identifier value of a kind.
type KindValue struct{ Kind, Value string }

// PutResult counts what PutSubjects did.
type PutResult struct {
	New, Updated, Unchanged int
}

// Add sums two results.
func (r PutResult) Add(o PutResult) PutResult {
	return PutResult{New: r.New + o.New, Updated: r.Updated + o.Updated, Unchanged: r.Unchanged + o.Unchanged}
}

// TLPs are the Traffic Light Protocol 2.0 markings an indicator may carry;
// the hub decides from them what may be shared with whom.
var TLPs = []string{"clear", "green", "amber", "amber+strict", "red"}

// Kinds of the indicators that describe a watchlist entry rather than
// identify it; they share the entry's Source and SourceRef with its names
// and identifiers, so screening can weigh a name match by them.
const (
	KindBirthDate   = "birth_date"  // YYYY, YYYY-MM or YYYY-MM-DD
	KindNationality = "nationality" // ISO 3166 alpha-2
	KindProgram     = "program"     // a sanctions programme, e.g. DPRK3, NPWMD
	KindEntityType  = "entity_type" // individual, entity, vessel, aircraft
)

// Indicator is a value known to be bad, with where it came from and how
// much to trust it.
type Indicator struct {
	// Kind is an identifier kind (email, phone, wallet, …) or key kind.
	Kind string
	// Value is canonical for its kind.
	Value    string
	Label    string
	Severity string
	// Confidence is 0–100.
	Confidence int
	// Source names the feed (ofac-sdn, starter-pack, a member, …);
	// ReplaceIndicators replaces a source's indicators as a whole.
	Source string
	// SourceRef locates the indicator in its source: an SDN entry number,
	// a STIX id, a URL.
	SourceRef string
	// TLP is one of TLPs; empty means clear.
	TLP        string
	FirstSeen  time.Time
	LastSeen   time.Time
	ValidUntil time.Time // zero: does not expire
}

// IndicatorQuery selects indicators; zero fields select all.
type IndicatorQuery struct {
	Source string
	Kind   string
	// ValidAt, when set, leaves out indicators that expired before it.
	ValidAt time.Time
}

// Verdict is the outcome of screening a subject.
type Verdict struct {
	SubjectID string
	Score     int
	Level     string
	// Hits is the evidence as screening wrote it, a JSON array.
	Hits       json.RawMessage
	ScreenedAt time.Time
}

// Alert is a verdict someone should look at.
type Alert struct {
	ID        int64
	SubjectID string
	Score     int
	Level     string
	Summary   string
	// Evidence is a JSON value written by whoever raised the alert.
	Evidence  json.RawMessage
	CreatedAt time.Time
	// CaseID is the case the alert was linked to, 0 if none.
	CaseID int64
	// CaseStatus is the status of that case, "" if none; set by reads.
	CaseStatus string
}

// Alert queue states, derived from the alert's case: AlertNew is in no
// case, AlertOpen in an open case, AlertClosed in a closed one.
const (
	AlertNew    = "new"
	AlertOpen   = "open"
	AlertClosed = "closed"
)

// Alert orders for AlertQuery.Sort.
const (
	SortID     = ""       // oldest first (ID order); AfterID pages
	SortNewest = "newest" // newest first
	SortScore  = "score"  // highest score first, then newest
)

// AlertQuery selects alerts; zero fields select all.
type AlertQuery struct {
	SubjectID string
	CaseID    int64
	// Unassigned selects only alerts in no case.
	Unassigned bool
	// Status is one of AlertNew, AlertOpen, AlertClosed; "" selects all.
	Status string
	// MinScore selects alerts scoring at least this.
	MinScore int
	// Sort is SortID, SortNewest or SortScore; ErrInvalid otherwise.
	Sort string
	// AfterID pages in ID order (SortID only); Offset skips rows in any
	// order.
	AfterID int64
	Offset  int
	Limit   int
}

// Case statuses. Append, never rename: they are stored.
const (
	CaseOpen   = "open"
	CaseClosed = "closed"
)

// Case is an investigation of one or more alerts.
type Case struct {
	ID     int64
	Title  string
	Status string
	// SubjectID is the subject the case is about, "" when it spans several.
	SubjectID string
	// Assignee is the user working the case, set by EventAssign.
	Assignee string
	// Decision is the last decision, one of Decisions, set by an
	// EventDecision carrying one.
	Decision  string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CaseQuery selects cases; zero fields select all.
type CaseQuery struct {
	Status   string
	Assignee string
	AfterID  int64
	// Newest lists newest first (ID descending); Offset skips rows in
	// either order (ErrInvalid when negative).
	Newest bool
	Offset int
	Limit  int
}

// Case event kinds. Append, never rename: they are stored.
const (
	EventNote     = "note"     // a comment
	EventStatus   = "status"   // Status is the new status
	EventAlert    = "alert"    // AlertID is linked to the case
	EventDecision = "decision" // Body is the decision, e.g. "reject applicant"
	// EventAssign sets the case's Assignee to Body ("" unassigns).
	EventAssign = "assign"
	// EventAttachment is written by AddAttachment; Body names the file.
	EventAttachment = "attachment"
)

// Decisions an analyst takes on a case (CaseEvent.Decision). Append, never
// rename: they are stored.
const (
	DecisionConfirmed = "confirmed_fraud"
	DecisionCleared   = "cleared"
	DecisionMoreInfo  = "needs_info"
)

// Decisions lists the decisions in the order the UI offers them.
var Decisions = []string{DecisionConfirmed, DecisionCleared, DecisionMoreInfo}

// CaseEvent is one entry in a case's log.
type CaseEvent struct {
	ID      int64
	CaseID  int64
	At      time.Time
	Actor   string
	Kind    string
	Body    string
	Status  string // for EventStatus
	AlertID int64  // for EventAlert
	// Decision is one of Decisions, for EventDecision; it sets the case's
	// Decision. Empty keeps the older free-text decision event.
	Decision string
	// TLP is the marking chosen for the indicators a confirmed decision
	// creates; one of TLPs or "".
	TLP string
}

// Roles of users and API keys; package access says what each may do.
// Append, never rename: they are stored.
const (
	RoleAdmin   = "admin"
	RoleAnalyst = "analyst"
	RoleViewer  = "viewer"
	RoleIngest  = "ingest"
)

// User is a person who signs in to the UI.
type User struct {
	Name string
	Role string
	// PasswordHash is an encoded password hash (package access); never
	// the password.
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
}

// APIKey is a credential for programs. The key handed out is its ID and a
// secret; only the secret's hash is stored.
type APIKey struct {
	ID         string
	Name       string
	Role       string
	Owner      string // the user who created it
	SecretHash string
	CreatedAt  time.Time
	RevokedAt  time.Time // zero: valid
}

// Session is a signed-in browser. ID is the hash of the cookie's token,
// so a read of the table gives no one a session.
type Session struct {
	ID        string
	User      string
	CSRF      string // the token the UI's forms must carry
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Attachment is a file an analyst added to a case as evidence.
type Attachment struct {
	ID          int64
	CaseID      int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string // hex
	Data        []byte // set by Attachment only
	AddedBy     string
	AddedAt     time.Time
}

// Suppression records an alert cleared by a decision: screening raises no
// new alert for the subject while its data has the same Fingerprint and
// its verdict hits no rule outside Rules.
type Suppression struct {
	SubjectID   string
	Fingerprint string
	Rules       []string
	CaseID      int64
	Actor       string
	CreatedAt   time.Time
}

// AuditEvent records who did what to which object, for accountability:
// every read of a subject and every decision is logged.
type AuditEvent struct {
	ID     int64
	At     time.Time
	Actor  string
	Action string
	Object string
	Detail string
}

// AuditQuery selects audit events; zero fields select all.
type AuditQuery struct {
	Actor   string
	Object  string
	Since   time.Time
	AfterID int64
	// BeforeID selects events with smaller IDs: the cursor of a newest-first
	// listing.
	BeforeID int64
	// Newest lists newest first (ID descending) instead of oldest first.
	Newest bool
	Limit  int
}

// Stats describes what a store holds.
type Stats struct {
	// Tables counts rows per table.
	Tables map[string]int64
	// Identifiers counts index entries, distinct (value, subject), per
	// kind.
	Identifiers map[string]int64
	// Shared are the values held by the most subjects, most first.
	Shared []SharedValue
}

// SharedValue is an identifier value and how many subjects hold it.
type SharedValue struct {
	Kind     string
	Value    string
	Subjects int
}

// SyncState is what ringfence remembers of a list it downloads, so the next
// download can ask "changed since?" (RFC 9110 §13.1: If-None-Match with
// the ETag, If-Modified-Since with Last-Modified) and skip an import when
// the body is the same.
type SyncState struct {
	URL          string
	ETag         string
	LastModified string // as the server wrote it, an HTTP date
	SHA256       string // hex digest of the body as downloaded
	FetchedAt    time.Time
}
