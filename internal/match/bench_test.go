package match

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ringfence/ringfence/internal/match/matchtest"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
	"github.com/ringfence/ringfence/internal/synth"
)

// BenchmarkMatchName looks up the DPRK name variants against the whole SDN
// list, through the index and, for comparison, by scanning every name.
func BenchmarkMatchName(b *testing.B) {
	res := matchtest.LoadSDN(b)
	x := NewIndexFromSlice(res.Indicators)
	vs := matchtest.DPRKVariants(res)
	qs := make([]Query, len(vs))
	for i, v := range vs {
		qs[i] = nameQuery(b, v.Name, v.DOB)
	}
	b.Run("index", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			x.Match(qs[i%len(qs)])
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "names/s")
	})
	b.Run("naive_scan", func(b *testing.B) {
		i := 0
		for b.Loop() {
			x.naiveBest(qs[i%len(qs)])
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "names/s")
	})
}

// BenchmarkMatchRecord matches synthetic subject records (internal/synth)
// against the SDN list plus 1,000,000 synthetic indicators: e-mails,
// phones, wallets, IP addresses and ranges, and domains. It reports
// records/s and the heap the index holds.
func BenchmarkMatchRecord(b *testing.B) {
	res := matchtest.LoadSDN(b)
	var qs []Query
	var recs []subject.Record
	err := synth.Generate(context.Background(), synth.Options{N: 5000, Seed: 42}, func(r subject.Record, _ synth.Truth) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range recs {
		ids, _ := subject.Identifiers(&r, normalize.Options{})
		qs = append(qs, Query{Identifiers: ids, BirthDate: r.BirthDate, Nationality: r.Nationality})
	}
	inds := append(syntheticIndicators(1_000_000, recs), res.Indicators...)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x := NewIndexFromSlice(inds)
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	runtime.KeepAlive(x)
	runtime.KeepAlive(inds) // else freeing it would be counted against the index

	hits := 0
	for _, q := range qs {
		hits += len(x.Match(q))
	}
	b.Logf("index of %d indicators: %+v; %.0f MiB heap; %d hits over %d records", len(inds), x.Stats(), heap/(1<<20), hits, len(qs))
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		x.Match(qs[i%len(qs)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(heap/(1<<20), "index-MiB")
}

// syntheticIndicators returns n indicators in canonical form by
// construction — e-mails, phones (E.164), EVM wallets, IPv4 addresses, IPv4
// and IPv6 ranges, domains — plus, so that matching has hits to report,
// the e-mail and first IP of every 50th record.
func syntheticIndicators(n int, recs []subject.Record) []store.Indicator {
	r := rand.New(rand.NewPCG(3, 5))
	out := make([]store.Indicator, 0, n+len(recs)/25)
	add := func(kind, value string, i int) {
		out = append(out, store.Indicator{Kind: kind, Value: value, Source: "synthetic",
			SourceRef: fmt.Sprintf("s%d", i/4), Confidence: 80})
	}
	for i := range n {
		switch i % 8 {
		case 0, 1:
			add("email", fmt.Sprintf("user%d.%x@mail%d.example", i, r.Uint32(), r.IntN(5000)), i)
		case 2:
			add("phone", fmt.Sprintf("+1%03d555%04d", 201+r.IntN(700), r.IntN(10000)), i)
		case 3:
			add("wallet", fmt.Sprintf("0x%016x%016x%08x", r.Uint64(), r.Uint64(), r.Uint32()), i)
		case 4:
			add("ip", fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), r.IntN(256)), i)
		case 5:
			bits := []int{16, 20, 24, 24, 28}[r.IntN(5)]
			p := fmt.Sprintf("%d.%d.%d.0/24", 1+r.IntN(223), r.IntN(256), r.IntN(256))
			add("ip", maskV4(p, bits), i)
		case 6:
			add("ip", fmt.Sprintf("2001:%x:%x::/48", r.IntN(1<<16), r.IntN(1<<16)), i)
		case 7:
			add("domain", fmt.Sprintf("site%d-%x.example", i, r.Uint32()), i)
		}
	}
	for i := 0; i < len(recs); i += 50 {
		for _, e := range recs[i].Emails[:min(1, len(recs[i].Emails))] {
			if v, err := normalize.Email(e); err == nil {
				add("email", v.Canonical, n+i)
			}
		}
		for _, ip := range recs[i].IPs[:min(1, len(recs[i].IPs))] {
			if v, err := normalize.IP(ip); err == nil {
				add("ip", v.Canonical, n+i)
			}
		}
	}
	return out
}

// maskV4 rewrites the /24 p as its /bits range in canonical form.
func maskV4(p string, bits int) string {
	v, err := normalize.IP(p)
	if err != nil {
		panic(err)
	}
	pre := v.Canonical
	v, err = normalize.IP(fmt.Sprintf("%s/%d", pre[:len(pre)-3], bits))
	if err != nil {
		panic(err)
	}
	return v.Canonical
}
