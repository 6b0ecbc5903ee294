package server

// Screening: one record, and batch jobs.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/subject"
)

// screenResponse is a verdict with what happened to it.
type screenResponse struct {
	screen.Verdict
	Stored       bool   `json:"stored"`
	AlertID      int64  `json:"alert_id,omitempty"`
	AlertSkipped string `json:"alert_skipped,omitempty"`
}

// screen screens one record given as the body: a subject record object as
// DESIGN.md fixes it. ?store=true keeps it and may raise an alert.
func (s *Server) screen(w http.ResponseWriter, r *http.Request, p access.Principal) {
	keep, ok := queryBool(w, r, "store")
	if !ok {
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		badField(w, "body", "empty; a subject record object is required")
		return
	}
	rec, err := subject.DecodeRecord(body, "request")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	select {
	case s.screening <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	res, err := s.eng.Screen(r.Context(), rec, keep)
	<-s.screening
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.metrics.verdicts.WithLabelValues(res.Verdict.Level).Inc()
	v := res.Verdict
	if !access.Allowed(p.Role, access.ReadSubjects) {
		v = live.Redact(v)
	}
	out := screenResponse{Verdict: v, Stored: res.Stored, AlertSkipped: res.AlertSkipped}
	if res.Alert != nil {
		out.AlertID = res.Alert.ID
	}
	if keep {
		if err := s.desk.Audit(r.Context(), p.Name, "subject.screen", "subject:"+rec.ID, res.Verdict.Level); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func queryBool(w http.ResponseWriter, r *http.Request, name string) (bool, bool) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false", "0":
		return false, true
	case "true", "1":
		return true, true
	}
	badField(w, name, "true or false")
	return false, false
}

// upload reads a file body: multipart/form-data with a part named "file",
// or the raw bytes with ?name= giving its name.
func upload(w http.ResponseWriter, r *http.Request) (name string, data []byte, ok bool) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("upload larger than %d bytes", mbe.Limit), "file")
				return "", nil, false
			}
			badField(w, "file", "a multipart part named file is required")
			return "", nil, false
		}
		defer f.Close()
		data, err = io.ReadAll(f)
		if err != nil {
			badField(w, "file", err.Error())
			return "", nil, false
		}
		return hdr.Filename, data, true
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("upload larger than %d bytes", mbe.Limit), "body")
			return "", nil, false
		}
		badField(w, "body", err.Error())
		return "", nil, false
	}
	name = r.URL.Query().Get("name")
	if name == "" {
		name = "upload"
	}
	if len(data) == 0 {
		badField(w, "body", "empty upload")
		return "", nil, false
	}
	return name, data, true
}

func (s *Server) submitJob(w http.ResponseWriter, r *http.Request, p access.Principal) {
	keep, ok := queryBool(w, r, "store")
	if !ok {
		return
	}
	name, data, ok := upload(w, r)
	if !ok {
		return
	}
	if v := r.FormValue("store"); v == "true" || v == "on" {
		keep = true
	}
	j, err := s.eng.Submit(p.Name, name, data, keep)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
}

// ownJob: a job's verdicts are its submitter's; those who read subjects
// anyway may see every job.
func ownJob(p access.Principal, j live.Job) bool {
	return j.Owner == p.Name || access.Allowed(p.Role, access.ReadSubjects)
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, p access.Principal) {
	out := []live.Job{}
	for _, j := range s.eng.Jobs() {
		if ownJob(p, j) {
			out = append(out, j)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

func (s *Server) job(w http.ResponseWriter, r *http.Request, p access.Principal) (live.Job, bool) {
	j, ok := s.eng.Job(r.PathValue("id"))
	if !ok || !ownJob(p, j) {
		writeError(w, http.StatusNotFound, "no job "+r.PathValue("id"), "")
		return live.Job{}, false
	}
	return j, true
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request, p access.Principal) {
	if j, ok := s.job(w, r, p); ok {
		writeJSON(w, http.StatusOK, j)
	}
}

func (s *Server) jobResult(w http.ResponseWriter, r *http.Request, p access.Principal) {
	j, ok := s.job(w, r, p)
	if !ok {
		return
	}
	data, ok := s.eng.JobResult(j.ID, access.Allowed(p.Role, access.ReadSubjects))
	if !ok {
		writeError(w, http.StatusConflict, "job "+j.ID+" is "+j.State+"; its result is ready when done", "")
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "job.result", "job:"+j.ID, j.Name); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="verdicts-`+j.ID+`.jsonl"`)
	w.Write(data)
}
