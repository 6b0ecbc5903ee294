package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ringfence/ringfence/internal/graph"
	"github.com/ringfence/ringfence/internal/match"
	"github.com/ringfence/ringfence/internal/neardup"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

func screenCommand() command {
	c := command{
		name:    "screen",
		summary: "screen subject records: a scored, explained verdict per person",
		usage: `Usage: ringfence screen FILE... [--format jsonl|csv|table] [--rules FILE]... [--store]
                        [--min-level LEVEL] [--strict] [--region CC] [--db DSN]

Screens every record (JSON Lines or CSV, gzip read transparently, "-" is
standard input) against the intelligence in the database, against the other
records of the input (before and after it) and against stored subjects, and
prints one verdict per record: a score 0–100, a level (clear, low, medium,
high, critical) and every hit with its rule, the record's field and value,
what it matched, the source and an explanation. "high" and "critical" mean:
stop and review before hiring or paying.

Rules are data: the embedded DPRK IT-worker pack ('ringfence rules list'),
plus any --rules FILE, whose rules add to it or replace the pack's rule of
the same id (docs/RULES.md). A rule that does not compile stops the command
before anything is read, naming the rule, its file and line.

A bad record is reported with its file, line and field and skipped (exit
code 2 at the end); --strict stops at the first. Progress goes to stderr,
and a summary at the end: verdicts per level and the rules that most often
scored in verdicts above clear.

Flags:
  --format F      jsonl (one object per record), csv, or table; default
                  table on a terminal, jsonl otherwise
  --rules FILE    a rule file to add (repeatable)
  --store         also store the subjects and their verdicts, so later
                  runs link to them: each subject with its verdict, in one
                  transaction per 10,000 records (a failed run keeps the
                  chunks written before it, whole; run it again)
  --min-level L   print only verdicts at level L or above (default clear)
  --strict        stop at the first bad record
  --region CC     country for phone numbers without a country code
  --db DSN        database: a file path for SQLite or postgres://…
                  (default $RINGFENCE_DB or ringfence.db)

Example:
  $ ringfence intel import sdn_advanced.xml
  $ ringfence screen applicants.jsonl --format table --min-level high
  ID          LEVEL     SCORE  EVIDENCE
  S0000009    critical    100  identity-theft: id_documents[0] ssn:US:161914714 = S0000039 (input) (+1 more)
  S0000228    critical    100  shared-payout-account: bank_accounts[0] us:060318101:91361202337 = S0000334, S0000364 (input) (+1 more)
  screened 400 records in 0.1s (2917/s): 12 critical, 0 high, 1 medium, 9 low, 378 clear
  top rules: shared-wallet 10, shipping-not-home 8, laptop-farm-address 4, near-duplicate-resume 3, …
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		dbFlag := fs.String("db", "", "database")
		format := fs.String("format", "", "jsonl, csv or table")
		var ruleFiles stringList
		fs.Var(&ruleFiles, "rules", "rule file")
		keep := fs.Bool("store", false, "store subjects and verdicts")
		minLevel := fs.String("min-level", screen.Clear, "lowest level printed")
		strict := fs.Bool("strict", false, "stop at the first bad record")
		region := fs.String("region", "", "default country for phone numbers")
		files, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return usagef("screen needs at least one FILE (see 'ringfence help screen')")
		}
		if *format == "" {
			*format = "jsonl"
			if isTerminal(e.stdout) {
				*format = "table"
			}
		}
		if !slices.Contains([]string{"jsonl", "csv", "table"}, *format) {
			return usagef("--format %q: want jsonl, csv or table", *format)
		}
		if screen.LevelRank(*minLevel) < 0 {
			return usagef("--min-level %q: want one of %s", *minLevel, strings.Join(screen.Levels, ", "))
		}
		if *region, err = regionFlag(*region); err != nil {
			return err
		}
		s, st, err := openScreener(ctx, e, *dbFlag, ruleFiles, *region, true)
		if err != nil {
			return err
		}
		defer st.Close()
		sc := &screening{e: e, s: s, st: st, keep: *keep, strict: *strict, format: *format,
			minLevel: screen.LevelRank(*minLevel), opts: normalize.Options{Region: *region}, perRule: map[string]int{}}
		return sc.run(ctx, files)
	}
	return c
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// openScreener opens the database, loads its intelligence into a match
// index and returns a screener with the rules (the pack and ruleFiles);
// with link, it also links records to the stored subjects, if any.
func openScreener(ctx context.Context, e *env, dbFlag string, ruleFiles []string, region string, link bool) (*screen.Screener, store.Store, error) {
	rules, err := loadRules(ruleFiles)
	if err != nil {
		return nil, nil, err
	}
	st, err := openIntelStore(ctx, e, dbFlag)
	if err != nil {
		return nil, nil, err
	}
	s, err := func() (*screen.Screener, error) {
		start := time.Now()
		x, err := match.NewIndex(st.Indicators(ctx, store.IndicatorQuery{ValidAt: time.Now()}))
		if err != nil {
			return nil, err
		}
		ist := x.Stats()
		fmt.Fprintf(e.stderr, "loaded %d indicators (%d list entries, %d names) in %.1fs\n",
			ist.Indicators, ist.Entries, ist.Names, time.Since(start).Seconds())
		cfg := screen.Config{Intel: x, Rules: rules, Normalize: normalize.Options{Region: region}, Log: e.log}
		if cfg.Findings, err = screen.LoadFindings(ctx, st); err != nil {
			return nil, err
		}
		if n := len(cfg.Findings); n > 0 {
			fmt.Fprintf(e.stderr, "with findings of laptop-farm telemetry and the consortium about %d stored %s\n", n, plural(n, "subject", "subjects"))
		}
		if link {
			if n, err := storedSubjects(ctx, st); err != nil {
				return nil, err
			} else if n > 0 {
				cfg.Store = st
				fmt.Fprintf(e.stderr, "linking to %d stored %s\n", n, plural(int(n), "subject", "subjects"))
			}
		}
		return screen.New(cfg)
	}()
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return s, st, nil
}

// loadRules compiles the embedded pack with the given files over it. Bad
// rules are bad input: exit code 2, the rule named.
func loadRules(files []string) (*screen.Rules, error) {
	var extra [][]*screen.Rule
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, usagef("--rules: %v", err)
		}
		rs, err := screen.ParseRules(f, data)
		if err != nil {
			return nil, &inputError{err}
		}
		extra = append(extra, rs)
	}
	rules, err := screen.DefaultRules(extra...)
	if err != nil {
		return nil, &inputError{err}
	}
	return rules, nil
}

func storedSubjects(ctx context.Context, st store.Store) (int64, error) {
	s, err := st.Stats(ctx, 0)
	if err != nil {
		return 0, err
	}
	return s.Tables["subjects"], nil
}

// screening is one run of the screen command: a first pass prepares every
// record for linking, a second screens them on all cores and writes the
// verdicts in input order.
type screening struct {
	e        *env
	s        *screen.Screener
	st       store.Store
	keep     bool
	strict   bool
	format   string
	minLevel int
	opts     normalize.Options
	prog     *progress
	// sites are the laptop-farm sites stored farm findings name, by
	// subject id: records of those ids link through them (graph.SiteLinks).
	sites map[string][]subject.Identifier

	read, bad int
	// seen maps the ids read to where, when records come from more than
	// one place.
	seen     map[string]string
	perLevel [5]int
	perRule  map[string]int
}

type screenJob struct {
	first    int // record number of recs[0] (pass 1) or staged[0] (pass 2)
	recs     []subject.Record
	staged   [][]byte
	chunk    *graph.Chunk
	resumes  []resumeSig
	listed   []listedRec
	values   []graph.KeyValue
	verdicts []screen.Verdict
	subjects []store.Subject
	err      error
	done     chan struct{}
}

// storeChunk is how many subjects and verdicts --store writes per
// transaction.
const storeChunk = 10000

type resumeSig struct {
	recno int
	sig   neardup.Signature
}

func (sc *screening) run(ctx context.Context, files []string) error {
	start := time.Now()
	stg, err := sc.stage(ctx, func(send func(*screenJob) error) error {
		bt := &batcher{send: send}
		if err := sc.readAll(ctx, files, bt); err != nil {
			return err
		}
		return bt.flush()
	})
	if err != nil {
		return err
	}
	defer stg.close()
	batch := stg.batch
	if _, _, err := sc.clusters(ctx, stg, false); err != nil {
		return err
	}
	staged, err := stg.rewind()
	if err != nil {
		return err
	}

	// Pass 2: screen and write in input order.
	prog := newProgress(sc.e.stderr, "records screened")
	out := bufio.NewWriterSize(sc.e.stdout, 1<<16)
	w := sc.writer(out)
	// With --store, subjects and their verdicts go in together, one
	// transaction per storeChunk records.
	var pending []store.Subject
	flush := func() error {
		if !sc.keep || len(pending) == 0 {
			return nil
		}
		if _, err := sc.st.PutSubjects(ctx, pending); err != nil {
			return fmt.Errorf("screen: store: %w", err)
		}
		pending = pending[:0]
		return nil
	}
	now := time.Now().UTC()
	err = sc.pipeline(ctx, func(send func(*screenJob) error) error {
		return readStaged(staged, send)
	}, func(j *screenJob) {
		recs := make([]screen.Staged, len(j.staged))
		idss := make([][]subject.Identifier, len(j.staged))
		for i, b := range j.staged {
			st, err := screen.DecodeStaged(b, false)
			if err != nil {
				j.err = fmt.Errorf("screen: %w", err)
				return
			}
			recs[i], idss[i] = st, st.IDs
		}
		pf, err := sc.s.Prefetch(ctx, idss)
		if err != nil {
			j.err = err
			return
		}
		for i := range recs {
			rec, ids := &recs[i].Rec, recs[i].IDs
			v, err := sc.s.ScreenPrefetched(ctx, batch, pf, j.first+i, rec, ids, recs[i].Problems)
			if err != nil {
				j.err = err
				return
			}
			j.verdicts = append(j.verdicts, v)
			if sc.keep {
				// A farm site is the analysis's, not the record's: it is
				// not stored with the subject.
				kept := ids
				if len(sc.sites[rec.ID]) > 0 {
					kept = slices.DeleteFunc(slices.Clone(ids), func(id subject.Identifier) bool { return id.Kind == graph.KindSite })
				}
				j.subjects = append(j.subjects, subject.Stored(rec, kept))
			}
		}
		j.staged = nil
	}, func(j *screenJob) error {
		if j.err != nil {
			return j.err
		}
		for i, v := range j.verdicts {
			sc.perLevel[screen.LevelRank(v.Level)]++
			// Top rules are those that moved a verdict off clear: context
			// (a household address) would drown them.
			for _, h := range v.Hits {
				if h.Points > 0 && v.Level != screen.Clear {
					sc.perRule[h.Rule]++
				}
			}
			if screen.LevelRank(v.Level) >= sc.minLevel {
				if err := w(v); err != nil {
					return err
				}
			}
			if sc.keep {
				hits, err := json.Marshal(v.Hits)
				if err != nil {
					return err
				}
				sub := j.subjects[i]
				sub.Verdict = &store.Verdict{SubjectID: v.ID, Score: v.Score, Level: v.Level, Hits: hits, ScreenedAt: now}
				pending = append(pending, sub)
				if len(pending) >= storeChunk {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		prog.add(len(j.verdicts))
		return nil
	})
	if err == nil {
		err = flush()
	}
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	prog.done()
	sc.summary(time.Since(start))
	if err != nil {
		return err
	}
	if sc.bad > 0 {
		return fmt.Errorf("%d bad %s skipped: %w", sc.bad, plural(sc.bad, "record", "records"), errBadInput)
	}
	return nil
}

// readStaged reads the staged records back in batches.
func readStaged(r *bufio.Reader, send func(*screenJob) error) error {
	n := 0
	j := &screenJob{}
	for {
		size, err := binary.ReadUvarint(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("screen: read staged records: %w", err)
		}
		b := make([]byte, size)
		if _, err := io.ReadFull(r, b); err != nil {
			return fmt.Errorf("screen: read staged records: %w", err)
		}
		if len(j.staged) == 0 {
			j.first = n
		}
		n++
		j.staged = append(j.staged, b)
		if len(j.staged) == batchSize {
			if err := send(j); err != nil {
				return err
			}
			j = &screenJob{}
		}
	}
	if len(j.staged) > 0 {
		return send(j)
	}
	return nil
}

// pipeline runs work on the batches produce sends, on all cores, and hands
// them to emit in the order they were sent.
func (sc *screening) pipeline(ctx context.Context, produce func(send func(*screenJob) error) error,
	work func(*screenJob), emit func(*screenJob) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *screenJob)
	ordered := make(chan *screenJob, runtime.GOMAXPROCS(0)+1)
	var workers sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		workers.Go(func() {
			for j := range jobs {
				work(j)
				close(j.done)
			}
		})
	}
	emitted := make(chan error, 1)
	go func() {
		var err error
		for j := range ordered {
			<-j.done
			if err != nil {
				continue
			}
			if err = emit(j); err != nil {
				cancel()
			}
		}
		emitted <- err
	}()
	send := func(j *screenJob) error {
		j.done = make(chan struct{})
		select {
		case ordered <- j:
		case <-ctx.Done():
			return ctx.Err()
		}
		jobs <- j
		return nil
	}
	readErr := produce(send)
	close(jobs)
	workers.Wait()
	close(ordered)
	if err := <-emitted; err != nil {
		return err
	}
	return readErr
}

// batcher numbers records in the order they are sent and sends them to
// the pipeline in batches.
type batcher struct {
	send func(*screenJob) error
	n    int
	j    *screenJob
}

func (b *batcher) add(rec subject.Record) error {
	if b.j == nil {
		b.j = &screenJob{first: b.n, recs: make([]subject.Record, 0, batchSize)}
	}
	b.n++
	b.j.recs = append(b.j.recs, rec)
	if len(b.j.recs) < batchSize {
		return nil
	}
	j := b.j
	b.j = nil
	return b.send(j)
}

func (b *batcher) flush() error {
	if b.j == nil {
		return nil
	}
	j := b.j
	b.j = nil
	return b.send(j)
}

// readAll reads the records of files into bt.
func (sc *screening) readAll(ctx context.Context, files []string, bt *batcher) error {
	// Each reader refuses an id its file repeats; across files this map
	// does: one input, one verdict per id.
	if len(files) > 1 && sc.seen == nil {
		sc.seen = map[string]string{}
	}
	return eachRecord(ctx, sc.e, files, sc.strict, func(*subject.LineError) {
		sc.read++
		sc.bad++
		sc.prog.done()
	}, func(rec subject.Record, file string) error {
		sc.read++
		if sc.seen != nil {
			if at, dup := sc.seen[rec.ID]; dup {
				sc.bad++
				sc.prog.done()
				fmt.Fprintln(sc.e.stderr, &subject.LineError{File: file, Line: rec.Line, Field: "id",
					Reason: fmt.Sprintf("%q is the id of the record at %s already", rec.ID, at)})
				if sc.strict {
					return errStrict
				}
				return nil
			}
			sc.seen[rec.ID] = fmt.Sprintf("%s:%d", file, rec.Line)
		}
		return bt.add(rec)
	})
}

// writer returns the function that prints one verdict in the chosen
// format.
func (sc *screening) writer(w *bufio.Writer) func(screen.Verdict) error {
	switch sc.format {
	case "csv":
		cw := csv.NewWriter(w)
		// The header even when no verdict reaches --min-level: an empty
		// result is still a CSV file.
		cw.Write([]string{"id", "score", "level", "rules", "evidence"})
		cw.Flush()
		return func(v screen.Verdict) error {
			var rules, ev []string
			for _, h := range v.Hits {
				if !slices.Contains(rules, h.Rule) {
					rules = append(rules, h.Rule)
				}
				ev = append(ev, h.Explanation)
			}
			err := cw.Write([]string{v.ID, strconv.Itoa(v.Score), v.Level, strings.Join(rules, "|"), strings.Join(ev, " | ")})
			cw.Flush()
			return err
		}
	case "table":
		header := false
		return func(v screen.Verdict) error {
			if !header {
				header = true
				fmt.Fprintf(w, "%-10s  %-8s  %5s  %s\n", "ID", "LEVEL", "SCORE", "EVIDENCE")
			}
			ev := "-"
			if len(v.Hits) > 0 {
				h := v.Hits[0]
				ev = oneLine(fmt.Sprintf("%s: %s %s = %s (%s)", h.Rule, h.Attribute, h.Value, h.Matched, h.Source), 110)
				if n := countPoints(v.Hits); n > 1 {
					ev += fmt.Sprintf(" (+%d more)", n-1)
				}
			}
			_, err := fmt.Fprintf(w, "%-10s  %-8s  %5d  %s\n", v.ID, v.Level, v.Score, ev)
			return err
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return func(v screen.Verdict) error { return enc.Encode(v) }
}

func countPoints(hits []screen.Hit) int {
	n := 0
	for _, h := range hits {
		if h.Points > 0 {
			n++
		}
	}
	return n
}

func (sc *screening) summary(el time.Duration) {
	screened := 0
	for _, n := range sc.perLevel {
		screened += n
	}
	rate := 0.0
	if el > 0 {
		rate = float64(screened) / el.Seconds()
	}
	var lv []string
	for i := len(screen.Levels) - 1; i >= 0; i-- {
		lv = append(lv, fmt.Sprintf("%d %s", sc.perLevel[i], screen.Levels[i]))
	}
	fmt.Fprintf(sc.e.stderr, "screened %d %s in %.1fs (%.0f/s): %s", screened, plural(screened, "record", "records"),
		el.Seconds(), rate, strings.Join(lv, ", "))
	if sc.bad > 0 {
		fmt.Fprintf(sc.e.stderr, "; %d bad %s skipped", sc.bad, plural(sc.bad, "record", "records"))
	}
	fmt.Fprintln(sc.e.stderr)
	type rc struct {
		rule string
		n    int
	}
	var top []rc
	for r, n := range sc.perRule {
		top = append(top, rc{r, n})
	}
	slices.SortFunc(top, func(a, b rc) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return strings.Compare(a.rule, b.rule)
	})
	if len(top) > 0 {
		var parts []string
		for _, t := range top[:min(len(top), 8)] {
			parts = append(parts, fmt.Sprintf("%s %d", t.rule, t.n))
		}
		fmt.Fprintf(sc.e.stderr, "top rules: %s\n", strings.Join(parts, ", "))
	}
}
