package match

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/normalize/korean"
	"github.com/ringfence/ringfence/internal/subject"
)

// fuzzyThreshold is the least Jaro-Winkler similarity, on sorted words or on
// romanisation keys, at which two names without equal keys are reported.
// Korean names are short and share few syllables, so a lower cut-off lets
// in names that differ in a whole syllable; the recall and common-name
// figures in docs/MATCHING.md were measured with this value.
const fuzzyThreshold = 0.90

// nameIndex finds candidate names for a query name without scanning all
// names: by equal name_key, and by shared units — the romanisation-aware
// syllables of Korean words (korean.Syllables: Hyeon, Hyon and Hyun are
// all HYON) and the words and 4-letter prefixes of other words. Candidates
// are then scored with Jaro-Winkler.
type nameIndex struct {
	names []nameRec
	// text holds the names' keys and sorted words (nameRec.key, .tokens).
	text arena
	// byKey and units map a 64-bit hash of a name_key or a unit to its
	// posting list in post: names in id order. Built in buildKey and
	// buildUnits, then packed by finish so that the index holds no
	// pointers for the garbage collector to mark (see arena.go). Two
	// strings of one hash share a list: that costs a few more candidates
	// to score, never a wrong match.
	byKey, units         map[uint64]plist
	post                 []int32
	buildKey, buildUnits map[uint64][]int32
	// bits holds, for units in more than denseUnit names, the set of their
	// names as a bitset, so checking a candidate against a long list is one
	// memory read instead of a binary search.
	bits map[uint64][]uint64
	pool sync.Pool // *nameScratch, sized to names
}

// plist is a posting list in nameIndex.post.
type plist struct{ off, n uint32 }

type nameRec struct {
	ind, entry int32
	key        span // name_key
	tokens     span // name_tokens: the words sorted
	words      int32
	// kind is the entry's type as typeUnknown, typePerson or typeOther,
	// copied here so filtering a candidate does not read its entry.
	kind uint8
}

const (
	typeUnknown uint8 = iota
	typePerson
	typeOther
)

type nameScratch struct {
	count   []uint8
	touched []int32
}

func newNameIndex() nameIndex {
	return nameIndex{buildKey: map[uint64][]int32{}, buildUnits: map[uint64][]int32{}}
}

func (n *nameIndex) key(id int32) string    { return n.text.str(n.names[id].key) }
func (n *nameIndex) tokens(id int32) string { return n.text.str(n.names[id].tokens) }

func (n *nameIndex) add(value string, ind, entry int32) error {
	v, err := normalize.Name(value)
	if err != nil {
		return nil // a listed name that no longer normalises cannot match one that does
	}
	key, tokens := v.Key("name_key"), v.Key("name_tokens")
	ks, err := n.text.put(key)
	if err != nil {
		return err
	}
	ts, err := n.text.put(tokens)
	if err != nil {
		return err
	}
	id := int32(len(n.names))
	n.names = append(n.names, nameRec{ind: ind, entry: entry, key: ks, tokens: ts,
		words: int32(strings.Count(v.Canonical, " ") + 1)})
	h := xxhash.Sum64String(key)
	n.buildKey[h] = append(n.buildKey[h], id)
	for _, u := range joinedUnits(nameUnits(nil, v.Canonical), v.Canonical) {
		h := xxhash.Sum64String(u)
		if l := n.buildUnits[h]; len(l) == 0 || l[len(l)-1] != id {
			n.buildUnits[h] = append(l, id)
		}
	}
	return nil
}

// list returns a posting list.
func (n *nameIndex) list(m map[uint64]plist, s string) []int32 {
	p, ok := m[xxhash.Sum64String(s)]
	if !ok {
		return nil
	}
	return n.post[p.off : p.off+p.n]
}

// joinedUnits adds, for a listed name, the units its runs of two or three
// adjacent words make when written as one word, so that a query writing a
// given name or patronymic joined (Chen Meihsiang for CHEN Mei-hsiang,
// Mikhailyurevich) shares its units with the listed name. Only the index
// gets them: a query's joined word is one unit already. Korean names need
// none: their units are syllables, which do not care where words are cut.
func joinedUnits(units []string, canonical string) []string {
	words := strings.Fields(canonical)
	for i := range words {
		for k := 2; k <= 3 && i+k <= len(words); k++ {
			w := strings.Join(words[i:i+k], "")
			if _, korean := korean.Syllables(w); korean && isASCII(w) {
				continue
			}
			for _, u := range []string{w, w[:min(4, len(w))] + "~"} {
				if !slices.Contains(units, u) {
					units = append(units, u)
				}
			}
		}
	}
	return units
}

// denseUnit is the posting length from which a unit also gets a bitset
// (6 KB for the SDN list's 48,000 names; a few hundred units qualify).
const denseUnit = 256

func (n *nameIndex) finish() {
	size := len(n.names)
	n.byKey, n.units = n.pack(n.buildKey), n.pack(n.buildUnits)
	n.bits = map[uint64][]uint64{}
	for h, l := range n.buildUnits {
		if len(l) < denseUnit {
			continue
		}
		b := make([]uint64, (size+63)/64)
		for _, id := range l {
			b[id/64] |= 1 << (id % 64)
		}
		n.bits[h] = b
	}
	n.buildKey, n.buildUnits = nil, nil
	n.pool.New = func() any { return &nameScratch{count: make([]uint8, size)} }
}

// pack moves posting lists into post.
func (n *nameIndex) pack(m map[uint64][]int32) map[uint64]plist {
	out := make(map[uint64]plist, len(m))
	for h, l := range m {
		out[h] = plist{uint32(len(n.post)), uint32(len(l))}
		n.post = append(n.post, l...)
	}
	return out
}

// nameUnits appends the distinct units of a canonical name.
func nameUnits(units []string, canonical string) []string {
	add := func(u string) {
		if !slices.Contains(units, u) {
			units = append(units, u)
		}
	}
	for w := range strings.FieldsSeq(canonical) {
		if syl, ok := korean.Syllables(w); ok && isASCII(w) {
			for _, s := range syl {
				add(s) // upper case: never equal to a word unit
			}
			continue
		}
		// The word, and its first four letters, which survive most
		// misspellings of a long word. A word thus counts twice, which
		// candidates' "all but one unit" rule relies on: a Western name
		// must share its words, not just one prefix.
		add(w)
		if len(w) > 4 {
			add(w[:4] + "~")
		}
	}
	return units
}

// candidates returns the ids of names sharing the query's key or all but
// one of its units (at least two; one when it has only one): a misspelling
// spoils one syllable or word, and sharing only a surname and one syllable
// (Kim Min Jun, Kim Min Chol) is not worth scoring.
//
// Units like KIM, I (Ri, Lee, Yi) or AL (Arabic al-, which reads as a
// Korean syllable) are in thousands of names, so counting every posting
// list would cost more than the scoring. A name sharing need of k units
// must appear in one of the k−need+1 shortest lists (prefix filtering), so
// only those are counted; the names found there are then looked up in the
// longer lists, in a bitset or by binary search (postings are sorted by
// name id).
func (n *nameIndex) candidates(key string, units []string, out []int32) []int32 {
	out = append(out, n.list(n.byKey, key)...)
	if len(n.names) == 0 || len(units) == 0 {
		return out
	}
	var listBuf [16]posting
	lists := listBuf[:0]
	for _, u := range units {
		if l := n.list(n.units, u); len(l) > 0 {
			lists = append(lists, posting{l, n.bits[xxhash.Sum64String(u)]})
		}
	}
	slices.SortFunc(lists, func(a, b posting) int { return len(a.ids) - len(b.ids) })
	keyed := len(out)
	for need := max(min(2, len(units)), len(units)-1); need <= len(lists); need++ {
		out = n.sharing(lists, need, out[:keyed])
		// Short names of frequent syllables (Anna Lee: A, NA, I) share
		// all but one with thousands of names; asking for one more unit
		// keeps the scoring bounded without losing the closest names.
		if len(out)-keyed <= maxCandidates {
			break
		}
	}
	return out
}

// maxCandidates bounds the names scored per query name, beyond key hits.
const maxCandidates = 200

type posting struct {
	ids  []int32
	bits []uint64
}

// sharing appends the names in at least need of lists, which are sorted
// shortest first.
func (n *nameIndex) sharing(lists []posting, need int, out []int32) []int32 {
	rare := len(lists) - need + 1
	s := n.pool.Get().(*nameScratch)
	for _, l := range lists[:rare] {
		for _, id := range l.ids {
			if s.count[id] == 0 {
				s.touched = append(s.touched, id)
			}
			if s.count[id] < 255 {
				s.count[id]++
			}
		}
	}
	for _, id := range s.touched {
		c := int(s.count[id])
		for _, l := range lists[rare:] {
			if c >= need {
				break
			}
			if l.bits != nil {
				if l.bits[id/64]&(1<<(id%64)) != 0 {
					c++
				}
			} else if _, ok := slices.BinarySearch(l.ids, id); ok {
				c++
			}
		}
		if c >= need {
			out = append(out, id)
		}
		s.count[id] = 0
	}
	s.touched = s.touched[:0]
	n.pool.Put(s)
	return out
}

// nameScore is a scored candidate.
type nameScore struct {
	id  int32
	sim float64
	typ MatchType
}

func (x *Index) matchName(hits []Hit, q Query, id subject.Identifier) []Hit {
	key, tokens := id.Key("name_key"), id.Key("name_tokens")
	if key == "" || tokens == "" {
		return hits
	}
	var unitBuf [16]string
	units := nameUnits(unitBuf[:0], id.Canonical)
	words := strings.Count(id.Canonical, " ") + 1
	var candBuf [64]int32
	cands := x.names.candidates(key, units, candBuf[:0])
	// best per entry: one hit per listed party, from its closest name.
	var bestBuf [16]nameScore
	best := bestBuf[:0]
	for _, c := range cands {
		r := &x.names.names[c]
		if r.kind == typePerson && q.Entity || r.kind == typeOther && !q.Entity {
			continue
		}
		s := nameScore{id: c, sim: 1, typ: NameKey}
		if x.names.key(c) != key {
			s.typ = FuzzyName
			// Sorted words catch reordering, keys romanisation, written
			// order a given name joined or split (Vasili Aleksandrovich).
			if s.sim = jaroWinkler(tokens, x.names.tokens(c)); s.sim < fuzzyThreshold {
				s.sim = max(s.sim, jaroWinkler(key, x.names.key(c)))
			}
			if s.sim < fuzzyThreshold && int(r.words) != words {
				s.sim = max(s.sim, jaroWinkler(id.Canonical, x.text.str(x.inds[r.ind].value)))
			}
			if s.sim < fuzzyThreshold {
				continue
			}
		}
		i := slices.IndexFunc(best, func(b nameScore) bool { return x.names.names[b.id].entry == r.entry })
		switch {
		case i < 0:
			best = append(best, s)
		case s.sim > best[i].sim || s.sim == best[i].sim && x.names.tokens(s.id) == tokens:
			best[i] = s
		}
	}
	for _, s := range best {
		hits = append(hits, x.nameHit(q, id, s, tokens))
	}
	return hits
}

// nameHit weighs a name match by birth date and nationality. The rules
// (docs/MATCHING.md): a name alone is at most 60, never "high" (70);
// an agreeing birth date lifts it to 80 (year) or 90 (exact); a
// conflicting one caps it at 25, since a namesake with another birth date
// is the commonest false positive for Korean names. Nationality moves an
// existing name match by +5 or −10 and is never a match by itself.
func (x *Index) nameHit(q Query, id subject.Identifier, s nameScore, tokens string) Hit {
	r := &x.names.names[s.id]
	in := x.indOf(r.ind)
	e := x.entryOf(r.entry)
	conf := 60
	if s.typ == FuzzyName && s.sim < 0.97 {
		conf = 40 + int((s.sim-fuzzyThreshold)/(0.97-fuzzyThreshold)*15)
	}
	dob, _ := compareDOB(q.BirthDate, e.birthDates)
	switch dob {
	case DOBExact:
		conf += 30
	case DOBYear:
		conf += 20
	case DOBConflict:
		conf = min(conf, 25)
	}
	nat := compareNationality(q.Nationality, e.nationalities)
	switch nat {
	case NationalitySame:
		conf += 5
	case NationalityDifferent:
		conf -= 10
	}
	conf = min(max(conf, 0), 100)

	label := in.label
	if label == "" {
		label = in.value
	}
	var b strings.Builder
	fmt.Fprintf(&b, "name %q matches %s %s %q", id.Canonical, e.source, e.ref, label)
	switch {
	case s.typ == NameKey && x.names.tokens(s.id) == tokens:
		b.WriteString(" (same name)")
	case s.typ == NameKey:
		b.WriteString(" (romanisation variant)")
	default:
		fmt.Fprintf(&b, " (similar spelling, %.2f)", s.sim)
	}
	switch dob {
	case DOBExact:
		fmt.Fprintf(&b, ", born %s as listed", q.BirthDate)
	case DOBYear:
		fmt.Fprintf(&b, ", born %s, list gives %s", q.BirthDate, strings.Join(e.birthDates, ", "))
	case DOBConflict:
		fmt.Fprintf(&b, ", but born %s, list gives %s (likely a namesake)", q.BirthDate, strings.Join(e.birthDates, ", "))
	default:
		if q.BirthDate == "" {
			b.WriteString(", no birth date to compare")
		} else {
			b.WriteString(", list gives no birth date")
		}
	}
	switch nat {
	case NationalitySame:
		fmt.Fprintf(&b, ", nationality %s as listed", q.Nationality)
	case NationalityDifferent:
		fmt.Fprintf(&b, ", nationality %s, list gives %s", q.Nationality, strings.Join(e.nationalities, ", "))
	}
	if len(e.programs) > 0 {
		b.WriteString(", programme ")
		b.WriteString(strings.Join(e.programs, ", "))
	}
	return Hit{Attribute: id.Attribute, Kind: string(id.Kind), Value: id.Canonical, Type: s.typ,
		IndicatorKind: in.kind, IndicatorValue: in.value, Label: in.label, Severity: in.severity,
		Source: e.source, SourceRef: e.ref, Programs: e.programs,
		Similarity: s.sim, DOB: dob, Nationality: nat, Confidence: conf, Explanation: b.String()}
}

// compareDOB compares a subject's birth date with an entry's listed dates,
// each YYYY, YYYY-MM or YYYY-MM-DD, and returns the outcome and the listed
// date that decided it. Dates are compared as far as both know them: 1983
// and 1983-11-25 agree on the year; 1983-11-25 and 1983-11-26 conflict.
func compareDOB(subj string, listed []string) (DOBMatch, string) {
	if subj == "" || len(listed) == 0 {
		return DOBUnknown, ""
	}
	year := ""
	for _, l := range listed {
		n := min(len(l), len(subj))
		if n < 4 || l[:n] != subj[:n] {
			continue
		}
		if len(l) == len(subj) {
			return DOBExact, l
		}
		year = l
	}
	if year != "" {
		return DOBYear, year
	}
	return DOBConflict, ""
}

func compareNationality(subj string, listed []string) NationalityMatch {
	if subj == "" || len(listed) == 0 {
		return NationalityUnknown
	}
	if slices.Contains(listed, strings.ToUpper(subj)) {
		return NationalitySame
	}
	return NationalityDifferent
}
