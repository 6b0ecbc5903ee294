package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ringfence/ringfence/internal/store"
)

// ReplaceFindings implements store.Store.
func (db *DB) ReplaceFindings(ctx context.Context, source string, fs []store.Finding) (int, error) {
	if source == "" || !store.ValidText(source) {
		return 0, fmt.Errorf("replace findings: empty source: %w", store.ErrInvalid)
	}
	for i, f := range fs {
		switch {
		case f.Source != source:
			return 0, fmt.Errorf("replace findings of %s: finding %d is of source %q: %w", source, i, f.Source, store.ErrInvalid)
		case f.ID == "" || f.SubjectID == "" || f.Kind == "":
			return 0, fmt.Errorf("replace findings of %s: finding %d has an empty id, subject or kind: %w", source, i, store.ErrInvalid)
		case !store.ValidText(f.ID, f.SubjectID, f.Kind, f.Level, f.Explanation):
			return 0, fmt.Errorf("replace findings of %s: finding %d: a field is not UTF-8 text: %w", source, i, store.ErrInvalid)
		case len(f.Detail) > 0 && !isJSONObject(f.Detail):
			return 0, fmt.Errorf("replace findings of %s: finding %d: detail is not a JSON object: %w", source, i, store.ErrInvalid)
		}
	}
	// The last of a repeated (id, subject) wins, as with subjects.
	seen := make(map[[2]string]bool, len(fs))
	rows := make([]store.Finding, 0, len(fs))
	for i := len(fs) - 1; i >= 0; i-- {
		if k := [2]string{fs[i].ID, fs[i].SubjectID}; !seen[k] {
			seen[k] = true
			rows = append(rows, fs[i])
		}
	}
	now := store.Micros(db.now())
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.Q(`DELETE FROM findings WHERE source = ?`), source); err != nil {
			return err
		}
		ins := newRowInserter(ctx, tx, db, `INSERT INTO findings (source, finding_id, subject_id, kind, level, points,
			explanation, detail, first_at, last_at, updated_at) VALUES `, 11)
		defer ins.close()
		for _, f := range rows {
			detail := string(f.Detail)
			if detail == "" {
				detail = "{}"
			}
			if err := ins.add(source, f.ID, f.SubjectID, f.Kind, f.Level, int64(f.Points), f.Explanation, detail,
				store.Micros(f.First), store.Micros(f.Last), now); err != nil {
				return err
			}
		}
		return ins.flush()
	})
	if err != nil {
		return 0, fmt.Errorf("replace findings of %s: %w", source, err)
	}
	return len(rows), nil
}

func isJSONObject(b []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

// Findings implements store.Store.
func (db *DB) Findings(ctx context.Context, q store.FindingQuery) ([]store.Finding, error) {
	where, args := "1 = 1", []any{}
	if q.Source != "" {
		where, args = where+" AND source = ?", append(args, q.Source)
	}
	if q.SubjectID != "" {
		where, args = where+" AND subject_id = ?", append(args, q.SubjectID)
	}
	rows, err := db.R.QueryContext(ctx, db.Q(`SELECT source, finding_id, subject_id, kind, level, points, explanation,
		detail, first_at, last_at, updated_at FROM findings WHERE `+where+` ORDER BY source, subject_id, finding_id`), args...)
	if err != nil {
		return nil, fmt.Errorf("read findings: %w", err)
	}
	defer rows.Close()
	var out []store.Finding
	for rows.Next() {
		var f store.Finding
		var detail string
		var first, last, upd, points int64
		if err := rows.Scan(&f.Source, &f.ID, &f.SubjectID, &f.Kind, &f.Level, &points, &f.Explanation, &detail,
			&first, &last, &upd); err != nil {
			return nil, fmt.Errorf("read findings: %w", err)
		}
		f.Points, f.Detail = int(points), json.RawMessage(detail)
		f.First, f.Last, f.UpdatedAt = store.FromMicros(first), store.FromMicros(last), store.FromMicros(upd)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read findings: %w", err)
	}
	return out, nil
}

// ShareSource implements store.Store.
func (db *DB) ShareSource(ctx context.Context, s store.SharedSource) error {
	if s.Source == "" || !store.ValidText(s.Source, s.Actor) {
		return fmt.Errorf("share source %q: empty or not UTF-8 text: %w", s.Source, store.ErrInvalid)
	}
	at := s.CreatedAt
	if at.IsZero() {
		at = db.now()
	}
	_, err := db.W.ExecContext(ctx, db.Q(`INSERT INTO shared_sources (source, actor, created_at) VALUES (?, ?, ?)
		ON CONFLICT (source) DO NOTHING`), s.Source, s.Actor, store.Micros(at))
	if err != nil {
		return fmt.Errorf("share source %q: %w", s.Source, err)
	}
	return nil
}

// UnshareSource implements store.Store.
func (db *DB) UnshareSource(ctx context.Context, source string) error {
	if _, err := db.W.ExecContext(ctx, db.Q(`DELETE FROM shared_sources WHERE source = ?`), source); err != nil {
		return fmt.Errorf("unshare source %q: %w", source, err)
	}
	return nil
}

// SharedSources implements store.Store.
func (db *DB) SharedSources(ctx context.Context) ([]store.SharedSource, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT source, actor, created_at FROM shared_sources ORDER BY source`)
	if err != nil {
		return nil, fmt.Errorf("read shared sources: %w", err)
	}
	defer rows.Close()
	var out []store.SharedSource
	for rows.Next() {
		var s store.SharedSource
		var at int64
		if err := rows.Scan(&s.Source, &s.Actor, &at); err != nil {
			return nil, fmt.Errorf("read shared sources: %w", err)
		}
		s.CreatedAt = store.FromMicros(at)
		out = append(out, s)
	}
	return out, rows.Err()
}

// CachedTokens implements store.Store.
func (db *DB) CachedTokens(ctx context.Context, epoch int, hashes []string) (map[string]string, error) {
	out := make(map[string]string)
	const chunk = 500
	for start := 0; start < len(hashes); start += chunk {
		part := hashes[start:min(start+chunk, len(hashes))]
		args := []any{epoch}
		for _, h := range part {
			args = append(args, h)
		}
		rows, err := db.R.QueryContext(ctx, db.Q(`SELECT input_hash, token FROM token_cache WHERE epoch = ? AND input_hash IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("read token cache: %w", err)
		}
		for rows.Next() {
			var h, t string
			if err := rows.Scan(&h, &t); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read token cache: %w", err)
			}
			out[h] = t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read token cache: %w", err)
		}
	}
	return out, nil
}

// CacheTokens implements store.Store.
func (db *DB) CacheTokens(ctx context.Context, epoch int, tokens map[string]string) error {
	keys := make([]string, 0, len(tokens))
	for k, t := range tokens {
		if k == "" || t == "" || !store.ValidText(k, t) {
			return fmt.Errorf("cache tokens: empty or non-UTF-8 hash or token: %w", store.ErrInvalid)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.Q(`DELETE FROM token_cache WHERE epoch < ?`), epoch); err != nil {
			return err
		}
		// Another sync may have cached some meanwhile: theirs stand (the
		// token of one input under one key is one token).
		stmt, err := tx.PrepareContext(ctx, db.Q(`INSERT INTO token_cache (epoch, input_hash, token) VALUES (?, ?, ?)
			ON CONFLICT (epoch, input_hash) DO NOTHING`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, k := range keys {
			if _, err := stmt.ExecContext(ctx, epoch, k, tokens[k]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache tokens: %w", err)
	}
	return nil
}
