package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/farm"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/telemetry"
)

// importTelemetry analyses uploaded telemetry exports together and replaces
// the stored laptop-farm findings: several files as multipart parts named
// file, or one as the raw body with ?name=.
func (s *Server) importTelemetry(w http.ResponseWriter, r *http.Request, p access.Principal) {
	q := r.URL.Query()
	var cfg farm.Config
	if v := q.Get("window"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > farm.MaxWindow {
			badField(w, "window", fmt.Sprintf("a duration up to %v, e.g. 720h", farm.MaxWindow))
			return
		}
		cfg.Window = d
	}
	cfg.Offices = q["office"]
	for _, t := range strings.Split(q.Get("sanctioned_tools"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			cfg.SanctionedTools = append(cfg.SanctionedTools, t)
		}
	}
	for _, c := range strings.Split(q.Get("corporate_egress"), ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(c)
		if err != nil {
			badField(w, "corporate_egress", "comma-separated CIDRs, e.g. 203.0.113.0/24")
			return
		}
		cfg.CorporateEgress = append(cfg.CorporateEgress, pfx.Masked())
	}
	files, ok := telemetryUploads(w, r)
	if !ok {
		return
	}
	res, err := s.eng.ImportTelemetry(r.Context(), files, cfg)
	if errors.Is(err, telemetry.ErrUnknownFormat) || errors.Is(err, telemetry.ErrTooManyProblems) {
		badField(w, "file", err.Error())
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "telemetry.import", "farm",
		fmt.Sprintf("%d files, %d findings, %d bad lines", len(files), len(res.Findings), res.BadLines)); err != nil {
		s.fail(w, r, err)
		return
	}
	type fileView struct {
		Name     string `json:"name"`
		Format   string `json:"format"`
		Events   int    `json:"events"`
		Lines    int    `json:"lines"`
		BadLines int    `json:"bad_lines"`
	}
	type problemView struct {
		File  string `json:"file"`
		Line  int    `json:"line"`
		Field string `json:"field,omitempty"`
		Error string `json:"error"`
	}
	out := struct {
		Files    []fileView     `json:"files"`
		Problems []problemView  `json:"problems"`
		BadLines int            `json:"bad_lines"`
		Findings []farm.Finding `json:"findings"`
		Stored   int            `json:"stored"`
	}{Files: []fileView{}, Problems: []problemView{}, BadLines: res.BadLines, Findings: res.Findings, Stored: res.Stored}
	for i, st := range res.Files {
		out.Files = append(out.Files, fileView{Name: files[i].Name, Format: st.Format, Events: st.Events, Lines: st.Lines, BadLines: st.Problems})
	}
	for _, pr := range res.Problems {
		out.Problems = append(out.Problems, problemView{File: pr.File, Line: pr.Line, Field: pr.Field, Error: pr.Err})
	}
	if out.Findings == nil {
		out.Findings = []farm.Finding{}
	}
	writeJSON(w, http.StatusOK, out)
}

// telemetryUploads reads every multipart part named file, or the raw body.
func telemetryUploads(w http.ResponseWriter, r *http.Request) ([]live.TelemetryFile, bool) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		name, data, ok := upload(w, r)
		if !ok {
			return nil, false
		}
		return []live.TelemetryFile{{Name: name, Data: data}}, true
	}
	mr, err := r.MultipartReader()
	if err != nil {
		badField(w, "file", err.Error())
		return nil, false
	}
	var files []live.TelemetryFile
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, uploadFailed(w, err)
		}
		if part.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, uploadFailed(w, err)
		}
		name := part.FileName()
		if name == "" {
			name = fmt.Sprintf("part-%d", len(files)+1)
		}
		files = append(files, live.TelemetryFile{Name: name, Data: data})
	}
	if len(files) == 0 {
		badField(w, "file", "one or more multipart parts named file are required")
		return nil, false
	}
	return files, true
}

func uploadFailed(w http.ResponseWriter, err error) bool {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("upload larger than %d bytes", mbe.Limit), "file")
		return false
	}
	badField(w, "file", err.Error())
	return false
}
