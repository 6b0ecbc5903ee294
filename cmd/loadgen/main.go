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
	// With a rate, a ticker hands out the right to send; requests queue
	// behind a slow answer, and latency counts from when the tick came
	// (no coordinated omission).
	var tickets chan time.Time
	if rate > 0 {
		tickets = make(chan time.Time, conns*4)
		go func() {
			interval := time.Duration(float64(time.Second) / rate)
			start := time.Now()
			for i := int64(0); ; i++ {
				due := start.Add(time.Duration(i) * interval)
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				select {
				case tickets <- due:
				case <-ctx.Done():
					close(tickets)
					return
				}
			}
		}()
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
			defer wg.Done()
			var lat []time.Duration
			var errs int64
			statuses := map[int]int64{}
			first := ""
			for ctx.Err() == nil {
				start := time.Now()
				if tickets != nil {
					due, ok := <-tickets
					if !ok {
						break
					}
					start = due
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
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
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

func (r *result) print(w io.Writer, conns int, rate float64) {
	slices.Sort(r.lat)
	pct := func(p float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))]
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	mode := "closed loop (as fast as answers come)"
	if rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f requests/s", rate)
	}
	fmt.Fprintf(w, "%d connections, %s, %.1f s measured\n", conns, mode, r.elapsed.Seconds())
	fmt.Fprintf(w, "requests ok: %d  errors: %d  throughput: %.0f requests/s\n", len(r.lat), r.errors,
		float64(len(r.lat))/r.elapsed.Seconds())
	fmt.Fprintf(w, "latency p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n", ms(pct(.5)), ms(pct(.9)), ms(pct(.99)),
		ms(pct(.999)), ms(pct(1)))
	if r.errors > 0 {
		fmt.Fprintf(w, "statuses: %v  first error: %s\n", r.statuses, r.firstErr)
	}
}
