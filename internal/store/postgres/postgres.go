// Package postgres stores ringfence's data in PostgreSQL, for several
// ringfence processes serving one organisation or a consortium hub. Bulk
// writes go through COPY, into a per-connection staging table merged with
// one INSERT … ON CONFLICT where rows may exist, in one transaction per
// call.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

// Check looks for index entries whose subject is missing (the table has
// no foreign key, see migration 0001); PostgreSQL checks its own pages, so
// this checks what ringfence relies on.
func (s *Store) Check(ctx context.Context) error {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM subject_identifiers i
		WHERE NOT EXISTS (SELECT 1 FROM subjects s WHERE s.pk = i.subject_pk)`).Scan(&n)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("database is damaged: %d identifiers of missing subjects", n)
	}
	return nil
}

// stageSQL creates the per-connection staging table COPY fills. It is
// temporary and emptied at commit, so an aborted import leaves nothing.
const stageSQL = `
CREATE TEMP TABLE IF NOT EXISTS stage_subjects (
	id TEXT COLLATE "C", kind TEXT, fingerprint BIGINT, identifiers BYTEA, raw BYTEA
) ON COMMIT DELETE ROWS`

// PutSubjects implements store.Store. A chunk of new subjects only is
// copied straight into its tables (insertNew). Otherwise: COPY the
// subjects into staging, then one upsert that inserts new subjects and replaces changed ones, locking
// subject rows in id order so that concurrent importers cannot deadlock,
// then COPY the index entries of the subjects that changed straight into
// the index, sorted. No other transaction writes those entries: they
// belong to subjects whose rows this one holds locked.
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
		res = store.PutResult{New: len(p.Subjects)}
		if err := s.insertNew(ctx, tx, p, now); err != nil {
			return err
		}
		return putVerdicts(ctx, tx, p.Subjects, now)
	})
	var pgErr *pgconn.PgError
	if err == nil {
		return res, nil
	}
	if !errors.Is(err, errNotAllNew) && !(errors.As(err, &pgErr) && pgErr.Code == uniqueViolation) {
		return store.PutResult{}, fmt.Errorf("put subjects: %w", err)
	}
	// Some ids are stored, or another importer stored one since we looked:
	// merge.
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		res = store.PutResult{}
		if _, err := tx.Exec(ctx, stageSQL); err != nil {
			return fmt.Errorf("staging table: %w", err)
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"stage_subjects"}, []string{"id", "kind", "fingerprint", "identifiers", "raw"},
			pgx.CopyFromSlice(len(p.Subjects), func(i int) ([]any, error) {
				sub := &p.Subjects[i]
				return []any{sub.ID, sub.Kind, p.Fingerprints[i], store.EncodeIdentifiers(sub.Identifiers), []byte(sub.Raw)}, nil
			}))
		if err != nil {
			return fmt.Errorf("copy subjects: %w", err)
		}
		rows, err := tx.Query(ctx, `INSERT INTO subjects AS s (id, kind, fingerprint, updated_at, identifiers, raw)
			SELECT id, kind, fingerprint, $1, identifiers, raw FROM stage_subjects ORDER BY id
			ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, fingerprint = excluded.fingerprint,
				updated_at = excluded.updated_at, identifiers = excluded.identifiers, raw = excluded.raw
			WHERE s.fingerprint <> excluded.fingerprint
			RETURNING id, pk, xmax = 0`, store.Micros(now))
		if err != nil {
			return fmt.Errorf("merge subjects: %w", err)
		}
		changed := make(map[string]int64)
		var updated []int64
		for rows.Next() {
			var id string
			var pk int64
			var inserted bool
			if err := rows.Scan(&id, &pk, &inserted); err != nil {
				rows.Close()
				return fmt.Errorf("merge subjects: %w", err)
			}
			changed[id] = pk
			if inserted {
				res.New++
			} else {
				updated = append(updated, pk)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("merge subjects: %w", err)
		}
		res.Updated = len(updated)
		res.Unchanged = len(p.Subjects) - len(changed)
		if len(updated) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM subject_identifiers WHERE subject_pk = ANY($1)`, updated); err != nil {
				return fmt.Errorf("replace identifiers: %w", err)
			}
		}
		var keys []store.IndexKey
		for _, sub := range p.Subjects {
			if pk, ok := changed[sub.ID]; ok {
				keys = store.IndexKeys(keys, pk, sub.Identifiers)
			}
		}
		if err := copyIndexKeys(ctx, tx, keys); err != nil {
			return err
		}
		return putVerdicts(ctx, tx, p.Subjects, now)
	})
	if err != nil {
		return store.PutResult{}, fmt.Errorf("put subjects: %w", err)
	}
	return res, nil
}

// putVerdicts upserts the verdicts subjects carry, in tx.
func putVerdicts(ctx context.Context, tx pgx.Tx, subjects []store.Subject, now time.Time) error {
	for _, v := range store.VerdictsOf(subjects) {
		at := v.ScreenedAt
		if at.IsZero() {
			at = now
		}
		var hits []byte
		if len(v.Hits) > 0 {
			hits = v.Hits
		}
		if _, err := tx.Exec(ctx, `INSERT INTO verdicts (subject_id, score, level, hits, screened_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject_id) DO UPDATE SET score = excluded.score,
			level = excluded.level, hits = excluded.hits, screened_at = excluded.screened_at`,
			v.SubjectID, v.Score, v.Level, hits, store.Micros(at)); err != nil {
			return fmt.Errorf("verdict of %q: %w", v.SubjectID, err)
		}
	}
	return nil
}

// uniqueViolation is PostgreSQL's SQLSTATE for a duplicate key.
const uniqueViolation = "23505"

// errNotAllNew says a chunk holds stored ids and must be merged.
var errNotAllNew = errors.New("some subjects are stored")

// insertNew is PutSubjects for a chunk of new ids only, the common case of
// an import: it numbers the subjects from the sequence and copies them
// straight into subjects, with no staging and no merge. It returns
// errNotAllNew when an id is stored, and a unique violation when another
// transaction stores one between the look and the copy; either way the
// caller merges instead.
func (s *Store) insertNew(ctx context.Context, tx pgx.Tx, p store.Prepared, now time.Time) error {
	ids := make([]string, len(p.Subjects))
	for i := range p.Subjects {
		ids[i] = p.Subjects[i].ID
	}
	var stored bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM subjects WHERE id = ANY($1))`, ids).Scan(&stored); err != nil {
		return fmt.Errorf("read subjects: %w", err)
	}
	if stored {
		return errNotAllNew
	}
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('subjects', 'pk')) FROM generate_series(1, $1)`, len(ids))
	if err != nil {
		return fmt.Errorf("number subjects: %w", err)
	}
	pks, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("number subjects: %w", err)
	}
	at := store.Micros(now)
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"subjects"}, []string{"pk", "id", "kind", "fingerprint", "updated_at", "identifiers", "raw"},
		pgx.CopyFromSlice(len(p.Subjects), func(i int) ([]any, error) {
			sub := &p.Subjects[i]
			return []any{pks[i], sub.ID, sub.Kind, p.Fingerprints[i], at, store.EncodeIdentifiers(sub.Identifiers), []byte(sub.Raw)}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy subjects: %w", err)
	}
	var keys []store.IndexKey
	for i := range p.Subjects {
		keys = store.IndexKeys(keys, pks[i], p.Subjects[i].Identifiers)
	}
	return copyIndexKeys(ctx, tx, keys)
}

// copyIndexKeys copies index entries straight into the index, sorted so
// that the copy walks the index once.
func copyIndexKeys(ctx context.Context, tx pgx.Tx, keys []store.IndexKey) error {
	store.SortIndexKeys(keys)
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"subject_identifiers"}, []string{"kind", "value", "subject_pk"},
		pgx.CopyFromSlice(len(keys), func(i int) ([]any, error) {
			return []any{keys[i].Kind, keys[i].Value, keys[i].Subject}, nil
		}))
	if err != nil {
		return fmt.Errorf("insert identifiers: %w", err)
	}
	return nil
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
