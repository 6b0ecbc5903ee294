package server

// Clusters and indicators.

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/graph"
	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
)

func (s *Server) clusters(w http.ResponseWriter, r *http.Request, p access.Principal) {
	min := r.URL.Query().Get("min_level")
	if min != "" && screen.LevelRank(min) < 0 {
		badField(w, "min_level", "one of clear, low, medium, high, critical")
		return
	}
	cs, at, err := s.eng.Clusters(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []graph.Cluster{}
	for _, c := range cs {
		if min == "" || screen.LevelRank(c.Level) >= screen.LevelRank(min) {
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"computed_at": at, "clusters": out})
}

type indicatorJSON struct {
	Kind       string    `json:"type"`
	Value      string    `json:"value"`
	Label      string    `json:"label,omitempty"`
	Severity   string    `json:"severity,omitempty"`
	Confidence int       `json:"confidence"`
	Source     string    `json:"source"`
	SourceRef  string    `json:"source_ref,omitempty"`
	TLP        string    `json:"tlp,omitempty"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
}

func (s *Server) searchIndicators(w http.ResponseWriter, r *http.Request, p access.Principal) {
	limit, ok := queryInt(w, r, "limit", 100, 1, 1000)
	if !ok {
		return
	}
	q := live.IndicatorSearch{Text: r.URL.Query().Get("q"), Kind: r.URL.Query().Get("type"),
		Source: r.URL.Query().Get("source"), Limit: limit}
	inds, more, err := s.eng.SearchIndicators(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]indicatorJSON, len(inds))
	for i, in := range inds {
		out[i] = indicatorJSON{Kind: in.Kind, Value: in.Value, Label: in.Label, Severity: in.Severity,
			Confidence: in.Confidence, Source: in.Source, SourceRef: in.SourceRef, TLP: in.TLP, ValidUntil: in.ValidUntil}
	}
	writeJSON(w, http.StatusOK, map[string]any{"indicators": out, "more": more})
}

func (s *Server) importIndicators(w http.ResponseWriter, r *http.Request, p access.Principal) {
	name, data, ok := upload(w, r)
	if !ok {
		return
	}
	results, err := s.eng.ImportIntel(r.Context(), name, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type loaded struct {
		Source     string   `json:"source"`
		Format     string   `json:"format"`
		Indicators int      `json:"indicators"`
		Warnings   []string `json:"warnings,omitempty"`
	}
	out := make([]loaded, len(results))
	for i, res := range results {
		out[i] = loaded{Source: res.Source, Format: res.Format, Indicators: len(res.Indicators), Warnings: res.Warnings}
		if err := s.desk.Audit(r.Context(), p.Name, "intel.import", "source:"+res.Source,
			fmt.Sprintf("%s, %d indicators", res.Format, len(res.Indicators))); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"loaded": out})
}

func (s *Server) exportIndicators(w http.ResponseWriter, r *http.Request, p access.Principal) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "stix" {
		badField(w, "format", "csv or stix")
		return
	}
	var inds []store.Indicator
	q := store.IndicatorQuery{Source: r.URL.Query().Get("source"), Kind: r.URL.Query().Get("type"), ValidAt: time.Now()}
	for in, err := range s.st.Indicators(r.Context(), q) {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		inds = append(inds, in)
	}
	var buf bytes.Buffer
	var err error
	if format == "csv" {
		_, err = intel.ExportCSV(&buf, inds)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		err = intel.ExportSTIX(&buf, inds, time.Now().UTC())
		w.Header().Set("Content-Type", "application/stix+json;version=2.1")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.desk.Audit(r.Context(), p.Name, "intel.export", "indicators", fmt.Sprintf("%s, %d indicators", format, len(inds))); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Write(buf.Bytes())
}
