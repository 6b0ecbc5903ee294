package graph

import (
	"testing"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/subject"
)

// BenchmarkCluster measures link analysis proper over 100,000 generated
// records already normalised and prepared: the graph (weights, resumes on
// every core), its groups and splits, and the scored clusters. One op is
// one record. `ringfence cluster` adds reading, normalising and staging
// (docs/BENCHMARKS.md).
func BenchmarkCluster(b *testing.B) {
	recs, _ := population(b, 100_000, 1)
	ids := make([][]subject.Identifier, len(recs))
	for i := range recs {
		ids[i], _ = subject.Identifiers(&recs[i], normalize.Options{})
	}
	batch := BatchOf(recs, ids)
	b.ResetTimer()
	for i := 0; i < b.N; i += len(recs) {
		g := New(batch)
		cs := g.Clusters(g.Groups(), nil)
		if len(cs) == 0 {
			b.Fatal("no clusters")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
