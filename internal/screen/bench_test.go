package screen

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/match"
	"github.com/ringfence/ringfence/internal/match/matchtest"
	"github.com/ringfence/ringfence/internal/synth"
)

// benchIndex is the SDN list plus 1,000,000 generated indicators, built
// once per test binary.
var benchIndex struct {
	once sync.Once
	x    *match.Index
}

func loadBenchIndex(b *testing.B) *match.Index {
	sdn := matchtest.LoadSDN(b)
	benchIndex.once.Do(func() {
		var buf bytes.Buffer
		if err := synth.WriteIndicators(&buf, 1_000_000, 1); err != nil {
			b.Fatal(err)
		}
		rs, err := intel.ParseIndicatorCSV(context.Background(), &buf, "ind1m.csv")
		if err != nil {
			b.Fatal(err)
		}
		inds := slices.Clone(sdn.Indicators)
		for _, r := range rs {
			inds = append(inds, r.Indicators...)
		}
		inds = append(inds, vpnIndicators()...)
		benchIndex.x = match.NewIndexFromSlice(inds)
	})
	return benchIndex.x
}

// BenchmarkScreen measures the second pass of screening — match, links,
// resume, rules, verdict — over 100,000 generated records already prepared,
// against the SDN list and 1,000,000 indicators, on every core
// (GOMAXPROCS). One op is one record.
func BenchmarkScreen(b *testing.B) {
	x := loadBenchIndex(b)
	recs, _ := population(b, 100_000, 1)
	s, err := New(Config{Intel: x})
	if err != nil {
		b.Fatal(err)
	}
	batch, ids, probs, err := s.prepareAll(recs)
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1)) % len(recs)
			if _, err := s.Screen(context.Background(), batch, i, &recs[i], ids[i], probs[i]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
