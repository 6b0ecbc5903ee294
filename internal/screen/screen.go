// Package screen turns what is known about a subject into a verdict an
// analyst can act on and defend: a score, a level, and every piece of
// evidence with its rule, source and explanation.
//
// Evidence comes as facts: hits against the loaded intelligence
// (internal/match), identifier values the subject shares with other
// subjects of the same input or of the store (links), resumes that are
// near-duplicates of others', and the record's own signals. Rules — data,
// not code: CEL conditions over a documented set of signals, loaded from
// an embedded DPRK IT-worker pack and the analyst's own files — decide
// which facts count and for how many points. docs/RULES.md is the
// reference; SIGNALS.md is where the points come from.
//
// Screening an input takes two passes: the first prepares every record
// (Prepare, BatchBuilder) so that the second can link each record to
// records before and after it in the file.
package screen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"

	"github.com/ringfence/ringfence/internal/match"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// Linker finds stored subjects holding a value; store.Store is one.
type Linker interface {
	SubjectsByIdentifier(ctx context.Context, kind, value string) ([]string, error)
	SubjectsByIdentifiers(ctx context.Context, kind string, values []string) (map[string][]string, error)
	Subject(ctx context.Context, id string) (store.Subject, error)
}

// Prefetched holds the stored subjects of a group of records' linkable
// values, looked up in a few queries rather than one a value: against a
// database server, round trips are what screening with a store costs.
type Prefetched struct {
	holders map[linkKey][]string
}

type linkKey struct{ kind, value string }

// Prefetch looks up in the store, together, the holders of every linkable
// value of the records whose identifiers are given, for ScreenPrefetched.
// Without a store it returns nil, which ScreenPrefetched accepts.
func (s *Screener) Prefetch(ctx context.Context, idss [][]subject.Identifier) (*Prefetched, error) {
	if s.store == nil {
		return nil, nil
	}
	byKind := map[string][]string{}
	for _, ids := range idss {
		for i := range ids {
			if linkKinds[ids[i].Kind] {
				byKind[string(ids[i].Kind)] = append(byKind[string(ids[i].Kind)], ids[i].Canonical)
			}
		}
	}
	pf := &Prefetched{holders: map[linkKey][]string{}}
	for kind, values := range byKind {
		got, err := s.store.SubjectsByIdentifiers(ctx, kind, values)
		if err != nil {
			return nil, fmt.Errorf("links: %w", err)
		}
		for v, ids := range got {
			pf.holders[linkKey{kind, v}] = ids
		}
	}
	return pf, nil
}

// Config is what a Screener needs.
type Config struct {
	// Intel is the match index of the loaded intelligence; nil matches
	// nothing.
	Intel *match.Index
	// Rules are the compiled rules; nil means the default pack.
	Rules *Rules
	// Store, when set, links subjects to stored subjects too.
	Store Linker
	// Normalize are the options records were normalised with.
	Normalize normalize.Options
	Log       *slog.Logger
}

// Screener screens records. It is safe for concurrent use.
type Screener struct {
	intel *match.Index
	rules *Rules
	store Linker
	opts  normalize.Options
	log   *slog.Logger

	// stored caches the people of stored subjects met through links.
	mu     sync.Mutex
	stored map[string]*person
}

// New returns a Screener.
func New(cfg Config) (*Screener, error) {
	s := &Screener{intel: cfg.Intel, rules: cfg.Rules, store: cfg.Store, opts: cfg.Normalize, log: cfg.Log,
		stored: map[string]*person{}}
	if s.rules == nil {
		var err error
		if s.rules, err = DefaultRules(); err != nil {
			return nil, err
		}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Rules returns the rules in use.
func (s *Screener) Rules() *Rules { return s.rules }

// Screen screens record recno of batch b (nil: a record on its own, linked
// only to the store). ids and problems are subject.Identifiers(rec).
// Subjects whose ids are in the batch are not looked up in the store
// again.
func (s *Screener) Screen(ctx context.Context, b *Batch, recno int, rec *subject.Record,
	ids []subject.Identifier, problems []subject.Problem) (Verdict, error) {
	return s.ScreenPrefetched(ctx, b, nil, recno, rec, ids, problems)
}

// ScreenPrefetched is Screen with the record's stored links taken from pf
// (Prefetch of a group holding this record); a nil pf looks them up.
func (s *Screener) ScreenPrefetched(ctx context.Context, b *Batch, pf *Prefetched, recno int, rec *subject.Record,
	ids []subject.Identifier, problems []subject.Problem) (Verdict, error) {
	var self person
	if b != nil && recno >= 0 && recno < len(b.people) && b.people[recno].id == rec.ID {
		self = b.people[recno] // read in the first pass
	} else {
		self = personOf(rec, ids)
	}
	links, err := s.links(ctx, b, pf, recno, &self, ids)
	if err != nil {
		return Verdict{}, err
	}
	subj := subjectFactsOf(rec, ids, problems)
	for i := range links {
		if l := &links[i]; entanglingKinds[normalize.Kind(l.Kind)] && l.Unrelated > 0 && l.Holders <= maxEntangling {
			subj.linkedValues++
		}
	}
	f := facts{subj: &subj}
	var hits []Hit
	fire := func(on string, base Hit) error {
		for _, r := range s.rules.on[on] {
			ok, pts, err := r.eval(&f)
			if err != nil {
				return fmt.Errorf("record %s: %w", rec.ID, err)
			}
			if !ok {
				continue
			}
			h := base
			h.Rule, h.Points = r.ID, pts
			if on == OnSubject {
				n := subj.evidence(r.uses)
				h.Attribute, h.Value, h.Matched, h.Explanation = n.attribute, n.value, n.matched, n.text
			}
			h.Explanation = sentence(h.Explanation, r.Description)
			hits = append(hits, h)
		}
		return nil
	}
	if err := fire(OnSubject, Hit{Source: "record"}); err != nil {
		return Verdict{}, err
	}
	if s.intel != nil {
		q := match.Query{Identifiers: ids, BirthDate: rec.BirthDate, Nationality: rec.Nationality}
		for _, m := range s.intel.Match(q) {
			f.match = &m
			// What the value met: a listed name as the list writes it, or
			// the indicator's value (its label is in the explanation).
			matched := m.IndicatorValue
			if m.Kind == "name" && m.Label != "" {
				matched = m.Label
			}
			src := m.Source
			if m.SourceRef != "" {
				src += " " + m.SourceRef
			}
			if err := fire(OnMatch, Hit{Attribute: m.Attribute, Value: m.Value, Matched: matched, Source: src,
				Explanation: m.Explanation}); err != nil {
				return Verdict{}, err
			}
		}
		f.match = nil
	}
	for i := range links {
		l := &links[i]
		f.link = l
		if err := fire(OnLink, Hit{Attribute: l.Attribute, Value: l.Value, Matched: listIDs(l.Others, l.Holders-1),
			Source: linkSource(l), Explanation: l.explain()}); err != nil {
			return Verdict{}, err
		}
	}
	f.link = nil
	if r := s.resume(b, recno, rec, &self); r != nil {
		f.resume = r
		if err := fire(OnResume, Hit{Attribute: "resume_text", Value: excerpt(rec.ResumeText, resumeKept),
			Matched: listIDs(r.Others[:min(len(r.Others), maxListed)], len(r.Others)), Source: "input",
			Explanation: r.explain()}); err != nil {
			return Verdict{}, err
		}
	}
	return combine(rec.ID, hits), nil
}

// links finds the values rec shares with other records of the batch and
// with stored subjects.
func (s *Screener) links(ctx context.Context, b *Batch, pf *Prefetched, recno int, self *person, ids []subject.Identifier) ([]Link, error) {
	var out []Link
	seen := map[uint64]bool{}
	for i := range ids {
		id := &ids[i]
		if !linkKinds[id.Kind] {
			continue
		}
		h := valueHash(id.Kind, id.Canonical)
		if seen[h] {
			continue
		}
		seen[h] = true
		role, attr := id.Role, id.Attribute
		for j := range ids[i+1:] {
			// The same address given twice: as shipping is what matters.
			if o := &ids[i+1+j]; o.Kind == id.Kind && o.Canonical == id.Canonical && o.Role == "shipping" {
				role, attr = o.Role, o.Attribute
			}
		}
		l := Link{Kind: string(id.Kind), Attribute: attr, Role: role, Value: id.Canonical, Holders: 1}
		if id.Kind == normalize.KindAddress {
			l.OwnHome = slices.Contains(self.homes, h)
		}
		hs := b.holders(h)
		for _, r := range hs {
			if int(r) == recno {
				continue
			}
			l.Holders++
			o := &b.people[r]
			if len(l.Others) < maxListed {
				l.Others = append(l.Others, o.id)
			}
			if l.Counted < maxExamined {
				l.count(relate(self, o))
				// Entangled beyond this value: this value itself counts
				// when it is of an entangling kind.
				n := int(b.entangled[r])
				if entanglingKinds[id.Kind] && len(hs) <= maxEntangling {
					n--
				}
				if n > 0 {
					l.OthersLinked++
				}
			}
		}
		if s.store != nil {
			if err := s.storeLinks(ctx, b, pf, self, &l); err != nil {
				return nil, err
			}
		}
		if l.Holders > 1 {
			out = append(out, l)
		}
	}
	return out, nil
}

// storeLinks adds the stored subjects holding l's value, leaving out the
// batch's own records (they were counted from the batch, and with --store
// they may already be stored).
func (s *Screener) storeLinks(ctx context.Context, b *Batch, pf *Prefetched, self *person, l *Link) error {
	var others []string
	if pf != nil {
		others = pf.holders[linkKey{l.Kind, l.Value}]
	} else {
		var err error
		if others, err = s.store.SubjectsByIdentifier(ctx, l.Kind, l.Value); err != nil {
			return fmt.Errorf("links of %s: %w", self.id, err)
		}
	}
	for _, id := range others {
		if id == self.id || b.has(id) {
			continue
		}
		l.Holders++
		l.InStore++
		if len(l.Others) < maxListed {
			l.Others = append(l.Others, id)
		}
		if l.Counted >= maxExamined {
			continue
		}
		o, err := s.storedPerson(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			// Deleted since the index named it: it holds nothing now.
			s.log.Warn("stored subject vanished while linking", "subject", id)
			l.Holders--
			l.InStore--
			l.Others = slices.DeleteFunc(l.Others, func(o string) bool { return o == id })
			continue
		}
		if err != nil {
			return err
		}
		l.count(relate(self, o))
	}
	return nil
}

func (s *Screener) storedPerson(ctx context.Context, id string) (*person, error) {
	s.mu.Lock()
	p, ok := s.stored[id]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	sub, err := s.store.Subject(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("stored subject %s: %w", id, err)
	}
	pp := storedPersonOf(sub)
	s.mu.Lock()
	if len(s.stored) > 100000 {
		clear(s.stored) // a cache, not a copy of the store
	}
	s.stored[id] = &pp
	s.mu.Unlock()
	return &pp, nil
}

// storedPersonOf reads a person from a stored subject's identifiers, which
// hold its name keys and addresses whatever format the record came in, and
// its birth date from the raw record (a JSON record, or a CSV row as a
// JSON object: both name it birth_date).
func storedPersonOf(sub store.Subject) person {
	p := person{id: sub.ID}
	var raw struct {
		BirthDate json.RawMessage `json:"birth_date"`
	}
	if json.Unmarshal(sub.Raw, &raw) == nil {
		var dob string
		if json.Unmarshal(raw.BirthDate, &dob) == nil {
			p.dob = strings.TrimSpace(dob)
		}
	}
	for _, id := range sub.Identifiers {
		switch {
		case id.Kind == "name_key" && id.Attribute == "name":
			p.names = append([]uint64{xxhash.Sum64String(id.Value)}, p.names...)
		case id.Kind == "name_key":
			p.names = append(p.names, xxhash.Sum64String(id.Value))
		case id.Kind == string(normalize.KindAddress) && isHome(id.Role):
			p.homes = append(p.homes, valueHash(normalize.KindAddress, id.Value))
		}
	}
	return p
}

// resume finds near-duplicate resumes of rec in the batch.
func (s *Screener) resume(b *Batch, recno int, rec *subject.Record, self *person) *Resume {
	if b == nil || b.resumes.Len() < 2 || rec.ResumeText == "" {
		return nil
	}
	sig, ok := b.sigs[uint32(recno)]
	if !ok {
		return nil
	}
	var r Resume
	b.resumes.Near(sig, func(doc uint32, sim float64) {
		if int(doc) == recno {
			return
		}
		r.Similarity = max(r.Similarity, sim)
		o := &b.people[doc]
		r.Others = append(r.Others, o.id)
		if relate(self, o).unrelated {
			r.Unrelated++
		}
	})
	if len(r.Others) == 0 {
		return nil
	}
	return &r
}

func listIDs(ids []string, total int) string {
	s := strings.Join(ids, ", ")
	if total > len(ids) {
		s += fmt.Sprintf(" and %d more", total-len(ids))
	}
	return s
}

func linkSource(l *Link) string {
	switch {
	case l.InStore == 0:
		return "input"
	case l.InStore == l.Holders-1:
		return "store"
	}
	return "input, store"
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// sentence joins a fact and why it matters.
func sentence(fact, why string) string {
	fact = strings.TrimSpace(fact)
	why = strings.TrimSpace(why)
	switch {
	case fact == "":
		return why
	case why == "":
		return fact
	}
	return strings.TrimRight(fact, ".") + ". " + why
}
