package normalize

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

var phoneTests = []struct {
	name     string
	in       string
	region   string
	want     string // canonical; "" means the input is rejected
	country  string
	lineType string
	reason   string // a word the error must contain
}{
	{"a US number written nationally", "(212) 736-5000", "US", "+12127365000", "US", "fixed_line_or_mobile", ""},
	{"a US number with dots and a country code", "+1 212.736.5000", "", "+12127365000", "US", "fixed_line_or_mobile", ""},
	{"the region is upper-cased", "212-736-5000", "us", "+12127365000", "US", "fixed_line_or_mobile", ""},
	{"libphonenumber's US test number", "+1 650 253 0000", "", "+16502530000", "US", "fixed_line_or_mobile", ""},
	{"an extension is a fact, not part of the number", "+1 650 253 0000 ext. 1234", "", "+16502530000", "US", "fixed_line_or_mobile", ""},
	{"a London number from libphonenumber's tests", "020 7031 3000", "GB", "+442070313000", "GB", "fixed_line", ""},
	{"a UK mobile from libphonenumber's tests", "+44 7912 345 678", "", "+447912345678", "GB", "mobile", ""},
	{"an Italian number keeps its leading zero", "+39 02 3661 8300", "", "+390236618300", "IT", "fixed_line", ""},
	{"a German number from libphonenumber's tests", "030 123456", "DE", "+4930123456", "DE", "fixed_line", ""},
	{"an Australian number", "(02) 9374 4000", "AU", "+61293744000", "AU", "fixed_line", ""},
	{"a New Zealand number from libphonenumber's tests", "03-331 6005", "NZ", "+6433316005", "NZ", "fixed_line", ""},
	{"00 is an international prefix without a region", "0044 20 7031 3000", "", "+442070313000", "GB", "fixed_line", ""},
	{"00 is read as international when the region dials 011", "0044 20 7031 3000", "US", "+442070313000", "GB", "fixed_line", ""},
	{"011 is the US international prefix", "011 44 20 7031 3000", "US", "+442070313000", "GB", "fixed_line", ""},
	{"an international freephone number (+800)", "+800 1234 5678", "", "+80012345678", "001", "toll_free", ""},
	{"a US toll-free number", "1-800-555-0199", "US", "+18005550199", "US", "toll_free", ""},
	{"a North Korean Pyongyang number", "+850 2 381 2321", "", "+85023812321", "KP", "fixed_line", ""},
	{"a tel: URI (RFC 3966)", "tel:+1-212-736-5000", "", "+12127365000", "US", "fixed_line_or_mobile", ""},
	{"a country name is accepted as region", "020 7031 3000", "United Kingdom", "+442070313000", "GB", "fixed_line", ""},

	{"no country code and no region", "212 736 5000", "", "", "", "", "no country code and no default region"},
	{"an unknown region", "212 736 5000", "XX", "", "", "", "not a country"},
	{"too short for the US", "+1 212 736 500", "", "", "", "", "too short"},
	{"too long for the US", "+1 212 736 50000", "", "", "", "", "too long"},
	{"an unassigned US area code", "+1 999 736 5000", "", "", "", "", "numbering plan"},
	{"a number too short to be one", "12", "US", "", "", "", "too short"},
	{"letters only", "call me", "US", "", "", "", "not a phone number"},
	{"an unknown country calling code", "+999 1234 5678", "", "", "", "", "country calling code"},
	{"empty", "", "US", "", "", "", "empty"},
}

func TestPhone(t *testing.T) {
	for _, tt := range phoneTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Phone(tt.in, tt.region)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("Phone(%q, %q) = %q, want an error", tt.in, tt.region, got.Canonical)
				}
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.reason) {
					t.Errorf("Phone(%q, %q) error = %v, want an invalid-value error saying %q", tt.in, tt.region, err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Phone(%q, %q): %v", tt.in, tt.region, err)
			}
			if got.Kind != KindPhone || got.Canonical != tt.want {
				t.Errorf("Phone(%q, %q) = %s %q, want phone %q", tt.in, tt.region, got.Kind, got.Canonical, tt.want)
			}
			if got.Facts["country"] != tt.country || got.Facts["line_type"] != tt.lineType {
				t.Errorf("Phone(%q, %q) country, line_type = %q, %q, want %q, %q",
					tt.in, tt.region, got.Facts["country"], got.Facts["line_type"], tt.country, tt.lineType)
			}
		})
	}
}

func TestPhoneExtensionIsAFact(t *testing.T) {
	got, err := Phone("+1 650 253 0000 ext. 1234", "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Facts["extension"] != "1234" {
		t.Errorf("extension = %q, want %q", got.Facts["extension"], "1234")
	}
}

// TestPhoneExampleNumbers runs libphonenumber's own example number of every
// type in every region through Phone, written nationally with the region
// and internationally without it: both must give the E.164 form.
func TestPhoneExampleNumbers(t *testing.T) {
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.VOIP}
	n := 0
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range types {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil {
				continue
			}
			want := phonenumbers.Format(ex, phonenumbers.E164)
			national := phonenumbers.Format(ex, phonenumbers.NATIONAL)
			intl := phonenumbers.Format(ex, phonenumbers.INTERNATIONAL)
			if got, err := Phone(intl, ""); err != nil || got.Canonical != want {
				t.Errorf("Phone(%q, \"\") = %q, %v, want %q", intl, got.Canonical, err, want)
			}
			if p, err := phonenumbers.Parse(national, region); err != nil || phonenumbers.Format(p, phonenumbers.E164) != want {
				// libphonenumber cannot read back its own national form of
				// some numbers (Argentine mobiles: "09 15-…"); not our bug.
				continue
			}
			if got, err := Phone(national, region); err != nil || got.Canonical != want {
				t.Errorf("Phone(%q, %q) = %q, %v, want %q", national, region, got.Canonical, err, want)
			}
			n++
		}
	}
	if n < 400 {
		t.Errorf("only %d example numbers checked, want the whole metadata", n)
	}
}

func FuzzPhone(f *testing.F) {
	for _, tt := range phoneTests {
		f.Add(tt.in, tt.region)
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		v, err := Phone(s, region)
		if err != nil {
			return
		}
		if v.Kind != KindPhone || !strings.HasPrefix(v.Canonical, "+") {
			t.Fatalf("Phone(%q, %q) = %+v: kind or E.164 canonical missing", s, region, v)
		}
		again, err := Phone(v.Canonical, "")
		if err != nil {
			t.Fatalf("Phone(%q, %q) = %q, which is rejected: %v", s, region, v.Canonical, err)
		}
		if again.Canonical != v.Canonical {
			t.Fatalf("Phone(%q, %q) = %q, but Phone(%q) = %q", s, region, v.Canonical, v.Canonical, again.Canonical)
		}
	})
}

// BenchmarkPhone measures Phone on the fast path and, as "library", the
// same inputs on the library path alone: the before and after of the fast
// path.
func BenchmarkPhone(b *testing.B) {
	// Many distinct US numbers over a few thousand exchanges, as in a batch
	// of customer records: mostly warm prefixes once the memo has seen them.
	rng := rand.New(rand.NewPCG(7, 7))
	many := make([]string, 1<<14)
	for i := range many {
		many[i] = fmt.Sprintf("(%d) %03d-%04d", 201+rng.IntN(4)*100+rng.IntN(10), 200+rng.IntN(40), rng.IntN(10000))
	}
	for _, c := range []struct {
		name   string
		inputs []string
		region string
	}{
		{"US seen before", []string{"(212) 736-5000"}, "US"},
		{"many distinct US numbers", many, "US"},
		{"GB", []string{"+44 20 7031 3000"}, ""},
		{"GB national", []string{"020 7031 3000"}, "GB"},
		{"invalid US area code", []string{"+1 999 736 5000"}, ""},
		{"slow path (extension)", []string{"+1 650 253 0000 ext. 1234"}, ""},
	} {
		for _, fast := range []bool{true, false} {
			name := c.name
			if !fast {
				name += "/library"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					phone(c.inputs[i%len(c.inputs)], c.region, fast)
					i++
				}
			})
		}
	}
}
