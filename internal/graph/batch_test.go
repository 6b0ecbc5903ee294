package graph

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// sortPairs orders pairs by value, then record, at every size, with
// repeated values and records.
func TestSortPairsOrdersByValueThenRecord(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, 1 << 16, 1<<17 + 3} {
		ps := make([]pair, n)
		for i := range ps {
			ps[i] = pair{h: r.Uint64N(uint64(n/3 + 1)), rec: uint32(r.IntN(50))}
		}
		want := slices.Clone(ps)
		slices.SortStableFunc(want, comparePairs)
		sortPairs(ps)
		if !slices.EqualFunc(ps, want, func(a, b pair) bool { return a.h == b.h && a.rec == b.rec }) {
			t.Errorf("n=%d: not sorted by value, then record", n)
		}
	}
}
