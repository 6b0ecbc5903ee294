package screen

import (
	"cmp"
	"slices"

	"github.com/ringfence/ringfence/internal/risk"
)

// Levels, lowest first; see package risk.
const (
	Clear    = risk.Clear
	Low      = risk.Low
	Medium   = risk.Medium
	High     = risk.High
	Critical = risk.Critical
)

// Levels lists the levels from clear to critical.
var Levels = risk.Levels

// LevelOf returns the level of a score.
func LevelOf(score int) string { return risk.LevelOf(score) }

// LevelRank orders levels: clear 0 … critical 4; -1 for an unknown level.
func LevelRank(level string) int { return risk.Rank(level) }

// Hit is one piece of evidence in a verdict, as DESIGN.md fixes it.
type Hit struct {
	Rule      string `json:"rule"`
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
	// Matched is what the value met: a listed name, an indicator, the
	// other subjects holding the value.
	Matched string `json:"matched"`
	// Source is where Matched comes from: a list and its entry, "input"
	// for other records of the same input, "store" for stored subjects.
	Source string `json:"source"`
	// Points is what the hit adds to the score; 0 for a hit of a rule
	// already counted, or for context.
	Points      int    `json:"points"`
	Explanation string `json:"explanation"`
}

// Verdict is the outcome for one subject.
type Verdict struct {
	ID    string `json:"id"`
	Score int    `json:"score"`
	Level string `json:"level"`
	Hits  []Hit  `json:"hits"`
}

// Weak evidence: a hit worth at most weakPoints is a hint (strength C or D
// in SIGNALS.md), and hints together count for at most weakCap points, so
// that no pile of hints makes a verdict high on its own: it takes at least
// a medium signal besides.
const (
	weakPoints = 20
	weakCap    = 30
)

// combine scores hits. A rule counts once, with its strongest hit: three
// ring-mates sharing one phone are one piece of evidence, not three, and
// the other hits of the rule stay in the verdict with 0 points. Distinct
// rules add up, hints up to weakCap, the total up to 100. A hit's points
// are what it added, so the points of a verdict's hits sum to its score.
// Hits come out sorted by points, then rule, attribute and value, so equal
// input gives equal output.
func combine(id string, hits []Hit) Verdict {
	slices.SortStableFunc(hits, func(a, b Hit) int {
		return cmp.Or(cmp.Compare(b.Points, a.Points), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Attribute, b.Attribute), cmp.Compare(a.Value, b.Value), cmp.Compare(a.Source, b.Source))
	})
	counted := map[string]bool{}
	score, weak := 0, 0
	for i := range hits {
		h := &hits[i]
		if counted[h.Rule] {
			h.Points = 0
			continue
		}
		counted[h.Rule] = true
		if h.Points <= weakPoints {
			h.Points = min(h.Points, weakCap-weak)
			weak += h.Points
		}
		h.Points = min(h.Points, 100-score)
		score += h.Points
	}
	// Hits that added nothing sink below those that did.
	slices.SortStableFunc(hits, func(a, b Hit) int { return cmp.Compare(b.Points, a.Points) })
	if hits == nil {
		hits = []Hit{}
	}
	return Verdict{ID: id, Score: score, Level: LevelOf(score), Hits: hits}
}
