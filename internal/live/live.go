// Package live is screening as a service: a match index that follows the
// store's intelligence, one record screened in milliseconds for a hiring or
// payout flow, batch uploads screened as background jobs with progress, and
// the link graph of stored subjects for analysts.
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/match"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// Config is what an Engine needs.
type Config struct {
	Store store.Store
	Desk  *cases.Desk
	// Rules are the compiled rules; nil means the default pack.
	Rules     *screen.Rules
	Normalize normalize.Options
	Log       *slog.Logger
	// MaxJobs bounds the finished jobs kept for download; 0 means 50.
	MaxJobs int
}

// Engine screens records against the store's intelligence and subjects.
// It is safe for concurrent use.
type Engine struct {
	cfg   Config
	st    store.Store
	log   *slog.Logger
	rules *screen.Rules

	index atomic.Pointer[match.Index]
	// telemetryMu lets one telemetry analysis run at a time.
	telemetryMu sync.Mutex
	// findings are other analyses' findings by subject (laptop farms, the
	// consortium), loaded with the index.
	findings atomic.Pointer[map[string][]screen.Finding]
	loaded   atomic.Pointer[time.Time]
	reload   chan struct{}
	// gen counts updates of stored subjects through the engine, and
	// newSubjects every write, so cached people and clusters know they are
	// stale.
	gen         atomic.Int64
	newSubjects atomic.Int64
	scr         atomic.Pointer[cachedScreener]
	held        atomic.Pointer[held]
	// heldMu orders adds to held against its replacement by a new scan,
	// so no value stored meanwhile is lost between the two.
	heldMu sync.Mutex

	jobs *jobs

	clMu     sync.Mutex
	clusters *clusterSnapshot
}

// New loads the intelligence and returns an Engine. Call Run to keep the
// index current and work through batch jobs.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	e := &Engine{cfg: cfg, st: cfg.Store, log: cfg.Log, rules: cfg.Rules, reload: make(chan struct{}, 1)}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.rules == nil {
		var err error
		if e.rules, err = screen.DefaultRules(); err != nil {
			return nil, err
		}
	}
	if cfg.MaxJobs == 0 {
		cfg.MaxJobs = 50
	}
	e.jobs = newJobs(e, cfg.MaxJobs)
	if err := e.load(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Ready reports whether the engine has an index to screen with and has
// read which values the stored subjects hold: until then every screen asks
// the store about every value, several times the work, and a load balancer
// should send traffic elsewhere.
func (e *Engine) Ready() bool { return e.index.Load() != nil && e.held.Load() != nil }

// IndexStats describes the loaded intelligence and when it was loaded.
func (e *Engine) IndexStats() (match.Stats, time.Time) {
	x := e.index.Load()
	if x == nil {
		return match.Stats{}, time.Time{}
	}
	return x.Stats(), *e.loaded.Load()
}

func (e *Engine) load(ctx context.Context) error {
	start := time.Now()
	x, err := match.NewIndex(e.st.Indicators(ctx, store.IndicatorQuery{ValidAt: start}))
	if err != nil {
		return fmt.Errorf("load indicators: %w", err)
	}
	fs, err := screen.LoadFindings(ctx, e.st)
	if err != nil {
		return fmt.Errorf("load findings: %w", err)
	}
	e.findings.Store(&fs)
	e.index.Store(x)
	e.loaded.Store(&start)
	st := x.Stats()
	e.log.Info("intelligence loaded", "indicators", st.Indicators, "entries", st.Entries,
		"seconds", time.Since(start).Seconds())
	return nil
}

// Reload asks for the index to be rebuilt from the store; requests that
// arrive while one runs are served by one more rebuild.
func (e *Engine) Reload() {
	select {
	case e.reload <- struct{}{}:
	default:
	}
}

// reloadEvery rebuilds the index even when nothing asked, to follow
// intelligence imported by other processes (the CLI, another server).
const reloadEvery = 5 * time.Minute

// Run keeps the index current and runs batch jobs until ctx ends.
func (e *Engine) Run(ctx context.Context) {
	go e.jobs.run(ctx)
	go e.scanHeld(ctx)
	t := time.NewTicker(reloadEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.reload:
		case <-t.C:
		}
		if err := e.load(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("reload intelligence", "err", err)
		}
	}
}

// scanHeld keeps the set of held values current (see held). Until the
// first scan ends every value is looked up in the store.
func (e *Engine) scanHeld(ctx context.Context) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		if h := e.held.Load(); h == nil || h.due(time.Now()) {
			nh, err := scanHeld(ctx, e.st)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				e.log.Error("scan stored values", "err", err)
			} else {
				e.heldMu.Lock()
				nh.since(e.held.Load())
				e.held.Store(nh)
				e.heldMu.Unlock()
				e.log.Debug("stored values scanned", "values", len(nh.sorted), "seconds", nh.took.Seconds())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// storedTTL bounds how long a Screener's cache of stored subjects (their
// names, birth dates and homes, read when a record links to them) is
// trusted: a subject changed by another process is seen within this time,
// and one changed through this engine at once.
const storedTTL = 30 * time.Second

type cachedScreener struct {
	s    *screen.Screener
	idx  *match.Index
	held *held
	gen  int64
	fs   *map[string][]screen.Finding
	at   time.Time
}

// screener returns a Screener over the current index, shared by requests
// until the index is rebuilt, a stored subject is changed through the
// engine, or storedTTL passes: an API screen then costs no reads of the
// stored subjects it met before.
func (e *Engine) screener() (*screen.Screener, error) {
	idx, h, gen, now := e.index.Load(), e.held.Load(), e.gen.Load(), time.Now()
	fs := e.findings.Load()
	if c := e.scr.Load(); c != nil && c.idx == idx && c.held == h && c.gen == gen && c.fs == fs && now.Sub(c.at) < storedTTL {
		return c.s, nil
	}
	var linker screen.Linker = e.st
	if h != nil {
		linker = heldLinker{e.st, h}
	}
	var findings map[string][]screen.Finding
	if fs != nil {
		findings = *fs
	}
	s, err := screen.New(screen.Config{Intel: idx, Rules: e.rules, Store: linker, Normalize: e.cfg.Normalize, Log: e.log,
		Findings: findings})
	if err != nil {
		return nil, err
	}
	e.scr.Store(&cachedScreener{s: s, idx: idx, held: h, gen: gen, fs: fs, at: now})
	return s, nil
}

// stored notes subjects written through the engine: their values are held
// from now on, updated ones make cached people and clusters stale, new ones
// only clusters.
func (e *Engine) stored(subs []store.Subject, r store.PutResult) {
	e.heldMu.Lock()
	if h := e.held.Load(); h != nil {
		h.add(subs)
	}
	e.heldMu.Unlock()
	e.newSubjects.Add(1)
	if r.Updated > 0 {
		e.gen.Add(1)
	}
}

// Result is the outcome of screening one record.
type Result struct {
	Verdict screen.Verdict `json:"verdict"`
	// Stored says the subject and its verdict were stored.
	Stored bool `json:"stored"`
	// Alert is the alert raised, if any.
	Alert *store.Alert `json:"-"`
	// AlertSkipped says why a verdict at alert level raised none.
	AlertSkipped string `json:"alert_skipped,omitempty"`
}

// ErrRecord wraps problems with a record given to Screen.
var ErrRecord = errors.New("bad record")

// Screen screens one record, linked to the stored subjects. With keep, the
// subject and its verdict are stored and an alert raised when the verdict
// calls for one.
func (e *Engine) Screen(ctx context.Context, rec subject.Record, keep bool) (Result, error) {
	if rec.ID == "" {
		return Result{}, fmt.Errorf("%w: id: required", ErrRecord)
	}
	s, err := e.screener()
	if err != nil {
		return Result{}, err
	}
	ids, problems := subject.Identifiers(&rec, e.cfg.Normalize)
	// Every linkable value in one query: a query's fixed cost, not the
	// index lookups, is what a single screen spends on the store.
	pf, err := s.Prefetch(ctx, [][]subject.Identifier{ids})
	if err != nil {
		return Result{}, err
	}
	v, err := s.ScreenPrefetched(ctx, nil, pf, 0, &rec, ids, problems)
	if err != nil {
		return Result{}, err
	}
	res := Result{Verdict: v}
	if !keep {
		return res, nil
	}
	sub := subject.Stored(&rec, ids)
	sv, err := storeVerdict(v)
	if err != nil {
		return Result{}, err
	}
	sub.Verdict = &sv
	put, err := e.st.PutSubjects(ctx, []store.Subject{sub})
	if err != nil {
		return Result{}, err
	}
	e.stored([]store.Subject{sub}, put)
	res.Stored = true
	raised, err := e.cfg.Desk.Raise(ctx, sub, v)
	if err != nil {
		return Result{}, err
	}
	res.Alert, res.AlertSkipped = raised.Alert, raised.Skipped
	if raised.Skipped == "below" {
		res.AlertSkipped = ""
	}
	return res, nil
}
