// Package risk holds the levels every score in ringfence is read on — a
// subject's verdict and a cluster's risk alike — so that "high" means the
// same thing wherever an analyst meets it.
package risk

import "slices"

// Levels, lowest first. "high" and "critical" mean: stop and review before
// hiring or paying. Append, never rename: verdicts are stored and shared.
const (
	Clear    = "clear"
	Low      = "low"
	Medium   = "medium"
	High     = "high"
	Critical = "critical"
)

// Levels lists the levels from clear to critical.
var Levels = []string{Clear, Low, Medium, High, Critical}

// Level thresholds on the 0–100 score.
const (
	LowFrom      = 10
	MediumFrom   = 40
	HighFrom     = 70
	CriticalFrom = 90
)

// LevelOf returns the level of a score.
func LevelOf(score int) string {
	switch {
	case score >= CriticalFrom:
		return Critical
	case score >= HighFrom:
		return High
	case score >= MediumFrom:
		return Medium
	case score >= LowFrom:
		return Low
	}
	return Clear
}

// Rank orders levels: clear 0 … critical 4; -1 for an unknown level.
func Rank(level string) int { return slices.Index(Levels, level) }
