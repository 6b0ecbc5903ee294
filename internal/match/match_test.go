package match

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// ind is a test indicator of the list "test".
func ind(ref, kind, value, label string) store.Indicator {
	return store.Indicator{Source: "test", SourceRef: ref, Kind: kind, Value: value, Label: label, Confidence: 100}
}

// ident normalises raw as kind for a query, failing the test if it does not.
func ident(t testing.TB, attr string, kind normalize.Kind, raw string) subject.Identifier {
	t.Helper()
	v, err := normalize.Normalize(kind, raw, normalize.Options{Region: "US"})
	if err != nil {
		t.Fatalf("normalize %s %q: %v", kind, raw, err)
	}
	return subject.Identifier{Attribute: attr, Value: v}
}

// brief reduces hits to what the tables compare.
type brief struct {
	Ref        string
	Type       MatchType
	Value      string
	DOB        DOBMatch
	Confidence int
}

func briefs(hits []Hit) []brief {
	var out []brief
	for _, h := range hits {
		out = append(out, brief{h.SourceRef, h.Type, h.IndicatorValue, h.DOB, h.Confidence})
	}
	return out
}

func testIndex() *Index {
	return NewIndexFromSlice([]store.Indicator{
		ind("1", "entity_type", "INDIVIDUAL", ""),
		ind("1", "name", "sim hyon sop", "SIM, Hyon Sop"),
		ind("1", "birth_date", "1983-11-25", ""),
		ind("1", "nationality", "KP", ""),
		ind("1", "program", "NPWMD", ""),
		ind("1", "email", "sim.hs@example.com", ""),
		ind("2", "entity_type", "INDIVIDUAL", ""),
		ind("2", "name", "kim yong chol", "KIM, Yong Chol"),
		ind("2", "birth_date", "1962", ""),
		ind("3", "entity_type", "ENTITY", ""),
		ind("3", "name", "korea sobaeksu trading company", "KOREA SOBAEKSU TRADING COMPANY"),
		ind("4", "entity_type", "INDIVIDUAL", ""),
		ind("4", "name", "pak chol", "PAK, Chol"), // no birth date listed
		ind("4", "nationality", "KP", ""),
		ind("5", "ip", "203.0.113.0/24", ""),
		ind("6", "ip", "203.0.0.0/16", ""),
		ind("7", "ip", "203.0.113.7", ""),
		ind("8", "ip", "2001:db8:1::/48", ""),
		ind("9", "ip", "2001:db8::/32", ""),
		ind("10", "ip", "0.0.0.0/0", ""),
		ind("11", "ip", "64.0.0.0/4", ""),
		ind("12", "ip", "::/0", ""),
		ind("13", "domain", "upworksell.com", ""),
	})
}

func TestMatch(t *testing.T) {
	x := testIndex()
	name := func(raw string) []subject.Identifier {
		return []subject.Identifier{ident(t, "name", normalize.KindName, raw)}
	}
	tests := []struct {
		name string
		q    Query
		want []brief
	}{
		{"an RR spelling with the listed birth date is a high-confidence key match",
			Query{Identifiers: name("Sim Hyeon-seop"), BirthDate: "1983-11-25"},
			[]brief{{"1", NameKey, "sim hyon sop", DOBExact, 90}}},
		{"the same name with the listed nationality gains five",
			Query{Identifiers: name("Hyon Sop Sim"), BirthDate: "1983-11-25", Nationality: "KP"},
			[]brief{{"1", NameKey, "sim hyon sop", DOBExact, 95}}},
		{"a name alone is not high confidence",
			Query{Identifiers: name("Sim Hyon Sop")},
			[]brief{{"1", NameKey, "sim hyon sop", DOBUnknown, 60}}},
		{"a namesake with another birth date is low confidence",
			Query{Identifiers: name("Kim Young Cheol"), BirthDate: "1990-04-02"},
			[]brief{{"2", NameKey, "kim yong chol", DOBConflict, 25}}},
		{"a full date in the listed year counts as a year match",
			Query{Identifiers: name("Kim Yong-chol"), BirthDate: "1962-07-01"},
			[]brief{{"2", NameKey, "kim yong chol", DOBYear, 80}}},
		{"a different nationality lowers a name match",
			Query{Identifiers: name("Pak Chol"), Nationality: "US"},
			[]brief{{"4", NameKey, "pak chol", DOBUnknown, 50}}},
		{"nationality alone matches nothing",
			Query{Identifiers: name("John Smith"), Nationality: "KP", BirthDate: "1983-11-25"},
			nil},
		{"a person's name does not match an entity entry",
			Query{Identifiers: name("Korea Sobaeksu Trading Company")},
			nil},
		{"an entity's name matches an entity entry",
			Query{Identifiers: name("Korea Sobaeksoo Trading Company"), Entity: true},
			[]brief{{"3", FuzzyName, "korea sobaeksu trading company", DOBUnknown, 60}}},
		{"an entity does not match a person's entry",
			Query{Identifiers: name("Pak Chol"), Entity: true},
			nil},
		{"a misspelt name is a fuzzy match",
			Query{Identifiers: name("Sim Hyon Sopp"), BirthDate: "1983-11-25"},
			[]brief{{"1", FuzzyName, "sim hyon sop", DOBExact, 90}}},
		{"an e-mail matches exactly, and its domain does not match unrelated domains",
			Query{Identifiers: []subject.Identifier{ident(t, "emails[0]", normalize.KindEmail, "Sim.HS@example.com")}},
			[]brief{{"1", Exact, "sim.hs@example.com", "", 100}}},
		{"an e-mail at a listed domain matches the domain",
			Query{Identifiers: []subject.Identifier{ident(t, "emails[0]", normalize.KindEmail, "a@upworksell.com")}},
			[]brief{{"13", Exact, "upworksell.com", "", 100}}},
		{"an IPv4 address matches every range holding it and itself, never /0 or /4",
			Query{Identifiers: []subject.Identifier{ident(t, "ips[0]", normalize.KindIP, "203.0.113.7")}},
			[]brief{{"5", CIDR, "203.0.113.0/24", "", 100}, {"7", Exact, "203.0.113.7", "", 100}, {"6", CIDR, "203.0.0.0/16", "", 80}}},
		{"an IPv4 address outside the /24 matches only the /16",
			Query{Identifiers: []subject.Identifier{ident(t, "ips[0]", normalize.KindIP, "203.0.1.1")}},
			[]brief{{"6", CIDR, "203.0.0.0/16", "", 80}}},
		{"an IPv6 address matches both nested ranges",
			Query{Identifiers: []subject.Identifier{ident(t, "ips[0]", normalize.KindIP, "2001:db8:1::5")}},
			[]brief{{"8", CIDR, "2001:db8:1::/48", "", 100}, {"9", CIDR, "2001:db8::/32", "", 80}}},
		{"an IPv4-mapped IPv6 address is its IPv4 address",
			Query{Identifiers: []subject.Identifier{ident(t, "ips[0]", normalize.KindIP, "::ffff:203.0.113.9")}},
			[]brief{{"5", CIDR, "203.0.113.0/24", "", 100}, {"6", CIDR, "203.0.0.0/16", "", 80}}},
		{"an address in no listed range matches nothing",
			Query{Identifiers: []subject.Identifier{ident(t, "ips[0]", normalize.KindIP, "8.8.8.8")}},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := briefs(x.Match(tt.q))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Match: hits differ (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatsCountsIgnoredShortPrefixes(t *testing.T) {
	got := testIndex().Stats()
	want := Stats{Indicators: 23, Entries: 13, Names: 4, Exact: 3, Ranges: 4, IgnoredShortPrefixes: 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

func TestExplanation(t *testing.T) {
	x := testIndex()
	hits := x.Match(Query{Identifiers: []subject.Identifier{ident(t, "name", normalize.KindName, "Sim Hyeon-seop")}, BirthDate: "1983-11-25"})
	if len(hits) != 1 {
		t.Fatalf("got %d hits, want 1", len(hits))
	}
	got := hits[0].Explanation
	want := `name "sim hyeon seop" matches test 1 "SIM, Hyon Sop" (romanisation variant), born 1983-11-25 as listed, programme NPWMD`
	if got != want {
		t.Errorf("explanation:\n got %s\nwant %s", got, want)
	}
}

func TestCompareDOB(t *testing.T) {
	tests := []struct {
		subj   string
		listed []string
		want   DOBMatch
	}{
		{"1983-11-25", []string{"1983-11-25"}, DOBExact},
		{"1983", []string{"1983"}, DOBExact},
		{"1983-11-25", []string{"1983"}, DOBYear},
		{"1983-11-25", []string{"1983-11"}, DOBYear},
		{"1983", []string{"1983-11-25"}, DOBYear},
		{"1983-11-25", []string{"1983-11-26"}, DOBConflict},
		{"1983-11-25", []string{"1946", "1947"}, DOBConflict},
		{"1947-01-01", []string{"1946", "1947"}, DOBYear},
		{"", []string{"1983"}, DOBUnknown},
		{"1983", nil, DOBUnknown},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s against %v is %s", tt.subj, tt.listed, tt.want), func(t *testing.T) {
			if got, _ := compareDOB(tt.subj, tt.listed); got != tt.want {
				t.Errorf("compareDOB(%q, %v) = %s, want %s", tt.subj, tt.listed, got, tt.want)
			}
		})
	}
}

// TestJaroWinkler checks our allocation-free Jaro-Winkler against the
// values of Winkler's papers (as Wikipedia quotes them) and checks that it is
// symmetric and in [0,1] on random strings.
func TestJaroWinkler(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.961},
		{"dwayne", "duane", 0.840},
		{"dixon", "dicksonx", 0.813},
		{"kim jong un", "kim jong un", 1},
		{"abc", "xyz", 0},
		{"jörg", "jörg", 1},
		{"김정은", "김정운", 0.822}, // runes, not bytes: 2 of 3 match, prefix 2
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s and %s score %.3f", tt.a, tt.b, tt.want), func(t *testing.T) {
			if got := jaroWinkler(tt.a, tt.b); math.Abs(got-tt.want) > 0.0005 {
				t.Errorf("jaroWinkler(%q, %q) = %.4f, want %.3f", tt.a, tt.b, got, tt.want)
			}
		})
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		a, b := randWord(r), randWord(r)
		ab, ba := jaroWinkler(a, b), jaroWinkler(b, a)
		if ab < 0 || ab > 1 || math.Abs(ab-ba) > 1e-9 {
			t.Errorf("jaroWinkler(%q, %q) = %v, reversed %v", a, b, ab, ba)
		}
	}
}

func randWord(r *rand.Rand) string {
	b := make([]byte, 1+r.IntN(12))
	for i := range b {
		b[i] = "abcdehijklmnoprsu "[r.IntN(18)]
	}
	return string(b)
}

func TestMatchIsDeterministic(t *testing.T) {
	x := testIndex()
	q := Query{Identifiers: []subject.Identifier{
		ident(t, "ips[0]", normalize.KindIP, "203.0.113.7"),
		ident(t, "name", normalize.KindName, "Kim Yong Chol"),
		ident(t, "aliases[0]", normalize.KindName, "Sim Hyon Sop"),
	}}
	first := x.Match(q)
	for range 20 {
		if diff := cmp.Diff(first, x.Match(q)); diff != "" {
			t.Fatalf("Match differs between calls (-first +now):\n%s", diff)
		}
	}
	if !slices.IsSortedFunc(first, compareHits) {
		t.Errorf("hits are not sorted")
	}
}

func FuzzMatchName(f *testing.F) {
	x := testIndex()
	for _, s := range []string{"Sim Hyeon-seop", "KIM, Yong Chol", "김정은", "Korea Sobaeksu", "a", "O O O O", "Ri Ri"} {
		f.Add(s, "1983-11-25", false)
	}
	f.Fuzz(func(t *testing.T, name, dob string, entity bool) {
		v, err := normalize.Name(name)
		if err != nil {
			return
		}
		q := Query{Identifiers: []subject.Identifier{{Attribute: "name", Value: v}}, BirthDate: dob, Entity: entity}
		hits := x.Match(q)
		if !slices.IsSortedFunc(hits, compareHits) {
			t.Errorf("hits of %q are not sorted", name)
		}
		for _, h := range hits {
			if h.Confidence < 0 || h.Confidence > 100 || h.Similarity < 0 || h.Similarity > 1 {
				t.Errorf("hit of %q out of range: %+v", name, h)
			}
		}
		if diff := cmp.Diff(hits, x.Match(q)); diff != "" {
			t.Errorf("Match(%q) differs between calls:\n%s", name, diff)
		}
	})
}
