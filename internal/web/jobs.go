package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/store"
)

type uploadPage struct {
	Jobs []live.Job
}

func (u *ui) uploadForm(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	return u.render(w, r, http.StatusOK, "upload", view{Title: "Upload", Nav: "upload", User: p,
		D: uploadPage{Jobs: u.jobsOf(p)}})
}

// jobsOf lists the jobs a principal may see: its own, or all for an admin.
func (u *ui) jobsOf(p access.Principal) []live.Job {
	var out []live.Job
	for _, j := range u.Engine.Jobs() {
		if mayViewJob(p, j) {
			out = append(out, j)
		}
	}
	return out
}

func mayViewJob(p access.Principal, j live.Job) bool {
	return j.Owner == p.Name || p.Can(access.Admin) == nil
}

func (u *ui) upload(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	name, _, data, err := formFile(r, 0)
	if errors.Is(err, http.ErrMissingFile) {
		return badRequest("choose a CSV or JSON Lines file to upload")
	}
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return badRequest("the file %s is empty", name)
	}
	// Keep only the base of the name the browser sent: the job's messages
	// (file:line: field) name it, and a path says nothing to anyone.
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	keep := r.PostFormValue("store") != ""
	j, err := u.Engine.Submit(p.Name, name, data, keep)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/jobs/"+j.ID, http.StatusSeeOther)
	return nil
}

// jobPage is a batch job with, once done, the subjects it flagged.
type jobPage struct {
	Job      live.Job
	Finished bool
	Levels   []levelCount
	Flagged  []flagged
	// FlaggedMore counts the flagged subjects past those listed.
	FlaggedMore int
}

type levelCount struct {
	Level string
	N     int
}

type flagged struct {
	ID    string
	Score int
	Level string
	Rules string
}

// maxFlagged bounds the flagged subjects a job page lists; the download
// has them all.
const maxFlagged = 200

func (u *ui) job(r *http.Request, p access.Principal) (jobPage, error) {
	j, ok := u.Engine.Job(r.PathValue("id"))
	if !ok || !mayViewJob(p, j) {
		// Someone else's job is as absent as a missing one.
		return jobPage{}, &userError{http.StatusNotFound, "No such job: jobs are kept until the server restarts."}
	}
	d := jobPage{Job: j, Finished: j.State == live.JobDone || j.State == live.JobFailed}
	for _, l := range risk.Levels {
		d.Levels = append(d.Levels, levelCount{l, j.Levels[l]})
	}
	if j.State == live.JobDone {
		res, _ := u.Engine.JobResult(j.ID, access.Allowed(p.Role, access.ReadSubjects))
		d.Flagged, d.FlaggedMore = flaggedOf(res)
	}
	return d, nil
}

// flaggedOf reads the high and critical verdicts of a job's result,
// riskiest first.
func flaggedOf(result []byte) ([]flagged, int) {
	var out []flagged
	sc := bufio.NewScanner(bytes.NewReader(result))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var v struct {
			ID    string `json:"id"`
			Score int    `json:"score"`
			Level string `json:"level"`
			Hits  []struct {
				Rule   string `json:"rule"`
				Points int    `json:"points"`
			} `json:"hits"`
		}
		if json.Unmarshal(sc.Bytes(), &v) != nil || risk.Rank(v.Level) < risk.Rank(risk.High) {
			continue
		}
		var rules []string
		for _, h := range v.Hits {
			if h.Points > 0 && !slices.Contains(rules, h.Rule) {
				rules = append(rules, h.Rule)
			}
		}
		out = append(out, flagged{ID: v.ID, Score: v.Score, Level: v.Level, Rules: strings.Join(rules, ", ")})
	}
	slices.SortStableFunc(out, func(a, b flagged) int { return b.Score - a.Score })
	more := 0
	if len(out) > maxFlagged {
		out, more = out[:maxFlagged], len(out)-maxFlagged
	}
	return out, more
}

func (u *ui) jobPage(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	d, err := u.job(r, p)
	if err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "job", view{Title: "Job " + d.Job.Name, Nav: "upload", User: p, D: d})
}

// jobStatus is the progress block htmx polls; once the job has ended the
// block it returns no longer polls.
func (u *ui) jobStatus(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	d, err := u.job(r, p)
	if err != nil {
		return err
	}
	return u.fragment(w, r, "job", "job-status", view{User: p, D: d})
}

func (u *ui) jobResult(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	j, ok := u.Engine.Job(r.PathValue("id"))
	if !ok || !mayViewJob(p, j) {
		return store.ErrNotFound
	}
	res, ok := u.Engine.JobResult(j.ID, access.Allowed(p.Role, access.ReadSubjects))
	if !ok {
		return &userError{http.StatusConflict, "The job has not finished."}
	}
	name := strings.TrimSuffix(j.Name, path.Ext(j.Name)) + ".verdicts.jsonl"
	h := w.Header()
	h.Set("Content-Type", "application/jsonl")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "no-store")
	w.Write(res)
	return nil
}
