package intel

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/sqlite"
)

func TestStarterPackEntriesAreCitedAndCanonical(t *testing.T) {
	res, err := StarterPack()
	if err != nil {
		t.Fatal(err)
	}
	cites, err := StarterCitations()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Indicators) == 0 {
		t.Fatal("the starter pack is empty")
	}
	used := map[string]bool{}
	for _, in := range res.Indicators {
		c, ok := cites[in.SourceRef]
		switch {
		case !ok:
			t.Errorf("%s %q cites %q, which is not in citations.csv", in.Kind, in.Value, in.SourceRef)
			continue
		case c.Publisher == "" || c.Title == "" || c.URL == "":
			t.Errorf("citation %s lacks a publisher, title or URL: %+v", c.ID, c)
		}
		if _, err := time.Parse("2006-01-02", c.Date); err != nil {
			t.Errorf("citation %s: date %q is not YYYY-MM-DD", c.ID, c.Date)
		}
		used[c.ID] = true
		// The stored value is canonical: normalising it again changes nothing.
		if again, err := starterCanonical(in.Kind, in.Value); err != nil || again != in.Value {
			t.Errorf("%s %q re-normalises to %q, %v", in.Kind, in.Value, again, err)
		}
		if in.Label == "" || in.Source != StarterSource || in.TLP != "clear" {
			t.Errorf("%s %q: label %q, source %q, TLP %q", in.Kind, in.Value, in.Label, in.Source, in.TLP)
		}
		// Tools and devices are context, not evidence: never more than low.
		switch in.Kind {
		case KindSoftware, KindVPNProvider, KindUSBDevice:
			if in.Severity != "info" && in.Severity != "low" {
				t.Errorf("%s %q has severity %s; context is info or low", in.Kind, in.Value, in.Severity)
			}
		}
	}
	for id := range cites {
		if !used[id] {
			t.Errorf("citation %s is cited by no entry", id)
		}
	}
	if err := store.CheckIndicators(StarterSource, res.Indicators); err != nil {
		t.Errorf("the store would refuse the pack: %v", err)
	}
}

func TestStarterPackLoadsOnceAndAgainWhenItChanges(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rf.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, want := range []bool{true, false} {
		loaded, err := EnsureStarterPack(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if loaded != want {
			t.Errorf("run %d: loaded = %v, want %v", i+1, loaded, want)
		}
	}
	n := 0
	for _, err := range st.Indicators(ctx, store.IndicatorQuery{Source: StarterSource}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	res, _ := StarterPack()
	if n != len(res.Indicators) {
		t.Errorf("%d starter-pack indicators stored, want %d", n, len(res.Indicators))
	}
	// A binary with a different pack reloads it.
	if err := st.PutSyncState(ctx, store.SyncState{URL: starterStateURL, SHA256: "older"}); err != nil {
		t.Fatal(err)
	}
	if loaded, err := EnsureStarterPack(ctx, st); err != nil || !loaded {
		t.Errorf("after an upgrade: loaded = %v, %v; want true", loaded, err)
	}
}
