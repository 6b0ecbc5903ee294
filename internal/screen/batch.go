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
	out := make([]Verdict, len(recs))
	err := s.ScreenEach(ctx, recs, func(i int, v Verdict, _ []subject.Identifier) error {
		out[i] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ScreenEach is ScreenAll giving each verdict to each as it is made, in
// input order, so a long batch can show its progress and be stopped, with
// the record's identifiers, so a caller storing it need not normalise it
// again.
func (s *Screener) ScreenEach(ctx context.Context, recs []subject.Record, each func(i int, v Verdict, ids []subject.Identifier) error) error {
	b, ids, problems, err := s.prepareAll(recs)
	if err != nil {
		return err
	}
	for i := range recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		v, err := s.Screen(ctx, b, i, &recs[i], ids[i], problems[i])
		if err != nil {
			return err
		}
		if err := each(i, v, ids[i]); err != nil {
			return err
		}
	}
	return nil
}

// prepareAll runs the first pass, the resume pass and link analysis over
// records in memory.
func (s *Screener) prepareAll(recs []subject.Record) (*graph.Batch, [][]subject.Identifier, [][]subject.Problem, error) {
	ids := make([][]subject.Identifier, len(recs))
	problems := make([][]subject.Problem, len(recs))
	for i := range recs {
		ids[i], problems[i] = subject.Identifiers(&recs[i], s.opts)
	}
	b := graph.BatchOf(recs, ids)
	g := graph.New(b)
	groups := g.Groups()
	listed := map[uint32]string{}
	for _, grp := range groups {
		for _, r := range grp {
			what, ok, err := s.Listed(&recs[r], ids[r])
			if err != nil {
				return nil, nil, nil, err
			}
			if ok {
				listed[r] = what
			}
		}
	}
	b.SetClusters(g.Risks(groups, listed))
	return b, ids, problems, nil
}
