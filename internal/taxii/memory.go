package taxii

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// CollectionSpec is a collection with the policy that decides its rights:
// who may read and write it, and the TLP of its unmarked objects.
type CollectionSpec struct {
	ID          string
	Title       string
	Description string
	Alias       string
	// DefaultTLP is the TLP of unmarked objects; "" means TLP:CLEAR.
	DefaultTLP string
	// Readers and Writers are the members who may read and write it; "*"
	// stands for every member. Guests never write.
	Readers []string
	Writers []string
	// GuestRead lets guests read it: its CLEAR and GREEN objects.
	GuestRead bool
}

// For returns the collection with p's rights.
func (s CollectionSpec) For(p Principal) Collection {
	c := Collection{
		ID: s.ID, Title: s.Title, Description: s.Description, Alias: s.Alias,
		MediaTypes: []string{STIXMediaType}, DefaultTLP: s.DefaultTLP,
	}
	switch {
	case p.Guest:
		c.CanRead = s.GuestRead
	case p.Member != "":
		c.CanRead = granted(s.Readers, p.Member)
		c.CanWrite = granted(s.Writers, p.Member)
	}
	return c
}

func granted(members []string, m string) bool {
	return slices.Contains(members, m) || slices.Contains(members, "*")
}

// MemoryBackend is a Backend in memory, for tests and small deployments;
// it keeps nothing across restarts.
type MemoryBackend struct {
	mu       sync.RWMutex
	now      func() time.Time
	order    []string
	colls    map[string]*memCollection
	statuses map[string]Status
	seq      int64
	last     time.Time // the latest date_added given
}

type memCollection struct {
	spec CollectionSpec
	// log holds every version in (DateAdded, Seq) order: both only grow.
	log       []*Object
	versions  map[string][]*Object // by object id
	byVersion map[string]*Object   // by versionKey
}

// NewMemoryBackend returns an empty MemoryBackend on the wall clock.
func NewMemoryBackend() *MemoryBackend {
	return &MemoryBackend{now: time.Now, colls: map[string]*memCollection{}, statuses: map[string]Status{}}
}

// SetClock replaces the clock that dates added objects; tests use it.
func (m *MemoryBackend) SetClock(now func() time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = now
}

// AddCollection adds a collection; its ID must be new.
func (m *MemoryBackend) AddCollection(spec CollectionSpec) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if spec.ID == "" {
		return errors.New("add collection: empty id")
	}
	if _, ok := m.colls[spec.ID]; ok {
		return fmt.Errorf("add collection %s: already there", spec.ID)
	}
	m.colls[spec.ID] = &memCollection{spec: spec, versions: map[string][]*Object{}, byVersion: map[string]*Object{}}
	m.order = append(m.order, spec.ID)
	return nil
}

// Collections implements Backend.
func (m *MemoryBackend) Collections(ctx context.Context, p Principal) ([]Collection, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Collection
	for _, id := range m.order {
		if c := m.colls[id].spec.For(p); c.CanRead || c.CanWrite {
			out = append(out, c)
		}
	}
	return out, ctx.Err()
}

// Collection implements Backend.
func (m *MemoryBackend) Collection(ctx context.Context, p Principal, id string) (Collection, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	mc, ok := m.colls[id]
	if !ok {
		return Collection{}, ErrNotFound
	}
	c := mc.spec.For(p)
	if !c.CanRead && !c.CanWrite {
		return Collection{}, ErrNotFound
	}
	return c, ctx.Err()
}

func versionKey(o *Object) string {
	if o.Modified.IsZero() {
		return o.ID
	}
	return o.ID + " " + FormatTime(o.Modified)
}

// AddObjects implements Backend.
func (m *MemoryBackend) AddObjects(ctx context.Context, p Principal, collection string, objs []Object) ([]Added, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mc, ok := m.colls[collection]
	if !ok {
		return nil, ErrNotFound
	}
	if c := mc.spec.For(p); !c.CanWrite {
		if !c.CanRead {
			return nil, ErrNotFound
		}
		return nil, ErrForbidden
	}
	now := m.now().UTC().Truncate(time.Microsecond)
	if now.Before(m.last) {
		now = m.last // keep the log in order when the clock steps back
	}
	m.last = now
	added := make([]Added, len(objs))
	for i := range objs {
		o := objs[i]
		k := versionKey(&o)
		if prev, ok := mc.byVersion[k]; ok {
			added[i] = Added{ID: prev.ID, Version: prev.Version(), DateAdded: prev.DateAdded}
			continue
		}
		m.seq++
		o.Raw = bytes.Clone(o.Raw)
		o.Writer, o.DateAdded, o.Seq = p.Member, now, m.seq
		mc.log = append(mc.log, &o)
		mc.versions[o.ID] = append(mc.versions[o.ID], &o)
		mc.byVersion[k] = &o
		added[i] = Added{ID: o.ID, Version: o.Version(), DateAdded: now}
	}
	return added, nil
}

// Objects implements Backend.
func (m *MemoryBackend) Objects(ctx context.Context, q Query) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, err
	}
	if q.Limit < 1 {
		return Page{}, fmt.Errorf("objects: limit %d: want at least 1", q.Limit)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	mc, ok := m.colls[q.Collection]
	if !ok {
		return Page{}, ErrNotFound
	}
	c := mc.spec.For(q.Principal)
	if !c.CanRead {
		if !c.CanWrite {
			return Page{}, ErrNotFound
		}
		return Page{}, ErrForbidden
	}
	vis := VisibilityFor(q.Principal, c)
	candidate := func(o *Object) bool {
		return vis.Sees(o.Writer, o.TLP) && (len(q.SpecVersions) == 0 || slices.Contains(q.SpecVersions, o.SpecVersion))
	}
	all := q.Versions.All
	last := q.Versions.Last || !q.Versions.All && !q.Versions.First && len(q.Versions.At) == 0
	selected := func(o *Object) bool {
		if all {
			return true
		}
		for _, at := range q.Versions.At {
			if o.Version().Equal(at) {
				return true
			}
		}
		if !last && !q.Versions.First {
			return false
		}
		var first, latest *Object
		for _, v := range mc.versions[o.ID] {
			if !candidate(v) {
				continue
			}
			if first == nil || v.Version().Before(first.Version()) {
				first = v
			}
			if latest == nil || v.Version().After(latest.Version()) {
				latest = v
			}
		}
		return last && latest == o || q.Versions.First && first == o
	}

	after := func(o *Object) bool { return q.After.Before(o.Position()) && o.DateAdded.After(q.AddedAfter) }
	var scan []*Object
	if len(q.IDs) > 0 {
		// A few objects' versions are fewer than the whole log.
		for id := range setOf(q.IDs) {
			for _, o := range mc.versions[id] {
				if after(o) {
					scan = append(scan, o)
				}
			}
		}
		slices.SortFunc(scan, func(a, b *Object) int {
			if a.Position().Before(b.Position()) {
				return -1
			}
			return 1
		})
	} else {
		scan = mc.log[sort.Search(len(mc.log), func(i int) bool { return after(mc.log[i]) }):]
	}
	types := setOf(q.Types)
	var page Page
	for _, o := range scan {
		if types != nil && !types[o.Type] || !candidate(o) || !selected(o) {
			continue
		}
		if len(page.Objects) == q.Limit {
			page.More = true
			break
		}
		out := *o
		out.Raw = bytes.Clone(o.Raw)
		page.Objects = append(page.Objects, out)
	}
	return page, nil
}

func setOf(l []string) map[string]bool {
	if len(l) == 0 {
		return nil
	}
	m := make(map[string]bool, len(l))
	for _, s := range l {
		m[s] = true
	}
	return m
}

// PutStatus implements Backend.
func (m *MemoryBackend) PutStatus(ctx context.Context, s Status) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s.Successes = slices.Clone(s.Successes)
	s.Failures = slices.Clone(s.Failures)
	s.Pendings = slices.Clone(s.Pendings)
	m.statuses[s.ID] = s
	return ctx.Err()
}

// Status implements Backend.
func (m *MemoryBackend) Status(ctx context.Context, p Principal, id string) (Status, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.statuses[id]
	if !ok || s.Owner == "" || s.Owner != p.Member {
		return Status{}, ErrNotFound
	}
	s.Successes = slices.Clone(s.Successes)
	s.Failures = slices.Clone(s.Failures)
	s.Pendings = slices.Clone(s.Pendings)
	return s, ctx.Err()
}
