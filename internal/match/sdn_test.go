package match

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ringfence/ringfence/internal/match/matchtest"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/subject"
)

func nameQuery(t testing.TB, name, dob string) Query {
	t.Helper()
	v, err := normalize.Name(name)
	if err != nil {
		t.Fatalf("normalize %q: %v", name, err)
	}
	return Query{Identifiers: []subject.Identifier{{Attribute: "name", Value: v}}, BirthDate: dob}
}

// TestSDNVariantsFindTheirEntry is the acceptance test: every variant of a
// listed DPRK individual's name, given with the listed birth date, has
// that individual as its top hit.
func TestSDNVariantsFindTheirEntry(t *testing.T) {
	res := matchtest.LoadSDN(t)
	x := NewIndexFromSlice(res.Indicators)
	vs := matchtest.DPRKVariants(res)
	if len(vs) < 300 {
		t.Fatalf("got %d variants of DPRK individuals, want at least 300", len(vs))
	}
	found := 0
	var misses []string
	for _, v := range vs {
		hits := x.Match(nameQuery(t, v.Name, v.DOB))
		if len(hits) > 0 && hits[0].SourceRef == v.Ref {
			found++
			continue
		}
		top := "no hit"
		if len(hits) > 0 {
			top = fmt.Sprintf("top %s %q (%d)", hits[0].SourceRef, hits[0].IndicatorValue, hits[0].Confidence)
		}
		misses = append(misses, fmt.Sprintf("%s %s %q dob %q: %s", v.Ref, v.How, v.Name, v.DOB, top))
	}
	recall := float64(found) / float64(len(vs))
	t.Logf("index: %d of %d variants of %d-entry DPRK set have the right top hit: recall %.3f", found, len(vs), countRefs(vs), recall)
	for _, m := range misses {
		t.Logf("miss: %s", m)
	}
	if recall < 0.95 {
		t.Errorf("recall %.3f, want at least 0.95", recall)
	}
}

func countRefs(vs []matchtest.Variant) int {
	refs := map[string]bool{}
	for _, v := range vs {
		refs[v.Ref] = true
	}
	return len(refs)
}

// TestNaiveBaselineRecall measures what scanning every name with
// Jaro-Winkler on sorted words finds on the same variants, to show what
// the romanisation-aware index buys.
func TestNaiveBaselineRecall(t *testing.T) {
	res := matchtest.LoadSDN(t)
	x := NewIndexFromSlice(res.Indicators)
	// Every fourth variant: the scan costs 48,000 comparisons a name, and
	// the package's tests must stay fast.
	var vs []matchtest.Variant
	for i, v := range matchtest.DPRKVariants(res) {
		if i%4 == 0 {
			vs = append(vs, v)
		}
	}
	naive, index := 0, 0
	for _, v := range vs {
		q := nameQuery(t, v.Name, v.DOB)
		if best, ok := x.naiveBest(q); ok && x.entryOf(x.names.names[best].entry).ref == v.Ref {
			naive++
		}
		if hits := x.Match(q); len(hits) > 0 && hits[0].SourceRef == v.Ref {
			index++
		}
	}
	t.Logf("every 4th variant (%d): naive scan recall %.3f, index recall %.3f",
		len(vs), float64(naive)/float64(len(vs)), float64(index)/float64(len(vs)))
	if naive > index {
		t.Errorf("the naive scan finds %d, the index %d: the index should not be worse", naive, index)
	}
}

// naiveBest scans every name, scoring Jaro-Winkler on sorted words, and
// breaks ties by birth date: the baseline the index is measured against.
func (x *Index) naiveBest(q Query) (int32, bool) {
	tokens := q.Identifiers[0].Key("name_tokens")
	best, bestSim, bestDOB := int32(-1), fuzzyThreshold, false
	for i := range x.names.names {
		r := &x.names.names[i]
		sim := jaroWinkler(tokens, x.names.tokens(int32(i)))
		if sim < bestSim {
			continue
		}
		dob, _ := compareDOB(q.BirthDate, x.entryOf(r.entry).birthDates)
		exact := dob == DOBExact || dob == DOBYear
		if sim > bestSim || exact && !bestDOB {
			best, bestSim, bestDOB = int32(i), sim, exact
		}
	}
	return best, best >= 0
}

// TestCommonKoreanNamesStayBelowHigh checks the namesake rule: common
// names, some of them shared by listed DPRK officials (Kim Yong Chol, Ri
// Yong Ho, Pak Chol), with birth dates the list does not give, never reach
// the "high" confidence screening alerts on.
func TestCommonKoreanNamesStayBelowHigh(t *testing.T) {
	res := matchtest.LoadSDN(t)
	x := NewIndexFromSlice(res.Indicators)
	r := rand.New(rand.NewPCG(7, 11))
	hitsSeen, worst := 0, 0
	for _, name := range matchtest.CommonKoreanNames {
		// A random date, redrawn while it agrees with a namesake's listed
		// date or year: such a person is indistinguishable by name and
		// date from the listed one, and is not what this test is about.
		var dob string
		for tries := 0; ; tries++ {
			dob = fmt.Sprintf("%04d-%02d-%02d", 1965+r.IntN(40), 1+r.IntN(12), 1+r.IntN(28))
			agrees := false
			for _, h := range x.Match(nameQuery(t, name, dob)) {
				agrees = agrees || h.DOB == DOBExact || h.DOB == DOBYear
			}
			if !agrees {
				break
			}
			if tries > 100 {
				t.Fatalf("no birth date for %s that disagrees with every namesake", name)
			}
		}
		for _, nat := range []string{"", "KR", "US", "KP"} {
			q := nameQuery(t, name, dob)
			q.Nationality = nat
			for _, h := range x.Match(q) {
				hitsSeen++
				worst = max(worst, h.Confidence)
				if h.Confidence >= 70 {
					t.Errorf("%s born %s nationality %q: confidence %d, want < 70: %s", name, dob, nat, h.Confidence, h.Explanation)
				}
			}
		}
	}
	t.Logf("%d common names × 4 nationalities: %d hits, highest confidence %d", len(matchtest.CommonKoreanNames), hitsSeen, worst)
}
