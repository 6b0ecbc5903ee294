package live

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/dial"
)

func TestHeldAnswersNobodyWithoutTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := dial.Open(ctx, filepath.Join(t.TempDir(), "held.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(id, phone string) store.Subject {
		s := store.Subject{ID: id, Raw: []byte(`{"id":"` + id + `"}`), Identifiers: []store.Identifier{
			{Kind: "phone", Value: phone, Attribute: "phones[0]"},
			{Kind: "email_domain", Value: "example.com", Attribute: "emails[0]"}}}
		if _, err := st.PutSubjects(ctx, []store.Subject{s}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	put("a", "+12025550100")
	h, err := scanHeld(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	l := heldLinker{st, h}
	got, err := l.SubjectsByValues(ctx, []store.KindValue{{Kind: "phone", Value: "+12025550100"}, {Kind: "phone", Value: "+12025550199"}})
	if err != nil || len(got) != 1 || got[store.KindValue{Kind: "phone", Value: "+12025550100"}][0] != "a" {
		t.Errorf("held value: %v, %v", got, err)
	}
	if h.has("email_domain", "example.com") {
		t.Error("a key kind that does not link is held")
	}
	// A subject stored by another process is unseen until the next scan;
	// one stored through the engine (add) is seen at once.
	b := put("b", "+12025550101")
	if ids, _ := l.SubjectsByIdentifier(ctx, "phone", "+12025550101"); ids != nil {
		t.Errorf("a value stored elsewhere after the scan was found: %v", ids)
	}
	h.add([]store.Subject{b})
	if ids, _ := l.SubjectsByIdentifier(ctx, "phone", "+12025550101"); len(ids) != 1 {
		t.Errorf("a value added through the engine was not found: %v", ids)
	}
	// A new scan keeps what was added while it ran.
	h2, _ := scanHeld(ctx, st)
	h2.at = time.Now().Add(-time.Hour)
	c := put("c", "+12025550102")
	h.add([]store.Subject{c})
	h2.since(h)
	if !h2.has("phone", "+12025550102") || !h2.has("phone", "+12025550101") {
		t.Error("values added during a scan were lost")
	}
	// Kinds that are not indexed are refused by the store, not answered.
	if _, err := l.SubjectsByIdentifier(ctx, "email_domain", "example.com"); err == nil {
		t.Error("a lookup of a kind that is not indexed was answered")
	}
	if !h.due(h.at.Add(time.Minute)) || h.due(h.at.Add(time.Second)) {
		t.Error("rescan timing")
	}
}
