package neardup

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/ringfence/ringfence/internal/subject"
	"github.com/ringfence/ringfence/internal/synth"
)

const template = `%s. Senior Full-stack developer with 9 years of experience. Skills: Go, React, AWS, Solidity.
Globex (2013-2016): Built internal tooling used by every engineering team. Reduced cloud spend by
right-sizing clusters. Hooli (2016-2019): Shipped a mobile app with a 4.7 store rating. Implemented SSO
and role-based access control. Initech (2019-2022): Wrote the company's first end-to-end test suite.
Presented at local meetups on testing practice. Education: BSc Computer Science, Moore City College, 2011.`

func render(name string) string { return strings.Replace(template, "%s", name, 1) }

func TestSimilarity(t *testing.T) {
	other := `Jane Roe. Data engineer with 4 years of experience. Skills: Python, Django, Redis. Acme Corp
(2009-2018): Ran data analysis that shaped the pricing strategy. Worked closely with product managers
on discovery. Black Mesa (2018-2024): Owned on-call for the payments platform for two years. Delivered
projects for clients in retail and healthcare. Education: BSc Computer Science, Lee Tech Institute, 2007.`
	edited := strings.Replace(render("Ivan Novak"), "Shipped a mobile app with a 4.7 store rating.",
		"Designed a billing pipeline processing millions of events a day.", 1)
	tests := []struct {
		name     string
		a, aName string
		b, bName string
		min, max float64
	}{
		{"the same template under another name is identical",
			render("John Smith"), "John Smith", render("Min-jun Kim"), "KIM Min-jun", 1, 1},
		{"changes of case and punctuation are ignored",
			render("John Smith"), "John Smith",
			strings.NewReplacer(".", " ", ",", ";", ":", " - ", "(", "[", ")", "]").Replace(strings.ToUpper(render("Wei Chen"))),
			"Wei Chen", 1, 1},
		{"a template with one clause replaced stays above the threshold",
			render("John Smith"), "John Smith", edited, "Ivan Novak", Threshold, 0.95},
		{"an ordinary resume from the same phrase lists is far below",
			render("John Smith"), "John Smith", other, "Jane Roe", 0, 0.3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, okA := Sign(tt.a, tt.aName)
			b, okB := Sign(tt.b, tt.bName)
			if !okA || !okB {
				t.Fatalf("Sign ok = %v, %v; want true, true", okA, okB)
			}
			if got := Similarity(a, b); got < tt.min || got > tt.max {
				t.Errorf("Similarity = %.3f, want in [%.2f, %.2f] (exact Jaccard %.3f)",
					got, tt.min, tt.max, jaccard(shingles(tt.a, tt.aName), shingles(tt.b, tt.bName)))
			}
		})
	}
}

func TestSignRefusesShortTexts(t *testing.T) {
	tests := []struct {
		name, text, subject string
		ok                  bool
	}{
		{"empty text", "", "John Smith", false},
		{"a one-line headline", "John Smith. Senior Go developer, 10 years, remote only.", "John Smith", false},
		{"nineteen words", strings.Repeat("word ", 19), "", false},
		{"twenty words", strings.Repeat("word ", 20), "", true},
		{"twenty words of which the name is two",
			"John Smith " + strings.Repeat("word ", 18), "john SMITH", false},
		{"punctuation only", strings.Repeat("-- ... !!! ", 50), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, ok := Sign(tt.text, tt.subject)
			if ok != tt.ok {
				t.Errorf("Sign ok = %v, want %v", ok, tt.ok)
			}
			if !ok && sig != (Signature{}) {
				t.Errorf("Sign returned a non-zero signature with ok false")
			}
		})
	}
}

// shingles is the exact shingle set of text, computed independently of
// Sign with strings.FieldsFunc, to check the estimate against.
func shingles(text, name string) map[string]bool {
	ws := cleanWords(text, name)
	set := map[string]bool{}
	for i := 0; i+shingle <= len(ws); i++ {
		set[strings.Join(ws[i:i+shingle], " ")] = true
	}
	return set
}

// cleanWords is the word list Sign hashes.
func cleanWords(text, name string) []string {
	drop := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(name), isSeparator) {
		drop[w] = true
	}
	var ws []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), isSeparator) {
		if !drop[w] {
			ws = append(ws, w)
		}
	}
	return ws
}

func isSeparator(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
}

func jaccard(a, b map[string]bool) float64 {
	both := 0
	for s := range a {
		if b[s] {
			both++
		}
	}
	if u := len(a) + len(b) - both; u > 0 {
		return float64(both) / float64(u)
	}
	return 0
}

type resume struct {
	name, text string
	ring       string
	fraud      bool
	shingles   []uint64 // all of them, as Shingles returns them
	sig        Signature
	ok         bool
}

// population generates n synthetic records and signs their resumes as
// screening does, in two passes: Shingles of every resume, counted in a
// DocFreq, then SignShingles with the common shingles left out.
func population(tb testing.TB, n int) ([]resume, *DocFreq) {
	tb.Helper()
	var rs []resume
	df := NewDocFreq()
	err := synth.Generate(context.Background(), synth.Options{N: n, Seed: 1}, func(r subject.Record, t synth.Truth) error {
		if r.ResumeText == "" {
			return nil
		}
		sh, ok := Shingles(nil, r.ResumeText, r.Name)
		if ok {
			df.Add(sh)
		}
		rs = append(rs, resume{name: r.Name, text: r.ResumeText, ring: t.Ring, fraud: t.Fraud, shingles: sh, ok: ok})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range rs {
		if rs[i].ok {
			rs[i].sig, rs[i].ok = SignShingles(rs[i].shingles, df)
		}
	}
	return rs, df
}

// kept returns the shingles SignShingles keeps.
func kept(shingles []uint64, df *DocFreq) []uint64 {
	var k []uint64
	for _, h := range shingles {
		if df.Count(h) <= df.Common() {
			k = append(k, h)
		}
	}
	return k
}

// TestIndexFindsRingTemplates is the calibration on the synthetic
// population, signed as screening does: ring personas that reuse their
// ring's template must find a ring-mate, and ordinary people must rarely
// match anyone of another name.
func TestIndexFindsRingTemplates(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 20000 records")
	}
	rs, df := population(t, 20000)
	x := NewIndex()
	signed, keptSum := 0, 0
	for i, r := range rs {
		if r.ok {
			x.Add(uint32(i), r.sig)
			signed++
			keptSum += len(kept(r.shingles, df))
		}
	}

	// Which ring personas used the template: those with a ring-mate at exact
	// Jaccard 0.6 or more over all their shingles. Pairwise, but only inside
	// rings. The estimate is checked against the exact Jaccard of the
	// shingles kept.
	rings := map[string][]int{}
	for i, r := range rs {
		if r.ring != "" {
			rings[r.ring] = append(rings[r.ring], i)
		}
	}
	templated := map[int]bool{}
	var absErr, pairs float64
	for _, members := range rings {
		for i, a := range members {
			for _, b := range members[i+1:] {
				if jaccard(shingles(rs[a].text, rs[a].name), shingles(rs[b].text, rs[b].name)) >= Threshold {
					templated[a], templated[b] = true, true
				}
				if rs[a].ok && rs[b].ok {
					j := sortedJaccard(kept(rs[a].shingles, df), kept(rs[b].shingles, df))
					absErr += math.Abs(Similarity(rs[a].sig, rs[b].sig) - j)
					pairs++
				}
			}
		}
	}

	var found, ordinary, falseMatch, reported int
	for i, r := range rs {
		if !r.fraud {
			ordinary++
		}
		mate, stranger := false, false
		x.Near(r.sig, func(doc uint32, sim float64) {
			if int(doc) == i {
				return
			}
			reported++
			o := rs[doc]
			mate = mate || r.ring != "" && o.ring == r.ring
			stranger = stranger || !strings.EqualFold(o.name, r.name)
		})
		if templated[i] && mate {
			found++
		}
		if !r.fraud && stranger {
			falseMatch++
		}
	}
	recall := float64(found) / float64(len(templated))
	falseRate := float64(falseMatch) / float64(ordinary)
	t.Logf("%d resumes, %d signed (%.1f shingles kept of each, common above %d documents), %d ordinary, %d rings, %d pairs reported by Near",
		len(rs), signed, float64(keptSum)/float64(signed), df.Common(), ordinary, len(rings), reported/2)
	t.Logf("template personas finding a ring-mate: %d of %d (%.2f%%)", found, len(templated), 100*recall)
	t.Logf("ordinary resumes matching another name: %d of %d (%.3f%%)", falseMatch, ordinary, 100*falseRate)
	t.Logf("mean |Similarity - exact Jaccard| over ring pairs: %.3f", absErr/pairs)
	if recall < 0.95 {
		t.Errorf("recall of template personas %.3f, want at least 0.95", recall)
	}
	if falseRate > 0.005 {
		t.Errorf("ordinary false-match rate %.4f, want at most 0.005", falseRate)
	}
	if mae := absErr / pairs; mae > 0.05 {
		t.Errorf("mean absolute error of Similarity %.3f, want at most 0.05", mae)
	}
}

func FuzzSign(f *testing.F) {
	f.Add(render("John Smith"), "John Smith")
	f.Add(strings.ToUpper(render("Min-jun Kim")), "kim min-jun")
	f.Add("Żaneta Łukasiewicz. Inżynierka z 10-letnim doświadczeniem w Go, Rust i PostgreSQL; "+
		"projektowała systemy płatności, prowadziła zespół i pisała testy end-to-end dla klientów w Europie.", "Żaneta Łukasiewicz")
	f.Add("김민준 백엔드 개발자 경력 7년 Go Kubernetes AWS 결제 시스템 설계 및 운영 코드 리뷰 멘토링 테스트 자동화 "+
		"클라우드 비용 절감 모니터링 대시보드 구축 오픈소스 기여 발표", "김민준")
	f.Add(strings.Repeat("word ", 20), "")
	f.Add("e\u0301te\u0301 \xff\xfe invalid utf-8 "+strings.Repeat("x ", 30), "\xff")
	f.Add("Jane Roe. "+stock, "Jane Roe")
	df := stockCorpus(f)
	f.Fuzz(func(t *testing.T, text, name string) {
		s, ok := Sign(text, name)
		if again, _ := Sign(text, name); again != s {
			t.Fatal("Sign is not deterministic")
		}
		sh, shOK := Shingles(nil, text, name)
		if shOK != ok {
			t.Fatalf("Shingles ok = %v, Sign ok = %v", shOK, ok)
		}
		if !slices.IsSorted(sh) || len(slices.Compact(slices.Clone(sh))) != len(sh) {
			t.Fatal("Shingles returned hashes that are not distinct and increasing")
		}
		if got, _ := SignShingles(sh, nil); got != s {
			t.Fatal("SignShingles(Shingles(text, name), nil) differs from Sign(text, name)")
		}
		if fs, fok := SignShingles(sh, df); !fok && fs != (Signature{}) {
			t.Fatal("SignShingles returned a non-zero signature with ok false")
		} else if fok && (!ok || Similarity(fs, fs) != 1) {
			t.Fatalf("SignShingles(df) ok = %v with Sign ok = %v, Similarity(s, s) = %v", fok, ok, Similarity(fs, fs))
		}
		if !ok {
			if s != (Signature{}) {
				t.Fatal("Sign returned a non-zero signature with ok false")
			}
			return
		}
		if got := Similarity(s, s); got != 1 {
			t.Fatalf("Similarity(s, s) = %v, want 1", got)
		}
		if got := Similarity(s, sign(t, render("John Smith"), "John Smith")); got < 0 || got > 1 {
			t.Fatalf("Similarity = %v, outside [0,1]", got)
		}
	})
}
