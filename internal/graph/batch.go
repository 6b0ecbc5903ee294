// Package graph links subjects by the identifier values they share and
// finds the rings behind them.
//
// One mechanism serves screening and link analysis: Prepare reads what
// linking needs of a record, a Builder gathers an input's records into a
// Batch (every value two or more records hold, with its holders), and
// Relate tells how two subjects stand to each other — another name, the
// same person, a household. Screening counts a record's links from the
// Batch; Cluster turns the Batch into a weighted graph and its clusters.
package graph

import (
	"cmp"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/ringfence/ringfence/internal/neardup"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// linkKinds are the identifier kinds that link subjects, in a fixed order
// (a value's kind is stored as its index). Names are not among them: two
// people may share a name, and a different name is what makes a shared
// value suspicious in the first place. Keys (e-mail domains, registrable
// domains) are not either: thousands share gmail.com.
var linkKinds = []normalize.Kind{
	normalize.KindEmail, normalize.KindPhone, normalize.KindAddress, normalize.KindIDDocument,
	normalize.KindBankAccount, normalize.KindWallet, normalize.KindIP, normalize.KindDevice, normalize.KindURL,
	KindSite,
}

// KindSite is a suspected laptop-farm site that telemetry analysis found
// (internal/farm): the people whose company laptops were online there on
// the same days share it. It is not read from records; callers add it to
// the identifiers of the people a stored farm finding names (SiteLinks).
const KindSite normalize.Kind = "farm_site"

// Links says whether values of kind link subjects.
func Links(kind normalize.Kind) bool { return kindIndex(kind) >= 0 }

func kindIndex(kind normalize.Kind) int {
	for i, k := range linkKinds {
		if k == kind {
			return i
		}
	}
	return -1
}

// Entangling kinds are those whose sharing ties a persona to an operator:
// what a ring's personas reuse (SIGNALS.md), and what a family or flat
// rarely shares with strangers. A record holding one of them together with
// others is entangled (Batch.Entangled).
func Entangling(kind normalize.Kind) bool {
	switch kind {
	case normalize.KindBankAccount, normalize.KindWallet, normalize.KindPhone,
		normalize.KindEmail, normalize.KindDevice, normalize.KindURL:
		return true
	}
	return false
}

// MaxEntangling is the most holders a value may have and still entangle
// them: past it, a shared value is a placeholder or an intermediary.
const MaxEntangling = 20

// Person is what linking needs to know about a subject to tell a ring from
// a family: who it claims to be, where it lives, and when it arrived.
type Person struct {
	ID    string
	Names []uint64 // name keys of the name and aliases; the name first
	DOB   string
	Homes []uint64 // home address values (ValueHash)
	// Created is the record's created_at as Unix seconds and nanoseconds;
	// HasCreated says it was given. The oldest member names a cluster.
	Created     int64
	CreatedNsec int32
	HasCreated  bool
}

// ValueHash identifies a linkable value: kind and canonical form, hashed
// stably (xxhash; equal inputs must give equal output on every run).
func ValueHash(kind normalize.Kind, canonical string) uint64 {
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

// IsHome says whether an address role is a home: an address without a
// kind is taken for one.
func IsHome(role string) bool { return role == "home" || role == "" }

// setCreated reads created_at; seconds and nanoseconds, not UnixNano,
// which overflows past 2262 (a 9999-12-31 placeholder is a valid date).
func (p *Person) setCreated(s string) {
	if s = strings.TrimSpace(s); s == "" {
		return
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			p.Created, p.CreatedNsec, p.HasCreated = t.Unix(), int32(t.Nanosecond()), true
			return
		}
	}
}

// PersonOf reads a person from a record and its identifiers.
func PersonOf(rec *subject.Record, ids []subject.Identifier) Person {
	p := Person{ID: rec.ID, DOB: rec.BirthDate}
	p.setCreated(rec.CreatedAt)
	for i := range ids {
		id := &ids[i]
		switch {
		case id.Kind == normalize.KindName && id.Attribute == "name":
			p.Names = append([]uint64{nameHash(id.Value)}, p.Names...)
		case id.Kind == normalize.KindName:
			p.Names = append(p.Names, nameHash(id.Value))
		case id.Kind == normalize.KindAddress && IsHome(id.Role):
			p.Homes = append(p.Homes, ValueHash(id.Kind, id.Canonical))
		}
	}
	return p
}

// StoredPersonOf reads a person from a stored subject's identifiers, which
// hold its name keys and addresses whatever format the record came in, and
// its birth date and created_at from the raw record (a JSON record, or a
// CSV row as a JSON object: both name them alike).
func StoredPersonOf(sub store.Subject) Person {
	p := Person{ID: sub.ID}
	var raw struct {
		BirthDate json.RawMessage `json:"birth_date"`
		CreatedAt json.RawMessage `json:"created_at"`
	}
	if json.Unmarshal(sub.Raw, &raw) == nil {
		var s string
		if json.Unmarshal(raw.BirthDate, &s) == nil {
			p.DOB = strings.TrimSpace(s)
		}
		s = ""
		if json.Unmarshal(raw.CreatedAt, &s) == nil {
			p.setCreated(s)
		}
	}
	for _, id := range sub.Identifiers {
		switch {
		case id.Kind == "name_key" && id.Attribute == "name":
			p.Names = append([]uint64{xxhash.Sum64String(id.Value)}, p.Names...)
		case id.Kind == "name_key":
			p.Names = append(p.Names, xxhash.Sum64String(id.Value))
		case id.Kind == string(normalize.KindAddress) && IsHome(id.Role):
			p.Homes = append(p.Homes, ValueHash(normalize.KindAddress, id.Value))
		}
	}
	return p
}

// Roles a record gives an address value; one value may be both.
const (
	roleHome uint8 = 1 << iota
	roleShipping
	roleOther
)

func roleBit(kind normalize.Kind, role string) uint8 {
	if kind != normalize.KindAddress {
		return 0
	}
	switch {
	case IsHome(role):
		return roleHome
	case role == "shipping":
		return roleShipping
	}
	return roleOther
}

// Prepared is what the first pass over an input keeps of a record.
// Shingles are the resume's, which the first pass counts and the record
// carries to the resume pass (see Batch.SignResume).
type Prepared struct {
	Person   Person
	values   []valueRef
	Shingles []uint64
}

type valueRef struct {
	h    uint64
	kind uint8
	role uint8
}

// Prepare computes what linking needs of one record; it is safe to call
// from many goroutines.
func Prepare(rec *subject.Record, ids []subject.Identifier) Prepared {
	p := Prepared{Person: PersonOf(rec, ids)}
	for i := range ids {
		if k := kindIndex(ids[i].Kind); k >= 0 {
			p.values = append(p.values, valueRef{ValueHash(ids[i].Kind, ids[i].Canonical), uint8(k),
				roleBit(ids[i].Kind, ids[i].Role)})
		}
	}
	slices.SortFunc(p.values, func(a, b valueRef) int { return cmp.Compare(a.h, b.h) })
	// One entry a value, with every role the record gives it.
	out := p.values[:0]
	for _, v := range p.values {
		if n := len(out); n > 0 && out[n-1].h == v.h {
			out[n-1].role |= v.role
			continue
		}
		out = append(out, v)
	}
	p.values = out
	if rec.ResumeText != "" {
		if sh, ok := neardup.Shingles(nil, rec.ResumeText, rec.Name); ok {
			p.Shingles = sh
		}
	}
	return p
}

// Builder gathers the prepared records of one input, in record order, in
// chunks of consecutive records that can be filled off its goroutine.
// Its methods are called from one goroutine.
type Builder struct {
	// chunks are kept as they come: appending each to one growing array
	// on the builder's goroutine made that goroutine the bottleneck of
	// the first pass (a million records read in 30 s instead of 19).
	chunks []*Chunk
	next   int // the record number the next chunk starts at
	df     *neardup.DocFreq
}

// Chunk is a run of consecutive records prepared together. Its pairs and
// arena hold no pointers, so the collector never scans them: at a million
// records they are ten million entries.
type Chunk struct {
	first  int
	people []Person
	pairs  []pair
	// shingles are the resumes' phrases, counted when the chunk is added.
	shingles [][]uint64
}

type pair struct {
	h    uint64
	rec  uint32
	kind uint8
	role uint8
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder { return &Builder{df: neardup.NewDocFreq()} }

// NewChunk returns an empty chunk whose first record is numbered first.
func NewChunk(first int) *Chunk { return &Chunk{first: first} }

// Add appends the next record of the chunk. Safe to call on different
// chunks from different goroutines.
func (c *Chunk) Add(p Prepared) {
	recno := uint32(c.first + len(c.people))
	c.people = append(c.people, p.Person)
	for _, v := range p.values {
		c.pairs = append(c.pairs, pair{h: v.h, rec: recno, kind: v.kind, role: v.role})
	}
	if len(p.Shingles) > 0 {
		c.shingles = append(c.shingles, p.Shingles)
	}
}

// AddChunk takes a chunk whole; chunks come in record order, each starting
// where the one before ended. It panics otherwise: a gap would misnumber
// every record after it.
func (b *Builder) AddChunk(c *Chunk) {
	if c.first != b.next {
		panic(fmt.Sprintf("graph: chunk of records from %d added when %d was next", c.first, b.next))
	}
	b.next += len(c.people)
	for _, sh := range c.shingles {
		b.df.Add(sh)
	}
	c.shingles = nil
	b.chunks = append(b.chunks, c)
}

// Len returns the number of records added.
func (b *Builder) Len() int { return b.next }

// SignResume signs one record's resume shingles against the phrase
// frequencies of every record added, as Batch.SignResume does; it may run
// while Build does. Safe for concurrent use once adding is done.
func (b *Builder) SignResume(shingles []uint64) (neardup.Signature, bool) {
	if len(shingles) == 0 {
		return neardup.Signature{}, false
	}
	return neardup.SignShingles(shingles, b.df)
}

// Add adds record recno, the next one: a chunk of one record, for inputs
// held in memory.
func (b *Builder) Add(recno int, p Prepared) {
	c := NewChunk(recno)
	c.Add(p)
	b.AddChunk(c)
}

// Build sorts what was gathered into a Batch. Values only one record holds
// are dropped: they link nothing within the input.
func (b *Builder) Build() *Batch {
	// One array of pairs to sort, filled chunk by chunk, each chunk let go
	// as soon as it is copied. Values are hashes here; their canonical
	// forms are noted later, for the records that need them (NoteValues).
	var np int
	for _, c := range b.chunks {
		np += len(c.pairs)
	}
	people := make([]Person, 0, b.next)
	pairs := make([]pair, 0, np)
	for i, c := range b.chunks {
		people = append(people, c.people...)
		pairs = append(pairs, c.pairs...)
		b.chunks[i] = nil
	}
	b.chunks = nil
	sortPairs(pairs)
	bt := &Batch{people: people, df: b.df, resumes: neardup.NewIndex(), sigs: map[uint32]neardup.Signature{},
		entangled: make([]uint8, len(people))}
	for i := 0; i < len(pairs); {
		j := i + 1
		for j < len(pairs) && pairs[j].h == pairs[i].h {
			j++
		}
		if j-i > 1 {
			first := &pairs[i]
			bt.keys = append(bt.keys, first.h)
			bt.kinds = append(bt.kinds, first.kind)
			bt.offs = append(bt.offs, uint32(len(bt.recs)))
			entangling := Entangling(linkKinds[first.kind]) && j-i <= MaxEntangling
			for _, p := range pairs[i:j] {
				bt.recs = append(bt.recs, p.rec) // Prepare left each value once per record
				bt.roles = append(bt.roles, p.role)
				if entangling && bt.entangled[p.rec] < 255 {
					bt.entangled[p.rec]++
				}
			}
		}
		i = j
	}
	bt.offs = append(bt.offs, uint32(len(bt.recs)))
	bt.values = make([]string, len(bt.keys))
	return bt
}

// Batch is one input's records as linking sees them: for every value held
// by two or more records, its kind, canonical form and holders. Read-only
// once its resumes are added; safe for concurrent use.
type Batch struct {
	people []Person
	keys   []uint64 // sorted
	kinds  []uint8  // of keys[i]: an index in linkKinds
	values []string // canonical form of keys[i], once noted (NoteValues)
	offs   []uint32 // holders of keys[i] are recs[offs[i]:offs[i+1]]
	recs   []uint32
	roles  []uint8 // the role each holder gives an address value
	// Resumes are signed once the whole input's phrase frequencies are
	// known (df), leaving stock phrases out, then indexed.
	df      *neardup.DocFreq
	resumes *neardup.Index
	sigs    map[uint32]neardup.Signature
	// entangled counts, per record, its values of entangling kinds that
	// 2 to MaxEntangling records hold.
	entangled []uint8

	idsOnce sync.Once
	ids     map[string]uint32

	clusters  []Cluster
	clusterOf map[uint32]int32
}

// SignResume signs one record's resume shingles against the input's phrase
// frequencies. Safe for concurrent use.
func (b *Batch) SignResume(shingles []uint64) (neardup.Signature, bool) {
	if len(shingles) == 0 {
		return neardup.Signature{}, false
	}
	return neardup.SignShingles(shingles, b.df)
}

// KeyValue is the canonical form of one of the batch's shared values.
type KeyValue struct {
	key   int32
	value string
}

// SharedValues returns, for the identifiers of one record, the canonical
// forms of those the batch holds as shared values, for NoteValues. Safe for
// concurrent use.
func (b *Batch) SharedValues(ids []subject.Identifier) []KeyValue {
	var out []KeyValue
	for i := range ids {
		if !Links(ids[i].Kind) {
			continue
		}
		if k, ok := slices.BinarySearch(b.keys, ValueHash(ids[i].Kind, ids[i].Canonical)); ok {
			out = append(out, KeyValue{int32(k), ids[i].Canonical})
		}
	}
	return out
}

// NoteValues records canonical forms SharedValues found. The batch keeps
// only hashes from the first pass — a million records' values would
// otherwise be held twice while it is built — so what evidence and cluster
// reasons name is noted for the records that need it: cluster members, and
// a neighbourhood's subjects for a graph. Called from one goroutine.
func (b *Batch) NoteValues(kvs []KeyValue) {
	for _, kv := range kvs {
		if b.values[kv.key] == "" {
			b.values[kv.key] = kv.value
		}
	}
}

// GrowResumes makes room for n more resumes.
func (b *Batch) GrowResumes(n int) { b.resumes.Grow(n) }

// AddResume indexes record recno's signature. Called from one goroutine,
// after Build and before the batch is read.
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

// Person returns record recno's person.
func (b *Batch) Person(recno int) *Person { return &b.people[recno] }

// Holders returns the records holding the value hashed h (ValueHash), in
// record order; nil when fewer than two do.
func (b *Batch) Holders(h uint64) []uint32 {
	if b == nil {
		return nil
	}
	i, ok := slices.BinarySearch(b.keys, h)
	if !ok {
		return nil
	}
	return b.recs[b.offs[i]:b.offs[i+1]]
}

// Entangled returns how many of record recno's values of entangling kinds
// 2 to MaxEntangling records hold.
func (b *Batch) Entangled(recno int) int { return int(b.entangled[recno]) }

// NearResumes calls fn for every record whose resume is a near-duplicate
// of record recno's (recno itself included), with the estimated
// similarity.
func (b *Batch) NearResumes(recno int, fn func(other int, sim float64)) {
	if b == nil || b.resumes.Len() < 2 {
		return
	}
	sig, ok := b.sigs[uint32(recno)]
	if !ok {
		return
	}
	b.resumes.Near(sig, func(doc uint32, sim float64) { fn(int(doc), sim) })
}

// Index returns the record number of the record with id; the lookup table
// is built on first use, which only screening with a store and graph
// queries need.
func (b *Batch) Index(id string) (int, bool) {
	if b == nil {
		return 0, false
	}
	b.idsOnce.Do(func() {
		b.ids = make(map[string]uint32, len(b.people))
		for i := range b.people {
			b.ids[b.people[i].ID] = uint32(i)
		}
	})
	i, ok := b.ids[id]
	return int(i), ok
}

// Relation is how another subject stands to the one screened.
type Relation struct {
	DifferentName, DifferentIdentity, SamePerson, Household, Unrelated bool
}

// Relate says how other stands to self.
func Relate(self, other *Person) Relation {
	// A record without a name (a payee account, say) differs from no one:
	// a missing name is not evidence of another identity.
	// A name or alias in common is the same name: a maiden name given as
	// an alias, a transliteration listed beside the name.
	sameName := len(self.Names) == 0 || len(other.Names) == 0
	for _, n := range self.Names {
		if !sameName && slices.Contains(other.Names, n) {
			sameName = true
		}
	}
	sameDOB := self.DOB == "" || other.DOB == "" || self.DOB == other.DOB
	household := false
	for _, h := range self.Homes {
		if slices.Contains(other.Homes, h) {
			household = true
			break
		}
	}
	return Relation{
		DifferentName:     !sameName,
		DifferentIdentity: !sameName || !sameDOB,
		SamePerson:        sameName && sameDOB,
		Household:         household,
		Unrelated:         !sameName && !household,
	}
}

// BatchOf builds the batch of records held in memory, ids[i] being
// subject.Identifiers of recs[i], resumes signed and indexed. The CLI
// streams files through Prepare and a Builder instead.
func BatchOf(recs []subject.Record, ids [][]subject.Identifier) *Batch {
	prep := make([]Prepared, len(recs))
	bb := NewBuilder()
	for i := range recs {
		prep[i] = Prepare(&recs[i], ids[i])
		bb.Add(i, prep[i])
	}
	b := bb.Build()
	for i := range recs {
		if sig, ok := b.SignResume(prep[i].Shingles); ok {
			b.AddResume(i, sig)
		}
		b.NoteValues(b.SharedValues(ids[i]))
	}
	return b
}

func comparePairs(x, y pair) int {
	if x.h != y.h {
		return cmp.Compare(x.h, y.h)
	}
	return cmp.Compare(x.rec, y.rec)
}

// sortPairs sorts pairs by value, then record, in place: when there are
// enough to be worth it (ten million at a million records), partitioned
// around a sampled median and the two sides sorted on two cores.
func sortPairs(pairs []pair) {
	if len(pairs) < 1<<16 || runtime.GOMAXPROCS(0) < 2 {
		slices.SortFunc(pairs, comparePairs)
		return
	}
	// The pivot: the median of a spread sample (values are hashes, so
	// any spread sample is a fair one).
	sample := make([]pair, 0, 1025)
	for i := 0; i < len(pairs); i += len(pairs) / 1024 {
		sample = append(sample, pairs[i])
	}
	slices.SortFunc(sample, comparePairs)
	pivot := sample[len(sample)/2]
	// Lomuto partition: pairs before lo sort before the pivot.
	lo := 0
	for i := range pairs {
		if comparePairs(pairs[i], pivot) < 0 {
			pairs[lo], pairs[i] = pairs[i], pairs[lo]
			lo++
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(pairs[:lo], comparePairs) })
	slices.SortFunc(pairs[lo:], comparePairs)
	wg.Wait()
}

// SiteLinks are the farm sites stored farm findings name, as identifiers of
// the people they name (by subject id): laptops of several people online at
// one house on the same days link those people in the graph, with the
// site's place and dates as the shared value. Findings below medium (two
// households, a visit) link no one.
func SiteLinks(fs []store.Finding) map[string][]subject.Identifier {
	out := map[string][]subject.Identifier{}
	for _, f := range fs {
		if f.Source != store.SourceFarm || f.Kind != "farm" || f.Level == "low" || f.Level == "" {
			continue
		}
		var d struct {
			Location string `json:"location"`
		}
		_ = json.Unmarshal(f.Detail, &d)
		value := f.ID
		if d.Location != "" {
			value = d.Location
		}
		if !f.First.IsZero() {
			value += ", " + f.First.UTC().Format(time.DateOnly) + " to " + f.Last.UTC().Format(time.DateOnly)
		}
		out[f.SubjectID] = append(out[f.SubjectID], subject.Identifier{Attribute: "telemetry",
			Value: normalize.Value{Kind: KindSite, Canonical: value}})
	}
	return out
}
