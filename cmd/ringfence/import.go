package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

func importCommand() command {
	c := command{
		name:    "import",
		summary: "store subject records and their identifiers in the database",
		usage: `Usage: ringfence import FILE... [--db DSN] [--chunk N] [--strict] [--region CC]

Stores subject records (JSON Lines or CSV, gzip read transparently, "-" is
standard input) with their normalised identifiers in the database, so that
screening and link analysis can find every subject sharing a value.

Importing is idempotent: a record whose id is already stored replaces it
when it changed (its identifiers are replaced with it) and is left alone
when it did not, so running an import twice stores nothing twice. Records
are written in chunks, one transaction each: a killed import leaves whole
chunks only, and running it again completes it.

A bad record is reported with its file, line and field and never stored;
the other records are, and the command exits with 2. With --strict the
import stops at the first bad record, after storing the good records read
before it. Values that are not valid for their kind (an impossible phone
number) are warnings: the record is stored without them.

Flags:
  --db DSN       database: a file path for SQLite or postgres://…
                 (default $RINGFENCE_DB or ringfence.db)
  --chunk N      records per transaction (default 10000)
  --strict       stop at the first bad record
  --region CC    country for phone numbers without a country code
                 (default: the country of the record's first address)

Example:
  $ ringfence import applicants.jsonl workers.csv
  applicants.jsonl:7: field birth_date: "1990-13-01" is not a date written YYYY-MM-DD
  imported 5200 records from 2 files into ringfence.db in 0.4s: 5100 new, 60 updated, 39 unchanged, 1 bad, 0 invalid values
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		dbFlag := fs.String("db", "", "database")
		chunk := fs.Int("chunk", 10000, "records per transaction")
		strict := fs.Bool("strict", false, "stop at the first bad record")
		region := fs.String("region", "", "default country for phone numbers")
		files, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return usagef("import needs at least one FILE (see 'ringfence help import')")
		}
		if *chunk < 1 || *chunk > 100000 {
			return usagef("--chunk %d: must be between 1 and 100000", *chunk)
		}
		if *region, err = regionFlag(*region); err != nil {
			return err
		}
		dsn := e.dsn(*dbFlag)
		st, err := openStore(ctx, e, dsn)
		if err != nil {
			return err
		}
		defer st.Close()
		imp := &importer{e: e, st: st, chunk: *chunk, strict: *strict, opts: normalize.Options{Region: *region},
			prog: newProgress(e.stderr, "records imported")}
		start := time.Now()
		err = imp.run(ctx, files)
		imp.prog.done()
		el := time.Since(start)
		fmt.Fprintf(e.stderr, "imported %d %s from %d %s into %s in %.1fs: %d new, %d updated, %d unchanged, %d bad, %d invalid %s\n",
			imp.read, plural(imp.read, "record", "records"), len(files), plural(len(files), "file", "files"), redactDSN(dsn),
			el.Seconds(), imp.res.New, imp.res.Updated, imp.res.Unchanged, imp.bad, imp.invalid, plural(imp.invalid, "value", "values"))
		if err != nil {
			return err
		}
		if imp.bad > 0 {
			return fmt.Errorf("%d bad %s skipped: %w", imp.bad, plural(imp.bad, "record", "records"), errBadInput)
		}
		return nil
	}
	return c
}

// importer reads records and stores them in chunks. One goroutine reads
// and checks records, a pool normalises whole chunks (the costly part), and
// one writes them — in the order they were read, so that when two files
// hold one id the later file wins, as it would one record at a time.
type importer struct {
	e      *env
	st     store.Store
	chunk  int
	strict bool
	opts   normalize.Options
	prog   *progress

	read, bad, invalid int // counted by the reading goroutine, read after it ends
	res                store.PutResult
}

// job is a batch of records on its way: records in, subjects and warnings
// out. Batches are at most batchSize records so that normalising spreads
// over the cores and little is in flight; the writer gathers batches into
// chunks of --chunk records, one transaction each. endOfChunk marks the
// batch that closes a chunk.
type job struct {
	endOfChunk bool
	recs       []subject.Record
	files      []string
	subjects   []store.Subject
	warnings   []string
	invalid    int
	done       chan struct{}
}

func (imp *importer) run(ctx context.Context, files []string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *job)
	ordered := make(chan *job, runtime.GOMAXPROCS(0)+1)
	var workers sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		workers.Go(func() {
			for j := range work {
				imp.normalise(j)
				close(j.done)
			}
		})
	}
	written := make(chan error, 1)
	invalid := 0
	go func() {
		var err error
		var pending []store.Subject
		for j := range ordered {
			<-j.done
			if err != nil {
				continue // drain so the reader never blocks
			}
			imp.prog.done()
			for _, w := range j.warnings {
				fmt.Fprintln(imp.e.stderr, w)
			}
			invalid += j.invalid
			pending = append(pending, j.subjects...)
			if !j.endOfChunk {
				continue
			}
			var r store.PutResult
			r, err = imp.st.PutSubjects(ctx, pending)
			if err != nil {
				cancel()
				continue
			}
			imp.res = imp.res.Add(r)
			imp.prog.add(len(pending))
			pending = pending[:0]
		}
		written <- err
	}()
	readErr := imp.readAll(ctx, files, func(j *job) error {
		j.done = make(chan struct{})
		select {
		case ordered <- j:
		case <-ctx.Done():
			return ctx.Err()
		}
		work <- j
		return nil
	})
	close(work)
	workers.Wait()
	close(ordered)
	err := <-written
	imp.invalid = invalid
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return readErr
}

func (imp *importer) normalise(j *job) {
	j.subjects = make([]store.Subject, len(j.recs))
	for i := range j.recs {
		rec := &j.recs[i]
		ids, problems := subject.Identifiers(rec, imp.opts)
		for _, p := range problems {
			j.invalid++
			j.warnings = append(j.warnings, fmt.Sprintf("warning: %s:%d: field %s: %s", j.files[i], rec.Line, p.Attribute, p.Reason))
		}
		j.subjects[i] = subject.Stored(rec, ids)
	}
	j.recs = nil
}

// readAll reads every file and sends chunks of good records; it returns
// after the last, at the first bad record with --strict, or when the
// context ends.
func (imp *importer) readAll(ctx context.Context, files []string, send func(*job) error) error {
	batch := min(imp.chunk, batchSize)
	j := &job{}
	inChunk := 0 // records of the current chunk sent so far
	// flush sends the batch; closing ends the chunk there.
	flush := func(closing bool) error {
		if len(j.recs) == 0 && !(closing && inChunk > 0) {
			return nil
		}
		inChunk += len(j.recs)
		j.endOfChunk = closing || inChunk == imp.chunk
		if j.endOfChunk {
			inChunk = 0
		}
		if err := send(j); err != nil {
			return err
		}
		j = &job{}
		return nil
	}
	err := eachRecord(ctx, imp.e, files, imp.strict, func(*subject.LineError) {
		imp.read++
		imp.bad++
		imp.prog.done()
	}, func(rec subject.Record, file string) error {
		imp.read++
		j.recs = append(j.recs, rec)
		j.files = append(j.files, file)
		if len(j.recs) == batch || inChunk+len(j.recs) == imp.chunk {
			return flush(false)
		}
		return nil
	})
	if errors.Is(err, errStrict) {
		// Store the good records read before the bad one.
		if ferr := flush(true); ferr != nil {
			return ferr
		}
		return err
	}
	if err != nil {
		return err
	}
	return flush(true)
}

// batchSize bounds the records normalised as one unit of work.
const batchSize = 1000
