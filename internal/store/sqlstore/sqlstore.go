// Package sqlstore implements store.Store on database/sql for the SQL that
// SQLite and PostgreSQL share. The adapters in internal/store/sqlite and
// internal/store/postgres open the database, run their migrations, and
// replace the bulk paths where their database has a faster way (COPY).
package sqlstore

import (
	"cmp"
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

	// byValues holds SubjectsByValues prepared for each number of pairs
	// (byValuesMax at most), for the same reason.
	byValuesMu sync.Mutex
	byValues   map[int]*sql.Stmt
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
	db.byValuesMu.Lock()
	for _, st := range db.byValues {
		st.Close()
	}
	db.byValues = nil
	db.byValuesMu.Unlock()
	if db.CloseFunc != nil {
		return db.CloseFunc()
	}
	return nil
}

// PutSubjects implements store.Store for SQLite, whose transactions
// exclude other writers (Dialect.ForUpdate is empty): it reads which ids
// are stored, numbers new subjects after the largest pk itself, and writes
// many rows per statement, the identifier index sorted. The PostgreSQL
// adapter replaces it with COPY.
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
		stored, err := db.storedSubjects(ctx, tx, p.Subjects)
		if err != nil {
			return err
		}
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(pk), 0) FROM subjects`).Scan(&next); err != nil {
			return fmt.Errorf("read subjects: %w", err)
		}
		subs := newRowInserter(ctx, tx, db, `INSERT INTO subjects (pk, id, kind, fingerprint, updated_at, identifiers, raw) VALUES `, 7)
		defer subs.close()
		var keys, old []store.IndexKey
		for i := range p.Subjects {
			s, fp := &p.Subjects[i], p.Fingerprints[i]
			st, ok := stored[s.ID]
			switch {
			case !ok:
				next++
				st.pk = next
				if err := subs.add(st.pk, s.ID, s.Kind, fp, now, store.EncodeIdentifiers(s.Identifiers), []byte(s.Raw)); err != nil {
					return fmt.Errorf("insert subjects: %w", err)
				}
				res.New++
			case st.fingerprint == fp:
				res.Unchanged++
				continue
			default:
				var b []byte
				if err := tx.QueryRowContext(ctx, `SELECT identifiers FROM subjects WHERE pk = ?`, st.pk).Scan(&b); err != nil {
					return fmt.Errorf("read subject %q: %w", s.ID, err)
				}
				ids, err := store.DecodeIdentifiers(b)
				if err != nil {
					return fmt.Errorf("read subject %q: %w", s.ID, err)
				}
				old = store.IndexKeys(old, st.pk, ids)
				if _, err := tx.ExecContext(ctx, `UPDATE subjects SET kind = ?, fingerprint = ?, updated_at = ?, identifiers = ?, raw = ? WHERE pk = ?`,
					s.Kind, fp, now, store.EncodeIdentifiers(s.Identifiers), []byte(s.Raw), st.pk); err != nil {
					return fmt.Errorf("update subject %q: %w", s.ID, err)
				}
				res.Updated++
			}
			keys = store.IndexKeys(keys, st.pk, s.Identifiers)
		}
		if err := subs.flush(); err != nil {
			return fmt.Errorf("insert subjects: %w", err)
		}
		if len(old) > 0 {
			del, err := tx.PrepareContext(ctx, `DELETE FROM subject_identifiers WHERE kind = ? AND value = ? AND subject_pk = ?`)
			if err != nil {
				return fmt.Errorf("replace identifiers: %w", err)
			}
			defer del.Close()
			for _, k := range old {
				if _, err := del.ExecContext(ctx, k.Kind, k.Value, k.Subject); err != nil {
					return fmt.Errorf("replace identifiers: %w", err)
				}
			}
		}
		store.SortIndexKeys(keys)
		ins := newRowInserter(ctx, tx, db, `INSERT INTO subject_identifiers (kind, value, subject_pk) VALUES `, 3)
		defer ins.close()
		for _, k := range keys {
			if err := ins.add(k.Kind, k.Value, k.Subject); err != nil {
				return fmt.Errorf("insert identifiers: %w", err)
			}
		}
		if err := ins.flush(); err != nil {
			return fmt.Errorf("insert identifiers: %w", err)
		}
		return db.putVerdicts(ctx, tx, store.VerdictsOf(p.Subjects), time.UnixMicro(now))
	})
	if err != nil {
		return store.PutResult{}, fmt.Errorf("put subjects: %w", err)
	}
	return res, nil
}

// storedSubject is what PutSubjects needs of a subject already stored.
type storedSubject struct {
	pk, fingerprint int64
}

// storedSubjects reads the stored subjects among subs, many ids per query.
func (db *DB) storedSubjects(ctx context.Context, tx *sql.Tx, subs []store.Subject) (map[string]storedSubject, error) {
	stored := make(map[string]storedSubject)
	const per = 500
	args := make([]any, 0, per)
	for len(subs) > 0 {
		n := min(per, len(subs))
		args = args[:0]
		for _, s := range subs[:n] {
			args = append(args, s.ID)
		}
		subs = subs[n:]
		rows, err := tx.QueryContext(ctx, db.Q(`SELECT id, pk, fingerprint FROM subjects WHERE id IN (?`+strings.Repeat(", ?", n-1)+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("read subjects: %w", err)
		}
		for rows.Next() {
			var id string
			var s storedSubject
			if err := rows.Scan(&id, &s.pk, &s.fingerprint); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read subjects: %w", err)
			}
			stored[id] = s
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read subjects: %w", err)
		}
	}
	return stored, nil
}

// rowInserter writes rows many per statement: one statement per row costs
// a round through the driver each, which was most of the time of an
// import.
type rowInserter struct {
	ctx    context.Context
	tx     *sql.Tx
	db     *DB
	prefix string
	cols   int
	per    int // rows per full statement
	full   *sql.Stmt
	args   []any
}

// newRowInserter writes rows of cols values with prefix, an INSERT …
// VALUES. A statement has at most 1000 parameters: more makes SQLite
// plan a statement longer than it runs.
func newRowInserter(ctx context.Context, tx *sql.Tx, db *DB, prefix string, cols int) *rowInserter {
	per := 1000 / cols
	return &rowInserter{ctx: ctx, tx: tx, db: db, prefix: prefix, cols: cols, per: per, args: make([]any, 0, per*cols)}
}

func (w *rowInserter) sql(rows int) string {
	row := "(?" + strings.Repeat(", ?", w.cols-1) + ")"
	var b strings.Builder
	b.WriteString(w.prefix)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	return w.db.Q(b.String())
}

func (w *rowInserter) add(values ...any) error {
	w.args = append(w.args, values...)
	if len(w.args) < w.per*w.cols {
		return nil
	}
	if w.full == nil {
		var err error
		if w.full, err = w.tx.PrepareContext(w.ctx, w.sql(w.per)); err != nil {
			return err
		}
	}
	if _, err := w.full.ExecContext(w.ctx, w.args...); err != nil {
		return err
	}
	w.args = w.args[:0]
	return nil
}

func (w *rowInserter) flush() error {
	if len(w.args) == 0 {
		return nil
	}
	if _, err := w.tx.ExecContext(w.ctx, w.sql(len(w.args)/w.cols), w.args...); err != nil {
		return err
	}
	w.args = w.args[:0]
	return nil
}

func (w *rowInserter) close() {
	if w.full != nil {
		w.full.Close()
	}
}

// Subject implements store.Store.
func (db *DB) Subject(ctx context.Context, id string) (store.Subject, error) {
	s := store.Subject{ID: id}
	var raw, ids []byte
	var at int64
	err := db.R.QueryRowContext(ctx, db.Q(`SELECT kind, raw, identifiers, updated_at FROM subjects WHERE id = ?`), id).Scan(&s.Kind, &raw, &ids, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Subject{}, fmt.Errorf("subject %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Subject{}, fmt.Errorf("read subject %q: %w", id, err)
	}
	s.Raw, s.UpdatedAt = raw, store.FromMicros(at)
	if s.Identifiers, err = store.DecodeIdentifiers(ids); err != nil {
		return store.Subject{}, fmt.Errorf("read subject %q: %w", id, err)
	}
	return s, nil
}

// subjectsPage is how many subjects Subjects reads per query: enough that
// the query's cost is spread thin, few enough that a page of raw records
// stays small.
const subjectsPage = 1000

// Subjects implements store.Store with keyset pagination by id. Unlike
// Indicators, which keeps one cursor open while it yields, it reads each
// page whole and releases the connection before yielding any of it: a
// caller clustering millions of subjects writes (verdicts, alerts) between
// yields, and a cursor held that long would pin SQLite's WAL snapshot and
// keep the checkpoint from shrinking the log, or hold a PostgreSQL
// connection for the whole walk. The price is that the walk is not one
// snapshot; keyset order still yields each id at most once. Identifiers
// are stored with their subject, so a page is one query.
func (db *DB) Subjects(ctx context.Context) iter.Seq2[store.Subject, error] {
	return func(yield func(store.Subject, error) bool) {
		q := db.Q(`SELECT id, kind, raw, identifiers, updated_at FROM subjects WHERE id > ? ORDER BY id LIMIT ?`)
		after := "" // no subject has the empty id (store.ErrInvalid)
		for {
			page, err := db.subjectsAfter(ctx, q, after, subjectsPage)
			if err != nil {
				yield(store.Subject{}, fmt.Errorf("read subjects after %q: %w", after, err))
				return
			}
			for _, s := range page {
				if !yield(s, nil) {
					return
				}
			}
			if len(page) < subjectsPage {
				return
			}
			after = page[len(page)-1].ID
		}
	}
}

// SubjectPage implements store.Store with the query of Subjects.
func (db *DB) SubjectPage(ctx context.Context, after string, limit int) ([]store.Subject, error) {
	if limit < 1 || limit > subjectsPage {
		return nil, fmt.Errorf("read subjects: page of %d, want 1 to %d: %w", limit, subjectsPage, store.ErrInvalid)
	}
	if !store.ValidText(after) {
		return nil, fmt.Errorf("read subjects: cursor is not UTF-8 text: %w", store.ErrInvalid)
	}
	q := db.Q(`SELECT id, kind, raw, identifiers, updated_at FROM subjects WHERE id > ? ORDER BY id LIMIT ?`)
	page, err := db.subjectsAfter(ctx, q, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read subjects after %q: %w", after, err)
	}
	return page, nil
}

// subjectsAfter reads the page of up to limit subjects whose ids follow
// after.
func (db *DB) subjectsAfter(ctx context.Context, q, after string, limit int) ([]store.Subject, error) {
	rows, err := db.R.QueryContext(ctx, q, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := make([]store.Subject, 0, limit)
	for rows.Next() {
		var s store.Subject
		var raw, ids []byte
		var at int64
		if err := rows.Scan(&s.ID, &s.Kind, &raw, &ids, &at); err != nil {
			return nil, err
		}
		s.Raw, s.UpdatedAt = raw, store.FromMicros(at)
		if s.Identifiers, err = store.DecodeIdentifiers(ids); err != nil {
			return nil, fmt.Errorf("subject %q: %w", s.ID, err)
		}
		page = append(page, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return page, nil
}

// notIndexed is the error of a lookup of a kind store.Indexed leaves out:
// an empty answer would say, wrongly, that nobody shares the value.
func notIndexed(kind string) error {
	return fmt.Errorf("identifier kind %s is not indexed (see store.Indexed): %w", kind, store.ErrInvalid)
}

// SubjectsByIdentifier implements store.Store.
func (db *DB) SubjectsByIdentifier(ctx context.Context, kind, value string) ([]string, error) {
	if !store.Indexed(kind) {
		return nil, notIndexed(kind)
	}
	db.lookupOnce.Do(func() {
		db.lookup, db.lookupErr = db.R.PrepareContext(context.WithoutCancel(ctx),
			db.Q(`SELECT s.id FROM subject_identifiers i JOIN subjects s ON s.pk = i.subject_pk
				WHERE i.kind = ? AND i.value = ? ORDER BY s.id`))
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

// SubjectsByIdentifiers implements store.Store: one query per 500 values.
func (db *DB) SubjectsByIdentifiers(ctx context.Context, kind string, values []string) (map[string][]string, error) {
	if !store.Indexed(kind) {
		return nil, notIndexed(kind)
	}
	out := make(map[string][]string)
	err := db.eachValueIn(ctx, `SELECT i.value, s.id FROM subject_identifiers i JOIN subjects s ON s.pk = i.subject_pk
		WHERE i.kind = ? AND i.value IN (%s) ORDER BY i.value, s.id`, kind, values, func(rows *sql.Rows) error {
		var v, id string
		if err := rows.Scan(&v, &id); err != nil {
			return err
		}
		if ids := out[v]; len(ids) == 0 || ids[len(ids)-1] != id {
			out[v] = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up %s values: %w", kind, err)
	}
	return out, nil
}

// byValuesMax is the most pairs one SubjectsByValues query asks for.
const byValuesMax = 32

// byValuesStmt returns the query for n pairs, prepared once. Each pair is an
// equality on the primary key's leading columns, so both databases read one
// index range per pair.
func (db *DB) byValuesStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	db.byValuesMu.Lock()
	defer db.byValuesMu.Unlock()
	if st, ok := db.byValues[n]; ok {
		return st, nil
	}
	var b strings.Builder
	b.WriteString(`SELECT i.kind, i.value, s.id FROM subject_identifiers i JOIN subjects s ON s.pk = i.subject_pk WHERE `)
	for i := range n {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString("(i.kind = ? AND i.value = ?)")
	}
	b.WriteString(" ORDER BY i.kind, i.value, s.id")
	st, err := db.R.PrepareContext(context.WithoutCancel(ctx), db.Q(b.String()))
	if err != nil {
		return nil, err
	}
	if db.byValues == nil {
		db.byValues = map[int]*sql.Stmt{}
	}
	db.byValues[n] = st
	return st, nil
}

// SubjectsByValues implements store.Store: one query per byValuesMax
// distinct pairs.
func (db *DB) SubjectsByValues(ctx context.Context, values []store.KindValue) (map[store.KindValue][]string, error) {
	for _, kv := range values {
		if !store.Indexed(kv.Kind) {
			return nil, notIndexed(kv.Kind)
		}
	}
	values = slices.Compact(slices.SortedFunc(slices.Values(values), func(a, b store.KindValue) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	}))
	out := make(map[store.KindValue][]string)
	for len(values) > 0 {
		n := min(byValuesMax, len(values))
		st, err := db.byValuesStmt(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("look up values: %w", err)
		}
		args := make([]any, 0, 2*n)
		for _, kv := range values[:n] {
			args = append(args, kv.Kind, kv.Value)
		}
		values = values[n:]
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return nil, fmt.Errorf("look up values: %w", err)
		}
		for rows.Next() {
			var kv store.KindValue
			var id string
			if err := rows.Scan(&kv.Kind, &kv.Value, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up values: %w", err)
			}
			if ids := out[kv]; len(ids) == 0 || ids[len(ids)-1] != id {
				out[kv] = append(ids, id)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("look up values: %w", err)
		}
	}
	return out, nil
}

// IdentifierCounts implements store.Store.
func (db *DB) IdentifierCounts(ctx context.Context, kind string, values []string) (map[string]int, error) {
	if !store.Indexed(kind) {
		return nil, notIndexed(kind)
	}
	counts := make(map[string]int)
	err := db.eachValueIn(ctx, `SELECT value, COUNT(*) FROM subject_identifiers WHERE kind = ? AND value IN (%s)
		GROUP BY value`, kind, values, func(rows *sql.Rows) error {
		var v string
		var c int
		if err := rows.Scan(&v, &c); err != nil {
			return err
		}
		counts[v] = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count %s values: %w", kind, err)
	}
	return counts, nil
}

// eachValueIn runs query — whose %s is the IN list, its first parameter
// the kind — over the distinct values 500 at a time, a statement's
// parameters being bounded, and hands every row to scan.
func (db *DB) eachValueIn(ctx context.Context, query, kind string, values []string, scan func(*sql.Rows) error) error {
	values = slices.Compact(slices.Sorted(slices.Values(values)))
	const per = 500
	for len(values) > 0 {
		n := min(per, len(values))
		args := make([]any, 0, n+1)
		args = append(args, kind)
		for _, v := range values[:n] {
			args = append(args, v)
		}
		values = values[n:]
		rows, err := db.R.QueryContext(ctx, db.Q(fmt.Sprintf(query, "?"+strings.Repeat(", ?", n-1))), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
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
		// Many rows a statement, in (kind, value) order: the two indexes on
		// indicators are then written in order, not at random pages; a
		// million-row feed loads in seconds instead of most of a minute.
		order := make([]int, len(inds))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			if c := strings.Compare(inds[a].Kind, inds[b].Kind); c != 0 {
				return c
			}
			return strings.Compare(inds[a].Value, inds[b].Value)
		})
		ins := newRowInserter(ctx, tx, db, `INSERT INTO indicators (source, kind, value, label, severity, confidence,
			source_ref, tlp, first_seen, last_seen, valid_until) VALUES `, len(IndicatorColumns))
		defer ins.close()
		for _, i := range order {
			if err := ins.add(IndicatorRow(source, inds[i])...); err != nil {
				return err
			}
		}
		if err := ins.flush(); err != nil {
			return err
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
	if err := store.CheckVerdicts(vs); err != nil {
		return fmt.Errorf("put verdicts: %w", err)
	}
	err := db.InTx(ctx, func(tx *sql.Tx) error { return db.putVerdicts(ctx, tx, vs, db.now()) })
	if err != nil {
		return fmt.Errorf("put verdicts: %w", err)
	}
	return nil
}

// putVerdicts upserts verdicts in tx; a zero ScreenedAt is now.
func (db *DB) putVerdicts(ctx context.Context, tx *sql.Tx, vs []store.Verdict, now time.Time) error {
	if len(vs) == 0 {
		return nil
	}
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
			return fmt.Errorf("verdict of %q: %w", v.SubjectID, err)
		}
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

// SyncState implements store.Store.
func (db *DB) SyncState(ctx context.Context, url string) (store.SyncState, error) {
	st := store.SyncState{URL: url}
	var at int64
	err := db.R.QueryRowContext(ctx, db.Q(`SELECT etag, last_modified, sha256, fetched_at FROM sync_state WHERE url = ?`), url).
		Scan(&st.ETag, &st.LastModified, &st.SHA256, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return store.SyncState{}, fmt.Errorf("sync state of %s: %w", url, store.ErrNotFound)
	}
	if err != nil {
		return store.SyncState{}, fmt.Errorf("read sync state of %s: %w", url, err)
	}
	st.FetchedAt = store.FromMicros(at)
	return st, nil
}

// PutSyncState implements store.Store.
func (db *DB) PutSyncState(ctx context.Context, st store.SyncState) error {
	if st.URL == "" || !store.ValidText(st.URL, st.ETag, st.LastModified, st.SHA256) {
		return fmt.Errorf("put sync state: empty or non-UTF-8 field: %w", store.ErrInvalid)
	}
	at := st.FetchedAt
	if at.IsZero() {
		at = db.now()
	}
	_, err := db.W.ExecContext(ctx, db.Q(`INSERT INTO sync_state (url, etag, last_modified, sha256, fetched_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,
		last_modified = excluded.last_modified, sha256 = excluded.sha256, fetched_at = excluded.fetched_at`),
		st.URL, st.ETag, st.LastModified, st.SHA256, store.Micros(at))
	if err != nil {
		return fmt.Errorf("put sync state of %s: %w", st.URL, err)
	}
	return nil
}
