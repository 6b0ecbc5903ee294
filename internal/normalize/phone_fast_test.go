package normalize

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// checkSamePhone fails t unless Phone gives the same result with and
// without the fast path: the same value, or an error with the same text.
func checkSamePhone(t testing.TB, s, region string) {
	t.Helper()
	got, gotErr := phone(s, region, true)
	want, wantErr := phone(s, region, false)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("Phone(%q, %q) error = %v, want %v (library)", s, region, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Phone(%q, %q) = %+v, want %+v (library)", s, region, got, want)
	}
}

// phoneCase is one generated input for the differential test.
type phoneCase struct{ in, region string }

// phoneSpellings writes the number +cc nsn the ways people do, each with
// the default regions that make it readable.
func phoneSpellings(rng *rand.Rand, cc int, nsn string) []phoneCase {
	c := strconv.Itoa(cc)
	home := phonenumbers.GetRegionCodeForCountryCode(cc)
	spaced := groupDigits(rng, nsn)
	out := []phoneCase{
		{"+" + c + " " + spaced, ""},
		{"+" + c + nsn, home},
		{"00" + c + " " + spaced, ""},
		{"00 " + c + " " + spaced, "GB"},
		{"00" + c + nsn, "US"},
		{"011 " + c + " " + spaced, "US"},
		{"011-" + c + "-" + spaced, "CA"},
		{"tel:+" + c + "-" + strings.ReplaceAll(spaced, " ", "-"), ""},
		{"tel:0" + nsn, home},
		{"+" + c + " (" + nsn[:min(3, len(nsn))] + ") " + nsn[min(3, len(nsn)):], "DE"},
		{"0" + spaced, home},
		{"0" + nsn, "FR"},
		{spaced, home},
		{"+" + c + " " + spaced + " ext. 12", ""},
		{"+" + c + " " + spaced + "#", ""},
	}
	if cc == 1 {
		for _, r := range []string{"US", "CA", "PR", "JM"} {
			out = append(out,
				phoneCase{"(" + nsn[:3] + ") " + nsn[3:6] + "-" + nsn[6:], r},
				phoneCase{"1-" + nsn[:3] + "-" + nsn[3:6] + "-" + nsn[6:], r},
				phoneCase{nsn[:3] + "." + nsn[3:6] + "." + nsn[6:], r},
				phoneCase{"1" + nsn, r},
			)
		}
	}
	return out
}

// groupDigits splits digits into groups of two to four, as people write
// them.
func groupDigits(rng *rand.Rand, digits string) string {
	var b strings.Builder
	for len(digits) > 0 {
		n := min(len(digits), 2+rng.IntN(3))
		if b.Len() > 0 {
			b.WriteByte(" .-"[rng.IntN(3)])
		}
		b.WriteString(digits[:n])
		digits = digits[n:]
	}
	return b.String()
}

func randomDigits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}

// phoneDifferentialCases generates numbers around the metadata's example
// numbers (valid ones, and ones with the same leading digits but other
// endings and lengths) and around random NANP area codes and exchanges,
// many sharing a prefix so that the memo is exercised warm as well as cold.
func phoneDifferentialCases(rng *rand.Rand, perRegion int) []phoneCase {
	var cases []phoneCase
	var seeds []*phonenumbers.PhoneNumber
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE,
			phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE, phonenumbers.VOIP, phonenumbers.UAN} {
			if ex := phonenumbers.GetExampleNumberForType(region, typ); ex != nil {
				seeds = append(seeds, ex)
			}
		}
	}
	for _, ex := range seeds {
		cc := int(ex.GetCountryCode())
		nsn := phonenumbers.GetNationalSignificantNumber(ex)
		for range perRegion {
			keep := rng.IntN(len(nsn) + 1)
			n := max(2, len(nsn)+rng.IntN(3)-1)
			if keep > n {
				keep = n
			}
			num := nsn[:keep] + randomDigits(rng, n-keep)
			cases = append(cases, phoneSpellings(rng, cc, num)...)
		}
	}
	// The NANP: a few thousand exchanges, each seen with several line
	// numbers, and some numbers of the wrong length.
	for range 60 * perRegion {
		npa := strconv.Itoa(200 + rng.IntN(800))
		nxx := randomDigits(rng, 3)
		for range 1 + rng.IntN(4) {
			nsn := npa + nxx + randomDigits(rng, 4)
			switch rng.IntN(10) {
			case 0:
				nsn = nsn[:9]
			case 1:
				nsn += randomDigits(rng, 1)
			}
			cases = append(cases, phoneSpellings(rng, 1, nsn)...)
		}
	}
	return cases
}

// TestPhoneFastPathMatchesLibrary is the fast path's contract: on every
// generated input, Phone with the fast path gives exactly what the library
// path gives.
func TestPhoneFastPathMatchesLibrary(t *testing.T) {
	perRegion := 6
	if testing.Short() {
		perRegion = 1
	}
	rng := rand.New(rand.NewPCG(1, 2))
	cases := phoneDifferentialCases(rng, perRegion)
	var valid, fast int
	var buf [maxPhoneDigits]byte
	for _, c := range cases {
		checkSamePhone(t, c.in, c.region)
		if _, err := Phone(c.in, c.region); err == nil {
			valid++
		}
		if reg, err := phoneRegion(c.region); err == nil {
			if _, _, ok := preparsePhone(strings.TrimSpace(c.in), reg, &buf); ok {
				fast++
			}
		}
	}
	states := map[memoState]int{}
	for i := range phoneVerdicts.shards {
		sh := &phoneVerdicts.shards[i]
		sh.mu.RLock()
		for _, e := range sh.m {
			states[e.state]++
		}
		sh.mu.RUnlock()
	}
	t.Logf("%d inputs compared, %d valid, %d read by the fast path; memo: %d decided, %d deeper, %d slow, %d left to the library",
		len(cases), valid, fast, states[memoDecided], states[memoDeeper], states[memoSlow], states[memoNotFast])
	if fast < len(cases)/3 {
		t.Errorf("only %d of %d inputs took the fast path", fast, len(cases))
	}
}

// TestPhoneFastPathConcurrent runs the memo from several goroutines, for
// the race detector, on numbers sharing prefixes.
func TestPhoneFastPathConcurrent(t *testing.T) {
	for g := range 4 {
		t.Run(fmt.Sprintf("goroutine %d", g), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for range 200 {
				nsn := strconv.Itoa(200+rng.IntN(20)) + "555" + randomDigits(rng, 4)
				checkSamePhone(t, "+1 "+nsn, "")
				checkSamePhone(t, "0"+nsn[:9], "GB")
			}
		})
	}
}

func TestPhoneFastPathDeclines(t *testing.T) {
	for _, tt := range []struct{ name, in, region string }{
		{"an extension", "+1 650 253 0000 ext. 1234", ""},
		{"a vanity number", "1-800-FLOWERS", "US"},
		{"an Italian leading zero", "+39 02 3661 8300", ""},
		{"a non-geographic calling code", "+800 1234 5678", ""},
		{"a national number of a region without a known national form", "03-331 6005", "NZ"},
		{"Australian IDD, which is not a plain prefix", "0011 44 20 7031 3000", "AU"},
		{"a star", "*123#", "US"},
		{"more than fifteen digits", "+1 212 736 5000 1234 5678", ""},
		{"full-width digits", "+１ 212 736 5000", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := phoneRegion(tt.region)
			if err != nil {
				t.Fatal(err)
			}
			var buf [maxPhoneDigits]byte
			if cc, nsn, ok := preparsePhone(tt.in, reg, &buf); ok {
				if _, ok := phoneVerdicts.verdict(cc, nsn); ok {
					t.Errorf("the fast path read %q as +%d %s, want it left to the library", tt.in, cc, nsn)
				}
			}
			checkSamePhone(t, tt.in, tt.region)
		})
	}
}

// TestDigitNFA checks the metadata analysis on patterns whose answer is
// known: a probe of the last digits with 0, 9 and 5 would miss the 6 in
// the second one.
func TestDigitNFA(t *testing.T) {
	for _, tt := range []struct {
		pat            string
		prefix         bool
		numPrefix      string
		n              int
		wantOK, wantMa bool
	}{
		{`[2-9]\d{9}`, false, "212", 10, true, true},
		{`[2-9]\d{9}`, false, "112", 10, true, false},
		{`212(?:[0-57-9])\d{6}`, false, "212", 10, false, false},
		{`212(?:[0-57-9])\d{6}`, false, "2125", 10, true, true},
		{`268`, true, "2684", 10, true, true},
		{`([457]\d{6})$|1`, true, "4", 10, true, false},
		{`([457]\d{6})$|1`, true, "4", 7, true, true},
		{`8\d{13}|[347-9]\d{9}`, false, "8", 10, true, true},
	} {
		t.Run(fmt.Sprintf("%s on %s of %d", tt.pat, tt.numPrefix, tt.n), func(t *testing.T) {
			a, err := compileDigitNFA(tt.pat, tt.prefix)
			if err != nil {
				t.Fatal(err)
			}
			match, ok := a.constantOver([]byte(tt.numPrefix), tt.n)
			if ok != tt.wantOK || ok && match != tt.wantMa {
				t.Errorf("constantOver = %v, %v, want %v, %v", match, ok, tt.wantMa, tt.wantOK)
			}
		})
	}
}

func TestVerdictMemoIsBounded(t *testing.T) {
	m := newVerdictMemo(3)
	for i := range 10 {
		m.store(uint64(i), memoEntry{state: memoSlow})
	}
	if got := m.size.Load(); got != 3 {
		t.Errorf("memo holds %d entries, want its cap of 3", got)
	}
	if _, ok := m.verdict(1, []byte("2127365000")); ok {
		t.Errorf("a full memo worked out a new prefix, want it left to the library")
	}
}

func FuzzPhoneFastPath(f *testing.F) {
	for _, tt := range phoneTests {
		f.Add(tt.in, tt.region)
	}
	for _, c := range []phoneCase{
		{"+1 212 736 5000", ""}, {"1 (268) 460-1234", "US"}, {"0044 7912 345678", "GB"},
		{"011 49 30 123456", "US"}, {"030 123456", "DE"}, {"+7 800 555 35 35", ""},
		{"+44 1624 123456", ""}, {"098765 43210", "IN"}, {"06 12 34 56 78", "FR"},
	} {
		f.Add(c.in, c.region)
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		checkSamePhone(t, s, region)
	})
}

// BenchmarkPhoneColdPrefix measures the first sight of a prefix: the
// metadata analysis and the library's verdicts on the number and its
// probes, paid once per prefix.
func BenchmarkPhoneColdPrefix(b *testing.B) {
	for _, c := range []struct {
		name string
		cc   int
		nsn  string
	}{{"US", 1, "2127365000"}, {"GB", 44, "2070313000"}} {
		b.Run(c.name, func(b *testing.B) {
			nsn := []byte(c.nsn)
			for b.Loop() {
				newVerdictMemo(1).verdict(c.cc, nsn)
			}
		})
	}
}
