package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// PutHubMember implements store.Hub.
func (db *DB) PutHubMember(ctx context.Context, m store.HubMember) error {
	if m.ID == "" || (m.Kind != store.MemberOrg && m.Kind != store.MemberGuest) || !store.ValidText(m.ID, m.Name) {
		return fmt.Errorf("put hub member %q: empty id or unknown kind %q: %w", m.ID, m.Kind, store.ErrInvalid)
	}
	at := m.CreatedAt
	if at.IsZero() {
		at = db.now()
	}
	_, err := db.W.ExecContext(ctx, db.Q(`INSERT INTO hub_members (id, name, kind, disabled, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, disabled = excluded.disabled`),
		m.ID, m.Name, m.Kind, m.Disabled, store.Micros(at))
	if err != nil {
		return fmt.Errorf("put hub member %q: %w", m.ID, err)
	}
	return nil
}

func scanHubMember(sc interface{ Scan(...any) error }) (store.HubMember, error) {
	var m store.HubMember
	var at int64
	err := sc.Scan(&m.ID, &m.Name, &m.Kind, &m.Disabled, &at)
	m.CreatedAt = store.FromMicros(at)
	return m, err
}

// HubMember implements store.Hub.
func (db *DB) HubMember(ctx context.Context, id string) (store.HubMember, error) {
	if !store.ValidText(id) {
		return store.HubMember{}, fmt.Errorf("hub member: id is not UTF-8 text: %w", store.ErrInvalid)
	}
	m, err := scanHubMember(db.R.QueryRowContext(ctx, db.Q(`SELECT id, name, kind, disabled, created_at FROM hub_members WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("hub member %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("read hub member %q: %w", id, err)
	}
	return m, nil
}

// HubMembers implements store.Hub.
func (db *DB) HubMembers(ctx context.Context) ([]store.HubMember, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, name, kind, disabled, created_at FROM hub_members ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read hub members: %w", err)
	}
	defer rows.Close()
	var out []store.HubMember
	for rows.Next() {
		m, err := scanHubMember(rows)
		if err != nil {
			return nil, fmt.Errorf("read hub members: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// PutHubCollection implements store.Hub.
func (db *DB) PutHubCollection(ctx context.Context, c store.HubCollection) error {
	if c.ID == "" || c.Title == "" || !store.ValidText(c.ID, c.Title, c.Description, c.Alias) {
		return fmt.Errorf("put hub collection %q: empty id or title: %w", c.ID, store.ErrInvalid)
	}
	if c.DefaultTLP != "" && !slices.Contains(store.TLPs, c.DefaultTLP) {
		return fmt.Errorf("put hub collection %q: default TLP %q: %w", c.ID, c.DefaultTLP, store.ErrInvalid)
	}
	for _, r := range c.Rights {
		if r.Member == "" || !store.ValidText(r.Member) {
			return fmt.Errorf("put hub collection %q: a right names no member: %w", c.ID, store.ErrInvalid)
		}
	}
	at := c.CreatedAt
	if at.IsZero() {
		at = db.now()
	}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.Q(`INSERT INTO hub_collections (id, title, description, alias, default_tlp, allow_guests, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET title = excluded.title,
			description = excluded.description, alias = excluded.alias, default_tlp = excluded.default_tlp,
			allow_guests = excluded.allow_guests`),
			c.ID, c.Title, c.Description, c.Alias, c.DefaultTLP, c.AllowGuests, store.Micros(at)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.Q(`DELETE FROM hub_rights WHERE collection = ?`), c.ID); err != nil {
			return err
		}
		for _, r := range c.Rights {
			if _, err := tx.ExecContext(ctx, db.Q(`INSERT INTO hub_rights (collection, member, can_read, can_write)
				VALUES (?, ?, ?, ?) ON CONFLICT (collection, member) DO UPDATE SET can_read = excluded.can_read,
				can_write = excluded.can_write`), c.ID, r.Member, r.Read, r.Write); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put hub collection %q: %w", c.ID, err)
	}
	return nil
}

// HubCollections implements store.Hub.
func (db *DB) HubCollections(ctx context.Context) ([]store.HubCollection, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, title, description, alias, default_tlp, allow_guests, created_at FROM hub_collections ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read hub collections: %w", err)
	}
	var out []store.HubCollection
	byID := map[string]int{}
	for rows.Next() {
		var c store.HubCollection
		var at int64
		if err := rows.Scan(&c.ID, &c.Title, &c.Description, &c.Alias, &c.DefaultTLP, &c.AllowGuests, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read hub collections: %w", err)
		}
		c.CreatedAt = store.FromMicros(at)
		byID[c.ID] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read hub collections: %w", err)
	}
	rows, err = db.R.QueryContext(ctx, `SELECT collection, member, can_read, can_write FROM hub_rights ORDER BY collection, member`)
	if err != nil {
		return nil, fmt.Errorf("read hub rights: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var coll string
		var r store.HubRight
		if err := rows.Scan(&coll, &r.Member, &r.Read, &r.Write); err != nil {
			return nil, fmt.Errorf("read hub rights: %w", err)
		}
		if i, ok := byID[coll]; ok {
			out[i].Rights = append(out[i].Rights, r)
		}
	}
	return out, rows.Err()
}

const taxiiColumns = `seq, collection, id, type, spec_version, version, date_added, tlp, writer, raw`

func scanTAXII(sc interface{ Scan(...any) error }) (store.TAXIIObject, error) {
	var o store.TAXIIObject
	var version, added int64
	var raw string
	err := sc.Scan(&o.Seq, &o.Collection, &o.ID, &o.Type, &o.SpecVersion, &version, &added, &o.TLP, &o.Writer, &raw)
	o.Version, o.DateAdded, o.Raw = store.FromMicros(version), store.FromMicros(added), json.RawMessage(raw)
	return o, err
}

// AddTAXIIObjects implements store.Hub.
func (db *DB) AddTAXIIObjects(ctx context.Context, objs []store.TAXIIObject) ([]store.TAXIIObject, error) {
	for i, o := range objs {
		if o.Collection == "" || o.ID == "" || o.Type == "" || o.Writer == "" || (o.TLP != "" && !slices.Contains(store.TLPs, o.TLP)) ||
			!store.ValidText(o.Collection, o.ID, o.Type, o.SpecVersion, o.Writer) || !isJSONObject(o.Raw) {
			return nil, fmt.Errorf("add taxii objects: object %d (%s) lacks a collection, id, type, writer, TLP or JSON body: %w",
				i, o.ID, store.ErrInvalid)
		}
	}
	// Every version of one request is added at one time, and times only
	// go forward, so a reader's cursor never skips a later insert.
	now := db.now().UTC().Truncate(time.Microsecond)
	out := make([]store.TAXIIObject, len(objs))
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		// On PostgreSQL, writers take turns until they commit: otherwise a
		// reader could see a later seq committed before an earlier one and
		// its cursor would step over the earlier for good. SQLite has one
		// writer already.
		if db.Dialect.Numbered {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727378)`); err != nil {
				return err
			}
		}
		var last int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(date_added), 0) FROM taxii_objects`).Scan(&last); err != nil {
			return err
		}
		at := store.Micros(now)
		if at <= last {
			at = last + 1
		}
		// Who owns each id: the writer of its first version, stored or
		// added earlier in this call.
		owners := map[string]string{}
		owner := func(coll, id string) (string, error) {
			k := coll + "\x00" + id
			if w, ok := owners[k]; ok {
				return w, nil
			}
			var w string
			err := tx.QueryRowContext(ctx, db.Q(`SELECT writer FROM taxii_objects WHERE collection = ? AND id = ?
				ORDER BY seq LIMIT 1`), coll, id).Scan(&w)
			if errors.Is(err, sql.ErrNoRows) {
				err = nil
			}
			owners[k] = w
			return w, err
		}
		// Ids this call adds for the first time are the writer's from the
		// start, so an identity may come after what it signs.
		for _, o := range objs {
			w, err := owner(o.Collection, o.ID)
			if err != nil {
				return err
			}
			if w == "" && !o.Shared {
				owners[o.Collection+"\x00"+o.ID] = o.Writer
			}
		}
		for i, o := range objs {
			o.DateAdded = store.FromMicros(at)
			if o.Version.IsZero() {
				o.Version = o.DateAdded
			}
			if !o.Shared {
				if w, _ := owner(o.Collection, o.ID); w != o.Writer {
					o.Refused = "the id " + o.ID + " is another member's object"
					out[i] = o
					continue
				}
			}
			// An identity belongs to the first member to add it or to sign
			// as it: nobody signs as another's, or takes over an identity
			// another already signs as.
			for _, ident := range []string{o.CreatedBy, identityID(o)} {
				if ident == "" || o.Refused != "" {
					continue
				}
				w, err := owner(o.Collection, ident)
				if err != nil {
					return err
				}
				if w == "" || w == o.Writer {
					var other string
					err := tx.QueryRowContext(ctx, db.Q(`SELECT writer FROM taxii_objects WHERE collection = ? AND created_by = ?
						AND writer <> ? LIMIT 1`), o.Collection, ident, o.Writer).Scan(&other)
					if err != nil && !errors.Is(err, sql.ErrNoRows) {
						return err
					}
					w = cmp.Or(other, o.Writer)
				}
				if w != o.Writer {
					o.Refused = "identity " + ident + " is another member's"
				}
			}
			if o.Refused != "" {
				out[i] = o
				continue
			}
			row := tx.QueryRowContext(ctx, db.Q(`INSERT INTO taxii_objects (collection, id, type, spec_version, version,
				date_added, tlp, writer, created_by, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (collection, id, version) DO NOTHING RETURNING seq`),
				o.Collection, o.ID, o.Type, o.SpecVersion, store.Micros(o.Version), at, o.TLP, o.Writer, o.CreatedBy, string(o.Raw))
			err := row.Scan(&o.Seq)
			if errors.Is(err, sql.ErrNoRows) {
				o, err = scanTAXII(tx.QueryRowContext(ctx, db.Q(`SELECT `+taxiiColumns+` FROM taxii_objects
					WHERE collection = ? AND id = ? AND version = ?`), o.Collection, o.ID, store.Micros(o.Version)))
			}
			if err != nil {
				return err
			}
			out[i] = o
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add taxii objects: %w", err)
	}
	return out, nil
}

// visibleSQL is internal/taxii's Visibility as a condition on a row of
// taxii_objects aliased o.
func visibleSQL(alias string, q store.TAXIIQuery) (string, []any) {
	var args []any
	cond := "1 = 0"
	if len(q.Levels) > 0 {
		cond = alias + ".tlp IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(q.Levels)), ", ") + ")"
		for _, l := range q.Levels {
			args = append(args, l)
		}
	}
	if q.Writer != "" {
		cond += " OR " + alias + ".writer = ?"
		args = append(args, q.Writer)
	}
	return "(" + cond + ")", args
}

// TAXIIObjects implements store.Hub.
func (db *DB) TAXIIObjects(ctx context.Context, q store.TAXIIQuery) ([]store.TAXIIObject, bool, error) {
	if q.Limit < 1 || q.Limit > 10000 {
		return nil, false, fmt.Errorf("taxii objects: limit %d outside 1–10000: %w", q.Limit, store.ErrInvalid)
	}
	vis, visArgs := visibleSQL("o", q)
	where := []string{"o.collection = ?", vis}
	args := append([]any{q.Collection}, visArgs...)
	if !q.AddedAfter.IsZero() {
		where, args = append(where, "o.date_added > ?"), append(args, store.Micros(q.AddedAfter))
	}
	if q.After != nil {
		where = append(where, "(o.date_added > ? OR (o.date_added = ? AND o.seq > ?))")
		at := store.Micros(q.After.DateAdded)
		args = append(args, at, at, q.After.Seq)
	}
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("o.id", q.IDs)
	in("o.type", q.Types)
	in("o.spec_version", q.SpecVersions)
	versions := q.Versions
	if len(versions) == 0 {
		versions = []string{"last"}
	}
	if !slices.Contains(versions, "all") {
		var ors []string
		for _, v := range versions {
			switch v {
			case "last", "first":
				agg := "MAX"
				if v == "first" {
					agg = "MIN"
				}
				// Among the versions this reader may see: a RED update
				// by another member must not hide the AMBER version.
				vvis, vargs := visibleSQL("v", q)
				ors = append(ors, `o.version = (SELECT `+agg+`(v.version) FROM taxii_objects v WHERE v.collection = o.collection
					AND v.id = o.id AND `+vvis+`)`)
				args = append(args, vargs...)
			default:
				t, err := time.Parse(time.RFC3339Nano, v)
				if err != nil {
					return nil, false, fmt.Errorf("taxii objects: version %q is not first, last, all or a timestamp: %w", v, store.ErrInvalid)
				}
				ors = append(ors, "o.version = ?")
				args = append(args, store.Micros(t))
			}
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	// The version subqueries' parameters come after the collection and
	// visibility ones in the text, so order the arguments as written.
	rows, err := db.R.QueryContext(ctx, db.Q(`SELECT `+prefixed(taxiiColumns, "o.")+` FROM taxii_objects o WHERE `+
		strings.Join(where, " AND ")+` ORDER BY o.date_added, o.seq LIMIT ?`), append(args, q.Limit+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("read taxii objects: %w", err)
	}
	defer rows.Close()
	var out []store.TAXIIObject
	for rows.Next() {
		o, err := scanTAXII(rows)
		if err != nil {
			return nil, false, fmt.Errorf("read taxii objects: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("read taxii objects: %w", err)
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}

func prefixed(cols, p string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// PutTAXIIStatus implements store.Hub.
func (db *DB) PutTAXIIStatus(ctx context.Context, id, member string, body json.RawMessage) error {
	if id == "" || !isJSONObject(body) || !store.ValidText(id, member) {
		return fmt.Errorf("put taxii status %q: empty id or body not a JSON object: %w", id, store.ErrInvalid)
	}
	_, err := db.W.ExecContext(ctx, db.Q(`INSERT INTO taxii_status (id, member, created_at, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body`), id, member, store.Micros(db.now()), string(body))
	if err != nil {
		return fmt.Errorf("put taxii status %q: %w", id, err)
	}
	return nil
}

// TAXIIStatus implements store.Hub.
func (db *DB) TAXIIStatus(ctx context.Context, id string) (string, json.RawMessage, error) {
	if !store.ValidText(id) {
		return "", nil, fmt.Errorf("taxii status: id is not UTF-8 text: %w", store.ErrInvalid)
	}
	var member, body string
	err := db.R.QueryRowContext(ctx, db.Q(`SELECT member, body FROM taxii_status WHERE id = ?`), id).Scan(&member, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("taxii status %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return "", nil, fmt.Errorf("read taxii status %q: %w", id, err)
	}
	return member, json.RawMessage(body), nil
}

// PutHubKey implements store.Hub.
func (db *DB) PutHubKey(ctx context.Context, k store.HubKey) error {
	if len(k.Secret) == 0 {
		return fmt.Errorf("put hub key %d: empty secret: %w", k.Epoch, store.ErrInvalid)
	}
	at := k.CreatedAt
	if at.IsZero() {
		at = db.now()
	}
	secret := encodeSecret(k.Secret)
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		var stored string
		err := tx.QueryRowContext(ctx, db.Q(`SELECT secret FROM hub_keys WHERE epoch = ?`+db.Dialect.ForUpdate), k.Epoch).Scan(&stored)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, db.Q(`INSERT INTO hub_keys (epoch, secret, created_at, retired_at) VALUES (?, ?, ?, ?)`),
				k.Epoch, secret, store.Micros(at), store.Micros(k.RetiredAt))
			return err
		case err != nil:
			return err
		case stored != secret:
			return fmt.Errorf("epoch %d holds another key: %w", k.Epoch, store.ErrConflict)
		}
		_, err = tx.ExecContext(ctx, db.Q(`UPDATE hub_keys SET retired_at = ? WHERE epoch = ?`), store.Micros(k.RetiredAt), k.Epoch)
		return err
	})
	if err != nil {
		return fmt.Errorf("put hub key %d: %w", k.Epoch, err)
	}
	return nil
}

// HubKeys implements store.Hub.
func (db *DB) HubKeys(ctx context.Context) ([]store.HubKey, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT epoch, secret, created_at, retired_at FROM hub_keys ORDER BY epoch`)
	if err != nil {
		return nil, fmt.Errorf("read hub keys: %w", err)
	}
	defer rows.Close()
	var out []store.HubKey
	for rows.Next() {
		var k store.HubKey
		var secret string
		var at, retired int64
		if err := rows.Scan(&k.Epoch, &secret, &at, &retired); err != nil {
			return nil, fmt.Errorf("read hub keys: %w", err)
		}
		if k.Secret, err = decodeSecret(secret); err != nil {
			return nil, fmt.Errorf("read hub key %d: %w", k.Epoch, err)
		}
		k.CreatedAt, k.RetiredAt = store.FromMicros(at), store.FromMicros(retired)
		out = append(out, k)
	}
	return out, rows.Err()
}

// ReplaceHubTokens implements store.Hub.
func (db *DB) ReplaceHubTokens(ctx context.Context, member string, epoch int, tokens []store.HubToken) (int, error) {
	if member == "" || !store.ValidText(member) {
		return 0, fmt.Errorf("replace hub tokens: empty member: %w", store.ErrInvalid)
	}
	// One row per token; a token registered twice is fraud if either is.
	merged := make(map[string]bool, len(tokens))
	for i, t := range tokens {
		if t.Token == "" || !store.ValidText(t.Token) {
			return 0, fmt.Errorf("replace hub tokens of %s: token %d is empty: %w", member, i, store.ErrInvalid)
		}
		merged[t.Token] = merged[t.Token] || t.Fraud
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	now := store.Micros(db.now())
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.Q(`DELETE FROM hub_tokens WHERE member = ? AND epoch = ?`), member, epoch); err != nil {
			return err
		}
		ins := newRowInserter(ctx, tx, db, `INSERT INTO hub_tokens (epoch, token, member, fraud, registered_at) VALUES `, 5)
		defer ins.close()
		for _, k := range keys {
			if err := ins.add(epoch, k, member, merged[k], now); err != nil {
				return err
			}
		}
		return ins.flush()
	})
	if err != nil {
		return 0, fmt.Errorf("replace hub tokens of %s: %w", member, err)
	}
	return len(keys), nil
}

// HubTokenCounts implements store.Hub.
func (db *DB) HubTokenCounts(ctx context.Context, member string, epoch int, tokens []string) ([]store.TokenCount, error) {
	out := make([]store.TokenCount, len(tokens))
	at := make(map[string][]int, len(tokens))
	for i, t := range tokens {
		at[t] = append(at[t], i)
	}
	uniq := make([]string, 0, len(at))
	for t := range at {
		uniq = append(uniq, t)
	}
	slices.Sort(uniq)
	const chunk = 500
	for len(uniq) > 0 {
		n := min(chunk, len(uniq))
		part := uniq[:n]
		uniq = uniq[n:]
		args := []any{epoch, member}
		for _, t := range part {
			args = append(args, t)
		}
		// Only enabled members count: an expelled member's registrations
		// (and its fraud marks) stop counting with it.
		rows, err := db.R.QueryContext(ctx, db.Q(`SELECT t.token, COUNT(*), SUM(CASE WHEN t.fraud THEN 1 ELSE 0 END)
			FROM hub_tokens t JOIN hub_members m ON m.id = t.member AND NOT m.disabled AND m.kind = 'member'
			WHERE t.epoch = ? AND t.member <> ? AND t.token IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+`) GROUP BY t.token`), args...)
		if err != nil {
			return nil, fmt.Errorf("count hub tokens: %w", err)
		}
		for rows.Next() {
			var t string
			var c store.TokenCount
			var members, fraud int64
			if err := rows.Scan(&t, &members, &fraud); err != nil {
				rows.Close()
				return nil, fmt.Errorf("count hub tokens: %w", err)
			}
			c.Members, c.Fraud = int(members), int(fraud)
			for _, i := range at[t] {
				out[i] = c
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("count hub tokens: %w", err)
		}
	}
	return out, nil
}

// DropHubTokens implements store.Hub.
func (db *DB) DropHubTokens(ctx context.Context, before int) (int, error) {
	res, err := db.W.ExecContext(ctx, db.Q(`DELETE FROM hub_tokens WHERE epoch < ?`), before)
	if err != nil {
		return 0, fmt.Errorf("drop hub tokens before epoch %d: %w", before, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// AddHubUsage implements store.Hub.
func (db *DB) AddHubUsage(ctx context.Context, member, day string, n, limit int) (int, bool, error) {
	if member == "" || day == "" || n < 0 || !store.ValidText(member, day) {
		return 0, false, fmt.Errorf("add hub usage: empty member or day: %w", store.ErrInvalid)
	}
	var used int64
	ok := false
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.Q(`INSERT INTO hub_usage (member, day, evaluated) VALUES (?, ?, 0)
			ON CONFLICT (member, day) DO NOTHING`), member, day); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, db.Q(`SELECT evaluated FROM hub_usage WHERE member = ? AND day = ?`+db.Dialect.ForUpdate),
			member, day).Scan(&used); err != nil {
			return err
		}
		if used+int64(n) > int64(limit) {
			return nil
		}
		used += int64(n)
		ok = true
		_, err := tx.ExecContext(ctx, db.Q(`UPDATE hub_usage SET evaluated = ? WHERE member = ? AND day = ?`), used, member, day)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("add hub usage of %s: %w", member, err)
	}
	return int(used), ok, nil
}

func encodeSecret(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func decodeSecret(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// identityID is the object's own id when it is an identity: adding one
// claims it.
func identityID(o store.TAXIIObject) string {
	if o.Type == "identity" {
		return o.ID
	}
	return ""
}
