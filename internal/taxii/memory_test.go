package taxii

import (
	"encoding/json"
	"testing"
	"time"
)

func TestMemoryBackendClockSteppingBack(t *testing.T) {
	m := NewMemoryBackend()
	if err := m.AddCollection(CollectionSpec{ID: "c", Readers: []string{"*"}, Writers: []string{"*"}}); err != nil {
		t.Fatal(err)
	}
	if err := m.AddCollection(CollectionSpec{ID: "c"}); err == nil {
		t.Error("adding collection c twice: no error")
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 999, time.UTC)
	m.SetClock(func() time.Time { return now })
	p := Principal{Member: "org-a"}
	obj := func(id string) Object {
		return Object{ID: "indicator--" + id, Type: "indicator", SpecVersion: "2.1", Modified: now, TLP: TLPGreen, Raw: json.RawMessage(`{}`)}
	}
	first, err := m.AddObjects(t.Context(), p, "c", []Object{obj("00000000-0000-4000-8000-000000000001")})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(-time.Hour) // the wall clock stepped back
	second, err := m.AddObjects(t.Context(), p, "c", []Object{obj("00000000-0000-4000-8000-000000000002")})
	if err != nil {
		t.Fatal(err)
	}
	if !second[0].DateAdded.Equal(first[0].DateAdded) || first[0].DateAdded.Nanosecond() != 0 {
		t.Errorf("date_added %v then %v, want the first, to the microsecond, twice", first[0].DateAdded, second[0].DateAdded)
	}
	page, err := m.Objects(t.Context(), Query{Collection: "c", Principal: p, Limit: 1})
	if err != nil || len(page.Objects) != 1 || !page.More {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	page, err = m.Objects(t.Context(), Query{Collection: "c", Principal: p, Limit: 1, After: page.Objects[0].Position()})
	if err != nil || len(page.Objects) != 1 || page.More || page.Objects[0].ID != second[0].ID {
		t.Errorf("second page: %+v, %v, want the second object and no more", page, err)
	}
	if _, err := m.Objects(t.Context(), Query{Collection: "c", Principal: p}); err == nil {
		t.Error("a query without a limit: no error")
	}
}
