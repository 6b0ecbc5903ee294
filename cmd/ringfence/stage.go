package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ringfence/ringfence/internal/store"

	"github.com/ringfence/ringfence/internal/graph"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/subject"
)

// staging is an input read once: every record normalised and staged in a
// temporary file, and the batch linking needs, resumes indexed. Screening
// and clustering both start here.
type staging struct {
	spill *os.File
	batch *graph.Batch
}

func (st *staging) close() {
	st.spill.Close()
	os.Remove(st.spill.Name())
}

// rewind returns a reader of the staged records from the first.
func (st *staging) rewind() (*bufio.Reader, error) {
	if _, err := st.spill.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("staged records: %w", err)
	}
	return bufio.NewReaderSize(st.spill, 1<<20), nil
}

// stage reads the records produce sends, normalises and prepares them for
// linking on all cores, and stages them in a temporary file for the passes
// after, which need the whole input prepared before they can link a record
// to the ones after it. Then, the input's phrase frequencies known, it
// signs every resume without its stock phrases and indexes it.
func (sc *screening) stage(ctx context.Context, produce func(send func(*screenJob) error) error) (*staging, error) {
	spill, err := os.CreateTemp("", "ringfence-stage-*")
	if err != nil {
		return nil, fmt.Errorf("stage records: %w", err)
	}
	// Unlinked at once, the file lives as long as it is open: a run killed
	// (by a closed pipe, by SIGKILL) leaves no gigabyte behind in /tmp.
	os.Remove(spill.Name())
	stg := &staging{spill: spill}
	ok := false
	defer func() {
		if !ok {
			stg.close()
		}
	}()
	sw := bufio.NewWriterSize(spill, 1<<20)

	if sc.st != nil && sc.sites == nil {
		fs, err := sc.st.Findings(ctx, store.FindingQuery{Source: store.SourceFarm})
		if err != nil {
			return nil, err
		}
		sc.sites = graph.SiteLinks(fs)
	}
	t := time.Now()
	prog := newProgress(sc.e.stderr, "records read")
	sc.prog = prog
	bb := graph.NewBuilder()
	var lenBuf [binary.MaxVarintLen64]byte
	err = sc.pipeline(ctx, produce, func(j *screenJob) {
		j.chunk = graph.NewChunk(j.first)
		for i := range j.recs {
			rec := &j.recs[i]
			ids, problems := subject.Identifiers(rec, sc.opts)
			if extra := sc.sites[rec.ID]; len(extra) > 0 {
				ids = append(ids, extra...)
			}
			p := graph.Prepare(rec, ids)
			j.chunk.Add(p)
			j.staged = append(j.staged, screen.AppendStaged(nil, rec, ids, problems, p.Shingles, sc.keep))
		}
		j.recs = nil
	}, func(j *screenJob) error {
		bb.AddChunk(j.chunk) // counts the shingles; they travel on in the staged records
		j.chunk = nil
		for i := range j.staged {
			n := binary.PutUvarint(lenBuf[:], uint64(len(j.staged[i])))
			sw.Write(lenBuf[:n])
			if _, err := sw.Write(j.staged[i]); err != nil {
				return fmt.Errorf("stage records: %w", err)
			}
		}
		prog.add(len(j.staged))
		return nil
	})
	prog.done()
	if err == nil {
		err = sw.Flush()
	}
	if err != nil {
		return nil, err
	}
	sc.step(t, "read %d records", bb.Len())

	// Linking's sort and the resume pass need nothing of each other: the
	// sort runs on one core while resumes are signed on the others.
	t = time.Now()
	built := make(chan *graph.Batch, 1)
	go func() { built <- bb.Build() }()
	defer func() {
		if stg.batch == nil {
			<-built // an error cut the resume pass short
		}
	}()
	var sigs []resumeSig
	staged, err := stg.rewind()
	if err != nil {
		return nil, err
	}
	err = sc.pipeline(ctx, func(send func(*screenJob) error) error {
		return readStaged(staged, send)
	}, func(j *screenJob) {
		for i, b := range j.staged {
			sh, err := screen.StagedShingles(b)
			if err != nil {
				j.err = fmt.Errorf("staged records: %w", err)
				return
			}
			if sig, ok := bb.SignResume(sh); ok {
				j.resumes = append(j.resumes, resumeSig{j.first + i, sig})
			}
		}
		j.staged = nil
	}, func(j *screenJob) error {
		if j.err != nil {
			return j.err
		}
		sigs = append(sigs, j.resumes...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	stg.batch = <-built
	stg.batch.GrowResumes(len(sigs))
	for _, r := range sigs {
		stg.batch.AddResume(r.recno, r.sig)
	}
	sc.step(t, "linked the records and indexed %d resumes", len(sigs))
	ok = true
	return stg, nil
}

// clusters runs link analysis over a staged input: the graph, its groups,
// which members match the intelligence high on their own (read back from
// the staging file), and the scored clusters, which it also hands to the
// batch for screening to see.
func (sc *screening) clusters(ctx context.Context, stg *staging, evidence bool) (*graph.Graph, []graph.Cluster, error) {
	t := time.Now()
	g := graph.New(stg.batch)
	groups := g.Groups()
	sc.step(t, "built the link graph and found %d groups", len(groups))
	t = time.Now()
	member := make(map[uint32]bool)
	for _, grp := range groups {
		for _, r := range grp {
			member[r] = true
		}
	}
	// The members' staged records are read back: their matches raise
	// their clusters, and the batch notes their shared values' canonical
	// forms (it kept only hashes) for the clusters' reasons and evidence.
	listed := map[uint32]string{}
	if len(member) > 0 {
		err := sc.readBack(ctx, stg, func(r uint32) bool { return member[r] }, func(j *screenJob, recno uint32, st *screen.Staged) error {
			what, ok, err := sc.s.Listed(&st.Rec, st.IDs)
			if ok {
				j.listed = append(j.listed, listedRec{recno, what})
			}
			return err
		}, func(j *screenJob) {
			for _, f := range j.listed {
				listed[f.recno] = f.what
			}
		})
		if err != nil {
			return nil, nil, err
		}
	}
	var cs []graph.Cluster
	if evidence {
		cs = g.Clusters(groups, listed)
	} else {
		cs = g.Risks(groups, listed)
	}
	stg.batch.SetClusters(cs)
	sc.step(t, "scored %d clusters (%d members matching intelligence on their own)", len(cs), len(listed))
	return g, cs, nil
}

// listedRec is a cluster member matching the intelligence on its own.
type listedRec struct {
	recno uint32
	what  string
}

// step reports a finished phase of a long run on stderr, with its time.
func (sc *screening) step(start time.Time, format string, args ...any) {
	fmt.Fprintf(sc.e.stderr, "%s in %.1fs\n", fmt.Sprintf(format, args...), time.Since(start).Seconds())
}

// readBack decodes the staged records for which need holds, on all cores,
// notes their shared values in the batch, and hands each to work (on a
// worker) and each batch of them to done (in order, on one goroutine).
func (sc *screening) readBack(ctx context.Context, stg *staging, need func(uint32) bool,
	work func(j *screenJob, recno uint32, st *screen.Staged) error, done func(j *screenJob)) error {
	staged, err := stg.rewind()
	if err != nil {
		return err
	}
	return sc.pipeline(ctx, func(send func(*screenJob) error) error {
		return readStaged(staged, send)
	}, func(j *screenJob) {
		for i, b := range j.staged {
			recno := uint32(j.first + i)
			if !need(recno) {
				continue
			}
			st, err := screen.DecodeStaged(b, false)
			if err != nil {
				j.err = fmt.Errorf("staged records: %w", err)
				return
			}
			j.values = append(j.values, stg.batch.SharedValues(st.IDs)...)
			if work != nil {
				if j.err = work(j, recno, &st); j.err != nil {
					return
				}
			}
		}
		j.staged = nil
	}, func(j *screenJob) error {
		if j.err != nil {
			return j.err
		}
		stg.batch.NoteValues(j.values)
		if done != nil {
			done(j)
		}
		return nil
	})
}
