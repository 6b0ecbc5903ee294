package neardup

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestShingles(t *testing.T) {
	text := "Go developer. Go developer. " + strings.Repeat("alpha beta gamma ", 8) + "John Smith delta"
	prefix := []uint64{1, 2}
	got, ok := Shingles(slices.Clone(prefix), text, "SMITH, John")
	if !ok {
		t.Fatal("Shingles ok = false, want true")
	}
	if diff := cmp.Diff(prefix, got[:len(prefix)]); diff != "" {
		t.Errorf("Shingles changed what dst held (-want +got):\n%s", diff)
	}
	// Independently: the distinct 3-word shingles of the cleaned words.
	want := len(shingles(text, "John Smith"))
	hs := got[len(prefix):]
	if len(hs) != want {
		t.Errorf("Shingles returned %d hashes, want the %d distinct shingles", len(hs), want)
	}
	if !slices.IsSorted(hs) || len(slices.Compact(slices.Clone(hs))) != len(hs) {
		t.Errorf("Shingles = %x, want distinct hashes in increasing order", hs)
	}

	got, ok = Shingles(slices.Clone(prefix), strings.Repeat("word ", MinWords-1), "")
	if ok || !slices.Equal(got, prefix) {
		t.Errorf("Shingles(%d words) = %v, %v; want dst unchanged, false", MinWords-1, got, ok)
	}
}

// TestDocFreqNeverUnderCounts loads the sketch as real resumes would:
// stock phrases drawn from a skewed distribution and personal shingles
// that occur once, about 80 a document.
func TestDocFreqNeverUnderCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("counts two million shingles")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	stock := rand.NewZipf(rng, 1.1, 1, 1<<20)
	df := NewDocFreq()
	exact := map[uint64]int{}
	const docs = 25000
	for range docs {
		var doc []uint64
		for range 30 {
			doc = append(doc, mix(stock.Uint64()+1)) // hashes, as Shingles gives
		}
		for range 50 {
			doc = append(doc, rng.Uint64())
		}
		slices.Sort(doc)
		doc = slices.Compact(doc)
		df.Add(doc)
		for _, h := range doc {
			exact[h]++
		}
	}
	if got := df.Docs(); got != docs {
		t.Errorf("Docs = %d, want %d", got, docs)
	}
	common := df.Common()
	var under, wrong, over, rare int
	for h, n := range exact {
		c := df.Count(h)
		if c < n {
			under++
		}
		if c > n {
			over++
		}
		if n <= common {
			rare++
			if c > common {
				wrong++
			}
		}
	}
	t.Logf("%d distinct shingles, %d counted above their true count, %d of %d rare ones taken for common",
		len(exact), over, wrong, rare)
	if under > 0 {
		t.Errorf("%d shingles counted below their true count", under)
	}
	if wrong > 0 {
		t.Errorf("%d shingles in at most %d documents counted above it", wrong, common)
	}
}

func TestDocFreqSaturates(t *testing.T) {
	df := NewDocFreq()
	doc := []uint64{42}
	for range dfMax + 10 {
		df.Add(doc)
	}
	if got := df.Count(42); got != dfMax {
		t.Errorf("Count after %d documents = %d, want the saturated %d", dfMax+10, got, dfMax)
	}
	if got := df.Count(43); got != 0 {
		t.Errorf("Count of a shingle never added = %d, want 0", got)
	}
}

func TestDocFreqCommon(t *testing.T) {
	tests := []struct {
		docs, want int
	}{
		{0, MinCommon},
		{30000, MinCommon},
		{60000, 200},
		{1_000_000, 3333},
		{100_000_000, dfMax - 1}, // below saturation, so that the sketch can still tell
	}
	for _, tt := range tests {
		df := &DocFreq{docs: tt.docs}
		if got := df.Common(); got != tt.want {
			t.Errorf("Common with %d documents = %d, want %d", tt.docs, got, tt.want)
		}
	}
}

// stock is boilerplate that every resume in stockCorpus carries.
const stock = `Results-driven professional with a proven track record of delivering high quality
solutions. Excellent communication skills and a strong team player. Passionate about clean code,
continuous learning and agile methodologies. References available upon request.`

// stockCorpus returns a DocFreq that has counted 300 resumes made of stock
// under different names, so that stock's shingles are common.
func stockCorpus(tb testing.TB) *DocFreq {
	tb.Helper()
	df := NewDocFreq()
	for i := range 300 {
		name := fmt.Sprintf("Applicant%d", i)
		sh, ok := Shingles(nil, name+". "+stock, name)
		if !ok {
			tb.Fatal("Shingles(stock) ok = false")
		}
		df.Add(sh)
	}
	return df
}

func TestSignShingles(t *testing.T) {
	df := stockCorpus(t)
	other := `Jane Roe. Data engineer with 4 years of experience. Skills: Python, Django, Redis. Acme Corp
(2009-2018): Ran data analysis that shaped the pricing strategy. Worked closely with product managers
on discovery. Black Mesa (2018-2024): Owned on-call for the payments platform for two years.`
	tests := []struct {
		name     string
		a, aName string
		b, bName string
		min, max float64
	}{
		{"a template under two names is identical when its shingles are rare",
			render("John Smith"), "John Smith", render("Wei Chen"), "Wei Chen", 1, 1},
		{"a template with stock text added is identical under two names",
			render("John Smith") + " " + stock, "John Smith", render("Wei Chen") + " " + stock, "Wei Chen", 1, 1},
		{"stock text shared by two unrelated resumes counts for nothing",
			render("John Smith") + " " + stock, "John Smith", other + " " + stock, "Jane Roe", 0, 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, okA := SignShingles(shinglesOf(t, tt.a, tt.aName), df)
			b, okB := SignShingles(shinglesOf(t, tt.b, tt.bName), df)
			if !okA || !okB {
				t.Fatalf("SignShingles ok = %v, %v; want true, true", okA, okB)
			}
			if got := Similarity(a, b); got < tt.min || got > tt.max {
				t.Errorf("Similarity = %.3f, want in [%.2f, %.2f]", got, tt.min, tt.max)
			}
		})
	}

	refused := []struct {
		name, text, subject string
	}{
		{"stock text only", "Jane Roe. " + stock, "Jane Roe"},
		{"stock text with a personal sentence of a few words", "Jane Roe. Worked at Initech. " + stock, "Jane Roe"},
	}
	for _, tt := range refused {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			sh := shinglesOf(t, tt.text, tt.subject)
			if sig, ok := SignShingles(sh, df); ok || sig != (Signature{}) {
				t.Errorf("SignShingles ok = %v, want false and the zero Signature", ok)
			}
			// Without a DocFreq nothing is common.
			if _, ok := SignShingles(sh, nil); !ok {
				t.Errorf("SignShingles(nil DocFreq) ok = false, want true")
			}
		})
	}

	t.Run("without a DocFreq it is Sign", func(t *testing.T) {
		text := render("John Smith") + " " + stock
		want, _ := Sign(text, "John Smith")
		if got, _ := SignShingles(shinglesOf(t, text, "John Smith"), nil); got != want {
			t.Errorf("SignShingles(nil DocFreq) differs from Sign")
		}
		if _, ok := SignShingles(nil, nil); ok {
			t.Errorf("SignShingles(no shingles) ok = true, want false")
		}
	})
}

func shinglesOf(t *testing.T, text, name string) []uint64 {
	t.Helper()
	sh, ok := Shingles(nil, text, name)
	if !ok {
		t.Fatalf("Shingles(%.30q…) ok = false", text)
	}
	return sh
}
