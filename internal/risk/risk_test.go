package risk

import "testing"

// The level boundaries are a contract: stored verdicts and shared clusters
// are read on them (DESIGN.md, docs/RULES.md).
func TestLevelOfBoundaries(t *testing.T) {
	for _, c := range []struct {
		score int
		want  string
	}{{0, Clear}, {9, Clear}, {10, Low}, {39, Low}, {40, Medium}, {69, Medium}, {70, High}, {89, High}, {90, Critical}, {100, Critical}} {
		if got := LevelOf(c.score); got != c.want {
			t.Errorf("LevelOf(%d) = %s, want %s", c.score, got, c.want)
		}
	}
	for i, l := range Levels {
		if Rank(l) != i {
			t.Errorf("Rank(%s) = %d, want %d", l, Rank(l), i)
		}
	}
	if Rank("severe") != -1 {
		t.Error("an unknown level has a rank")
	}
}
