package neardup

import (
	"context"
	"flag"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/ringfence/ringfence/internal/subject"
	"github.com/ringfence/ringfence/internal/synth"
)

// The measurements behind the package's parameters take minutes, so they
// run only when asked: go test ./internal/neardup -run Calibrate -calibrate -v
var calibrate = flag.Bool("calibrate", false, "run the slow measurements behind the parameters")

// TestCalibrateShingles compares every pair of resumes exactly, for
// shingles of 1 to 5 words, and a 64-bit SimHash of 3-word shingles.
func TestCalibrateShingles(t *testing.T) {
	if !*calibrate {
		t.Skip("needs -calibrate")
	}
	type doc struct {
		name, ring string
		words      []string
	}
	var docs []doc
	err := synth.Generate(context.Background(), synth.Options{N: 20000, Seed: 1}, func(r subject.Record, tr synth.Truth) error {
		if r.ResumeText != "" {
			docs = append(docs, doc{strings.ToLower(r.Name), tr.Ring, cleanWords(r.ResumeText, r.Name)})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := 1; k <= 5; k++ {
		sets := make([][]uint64, len(docs))
		for i, d := range docs {
			for j := 0; j+k <= len(d.words); j++ {
				sets[i] = append(sets[i], xxhash.Sum64String(strings.Join(d.words[j:j+k], " ")))
			}
			slices.Sort(sets[i])
			sets[i] = slices.Compact(sets[i])
		}
		simhash := make([]uint64, len(docs))
		for i, s := range sets {
			simhash[i] = simHash(s)
		}
		// Per pair kind, counts by Jaccard tenth and by Hamming distance.
		type counts struct {
			jac [11]int
			ham [65]int
		}
		var mu sync.Mutex
		var ring, other counts
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			wg.Go(func() {
				var r, o counts
				for i := w; i < len(docs); i += workers {
					for j := i + 1; j < len(docs); j++ {
						c := &o
						if docs[i].ring != "" && docs[i].ring == docs[j].ring {
							c = &r
						} else if docs[i].name == docs[j].name {
							continue // the same person twice
						}
						jac := sortedJaccard(sets[i], sets[j])
						c.jac[int(jac*10)]++
						if jac >= Threshold || c == &o {
							c.ham[bits.OnesCount64(simhash[i]^simhash[j])]++
						}
					}
				}
				mu.Lock()
				defer mu.Unlock()
				for i := range r.jac {
					ring.jac[i] += r.jac[i]
					other.jac[i] += o.jac[i]
				}
				for i := range r.ham {
					ring.ham[i] += r.ham[i]
					other.ham[i] += o.ham[i]
				}
			})
		}
		wg.Wait()
		// Same-template pairs are the ring pairs at Jaccard 0.4 or more; the
		// others are a template against a persona's own resume, below 0.2.
		var tmpl, tmplHigh, otherHigh int
		for i := 4; i <= 10; i++ {
			tmpl += ring.jac[i]
			if i >= 6 {
				tmplHigh += ring.jac[i]
				otherHigh += other.jac[i]
			}
		}
		t.Logf("%d-word shingles: same-template pairs at J>=0.6: %d of %d (%.1f%%); other pairs at J>=0.6: %d, in [0.5,0.6): %d, in [0.4,0.5): %d",
			k, tmplHigh, tmpl, 100*float64(tmplHigh)/float64(tmpl), otherHigh, other.jac[5], other.jac[4])
		if k == shingle {
			// The SimHash distance that keeps 95% of the pairs at J>=0.6, and
			// how many other pairs are as close.
			total, within, d := 0, 0, 0
			for _, n := range ring.ham {
				total += n
			}
			for within < total*95/100 {
				within += ring.ham[d]
				d++
			}
			closest, close := -1, 0
			for h, n := range other.ham[:d] {
				if n > 0 && closest < 0 {
					closest = h
				}
				close += n
			}
			t.Logf("SimHash of %d-word shingles: 95%% of same-template pairs within distance %d; %d other pairs too (%.1f per resume), the closest at %d",
				k, d-1, close, 2*float64(close)/float64(len(docs)), closest)
		}
	}
}

func simHash(set []uint64) uint64 {
	var v [64]int
	for _, h := range set {
		for i := range v {
			v[i] += int(h>>i&1)*2 - 1
		}
	}
	var s uint64
	for i, n := range v {
		if n > 0 {
			s |= 1 << i
		}
	}
	return s
}

func sortedJaccard(a, b []uint64) float64 {
	i, j, both := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			both++
			i++
			j++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// TestCalibrateMillion runs the calibration of TestIndexFindsRingTemplates
// on 1.5 million records (about a million resumes), signed as screening
// does, querying every ring persona and one ordinary resume in ten. It
// times each step on one goroutine.
func TestCalibrateMillion(t *testing.T) {
	if !*calibrate {
		t.Skip("needs -calibrate")
	}
	type doc struct {
		name, ring string
		fraud      bool
		shingles   []uint64
		sig        Signature
		ok         bool
	}
	var docs []doc
	var shingling time.Duration
	err := synth.Generate(context.Background(), synth.Options{N: 1_500_000, Seed: 1}, func(r subject.Record, tr synth.Truth) error {
		start := time.Now()
		sh, ok := Shingles(nil, r.ResumeText, r.Name)
		shingling += time.Since(start)
		if ok {
			docs = append(docs, doc{name: r.Name, ring: tr.Ring, fraud: tr.Fraud, shingles: sh})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n := time.Duration(len(docs))
	df := NewDocFreq()
	start := time.Now()
	for _, d := range docs {
		df.Add(d.shingles)
	}
	counting := time.Since(start)
	start = time.Now()
	for i := range docs {
		docs[i].sig, docs[i].ok = SignShingles(docs[i].shingles, df)
	}
	signing := time.Since(start)
	var signed, keptSum int
	for _, d := range docs {
		if d.ok {
			signed++
			keptSum += len(kept(d.shingles, df))
		}
	}
	t.Logf("%d resumes; per resume: Shingles %v, DocFreq.Add %v, SignShingles %v; DocFreq %d MiB",
		len(docs), shingling/n, counting/n, signing/n, len(df.counts)*2>>20)
	t.Logf("common above %d documents; %d resumes signed, %.1f shingles kept of each", df.Common(), signed, float64(keptSum)/float64(signed))

	rings := map[string][]int{}
	for i, d := range docs {
		if d.ring != "" {
			rings[d.ring] = append(rings[d.ring], i)
		}
	}
	templated := map[int]bool{}
	for _, members := range rings {
		for i, a := range members {
			for _, b := range members[i+1:] {
				if sortedJaccard(docs[a].shingles, docs[b].shingles) >= Threshold {
					templated[a], templated[b] = true, true
				}
			}
		}
	}
	x := NewIndex()
	x.Grow(len(docs))
	for i, d := range docs {
		if d.ok {
			x.Add(uint32(i), d.sig)
		}
	}
	start = time.Now()
	x.build()
	t.Logf("%d signatures indexed; sorting the tables took %v", x.Len(), time.Since(start))

	var queries []int
	for i, d := range docs {
		if d.fraud || i%10 == 0 {
			queries = append(queries, i)
		}
	}
	start = time.Now()
	for _, i := range queries {
		x.Near(docs[i].sig, func(uint32, float64) {})
	}
	t.Logf("%d queries, %v each", len(queries), time.Since(start)/time.Duration(len(queries)))

	var found, ordinary, falseMatch, exactMatch int
	var falseJ [11]int
	for _, i := range queries {
		d := docs[i]
		mate, stranger, exact := false, false, false
		x.Near(d.sig, func(doc uint32, _ float64) {
			o := docs[doc]
			if int(doc) == i {
				return
			}
			mate = mate || d.ring != "" && o.ring == d.ring
			if d.fraud || strings.EqualFold(o.name, d.name) {
				return
			}
			stranger = true
			j := sortedJaccard(kept(d.shingles, df), kept(o.shingles, df))
			falseJ[int(j*10)]++
			exact = exact || j >= Threshold
		})
		if templated[i] && mate {
			found++
		}
		if !d.fraud {
			ordinary++
			if stranger {
				falseMatch++
			}
			if exact {
				exactMatch++
			}
		}
	}
	t.Logf("template personas finding a ring-mate: %d of %d (%.2f%%)", found, len(templated), 100*float64(found)/float64(len(templated)))
	t.Logf("ordinary resumes matching another name: %d of %d (%.3f%%); at exact J>=%.1f of the shingles kept: %d (%.3f%%)",
		falseMatch, ordinary, 100*float64(falseMatch)/float64(ordinary), Threshold, exactMatch, 100*float64(exactMatch)/float64(ordinary))
	t.Logf("exact Jaccard of the shingles kept of those matches by tenths: %v", falseJ)
}

// TestCalibrateDocFreq loads a DocFreq as a million real resumes might:
// 300 personal shingles each, which occur once, and 100 stock ones drawn
// from a skewed distribution over a million phrases. It counts the
// personal shingles, and the stock ones at or below Common, that the
// sketch takes for common.
func TestCalibrateDocFreq(t *testing.T) {
	if !*calibrate {
		t.Skip("needs -calibrate")
	}
	const docs, personal, stockPer, phrases = 1_000_000, 300, 100, 1 << 20
	rng := rand.New(rand.NewPCG(5, 6))
	zipf := rand.NewZipf(rng, 1.1, 1, phrases-1)
	df := NewDocFreq()
	stock := make([]int, phrases)
	var sample []uint64 // personal shingles, one a document
	doc := make([]uint64, 0, personal+stockPer)
	ranks := make([]uint64, 0, stockPer)
	start := time.Now()
	for range docs {
		doc = doc[:0]
		for range personal {
			doc = append(doc, rng.Uint64())
		}
		sample = append(sample, doc[0])
		ranks = ranks[:0]
		for range stockPer {
			ranks = append(ranks, zipf.Uint64())
		}
		slices.Sort(ranks)
		for _, p := range slices.Compact(ranks) {
			stock[p]++
			doc = append(doc, mix(p+1)) // a hash, as Shingles gives
		}
		df.Add(doc)
	}
	t.Logf("%d documents of %d shingles counted, %v a document", docs, personal+stockPer, time.Since(start)/docs)
	common := df.Common()
	wrong := 0
	for _, h := range sample {
		if df.Count(h) > common {
			wrong++
		}
	}
	t.Logf("common above %d: %d of %d personal shingles taken for common", common, wrong, len(sample))
	var rare, rareWrong, stockCommon int
	for p, n := range stock {
		c := df.Count(mix(uint64(p) + 1))
		if n > common {
			stockCommon++
		} else if n > 0 {
			rare++
			if c > common {
				rareWrong++
			}
		}
	}
	t.Logf("stock phrases: %d common, %d of %d others taken for common", stockCommon, rareWrong, rare)
}
