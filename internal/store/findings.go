package store

import (
	"context"
	"encoding/json"
	"time"
)

// Finding sources.
const (
	// SourceFarm: laptop-farm detection from device and sign-in telemetry.
	SourceFarm = "farm"
	// SourceConsortium: the consortium hub's answers about blinded
	// identifiers (active at other members, confirmed fraud there).
	SourceConsortium = "consortium"
)

// Finding is what an analysis other than screening found about a stored
// subject; screening turns it into signals. A finding about several
// subjects (a laptop farm) is one row per subject under one ID.
type Finding struct {
	Source    string
	ID        string
	SubjectID string
	Kind      string
	Level     string
	// Points is what the analysis weighs the finding at (0–100); the rules
	// decide what screening makes of it.
	Points      int
	Explanation string
	// Detail is the analysis's own record of the finding, a JSON object.
	Detail    json.RawMessage
	First     time.Time
	Last      time.Time
	UpdatedAt time.Time
}

// FindingQuery selects findings; zero fields select all.
type FindingQuery struct {
	Source    string
	SubjectID string
}

// SharedSource is a source of local indicators (a case's confirmed
// findings, source "case-<id>") that an analyst marked shareable with the
// consortium.
type SharedSource struct {
	Source    string
	Actor     string
	CreatedAt time.Time
}

// Findings is what screening and sharing ask of a store besides Store.
type Findings interface {
	// ReplaceFindings replaces, in one transaction, every finding of source
	// with fs, and returns how many rows are stored. ErrInvalid for an
	// empty source, ID, subject or kind, a Detail that is not a JSON
	// object, or a finding of another source.
	ReplaceFindings(ctx context.Context, source string, fs []Finding) (int, error)
	// Findings returns the findings matching q ordered by source, subject
	// and ID.
	Findings(ctx context.Context, q FindingQuery) ([]Finding, error)
	// ShareSource marks a source shareable; marking it again keeps the
	// first mark. ErrInvalid for an empty source.
	ShareSource(ctx context.Context, s SharedSource) error
	// UnshareSource removes the mark; an unmarked source is not an error.
	UnshareSource(ctx context.Context, source string) error
	// SharedSources lists the marked sources in source order.
	SharedSources(ctx context.Context) ([]SharedSource, error)

	// CachedTokens returns the cached blinded tokens of inputs (by their
	// hash) under epoch; inputs not cached are absent.
	CachedTokens(ctx context.Context, epoch int, hashes []string) (map[string]string, error)
	// CacheTokens stores tokens by input hash under epoch and drops the
	// cache of every earlier epoch.
	CacheTokens(ctx context.Context, epoch int, tokens map[string]string) error
}
