package live

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// Job states.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// maxBadLines bounds the bad lines a job reports; the count goes on.
const maxBadLines = 100

// MaxJobRecords bounds a job: the records of one upload are screened
// together in memory, as one input whose records link to each other.
// Larger inputs belong to the CLI, which streams.
const MaxJobRecords = 200_000

// Job is a batch upload being screened. Its fields are a snapshot taken by
// Job or Jobs; the engine updates its own copy.
type Job struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Owner   string    `json:"owner"`
	Keep    bool      `json:"store"`
	State   string    `json:"state"`
	Phase   string    `json:"phase"`
	Records int       `json:"records"`
	Done    int       `json:"screened"`
	Stored  int       `json:"stored"`
	Bad     int       `json:"bad_records"`
	Errors  []string  `json:"errors,omitempty"` // file, line and field of the first bad records
	Levels  LevelsN   `json:"levels"`
	Alerts  int       `json:"alerts"`
	Error   string    `json:"error,omitempty"`
	Created time.Time `json:"created_at"`
	Ended   time.Time `json:"ended_at,omitzero"`

	data   []byte // the upload, until read
	result []byte // verdicts as JSON Lines, in input order
}

// LevelsN counts verdicts per level.
type LevelsN map[string]int

// ErrBusy: too many jobs are waiting.
var ErrBusy = errors.New("too many batch jobs queued; try again later")

type jobs struct {
	e    *Engine
	max  int
	mu   sync.Mutex
	all  map[string]*Job
	ids  []string // in submission order
	todo chan *Job
}

func newJobs(e *Engine, max int) *jobs {
	return &jobs{e: e, max: max, all: map[string]*Job{}, todo: make(chan *Job, 8)}
}

// Submit queues an upload for screening. With keep, its subjects and
// verdicts are stored and alerts raised.
func (e *Engine) Submit(owner, name string, data []byte, keep bool) (Job, error) {
	id := make([]byte, 8)
	rand.Read(id)
	j := &Job{ID: hex.EncodeToString(id), Name: name, Owner: owner, Keep: keep, State: JobQueued, Phase: "queued",
		Levels: LevelsN{}, Created: time.Now().UTC(), data: data}
	js := e.jobs
	js.mu.Lock()
	defer js.mu.Unlock()
	select {
	case js.todo <- j:
	default:
		return Job{}, ErrBusy
	}
	js.all[j.ID] = j
	js.ids = append(js.ids, j.ID)
	for len(js.ids) > js.max {
		old := js.all[js.ids[0]]
		if old.State != JobDone && old.State != JobFailed {
			break
		}
		delete(js.all, js.ids[0])
		js.ids = js.ids[1:]
	}
	return j.snapshot(), nil
}

func (j *Job) snapshot() Job {
	c := *j
	c.data, c.result = nil, nil
	c.Errors = append([]string(nil), j.Errors...)
	c.Levels = LevelsN{}
	for k, v := range j.Levels {
		c.Levels[k] = v
	}
	return c
}

// Job returns a job's state. ok is false for an unknown id.
func (e *Engine) Job(id string) (Job, bool) {
	e.jobs.mu.Lock()
	defer e.jobs.mu.Unlock()
	j, ok := e.jobs.all[id]
	if !ok {
		return Job{}, false
	}
	return j.snapshot(), true
}

// Jobs lists the jobs kept, newest first.
func (e *Engine) Jobs() []Job {
	e.jobs.mu.Lock()
	defer e.jobs.mu.Unlock()
	out := make([]Job, 0, len(e.jobs.ids))
	for i := len(e.jobs.ids) - 1; i >= 0; i-- {
		out = append(out, e.jobs.all[e.jobs.ids[i]].snapshot())
	}
	return out
}

// JobResult returns a finished job's verdicts as JSON Lines. Without
// storeIDs the ids of stored subjects the records link to are withheld
// (see Redact).
func (e *Engine) JobResult(id string, storeIDs bool) ([]byte, bool) {
	e.jobs.mu.Lock()
	j, ok := e.jobs.all[id]
	var res []byte
	if ok && j.State == JobDone {
		res = j.result
	}
	e.jobs.mu.Unlock()
	if res == nil {
		return nil, false
	}
	if storeIDs {
		return res, true
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	for line := range bytes.Lines(res) {
		var v screen.Verdict
		if err := json.Unmarshal(line, &v); err != nil {
			return nil, false // written by runJob: cannot happen
		}
		enc.Encode(Redact(v))
	}
	return out.Bytes(), true
}

// withheld replaces the ids of stored subjects in a hit Redact changes.
const withheld = "stored subjects (their ids need the subjects:read permission)"

// Redact withholds from a verdict the ids of the stored subjects its links
// name, for callers who may screen but not read subjects (an ingest key): a
// program sending arbitrary phones or accounts must not learn who else in
// the store holds them. The hits, points and explanations stay.
func Redact(v screen.Verdict) screen.Verdict {
	hits := make([]screen.Hit, len(v.Hits))
	for i, h := range v.Hits {
		if strings.Contains(h.Source, "store") {
			h.Matched = withheld
		}
		hits[i] = h
	}
	v.Hits = hits
	return v
}

// run works through jobs one at a time: a job already uses both cores.
func (js *jobs) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-js.todo:
			err := js.e.runJob(ctx, j)
			js.mu.Lock()
			j.data = nil
			j.Ended = time.Now().UTC()
			if err != nil {
				j.State, j.Error = JobFailed, err.Error()
				js.e.log.Error("batch job failed", "job", j.ID, "err", err)
			} else {
				j.State, j.Phase = JobDone, "done"
			}
			js.mu.Unlock()
		}
	}
}

func (e *Engine) update(j *Job, f func(*Job)) {
	e.jobs.mu.Lock()
	f(j)
	e.jobs.mu.Unlock()
}

// jobChunk is how many subjects a job stores per transaction, and how often
// its progress moves.
const jobChunk = 1000

func (e *Engine) runJob(ctx context.Context, j *Job) error {
	e.update(j, func(j *Job) { j.State, j.Phase = JobRunning, "reading" })
	r, err := subject.NewReader(bytes.NewReader(j.data), j.Name)
	if err != nil {
		return err
	}
	var recs []subject.Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var le *subject.LineError
		if errors.As(err, &le) {
			e.update(j, func(j *Job) {
				j.Bad++
				if len(j.Errors) < maxBadLines {
					j.Errors = append(j.Errors, le.Error())
				}
			})
			continue
		}
		if err != nil {
			return err
		}
		if len(recs) == MaxJobRecords {
			return fmt.Errorf("%s holds more than %d records; screen it with the CLI, which streams", j.Name, MaxJobRecords)
		}
		recs = append(recs, rec)
		if len(recs)%jobChunk == 0 {
			n := len(recs)
			e.update(j, func(j *Job) { j.Records = n })
		}
	}
	e.update(j, func(j *Job) { j.Records, j.Phase = len(recs), "screening" })
	s, err := e.screener()
	if err != nil {
		return err
	}
	verdicts := make([]screen.Verdict, len(recs))
	idss := make([][]subject.Identifier, len(recs))
	err = s.ScreenEach(ctx, recs, func(i int, v screen.Verdict, ids []subject.Identifier) error {
		verdicts[i], idss[i] = v, ids
		if (i+1)%jobChunk == 0 || i+1 == len(recs) {
			e.update(j, func(j *Job) { j.Done = i + 1 })
		}
		return nil
	})
	if err != nil {
		return err
	}
	if j.Keep {
		e.update(j, func(j *Job) { j.Phase = "storing" })
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	for start := 0; start < len(recs); start += jobChunk {
		end := min(start+jobChunk, len(recs))
		var subs []store.Subject
		for i := start; i < end; i++ {
			if err := enc.Encode(verdicts[i]); err != nil {
				return err
			}
			if j.Keep {
				sub := subject.Stored(&recs[i], idss[i])
				sv, err := storeVerdict(verdicts[i])
				if err != nil {
					return err
				}
				sub.Verdict = &sv
				subs = append(subs, sub)
			}
		}
		alerts := 0
		if j.Keep {
			put, err := e.st.PutSubjects(ctx, subs)
			if err != nil {
				return fmt.Errorf("store records %d–%d: %w", start+1, end, err)
			}
			e.stored(subs, put)
			for k := range subs {
				raised, err := e.cfg.Desk.Raise(ctx, subs[k], verdicts[start+k])
				if err != nil {
					return err
				}
				if raised.Alert != nil {
					alerts++
				}
			}
		}
		e.update(j, func(j *Job) {
			if j.Keep {
				j.Stored = end
			}
			j.Alerts += alerts
			for i := start; i < end; i++ {
				j.Levels[verdicts[i].Level]++
			}
		})
	}
	e.update(j, func(j *Job) { j.result = out.Bytes() })
	return nil
}

// storeVerdict is a verdict as the store keeps it.
func storeVerdict(v screen.Verdict) (store.Verdict, error) {
	hits, err := json.Marshal(v.Hits)
	if err != nil {
		return store.Verdict{}, err
	}
	return store.Verdict{SubjectID: v.ID, Score: v.Score, Level: v.Level, Hits: hits, ScreenedAt: time.Now()}, nil
}
