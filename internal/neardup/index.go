package neardup

import (
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// Index finds near-duplicates among many signatures.
//
// Add is called from one goroutine while the index is built. The first
// Near after Adds sorts the band tables (about a second for a million
// documents); after that Near is safe for concurrent use by many
// goroutines, as long as no Add runs at the same time. An Add after Near is
// allowed but makes the next Near sort again.
//
// It keeps, per document, the document number (4 bytes), the signature (96
// bytes) and a 4-byte entry in each of the 12 band tables, plus 1.5 to 3
// bytes of prefix tables: 151 bytes a document measured at a million
// documents, after Grow. The band tables hold positions sorted by the
// band's bytes, which are read from the signature itself, rather than hash
// maps, which would cost several times more per entry.
//
// A query reads every document that agrees with it on a band, so its cost
// grows with how much text documents share: about 12 documents at a
// million texts of random words, about 3000 at a million synthetic resumes
// built from a few stock phrases, and 17 at the same resumes signed with
// SignShingles and a DocFreq, which leaves the stock phrases out.
type Index struct {
	docs []uint32
	sigs []Signature

	mu     sync.Mutex  // serialises sorting
	sorted atomic.Bool // tables and starts describe all of sigs
	tables [bands][]uint32
	// starts[b][p] is the first place in tables[b] whose band value has
	// top bits p (band >> shift), so a lookup binary-searches only a few
	// entries, each of which costs a read of a signature.
	starts [bands][]uint32
	shift  uint
}

// NewIndex returns an empty index.
func NewIndex() *Index { return &Index{} }

// Grow makes room for n more documents, so that building a large index
// does not leave a quarter of its signatures' memory as spare capacity.
func (x *Index) Grow(n int) {
	x.docs = slices.Grow(x.docs, n)
	x.sigs = slices.Grow(x.sigs, n)
}

// Len returns the number of signatures added.
func (x *Index) Len() int { return len(x.sigs) }

// Add adds the signature of document doc. The zero Signature, which Sign
// returns for a text too short to judge, is ignored.
func (x *Index) Add(doc uint32, s Signature) {
	if s == (Signature{}) {
		return
	}
	x.docs = append(x.docs, doc)
	x.sigs = append(x.sigs, s)
	x.sorted.Store(false)
}

// Near calls fn once for every document added whose estimated similarity
// to s is at least Threshold, with that similarity. The caller filters
// out the query's own document.
func (x *Index) Near(s Signature, fn func(doc uint32, similarity float64)) {
	if s == (Signature{}) {
		return
	}
	x.build()
	for b := range bands {
		key := s.band(b)
		t := x.tables[b]
		lo, hi := x.starts[b][key>>x.shift], x.starts[b][key>>x.shift+1]
		lo += uint32(sort.Search(int(hi-lo), func(i int) bool { return x.sigs[t[lo+uint32(i)]].band(b) >= key }))
	candidates:
		for _, pos := range t[lo:hi] {
			c := &x.sigs[pos]
			if c.band(b) != key {
				break
			}
			// A candidate that agreed on an earlier band has been judged.
			for e := range b {
				if c.band(e) == s.band(e) {
					continue candidates
				}
			}
			if sim := Similarity(s, *c); sim >= Threshold {
				fn(x.docs[pos], sim)
			}
		}
	}
}

// build sorts the band tables if signatures were added since they were last
// built.
func (x *Index) build() {
	if x.sorted.Load() {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.sorted.Load() {
		return
	}
	n := len(x.sigs)
	// 16 to 32 documents a prefix slot: 1.5 to 3 bytes a document over all
	// bands.
	prefixBits := uint(0)
	for prefixBits < 24 && n>>(prefixBits+4) > 0 {
		prefixBits++
	}
	x.shift = 32 - prefixBits
	// Bands are sorted in parallel, each worker reusing one scratch slice
	// of band value and position pairs.
	work := make(chan int, bands)
	for b := range bands {
		work <- b
	}
	close(work)
	var wg sync.WaitGroup
	for range min(bands, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			scratch := make([]uint64, n)
			for b := range work {
				for pos := range x.sigs {
					scratch[pos] = uint64(x.sigs[pos].band(b))<<32 | uint64(pos)
				}
				slices.Sort(scratch)
				t := slices.Grow(x.tables[b][:0], n)[:n]
				starts := slices.Grow(x.starts[b][:0], 1<<prefixBits+1)[:1<<prefixBits+1]
				p := 0
				for i, v := range scratch {
					t[i] = uint32(v)
					for ; p <= int(v>>32>>x.shift); p++ {
						starts[p] = uint32(i)
					}
				}
				for ; p < len(starts); p++ {
					starts[p] = uint32(n)
				}
				x.tables[b], x.starts[b] = t, starts
			}
		})
	}
	wg.Wait()
	x.sorted.Store(true)
}
