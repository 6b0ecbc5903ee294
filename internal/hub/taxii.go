package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/taxii"
)

// backend is taxii.Backend on the hub's database.
type backend struct{ st Store }

// rights says what p may do with c: what its own rights and those of every
// member ("*") grant together. Guests read collections open to guests,
// never write, and have no "*" rights.
func rights(p taxii.Principal, c store.HubCollection) (read, write bool) {
	if p.Guest {
		return c.AllowGuests, false
	}
	for _, r := range c.Rights {
		if r.Member == p.Member || r.Member == "*" {
			read, write = read || r.Read, write || r.Write
		}
	}
	return read, write
}

func toTAXII(p taxii.Principal, c store.HubCollection) taxii.Collection {
	read, write := rights(p, c)
	return taxii.Collection{ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Alias, CanRead: read, CanWrite: write,
		MediaTypes: []string{taxii.STIXMediaType}, DefaultTLP: c.DefaultTLP}
}

func (b backend) Collections(ctx context.Context, p taxii.Principal) ([]taxii.Collection, error) {
	cs, err := b.st.HubCollections(ctx)
	if err != nil {
		return nil, err
	}
	var out []taxii.Collection
	for _, c := range cs {
		if tc := toTAXII(p, c); tc.CanRead || tc.CanWrite {
			out = append(out, tc)
		}
	}
	return out, nil
}

func (b backend) Collection(ctx context.Context, p taxii.Principal, id string) (taxii.Collection, error) {
	cs, err := b.Collections(ctx, p)
	if err != nil {
		return taxii.Collection{}, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return taxii.Collection{}, fmt.Errorf("collection %s: %w", id, taxii.ErrNotFound)
}

func (b backend) AddObjects(ctx context.Context, p taxii.Principal, collection string, objs []taxii.Object) ([]taxii.Added, error) {
	c, err := b.Collection(ctx, p, collection)
	if err != nil {
		return nil, err
	}
	if !c.CanWrite || p.Member == "" {
		return nil, fmt.Errorf("write %s: %w", collection, taxii.ErrForbidden)
	}
	rows := make([]store.TAXIIObject, len(objs))
	for i, o := range objs {
		var head struct {
			CreatedBy string `json:"created_by_ref"`
		}
		_ = json.Unmarshal(o.Raw, &head)
		rows[i] = store.TAXIIObject{Collection: collection, ID: o.ID, Type: o.Type, SpecVersion: o.SpecVersion,
			Version: o.Modified, TLP: o.TLP, Writer: p.Member, Raw: o.Raw, CreatedBy: head.CreatedBy,
			// The predefined TLP marking definitions are everyone's.
			Shared: o.Type == "marking-definition" && taxii.TLPOfMarkings(o.ID) != ""}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	stored, err := b.st.AddTAXIIObjects(ctx, rows)
	if err != nil {
		return nil, err
	}
	out := make([]taxii.Added, len(stored))
	for i, s := range stored {
		out[i] = taxii.Added{ID: s.ID, Version: s.Version, DateAdded: s.DateAdded, Refused: s.Refused}
	}
	return out, nil
}

func (b backend) Objects(ctx context.Context, q taxii.Query) (taxii.Page, error) {
	c, err := b.Collection(ctx, q.Principal, q.Collection)
	if err != nil {
		return taxii.Page{}, err
	}
	if !c.CanRead {
		return taxii.Page{}, fmt.Errorf("read %s: %w", q.Collection, taxii.ErrForbidden)
	}
	vis := taxii.VisibilityFor(q.Principal, c)
	sq := store.TAXIIQuery{Collection: q.Collection, Levels: vis.Levels, Writer: vis.Writer, AddedAfter: q.AddedAfter,
		IDs: q.IDs, Types: q.Types, SpecVersions: q.SpecVersions, Limit: q.Limit}
	if !q.After.DateAdded.IsZero() || q.After.Seq != 0 {
		sq.After = &store.TAXIICursor{DateAdded: q.After.DateAdded, Seq: q.After.Seq}
	}
	v := q.Versions
	switch {
	case v.All:
		sq.Versions = []string{"all"}
	default:
		if v.First {
			sq.Versions = append(sq.Versions, "first")
		}
		if v.Last {
			sq.Versions = append(sq.Versions, "last")
		}
		for _, at := range v.At {
			sq.Versions = append(sq.Versions, at.UTC().Format("2006-01-02T15:04:05.000000Z07:00"))
		}
	}
	rows, more, err := b.st.TAXIIObjects(ctx, sq)
	if err != nil {
		return taxii.Page{}, err
	}
	page := taxii.Page{More: more, Objects: make([]taxii.Object, len(rows))}
	for i, r := range rows {
		mod := r.Version
		if mod.Equal(r.DateAdded) && !hasTimestamps(r.Raw) {
			mod = timeZero
		}
		page.Objects[i] = taxii.Object{ID: r.ID, Type: r.Type, SpecVersion: r.SpecVersion, Modified: mod, TLP: r.TLP,
			Raw: r.Raw, Writer: r.Writer, DateAdded: r.DateAdded, Seq: r.Seq}
	}
	return page, nil
}

func (b backend) PutStatus(ctx context.Context, s taxii.Status) error {
	body, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return b.st.PutTAXIIStatus(ctx, s.ID, s.Owner, body)
}

func (b backend) Status(ctx context.Context, p taxii.Principal, id string) (taxii.Status, error) {
	owner, body, err := b.st.TAXIIStatus(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && owner != p.Member {
		return taxii.Status{}, fmt.Errorf("status %s: %w", id, taxii.ErrNotFound)
	}
	if err != nil {
		return taxii.Status{}, err
	}
	var s taxii.Status
	if err := json.Unmarshal(body, &s); err != nil {
		return taxii.Status{}, fmt.Errorf("status %s: %w", id, err)
	}
	s.Owner = owner
	return s, nil
}

// hasTimestamps says whether a STIX object carries modified or created: an
// object without (a cyber-observable) has its date_added as version.
func hasTimestamps(raw json.RawMessage) bool {
	var v struct {
		Modified string `json:"modified"`
		Created  string `json:"created"`
	}
	_ = json.Unmarshal(raw, &v)
	return v.Modified != "" || v.Created != ""
}
