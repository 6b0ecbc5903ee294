// Package postgres stores ringfence's data in PostgreSQL, for several
// ringfence processes serving one organisation or a consortium hub. Bulk
// writes go through COPY into a per-connection staging table and are merged
// with one INSERT … ON CONFLICT, in one transaction per call.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

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

// migrationLock is the advisory lock key that serialises migrations of one
// database across processes ("rfmigrat" in ASCII).
const migrationLock = 0x72666d6967726174

var dialect = migrate.Dialect{
	Placeholder: func(n int) string { return fmt.Sprintf("$%d", n) },
	Lock: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock))
		return err
	},
}

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

// Store is a store.Store in PostgreSQL.
type Store struct {
	*sqlstore.DB
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at dsn (postgres://…; pgx's parameters,
// e.g. pool_max_conns and search_path, apply) and migrates it to the latest
// schema. It refuses a database a newer ringfence migrated
// (store.ErrSchemaTooNew).
func Open(ctx context.Context, dsn string, o Options) (*Store, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	pool, err := connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDBFromPool(pool)
	n, err := migrate.Up(ctx, db, dialect, Migrations(), o.MigrateTo)
	if err != nil {
		db.Close()
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if n > 0 {
		log.Info("migrated database", "applied", n)
	}
	s := &Store{pool: pool, DB: &sqlstore.DB{W: db, R: db, Now: o.Now,
		Dialect: sqlstore.Dialect{Numbered: true, ForUpdate: " FOR UPDATE"}}}
	s.DB.CloseFunc = func() error {
		err := db.Close()
		pool.Close()
		return err
	}
	return s, nil
}

func connect(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message quotes the DSN, password included; say less.
		return nil, fmt.Errorf("open postgres: malformed DSN: %w", store.ErrInvalid)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", redact(cfg), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s: %w", redact(cfg), err)
	}
	return pool, nil
}

// redact names a server without its password, for messages.
func redact(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// Status reports the schema version of the database without changing it.
func Status(ctx context.Context, dsn string) (migrate.Status, error) {
	pool, err := connect(ctx, dsn)
	if err != nil {
		return migrate.Status{}, err
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	return migrate.ReadStatus(ctx, db, Migrations())
}

// Check looks for identifiers whose subject is missing; PostgreSQL checks
// its own pages, so this checks what ringfence relies on.
func (s *Store) Check(ctx context.Context) error {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM subject_identifiers i
		WHERE NOT EXISTS (SELECT 1 FROM subjects s WHERE s.id = i.subject_id)`).Scan(&n)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("database is damaged: %d identifiers of missing subjects", n)
	}
	return nil
}

// stageSQL creates the per-connection staging tables COPY fills. They are
// temporary and emptied at commit, so an aborted import leaves nothing.
const stageSQL = `
CREATE TEMP TABLE IF NOT EXISTS stage_subjects (
	id TEXT COLLATE "C", kind TEXT, raw BYTEA, fingerprint BIGINT
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_identifiers (
	kind TEXT COLLATE "C", value TEXT COLLATE "C", subject_id TEXT COLLATE "C",
	attribute TEXT COLLATE "C", role TEXT, position INTEGER
) ON COMMIT DELETE ROWS`

// PutSubjects implements store.Store: COPY into staging, then one upsert
// that inserts new subjects and replaces changed ones, locking subject rows
// in id order so that concurrent importers cannot deadlock, then the
// identifiers of the subjects that changed.
func (s *Store) PutSubjects(ctx context.Context, subjects []store.Subject) (store.PutResult, error) {
	p, err := store.Prepare(subjects)
	if err != nil {
		return store.PutResult{}, err
	}
	var res store.PutResult
	if len(p.Subjects) == 0 {
		return res, nil
	}
	now := time.Now()
	if s.DB.Now != nil {
		now = s.DB.Now()
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		res = store.PutResult{}
		if _, err := tx.Exec(ctx, stageSQL); err != nil {
			return fmt.Errorf("staging tables: %w", err)
		}
		nids := 0
		for _, sub := range p.Subjects {
			nids += len(sub.Identifiers)
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"stage_subjects"}, []string{"id", "kind", "raw", "fingerprint"},
			pgx.CopyFromSlice(len(p.Subjects), func(i int) ([]any, error) {
				sub := &p.Subjects[i]
				return []any{sub.ID, sub.Kind, []byte(sub.Raw), p.Fingerprints[i]}, nil
			}))
		if err != nil {
			return fmt.Errorf("copy subjects: %w", err)
		}
		si, pos := 0, 0
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"stage_identifiers"},
			[]string{"kind", "value", "subject_id", "attribute", "role", "position"},
			pgx.CopyFromFunc(func() ([]any, error) {
				for si < len(p.Subjects) && pos >= len(p.Subjects[si].Identifiers) {
					si, pos = si+1, 0
				}
				if si == len(p.Subjects) {
					return nil, nil
				}
				sub := &p.Subjects[si]
				id := sub.Identifiers[pos]
				pos++
				return []any{id.Kind, id.Value, sub.ID, id.Attribute, id.Role, int32(pos - 1)}, nil
			}))
		if err != nil {
			return fmt.Errorf("copy identifiers: %w", err)
		}
		rows, err := tx.Query(ctx, `INSERT INTO subjects AS s (id, kind, raw, fingerprint, updated_at)
			SELECT id, kind, raw, fingerprint, $1 FROM stage_subjects ORDER BY id
			ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, raw = excluded.raw,
				fingerprint = excluded.fingerprint, updated_at = excluded.updated_at
			WHERE s.fingerprint <> excluded.fingerprint
			RETURNING id, xmax = 0`, store.Micros(now))
		if err != nil {
			return fmt.Errorf("merge subjects: %w", err)
		}
		var changed, updated []string
		for rows.Next() {
			var id string
			var inserted bool
			if err := rows.Scan(&id, &inserted); err != nil {
				rows.Close()
				return fmt.Errorf("merge subjects: %w", err)
			}
			changed = append(changed, id)
			if inserted {
				res.New++
			} else {
				updated = append(updated, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("merge subjects: %w", err)
		}
		res.Updated = len(updated)
		res.Unchanged = len(p.Subjects) - len(changed)
		if len(updated) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM subject_identifiers WHERE subject_id = ANY($1)`, updated); err != nil {
				return fmt.Errorf("replace identifiers: %w", err)
			}
		}
		if nids == 0 || len(changed) == 0 {
			return nil
		}
		const insert = `INSERT INTO subject_identifiers (kind, value, subject_id, attribute, role, position)
			SELECT kind, value, subject_id, attribute, role, position FROM stage_identifiers`
		if len(changed) == len(p.Subjects) {
			_, err = tx.Exec(ctx, insert)
		} else {
			_, err = tx.Exec(ctx, insert+` WHERE subject_id = ANY($1)`, changed)
		}
		if err != nil {
			return fmt.Errorf("insert identifiers: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.PutResult{}, fmt.Errorf("put subjects: %w", err)
	}
	return res, nil
}

// ReplaceIndicators implements store.Store with COPY. An advisory lock per
// source keeps two processes replacing one feed from interleaving (with
// READ COMMITTED the second delete would miss the first's new rows).
func (s *Store) ReplaceIndicators(ctx context.Context, source string, inds []store.Indicator) (int, error) {
	if err := store.CheckIndicators(source, inds); err != nil {
		return 0, err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('ringfence indicators ' || $1))`, source); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM indicators WHERE source = $1`, source); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"indicators"}, sqlstore.IndicatorColumns,
			pgx.CopyFromSlice(len(inds), func(i int) ([]any, error) { return sqlstore.IndicatorRow(source, inds[i]), nil }))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("replace indicators of %s: %w", source, err)
	}
	return len(inds), nil
}

// IsDSN reports whether dsn names a PostgreSQL server rather than a file.
func IsDSN(dsn string) bool {
	l := strings.ToLower(dsn)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}
