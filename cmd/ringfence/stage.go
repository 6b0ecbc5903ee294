package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"

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
	stg := &staging{spill: spill}
	ok := false
	defer func() {
		if !ok {
			stg.close()
		}
	}()
	sw := bufio.NewWriterSize(spill, 1<<20)

	prog := newProgress(sc.e.stderr, "records read")
	sc.prog = prog
	bb := graph.NewBuilder()
	var lenBuf [binary.MaxVarintLen64]byte
	err = sc.pipeline(ctx, produce, func(j *screenJob) {
		for i := range j.recs {
			rec := &j.recs[i]
			ids, problems := subject.Identifiers(rec, sc.opts)
			j.prepared = append(j.prepared, graph.Prepare(rec, ids))
			j.staged = append(j.staged, screen.AppendStaged(nil, rec, ids, problems, j.prepared[i].Shingles, sc.keep))
		}
		j.recs = nil
	}, func(j *screenJob) error {
		for i, p := range j.prepared {
			bb.Add(j.first+i, p) // counts the shingles; they travel on in the staged record
			n := binary.PutUvarint(lenBuf[:], uint64(len(j.staged[i])))
			sw.Write(lenBuf[:n])
			if _, err := sw.Write(j.staged[i]); err != nil {
				return fmt.Errorf("stage records: %w", err)
			}
		}
		prog.add(len(j.prepared))
		return nil
	})
	prog.done()
	if err == nil {
		err = sw.Flush()
	}
	if err != nil {
		return nil, err
	}
	stg.batch = bb.Build()

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
			if sig, ok := stg.batch.SignResume(sh); ok {
				j.resumes = append(j.resumes, resumeSig{j.first + i, sig})
			}
		}
		j.staged = nil
	}, func(j *screenJob) error {
		if j.err != nil {
			return j.err
		}
		for _, r := range j.resumes {
			stg.batch.AddResume(r.recno, r.sig)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ok = true
	return stg, nil
}

// clusters runs link analysis over a staged input: the graph, its groups,
// which members match the intelligence high on their own (read back from
// the staging file), and the scored clusters, which it also hands to the
// batch for screening to see.
func (sc *screening) clusters(ctx context.Context, stg *staging) (*graph.Graph, []graph.Cluster, error) {
	g := graph.New(stg.batch)
	groups := g.Groups()
	member := make(map[uint32]bool)
	for _, grp := range groups {
		for _, r := range grp {
			member[r] = true
		}
	}
	listed := map[uint32]string{}
	if len(member) > 0 {
		staged, err := stg.rewind()
		if err != nil {
			return nil, nil, err
		}
		err = sc.pipeline(ctx, func(send func(*screenJob) error) error {
			return readStaged(staged, send)
		}, func(j *screenJob) {
			for i, b := range j.staged {
				recno := uint32(j.first + i)
				if !member[recno] {
					continue
				}
				st, err := screen.DecodeStaged(b, false)
				if err != nil {
					j.err = fmt.Errorf("staged records: %w", err)
					return
				}
				what, ok, err := sc.s.Listed(&st.Rec, st.IDs)
				if err != nil {
					j.err = err
					return
				}
				if ok {
					j.listed = append(j.listed, listedRec{recno, what})
				}
			}
			j.staged = nil
		}, func(j *screenJob) error {
			if j.err != nil {
				return j.err
			}
			for _, f := range j.listed {
				listed[f.recno] = f.what
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	cs := g.Clusters(groups, listed)
	stg.batch.SetClusters(cs)
	return g, cs, nil
}

// listedRec is a cluster member matching the intelligence on its own.
type listedRec struct {
	recno uint32
	what  string
}
