package screen

import (
	"context"

	"github.com/ringfence/ringfence/internal/subject"
)

// ScreenAll screens records held in memory as one input: each is linked to
// all the others (and to the store). Tests, rule tests and the API use it;
// the CLI streams files through Prepare, BatchBuilder and Screen instead.
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
func (s *Screener) prepareAll(recs []subject.Record) (*Batch, [][]subject.Identifier, [][]subject.Problem) {
	ids := make([][]subject.Identifier, len(recs))
	problems := make([][]subject.Problem, len(recs))
	prep := make([]Prepared, len(recs))
	bb := NewBatchBuilder()
	for i := range recs {
		ids[i], problems[i] = subject.Identifiers(&recs[i], s.opts)
		prep[i] = Prepare(&recs[i], ids[i])
		bb.Add(i, prep[i])
	}
	b := bb.Build()
	for i := range recs {
		if sig, ok := b.SignResume(prep[i].Shingles); ok {
			b.AddResume(i, sig)
		}
	}
	return b, ids, problems
}
