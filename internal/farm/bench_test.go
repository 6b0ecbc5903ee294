package farm

import (
	"runtime"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/telemetry"
)

// benchFleet is the fleet the benchmarks analyse: a farm, households, VPN
// users and travellers among ordinary employees.
func benchFleet(employees, perDay int) SimOptions {
	return SimOptions{Employees: employees, EventsPerDeviceDay: perDay,
		Farms:      []SimFarm{{Laptops: 6, Employees: 4, PiKVM: 2, AnyDesk: 1, Astrill: true}},
		Households: employees / 100, CorporateVPN: employees / 20, ConsumerVPN: employees / 50,
		Travellers: employees / 50, Helpdesk: employees / 100, DevBoards: employees / 200,
		Unenrolled: employees / 500, Cafes: employees / 200}
}

// BenchmarkAnalyze measures Add over a simulated fleet held in memory
// (1,000 employees, 30 days, ~430,000 events). One op is one event.
// "fresh" builds a new Analyzer per pass over the events, so it includes
// interning every device, user and address; "steady" adds to an analyzer
// that has seen them all, which is what most of a long import is, and
// allocates nothing.
func BenchmarkAnalyze(b *testing.B) {
	opt := benchFleet(1000, 12)
	events, people := Simulate(1, opt)
	cfg := SimConfig()
	b.Run("fresh", func(b *testing.B) {
		b.ReportAllocs()
		var a *Analyzer
		for i := 0; i < b.N; {
			a = New(cfg, people)
			n := min(len(events), b.N-i)
			a.Add(events[:n])
			i += n
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("steady", func(b *testing.B) {
		a := New(cfg, people)
		a.Add(events)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; {
			n := min(len(events), b.N-i)
			a.Add(events[:n])
			i += n
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkFindings measures Findings and Report after the fleet above.
func BenchmarkFindings(b *testing.B) {
	events, people := Simulate(1, benchFleet(1000, 12))
	a := New(SimConfig(), people)
	a.Add(events)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		fs := a.Findings()
		_ = a.Report(fs)
	}
}

// BenchmarkSimulate measures the simulator alone. One op is one event.
func BenchmarkSimulate(b *testing.B) {
	sim := NewSimulator(1, benchFleet(10_000, 28))
	buf := make([]telemetry.Event, 8192)
	b.ReportAllocs()
	for i := 0; i < b.N; {
		n := sim.Next(buf[:min(len(buf), b.N-i)])
		if n == 0 {
			sim = NewSimulator(1, benchFleet(10_000, 28))
			continue
		}
		i += n
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAnalyze10M streams 10,000,000 simulated events (10,000
// employees, ~12,000 laptops, 30 days) through one Analyzer in batches of
// 8,192, then computes the findings. It reports the Add rate alone
// (add-events/s), the whole run's rate including generation and Findings
// (events/s), and the peak heap sampled during the run.
//
//	go test -run '^$' -bench Analyze10M -benchtime 1x ./internal/farm
func BenchmarkAnalyze10M(b *testing.B) {
	const total = 10_000_000
	opt := benchFleet(10_000, 28)
	for range b.N {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		peak := uint64(0)
		start := time.Now()
		sim := NewSimulator(1, opt)
		a := New(SimConfig(), sim.People())
		buf := make([]telemetry.Event, 8192)
		var adding time.Duration
		n, batches := 0, 0
		for n < total {
			k := sim.Next(buf[:min(len(buf), total-n)])
			if k == 0 {
				b.Fatalf("simulator ran dry after %d events", n)
			}
			t0 := time.Now()
			a.Add(buf[:k])
			adding += time.Since(t0)
			n += k
			if batches++; batches%64 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		t0 := time.Now()
		fs := a.Findings()
		findings := time.Since(t0)
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
		elapsed := time.Since(start)
		b.ReportMetric(float64(n)/adding.Seconds(), "add-events/s")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
		b.ReportMetric(findings.Seconds(), "findings-s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "peak-heap-growth-MB")
		b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MB")
		b.Logf("%d events in %v (Add %v, Findings %v), %d findings, stats %+v", n, elapsed, adding, findings, len(fs), a.Stats())
	}
}
