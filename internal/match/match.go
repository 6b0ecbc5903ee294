// Package match matches a subject's identifiers against loaded
// intelligence in memory: exact values (e-mail, phone, wallet, domain, …),
// IP addresses against listed addresses and ranges, and names against the
// names of watchlist entries, a name match weighed by the entry's birth
// dates and nationalities. Screening builds on it; the package decides
// nothing, it says what matched, how well and why.
//
// An Index is built once from indicators (store.Store.Indicators or a
// parser's result) and is then read-only: Match is safe for concurrent use.
package match

import (
	"cmp"
	"fmt"
	"iter"
	"net/netip"
	"slices"
	"strings"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// The attribute kinds of a watchlist entry, as the store names them.
const (
	kindBirthDate   = store.KindBirthDate
	kindNationality = store.KindNationality
	kindProgram     = store.KindProgram
	kindEntityType  = store.KindEntityType
)

// MatchType says how a subject's value met an indicator.
type MatchType string

// Match types. Append, never rename: screening stores them in evidence.
const (
	// Exact: the canonical value (or one of its keys, such as an e-mail's
	// domain) equals the indicator's value.
	Exact MatchType = "exact"
	// CIDR: the subject's IP address lies in a listed range.
	CIDR MatchType = "cidr"
	// NameKey: the names have the same romanisation-aware key: the same
	// name in another romanisation, word order or hyphenation.
	NameKey MatchType = "name_key"
	// FuzzyName: the names are similar (Jaro-Winkler) without equal keys.
	FuzzyName MatchType = "fuzzy_name"
)

// DOBMatch says how the subject's birth date compares with the entry's.
type DOBMatch string

// Birth-date outcomes.
const (
	DOBExact    DOBMatch = "exact"    // equal to a listed date, as precisely as both know it
	DOBYear     DOBMatch = "year"     // the year (or year and month) agrees where one side gives no more
	DOBConflict DOBMatch = "conflict" // both known, none agrees
	DOBUnknown  DOBMatch = "unknown"  // the subject or the entry gives no date
)

// NationalityMatch says how the subject's nationality compares with the
// entry's. It only ever adjusts the confidence of a name match.
type NationalityMatch string

// Nationality outcomes.
const (
	NationalitySame      NationalityMatch = "same"
	NationalityDifferent NationalityMatch = "different"
	NationalityUnknown   NationalityMatch = "unknown"
)

// Query is what Match is asked about one subject.
type Query struct {
	// Identifiers are the subject's normalised identifiers
	// (subject.Identifiers); names are matched by name, the rest exactly.
	Identifiers []subject.Identifier
	// BirthDate is YYYY, YYYY-MM or YYYY-MM-DD, or empty.
	BirthDate string
	// Nationality is an ISO 3166 alpha-2 code, or empty.
	Nationality string
	// Entity is true when the subject is a company or other organisation;
	// a subject is a person otherwise. Names of persons only match entries
	// listed as individuals, and entity names only other entries, where
	// the entry's type is known.
	Entity bool
}

// Hit is one match of a subject's value to an indicator.
type Hit struct {
	// Attribute and Value are the subject's field and canonical value.
	Attribute string    `json:"attribute"`
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	Type      MatchType `json:"type"`
	// IndicatorKind, IndicatorValue and Label are what was matched: for a
	// name, the listed name as the source wrote it in Label.
	IndicatorKind  string `json:"indicator_kind"`
	IndicatorValue string `json:"indicator_value"`
	Label          string `json:"label,omitempty"`
	// Severity is the indicator's severity as its source gave it (info,
	// low, medium, high, critical), or empty.
	Severity string `json:"severity,omitempty"`
	// Source and SourceRef name the list and the entry.
	Source    string `json:"source"`
	SourceRef string `json:"source_ref"`
	// Programs are the entry's sanctions programmes, sorted. The slice is
	// shared with the index: do not modify it.
	Programs []string `json:"programs,omitempty"`
	// Similarity is the name similarity in [0,1]; 1 for a key match, 0
	// for non-name hits.
	Similarity  float64          `json:"similarity,omitempty"`
	DOB         DOBMatch         `json:"dob,omitempty"`
	Nationality NationalityMatch `json:"nationality,omitempty"`
	// Confidence is 0–100; see docs/MATCHING.md for the rules.
	Confidence  int    `json:"confidence"`
	Explanation string `json:"explanation"`
}

// Stats counts what an index holds.
type Stats struct {
	Indicators int // indicators read
	Entries    int // distinct (Source, SourceRef)
	Names      int // names in the name index
	Exact      int // values in the exact map
	Ranges     int // IP ranges in the range table
	// IgnoredShortPrefixes counts IP ranges shorter than /8 (IPv4) or /16
	// (IPv6), left out because they would match nearly everyone.
	IgnoredShortPrefixes int
}

type valueKey struct{ kind, value string }

// Index is an in-memory match index over indicators. Build it with
// NewIndex; it is immutable afterwards and safe for concurrent use.
type Index struct {
	text    arena
	inds    []indicator
	entries []entry
	extras  []entryExtra
	// exact maps exactHash of an indicator's kind and value to the first
	// indicator of its chain (indicator.next).
	exact  map[uint64]int32
	ranges prefixTable
	names  nameIndex
	stats  Stats
}

// NewIndex builds an index from indicators, e.g. store.Store.Indicators.
// It returns the first error the sequence yields.
func NewIndex(seq iter.Seq2[store.Indicator, error]) (*Index, error) {
	x := &Index{exact: map[uint64]int32{}, names: newNameIndex(), text: arena{word: map[string]uint16{}}}
	x.text.intern("") // word 0, the empty kind, severity or entity type
	entryOf := map[valueKey]int32{}
	last := map[uint64]int32{} // the last indicator of each chain, while building
	distinct := 0
	for in, err := range seq {
		if err != nil {
			return nil, fmt.Errorf("build match index: %w", err)
		}
		x.stats.Indicators++
		ek := valueKey{in.Source, in.SourceRef}
		e, ok := entryOf[ek]
		if !ok {
			src, err := x.text.intern(in.Source)
			if err != nil {
				return nil, err
			}
			ref, err := x.text.put(in.SourceRef)
			if err != nil {
				return nil, err
			}
			e = int32(len(x.entries))
			entryOf[ek] = e
			x.entries = append(x.entries, entry{source: src, ref: ref, extra: -1})
		}
		switch in.Kind {
		case kindBirthDate:
			ex := x.extraOf(e)
			ex.birthDates = appendUnique(ex.birthDates, in.Value)
			continue
		case kindNationality:
			ex := x.extraOf(e)
			ex.nationalities = appendUnique(ex.nationalities, in.Value)
			continue
		case kindProgram:
			ex := x.extraOf(e)
			ex.programs = appendUnique(ex.programs, in.Value)
			continue
		case kindEntityType:
			w, err := x.text.intern(strings.ToUpper(in.Value))
			if err != nil {
				return nil, err
			}
			x.entries[e].entityType = w
			continue
		}
		label := in.Label
		if label == in.Value {
			label = "" // most labels repeat the value; don't keep it twice
		}
		kind, err := x.text.intern(in.Kind)
		if err != nil {
			return nil, err
		}
		sev, err := x.text.intern(in.Severity)
		if err != nil {
			return nil, err
		}
		val, err := x.text.put(in.Value)
		if err != nil {
			return nil, err
		}
		lab, err := x.text.put(label)
		if err != nil {
			return nil, err
		}
		id := int32(len(x.inds))
		x.inds = append(x.inds, indicator{kind: kind, value: val, label: lab, severity: sev, entry: e, next: -1,
			confidence: int16(in.Confidence)})
		switch in.Kind {
		case string(normalize.KindName):
			if err := x.names.add(in.Value, id, e); err != nil {
				return nil, err
			}
			continue
		case string(normalize.KindIP):
			if p, err := netip.ParsePrefix(in.Value); err == nil && strings.Contains(in.Value, "/") {
				p = p.Masked()
				if p.Addr().Is4() && p.Bits() < minPrefixV4 || !p.Addr().Is4() && p.Bits() < minPrefixV6 {
					x.stats.IgnoredShortPrefixes++
					continue
				}
				x.ranges.add(p, id)
				x.stats.Ranges++
				continue
			}
		}
		h := exactHash(in.Kind, in.Value)
		if prev, ok := last[h]; ok {
			seen := false
			x.eachExact(in.Kind, in.Value, func(int32) { seen = true })
			if !seen {
				distinct++
			}
			x.inds[prev].next = id
		} else {
			x.exact[h] = id
			distinct++
		}
		last[h] = id
	}
	for i := range x.extras {
		slices.Sort(x.extras[i].programs)
		slices.Sort(x.extras[i].birthDates)
		slices.Sort(x.extras[i].nationalities)
	}
	for i := range x.names.names {
		r := &x.names.names[i]
		switch x.text.words[x.entries[r.entry].entityType] {
		case "":
		case "INDIVIDUAL":
			r.kind = typePerson
		default:
			r.kind = typeOther
		}
	}
	x.names.finish()
	x.stats.Entries = len(x.entries)
	x.stats.Names = len(x.names.names)
	x.stats.Exact = distinct
	return x, nil
}

// NewIndexFromSlice builds an index from a slice of indicators.
func NewIndexFromSlice(inds []store.Indicator) *Index {
	x, _ := NewIndex(func(yield func(store.Indicator, error) bool) {
		for _, in := range inds {
			if !yield(in, nil) {
				return
			}
		}
	})
	return x
}

// Stats returns what the index holds.
func (x *Index) Stats() Stats { return x.stats }

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// Match returns every hit of q's identifiers, sorted by confidence
// (highest first), then attribute, source, source ref and indicator value,
// so equal queries give equal output.
func (x *Index) Match(q Query) []Hit {
	var hits []Hit
	for _, id := range q.Identifiers {
		switch id.Kind {
		case normalize.KindName:
			hits = x.matchName(hits, q, id)
		case normalize.KindIP:
			hits = x.matchExact(hits, id, string(id.Kind), id.Canonical, Exact)
			if a, err := netip.ParseAddr(id.Canonical); err == nil {
				x.ranges.lookup(a, func(p netip.Prefix, inds []int32) {
					for _, i := range inds {
						hits = append(hits, x.exactHit(id, i, CIDR))
					}
				})
			}
		default:
			hits = x.matchExact(hits, id, string(id.Kind), id.Canonical, Exact)
			for _, k := range id.Keys {
				switch k.Kind {
				case "email_domain", "registrable_domain":
					// A listed (seized) domain matches an address or URL in it.
					hits = x.matchExact(hits, id, "domain", k.Value, Exact)
					if k.Kind == "email_domain" {
						hits = x.matchExact(hits, id, k.Kind, k.Value, Exact)
					}
				case "address_key":
					hits = x.matchExact(hits, id, k.Kind, k.Value, Exact)
				}
			}
		}
	}
	hits = dedupe(hits)
	slices.SortFunc(hits, compareHits)
	return hits
}

func compareHits(a, b Hit) int {
	return cmp.Or(
		cmp.Compare(b.Confidence, a.Confidence),
		cmp.Compare(b.Similarity, a.Similarity),
		cmp.Compare(a.Attribute, b.Attribute),
		cmp.Compare(a.Source, b.Source),
		cmp.Compare(a.SourceRef, b.SourceRef),
		cmp.Compare(a.IndicatorKind, b.IndicatorKind),
		cmp.Compare(a.IndicatorValue, b.IndicatorValue),
		cmp.Compare(a.Type, b.Type),
	)
}

// dedupe keeps one hit per (attribute, indicator kind and value, entry):
// an e-mail's domain key may find the same domain indicator its canonical
// value's domain lookup found.
func dedupe(hits []Hit) []Hit {
	if len(hits) < 2 {
		return hits
	}
	slices.SortFunc(hits, compareHits)
	type k struct{ attr, ik, iv, src, ref string }
	seen := make(map[k]bool, len(hits))
	out := hits[:0]
	for _, h := range hits {
		key := k{h.Attribute, h.IndicatorKind, h.IndicatorValue, h.Source, h.SourceRef}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, h)
	}
	return out
}

func (x *Index) matchExact(hits []Hit, id subject.Identifier, kind, value string, t MatchType) []Hit {
	x.eachExact(kind, value, func(i int32) { hits = append(hits, x.exactHit(id, i, t)) })
	return hits
}

// exactHit reports an identifier match. Its confidence is the indicator's
// own (the source's trust in it, 90 when the source gives none); a range
// wider than a /24 (IPv4) or /48 (IPv6) loses 20, since it covers many
// unrelated hosts.
func (x *Index) exactHit(id subject.Identifier, i int32, t MatchType) Hit {
	in := x.indOf(i)
	e := x.entryOf(in.entry)
	conf := int(in.confidence)
	if conf <= 0 || conf > 100 {
		conf = 90
	}
	how := "equals"
	if t == CIDR {
		how = "lies in"
		if p, err := netip.ParsePrefix(in.value); err == nil &&
			(p.Addr().Is4() && p.Bits() < 24 || !p.Addr().Is4() && p.Bits() < 48) {
			conf = max(conf-20, 0)
		}
	}
	label := in.label
	if label == "" {
		label = in.value
	}
	expl := fmt.Sprintf("%s %q %s %s %q listed by %s %s", id.Kind, id.Canonical, how, in.kind, label, e.source, e.ref)
	if len(e.programs) > 0 {
		expl += ", programme " + strings.Join(e.programs, ", ")
	}
	return Hit{Attribute: id.Attribute, Kind: string(id.Kind), Value: id.Canonical, Type: t,
		IndicatorKind: in.kind, IndicatorValue: in.value, Label: in.label, Severity: in.severity,
		Source: e.source, SourceRef: e.ref, Programs: e.programs,
		Confidence: conf, Explanation: expl}
}
