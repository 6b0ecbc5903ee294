package match

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// The index holds a million indicators and more, and the garbage collector
// marks every pointer of the heap at each cycle: with a string (or two)
// per field of every indicator that was millions of objects, a third of the
// CPU of a loaded API server and of batch screening. So indicators and
// entries are kept pointer-free: their text is in one byte arena addressed
// by spans, their few distinct kinds, severities and sources are numbers
// into a word list, and the exact-value table maps a 64-bit hash to the
// first indicator of a chain (collisions are resolved by comparing the
// text). Views (indView, entryView) give strings back without copying: the
// arena is never written once the index is built.

// span is a string in the arena.
type span struct{ off, n uint32 }

// arena is append-only text while the index is built.
type arena struct {
	text  []byte
	words []string          // distinct small strings: kinds, severities, sources
	word  map[string]uint16 // while building
}

func (a *arena) put(s string) (span, error) {
	if s == "" {
		return span{}, nil
	}
	if len(a.text)+len(s) > math.MaxUint32 {
		return span{}, fmt.Errorf("match index text over 4 GiB")
	}
	sp := span{uint32(len(a.text)), uint32(len(s))}
	a.text = append(a.text, s...)
	return sp, nil
}

func (a *arena) str(sp span) string {
	if sp.n == 0 {
		return ""
	}
	return unsafe.String(&a.text[sp.off], int(sp.n))
}

func (a *arena) intern(s string) (uint16, error) {
	if w, ok := a.word[s]; ok {
		return w, nil
	}
	if len(a.words) == math.MaxUint16 {
		return 0, fmt.Errorf("match index: more than %d distinct kinds, severities and sources", math.MaxUint16)
	}
	a.word[s] = uint16(len(a.words))
	a.words = append(a.words, s)
	return uint16(len(a.words) - 1), nil
}

// indicator is the part of a store.Indicator a hit reports.
type indicator struct {
	value, label   span
	kind, severity uint16 // words
	entry          int32
	next           int32 // the next indicator of the same exact-value hash, -1
	confidence     int16
}

// indView is an indicator with its text.
type indView struct {
	kind, value, label, severity string
	entry                        int32
	confidence                   int16
}

func (x *Index) indOf(i int32) indView {
	in := &x.inds[i]
	return indView{kind: x.text.words[in.kind], value: x.text.str(in.value), label: x.text.str(in.label),
		severity: x.text.words[in.severity], entry: in.entry, confidence: in.confidence}
}

// entry is a watchlist entry (a Source and SourceRef): what its names and
// identifiers share. The attributes only sanctions entries have are kept
// aside, in extras.
type entry struct {
	ref        span
	source     uint16 // words
	entityType uint16 // words; 0 is ""
	extra      int32  // index into extras, -1 when none
}

type entryExtra struct {
	birthDates, nationalities, programs []string
}

// entryView is an entry with its text.
type entryView struct {
	source, ref                         string
	birthDates, nationalities, programs []string
	entityType                          string // INDIVIDUAL, ENTITY, VESSEL, … or ""
}

func (x *Index) entryOf(e int32) entryView {
	en := &x.entries[e]
	v := entryView{source: x.text.words[en.source], ref: x.text.str(en.ref), entityType: x.text.words[en.entityType]}
	if en.extra >= 0 {
		ex := &x.extras[en.extra]
		v.birthDates, v.nationalities, v.programs = ex.birthDates, ex.nationalities, ex.programs
	}
	return v
}

// extraOf returns entry e's extras, making them on first use.
func (x *Index) extraOf(e int32) *entryExtra {
	en := &x.entries[e]
	if en.extra < 0 {
		en.extra = int32(len(x.extras))
		x.extras = append(x.extras, entryExtra{})
	}
	return &x.extras[en.extra]
}

func exactHash(kind, value string) uint64 {
	// A Digest on the stack: xxhash.New would allocate one per lookup.
	var d xxhash.Digest
	d.Reset()
	d.WriteString(kind)
	d.WriteString("\x00")
	d.WriteString(value)
	return d.Sum64()
}

// eachExact calls f with every indicator of kind and value, in the order
// they were added.
func (x *Index) eachExact(kind, value string, f func(i int32)) {
	i, ok := x.exact[exactHash(kind, value)]
	for ok && i >= 0 {
		in := &x.inds[i]
		if x.text.words[in.kind] == kind && x.text.str(in.value) == value {
			f(i)
		}
		i = in.next
	}
}
