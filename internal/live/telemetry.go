package live

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ringfence/ringfence/internal/farm"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/telemetry"
)

// TelemetryFile is one uploaded telemetry export.
type TelemetryFile struct {
	Name string
	Data []byte
}

// TelemetryResult says what an import read and found.
type TelemetryResult struct {
	Files []telemetry.Stats
	// Problems are the first MaxTelemetryProblems bad lines; BadLines
	// counts them all.
	Problems []telemetry.Problem
	BadLines int
	Findings []farm.Finding
	// Stored counts the finding rows stored (one per person named).
	Stored int
}

// MaxTelemetryProblems bounds the bad lines an import reports.
const MaxTelemetryProblems = 100

// ImportTelemetry analyses telemetry files together, as 'ringfence
// telemetry import' does, against the stored people and the loaded VPN and
// hosting ranges, and replaces the stored laptop-farm findings with what
// it finds; screening sees them at once. Bad lines are reported, never
// fatal; a file in no known format is (telemetry.ErrUnknownFormat).
func (e *Engine) ImportTelemetry(ctx context.Context, files []TelemetryFile, cfg farm.Config) (TelemetryResult, error) {
	var res TelemetryResult
	// One analysis at a time: each holds its uploads and the analyzer's
	// state, and they replace each other's findings anyway.
	if !e.telemetryMu.TryLock() {
		return res, ErrBusy
	}
	defer e.telemetryMu.Unlock()
	people, err := farm.StoredPeople(e.st.Subjects(ctx))
	if err != nil {
		return res, err
	}
	cfg.IPInfo = farm.IPInfoFrom(e.index.Load())
	a := farm.New(cfg, people)
	for _, f := range files {
		stats, err := telemetry.Read(ctx, bytes.NewReader(f.Data), f.Name, telemetry.Options{MaxProblems: -1,
			Problem: func(p telemetry.Problem) {
				res.BadLines++
				if len(res.Problems) < MaxTelemetryProblems {
					res.Problems = append(res.Problems, p)
				}
			}},
			func(evs []telemetry.Event) error { a.Add(evs); return nil })
		if err != nil {
			return res, fmt.Errorf("%s: %w", f.Name, err)
		}
		res.Files = append(res.Files, stats)
	}
	res.Findings = a.Findings()
	if res.Stored, err = e.st.ReplaceFindings(ctx, store.SourceFarm, farm.StoreFindings(res.Findings)); err != nil {
		return res, err
	}
	e.Reload()
	return res, nil
}
