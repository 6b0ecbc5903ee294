// Package migrate applies a dialect's embedded, numbered SQL migrations to
// a database and refuses to touch a database migrated by a newer version.
//
// Migrations are files named NNNN_description.sql; each runs in its own
// transaction together with the row recording it in schema_migrations, so
// a migration is applied whole or not at all.
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Dialect is what differs between databases for the runner.
type Dialect struct {
	// Placeholder returns the n-th (1-based) parameter marker.
	Placeholder func(n int) string
	// Lock is run first in every migration transaction so that two
	// processes opening one database at once apply each migration once.
	Lock func(ctx context.Context, tx *sql.Tx) error
}

// Load reads the migrations in dir of fsys, sorted by version.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and _", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		if len(ms) > 0 && ms[len(ms)-1].Version == v {
			return nil, fmt.Errorf("migrations %s and %s share version %d", ms[len(ms)-1].Name, name, v)
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	return ms, nil
}

const createTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// Status is where a database stands.
type Status struct {
	// Current is the highest applied version, 0 for an empty database.
	Current int
	// Latest is the highest version this binary knows.
	Latest int
	// Applied lists the applied migrations with when they were applied.
	Applied []Applied
	// Pending lists the migrations not yet applied.
	Pending []Migration
}

// Applied is a migration recorded in schema_migrations.
type Applied struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// ReadStatus reports the database's version without changing it.
func ReadStatus(ctx context.Context, db *sql.DB, ms []Migration) (Status, error) {
	st := Status{Latest: latest(ms)}
	rows, err := db.QueryContext(ctx, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		// A database no ringfence has opened has no table yet; both
		// dialects say so in their own words, and any other problem will
		// show again on the next statement.
		if strings.Contains(err.Error(), "schema_migrations") {
			st.Pending = ms
			return st, nil
		}
		return st, fmt.Errorf("read schema version: %w", err)
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var a Applied
		var at int64
		if err := rows.Scan(&a.Version, &a.Name, &at); err != nil {
			return st, fmt.Errorf("read schema version: %w", err)
		}
		a.AppliedAt = store.FromMicros(at)
		st.Applied = append(st.Applied, a)
		st.Current = max(st.Current, a.Version)
		done[a.Version] = true
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("read schema version: %w", err)
	}
	for _, m := range ms {
		if !done[m.Version] {
			st.Pending = append(st.Pending, m)
		}
	}
	return st, nil
}

func latest(ms []Migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// TooNew is the error for a database newer than the binary.
func TooNew(current, known int) error {
	return fmt.Errorf("database schema version %d, this ringfence knows up to version %d: upgrade ringfence: %w",
		current, known, store.ErrSchemaTooNew)
}

// Up applies the migrations up to and including version target (0: all)
// that the database lacks, and returns how many it applied. It returns an
// error wrapping store.ErrSchemaTooNew, and changes nothing, when the
// database has a version higher than any in ms.
func Up(ctx context.Context, db *sql.DB, d Dialect, ms []Migration, target int) (int, error) {
	if err := ensureTable(ctx, db, d); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	if target == 0 {
		target = latest(ms)
	}
	applied := 0
	for _, m := range ms {
		if m.Version > target {
			break
		}
		ok, err := apply(ctx, db, d, m, latest(ms))
		if err != nil {
			return applied, err
		}
		if ok {
			applied++
		}
	}
	// Also refuse a newer database when there was nothing to apply.
	var cur sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&cur); err != nil {
		return applied, fmt.Errorf("read schema version: %w", err)
	}
	if int(cur.Int64) > latest(ms) {
		return applied, TooNew(int(cur.Int64), latest(ms))
	}
	return applied, nil
}

// ensureTable creates schema_migrations under the lock: PostgreSQL can fail
// two concurrent CREATE TABLE IF NOT EXISTS of one table.
func ensureTable(ctx context.Context, db *sql.DB, d Dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d.Lock != nil {
		if err := d.Lock(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, createTable); err != nil {
		return err
	}
	return tx.Commit()
}

func apply(ctx context.Context, db *sql.DB, d Dialect, m Migration, known int) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	if d.Lock != nil {
		if err := d.Lock(ctx, tx); err != nil {
			return false, fmt.Errorf("migration %s: lock: %w", m.Name, err)
		}
	}
	var cur sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&cur); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	if int(cur.Int64) > known {
		return false, TooNew(int(cur.Int64), known)
	}
	var n int
	q := `SELECT COUNT(*) FROM schema_migrations WHERE version = ` + d.Placeholder(1)
	if err := tx.QueryRowContext(ctx, q, m.Version).Scan(&n); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	ins := fmt.Sprintf(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)`,
		d.Placeholder(1), d.Placeholder(2), d.Placeholder(3))
	if _, err := tx.ExecContext(ctx, ins, m.Version, m.Name, time.Now().UnixMicro()); err != nil {
		return false, fmt.Errorf("migration %s: record: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %s: commit: %w", m.Name, err)
	}
	return true, nil
}
