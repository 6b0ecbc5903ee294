package taxiitest

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ringfence/ringfence/internal/taxii"
)

// The suite's STIX content is what members share: indicators of the
// e-mail addresses DPRK IT-worker personas applied with, marked with TLP,
// created by the members' identities. Every id is derived from a name, so
// runs are reproducible; every address is under a reserved example domain.

// base is when the fixtures were created.
var base = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// stixTime writes a STIX timestamp, to the millisecond as STIX requires.
func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// uuidFor returns a stable UUID (shaped as version 5) for a name.
func uuidFor(name string) string {
	h := sha1.Sum([]byte("ringfence taxiitest " + name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// indicatorID returns the id of the indicator named name.
func indicatorID(name string) string { return "indicator--" + uuidFor("indicator "+name) }

// identityID returns the id of a member's identity.
func identityID(member string) string { return "identity--" + uuidFor("identity "+member) }

type granularMarking struct {
	MarkingRef string   `json:"marking_ref"`
	Selectors  []string `json:"selectors"`
}

type stixIndicator struct {
	Type              string            `json:"type"`
	SpecVersion       string            `json:"spec_version"`
	ID                string            `json:"id"`
	CreatedByRef      string            `json:"created_by_ref"`
	Created           string            `json:"created"`
	Modified          string            `json:"modified"`
	Name              string            `json:"name"`
	Description       string            `json:"description"`
	IndicatorTypes    []string          `json:"indicator_types"`
	Pattern           string            `json:"pattern"`
	PatternType       string            `json:"pattern_type"`
	PatternVersion    string            `json:"pattern_version"`
	ValidFrom         string            `json:"valid_from"`
	Labels            []string          `json:"labels"`
	Confidence        int               `json:"confidence"`
	ObjectMarkingRefs []string          `json:"object_marking_refs,omitempty"`
	GranularMarkings  []granularMarking `json:"granular_markings,omitempty"`
}

// ind describes an indicator fixture.
type ind struct {
	name     string // names the id
	email    string
	modified time.Time // zero: created
	markings []string
	granular []string // markings of the description only
	by       string   // the member whose identity created it; default org-a
}

func (i ind) json() json.RawMessage {
	by := i.by
	if by == "" {
		by = "org-a"
	}
	modified := i.modified
	if modified.IsZero() {
		modified = base
	}
	o := stixIndicator{
		Type: "indicator", SpecVersion: "2.1", ID: indicatorID(i.name),
		CreatedByRef: identityID(by), Created: stixTime(base), Modified: stixTime(modified),
		Name:           "DPRK IT worker persona e-mail: " + i.email,
		Description:    "An applicant used this address while posing as a US-based remote developer; the same operator ran other personas seen by consortium members.",
		IndicatorTypes: []string{"malicious-activity", "attribution"},
		Pattern:        fmt.Sprintf("[email-addr:value = '%s']", i.email),
		PatternType:    "stix", PatternVersion: "2.1",
		ValidFrom:  stixTime(base),
		Labels:     []string{"dprk-it-worker"},
		Confidence: 80, ObjectMarkingRefs: i.markings,
	}
	for _, m := range i.granular {
		o.GranularMarkings = append(o.GranularMarkings, granularMarking{MarkingRef: m, Selectors: []string{"description"}})
	}
	return mustJSON(o)
}

// indicator returns an indicator with markings, modified at base.
func indicator(name, email string, markings ...string) json.RawMessage {
	return ind{name: name, email: email, markings: markings}.json()
}

// indicatorsBy is indicators created by member's identity.
func indicatorsBy(prefix string, n int, member string) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		out[i] = ind{name: fmt.Sprintf("%s-%d", prefix, i), email: fmt.Sprintf("%s.dev%03d@example.net", prefix, i),
			markings: []string{taxii.MarkingTLP2Green}, by: member}.json()
	}
	return out
}

// indicators returns n indicators named prefix-0 … prefix-(n-1), marked
// TLP:GREEN.
func indicators(prefix string, n int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		out[i] = indicator(fmt.Sprintf("%s-%d", prefix, i), fmt.Sprintf("%s.dev%03d@example.net", prefix, i), taxii.MarkingTLP2Green)
	}
	return out
}

// identity returns a member's identity.
func identity(member string) json.RawMessage {
	return mustJSON(map[string]any{
		"type": "identity", "spec_version": "2.1", "id": identityID(member),
		"created": stixTime(base), "modified": stixTime(base),
		"name":           "Trust and safety team of " + member,
		"identity_class": "organization", "sectors": []string{"technology"},
		"object_marking_refs": []string{taxii.MarkingTLP2Clear},
	})
}

var tlp2Names = map[string]string{
	taxii.MarkingTLP2Clear: "clear", taxii.MarkingTLP2Green: "green", taxii.MarkingTLP2Amber: "amber",
	taxii.MarkingTLP2AmberStrict: "amber+strict", taxii.MarkingTLP2Red: "red",
}

var tlp1Names = map[string]string{
	taxii.MarkingTLPWhite: "white", taxii.MarkingTLPGreen: "green", taxii.MarkingTLPAmber: "amber", taxii.MarkingTLPRed: "red",
}

// marking returns the marking-definition object of a TLP 1.0 or TLP 2.0
// marking id, as STIX 2.1 and the OASIS TLP 2.0 extension publish them.
func marking(id string) json.RawMessage {
	if level, ok := tlp2Names[id]; ok {
		return mustJSON(map[string]any{
			"type": "marking-definition", "spec_version": "2.1", "id": id,
			"created": "2022-10-01T00:00:00.000Z", "name": "TLP:" + upper(level),
			"extensions": map[string]any{
				taxii.TLP2Extension: map[string]any{"extension_type": "property-extension", "tlp_2_0": level},
			},
		})
	}
	level := tlp1Names[id]
	return mustJSON(map[string]any{
		"type": "marking-definition", "spec_version": "2.1", "id": id,
		"created": "2017-01-20T00:00:00.000Z", "name": "TLP:" + upper(level),
		"definition_type": "tlp", "definition": map[string]any{"tlp": level},
	})
}

// statement20 returns a statement marking in STIX 2.0 form: no
// spec_version.
func statement20(name string) json.RawMessage {
	return mustJSON(map[string]any{
		"type": "marking-definition", "id": "marking-definition--" + uuidFor("statement "+name),
		"created": stixTime(base), "definition_type": "statement",
		"definition": map[string]any{"statement": "Shared within the ringfence consortium; do not republish. (" + name + ")"},
	})
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func mustJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}
