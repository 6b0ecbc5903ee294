package neardup

import (
	"context"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/ringfence/ringfence/internal/subject"
	"github.com/ringfence/ringfence/internal/synth"
)

// BenchmarkSign signs a resume of 82 words, the length of a synthetic one.
func BenchmarkSign(b *testing.B) {
	text := render("John Smith")
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Sign(text, "John Smith")
	}
}

// BenchmarkShingles cuts a resume of 82 words into shingles.
func BenchmarkShingles(b *testing.B) {
	text := render("John Smith")
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	buf := make([]uint64, 0, 256)
	for b.Loop() {
		Shingles(buf[:0], text, "John Smith")
	}
}

// BenchmarkSignShingles signs the shingles of a resume of 82 words, with
// the common ones left out ("filtered", with a DocFreq of the synthetic
// population of a million resumes) or not ("all").
func BenchmarkSignShingles(b *testing.B) {
	sh, _ := Shingles(nil, render("John Smith"), "John Smith")
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			SignShingles(sh, nil)
		}
	})
	b.Run("filtered", func(b *testing.B) {
		df := synthMillion(b).df
		b.ReportAllocs()
		for b.Loop() {
			SignShingles(sh, df)
		}
		b.ReportMetric(float64(len(kept(sh, df))), "kept")
	})
}

// BenchmarkIndexNear queries an index of about a million documents with
// its own documents. "synth" is the synthetic population (1.5 million
// records, of which about a million have a resume), signed with all
// shingles: ordinary resumes there share many phrases, so each query
// visits many candidates. "filtered" is the same population signed as
// screening does, with the shingles of more than DocFreq.Common documents
// left out. "random" is a million texts of random words, the cost of the
// lookup alone.
func BenchmarkIndexNear(b *testing.B) {
	b.Run("synth", func(b *testing.B) {
		pop := synthMillion(b)
		sigs := make([]Signature, len(pop.shingles))
		for i, sh := range pop.shingles {
			sigs[i], _ = SignShingles(sh, nil)
		}
		benchNear(b, sigs)
	})
	b.Run("filtered", func(b *testing.B) {
		pop := synthMillion(b)
		var sigs []Signature
		for _, sh := range pop.shingles {
			if s, ok := SignShingles(sh, pop.df); ok {
				sigs = append(sigs, s)
			}
		}
		benchNear(b, sigs)
	})
	b.Run("random", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 2))
		vocab := make([]string, 20000)
		for i := range vocab {
			w := make([]byte, 3+rng.IntN(8))
			for j := range w {
				w[j] = byte('a' + rng.IntN(26))
			}
			vocab[i] = string(w)
		}
		sigs := make([]Signature, 0, 1_000_000)
		var text strings.Builder
		for range cap(sigs) {
			text.Reset()
			for range 80 {
				text.WriteString(vocab[rng.IntN(len(vocab))])
				text.WriteByte(' ')
			}
			s, _ := Sign(text.String(), "")
			sigs = append(sigs, s)
		}
		benchNear(b, sigs)
	})
}

// synthPopulation is the shingles of the resumes of 1.5 million synthetic
// records, and their DocFreq.
type synthPopulation struct {
	shingles [][]uint64
	df       *DocFreq
}

// synthMillion generates the population once for all the benchmarks of a
// run: it takes about 15 seconds.
func synthMillion(b *testing.B) synthPopulation {
	b.Helper()
	pop, err := loadSynthMillion()
	if err != nil {
		b.Fatal(err)
	}
	return pop
}

var loadSynthMillion = sync.OnceValues(func() (synthPopulation, error) {
	pop := synthPopulation{df: NewDocFreq()}
	err := synth.Generate(context.Background(), synth.Options{N: 1_500_000, Seed: 1}, func(r subject.Record, _ synth.Truth) error {
		if sh, ok := Shingles(nil, r.ResumeText, r.Name); ok {
			pop.shingles = append(pop.shingles, sh)
			pop.df.Add(sh)
		}
		return nil
	})
	return pop, err
})

// benchNear indexes sigs and queries them in turn. bytes/doc is the growth
// of the live heap from before the first Add to after the first Near, which
// sorts the tables; visits/op is the band table entries a query reads.
func benchNear(b *testing.B, sigs []Signature) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := NewIndex()
	x.Grow(len(sigs))
	for i, s := range sigs {
		x.Add(uint32(i), s)
	}
	x.Near(sigs[0], func(uint32, float64) {}) // sorts the tables
	runtime.GC()
	runtime.ReadMemStats(&after)
	perDoc := float64(after.HeapAlloc-before.HeapAlloc) / float64(x.Len())
	visits := 0
	for _, s := range sigs[:1000] {
		visits += x.visits(s)
	}

	matches, i := 0, 0
	for b.Loop() {
		x.Near(sigs[i%len(sigs)], func(uint32, float64) { matches++ })
		i++
	}
	b.ReportMetric(perDoc, "bytes/doc")
	b.ReportMetric(float64(visits)/1000, "visits/op")
	b.ReportMetric(float64(matches)/float64(i), "matches/op")
	runtime.KeepAlive(x)
}

// visits counts the band table entries a query of s reads.
func (x *Index) visits(s Signature) int {
	n := 0
	for b := range bands {
		key := s.band(b)
		t := x.tables[b]
		for _, pos := range t[x.starts[b][key>>x.shift]:x.starts[b][key>>x.shift+1]] {
			if x.sigs[pos].band(b) == key {
				n++
			}
		}
	}
	return n
}
