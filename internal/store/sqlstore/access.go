package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// PutUser implements store.Store.
func (db *DB) PutUser(ctx context.Context, u store.User) error {
	if u.Name == "" || u.Role == "" {
		return fmt.Errorf("put user %q: empty name or role: %w", u.Name, store.ErrInvalid)
	}
	if !store.ValidText(u.Name, u.Role, u.PasswordHash) {
		return fmt.Errorf("put user: a field is not UTF-8 text: %w", store.ErrInvalid)
	}
	at := u.CreatedAt
	if at.IsZero() {
		at = db.now()
	}
	_, err := db.W.ExecContext(ctx, db.Q(`INSERT INTO users (name, role, password_hash, disabled, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET role = excluded.role,
		password_hash = excluded.password_hash, disabled = excluded.disabled`),
		u.Name, u.Role, u.PasswordHash, u.Disabled, store.Micros(at))
	if err != nil {
		return fmt.Errorf("put user %q: %w", u.Name, err)
	}
	return nil
}

const userColumns = `name, role, password_hash, disabled, created_at`

func scanUser(sc interface{ Scan(...any) error }) (store.User, error) {
	var u store.User
	var at int64
	err := sc.Scan(&u.Name, &u.Role, &u.PasswordHash, &u.Disabled, &at)
	u.CreatedAt = store.FromMicros(at)
	return u, err
}

// User implements store.Store.
func (db *DB) User(ctx context.Context, name string) (store.User, error) {
	if !store.ValidText(name) {
		return store.User{}, fmt.Errorf("user: name is not UTF-8 text: %w", store.ErrInvalid)
	}
	u, err := scanUser(db.R.QueryRowContext(ctx, db.Q(`SELECT `+userColumns+` FROM users WHERE name = ?`), name))
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("user %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("read user %q: %w", name, err)
	}
	return u, nil
}

// Users implements store.Store.
func (db *DB) Users(ctx context.Context) ([]store.User, error) {
	us, err := readAll(ctx, db.R, `SELECT `+userColumns+` FROM users ORDER BY name`, scanUser)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	return us, nil
}

// AddAPIKey implements store.Store.
func (db *DB) AddAPIKey(ctx context.Context, k store.APIKey) error {
	if k.ID == "" || k.Role == "" || k.SecretHash == "" {
		return fmt.Errorf("add API key %q: empty id, role or secret hash: %w", k.ID, store.ErrInvalid)
	}
	if !store.ValidText(k.ID, k.Name, k.Role, k.Owner, k.SecretHash) {
		return fmt.Errorf("add API key: a field is not UTF-8 text: %w", store.ErrInvalid)
	}
	at := k.CreatedAt
	if at.IsZero() {
		at = db.now()
	}
	res, err := db.W.ExecContext(ctx, db.Q(`INSERT INTO api_keys (id, name, role, owner, secret_hash, created_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
		k.ID, k.Name, k.Role, k.Owner, k.SecretHash, store.Micros(at), store.Micros(k.RevokedAt))
	if err := inserted(res, err); err != nil {
		return fmt.Errorf("add API key %q: %w", k.ID, err)
	}
	return nil
}

const apiKeyColumns = `id, name, role, owner, secret_hash, created_at, revoked_at`

func scanAPIKey(sc interface{ Scan(...any) error }) (store.APIKey, error) {
	var k store.APIKey
	var created, revoked int64
	err := sc.Scan(&k.ID, &k.Name, &k.Role, &k.Owner, &k.SecretHash, &created, &revoked)
	k.CreatedAt, k.RevokedAt = store.FromMicros(created), store.FromMicros(revoked)
	return k, err
}

// APIKey implements store.Store.
func (db *DB) APIKey(ctx context.Context, id string) (store.APIKey, error) {
	if !store.ValidText(id) {
		return store.APIKey{}, fmt.Errorf("API key: id is not UTF-8 text: %w", store.ErrInvalid)
	}
	k, err := scanAPIKey(db.R.QueryRowContext(ctx, db.Q(`SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.APIKey{}, fmt.Errorf("API key %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("read API key %q: %w", id, err)
	}
	return k, nil
}

// APIKeys implements store.Store.
func (db *DB) APIKeys(ctx context.Context) ([]store.APIKey, error) {
	ks, err := readAll(ctx, db.R, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY id`, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("read API keys: %w", err)
	}
	return ks, nil
}

// RevokeAPIKey implements store.Store in one statement, so that of two
// concurrent revocations the first to commit sets the time.
func (db *DB) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	if !store.ValidText(id) {
		return fmt.Errorf("revoke API key: id is not UTF-8 text: %w", store.ErrInvalid)
	}
	if at.IsZero() {
		at = db.now()
	}
	res, err := db.W.ExecContext(ctx, db.Q(`UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END
		WHERE id = ?`), store.Micros(at), id)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = store.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("revoke API key %q: %w", id, err)
	}
	return nil
}

// AddSession implements store.Store. A session must expire: one that
// never did would outlive every password change.
func (db *DB) AddSession(ctx context.Context, s store.Session) error {
	if s.ID == "" || s.User == "" || s.ExpiresAt.IsZero() {
		return fmt.Errorf("add session: empty id, user or expiry: %w", store.ErrInvalid)
	}
	if !store.ValidText(s.ID, s.User, s.CSRF) {
		return fmt.Errorf("add session: a field is not UTF-8 text: %w", store.ErrInvalid)
	}
	at := s.CreatedAt
	if at.IsZero() {
		at = db.now()
	}
	res, err := db.W.ExecContext(ctx, db.Q(`INSERT INTO sessions (id, user_name, csrf, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`), s.ID, s.User, s.CSRF, store.Micros(at), store.Micros(s.ExpiresAt))
	if err := inserted(res, err); err != nil {
		// The id is a token's hash; a message names the user instead.
		return fmt.Errorf("add session of %q: %w", s.User, err)
	}
	return nil
}

// Session implements store.Store.
func (db *DB) Session(ctx context.Context, id string) (store.Session, error) {
	if !store.ValidText(id) {
		return store.Session{}, fmt.Errorf("session: id is not UTF-8 text: %w", store.ErrInvalid)
	}
	s := store.Session{ID: id}
	var created, expires int64
	err := db.R.QueryRowContext(ctx, db.Q(`SELECT user_name, csrf, created_at, expires_at FROM sessions WHERE id = ?`), id).
		Scan(&s.User, &s.CSRF, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("read session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = store.FromMicros(created), store.FromMicros(expires)
	return s, nil
}

// DeleteSession implements store.Store. A session has expired when its
// expiry is not after now.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if !store.ValidText(id) {
		return fmt.Errorf("delete session: id is not UTF-8 text: %w", store.ErrInvalid)
	}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.Q(`DELETE FROM sessions WHERE id = ?`), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.Q(`DELETE FROM sessions WHERE expires_at <= ?`), store.Micros(db.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// inserted turns the result of an INSERT … ON CONFLICT DO NOTHING into
// ErrConflict when the row existed: one statement, whose answer does not
// depend on the dialect's error codes.
func inserted(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("it exists: %w", store.ErrConflict)
	}
	return nil
}

// readAll runs a query without parameters and scans every row.
func readAll[T any](ctx context.Context, db *sql.DB, query string, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
