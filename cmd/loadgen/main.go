// Command loadgen measures `ringfence serve` under load: it posts subject
// records to /v1/screen from several connections for a while, at full speed
// or at a fixed rate, and reports throughput, latency percentiles and
// errors. docs/BENCHMARKS.md records its figures with the exact command.
//
// Usage:
//
//	loadgen -url http://127.0.0.1:8080 -key rfk_… -records sample.jsonl \
//	        [-c 16] [-d 30s] [-rate 0] [-warmup 3s] [-store]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "server base URL")
	key := flag.String("key", os.Getenv("RINGFENCE_KEY"), "API key (default $RINGFENCE_KEY)")
	file := flag.String("records", "", "JSON Lines file of subject records to send, in turn")
	conns := flag.Int("c", 16, "concurrent connections")
	dur := flag.Duration("d", 30*time.Second, "how long to measure")
	warm := flag.Duration("warmup", 3*time.Second, "load before measuring, not counted")
	rate := flag.Float64("rate", 0, "requests per second in all (0: as fast as answers come)")
	keep := flag.Bool("store", false, "ask the server to store each record (?store=true)")
	timeline := flag.Bool("timeline", false, "also print requests and the worst latency of every second")
	flag.Parse()
	if *key == "" || *file == "" {
		fmt.Fprintln(os.Stderr, "loadgen: -key and -records are required")
		os.Exit(2)
	}
	bodies, err := readRecords(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	endpoint := *url + "/v1/screen"
	if *keep {
		endpoint += "?store=true"
	}
	r := run(endpoint, *key, bodies, *conns, *warm, *dur, *rate)
	r.print(os.Stdout, *conns, *rate)
	if *timeline {
		r.printTimeline(os.Stdout)
	}
	if r.errors > 0 {
		os.Exit(1)
	}
}

func readRecords(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if !json.Valid(line) {
			return nil, fmt.Errorf("%s:%d: not a JSON object", path, len(out)+1)
		}
		out = append(out, bytes.Clone(line))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no records", path)
	}
	return out, sc.Err()
}

type result struct {
	lat      []time.Duration
	done     []time.Time // when each of lat ended
	errors   int64
	statuses map[int]int64
	elapsed  time.Duration
	firstErr string
}

func run(endpoint, key string, bodies [][]byte, conns int, warm, dur time.Duration, rate float64) *result {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var next atomic.Int64
	var measuring atomic.Bool
	ctx, cancel := context.WithTimeout(context.Background(), warm+dur)
	defer cancel()
	// With a rate, each connection keeps its own schedule, as wrk2 does:
	// connection c sends its k-th request at begin + (k*conns + c)/rate. A
	// request late because the one before was slow goes at once, and its
	// latency counts from when it was due, not when it went (no
	// coordinated omission).
	begin := time.Now()
	var every time.Duration
	if rate > 0 {
		every = time.Duration(float64(time.Second) * float64(conns) / rate)
	}
	res := &result{statuses: map[int]int64{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var measureStart time.Time
	time.AfterFunc(warm, func() {
		mu.Lock()
		measureStart = time.Now()
		mu.Unlock()
		measuring.Store(true)
	})
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			due := begin.Add(time.Duration(c) * every / time.Duration(conns))
			defer wg.Done()
			var lat []time.Duration
			var done []time.Time
			var errs int64
			statuses := map[int]int64{}
			first := ""
			for ctx.Err() == nil {
				start := time.Now()
				if every > 0 {
					if d := time.Until(due); d > 0 {
						time.Sleep(d)
					}
					start, due = due, due.Add(every)
				}
				body := bodies[next.Add(1)%int64(len(bodies))]
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				status := 0
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				el := time.Since(start)
				if ctx.Err() != nil || !measuring.Load() {
					continue
				}
				statuses[status]++
				if err != nil || status != http.StatusOK {
					errs++
					if first == "" {
						first = fmt.Sprint(status, " ", err)
					}
					continue
				}
				lat = append(lat, el)
				done = append(done, time.Now())
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.done = append(res.done, done...)
			res.errors += errs
			for k, v := range statuses {
				res.statuses[k] += v
			}
			if res.firstErr == "" {
				res.firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	mu.Lock()
	res.elapsed = time.Since(measureStart)
	mu.Unlock()
	return res
}

// printTimeline shows each second's answers and worst latency: a stall
// (a GC pause, a lock) shows as a second with few answers and a long worst.
func (r *result) printTimeline(w io.Writer) {
	if len(r.done) == 0 {
		return
	}
	start := slices.MinFunc(r.done, func(a, b time.Time) int { return a.Compare(b) })
	n := map[int]int{}
	worst := map[int]time.Duration{}
	last := 0
	for i, t := range r.done {
		s := int(t.Sub(start) / time.Second)
		n[s]++
		worst[s] = max(worst[s], r.lat[i])
		last = max(last, s)
	}
	for s := 0; s <= last; s++ {
		fmt.Fprintf(w, "%3d s  %6d answers  worst %8.2f ms\n", s, n[s], float64(worst[s].Microseconds())/1000)
	}
}

func (r *result) print(w io.Writer, conns int, rate float64) {
	lat := slices.Clone(r.lat)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	mode := "closed loop (as fast as answers come)"
	if rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f requests/s", rate)
	}
	fmt.Fprintf(w, "%d connections, %s, %.1f s measured\n", conns, mode, r.elapsed.Seconds())
	fmt.Fprintf(w, "requests ok: %d  errors: %d  throughput: %.0f requests/s\n", len(lat), r.errors,
		float64(len(lat))/r.elapsed.Seconds())
	fmt.Fprintf(w, "latency p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n", ms(pct(.5)), ms(pct(.9)), ms(pct(.99)),
		ms(pct(.999)), ms(pct(1)))
	if r.errors > 0 {
		fmt.Fprintf(w, "statuses: %v  first error: %s\n", r.statuses, r.firstErr)
	}
}
