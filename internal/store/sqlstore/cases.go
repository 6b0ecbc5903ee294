package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ringfence/ringfence/internal/store"
)

// AddAlert implements store.Store.
func (db *DB) AddAlert(ctx context.Context, a store.Alert) (store.Alert, error) {
	if a.SubjectID == "" {
		return store.Alert{}, fmt.Errorf("add alert: empty subject id: %w", store.ErrInvalid)
	}
	if !store.ValidText(a.SubjectID, a.Level, a.Summary) {
		return store.Alert{}, fmt.Errorf("add alert: a field is not UTF-8 text: %w", store.ErrInvalid)
	}
	if a.CaseID != 0 {
		return store.Alert{}, fmt.Errorf("add alert: link it to a case with a case event: %w", store.ErrInvalid)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.now()
	}
	a.CreatedAt = store.FromMicros(store.Micros(a.CreatedAt))
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, db.Q(`INSERT INTO alerts (subject_id, score, level, summary, evidence, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), a.SubjectID, a.Score, a.Level, a.Summary, nullBytes(a.Evidence),
			store.Micros(a.CreatedAt)).Scan(&a.ID)
	})
	if err != nil {
		return store.Alert{}, fmt.Errorf("add alert: %w", err)
	}
	return a, nil
}

// alertColumns are read from alertsFrom: the alert, and the status of
// its case for the queue's states.
const (
	alertColumns = `a.id, a.subject_id, a.score, a.level, a.summary, a.evidence, a.created_at,
		COALESCE(a.case_id, 0), COALESCE(c.status, '')`
	alertsFrom = ` FROM alerts a LEFT JOIN cases c ON c.id = a.case_id`
)

func scanAlert(sc interface{ Scan(...any) error }) (store.Alert, error) {
	var a store.Alert
	var ev []byte
	var at int64
	err := sc.Scan(&a.ID, &a.SubjectID, &a.Score, &a.Level, &a.Summary, &ev, &at, &a.CaseID, &a.CaseStatus)
	a.Evidence, a.CreatedAt = ev, store.FromMicros(at)
	return a, err
}

// Alert implements store.Store.
func (db *DB) Alert(ctx context.Context, id int64) (store.Alert, error) {
	a, err := scanAlert(db.R.QueryRowContext(ctx, db.Q(`SELECT `+alertColumns+alertsFrom+` WHERE a.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Alert{}, fmt.Errorf("alert %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Alert{}, fmt.Errorf("read alert %d: %w", id, err)
	}
	return a, nil
}

// Alerts implements store.Store.
func (db *DB) Alerts(ctx context.Context, q store.AlertQuery) ([]store.Alert, error) {
	where, args := []string{"1 = 1"}, []any{}
	var order string
	switch q.Sort {
	case store.SortID:
		where, args = append(where, "a.id > ?"), append(args, q.AfterID)
		order = ` ORDER BY a.id`
	case store.SortNewest:
		order = ` ORDER BY a.id DESC`
	case store.SortScore:
		order = ` ORDER BY a.score DESC, a.id DESC`
	default:
		return nil, fmt.Errorf("read alerts: sort %q is not %q, %q or %q: %w", q.Sort, store.SortID, store.SortNewest, store.SortScore, store.ErrInvalid)
	}
	if q.AfterID != 0 && q.Sort != store.SortID {
		// An id cursor means nothing in another order; say so rather than
		// return a page that skips or repeats alerts.
		return nil, fmt.Errorf("read alerts: AfterID pages in id order only, use Offset with sort %q: %w", q.Sort, store.ErrInvalid)
	}
	if q.Offset < 0 {
		return nil, fmt.Errorf("read alerts: negative offset %d: %w", q.Offset, store.ErrInvalid)
	}
	switch q.Status {
	case "":
	case store.AlertNew:
		where = append(where, "a.case_id IS NULL")
	case store.AlertOpen:
		where, args = append(where, "c.status = ?"), append(args, store.CaseOpen)
	case store.AlertClosed:
		where, args = append(where, "c.status = ?"), append(args, store.CaseClosed)
	default:
		return nil, fmt.Errorf("read alerts: status %q is not %q, %q or %q: %w", q.Status, store.AlertNew, store.AlertOpen, store.AlertClosed, store.ErrInvalid)
	}
	if q.SubjectID != "" {
		where, args = append(where, "a.subject_id = ?"), append(args, q.SubjectID)
	}
	if q.CaseID != 0 {
		where, args = append(where, "a.case_id = ?"), append(args, q.CaseID)
	}
	if q.Unassigned {
		where = append(where, "a.case_id IS NULL")
	}
	if q.MinScore != 0 {
		where, args = append(where, "a.score >= ?"), append(args, q.MinScore)
	}
	rows, err := db.R.QueryContext(ctx, db.Q(`SELECT `+alertColumns+alertsFrom+` WHERE `+
		strings.Join(where, " AND ")+order+limitOffset(q.Limit, q.Offset)), args...)
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	var out []store.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("read alerts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	return out, nil
}

func limit(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" LIMIT %d", n)
}

// limitOffset is limit with rows skipped. SQLite takes OFFSET only after
// a LIMIT, so no limit is the largest one.
func limitOffset(n, offset int) string {
	if offset <= 0 {
		return limit(n)
	}
	if n <= 0 {
		n = math.MaxInt64
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", n, offset)
}

// OpenCase implements store.Store. A case is assigned and decided by
// events, so that the log says who did it and when: an Assignee or
// Decision given here is refused, as AddAlert refuses a CaseID.
func (db *DB) OpenCase(ctx context.Context, c store.Case) (store.Case, error) {
	if strings.TrimSpace(c.Title) == "" {
		return store.Case{}, fmt.Errorf("open case: empty title: %w", store.ErrInvalid)
	}
	if !store.ValidText(c.Title, c.SubjectID, c.CreatedBy) {
		return store.Case{}, fmt.Errorf("open case: a field is not UTF-8 text: %w", store.ErrInvalid)
	}
	if c.Assignee != "" || c.Decision != "" {
		return store.Case{}, fmt.Errorf("open case: assign or decide it with a case event: %w", store.ErrInvalid)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = db.now()
	}
	c.CreatedAt = store.FromMicros(store.Micros(c.CreatedAt))
	c.UpdatedAt, c.Status = c.CreatedAt, store.CaseOpen
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, db.Q(`INSERT INTO cases (title, status, subject_id, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), c.Title, c.Status, c.SubjectID, c.CreatedBy, store.Micros(c.CreatedAt),
			store.Micros(c.UpdatedAt)).Scan(&c.ID)
	})
	if err != nil {
		return store.Case{}, fmt.Errorf("open case: %w", err)
	}
	return c, nil
}

const caseColumns = `id, title, status, subject_id, assignee, decision, created_by, created_at, updated_at`

func scanCase(sc interface{ Scan(...any) error }) (store.Case, error) {
	var c store.Case
	var created, updated int64
	err := sc.Scan(&c.ID, &c.Title, &c.Status, &c.SubjectID, &c.Assignee, &c.Decision, &c.CreatedBy, &created, &updated)
	c.CreatedAt, c.UpdatedAt = store.FromMicros(created), store.FromMicros(updated)
	return c, err
}

// Case implements store.Store.
func (db *DB) Case(ctx context.Context, id int64) (store.Case, []store.CaseEvent, error) {
	tx, err := db.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return store.Case{}, nil, fmt.Errorf("read case %d: %w", id, err)
	}
	defer tx.Rollback()
	c, err := scanCase(tx.QueryRowContext(ctx, db.Q(`SELECT `+caseColumns+` FROM cases WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Case{}, nil, fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Case{}, nil, fmt.Errorf("read case %d: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, db.Q(`SELECT id, case_id, at, actor, kind, body, status, alert_id, decision, tlp
		FROM case_events WHERE case_id = ? ORDER BY id`), id)
	if err != nil {
		return store.Case{}, nil, fmt.Errorf("read events of case %d: %w", id, err)
	}
	defer rows.Close()
	var evs []store.CaseEvent
	for rows.Next() {
		var e store.CaseEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.Actor, &e.Kind, &e.Body, &e.Status, &e.AlertID, &e.Decision, &e.TLP); err != nil {
			return store.Case{}, nil, fmt.Errorf("read events of case %d: %w", id, err)
		}
		e.At = store.FromMicros(at)
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil {
		return store.Case{}, nil, fmt.Errorf("read events of case %d: %w", id, err)
	}
	return c, evs, nil
}

// Cases implements store.Store.
func (db *DB) Cases(ctx context.Context, q store.CaseQuery) ([]store.Case, error) {
	where, args := []string{"id > ?"}, []any{q.AfterID}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, q.Status)
	}
	if q.Assignee != "" {
		where, args = append(where, "assignee = ?"), append(args, q.Assignee)
	}
	if q.Offset < 0 {
		return nil, fmt.Errorf("read cases: negative offset %d: %w", q.Offset, store.ErrInvalid)
	}
	order := ` ORDER BY id`
	if q.Newest {
		order = ` ORDER BY id DESC`
	}
	rows, err := db.R.QueryContext(ctx, db.Q(`SELECT `+caseColumns+` FROM cases WHERE `+
		strings.Join(where, " AND ")+order+limitOffset(q.Limit, q.Offset)), args...)
	if err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	defer rows.Close()
	var out []store.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("read cases: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	return out, nil
}

// AppendCaseEvent implements store.Store. Fields that do not belong to
// the event's kind are dropped, so the log holds only what was applied.
func (db *DB) AppendCaseEvent(ctx context.Context, ev store.CaseEvent) (store.CaseEvent, error) {
	switch ev.Kind {
	case store.EventNote, store.EventAssign:
	case store.EventDecision:
		if ev.Decision != "" && !slices.Contains(store.Decisions, ev.Decision) {
			return store.CaseEvent{}, fmt.Errorf("case %d: decision %q is not one of %s: %w",
				ev.CaseID, ev.Decision, strings.Join(store.Decisions, ", "), store.ErrInvalid)
		}
	case store.EventStatus:
		if ev.Status != store.CaseOpen && ev.Status != store.CaseClosed {
			return store.CaseEvent{}, fmt.Errorf("case %d: status %q is not open or closed: %w", ev.CaseID, ev.Status, store.ErrInvalid)
		}
	case store.EventAlert:
		if ev.AlertID == 0 {
			return store.CaseEvent{}, fmt.Errorf("case %d: alert event without an alert: %w", ev.CaseID, store.ErrInvalid)
		}
	case store.EventAttachment:
		return store.CaseEvent{}, fmt.Errorf("case %d: attachment events are written by AddAttachment: %w", ev.CaseID, store.ErrInvalid)
	default:
		return store.CaseEvent{}, fmt.Errorf("case %d: unknown event kind %q: %w", ev.CaseID, ev.Kind, store.ErrInvalid)
	}
	if ev.TLP != "" && !slices.Contains(store.TLPs, ev.TLP) {
		return store.CaseEvent{}, fmt.Errorf("case %d: TLP %q is not one of %s: %w", ev.CaseID, ev.TLP, strings.Join(store.TLPs, ", "), store.ErrInvalid)
	}
	if !store.ValidText(ev.Actor, ev.Body) {
		return store.CaseEvent{}, fmt.Errorf("case %d: a field is not UTF-8 text: %w", ev.CaseID, store.ErrInvalid)
	}
	if ev.Kind != store.EventStatus {
		ev.Status = ""
	}
	if ev.Kind != store.EventAlert {
		ev.AlertID = 0
	}
	if ev.Kind != store.EventDecision {
		ev.Decision, ev.TLP = "", ""
	}
	if ev.At.IsZero() {
		ev.At = db.now()
	}
	ev.At = store.FromMicros(store.Micros(ev.At))
	at := store.Micros(ev.At)
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		status, err := db.lockCase(ctx, tx, ev.CaseID)
		if err != nil {
			return err
		}
		if status == store.CaseClosed && !(ev.Kind == store.EventStatus && ev.Status == store.CaseOpen) {
			return fmt.Errorf("case %d is closed: reopen it first: %w", ev.CaseID, store.ErrConflict)
		}
		var update string
		var args []any
		switch ev.Kind {
		case store.EventStatus:
			update, args = `status = ?, `, []any{ev.Status}
		case store.EventAssign:
			update, args = `assignee = ?, `, []any{ev.Body}
		case store.EventDecision:
			if ev.Decision != "" {
				update, args = `decision = ?, `, []any{ev.Decision}
			}
		case store.EventAlert:
			var cur sql.NullInt64
			err := tx.QueryRowContext(ctx, db.Q(`SELECT case_id FROM alerts WHERE id = ?`+db.Dialect.ForUpdate), ev.AlertID).Scan(&cur)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("alert %d: %w", ev.AlertID, store.ErrNotFound)
			}
			if err != nil {
				return err
			}
			if cur.Valid && cur.Int64 != ev.CaseID {
				return fmt.Errorf("alert %d is in case %d: %w", ev.AlertID, cur.Int64, store.ErrConflict)
			}
			if _, err := tx.ExecContext(ctx, db.Q(`UPDATE alerts SET case_id = ? WHERE id = ?`), ev.CaseID, ev.AlertID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, db.Q(`UPDATE cases SET `+update+`updated_at = ? WHERE id = ?`),
			append(args, at, ev.CaseID)...); err != nil {
			return err
		}
		ev.ID, err = db.insertEvent(ctx, tx, ev)
		return err
	})
	if err != nil {
		return store.CaseEvent{}, fmt.Errorf("append case event: %w", err)
	}
	return ev, nil
}

// lockCase returns the status of case id, locking its row until tx ends so
// that no event is appended beside a concurrent close. ErrNotFound.
func (db *DB) lockCase(ctx context.Context, tx *sql.Tx, id int64) (string, error) {
	var status string
	err := tx.QueryRowContext(ctx, db.Q(`SELECT status FROM cases WHERE id = ?`+db.Dialect.ForUpdate), id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	}
	return status, err
}

// insertEvent appends ev, already checked and applied, to its case's log.
func (db *DB) insertEvent(ctx context.Context, tx *sql.Tx, ev store.CaseEvent) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, db.Q(`INSERT INTO case_events (case_id, at, actor, kind, body, status, alert_id, decision, tlp)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), ev.CaseID, store.Micros(ev.At), ev.Actor, ev.Kind, ev.Body,
		ev.Status, ev.AlertID, ev.Decision, ev.TLP).Scan(&id)
	return id, err
}

// AddAttachment implements store.Store. Size and SHA256 are the data's:
// computed when left zero, and refused with ErrInvalid when given and
// different, so that evidence is never described by what it is not.
func (db *DB) AddAttachment(ctx context.Context, a store.Attachment) (store.Attachment, error) {
	if strings.TrimSpace(a.Name) == "" {
		return store.Attachment{}, fmt.Errorf("add attachment to case %d: empty name: %w", a.CaseID, store.ErrInvalid)
	}
	if !store.ValidText(a.Name, a.ContentType, a.AddedBy, a.SHA256) {
		return store.Attachment{}, fmt.Errorf("add attachment to case %d: a field is not UTF-8 text: %w", a.CaseID, store.ErrInvalid)
	}
	sum := sha256.Sum256(a.Data)
	digest := hex.EncodeToString(sum[:])
	if a.SHA256 != "" && !strings.EqualFold(a.SHA256, digest) {
		return store.Attachment{}, fmt.Errorf("add attachment %q to case %d: sha256 %s is not the data's, %s: %w",
			a.Name, a.CaseID, a.SHA256, digest, store.ErrInvalid)
	}
	if a.Size != 0 && a.Size != int64(len(a.Data)) {
		return store.Attachment{}, fmt.Errorf("add attachment %q to case %d: size %d is not the data's, %d: %w",
			a.Name, a.CaseID, a.Size, len(a.Data), store.ErrInvalid)
	}
	data := a.Data
	if data == nil {
		data = []byte{} // an empty file, not a missing one
	}
	a.ID, a.Size, a.SHA256, a.Data = 0, int64(len(data)), digest, nil
	if a.AddedAt.IsZero() {
		a.AddedAt = db.now()
	}
	a.AddedAt = store.FromMicros(store.Micros(a.AddedAt))
	at := store.Micros(a.AddedAt)
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		status, err := db.lockCase(ctx, tx, a.CaseID)
		if err != nil {
			return err
		}
		if status == store.CaseClosed {
			return fmt.Errorf("case %d is closed: reopen it first: %w", a.CaseID, store.ErrConflict)
		}
		err = tx.QueryRowContext(ctx, db.Q(`INSERT INTO case_attachments (case_id, name, content_type, size, sha256,
			added_by, added_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), a.CaseID, a.Name, a.ContentType,
			a.Size, a.SHA256, a.AddedBy, at, data).Scan(&a.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.Q(`UPDATE cases SET updated_at = ? WHERE id = ?`), at, a.CaseID); err != nil {
			return err
		}
		_, err = db.insertEvent(ctx, tx, store.CaseEvent{CaseID: a.CaseID, At: a.AddedAt, Actor: a.AddedBy,
			Kind: store.EventAttachment, Body: fmt.Sprintf("%s (%d bytes, sha256 %s…)", a.Name, a.Size, a.SHA256[:12])})
		return err
	})
	if err != nil {
		return store.Attachment{}, fmt.Errorf("add attachment %q: %w", a.Name, err)
	}
	return a, nil
}

const attachmentColumns = `id, case_id, name, content_type, size, sha256, added_by, added_at`

func scanAttachment(sc interface{ Scan(...any) error }, data ...any) (store.Attachment, error) {
	var a store.Attachment
	var at int64
	err := sc.Scan(append([]any{&a.ID, &a.CaseID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.AddedBy, &at}, data...)...)
	a.AddedAt = store.FromMicros(at)
	return a, err
}

// Attachment implements store.Store.
func (db *DB) Attachment(ctx context.Context, id int64) (store.Attachment, error) {
	var data []byte
	a, err := scanAttachment(db.R.QueryRowContext(ctx, db.Q(`SELECT `+attachmentColumns+`, data FROM case_attachments WHERE id = ?`), id), &data)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Attachment{}, fmt.Errorf("attachment %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Attachment{}, fmt.Errorf("read attachment %d: %w", id, err)
	}
	a.Data = data
	if a.Data == nil {
		a.Data = []byte{}
	}
	return a, nil
}

// Attachments implements store.Store.
func (db *DB) Attachments(ctx context.Context, caseID int64) ([]store.Attachment, error) {
	rows, err := db.R.QueryContext(ctx, db.Q(`SELECT `+attachmentColumns+` FROM case_attachments WHERE case_id = ? ORDER BY id`), caseID)
	if err != nil {
		return nil, fmt.Errorf("read attachments of case %d: %w", caseID, err)
	}
	defer rows.Close()
	var out []store.Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, fmt.Errorf("read attachments of case %d: %w", caseID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read attachments of case %d: %w", caseID, err)
	}
	return out, nil
}

// PutSuppression implements store.Store. Rules are stored as a JSON
// array, so a rule name may hold any text.
func (db *DB) PutSuppression(ctx context.Context, s store.Suppression) error {
	if s.SubjectID == "" {
		return fmt.Errorf("put suppression: empty subject id: %w", store.ErrInvalid)
	}
	if !store.ValidText(s.SubjectID, s.Fingerprint, s.Actor) || !store.ValidText(s.Rules...) {
		return fmt.Errorf("put suppression of %q: a field is not UTF-8 text: %w", s.SubjectID, store.ErrInvalid)
	}
	rules, err := json.Marshal(append([]string{}, s.Rules...))
	if err != nil {
		return fmt.Errorf("put suppression of %q: %w", s.SubjectID, err)
	}
	at := s.CreatedAt
	if at.IsZero() {
		at = db.now()
	}
	_, err = db.W.ExecContext(ctx, db.Q(`INSERT INTO suppressions (subject_id, fingerprint, rules, case_id, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subject_id) DO UPDATE SET fingerprint = excluded.fingerprint,
		rules = excluded.rules, case_id = excluded.case_id, actor = excluded.actor, created_at = excluded.created_at`),
		s.SubjectID, s.Fingerprint, string(rules), s.CaseID, s.Actor, store.Micros(at))
	if err != nil {
		return fmt.Errorf("put suppression of %q: %w", s.SubjectID, err)
	}
	return nil
}

// Suppression implements store.Store. No rules read back as nil.
func (db *DB) Suppression(ctx context.Context, subjectID string) (store.Suppression, error) {
	if !store.ValidText(subjectID) {
		return store.Suppression{}, fmt.Errorf("suppression: subject id is not UTF-8 text: %w", store.ErrInvalid)
	}
	s := store.Suppression{SubjectID: subjectID}
	var rules string
	var at int64
	err := db.R.QueryRowContext(ctx, db.Q(`SELECT fingerprint, rules, case_id, actor, created_at FROM suppressions
		WHERE subject_id = ?`), subjectID).Scan(&s.Fingerprint, &rules, &s.CaseID, &s.Actor, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Suppression{}, fmt.Errorf("suppression of %q: %w", subjectID, store.ErrNotFound)
	}
	if err != nil {
		return store.Suppression{}, fmt.Errorf("read suppression of %q: %w", subjectID, err)
	}
	if err := json.Unmarshal([]byte(rules), &s.Rules); err != nil {
		return store.Suppression{}, fmt.Errorf("read suppression of %q: rules: %w", subjectID, err)
	}
	if len(s.Rules) == 0 {
		s.Rules = nil
	}
	s.CreatedAt = store.FromMicros(at)
	return s, nil
}

// AppendAudit implements store.Store.
func (db *DB) AppendAudit(ctx context.Context, ev store.AuditEvent) (store.AuditEvent, error) {
	if ev.Action == "" {
		return store.AuditEvent{}, fmt.Errorf("append audit: empty action: %w", store.ErrInvalid)
	}
	if !store.ValidText(ev.Actor, ev.Action, ev.Object, ev.Detail) {
		return store.AuditEvent{}, fmt.Errorf("append audit: a field is not UTF-8 text: %w", store.ErrInvalid)
	}
	if ev.At.IsZero() {
		ev.At = db.now()
	}
	ev.At = store.FromMicros(store.Micros(ev.At))
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, db.Q(`INSERT INTO audit_log (at, actor, action, object, detail)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), store.Micros(ev.At), ev.Actor, ev.Action, ev.Object, ev.Detail).Scan(&ev.ID)
	})
	if err != nil {
		return store.AuditEvent{}, fmt.Errorf("append audit: %w", err)
	}
	return ev, nil
}

// Audit implements store.Store.
func (db *DB) Audit(ctx context.Context, q store.AuditQuery) ([]store.AuditEvent, error) {
	where, args := []string{"id > ?"}, []any{q.AfterID}
	if q.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, q.Actor)
	}
	if q.Object != "" {
		where, args = append(where, "object = ?"), append(args, q.Object)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, store.Micros(q.Since))
	}
	if q.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, q.BeforeID)
	}
	order := " ORDER BY id"
	if q.Newest {
		order = " ORDER BY id DESC"
	}
	rows, err := db.R.QueryContext(ctx, db.Q(`SELECT id, at, actor, action, object, detail FROM audit_log WHERE `+
		strings.Join(where, " AND ")+order+limit(q.Limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEvent
	for rows.Next() {
		var e store.AuditEvent
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Object, &e.Detail); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		e.At = store.FromMicros(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}

// Tables lists the tables Stats counts.
var Tables = []string{"subjects", "subject_identifiers", "indicators", "verdicts", "alerts", "cases", "case_events",
	"audit_log", "users", "api_keys", "sessions", "case_attachments", "suppressions"}

// Stats implements store.Store.
func (db *DB) Stats(ctx context.Context, top int) (store.Stats, error) {
	st := store.Stats{Tables: map[string]int64{}, Identifiers: map[string]int64{}}
	tx, err := db.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	defer tx.Rollback()
	for _, t := range Tables {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return st, fmt.Errorf("stats: count %s: %w", t, err)
		}
		st.Tables[t] = n
	}
	rows, err := tx.QueryContext(ctx, `SELECT kind, COUNT(*) FROM subject_identifiers GROUP BY kind`)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return st, fmt.Errorf("stats: %w", err)
		}
		st.Identifiers[k] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	if top <= 0 {
		return st, nil
	}
	rows, err = tx.QueryContext(ctx, db.Q(`SELECT kind, value, COUNT(*) AS n FROM subject_identifiers
		GROUP BY kind, value HAVING COUNT(*) > 1 ORDER BY n DESC, kind, value LIMIT ?`), top)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v store.SharedValue
		if err := rows.Scan(&v.Kind, &v.Value, &v.Subjects); err != nil {
			return st, fmt.Errorf("stats: %w", err)
		}
		st.Shared = append(st.Shared, v)
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}
