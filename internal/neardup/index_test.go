package neardup

import (
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func sign(t testing.TB, text, name string) Signature {
	t.Helper()
	s, ok := Sign(text, name)
	if !ok {
		t.Fatalf("Sign(%.30q…) ok = false", text)
	}
	return s
}

// near returns what Near reports for s, failing on a document reported
// twice or below Threshold.
func near(t testing.TB, x *Index, s Signature) map[uint32]float64 {
	t.Helper()
	got := map[uint32]float64{}
	x.Near(s, func(doc uint32, sim float64) {
		if _, dup := got[doc]; dup {
			t.Errorf("Near reported document %d twice", doc)
		}
		if sim < Threshold || sim > 1 {
			t.Errorf("Near reported document %d at similarity %.3f", doc, sim)
		}
		got[doc] = sim
	})
	return got
}

func TestIndexNear(t *testing.T) {
	john := sign(t, render("John Smith"), "John Smith")
	wei := sign(t, render("Wei Chen"), "Wei Chen")
	other := sign(t, `Jane Roe. Data engineer with 4 years of experience. Skills: Python, Django, Redis. Acme Corp
(2009-2018): Ran data analysis that shaped the pricing strategy. Worked closely with product managers
on discovery. Black Mesa (2018-2024): Owned on-call for the payments platform for two years.`, "Jane Roe")
	edited := sign(t, strings.Replace(render("Olga Novak"), "Implemented SSO and role-based access control.",
		"Mentored junior developers and ran the code review rota.", 1), "Olga Novak")

	x := NewIndex()
	x.Add(10, john)
	x.Add(20, other)
	x.Add(30, Signature{}) // a text too short to judge
	x.Add(40, edited)
	if got, want := x.Len(), 3; got != want {
		t.Errorf("Len = %d, want %d: the zero Signature must not be indexed", got, want)
	}
	want := map[uint32]float64{10: 1, 40: Similarity(john, edited)}
	if diff := cmp.Diff(want, near(t, x, wei)); diff != "" {
		t.Errorf("Near(template under another name) (-want +got):\n%s", diff)
	}
	if got := near(t, x, Signature{}); len(got) != 0 {
		t.Errorf("Near(zero Signature) = %v, want nothing", got)
	}

	// Adding after a query sorts again before the next one.
	x.Add(50, wei)
	want[50] = 1
	if diff := cmp.Diff(want, near(t, x, wei)); diff != "" {
		t.Errorf("Near after a later Add (-want +got):\n%s", diff)
	}
}

// TestIndexNearConcurrent queries from several goroutines at once; run
// with -race it checks that the lazy sort of the first Near is safe.
func TestIndexNearConcurrent(t *testing.T) {
	x := NewIndex()
	names := []string{"John Smith", "Wei Chen", "Olga Novak", "Carlos Diaz"}
	for i, n := range names {
		x.Add(uint32(i), sign(t, render(n), n))
	}
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Go(func() {
			if got := len(near(t, x, sign(t, render(n), n))); got != len(names) {
				t.Errorf("Near found %d documents, want %d", got, len(names))
			}
		})
	}
	wg.Wait()
}

// TestNearAgreesWithScan compares Near with a scan of every signature on
// the synthetic population: Near may miss a pair (banding is
// probabilistic) but must report nothing a scan would not, with the same
// similarity.
func TestNearAgreesWithScan(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 20000 records")
	}
	rs, _ := population(t, 20000)
	x := NewIndex()
	for i, r := range rs {
		x.Add(uint32(i), r.sig)
	}
	var scanned, found int
	for i := 0; i < len(rs); i += 5 {
		if !rs[i].ok {
			continue
		}
		want := map[uint32]float64{}
		for j, o := range rs {
			if sim := Similarity(rs[i].sig, o.sig); o.ok && sim >= Threshold {
				want[uint32(j)] = sim
			}
		}
		got := near(t, x, rs[i].sig)
		scanned += len(want)
		found += len(got)
		maps.DeleteFunc(want, func(doc uint32, _ float64) bool { _, ok := got[doc]; return !ok })
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("Near(resume %d) reports pairs a scan does not (-scan +near):\n%s", i, diff)
		}
	}
	t.Logf("Near found %d of the %d pairs a scan finds (%.2f%%)", found, scanned, 100*float64(found)/float64(scanned))
}
