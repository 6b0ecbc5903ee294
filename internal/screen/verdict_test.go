package screen

import (
	"testing"
)

func TestCombine(t *testing.T) {
	h := func(rule string, pts int) Hit { return Hit{Rule: rule, Attribute: "a", Value: rule, Points: pts} }
	for _, tc := range []struct {
		name  string
		hits  []Hit
		score int
		level string
	}{
		{"nothing", nil, 0, Clear},
		{"one hint", []Hit{h("vpn", 10)}, 10, Low},
		{"hints stop at 30", []Hit{h("vpn", 20), h("ship", 15), h("ip", 10), h("doc", 15)}, 30, Low},
		{"one medium", []Hit{h("phone", 45)}, 45, Medium},
		{"two mediums make high", []Hit{h("phone", 45), h("resume", 45)}, 90, Critical},
		{"medium and hints", []Hit{h("phone", 45), h("vpn", 20), h("ship", 15)}, 75, High},
		{"a rule counts once", []Hit{h("phone", 45), {Rule: "phone", Attribute: "b", Value: "x", Points: 45}}, 45, Medium},
		{"strong alone", []Hit{h("account", 75)}, 75, High},
		{"capped at 100", []Hit{h("wallet", 95), h("account", 75)}, 100, Critical},
		{"context adds nothing", []Hit{h("duplicate", 0)}, 0, Clear},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := combine("x", tc.hits)
			if v.Score != tc.score || v.Level != tc.level {
				t.Errorf("score %d %s, want %d %s", v.Score, v.Level, tc.score, tc.level)
			}
			sum := 0
			for i, h := range v.Hits {
				sum += h.Points
				if i > 0 && h.Points > v.Hits[i-1].Points {
					t.Errorf("hits not sorted by points: %+v", v.Hits)
				}
			}
			if sum != v.Score {
				t.Errorf("points of hits sum to %d, score is %d: every point must carry its evidence", sum, v.Score)
			}
			if len(v.Hits) != len(tc.hits) {
				t.Errorf("%d hits out of %d in: evidence must not be dropped", len(v.Hits), len(tc.hits))
			}
		})
	}
}

func TestLevelOf(t *testing.T) {
	for score, want := range map[int]string{0: Clear, 9: Clear, 10: Low, 39: Low, 40: Medium, 69: Medium, 70: High, 89: High, 90: Critical, 100: Critical} {
		if got := LevelOf(score); got != want {
			t.Errorf("LevelOf(%d) = %s, want %s", score, got, want)
		}
	}
}
