package intel

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// ExportCSV writes indicators as the indicator CSV of DESIGN.md (header
// type,value,label,severity,source,confidence,tlp,valid_until), which
// ParseIndicatorCSV reads back. Kinds the format has no type for (entity
// types, the starter pack's software and USB identities, …) are left out
// and counted by kind in the map returned.
func ExportCSV(w io.Writer, inds []store.Indicator) (map[string]int, error) {
	cw := csv.NewWriter(w)
	skipped := map[string]int{}
	if err := cw.Write(indicatorCSVColumns); err != nil {
		return nil, err
	}
	for _, in := range inds {
		if !indicatorCSVTypes[in.Kind] {
			skipped[in.Kind]++
			continue
		}
		until := ""
		if !in.ValidUntil.IsZero() {
			until = in.ValidUntil.UTC().Format(time.RFC3339)
		}
		tlp := in.TLP
		if tlp == "" {
			tlp = "clear"
		}
		if err := cw.Write([]string{in.Kind, in.Value, in.Label, in.Severity, in.Source,
			strconv.Itoa(in.Confidence), tlp, until}); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return skipped, cw.Error()
}
