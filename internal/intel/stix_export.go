package intel

// STIX 2.1 export. The bundle holds one indicator per store indicator, an
// identity per source (the indicators' created_by_ref) and the TLP marking
// definitions the indicators refer to. Everything in it is derived from
// the input and the given clock, and objects are sorted by id, so the same
// indicators always export to the same bytes.

import (
	"cmp"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// stixTimeLayout is a STIX timestamp with the millisecond precision that
// section 3.2 requires of created and modified.
const stixTimeLayout = "2006-01-02T15:04:05.000Z"

func stixTime(t time.Time) string { return t.UTC().Format(stixTimeLayout) }

// uuid5 returns the RFC 9562 version-5 UUID of name in namespace ns.
func uuid5(ns, name string) string {
	nsb, err := hex.DecodeString(strings.ReplaceAll(ns, "-", ""))
	if err != nil || len(nsb) != 16 {
		panic("intel: bad UUID namespace " + ns)
	}
	h := sha1.New()
	h.Write(nsb)
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// exportTLP lists the marking definitions an indicator of each TLP level
// refers to: the TLP 2.0 definition, and the TLP 1.0 one for consumers
// that only know those, where TLP 1.0 has the same meaning. AMBER+STRICT
// has no TLP 1.0 equivalent (TLP 1.0 AMBER allowed sharing with clients),
// so it is marked with TLP 2.0 only.
var exportTLP = map[string][]string{
	"clear":        {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"},
	"green":        {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"},
	"amber":        {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
	"amber+strict": {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"},
	"red":          {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"},
}

type stixExportIdentity struct {
	Type        string `json:"type"`
	SpecVersion string `json:"spec_version"`
	ID          string `json:"id"`
	Created     string `json:"created"`
	Modified    string `json:"modified"`
	Name        string `json:"name"`
}

type stixExternalRef struct {
	SourceName string `json:"source_name"`
	ExternalID string `json:"external_id,omitempty"`
}

type stixExportIndicator struct {
	Type               string            `json:"type"`
	SpecVersion        string            `json:"spec_version"`
	ID                 string            `json:"id"`
	CreatedByRef       string            `json:"created_by_ref"`
	Created            string            `json:"created"`
	Modified           string            `json:"modified"`
	Name               string            `json:"name,omitempty"`
	IndicatorTypes     []string          `json:"indicator_types"`
	Pattern            string            `json:"pattern"`
	PatternType        string            `json:"pattern_type"`
	PatternVersion     string            `json:"pattern_version"`
	ValidFrom          string            `json:"valid_from"`
	ValidUntil         string            `json:"valid_until,omitempty"`
	Confidence         int               `json:"confidence"`
	Labels             []string          `json:"labels,omitempty"`
	ExternalReferences []stixExternalRef `json:"external_references,omitempty"`
	ObjectMarkingRefs  []string          `json:"object_marking_refs"`
}

type stixTLP1Marking struct {
	Type           string            `json:"type"`
	SpecVersion    string            `json:"spec_version"`
	ID             string            `json:"id"`
	Created        string            `json:"created"`
	DefinitionType string            `json:"definition_type"`
	Name           string            `json:"name"`
	Definition     map[string]string `json:"definition"`
}

type stixTLP2Marking struct {
	Type        string                       `json:"type"`
	SpecVersion string                       `json:"spec_version"`
	ID          string                       `json:"id"`
	Created     string                       `json:"created"`
	Name        string                       `json:"name"`
	Extensions  map[string]map[string]string `json:"extensions"`
}

type stixExportBundle struct {
	Type    string            `json:"type"`
	ID      string            `json:"id"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

// STIXIdentityID is the id of the identity ExportSTIX names a source's
// indicators after.
func STIXIdentityID(source string) string {
	return "identity--" + uuid5(stixNamespace, "ringfence-source\x00"+source)
}

// ExportSTIX writes inds to w as a STIX 2.1 bundle. now stands in for
// timestamps an indicator does not have.
//
// Each indicator becomes an indicator object whose pattern tests the
// observable property its kind maps to (see stixPatternFor); its id is
// the UUIDv5, in the STIX namespace, of its source, kind, value and entry
// id, so that re-exports keep ids; created is FirstSeen and modified
// LastSeen (else now); valid_from is FirstSeen and valid_until
// ValidUntil; name is the label; the severity, which STIX has no property
// for, is the label "severity:<level>"; the entry id is an external
// reference named after the source. ParseSTIX reads all of it back.
func ExportSTIX(w io.Writer, inds []store.Indicator, now time.Time) error {
	type entry struct {
		id  string
		obj any
	}
	var objs []entry
	seen := map[string]bool{}
	identities := map[string]*stixExportIdentity{}
	markings := map[string]bool{}
	for i, in := range inds {
		if in.Kind == "" || in.Value == "" {
			return fmt.Errorf("export stix: indicator %d has no kind or value", i)
		}
		level := cmp.Or(in.TLP, "clear")
		refs, ok := exportTLP[level]
		if !ok {
			return fmt.Errorf("export stix: indicator %d (%s %s): unknown TLP %q", i, in.Kind, in.Value, in.TLP)
		}
		id := "indicator--" + uuid5(stixNamespace, "ringfence-indicator\x00"+in.Source+"\x00"+in.Kind+"\x00"+in.Value+"\x00"+in.SourceRef)
		if seen[id] {
			continue
		}
		seen[id] = true

		created, modified := now, now
		if !in.FirstSeen.IsZero() {
			created = in.FirstSeen
		}
		if !in.LastSeen.IsZero() {
			modified = in.LastSeen
		}
		created, modified = created.Truncate(time.Millisecond), modified.Truncate(time.Millisecond)
		if modified.Before(created) {
			modified = created
		}
		validFrom := created
		var validUntil string
		if !in.ValidUntil.IsZero() {
			until := in.ValidUntil.Truncate(time.Millisecond)
			if !until.After(validFrom) {
				// STIX requires valid_until to be later than valid_from.
				validFrom = until.Add(-time.Second)
			}
			validUntil = stixTime(until)
		}

		source := cmp.Or(in.Source, "ringfence")
		ident := identities[source]
		if ident == nil {
			ident = &stixExportIdentity{
				Type: "identity", SpecVersion: "2.1",
				ID:   STIXIdentityID(source),
				Name: strings.TrimPrefix(source, "stix:"),
			}
			identities[source] = ident
		}
		if ident.Created == "" || stixTime(created) < ident.Created {
			ident.Created = stixTime(created)
		}
		if stixTime(modified) > ident.Modified {
			ident.Modified = stixTime(modified)
		}

		si := stixExportIndicator{
			Type: "indicator", SpecVersion: "2.1", ID: id,
			CreatedByRef:   ident.ID,
			Created:        stixTime(created),
			Modified:       stixTime(modified),
			Name:           in.Label,
			IndicatorTypes: []string{"attribution"},
			Pattern:        stixPatternFor(in.Kind, in.Value),
			PatternType:    "stix", PatternVersion: "2.1",
			ValidFrom:         stixTime(validFrom),
			ValidUntil:        validUntil,
			Confidence:        min(max(in.Confidence, 0), 100),
			ObjectMarkingRefs: refs,
		}
		if in.Severity != "" {
			si.Labels = []string{"severity:" + in.Severity}
		}
		if in.SourceRef != "" {
			si.ExternalReferences = []stixExternalRef{{SourceName: source, ExternalID: in.SourceRef}}
		}
		objs = append(objs, entry{id, si})
		for _, r := range refs {
			markings[r] = true
		}
	}
	for _, ident := range identities {
		objs = append(objs, entry{ident.ID, ident})
	}
	for _, m := range tlpMarkings {
		if !markings[m.ID] {
			continue
		}
		if m.Version == 1 {
			objs = append(objs, entry{m.ID, stixTLP1Marking{
				Type: "marking-definition", SpecVersion: "2.1", ID: m.ID, Created: tlp1Created,
				DefinitionType: "tlp", Name: m.Name,
				Definition: map[string]string{"tlp": strings.ToLower(strings.TrimPrefix(m.Name, "TLP:"))},
			}})
			continue
		}
		objs = append(objs, entry{m.ID, stixTLP2Marking{
			Type: "marking-definition", SpecVersion: "2.1", ID: m.ID, Created: tlp2Created, Name: m.Name,
			Extensions: map[string]map[string]string{tlp2Extension: {
				"extension_type": "property-extension", "tlp_2_0": m.Level,
			}},
		}})
	}
	slices.SortFunc(objs, func(a, b entry) int { return strings.Compare(a.id, b.id) })

	bundle := stixExportBundle{Type: "bundle", Objects: make([]json.RawMessage, 0, len(objs))}
	h := sha1.New()
	for _, o := range objs {
		b, err := marshalNoEscape(o.obj)
		if err != nil {
			return fmt.Errorf("export stix: %w", err)
		}
		h.Write(b)
		bundle.Objects = append(bundle.Objects, b)
	}
	// The bundle's id follows from its content, like everything else.
	bundle.ID = "bundle--" + uuid5(stixNamespace, "ringfence-bundle\x00"+hex.EncodeToString(h.Sum(nil)))
	if len(bundle.Objects) == 0 {
		bundle.Objects = nil // the schema wants at least one object, or none at all
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(bundle); err != nil {
		return fmt.Errorf("export stix: %w", err)
	}
	return nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

// stixPatternFor returns the pattern matching an indicator of kind with
// canonical value: the standard observable for e-mail addresses, domains,
// URLs and IP addresses and ranges, the custom observables in common use
// for phones, wallets and bank accounts, and "x-ringfence-<kind>:value"
// for the kinds STIX has no observable for (names, documents, addresses,
// devices, and the attributes of watchlist entries).
func stixPatternFor(kind, value string) string {
	obj := ""
	switch kind {
	case "email":
		obj = "email-addr:value"
	case "domain":
		obj = "domain-name:value"
	case "url":
		obj = "url:value"
	case "ip":
		host, _, _ := strings.Cut(value, "/")
		if a, err := netip.ParseAddr(host); err == nil && a.Is6() {
			obj = "ipv6-addr:value"
		} else {
			obj = "ipv4-addr:value"
		}
	case "phone":
		obj = "phone-number:value"
	case "wallet":
		obj = "cryptocurrency-wallet:value"
	case "bank_account":
		if isIBANShaped(value) {
			obj = "bank-account:iban"
		} else {
			obj = "bank-account:account_number"
		}
	default:
		obj = ringfenceTypePrefix + strings.ReplaceAll(kind, "_", "-") + ":value"
	}
	return "[" + obj + " = " + quotePatternString(value) + "]"
}

// isIBANShaped reports whether s starts like an IBAN: two letters, two
// check digits.
func isIBANShaped(s string) bool {
	return len(s) > 4 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && isDigit(s[2]) && isDigit(s[3])
}
