// Package sqlstore implements store.Store on database/sql for the SQL that
// SQLite and PostgreSQL share. The adapters in internal/store/sqlite and
// internal/store/postgres open the database, run their migrations, and
// replace the bulk paths where their database has a faster way (COPY).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// Dialect is what differs between the databases for the shared code.
type Dialect struct {
	// Numbered: parameters are $1, $2… (PostgreSQL) instead of ?.
	Numbered bool
	// ForUpdate is appended to a SELECT that must lock the row it reads,
	// "" where the transaction already excludes other writers (SQLite).
	ForUpdate string
}

// DB is a store on database/sql. Methods that write use W, those that read
// use R; for SQLite W is a single connection (SQLite has one writer) and R
// a pool of read-only ones, for PostgreSQL both are one pool.
type DB struct {
	W, R    *sql.DB
	Dialect Dialect
	// Now is the clock for times the caller leaves zero.
	Now func() time.Time
	// Close closes what the adapter opened.
	CloseFunc func() error

	// lookup is SubjectsByIdentifier prepared once: the lookup is the
	// hottest read (link analysis asks it per identifier), and preparing
	// it per call costs more than running it.
	lookupOnce sync.Once
	lookup     *sql.Stmt
	lookupErr  error
}

// Q rewrites a query written with ? for the dialect.
func (db *DB) Q(q string) string {
	if !db.Dialect.Numbered {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (db *DB) now() time.Time {
	if db.Now != nil {
		return db.Now()
	}
	return time.Now()
}

// InTx runs fn in a write transaction and commits when it returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Close closes the database.
func (db *DB) Close() error {
	if db.lookup != nil {
		db.lookup.Close()
	}
	if db.CloseFunc != nil {
		return db.CloseFunc()
	}
	return nil
}

// PutSubjects implements store.Store with one statement per row, which is
// fast in-process (SQLite); the PostgreSQL adapter replaces it with COPY.
func (db *DB) PutSubjects(ctx context.Context, subjects []store.Subject) (store.PutResult, error) {
	p, err := store.Prepare(subjects)
	if err != nil {
		return store.PutResult{}, err
	}
	var res store.PutResult
	if len(p.Subjects) == 0 {
		return res, nil
	}
	now := store.Micros(db.now())
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		res = store.PutResult{}
		get, err := tx.PrepareContext(ctx, db.Q(`SELECT fingerprint FROM subjects WHERE id = ?`))
		if err != nil {
			return err
		}
		defer get.Close()
		ins, err := tx.PrepareContext(ctx, db.Q(`INSERT INTO subjects (id, kind, raw, fingerprint, updated_at) VALUES (?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer ins.Close()
		upd, err := tx.PrepareContext(ctx, db.Q(`UPDATE subjects SET kind = ?, raw = ?, fingerprint = ?, updated_at = ? WHERE id = ?`))
		if err != nil {
			return err
		}
		defer upd.Close()
		del, err := tx.PrepareContext(ctx, db.Q(`DELETE FROM subject_identifiers WHERE subject_id = ?`))
		if err != nil {
			return err
		}
		defer del.Close()
		ids := newIdentifierInserter(ctx, tx, db)
		defer ids.close()
		for i, s := range p.Subjects {
			fp := p.Fingerprints[i]
			var old int64
			switch err := get.QueryRowContext(ctx, s.ID).Scan(&old); {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := ins.ExecContext(ctx, s.ID, s.Kind, []byte(s.Raw), fp, now); err != nil {
					return fmt.Errorf("insert subject %q: %w", s.ID, err)
				}
				res.New++
			case err != nil:
				return fmt.Errorf("read subject %q: %w", s.ID, err)
			case old == fp:
				res.Unchanged++
				continue
			default:
				if _, err := upd.ExecContext(ctx, s.Kind, []byte(s.Raw), fp, now, s.ID); err != nil {
					return fmt.Errorf("update subject %q: %w", s.ID, err)
				}
				if _, err := del.ExecContext(ctx, s.ID); err != nil {
					return fmt.Errorf("replace identifiers of %q: %w", s.ID, err)
				}
				res.Updated++
			}
			for pos, id := range s.Identifiers {
				if err := ids.add(s.ID, pos, id); err != nil {
					return err
				}
			}
		}
		return ids.flush()
	})
	if err != nil {
		return store.PutResult{}, fmt.Errorf("put subjects: %w", err)
	}
	return res, nil
}

// identifierInserter writes identifier rows many per statement: one
// statement per row costs a round through the driver each, which is most
// of the time of an import.
type identifierInserter struct {
	ctx  context.Context
	tx   *sql.Tx
	db   *DB
	full *sql.Stmt
	args []any
	err  error
}

// rowsPerInsert × 6 parameters stays under SQLite's 32766 limit.
const rowsPerInsert = 200

func newIdentifierInserter(ctx context.Context, tx *sql.Tx, db *DB) *identifierInserter {
	return &identifierInserter{ctx: ctx, tx: tx, db: db, args: make([]any, 0, rowsPerInsert*6)}
}

func insertIdentifiersSQL(rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO subject_identifiers (kind, value, subject_id, attribute, role, position) VALUES `)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

func (w *identifierInserter) add(subjectID string, pos int, id store.Identifier) error {
	w.args = append(w.args, id.Kind, id.Value, subjectID, id.Attribute, id.Role, pos)
	if len(w.args) == rowsPerInsert*6 {
		if w.full == nil {
			w.full, w.err = w.tx.PrepareContext(w.ctx, w.db.Q(insertIdentifiersSQL(rowsPerInsert)))
			if w.err != nil {
				return fmt.Errorf("insert identifiers: %w", w.err)
			}
		}
		if _, err := w.full.ExecContext(w.ctx, w.args...); err != nil {
			return fmt.Errorf("insert identifiers: %w", err)
		}
		w.args = w.args[:0]
	}
	return nil
}

func (w *identifierInserter) flush() error {
	if len(w.args) == 0 {
		return nil
	}
	if _, err := w.tx.ExecContext(w.ctx, w.db.Q(insertIdentifiersSQL(len(w.args)/6)), w.args...); err != nil {
		return fmt.Errorf("insert identifiers: %w", err)
	}
	w.args = w.args[:0]
	return nil
}

func (w *identifierInserter) close() {
	if w.full != nil {
		w.full.Close()
	}
}

// Subject implements store.Store.
func (db *DB) Subject(ctx context.Context, id string) (store.Subject, error) {
	tx, err := db.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return store.Subject{}, fmt.Errorf("read subject: %w", err)
	}
	defer tx.Rollback()
	s := store.Subject{ID: id}
	var raw []byte
	var at int64
	err = tx.QueryRowContext(ctx, db.Q(`SELECT kind, raw, updated_at FROM subjects WHERE id = ?`), id).Scan(&s.Kind, &raw, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Subject{}, fmt.Errorf("subject %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Subject{}, fmt.Errorf("read subject %q: %w", id, err)
	}
	s.Raw, s.UpdatedAt = raw, store.FromMicros(at)
	rows, err := tx.QueryContext(ctx, db.Q(`SELECT kind, value, attribute, role FROM subject_identifiers WHERE subject_id = ? ORDER BY position`), id)
	if err != nil {
		return store.Subject{}, fmt.Errorf("read identifiers of %q: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var i store.Identifier
		if err := rows.Scan(&i.Kind, &i.Value, &i.Attribute, &i.Role); err != nil {
			return store.Subject{}, fmt.Errorf("read identifiers of %q: %w", id, err)
		}
		s.Identifiers = append(s.Identifiers, i)
	}
	if err := rows.Err(); err != nil {
		return store.Subject{}, fmt.Errorf("read identifiers of %q: %w", id, err)
	}
	return s, nil
}

// SubjectsByIdentifier implements store.Store.
func (db *DB) SubjectsByIdentifier(ctx context.Context, kind, value string) ([]string, error) {
	db.lookupOnce.Do(func() {
		db.lookup, db.lookupErr = db.R.PrepareContext(context.WithoutCancel(ctx),
			db.Q(`SELECT DISTINCT subject_id FROM subject_identifiers WHERE kind = ? AND value = ? ORDER BY subject_id`))
	})
	if db.lookupErr != nil {
		return nil, fmt.Errorf("look up %s %q: %w", kind, value, db.lookupErr)
	}
	rows, err := db.lookup.QueryContext(ctx, kind, value)
	if err != nil {
		return nil, fmt.Errorf("look up %s %q: %w", kind, value, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("look up %s %q: %w", kind, value, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up %s %q: %w", kind, value, err)
	}
	return ids, nil
}

// IdentifierCounts implements store.Store.
func (db *DB) IdentifierCounts(ctx context.Context, kind string, values []string) (map[string]int, error) {
	counts := make(map[string]int)
	values = slices.Compact(slices.Sorted(slices.Values(values)))
	const per = 500
	for len(values) > 0 {
		n := min(per, len(values))
		batch := values[:n]
		values = values[n:]
		q := `SELECT value, COUNT(DISTINCT subject_id) FROM subject_identifiers WHERE kind = ? AND value IN (?` +
			strings.Repeat(", ?", n-1) + `) GROUP BY value`
		args := make([]any, 0, n+1)
		args = append(args, kind)
		for _, v := range batch {
			args = append(args, v)
		}
		rows, err := db.R.QueryContext(ctx, db.Q(q), args...)
		if err != nil {
			return nil, fmt.Errorf("count %s values: %w", kind, err)
		}
		for rows.Next() {
			var v string
			var c int
			if err := rows.Scan(&v, &c); err != nil {
				rows.Close()
				return nil, fmt.Errorf("count %s values: %w", kind, err)
			}
			counts[v] = c
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("count %s values: %w", kind, err)
		}
	}
	return counts, nil
}

// ReplaceIndicators implements store.Store with one insert per row; the
// PostgreSQL adapter replaces it with COPY.
func (db *DB) ReplaceIndicators(ctx context.Context, source string, inds []store.Indicator) (int, error) {
	if err := store.CheckIndicators(source, inds); err != nil {
		return 0, err
	}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.Q(`DELETE FROM indicators WHERE source = ?`), source); err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, db.Q(`INSERT INTO indicators (source, kind, value, label, severity, confidence,
			source_ref, tlp, first_seen, last_seen, valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, in := range inds {
			if _, err := ins.ExecContext(ctx, IndicatorRow(source, in)...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("replace indicators of %s: %w", source, err)
	}
	return len(inds), nil
}

// IndicatorRow is an indicator as the values of an indicators row, in
// column order after id.
func IndicatorRow(source string, in store.Indicator) []any {
	tlp := in.TLP
	if tlp == "" {
		tlp = "clear"
	}
	return []any{source, in.Kind, in.Value, in.Label, in.Severity, int32(in.Confidence), in.SourceRef, tlp,
		store.Micros(in.FirstSeen), store.Micros(in.LastSeen), store.Micros(in.ValidUntil)}
}

// IndicatorColumns are the columns IndicatorRow fills.
var IndicatorColumns = []string{"source", "kind", "value", "label", "severity", "confidence",
	"source_ref", "tlp", "first_seen", "last_seen", "valid_until"}

// Indicators implements store.Store.
func (db *DB) Indicators(ctx context.Context, q store.IndicatorQuery) iter.Seq2[store.Indicator, error] {
	return func(yield func(store.Indicator, error) bool) {
		where, args := []string{"1 = 1"}, []any{}
		if q.Source != "" {
			where, args = append(where, "source = ?"), append(args, q.Source)
		}
		if q.Kind != "" {
			where, args = append(where, "kind = ?"), append(args, q.Kind)
		}
		if !q.ValidAt.IsZero() {
			where, args = append(where, "(valid_until = 0 OR valid_until >= ?)"), append(args, store.Micros(q.ValidAt))
		}
		rows, err := db.R.QueryContext(ctx, db.Q(`SELECT source, kind, value, label, severity, confidence, source_ref, tlp,
			first_seen, last_seen, valid_until FROM indicators WHERE `+strings.Join(where, " AND ")+
			` ORDER BY source, kind, value, id`), args...)
		if err != nil {
			yield(store.Indicator{}, fmt.Errorf("read indicators: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var in store.Indicator
			var first, last, until int64
			if err := rows.Scan(&in.Source, &in.Kind, &in.Value, &in.Label, &in.Severity, &in.Confidence,
				&in.SourceRef, &in.TLP, &first, &last, &until); err != nil {
				yield(store.Indicator{}, fmt.Errorf("read indicators: %w", err))
				return
			}
			in.FirstSeen, in.LastSeen, in.ValidUntil = store.FromMicros(first), store.FromMicros(last), store.FromMicros(until)
			if !yield(in, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(store.Indicator{}, fmt.Errorf("read indicators: %w", err))
		}
	}
}

// PutVerdicts implements store.Store.
func (db *DB) PutVerdicts(ctx context.Context, vs []store.Verdict) error {
	for _, v := range vs {
		if v.SubjectID == "" || !store.ValidText(v.SubjectID, v.Level) {
			return fmt.Errorf("put verdicts: empty or non-UTF-8 subject id or level: %w", store.ErrInvalid)
		}
	}
	now := db.now()
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, db.Q(`INSERT INTO verdicts (subject_id, score, level, hits, screened_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (subject_id) DO UPDATE SET score = excluded.score,
			level = excluded.level, hits = excluded.hits, screened_at = excluded.screened_at`))
		if err != nil {
			return err
		}
		defer st.Close()
		for _, v := range vs {
			at := v.ScreenedAt
			if at.IsZero() {
				at = now
			}
			if _, err := st.ExecContext(ctx, v.SubjectID, v.Score, v.Level, nullBytes(v.Hits), store.Micros(at)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put verdicts: %w", err)
	}
	return nil
}

func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return []byte(b)
}

// Verdict implements store.Store.
func (db *DB) Verdict(ctx context.Context, subjectID string) (store.Verdict, error) {
	v := store.Verdict{SubjectID: subjectID}
	var hits []byte
	var at int64
	err := db.R.QueryRowContext(ctx, db.Q(`SELECT score, level, hits, screened_at FROM verdicts WHERE subject_id = ?`), subjectID).
		Scan(&v.Score, &v.Level, &hits, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Verdict{}, fmt.Errorf("verdict of %q: %w", subjectID, store.ErrNotFound)
	}
	if err != nil {
		return store.Verdict{}, fmt.Errorf("read verdict of %q: %w", subjectID, err)
	}
	v.Hits, v.ScreenedAt = hits, store.FromMicros(at)
	return v, nil
}
