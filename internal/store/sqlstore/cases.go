package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

const alertColumns = `id, subject_id, score, level, summary, evidence, created_at, COALESCE(case_id, 0)`

func scanAlert(sc interface{ Scan(...any) error }) (store.Alert, error) {
	var a store.Alert
	var ev []byte
	var at int64
	err := sc.Scan(&a.ID, &a.SubjectID, &a.Score, &a.Level, &a.Summary, &ev, &at, &a.CaseID)
	a.Evidence, a.CreatedAt = ev, store.FromMicros(at)
	return a, err
}

// Alert implements store.Store.
func (db *DB) Alert(ctx context.Context, id int64) (store.Alert, error) {
	a, err := scanAlert(db.R.QueryRowContext(ctx, db.Q(`SELECT `+alertColumns+` FROM alerts WHERE id = ?`), id))
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
	where, args := []string{"id > ?"}, []any{q.AfterID}
	if q.SubjectID != "" {
		where, args = append(where, "subject_id = ?"), append(args, q.SubjectID)
	}
	if q.CaseID != 0 {
		where, args = append(where, "case_id = ?"), append(args, q.CaseID)
	}
	if q.Unassigned {
		where = append(where, "case_id IS NULL")
	}
	rows, err := db.R.QueryContext(ctx, db.Q(`SELECT `+alertColumns+` FROM alerts WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id`+limit(q.Limit)), args...)
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

// OpenCase implements store.Store.
func (db *DB) OpenCase(ctx context.Context, c store.Case) (store.Case, error) {
	if strings.TrimSpace(c.Title) == "" {
		return store.Case{}, fmt.Errorf("open case: empty title: %w", store.ErrInvalid)
	}
	if !store.ValidText(c.Title, c.CreatedBy) {
		return store.Case{}, fmt.Errorf("open case: a field is not UTF-8 text: %w", store.ErrInvalid)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = db.now()
	}
	c.CreatedAt = store.FromMicros(store.Micros(c.CreatedAt))
	c.UpdatedAt, c.Status = c.CreatedAt, store.CaseOpen
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, db.Q(`INSERT INTO cases (title, status, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), c.Title, c.Status, c.CreatedBy, store.Micros(c.CreatedAt),
			store.Micros(c.UpdatedAt)).Scan(&c.ID)
	})
	if err != nil {
		return store.Case{}, fmt.Errorf("open case: %w", err)
	}
	return c, nil
}

const caseColumns = `id, title, status, created_by, created_at, updated_at`

func scanCase(sc interface{ Scan(...any) error }) (store.Case, error) {
	var c store.Case
	var created, updated int64
	err := sc.Scan(&c.ID, &c.Title, &c.Status, &c.CreatedBy, &created, &updated)
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
	rows, err := tx.QueryContext(ctx, db.Q(`SELECT id, case_id, at, actor, kind, body, status, alert_id
		FROM case_events WHERE case_id = ? ORDER BY id`), id)
	if err != nil {
		return store.Case{}, nil, fmt.Errorf("read events of case %d: %w", id, err)
	}
	defer rows.Close()
	var evs []store.CaseEvent
	for rows.Next() {
		var e store.CaseEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.Actor, &e.Kind, &e.Body, &e.Status, &e.AlertID); err != nil {
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
	rows, err := db.R.QueryContext(ctx, db.Q(`SELECT `+caseColumns+` FROM cases WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id`+limit(q.Limit)), args...)
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

// AppendCaseEvent implements store.Store.
func (db *DB) AppendCaseEvent(ctx context.Context, ev store.CaseEvent) (store.CaseEvent, error) {
	switch ev.Kind {
	case store.EventNote, store.EventDecision:
	case store.EventStatus:
		if ev.Status != store.CaseOpen && ev.Status != store.CaseClosed {
			return store.CaseEvent{}, fmt.Errorf("case %d: status %q is not open or closed: %w", ev.CaseID, ev.Status, store.ErrInvalid)
		}
	case store.EventAlert:
		if ev.AlertID == 0 {
			return store.CaseEvent{}, fmt.Errorf("case %d: alert event without an alert: %w", ev.CaseID, store.ErrInvalid)
		}
	default:
		return store.CaseEvent{}, fmt.Errorf("case %d: unknown event kind %q: %w", ev.CaseID, ev.Kind, store.ErrInvalid)
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
	if ev.At.IsZero() {
		ev.At = db.now()
	}
	ev.At = store.FromMicros(store.Micros(ev.At))
	at := store.Micros(ev.At)
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, db.Q(`SELECT status FROM cases WHERE id = ?`+db.Dialect.ForUpdate), ev.CaseID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("case %d: %w", ev.CaseID, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status == store.CaseClosed && !(ev.Kind == store.EventStatus && ev.Status == store.CaseOpen) {
			return fmt.Errorf("case %d is closed: reopen it first: %w", ev.CaseID, store.ErrConflict)
		}
		switch ev.Kind {
		case store.EventStatus:
			if _, err := tx.ExecContext(ctx, db.Q(`UPDATE cases SET status = ?, updated_at = ? WHERE id = ?`), ev.Status, at, ev.CaseID); err != nil {
				return err
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
			fallthrough
		default:
			if _, err := tx.ExecContext(ctx, db.Q(`UPDATE cases SET updated_at = ? WHERE id = ?`), at, ev.CaseID); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, db.Q(`INSERT INTO case_events (case_id, at, actor, kind, body, status, alert_id)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), ev.CaseID, at, ev.Actor, ev.Kind, ev.Body, ev.Status, ev.AlertID).Scan(&ev.ID)
	})
	if err != nil {
		return store.CaseEvent{}, fmt.Errorf("append case event: %w", err)
	}
	return ev, nil
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
	rows, err := db.R.QueryContext(ctx, db.Q(`SELECT id, at, actor, action, object, detail FROM audit_log WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id`+limit(q.Limit)), args...)
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
var Tables = []string{"subjects", "subject_identifiers", "indicators", "verdicts", "alerts", "cases", "case_events", "audit_log"}

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
