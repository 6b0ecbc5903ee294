package screen

import (
	"context"

	"github.com/ringfence/ringfence/internal/subject"
)

// ScreenAll screens records held in memory as one input: each is linked to
// all the others (and to the store). Tests, rule tests and the API use it;
// the CLI streams files through Prepare, BatchBuilder and Screen instead.
func (s *Screener) ScreenAll(ctx context.Context, recs []subject.Record) ([]Verdict, error) {
	ids := make([][]subject.Identifier, len(recs))
	problems := make([][]subject.Problem, len(recs))
	bb := NewBatchBuilder()
	for i := range recs {
		ids[i], problems[i] = subject.Identifiers(&recs[i], s.opts)
		bb.Add(i, Prepare(&recs[i], ids[i]))
	}
	b := bb.Build()
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
