package screen

import "github.com/ringfence/ringfence/internal/graph"

// maxExamined bounds the others examined per shared value: a co-working
// IP held by 5,000 people is counted, not compared 5,000 times per member.
// maxListed bounds the ids a hit names.
const (
	maxExamined = 1000
	maxListed   = 10
)

func (l *Link) count(r graph.Relation) {
	l.Counted++
	if r.DifferentName {
		l.DifferentNames++
	}
	if r.DifferentIdentity {
		l.DifferentIdentities++
	}
	if r.SamePerson {
		l.SamePerson++
	}
	if r.Unrelated {
		l.Unrelated++
	}
}
