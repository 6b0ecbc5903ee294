package screen

import (
	"cmp"
	"slices"

	"github.com/cespare/xxhash/v2"

	"github.com/ringfence/ringfence/internal/neardup"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/subject"
)

// linkKinds are the identifier kinds that link subjects. Names are not
// among them: two people may share a name, and a different name is what
// makes a shared value suspicious in the first place. Keys (e-mail
// domains, registrable domains) are not either: thousands share gmail.com.
var linkKinds = map[normalize.Kind]bool{
	normalize.KindEmail: true, normalize.KindPhone: true, normalize.KindAddress: true,
	normalize.KindIDDocument: true, normalize.KindBankAccount: true, normalize.KindWallet: true,
	normalize.KindIP: true, normalize.KindDevice: true, normalize.KindURL: true,
}

// entangling kinds are those whose sharing ties a persona to an operator:
// what a ring's personas reuse (SIGNALS.md), and what a family or flat
// rarely shares with strangers. A record holding one of them together with
// a few others is entangled (Batch.entangled).
var entanglingKinds = map[normalize.Kind]bool{
	normalize.KindBankAccount: true, normalize.KindWallet: true, normalize.KindPhone: true,
	normalize.KindEmail: true, normalize.KindDevice: true, normalize.KindURL: true,
}

// maxEntangling is the most holders a value may have and still entangle
// them: past it, a shared value is a placeholder or an intermediary.
const maxEntangling = 20

// maxExamined bounds the others examined per shared value: a co-working
// IP held by 5,000 people is counted, not compared 5,000 times per member.
// maxListed bounds the ids a hit names.
const (
	maxExamined = 1000
	maxListed   = 10
)

// person is what linking needs to know about a subject to tell a ring from
// a family: who it claims to be and where it lives.
type person struct {
	id    string
	names []uint64 // name keys of the name and aliases; the name first
	dob   string
	homes []uint64 // home address values
}

// valueHash identifies a linkable value: kind and canonical form, hashed
// stably (xxhash; the batch never leaves the process, but equal inputs
// must give equal output on every run).
func valueHash(kind normalize.Kind, canonical string) uint64 {
	d := xxhash.New()
	d.WriteString(string(kind))
	d.Write([]byte{0})
	d.WriteString(canonical)
	return d.Sum64()
}

func nameHash(v normalize.Value) uint64 {
	for _, k := range v.Keys {
		if k.Kind == "name_key" && k.Value != "" {
			return xxhash.Sum64String(k.Value)
		}
	}
	return xxhash.Sum64String(v.Canonical)
}

func isHome(role string) bool { return role == "home" || role == "" }

// personOf reads a person from a record and its identifiers.
func personOf(rec *subject.Record, ids []subject.Identifier) person {
	p := person{id: rec.ID, dob: rec.BirthDate}
	for i := range ids {
		id := &ids[i]
		switch {
		case id.Kind == normalize.KindName && id.Attribute == "name":
			p.names = append([]uint64{nameHash(id.Value)}, p.names...)
		case id.Kind == normalize.KindName:
			p.names = append(p.names, nameHash(id.Value))
		case id.Kind == normalize.KindAddress && isHome(id.Role):
			p.homes = append(p.homes, valueHash(id.Kind, id.Canonical))
		}
	}
	return p
}

// Prepared is what the first pass over an input keeps of a record.
// Shingles are the resume's, which the first pass counts and the record
// carries to the resume pass (see Batch.SignResume).
type Prepared struct {
	person   person
	values   []valueRef
	Shingles []uint64
}

type valueRef struct {
	h          uint64
	entangling bool
}

// Prepare computes what linking needs of one record; it is safe to call
// from many goroutines.
func Prepare(rec *subject.Record, ids []subject.Identifier) Prepared {
	p := Prepared{person: personOf(rec, ids)}
	for i := range ids {
		if k := ids[i].Kind; linkKinds[k] {
			p.values = append(p.values, valueRef{valueHash(k, ids[i].Canonical), entanglingKinds[k]})
		}
	}
	slices.SortFunc(p.values, func(a, b valueRef) int { return cmp.Compare(a.h, b.h) })
	p.values = slices.CompactFunc(p.values, func(a, b valueRef) bool { return a.h == b.h })
	if rec.ResumeText != "" {
		if sh, ok := neardup.Shingles(nil, rec.ResumeText, rec.Name); ok {
			p.Shingles = sh
		}
	}
	return p
}

// BatchBuilder gathers the prepared records of one input. Add is called
// from one goroutine.
type BatchBuilder struct {
	people []person
	pairs  []pair
	df     *neardup.DocFreq
}

type pair struct {
	h          uint64
	rec        uint32
	entangling bool
}

// NewBatchBuilder returns an empty builder.
func NewBatchBuilder() *BatchBuilder { return &BatchBuilder{df: neardup.NewDocFreq()} }

// Add records the record numbered recno (0, 1, 2, … in input order; any
// order of calls).
func (b *BatchBuilder) Add(recno int, p Prepared) {
	if recno >= len(b.people) {
		b.people = slices.Grow(b.people, recno+1-len(b.people))[:recno+1]
	}
	b.people[recno] = p.person
	for _, v := range p.values {
		b.pairs = append(b.pairs, pair{v.h, uint32(recno), v.entangling})
	}
	if len(p.Shingles) > 0 {
		b.df.Add(p.Shingles)
	}
}

// Build sorts what was gathered into a Batch. Values only one record holds
// are dropped: they link nothing within the input.
func (b *BatchBuilder) Build() *Batch {
	slices.SortFunc(b.pairs, func(x, y pair) int { return cmp.Or(cmp.Compare(x.h, y.h), cmp.Compare(x.rec, y.rec)) })
	bt := &Batch{people: b.people, df: b.df, resumes: neardup.NewIndex(), sigs: map[uint32]neardup.Signature{},
		entangled: make([]uint8, len(b.people))}
	for i := 0; i < len(b.pairs); {
		j := i + 1
		for j < len(b.pairs) && b.pairs[j].h == b.pairs[i].h {
			j++
		}
		if j-i > 1 {
			bt.keys = append(bt.keys, b.pairs[i].h)
			bt.offs = append(bt.offs, uint32(len(bt.recs)))
			for _, p := range b.pairs[i:j] {
				bt.recs = append(bt.recs, p.rec) // Prepare left each value once per record
				if p.entangling && j-i <= maxEntangling && bt.entangled[p.rec] < 255 {
					bt.entangled[p.rec]++
				}
			}
		}
		i = j
	}
	bt.offs = append(bt.offs, uint32(len(bt.recs)))
	b.pairs = nil
	return bt
}

// Batch is one input's records as linking sees them: for every value held
// by two or more records, which ones. Read-only; safe for concurrent use.
type Batch struct {
	people []person
	keys   []uint64 // sorted
	offs   []uint32 // holders of keys[i] are recs[offs[i]:offs[i+1]]
	recs   []uint32
	// Resumes are signed once the whole input's phrase frequencies are
	// known (df), leaving stock phrases out, then indexed.
	df      *neardup.DocFreq
	resumes *neardup.Index
	sigs    map[uint32]neardup.Signature
	// entangled counts, per record, its values of entangling kinds that
	// 2 to maxEntangling records hold.
	entangled []uint8
	idSet
}

// SignResume signs one record's resume shingles against the input's phrase
// frequencies. Safe for concurrent use.
func (b *Batch) SignResume(shingles []uint64) (neardup.Signature, bool) {
	if len(shingles) == 0 {
		return neardup.Signature{}, false
	}
	return neardup.SignShingles(shingles, b.df)
}

// AddResume indexes record recno's signature. Called from one goroutine,
// after Build and before the first Screen.
func (b *Batch) AddResume(recno int, sig neardup.Signature) {
	b.resumes.Add(uint32(recno), sig)
	b.sigs[uint32(recno)] = sig
}

// Len returns the number of records in the batch.
func (b *Batch) Len() int {
	if b == nil {
		return 0
	}
	return len(b.people)
}

func (b *Batch) holders(h uint64) []uint32 {
	if b == nil {
		return nil
	}
	i, ok := slices.BinarySearch(b.keys, h)
	if !ok {
		return nil
	}
	return b.recs[b.offs[i]:b.offs[i+1]]
}

// relation is how another subject stands to the one screened.
type relation struct {
	differentName, differentIdentity, samePerson, unrelated bool
}

func relate(self, other *person) relation {
	// A record without a name (a payee account, say) differs from no one:
	// a missing name is not evidence of another identity.
	// A name or alias in common is the same name: a maiden name given as
	// an alias, a transliteration listed beside the name.
	sameName := len(self.names) == 0 || len(other.names) == 0
	for _, n := range self.names {
		if !sameName && slices.Contains(other.names, n) {
			sameName = true
		}
	}
	sameDOB := self.dob == "" || other.dob == "" || self.dob == other.dob
	household := false
	for _, h := range self.homes {
		if slices.Contains(other.homes, h) {
			household = true
			break
		}
	}
	return relation{
		differentName:     !sameName,
		differentIdentity: !sameName || !sameDOB,
		samePerson:        sameName && sameDOB,
		unrelated:         !sameName && !household,
	}
}

func (l *Link) count(r relation) {
	l.Counted++
	if r.differentName {
		l.DifferentNames++
	}
	if r.differentIdentity {
		l.DifferentIdentities++
	}
	if r.samePerson {
		l.SamePerson++
	}
	if r.unrelated {
		l.Unrelated++
	}
}
