package graph

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/ringfence/ringfence/internal/normalize"
)

// How much a shared value weighs. Two subjects are joined when the links
// between them weigh Join or more: one strong value (a payout account,
// wallet, phone, e-mail, device or laptop shipping address held by few), or
// two weaker ones of different kinds (a reused resume and a shared IP, a
// home address and a stolen identity document). The strengths follow
// SIGNALS.md: what an operator reuses across personas is strong, what a
// household or an office shares is weak.
const Join = 1.0

// A value held by more than soft subjects weighs soft/holders of its
// strength: the rarer a shared value, the more it says. Past cap it stops
// linking — a co-working IP, a payroll provider's account — but still shows
// in the evidence of clusters it touches.
type kindWeight struct {
	strength  float32
	soft, cap int
	attribute string // the record field
}

var weights = [...]kindWeight{
	// indexed as linkKinds
	// A contact many give is a recruiter's or a business line as often as
	// a ring's (SIGNALS.md): it weighs less from 5 holders.
	{1, 5, 20, "emails"},
	{1, 5, 20, "phones"},
	{1, 20, 100, "addresses"}, // a laptop shipping address; see addressWeight
	{1, 3, 10, "id_documents"},
	{1, 20, 100, "bank_accounts"},
	{1, 20, 100, "wallets"},
	{0.3, 5, 20, "ips"},
	{1, 10, 20, "devices"},
	{0.6, 5, 20, "urls"},
	// A farm site joins the laptops' people at full strength: telemetry
	// already ruled out households, offices and shared egress.
	{1, 20, 100, "telemetry"},
}

// Address values weigh by the role each holder gives them: a shipping
// address that is neither's home is where a facilitator receives laptops
// (strong); one's home and the other's shipping address is a persona
// shipping to a facilitator's home, or a relative (medium); a home both
// give is a household (weak, and only while few share it).
const (
	homeStrength, homeSoft, homeCap = 0.3, 5, 10
	mixedStrength                   = 0.6
)

// A stolen identity document links the thief to its owner, who is a
// victim, not a ring member: between different identities it weighs as a
// weak link, joining only with another.
const theftStrength = 0.5

// resumeStrength is the weight of a near-duplicate resume (neardup's
// threshold): rings reuse one template, but so do ordinary applicants now
// and then.
const resumeStrength = 0.7

// maxResumeNear is the most later resumes one may be a near-duplicate of
// and still link: past it, the text is a template many share.
const maxResumeNear = 100

// slotResume is the evidence slot of resumes, after the link kinds.
var slotResume = uint8(len(linkKinds))

func rarity(n, soft int) float32 {
	if n <= soft {
		return 1
	}
	return float32(soft) / float32(n)
}

// Graph is the weighted graph of a batch's subjects: an edge joins two
// subjects sharing a linking value, weighted by what they share.
type Graph struct {
	b     *Batch
	edges []Edge // sorted by A, then B; A < B
	links []Link // links of edges[i] are links[edges[i].first:edges[i].first+edges[i].n]
	// adj lists, per record, the indices of its edges (CSR).
	adjOff []uint32
	adj    []uint32
	// common are the values past their kind's cap: they link no one.
	common []int32
}

// Edge joins two records of the batch.
type Edge struct {
	A, B   uint32
	Weight float32
	first  uint32
	n      uint32
}

// Link is one value two subjects share.
type Link struct {
	key    int32   // index of the value in the batch; -1 for a resume
	slot   uint8   // kind index, or slotResume
	Weight float32 // what it adds to its edge
	sim    float32 // resume similarity
}

// New builds the graph of a batch whose resumes are indexed.
func New(b *Batch) *Graph {
	g := &Graph{b: b}
	type cand struct {
		a, b uint32
		Link
	}
	var cands []cand
	for k := range b.keys {
		holders := b.recs[b.offs[k]:b.offs[k+1]]
		roles := b.roles[b.offs[k]:b.offs[k+1]]
		kind := b.kinds[k]
		w := weights[kind]
		n := len(holders)
		if n > w.cap {
			g.common = append(g.common, int32(k))
			continue
		}
		linked := false
		for i := range holders {
			for j := i + 1; j < len(holders); j++ {
				s := w.strength * rarity(n, w.soft)
				switch linkKinds[kind] {
				case normalize.KindAddress:
					s = addressWeight(roles[i], roles[j], n)
				case normalize.KindIDDocument:
					if Relate(&b.people[holders[i]], &b.people[holders[j]]).DifferentIdentity {
						s = theftStrength * rarity(n, w.soft)
					}
				}
				if s > 0 {
					linked = true
					cands = append(cands, cand{holders[i], holders[j], Link{key: int32(k), slot: kind, Weight: s}})
				}
			}
		}
		if !linked {
			// A home many give, a mailing or work address: no link, but
			// context where members of a cluster share it.
			g.common = append(g.common, int32(k))
		}
	}
	// Resumes: a query costs microseconds, a million of them seconds, so
	// they run on every core, each over its own share of the records.
	parts := make([][]cand, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			for r := p; r < len(b.people); r += len(parts) {
				// A resume near-duplicate of very many is a template
				// that escaped the stock-phrase filter: like a value past
				// its cap, it links no one.
				var near []cand
				b.NearResumes(r, func(o int, sim float64) {
					if o > r && len(near) <= maxResumeNear {
						near = append(near, cand{uint32(r), uint32(o), Link{key: -1, slot: slotResume, Weight: resumeStrength, sim: float32(sim)}})
					}
				})
				if len(near) <= maxResumeNear {
					parts[p] = append(parts[p], near...)
				}
			}
		})
	}
	wg.Wait()
	for _, p := range parts {
		cands = append(cands, p...)
	}
	slices.SortFunc(cands, func(x, y cand) int {
		return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b), cmp.Compare(x.slot, y.slot), cmp.Compare(y.Weight, x.Weight))
	})
	g.links = make([]Link, 0, len(cands))
	for i := 0; i < len(cands); {
		j := i + 1
		for j < len(cands) && cands[j].a == cands[i].a && cands[j].b == cands[i].b {
			j++
		}
		e := Edge{A: cands[i].a, B: cands[i].b, first: uint32(len(g.links)), n: uint32(j - i)}
		// Values of one kind are one piece of evidence: two shared IPs are
		// not two independent links. Kinds add up.
		var last uint8 = 255
		for _, c := range cands[i:j] {
			if c.slot != last {
				e.Weight += c.Weight
				last = c.slot
			}
			g.links = append(g.links, c.Link)
		}
		g.edges = append(g.edges, e)
		i = j
	}
	g.index()
	return g
}

func addressWeight(ra, rb uint8, n int) float32 {
	homeA, homeB := ra&roleHome != 0, rb&roleHome != 0
	shipA, shipB := ra&roleShipping != 0, rb&roleShipping != 0
	soft := weights[kindIndex(normalize.KindAddress)].soft
	switch {
	case homeA && homeB:
		if n > homeCap {
			return 0
		}
		return homeStrength * rarity(n, homeSoft)
	case homeA && shipB, homeB && shipA:
		return mixedStrength * rarity(n, soft)
	case shipA && shipB:
		return 1 * rarity(n, soft)
	}
	return 0 // mailing or work addresses: an office, a mail drop
}

// index builds the adjacency lists.
func (g *Graph) index() {
	deg := make([]uint32, len(g.b.people)+1)
	for _, e := range g.edges {
		deg[e.A+1]++
		deg[e.B+1]++
	}
	for i := 1; i < len(deg); i++ {
		deg[i] += deg[i-1]
	}
	g.adjOff = deg
	g.adj = make([]uint32, deg[len(deg)-1])
	fill := slices.Clone(deg[:len(deg)-1])
	for i, e := range g.edges {
		g.adj[fill[e.A]] = uint32(i)
		fill[e.A]++
		g.adj[fill[e.B]] = uint32(i)
		fill[e.B]++
	}
}

// Batch returns the batch the graph was built from.
func (g *Graph) Batch() *Batch { return g.b }

// Edges returns the edges of record r.
func (g *Graph) edgesOf(r uint32) []uint32 { return g.adj[g.adjOff[r]:g.adjOff[r+1]] }

func (e *Edge) other(r uint32) uint32 {
	if e.A == r {
		return e.B
	}
	return e.A
}

// Evidence is one value two subjects share, as the cluster and graph
// outputs show it.
type Evidence struct {
	A         string  `json:"a"`
	B         string  `json:"b"`
	Attribute string  `json:"attribute"`
	Value     string  `json:"value"`
	Kind      string  `json:"kind"`
	Holders   int     `json:"holders"`
	Weight    float64 `json:"weight"`
	// Linking is false for a value held by too many subjects to link
	// them: it is context, not a reason they are joined.
	Linking bool `json:"linking"`
}

func round2(f float32) float64 { return float64(int(f*100+0.5)) / 100 }

// evidence of one link of edge e.
func (g *Graph) evidence(e *Edge, l *Link) Evidence {
	ev := Evidence{A: g.b.people[e.A].ID, B: g.b.people[e.B].ID, Weight: round2(l.Weight), Linking: true}
	if l.key < 0 {
		ev.Attribute, ev.Kind = "resume_text", "resume"
		ev.Value = fmt.Sprintf("near-duplicate resume (estimated similarity %.2f)", l.sim)
		ev.Holders = 2
		return ev
	}
	g.valueEvidence(&ev, int(l.key))
	return ev
}

func (g *Graph) valueEvidence(ev *Evidence, key int) {
	kind := g.b.kinds[key]
	ev.Attribute, ev.Kind, ev.Value = weights[kind].attribute, string(linkKinds[kind]), g.b.values[key]
	ev.Holders = int(g.b.offs[key+1] - g.b.offs[key])
}
