package screen

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ringfence/ringfence/internal/store"
)

// Finding is what another analysis found about a stored subject, as rules
// see it: laptop-farm detection over device and sign-in telemetry
// (internal/farm), or the consortium hub's answer about the subject's
// blinded identifiers (internal/share).
type Finding struct {
	Source      string `json:"-"`
	ID          string `json:"-"`
	Kind        string `json:"-"`
	Level       string `json:"-"`
	Points      int    `json:"-"`
	Explanation string `json:"-"`
	// Consortium: the kind of identifier (identity, id_document, phone,
	// email, bank_account, wallet, device, address), the record's field,
	// how many other members hold it, and how many of them confirmed it
	// fraudulent.
	Identifier string `json:"identifier,omitempty"`
	Attribute  string `json:"attribute,omitempty"`
	Members    int    `json:"members,omitempty"`
	Fraud      int    `json:"fraud,omitempty"`
	// Farm: how many people and devices the finding names, over how many
	// days, and where.
	People   int    `json:"people,omitempty"`
	Devices  int    `json:"devices,omitempty"`
	Days     int    `json:"days,omitempty"`
	Location string `json:"location,omitempty"`
}

// IdentifierWords name the consortium's identifier kinds (Finding.Identifier)
// for people.
var IdentifierWords = map[string]string{
	"identity":     "identity (document number and birth date)",
	"id_document":  "identity document",
	"phone":        "phone number",
	"email":        "e-mail address",
	"bank_account": "payout account",
	"wallet":       "wallet",
	"device":       "device",
	"address":      "address",
}

// FindingOf reads a stored finding; its Detail carries the fields above.
func FindingOf(sf store.Finding) (Finding, error) {
	var f Finding
	if len(sf.Detail) > 0 {
		if err := json.Unmarshal(sf.Detail, &f); err != nil {
			return Finding{}, fmt.Errorf("finding %s of %s: detail: %w", sf.ID, sf.SubjectID, err)
		}
	}
	f.Source, f.ID, f.Kind, f.Level, f.Points, f.Explanation = sf.Source, sf.ID, sf.Kind, sf.Level, sf.Points, sf.Explanation
	return f, nil
}

// FindingsReader is the part of a store LoadFindings reads.
type FindingsReader interface {
	Findings(ctx context.Context, q store.FindingQuery) ([]store.Finding, error)
}

// LoadFindings reads every stored finding by subject, for Config.Findings.
func LoadFindings(ctx context.Context, st FindingsReader) (map[string][]Finding, error) {
	all, err := st.Findings(ctx, store.FindingQuery{})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]Finding)
	for _, sf := range all {
		f, err := FindingOf(sf)
		if err != nil {
			return nil, err
		}
		out[sf.SubjectID] = append(out[sf.SubjectID], f)
	}
	return out, nil
}
