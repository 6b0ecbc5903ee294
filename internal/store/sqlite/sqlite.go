// Package sqlite stores ringfence's data in one SQLite file: nothing to
// install, the default for a team starting out. It uses modernc.org/sqlite,
// which is pure Go, so ringfence builds with CGO_ENABLED=0.
//
// The database runs in WAL mode with foreign keys on. Writes go through one
// connection, because SQLite has one writer and a pool of writers would
// only queue on its lock; reads use a pool of read-only connections, which
// WAL lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/migrate"
	"github.com/ringfence/ringfence/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns this dialect's migrations in order.
func Migrations() []migrate.Migration {
	ms, err := migrate.Load(migrationFS, "migrations")
	if err != nil {
		panic(err) // the embedded files are fixed at build time; tests load them
	}
	return ms
}

var dialect = migrate.Dialect{Placeholder: func(int) string { return "?" }}

// Options tunes Open; the zero value is the default.
type Options struct {
	// Logger receives what Open did (migrations applied); nil discards.
	Logger *slog.Logger
	// Now is the clock for times callers leave zero; nil is time.Now.
	Now func() time.Time
	// MigrateTo stops migrating at that version, for tests of upgrades;
	// 0 migrates to the latest.
	MigrateTo int
}

// Store is a store.Store in a SQLite file.
type Store struct {
	*sqlstore.DB
}

var _ store.Store = (*Store)(nil)

// dsn turns a file path into a modernc.org/sqlite DSN. The path goes into a
// file: URI, escaped, so a path holding ? or # still names the file.
func dsn(path string, readOnly bool) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	q := "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)"
	if readOnly {
		q += "&_pragma=query_only(1)&_pragma=cache_size(-32768)"
	} else {
		// IMMEDIATE takes the write lock at BEGIN, so a transaction never
		// fails half-way upgrading a read lock while another process writes.
		// The writer's cache holds the index pages an import chunk dirties
		// (they are written once, at commit) and the upper levels of the
		// index: 64 MiB at most, used only as the database grows, so that
		// an import fits a small machine. Temporary structures stay in
		// memory: a statement journal in a file costs syscalls per write.
		// The WAL is checkpointed at 10,000 pages (40 MiB) rather than
		// 1,000, after every chunk of an import: an index page dirtied by
		// several chunks is then copied to the database once.
		q = "_pragma=journal_mode(WAL)&" + q + "&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)" +
			"&_pragma=wal_autocheckpoint(10000)&_txlock=immediate"
	}
	return "file:" + esc + "?" + q
}

// Open opens or creates the database at path and migrates it to the
// latest schema. It refuses a database a newer ringfence migrated
// (store.ErrSchemaTooNew).
func Open(ctx context.Context, path string, o Options) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
		return nil, fmt.Errorf("open sqlite: %q: a file path is required: %w", path, store.ErrInvalid)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n, err := migrate.Up(ctx, w, dialect, Migrations(), o.MigrateTo)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if n > 0 {
		log.Info("migrated database", "path", path, "applied", n)
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	conns := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(conns)
	r.SetMaxIdleConns(conns)
	r.SetConnMaxIdleTime(0)
	db := &sqlstore.DB{W: w, R: r, Now: o.Now}
	db.CloseFunc = func() error { return errors.Join(r.Close(), w.Close()) }
	return &Store{DB: db}, nil
}

// Status reports the schema version of the database at path without
// changing it, and fails when there is no database there.
func Status(ctx context.Context, path string) (migrate.Status, error) {
	if _, err := os.Stat(path); err != nil {
		return migrate.Status{}, fmt.Errorf("no database: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return migrate.Status{}, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	defer db.Close()
	return migrate.ReadStatus(ctx, db, Migrations())
}

// Check runs SQLite's integrity and foreign-key checks.
func (s *Store) Check(ctx context.Context) error {
	rows, err := s.R.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	var problems []string
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			rows.Close()
			return fmt.Errorf("integrity check: %w", err)
		}
		if msg != "ok" {
			problems = append(problems, msg)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	rows, err = s.R.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return fmt.Errorf("foreign key check: %w", err)
		}
		problems = append(problems, fmt.Sprintf("%s row %d refers to a missing %s", table, rowid.Int64, parent))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("database is damaged: %s", strings.Join(problems, "; "))
	}
	return nil
}
