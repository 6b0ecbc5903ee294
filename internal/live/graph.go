package live

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ringfence/ringfence/internal/graph"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// commonHolders is the most stored subjects a value may have and still be
// followed or weighed in a neighbourhood: past it the value links no one in
// clustering either (the widest cap in docs/LINKS.md is 100, for payout
// accounts and farm addresses, but those past 20 weigh almost nothing).
const commonHolders = 20

// NodeInfo describes a subject of a graph for people reading it.
type NodeInfo struct {
	Name  string `json:"name,omitempty"`
	Kind  string `json:"kind,omitempty"`
	Score int    `json:"score"`
	Level string `json:"level,omitempty"`
}

// SubjectGraph is a stored subject's neighbourhood, with what the UI shows
// on each node.
type SubjectGraph struct {
	graph.Subgraph
	Info map[string]NodeInfo `json:"info"`
}

// loaded is the subjects gathered for a graph.
type loaded struct {
	recs []subject.Record
	ids  [][]subject.Identifier
}

func (l *loaded) add(s store.Subject, opts func(*subject.Record) []subject.Identifier, common map[[2]string]bool) error {
	rec, err := subject.DecodeStored(s.Raw)
	if err != nil {
		return fmt.Errorf("stored subject %s: %w", s.ID, err)
	}
	rec.ID = s.ID
	var keep []subject.Identifier
	for _, id := range opts(&rec) {
		if !common[[2]string{string(id.Kind), id.Canonical}] {
			keep = append(keep, id)
		}
	}
	l.recs, l.ids = append(l.recs, rec), append(l.ids, keep)
	return nil
}

// SubjectGraph returns the subjects within depth links of a stored subject,
// at most maxNodes of them, with the evidence on every edge. Values held by
// more than commonHolders stored subjects are left out: they would join
// strangers, and a neighbourhood cannot weigh them by their rarity in the
// whole store.
func (e *Engine) SubjectGraph(ctx context.Context, id string, depth, maxNodes int) (SubjectGraph, error) {
	center, err := e.st.Subject(ctx, id)
	if err != nil {
		return SubjectGraph{}, err
	}
	idsOf := func(r *subject.Record) []subject.Identifier {
		ids, _ := subject.Identifiers(r, e.cfg.Normalize)
		return ids
	}
	common := map[[2]string]bool{}
	var l loaded
	if err := l.add(center, idsOf, common); err != nil {
		return SubjectGraph{}, err
	}
	have := map[string]bool{id: true}
	frontier := []int{0}
	// Gather a little past maxNodes so Neighbourhood can choose the nearest.
	limit := maxNodes * 2
	for d := 0; d < depth && len(frontier) > 0 && len(l.recs) < limit; d++ {
		byKind := map[string][]string{}
		for _, r := range frontier {
			for _, x := range l.ids[r] {
				if graph.Links(x.Kind) {
					byKind[string(x.Kind)] = append(byKind[string(x.Kind)], x.Canonical)
				}
			}
		}
		var next []int
		for kind, values := range byKind {
			counts, err := e.st.IdentifierCounts(ctx, kind, values)
			if err != nil {
				return SubjectGraph{}, err
			}
			var rare []string
			for _, v := range values {
				if counts[v] > commonHolders {
					common[[2]string{kind, v}] = true
				} else if counts[v] > 1 {
					rare = append(rare, v)
				}
			}
			holders, err := e.st.SubjectsByIdentifiers(ctx, kind, rare)
			if err != nil {
				return SubjectGraph{}, err
			}
			for _, hs := range holders {
				for _, h := range hs {
					if have[h] || len(l.recs) >= limit {
						continue
					}
					s, err := e.st.Subject(ctx, h)
					if errors.Is(err, store.ErrNotFound) {
						continue // removed meanwhile
					}
					if err != nil {
						return SubjectGraph{}, err
					}
					have[h] = true
					if err := l.add(s, idsOf, common); err != nil {
						return SubjectGraph{}, err
					}
					next = append(next, len(l.recs)-1)
				}
			}
		}
		frontier = next
	}
	// Common values found on later hops may sit on records gathered before.
	for i := range l.ids {
		kept := l.ids[i][:0]
		for _, x := range l.ids[i] {
			if !common[[2]string{string(x.Kind), x.Canonical}] {
				kept = append(kept, x)
			}
		}
		l.ids[i] = kept
	}
	b := graph.BatchOf(l.recs, l.ids)
	g := graph.New(b)
	b.SetClusters(g.Risks(g.Groups(), nil))
	sg := SubjectGraph{Subgraph: g.Neighbourhood(0, depth, maxNodes), Info: map[string]NodeInfo{}}
	for i := range sg.Nodes {
		n := sg.Nodes[i].ID
		r, _ := b.Index(n)
		info := NodeInfo{Name: l.recs[r].Name, Kind: l.recs[r].Kind}
		if v, err := e.st.Verdict(ctx, n); err == nil {
			info.Score, info.Level = v.Score, v.Level
		} else if !errors.Is(err, store.ErrNotFound) {
			return SubjectGraph{}, err
		}
		sg.Info[n] = info
	}
	return sg, nil
}

// MaxClusterSubjects bounds the store the server clusters in memory; past
// it, `ringfence cluster --stored` does the work in a streaming pass.
const MaxClusterSubjects = 200_000

// clusterTTL is how long computed clusters are served before recomputing,
// when nothing was stored through this engine meanwhile.
const clusterTTL = 5 * time.Minute

type clusterSnapshot struct {
	gen      int64
	at       time.Time
	clusters []graph.Cluster
}

// ErrTooLarge: the store is larger than the server clusters in memory.
var ErrTooLarge = errors.New("too many stored subjects to cluster in the server")

// Clusters returns the clusters of the stored subjects (two or more
// members), riskiest first, computed again when subjects were stored since
// or after clusterTTL.
func (e *Engine) Clusters(ctx context.Context) ([]graph.Cluster, time.Time, error) {
	e.clMu.Lock()
	defer e.clMu.Unlock()
	gen := e.gen.Load() + e.newSubjects.Load()
	if c := e.clusters; c != nil && c.gen == gen && time.Since(c.at) < clusterTTL {
		return c.clusters, c.at, nil
	}
	var recs []subject.Record
	var ids [][]subject.Identifier
	for s, err := range e.st.Subjects(ctx) {
		if err != nil {
			return nil, time.Time{}, err
		}
		if len(recs) == MaxClusterSubjects {
			return nil, time.Time{}, fmt.Errorf("%w (more than %d); run `ringfence cluster --stored`", ErrTooLarge, MaxClusterSubjects)
		}
		rec, err := subject.DecodeStored(s.Raw)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("stored subject %s: %w", s.ID, err)
		}
		rec.ID = s.ID
		x, _ := subject.Identifiers(&rec, e.cfg.Normalize)
		recs, ids = append(recs, rec), append(ids, x)
	}
	b := graph.BatchOf(recs, ids)
	g := graph.New(b)
	groups := g.Groups()
	s, err := e.screener()
	if err != nil {
		return nil, time.Time{}, err
	}
	listed := map[uint32]string{}
	for _, grp := range groups {
		for _, r := range grp {
			what, ok, err := s.Listed(&recs[r], ids[r])
			if err != nil {
				return nil, time.Time{}, err
			}
			if ok {
				listed[r] = what
			}
		}
	}
	cs := g.Clusters(groups, listed)
	e.clusters = &clusterSnapshot{gen: gen, at: time.Now().UTC(), clusters: cs}
	return cs, e.clusters.at, nil
}
