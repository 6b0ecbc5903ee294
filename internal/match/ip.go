package match

import (
	"net/netip"
	"slices"
)

// Shortest prefixes the range table accepts. A feed listing 0.0.0.0/0 or a
// /4 is broken or hostile: it would flag every subject. Such ranges are
// dropped and counted in Stats.IgnoredShortPrefixes so a person can look.
const (
	minPrefixV4 = 8
	minPrefixV6 = 16
)

// prefixTable finds every indicator range containing an address. It keeps
// one hash map per prefix length in use, so a lookup costs one map probe
// per distinct length (a handful in practice, at most 33 + 129) whatever
// the number of ranges — the structure routers call a per-length hash
// table. A bit trie would cost a node per bit of every range, tens of
// bytes times 24 per /24; the maps cost one entry per range.
type prefixTable struct {
	v4, v6 []prefixLevel // longest first
}

type prefixLevel struct {
	bits int
	m    map[netip.Prefix][]int32
}

func (t *prefixTable) add(p netip.Prefix, ind int32) {
	levels := &t.v6
	if p.Addr().Is4() {
		levels = &t.v4
	}
	i := slices.IndexFunc(*levels, func(l prefixLevel) bool { return l.bits == p.Bits() })
	if i < 0 {
		*levels = append(*levels, prefixLevel{bits: p.Bits(), m: map[netip.Prefix][]int32{}})
		slices.SortFunc(*levels, func(a, b prefixLevel) int { return b.bits - a.bits })
		i = slices.IndexFunc(*levels, func(l prefixLevel) bool { return l.bits == p.Bits() })
	}
	(*levels)[i].m[p] = append((*levels)[i].m[p], ind)
}

// lookup calls fn for each range containing a, most specific first.
func (t *prefixTable) lookup(a netip.Addr, fn func(p netip.Prefix, inds []int32)) {
	a = a.Unmap()
	levels := t.v6
	if a.Is4() {
		levels = t.v4
	}
	for _, l := range levels {
		p, err := a.Prefix(l.bits)
		if err != nil {
			continue
		}
		if inds, ok := l.m[p]; ok {
			fn(p, inds)
		}
	}
}
