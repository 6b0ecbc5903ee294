package live

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/store"
)

// ImportIntel imports an uploaded intelligence file (any format `ringfence
// intel import` reads, told apart by content) and rebuilds the match index.
// name is the file's name as uploaded; only its base is used. A file
// that does not parse is an *intel.ParseError and nothing is stored.
func (e *Engine) ImportIntel(ctx context.Context, name string, data []byte) (_ []*intel.Result, err error) {
	dir, err := os.MkdirTemp("", "ringfence-intel-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// A parse error goes back to the uploader: it names the file as
	// uploaded, never the server's temporary copy.
	defer func() {
		var pe *intel.ParseError
		if errors.As(err, &pe) {
			pe.File = strings.TrimPrefix(pe.File, dir+string(filepath.Separator))
		}
	}()
	base := filepath.Base(filepath.Clean("/" + name))
	if base == "/" || base == "." {
		base = "upload"
	}
	path := filepath.Join(dir, base)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, err
	}
	srcs, err := intel.OpenSources(ctx, []string{path})
	if err != nil {
		return nil, err
	}
	defer intel.CloseSources(srcs)
	var results []*intel.Result
	for _, src := range srcs {
		rs, err := intel.Parse(ctx, src)
		if err != nil {
			return nil, err
		}
		results = append(results, rs...)
	}
	loaded, err := intel.Load(ctx, e.st, results)
	if err != nil {
		return loaded, err
	}
	e.Reload()
	return loaded, nil
}

// IndicatorSearch selects indicators.
type IndicatorSearch struct {
	// Text is a case-insensitive substring of the value or label.
	Text   string
	Kind   string
	Source string
	Limit  int
}

// SearchIndicators returns the indicators matching q, at most q.Limit
// (default 100), in source, kind and value order, and whether more match.
// It reads the indicators of q's source and kind from the store: fast for
// one source or kind, a scan of every indicator otherwise.
func (e *Engine) SearchIndicators(ctx context.Context, q IndicatorSearch) ([]store.Indicator, bool, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 100
	}
	text := strings.ToLower(strings.TrimSpace(q.Text))
	var out []store.Indicator
	for in, err := range e.st.Indicators(ctx, store.IndicatorQuery{Source: q.Source, Kind: q.Kind}) {
		if err != nil {
			return nil, false, fmt.Errorf("search indicators: %w", err)
		}
		if text != "" && !strings.Contains(strings.ToLower(in.Value), text) && !strings.Contains(strings.ToLower(in.Label), text) {
			continue
		}
		if len(out) == q.Limit {
			return out, true, nil
		}
		out = append(out, in)
	}
	return out, false, nil
}
