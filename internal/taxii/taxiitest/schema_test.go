package taxiitest

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/ringfence/ringfence/internal/shareddata"
	"github.com/ringfence/ringfence/internal/taxii"
)

func TestFixturesValidate(t *testing.T) {
	dir := shareddata.Path(t, filepath.Join("stix2-schemas", "schemas"))
	s, err := loadSchemas(dir)
	if err != nil {
		t.Fatal(err)
	}
	objs := []json.RawMessage{
		identity("org-a"),
		indicator("x", "x@example.net", taxii.MarkingTLP2Amber),
		ind{name: "g", email: "g@example.net", granular: []string{taxii.MarkingTLP2Red}}.json(),
	}
	for id := range tlp2Names {
		objs = append(objs, marking(id))
	}
	for id := range tlp1Names {
		objs = append(objs, marking(id))
	}
	for _, o := range objs {
		if err := s.check(o); err != nil {
			t.Error(err)
		}
	}
	if got := s.count(); got != len(objs) {
		t.Errorf("%d objects checked, want %d", got, len(objs))
	}
}

func TestSchemasRefuseBrokenObjects(t *testing.T) {
	dir := shareddata.Path(t, filepath.Join("stix2-schemas", "schemas"))
	s, err := loadSchemas(dir)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(o json.RawMessage, f func(map[string]any)) json.RawMessage {
		var m map[string]any
		json.Unmarshal(o, &m)
		f(m)
		return mustJSON(m)
	}
	for name, o := range map[string]json.RawMessage{
		"an indicator without a pattern": edit(indicator("x", "x@example.net"), func(m map[string]any) { delete(m, "pattern") }),
		"an identity without a name":     edit(identity("org-a"), func(m map[string]any) { delete(m, "name") }),
		"a TLP 1.0 marking with another colour": edit(marking(taxii.MarkingTLPRed), func(m map[string]any) {
			m["definition"] = map[string]any{"tlp": "green"}
		}),
		"an unknown type": json.RawMessage(`{"type":"x-unknown","spec_version":"2.1","id":"x-unknown--0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"}`),
	} {
		if err := s.check(o); err == nil {
			t.Errorf("%s validates", name)
		}
	}
}
