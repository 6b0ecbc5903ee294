package graph

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/risk"
)

// Cluster is a group of subjects the graph joins: one operator behind
// many personas, or an ordinary group (a family, a person applying twice)
// whose risk says so.
type Cluster struct {
	// ID names the cluster by its oldest member (created_at, then id), so
	// a cluster that gains members keeps its id on the next run.
	ID      string   `json:"cluster"`
	Members []string `json:"members"`
	Score   int      `json:"score"`
	Level   string   `json:"level"`
	// Identities counts the members that are distinct identities: the
	// same name and birth date twice is one, and so is a household.
	Identities int `json:"identities"`
	// Names counts the distinct names outside households: what the
	// cluster's risk is read on, as screening reads links (one name with
	// two birth dates is a typo more often than a second persona).
	Names    int        `json:"names"`
	Reasons  []Reason   `json:"reasons"`
	Evidence []Evidence `json:"evidence"`

	recs   []uint32
	listed []uint32 // members matching the intelligence strongly
	// nameGroup labels each member (as recs) with its group of one name
	// or household, as Names counts them; pos finds a record in recs.
	nameGroup []int
	pos       map[uint32]int32
	// shared is the score without the listed members' reason: what the
	// members share, which screening reads beside cluster.listed_others.
	shared int
}

// Reason is one thing that makes a cluster risky, with what it adds to the
// score.
type Reason struct {
	Rule        string `json:"rule"`
	Points      int    `json:"points"`
	Explanation string `json:"explanation"`
}

// Records returns the members' record numbers in the batch.
func (c *Cluster) Records() []uint32 { return c.recs }

// ListedOthers counts the members that matched the intelligence strongly
// and are someone else to record recno: in another group of one name or
// household, as the cluster's reasons count people. A ring's personas
// answer for each other; a relative of a listed person, a namesake, or a
// namesake of a relative, is not listed for it.
func (c *Cluster) ListedOthers(recno int) int {
	self, ok := c.pos[uint32(recno)]
	if len(c.listed) == 0 || !ok {
		return 0
	}
	n := 0
	for _, r := range c.listed {
		if c.nameGroup[c.pos[r]] != c.nameGroup[self] {
			n++
		}
	}
	return n
}

// SharedScore is the cluster's score from what its members share, without
// the reason its listed members give (ListedOthers carries that): a ring
// scores high on it, a family with a listed member does not.
func (c *Cluster) SharedScore() int { return c.shared }

// Groups finds the groups of two or more records the graph joins: records
// joined by edges weighing Join or more, split at weakly held bridges.
// Members are in record order, groups in the order of their first member.
func (g *Graph) Groups() [][]uint32 {
	var out [][]uint32
	for _, grp := range g.components() {
		for _, part := range g.split(grp) {
			if len(part) >= 2 {
				out = append(out, part)
			}
		}
	}
	slices.SortFunc(out, func(a, b []uint32) int { return cmp.Compare(a[0], b[0]) })
	return out
}

// Clusters scores groups (from Groups) into clusters, ordered by score,
// then size (largest first), then id. listed holds the members that matched the loaded intelligence
// strongly — a sanctioned wallet, a listed person — with what they
// matched; screening finds them, and one raises every member of its
// cluster.
func (g *Graph) Clusters(groups [][]uint32, listed map[uint32]string) []Cluster {
	return g.clusters(groups, listed, true)
}

// Risks scores groups as Clusters does, without gathering the evidence:
// what screening needs to read each record's cluster, at a fraction of the
// memory.
func (g *Graph) Risks(groups [][]uint32, listed map[uint32]string) []Cluster {
	return g.clusters(groups, listed, false)
}

func (g *Graph) clusters(groups [][]uint32, listed map[uint32]string, evidence bool) []Cluster {
	groupOf := make([]int32, len(g.b.people))
	for i := range groupOf {
		groupOf[i] = -1
	}
	for gi, grp := range groups {
		for _, r := range grp {
			groupOf[r] = int32(gi)
		}
	}
	// Values too common to link, where two or more members of a group
	// hold them: found in one sweep, not one per group.
	common := make([][]commonHeld, len(groups))
	first := map[int32]uint32{}
	for _, k := range g.common {
		if !evidence {
			break
		}
		clear(first)
		for _, r := range g.b.recs[g.b.offs[k]:g.b.offs[k+1]] {
			gi := groupOf[r]
			if gi < 0 {
				continue
			}
			a, seen := first[gi]
			switch {
			case !seen:
				first[gi] = r
			case a != ^uint32(0):
				common[gi] = append(common[gi], commonHeld{k, a, r})
				first[gi] = ^uint32(0) // one row a value
			}
		}
	}
	out := make([]Cluster, 0, len(groups))
	for gi, grp := range groups {
		out = append(out, g.cluster(grp, int32(gi), groupOf, common[gi], listed, evidence))
	}
	slices.SortFunc(out, func(a, b Cluster) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(len(b.Members), len(a.Members)), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// components joins records over edges weighing Join or more.
func (g *Graph) components() [][]uint32 {
	n := len(g.b.people)
	parent := make([]uint32, n)
	for i := range parent {
		parent[i] = uint32(i)
	}
	find := func(x uint32) uint32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, e := range g.edges {
		if e.Weight >= Join {
			a, b := find(e.A), find(e.B)
			if a != b {
				parent[max(a, b)] = min(a, b)
			}
		}
	}
	// Roots are the smallest record of their group (unions keep the
	// smaller root), so groups come out in the order of their first
	// member, members in record order.
	size := make([]uint32, n)
	for i := range parent {
		size[find(uint32(i))]++
	}
	at := map[uint32]int{}
	var groups [][]uint32
	for i := range parent {
		r := find(uint32(i))
		if size[r] < 2 {
			continue
		}
		gi, ok := at[r]
		if !ok {
			gi = len(groups)
			at[r] = gi
			groups = append(groups, make([]uint32, 0, size[r]))
		}
		groups[gi] = append(groups[gi], uint32(i))
	}
	return groups
}

// strongHold is the weight an edge needs to hold two groups together on
// its own: two independent strong links. A single strong value between two
// groups that share nothing else is how chance (a reassigned phone, a
// typo'd account) chains rings into one; the groups are split there.
const strongHold = 2 * Join

// split cuts a group where it is weakly held: at a bridge — a joining edge
// whose removal leaves two parts of two or more members each and that
// weighs less than strongHold — or, failing one, at a thin value (see
// thinCut). All such bridges are cut in one pass, then each part is split
// again. A lone member hanging on one strong link stays: one payout
// account shared with a ring is reason enough.
func (g *Graph) split(members []uint32) [][]uint32 {
	if len(members) < 4 {
		return [][]uint32{members}
	}
	local := make(map[uint32]int32, len(members))
	for i, m := range members {
		local[m] = int32(i)
	}
	// Iterative DFS computing discovery order, low links and subtree sizes.
	n := len(members)
	disc := make([]int32, n)
	low := make([]int32, n)
	size := make([]int32, n)
	for i := range disc {
		disc[i] = -1
	}
	type frame struct {
		v       int32
		viaEdge int32 // edge index into g.edges used to reach v; -1 at the root
		next    int
	}
	var cut map[int32]bool // the weakly held bridges
	var t int32
	stack := []frame{{v: 0, viaEdge: -1}}
	disc[0], low[0], size[0] = t, t, 1
	t++
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		adj := g.edgesOf(members[f.v])
		if f.next < len(adj) {
			ei := adj[f.next]
			f.next++
			e := &g.edges[ei]
			if e.Weight < Join || int32(ei) == f.viaEdge {
				continue
			}
			w, ok := local[e.other(members[f.v])]
			if !ok {
				continue
			}
			if disc[w] >= 0 {
				low[f.v] = min(low[f.v], disc[w])
				continue
			}
			disc[w], low[w], size[w] = t, t, 1
			t++
			stack = append(stack, frame{v: w, viaEdge: int32(ei)})
			continue
		}
		stack = stack[:len(stack)-1]
		if len(stack) == 0 {
			break
		}
		p := &stack[len(stack)-1]
		low[p.v] = min(low[p.v], low[f.v])
		size[p.v] += size[f.v]
		if low[f.v] > disc[p.v] && g.edges[f.viaEdge].Weight < strongHold && min(size[f.v], int32(n)-size[f.v]) >= 2 {
			if cut == nil {
				cut = map[int32]bool{}
			}
			cut[f.viaEdge] = true
		}
	}
	if cut == nil {
		if parts := g.thinCut(members, local); parts != nil {
			var out [][]uint32
			for _, p := range parts {
				out = append(out, g.split(p)...)
			}
			return out
		}
		return [][]uint32{members}
	}
	// Every weakly held bridge is cut at once (cutting one cannot make
	// another: a bridge is on no cycle), then each part is split again,
	// which can only find thin values now.
	part, sizes := g.parts(members, local, func(ei uint32, _ *Edge) bool { return !cut[int32(ei)] })
	out := make([][]uint32, len(sizes))
	for i, m := range members {
		out[part[i]] = append(out[part[i]], m)
	}
	var split [][]uint32
	for _, p := range out {
		split = append(split, g.split(p)...)
	}
	return split
}

// maxThinCut bounds the groups searched for thin values: the search costs
// a pass over the group's edges per value, and groups past this size are
// bridges' business.
const maxThinCut = 5000

// thinCut finds a value that alone holds parts of a group together, with
// one holder in each: an e-mail address that personas of several rings
// happen to give, each ring otherwise its own. Without the value, the
// group falls into parts of two or more members, and no part holds the
// value twice — a value two members of one part and two of another share
// is how one operator's personas hang together, and stays. The cut that
// leaves the largest second part wins; members the value alone held fall
// out as parts of one. nil when there is no such value.
func (g *Graph) thinCut(members []uint32, local map[uint32]int32) [][]uint32 {
	if len(members) > maxThinCut {
		return nil
	}
	var keys []int32
	for _, m := range members {
		for _, ei := range g.edgesOf(m) {
			e := &g.edges[ei]
			if e.A != m || e.Weight < Join {
				continue
			}
			if _, ok := local[e.B]; !ok {
				continue
			}
			for _, l := range g.links[e.first : e.first+uint32(e.n)] {
				if l.key >= 0 {
					keys = append(keys, l.key)
				}
			}
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var best [][]uint32
	bestSecond := 1
	for _, k := range keys {
		comp, sizes := g.parts(members, local, func(_ uint32, e *Edge) bool { return g.weightWithout(e, k) >= Join })
		big := 0
		for _, n := range sizes {
			if n >= 2 {
				big++
			}
		}
		if big < 2 {
			continue
		}
		// Thin: no part holds the value twice.
		held := make([]int, len(sizes))
		thin := true
		for _, r := range g.b.recs[g.b.offs[k]:g.b.offs[k+1]] {
			if i, ok := local[r]; ok {
				if held[comp[i]]++; held[comp[i]] > 1 {
					thin = false
					break
				}
			}
		}
		if !thin {
			continue
		}
		sorted := slices.Clone(sizes)
		slices.Sort(sorted)
		if second := sorted[len(sorted)-2]; second > bestSecond {
			bestSecond = second
			best = make([][]uint32, len(sizes))
			for i, m := range members {
				best[comp[i]] = append(best[comp[i]], m)
			}
		}
	}
	return best
}

// parts labels the members of a group (indices as members) with the
// parts that joining edges for which keep holds connect, and returns each
// part's size; parts are numbered in the order of their first member.
func (g *Graph) parts(members []uint32, local map[uint32]int32, keep func(ei uint32, e *Edge) bool) ([]int32, []int) {
	label := make([]int32, len(members))
	for i := range label {
		label[i] = -1
	}
	var sizes []int
	var queue []int32
	for start := range members {
		if label[start] >= 0 {
			continue
		}
		id := int32(len(sizes))
		label[start] = id
		size := 1
		queue = append(queue[:0], int32(start))
		for len(queue) > 0 {
			v := queue[0]
			queue = queue[1:]
			for _, ei := range g.edgesOf(members[v]) {
				e := &g.edges[ei]
				if e.Weight < Join || !keep(ei, e) {
					continue
				}
				if w, ok := local[e.other(members[v])]; ok && label[w] < 0 {
					label[w] = id
					size++
					queue = append(queue, w)
				}
			}
		}
		sizes = append(sizes, size)
	}
	return label, sizes
}

// weightWithout is e's weight without the links of value k.
func (g *Graph) weightWithout(e *Edge, k int32) float32 {
	var w float32
	var last uint8 = 255
	for _, l := range g.links[e.first : e.first+uint32(e.n)] {
		if l.key == k && l.key >= 0 {
			continue
		}
		if l.slot != last {
			w += l.Weight
			last = l.slot
		}
	}
	return w
}

// cluster scores one group and gathers its evidence.
// commonHeld is a value too common to link that two members a and b of a
// group hold.
type commonHeld struct {
	key  int32
	a, b uint32
}

func (g *Graph) cluster(recs []uint32, gi int32, groupOf []int32, common []commonHeld, listed map[uint32]string, evidence bool) Cluster {
	c := Cluster{recs: recs}
	people := g.b.people
	anchor := slices.MinFunc(recs, func(x, y uint32) int {
		px, py := &people[x], &people[y]
		// Records without created_at count as the newest.
		return cmp.Or(cmp.Compare(noCreated(px), noCreated(py)), cmp.Compare(px.Created, py.Created),
			cmp.Compare(px.CreatedNsec, py.CreatedNsec), cmp.Compare(px.ID, py.ID))
	})
	sum := sha256.Sum256([]byte(people[anchor].ID))
	c.ID = "C" + hex.EncodeToString(sum[:6])
	for _, r := range recs {
		c.Members = append(c.Members, people[r].ID)
	}
	c.Identities, _ = g.identityGroups(recs, true)
	c.Names, c.nameGroup = g.identityGroups(recs, false)
	c.pos = make(map[uint32]int32, len(recs))
	for i, r := range recs {
		c.pos[r] = int32(i)
	}

	// Evidence: every value members share with each other.
	byKey := map[int32][]int{} // linking values among members: their holders (indices into recs)
	var resumes []int
	inResumes := map[int]bool{}
	for _, r := range recs {
		for _, ei := range g.edgesOf(r) {
			e := &g.edges[ei]
			if e.A != r || groupOf[e.B] != gi {
				continue // each edge once, from its first end
			}
			for li := range g.links[e.first : e.first+uint32(e.n)] {
				l := &g.links[e.first+uint32(li)]
				if evidence {
					c.Evidence = append(c.Evidence, g.evidence(e, l))
				}
				a, b := int(c.pos[e.A]), int(c.pos[e.B])
				if l.key >= 0 {
					byKey[l.key] = appendOnce(appendOnce(byKey[l.key], a), b)
				} else {
					for _, m := range [2]int{a, b} {
						if !inResumes[m] {
							inResumes[m] = true
							resumes = append(resumes, m)
						}
					}
				}
			}
		}
	}
	for _, h := range common {
		ev := Evidence{A: people[h.a].ID, B: people[h.b].ID}
		g.valueEvidence(&ev, int(h.key))
		c.Evidence = append(c.Evidence, ev)
	}
	slices.SortFunc(c.Evidence, func(x, y Evidence) int {
		return cmp.Or(cmp.Compare(y.Weight, x.Weight), cmp.Compare(x.Attribute, y.Attribute), cmp.Compare(x.Value, y.Value),
			cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B))
	})

	// Reasons: what different identities share; a family's or a person's
	// own values are not.
	best := map[string]Reason{}
	note := func(r Reason) {
		if old, ok := best[r.Rule]; !ok || r.Points > old.Points {
			best[r.Rule] = r
		}
	}
	keys := make([]int32, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		holders := byKey[k]
		ids := distinct(c.nameGroup, holders)
		if ids < 2 {
			continue
		}
		kind := linkKinds[g.b.kinds[k]]
		value := g.b.values[k]
		switch kind {
		case normalize.KindBankAccount, normalize.KindWallet:
			note(Reason{"cluster-shared-payout", min(75+5*(ids-2), 90),
				fmt.Sprintf("%s %s is the payout detail of %d people of different names", kindName(kind), value, ids)})
		case normalize.KindDevice:
			note(Reason{"cluster-shared-device", min(60+5*(ids-2), 75),
				fmt.Sprintf("device %s is used by %d people of different names", value, ids)})
		case normalize.KindPhone, normalize.KindEmail:
			note(Reason{"cluster-shared-contact", min(45+5*(ids-2), 60),
				fmt.Sprintf("%s %s is given by %d people of different names", kindName(kind), value, ids)})
		case normalize.KindAddress:
			if shippers, home := g.shippers(k, &c); !home {
				if ids := distinct(c.nameGroup, shippers); ids >= 2 {
					note(Reason{"cluster-farm-address", min(50+10*(ids-2), 75),
						fmt.Sprintf("laptops of %d people of different names ship to %s, home to none of them", ids, value)})
				}
			}
		case normalize.KindIDDocument:
			note(Reason{"cluster-shared-identity", 40,
				fmt.Sprintf("identity document %s is given by %d people of different names: a stolen or borrowed identity", value, ids)})
		case normalize.KindURL:
			note(Reason{"cluster-shared-profile", 30, fmt.Sprintf("profile %s is given by %d people of different names", value, ids)})
		case KindSite:
			note(Reason{"cluster-farm-site", min(60+5*(ids-2), 80),
				fmt.Sprintf("company laptops of %d people of different names were online together at %s", ids, value)})
		}
	}
	if ids := distinct(c.nameGroup, resumes); ids >= 2 {
		note(Reason{"cluster-reused-resume", 30, fmt.Sprintf("%d people of different names submit near-duplicate resumes", ids)})
	}
	if c.Names >= 5 && len(best) > 0 {
		note(Reason{"cluster-size", 10, fmt.Sprintf("%d people of different names are joined", c.Names)})
	}
	{
		var hitsOf []string
		for _, r := range recs {
			if what, ok := listed[r]; ok {
				hitsOf = append(hitsOf, people[r].ID+" ("+what+")")
				c.listed = append(c.listed, r)
			}
		}
		if len(hitsOf) > 0 {
			note(Reason{"cluster-listed-member", 95, fmt.Sprintf("%d %s matched sanctions or watchlist intelligence: %s",
				len(hitsOf), plural(len(hitsOf), "member", "members"), strings.Join(hitsOf[:min(len(hitsOf), 5)], "; "))})
		}
	}
	for _, r := range best {
		c.Reasons = append(c.Reasons, r)
		if r.Rule != "cluster-listed-member" {
			c.shared = min(100, c.shared+r.Points)
		}
	}
	slices.SortFunc(c.Reasons, func(x, y Reason) int { return cmp.Or(cmp.Compare(y.Points, x.Points), cmp.Compare(x.Rule, y.Rule)) })
	// Reasons add up to 100; each adds what it brings, so they sum to the
	// score.
	for i := range c.Reasons {
		c.Reasons[i].Points = min(c.Reasons[i].Points, 100-c.Score)
		c.Score += c.Reasons[i].Points
	}
	if c.Reasons == nil {
		c.Reasons = []Reason{}
	}
	c.Level = risk.LevelOf(c.Score)
	return c
}

func noCreated(p *Person) int {
	if p.HasCreated {
		return 0
	}
	return 1
}

// identityGroups groups recs into distinct people and returns how many
// groups there are and each record's group (0, 1, …, in the order of
// recs). One household is one: records sharing a home that at most
// homeCap records of the batch give (a home given by more is a block of
// flats, or a farm's address given as home). So is one person: with
// strict, records with a name in common and the same birth date (a
// record without one is the same person as any of its name); else records
// with a name in common. A record without a name merges with no one by
// name. Grouping is transitive, and keyed on values, so it costs a pass,
// not a comparison of every pair.
func (g *Graph) identityGroups(recs []uint32, strict bool) (int, []int) {
	people := g.b.people
	parent := make([]int, len(recs))
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, b int) {
		a, b = find(a), find(b)
		parent[max(a, b)] = min(a, b)
	}
	joinOn := func(m map[uint64]int, key uint64, i int) {
		if j, ok := m[key]; ok {
			union(i, j)
		} else {
			m[key] = i
		}
	}
	byHome := map[uint64]int{}
	for i, r := range recs {
		for _, h := range people[r].Homes {
			if len(g.b.Holders(h)) <= homeCap {
				joinOn(byHome, h, i)
			}
		}
	}
	byName := map[uint64]int{}
	if !strict {
		for i, r := range recs {
			for _, n := range people[r].Names {
				joinOn(byName, n, i)
			}
		}
	} else {
		type dated struct {
			name uint64
			dob  string
		}
		byDated := map[dated]int{}
		datedOf := map[uint64][]int{} // a record of each birth date a name has
		undated := map[uint64]int{}
		for i, r := range recs {
			p := &people[r]
			for _, n := range p.Names {
				if p.DOB == "" {
					joinOn(undated, n, i)
					for _, j := range datedOf[n] {
						union(i, j)
					}
					continue
				}
				k := dated{n, p.DOB}
				if j, ok := byDated[k]; ok {
					union(i, j)
				} else {
					byDated[k] = i
					datedOf[n] = append(datedOf[n], i)
				}
				if j, ok := undated[n]; ok {
					union(i, j)
				}
			}
		}
	}
	label := make([]int, len(recs))
	n := 0
	for i := range parent {
		if find(i) == i {
			label[i] = n
			n++
		}
	}
	for i := range parent {
		label[i] = label[find(i)]
	}
	return n, label
}

// distinct counts the groups among some of a cluster's members (indices
// into its recs).
func distinct(group []int, members []int) int {
	seen := map[int]bool{}
	for _, m := range members {
		seen[group[m]] = true
	}
	return len(seen)
}

// shippers returns the members (indices into c.recs) that give address
// value k as a shipping address and not as their home, and whether any
// member gives it as home.
func (g *Graph) shippers(k int32, c *Cluster) (ship []int, home bool) {
	for i := g.b.offs[k]; i < g.b.offs[k+1]; i++ {
		m, ok := c.pos[g.b.recs[i]]
		if !ok {
			continue
		}
		role := g.b.roles[i]
		if role&roleHome != 0 {
			home = true
		}
		if role&roleShipping != 0 && role&roleHome == 0 {
			ship = append(ship, int(m))
		}
	}
	return ship, home
}

func appendOnce(s []int, v int) []int {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func kindName(k normalize.Kind) string {
	switch k {
	case normalize.KindBankAccount:
		return "bank account"
	case normalize.KindEmail:
		return "e-mail"
	}
	return string(k)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// SetClusters records the batch's clusters, so that screening its records
// can see the cluster each belongs to.
func (b *Batch) SetClusters(cs []Cluster) {
	b.clusters = cs
	b.clusterOf = make(map[uint32]int32, len(cs)*4)
	for i := range cs {
		for _, r := range cs[i].recs {
			b.clusterOf[r] = int32(i)
		}
	}
}

// ClusterOf returns the cluster of record recno, nil when it is in none
// (or SetClusters was not called).
func (b *Batch) ClusterOf(recno int) *Cluster {
	if b == nil {
		return nil
	}
	i, ok := b.clusterOf[uint32(recno)]
	if !ok {
		return nil
	}
	return &b.clusters[i]
}
