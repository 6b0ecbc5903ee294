package screen

import (
	"context"

	"github.com/ringfence/ringfence/internal/graph"

	"github.com/ringfence/ringfence/internal/subject"
)

// ScreenAll screens records held in memory as one input: each is linked to
// all the others (and to the store). Tests, rule tests and the API use it;
// the CLI streams files through graph.Prepare, graph.Builder and Screen instead.
func (s *Screener) ScreenAll(ctx context.Context, recs []subject.Record) ([]Verdict, error) {
	b, ids, problems := s.prepareAll(recs)
	out := make([]Verdict, len(recs))
	for i := range recs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		v, err := s.Screen(ctx, b, i, &recs[i], ids[i], problems[i])
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// prepareAll runs the first pass and the resume pass over records in
// memory.
func (s *Screener) prepareAll(recs []subject.Record) (*graph.Batch, [][]subject.Identifier, [][]subject.Problem) {
	ids := make([][]subject.Identifier, len(recs))
	problems := make([][]subject.Problem, len(recs))
	for i := range recs {
		ids[i], problems[i] = subject.Identifiers(&recs[i], s.opts)
	}
	return graph.BatchOf(recs, ids), ids, problems
}
