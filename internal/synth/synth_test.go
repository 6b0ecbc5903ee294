package synth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"testing"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/subject"
)

func generate(t *testing.T, o Options) ([]subject.Record, []Truth) {
	t.Helper()
	recs, truth, err := Population(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return recs, truth
}

func digest(t *testing.T, recs []subject.Record) [32]byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	return sha256.Sum256(b.Bytes())
}

func TestGenerateIsAFunctionOfTheSeed(t *testing.T) {
	a, _ := generate(t, Options{N: 3000, Seed: 42})
	b, _ := generate(t, Options{N: 3000, Seed: 42})
	c, _ := generate(t, Options{N: 3000, Seed: 43})
	if digest(t, a) != digest(t, b) {
		t.Error("two runs with seed 42 differ; tests on a fixed seed would be flaky")
	}
	if digest(t, a) == digest(t, c) {
		t.Error("seeds 42 and 43 give the same population")
	}
}

func TestGeneratePlantsRingsAndOrdinaryOverlaps(t *testing.T) {
	const n = 20000
	recs, truth := generate(t, Options{N: n, Seed: 1})
	if len(recs) != n {
		t.Fatalf("got %d records, want %d", len(recs), n)
	}
	overlaps := map[string]int{}
	rings := map[string][]int{}
	ids := map[string]bool{}
	for i, tr := range truth {
		if tr.ID != recs[i].ID {
			t.Fatalf("truth %d is for %s, record is %s", i, tr.ID, recs[i].ID)
		}
		if ids[tr.ID] {
			t.Fatalf("id %s written twice", tr.ID)
		}
		ids[tr.ID] = true
		if tr.Fraud {
			rings[tr.Ring] = append(rings[tr.Ring], i)
		} else {
			overlaps[tr.Overlap]++
		}
	}
	personas := 0
	for _, m := range rings {
		personas += len(m)
	}
	if share := float64(personas) / n; share < 0.02 || share > 0.04 {
		t.Errorf("ring personas are %.3f of the population, want about 0.03", share)
	}
	for _, o := range []string{"family", "roommates", "coworking", "duplicate", "vpn", "korean_name", "identity_theft_victim"} {
		if overlaps[o] == 0 {
			t.Errorf("no ordinary records with overlap %q: the population must exercise every false-positive source", o)
		}
	}
	// Every ring of two or more personas is held together by strong
	// identifiers: each persona shares one with another, and following them
	// reaches the whole ring. Otherwise no detector could recover it.
	for ring, members := range rings {
		if len(members) < 2 {
			continue
		}
		reached := map[int]bool{members[0]: true}
		for changed := true; changed; {
			changed = false
			for _, i := range members {
				for _, j := range members {
					if reached[i] && !reached[j] && len(sharedStrong(recs[i], recs[j])) > 0 {
						reached[j], changed = true, true
					}
				}
			}
		}
		if len(reached) != len(members) {
			t.Errorf("%s: strong identifiers connect %d of its %d personas", ring, len(reached), len(members))
		}
	}
}

func sharedStrong(a, b subject.Record) []string {
	var out []string
	has := func(kind string, x, y []string) {
		for _, v := range x {
			for _, w := range y {
				if v == w {
					out = append(out, kind)
					return
				}
			}
		}
	}
	digits := func(ss []string) []string {
		var o []string
		for _, s := range ss {
			var d []byte
			for i := 0; i < len(s); i++ {
				if s[i] >= '0' && s[i] <= '9' {
					d = append(d, s[i])
				}
			}
			if len(d) == 11 {
				d = d[1:]
			}
			o = append(o, string(d))
		}
		return o
	}
	has("phone", digits(a.Phones), digits(b.Phones))
	has("email", a.Emails, b.Emails)
	has("bank", a.BankAccounts, b.BankAccounts)
	has("wallet", a.Wallets, b.Wallets)
	has("device", a.Devices, b.Devices)
	ship := func(r subject.Record) []string {
		var o []string
		for _, ad := range r.Addresses {
			if ad.Kind == "shipping" {
				o = append(o, ad.Line1+ad.PostalCode)
			}
		}
		return o
	}
	has("shipping", ship(a), ship(b))
	return out
}

func TestGeneratedSSNsAreSharedOnlyByPlantedThefts(t *testing.T) {
	recs, truth := generate(t, Options{N: 20000, Seed: 3})
	owner := map[string]int{}
	thefts := 0
	for i, r := range recs {
		for _, d := range r.IDDocuments {
			j, seen := owner[d.Number]
			if !seen {
				owner[d.Number] = i
				continue
			}
			a, b := truth[i], truth[j]
			if a.Overlap == "duplicate" && b.Overlap == "duplicate" && a.Group == b.Group {
				continue // the same person applying twice
			}
			if a.Fraud == b.Fraud {
				t.Errorf("%s and %s share SSN %s but neither is a planted theft (%+v, %+v)", r.ID, recs[j].ID, d.Number, a, b)
			}
			thefts++
		}
	}
	if thefts == 0 {
		t.Error("no planted identity thefts whose owner is in the population")
	}
}

// TestGeneratedValuesAreValidIdentifiers keeps the generator honest: a
// population whose phones or accounts do not normalise would test nothing.
func TestGeneratedValuesAreValidIdentifiers(t *testing.T) {
	recs, _ := generate(t, Options{N: 3000, Seed: 9})
	for _, r := range recs {
		_, problems := subject.Identifiers(&r, normalize.Options{})
		for _, p := range problems {
			t.Errorf("%s: %s %q: %s", r.ID, p.Attribute, p.Value, p.Reason)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		Generate(context.Background(), Options{N: 10000, Seed: 1}, func(subject.Record, Truth) error { return nil })
	}
}
