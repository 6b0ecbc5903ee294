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
// (graph.Prepare, graph.Builder) so that the second can link each record to
// records before and after it in the file.
package screen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/ringfence/ringfence/internal/graph"
	"github.com/ringfence/ringfence/internal/match"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/risk"
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
			if graph.Links(ids[i].Kind) {
				byKind[string(ids[i].Kind)] = append(byKind[string(ids[i].Kind)], ids[i].Canonical)
			}
		}
	}
	pf := &Prefetched{holders: map[linkKey][]string{}}
	if vl, ok := s.store.(valuesLinker); ok && countValues(byKind) <= fewValues {
		var kvs []store.KindValue
		for kind, values := range byKind {
			for _, v := range values {
				kvs = append(kvs, store.KindValue{Kind: kind, Value: v})
			}
		}
		got, err := vl.SubjectsByValues(ctx, kvs)
		if err != nil {
			return nil, fmt.Errorf("links: %w", err)
		}
		for kv, ids := range got {
			pf.holders[linkKey{kv.Kind, kv.Value}] = ids
		}
		return pf, nil
	}
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

// valuesLinker looks up values of several kinds in one query; store.Store
// is one.
type valuesLinker interface {
	SubjectsByValues(ctx context.Context, values []store.KindValue) (map[store.KindValue][]string, error)
}

// fewValues is the most values Prefetch looks up across kinds at once (one
// record's, or a few): more go one query per kind, which reads 500 values a
// query.
const fewValues = 64

func countValues(byKind map[string][]string) int {
	n := 0
	for _, vs := range byKind {
		n += len(vs)
	}
	return n
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
	// Findings are other analyses' findings by subject id (LoadFindings):
	// a record with a stored subject's id is screened with them.
	Findings map[string][]Finding
}

// Screener screens records. It is safe for concurrent use.
type Screener struct {
	intel    *match.Index
	rules    *Rules
	store    Linker
	opts     normalize.Options
	log      *slog.Logger
	findings map[string][]Finding

	// stored caches the people of stored subjects met through links.
	mu     sync.Mutex
	stored map[string]*graph.Person
}

// New returns a Screener.
func New(cfg Config) (*Screener, error) {
	s := &Screener{intel: cfg.Intel, rules: cfg.Rules, store: cfg.Store, opts: cfg.Normalize, log: cfg.Log,
		findings: cfg.Findings, stored: map[string]*graph.Person{}}
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
func (s *Screener) Screen(ctx context.Context, b *graph.Batch, recno int, rec *subject.Record,
	ids []subject.Identifier, problems []subject.Problem) (Verdict, error) {
	return s.ScreenPrefetched(ctx, b, nil, recno, rec, ids, problems)
}

// ScreenPrefetched is Screen with the record's stored links taken from pf
// (Prefetch of a group holding this record); a nil pf looks them up.
func (s *Screener) ScreenPrefetched(ctx context.Context, b *graph.Batch, pf *Prefetched, recno int, rec *subject.Record,
	ids []subject.Identifier, problems []subject.Problem) (Verdict, error) {
	var self graph.Person
	if b != nil && recno >= 0 && recno < b.Len() && b.Person(recno).ID == rec.ID {
		self = *b.Person(recno) // read in the first pass
	} else {
		self = graph.PersonOf(rec, ids)
	}
	links, err := s.links(ctx, b, pf, recno, &self, ids)
	if err != nil {
		return Verdict{}, err
	}
	subj := subjectFactsOf(rec, ids, problems)
	for i := range links {
		if l := &links[i]; graph.Entangling(normalize.Kind(l.Kind)) && l.Unrelated > 0 && l.Holders <= graph.MaxEntangling {
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
	if c := b.ClusterOf(recno); c != nil && recno >= 0 && b.Person(recno).ID == rec.ID {
		f.cluster, f.recno = c, recno
		var others []string
		for _, m := range c.Members {
			if m != rec.ID && len(others) < maxListed {
				others = append(others, m)
			}
		}
		if err := fire(OnCluster, Hit{Attribute: "cluster", Value: c.ID, Matched: listIDs(others, len(c.Members)-1),
			Source: "input", Explanation: clusterExplanation(c)}); err != nil {
			return Verdict{}, err
		}
	}
	for i := range s.findings[rec.ID] {
		fd := &s.findings[rec.ID][i]
		f.finding = fd
		attr, value := fd.Attribute, fd.Location
		if attr == "" {
			attr = fd.Source
		}
		if value == "" {
			value = fd.Identifier
		}
		matched := fd.ID
		if fd.Source == store.SourceConsortium {
			matched = fmt.Sprintf("held at %d other %s", fd.Members, plural(fd.Members, "member", "members"))
			if fd.Fraud > 0 {
				matched += fmt.Sprintf(", confirmed fraud at %d", fd.Fraud)
			}
		}
		if err := fire(OnFinding, Hit{Attribute: attr, Value: value, Matched: matched, Source: fd.Source,
			Explanation: fd.Explanation}); err != nil {
			return Verdict{}, err
		}
	}
	return combine(rec.ID, hits), nil
}

func clusterExplanation(c *graph.Cluster) string {
	s := fmt.Sprintf("link analysis puts this subject in cluster %s of %d subjects (%d %s), scored %d (%s)",
		c.ID, len(c.Members), c.Names, plural(c.Names, "name", "names"), c.Score, c.Level)
	if len(c.Reasons) > 0 {
		s += ": " + c.Reasons[0].Explanation
	}
	return s
}

// Listed says whether rec matches the loaded intelligence high on its own
// — a match rule alone scores it high or above: a sanctioned wallet, a
// listed person — and what it matched. Link analysis raises every member
// of such a subject's cluster (signal cluster.listed_others).
func (s *Screener) Listed(rec *subject.Record, ids []subject.Identifier) (string, bool, error) {
	if s.intel == nil {
		return "", false, nil
	}
	subj := subjectFactsOf(rec, ids, nil)
	f := facts{subj: &subj}
	best, what := 0, ""
	for _, m := range s.intel.Match(match.Query{Identifiers: ids, BirthDate: rec.BirthDate, Nationality: rec.Nationality}) {
		f.match = &m
		for _, r := range s.rules.on[OnMatch] {
			ok, pts, err := r.eval(&f)
			if err != nil {
				return "", false, fmt.Errorf("record %s: %w", rec.ID, err)
			}
			if ok && pts > best {
				best = pts
				matched := m.IndicatorValue
				if m.Kind == "name" && m.Label != "" {
					matched = m.Label
				}
				what = fmt.Sprintf("%s: %s %s = %s, %s", r.ID, m.Attribute, m.Value, matched, m.Source)
			}
		}
	}
	return what, best >= risk.HighFrom, nil
}

// links finds the values rec shares with other records of the batch and
// with stored subjects.
func (s *Screener) links(ctx context.Context, b *graph.Batch, pf *Prefetched, recno int, self *graph.Person, ids []subject.Identifier) ([]Link, error) {
	var out []Link
	seen := map[uint64]bool{}
	for i := range ids {
		id := &ids[i]
		if !graph.Links(id.Kind) {
			continue
		}
		h := graph.ValueHash(id.Kind, id.Canonical)
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
			l.OwnHome = slices.Contains(self.Homes, h)
		}
		hs := b.Holders(h)
		for _, r := range hs {
			if int(r) == recno {
				continue
			}
			l.Holders++
			o := b.Person(int(r))
			if len(l.Others) < maxListed {
				l.Others = append(l.Others, o.ID)
			}
			if l.Counted < maxExamined {
				l.count(graph.Relate(self, o))
				// Entangled beyond this value: this value itself counts
				// when it is of an entangling kind.
				n := b.Entangled(int(r))
				if graph.Entangling(id.Kind) && len(hs) <= graph.MaxEntangling {
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
func (s *Screener) storeLinks(ctx context.Context, b *graph.Batch, pf *Prefetched, self *graph.Person, l *Link) error {
	var others []string
	if pf != nil {
		others = pf.holders[linkKey{l.Kind, l.Value}]
	} else {
		var err error
		if others, err = s.store.SubjectsByIdentifier(ctx, l.Kind, l.Value); err != nil {
			return fmt.Errorf("links of %s: %w", self.ID, err)
		}
	}
	for _, id := range others {
		if _, inBatch := b.Index(id); id == self.ID || inBatch {
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
		l.count(graph.Relate(self, o))
	}
	return nil
}

func (s *Screener) storedPerson(ctx context.Context, id string) (*graph.Person, error) {
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
	pp := graph.StoredPersonOf(sub)
	s.mu.Lock()
	if len(s.stored) > 100000 {
		clear(s.stored) // a cache, not a copy of the store
	}
	s.stored[id] = &pp
	s.mu.Unlock()
	return &pp, nil
}

// resume finds near-duplicate resumes of rec in the batch.
func (s *Screener) resume(b *graph.Batch, recno int, rec *subject.Record, self *graph.Person) *Resume {
	if rec.ResumeText == "" {
		return nil
	}
	var r Resume
	b.NearResumes(recno, func(doc int, sim float64) {
		if doc == recno {
			return
		}
		r.Similarity = max(r.Similarity, sim)
		o := b.Person(doc)
		r.Others = append(r.Others, o.ID)
		if graph.Relate(self, o).Unrelated {
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

// excerpt returns the first n characters of s, runs of white space read as
// one space, and "…" when s goes on. It reads no further than it needs: a
// resume may be long.
func excerpt(s string, n int) string {
	var b strings.Builder
	space, count := false, 0
	put := func(r rune) bool {
		if count == n {
			b.WriteString("…")
			return false
		}
		b.WriteRune(r)
		count++
		return true
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = count > 0
			continue
		}
		if space && !put(' ') || !put(r) {
			return b.String()
		}
		space = false
	}
	return b.String()
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
