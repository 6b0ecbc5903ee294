// Package dial opens the store a DSN names: a file path means SQLite,
// postgres:// or postgresql:// means PostgreSQL. It is apart from package
// store so that store, which the adapters import, does not import them.
package dial

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/migrate"
	"github.com/ringfence/ringfence/internal/store/postgres"
	"github.com/ringfence/ringfence/internal/store/sqlite"
)

// Driver names a store implementation.
type Driver string

// The drivers Parse knows.
const (
	SQLite   Driver = "sqlite"
	Postgres Driver = "postgres"
)

// Parse says which driver serves dsn and what it is given: for SQLite the
// file path (an optional "sqlite:" prefix removed), for PostgreSQL the DSN
// unchanged.
func Parse(dsn string) (Driver, string, error) {
	switch {
	case strings.TrimSpace(dsn) == "":
		return "", "", fmt.Errorf("empty database DSN: %w", store.ErrInvalid)
	case postgres.IsDSN(dsn):
		return Postgres, dsn, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		if p == "" {
			return "", "", fmt.Errorf("database DSN %q names no file: %w", dsn, store.ErrInvalid)
		}
		return SQLite, p, nil
	case strings.Contains(dsn, "://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return "", "", fmt.Errorf("database DSN: unknown scheme %q: use a file path or postgres://: %w", scheme, store.ErrInvalid)
	}
	return SQLite, dsn, nil
}

// Open opens the store dsn names and migrates it to the latest schema.
func Open(ctx context.Context, dsn string, log *slog.Logger) (store.Store, error) {
	d, target, err := Parse(dsn)
	if err != nil {
		return nil, err
	}
	if d == Postgres {
		return postgres.Open(ctx, target, postgres.Options{Logger: log})
	}
	return sqlite.Open(ctx, target, sqlite.Options{Logger: log})
}

// Status reports the schema version of the database dsn names without
// migrating it.
func Status(ctx context.Context, dsn string) (migrate.Status, error) {
	d, target, err := Parse(dsn)
	if err != nil {
		return migrate.Status{}, err
	}
	if d == Postgres {
		return postgres.Status(ctx, target)
	}
	return sqlite.Status(ctx, target)
}

// Redact returns dsn fit for messages: a PostgreSQL password is replaced.
func Redact(dsn string) string {
	if !postgres.IsDSN(dsn) {
		return dsn
	}
	scheme, rest, _ := strings.Cut(dsn, "://")
	// The userinfo ends at the last @ before the path; a password may
	// itself hold @ or /, but a host holds neither.
	auth := rest
	if i := strings.IndexAny(rest, "?"); i >= 0 {
		auth = rest[:i]
	}
	at := strings.LastIndex(auth, "@")
	if at < 0 {
		return dsn
	}
	user := rest[:at]
	if name, _, ok := strings.Cut(user, ":"); ok {
		user = name + ":xxxxx"
	}
	return scheme + "://" + user + rest[at:]
}
