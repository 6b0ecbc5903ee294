package normalize

import (
	"errors"
	"testing"
)

var addressTests = []struct {
	name   string
	in     string
	region string
	want   string // canonical; "" means the input is rejected
	key    string // address_key; "" means none
}{
	{"the issue's example with words for the ordinal and suffix", "350 Fifth Avenue, New York, NY 10118", "",
		"350 5TH AVE, NEW YORK, NY 10118, US", "US|10118|350 5TH AVE"},
	{"the canonical form is read back as itself", "350 5TH AVE, NEW YORK, NY 10118, US", "",
		"350 5TH AVE, NEW YORK, NY 10118, US", "US|10118|350 5TH AVE"},
	{"ZIP+4, a state name and USA reduce to the same key", "350 5th Ave., New York, New York 10118-0110, USA", "",
		"350 5TH AVE, NEW YORK, NY 10118, US", "US|10118|350 5TH AVE"},
	{"a suite on its own line is a unit", "350 5th Ave, Suite 5, New York, NY 10118", "",
		"350 5TH AVE UNIT 5, NEW YORK, NY 10118, US", "US|10118|350 5TH AVE|UNIT 5"},
	{"# and Ste are the same unit designator", "350 Fifth Ave #5, New York, NY 10118", "",
		"350 5TH AVE UNIT 5, NEW YORK, NY 10118, US", "US|10118|350 5TH AVE|UNIT 5"},
	{"a different unit number is a different home", "350 5th Ave Apt 6, New York, NY 10118", "",
		"350 5TH AVE UNIT 6, NEW YORK, NY 10118, US", "US|10118|350 5TH AVE|UNIT 6"},
	{"Pub 28: 102 MAIN ST APT 101", "102 Main Street Apartment 101, Springfield, IL 62701", "",
		"102 MAIN ST UNIT 101, SPRINGFIELD, IL 62701, US", "US|62701|102 MAIN ST|UNIT 101"},
	{"Pub 28: 1356 EXECUTIVE DR STE 202", "1356 Executive Drive, Ste. 202, Anytown, VA 22031", "",
		"1356 EXECUTIVE DR UNIT 202, ANYTOWN, VA 22031, US", "US|22031|1356 EXECUTIVE DR|UNIT 202"},
	{"Pub 28: a directional and a boulevard", "123 North Main Boulevard, Anytown, CA 90210", "",
		"123 N MAIN BLVD, ANYTOWN, CA 90210, US", "US|90210|123 N MAIN BLVD"},
	{"Pub 28: two-word directionals collapse", "4 South West Parkway, Anytown, OR 97201", "",
		"4 SW PKWY, ANYTOWN, OR 97201, US", "US|97201|4 SW PKWY"},
	{"Pub 28: compound ordinal words become digits", "1 Twenty-First Street, Anytown, MN 55401", "",
		"1 21ST ST, ANYTOWN, MN 55401, US", "US|55401|1 21ST ST"},
	{"Pub 28: highway, terrace, circle, square, trail", "9 Terrace Highway Circle Square Trail, Anytown, TX 75001", "",
		"9 TER HWY CIR SQ TRL, ANYTOWN, TX 75001, US", "US|75001|9 TER HWY CIR SQ TRL"},
	{"a P.O. Box is one form however it is dotted", "P.O. Box 123, Anytown, KS 66002", "",
		"PO BOX 123, ANYTOWN, KS 66002, US", "US|66002|PO BOX 123"},
	{"a ZIP code that lost its leading zero gets it back", "10 Main St, Boston, MA 2134", "",
		"10 MAIN ST, BOSTON, MA 02134, US", "US|02134|10 MAIN ST"},
	{"the default region supplies the country", "10 Main St, Springfield, 62701", "US",
		"10 MAIN ST, SPRINGFIELD, 62701, US", "US|62701|10 MAIN ST"},
	{"with region US a bare state code is a state", "1 Main St, Atlanta, GA", "US",
		"1 MAIN ST, ATLANTA, GA, US", "US|ATLANTA GA|1 MAIN ST"},
	{"a UK postcode is spaced and upper-cased", "10 Downing Street, London, sw1a2aa, United Kingdom", "",
		"10 DOWNING ST, LONDON, SW1A 2AA, GB", "GB|SW1A 2AA|10 DOWNING ST"},
	{"a UK city and postcode in one field", "10 Downing St, London SW1A 2AA, UK", "",
		"10 DOWNING ST, LONDON, SW1A 2AA, GB", "GB|SW1A 2AA|10 DOWNING ST"},
	{"a UK flat is a unit", "Flat 3, 12 Baker Street, London NW1 6XE, UK", "",
		"12 BAKER ST UNIT 3, LONDON, NW1 6XE, GB", "GB|NW1 6XE|12 BAKER ST|UNIT 3"},
	{"a Canadian address keeps its province and spaced postcode", "111 Wellington St, Ottawa, Ontario K1A 0A9, Canada", "",
		"111 WELLINGTON ST, OTTAWA, ON K1A 0A9, CA", "CA|K1A 0A9|111 WELLINGTON ST"},
	{"a German address with the postcode first; Straße folds", "Hauptstraße 5, 10115 Berlin, Germany", "",
		"HAUPTSTR 5, BERLIN, 10115, DE", "DE|10115|HAUPTSTR 5"},
	{"Hauptstr. is the same German street", "Hauptstr. 5, 10115 Berlin, DE", "",
		"HAUPTSTR 5, BERLIN, 10115, DE", "DE|10115|HAUPTSTR 5"},
	{"diacritics and apostrophes fold", "12 Rue de l'Église, Paris, 75004, France", "",
		"12 RUE DE LEGLISE, PARIS, 75004, FR", "FR|75004|12 RUE DE LEGLISE"},
	{"an apartment letter written with a hyphen joins the number", "5 Elm Ct Apt 5-B, Dover, DE 19901", "",
		"5 ELM CT UNIT 5B, DOVER, DE 19901, US", "US|19901|5 ELM CT|UNIT 5B"},
	{"without a country the key has an empty country", "1 Example Road, Springfield 12345", "",
		"1 EXAMPLE RD, SPRINGFIELD, 12345", "|12345|1 EXAMPLE RD"},
	{"a street alone gets no key: it names thousands of homes", "1 Main Street", "",
		"1 MAIN ST", ""},

	{"an empty address", "", "", "", ""},
	{"only commas", " , , ", "", "", ""},
	{"a street line without letters", "12345, Springfield, IL 62701", "", "", ""},
	{"a unit alone is not a street", "Apt 5, Springfield, IL 62701", "", "", ""},
	{"an unknown default region", "1 Main St, Springfield", "Narnia", "", ""},
}

func TestAddress(t *testing.T) {
	for _, tt := range addressTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Address(tt.in, tt.region)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("Address(%q, %q) = %q, want an error", tt.in, tt.region, got.Canonical)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("Address(%q, %q) error %v does not match ErrInvalid", tt.in, tt.region, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Address(%q, %q): %v", tt.in, tt.region, err)
			}
			if got.Kind != KindAddress || got.Canonical != tt.want {
				t.Errorf("Address(%q, %q) = %s %q, want address %q", tt.in, tt.region, got.Kind, got.Canonical, tt.want)
			}
			if k := got.Key("address_key"); k != tt.key {
				t.Errorf("Address(%q, %q) address_key = %q, want %q", tt.in, tt.region, k, tt.key)
			}
		})
	}
}

func TestAddressOfMatchesTheOneLineForm(t *testing.T) {
	tests := []struct {
		name  string
		parts AddressParts
		want  string
		key   string
	}{
		{"parts with a unit on line 2", AddressParts{Line1: "350 Fifth Avenue", Line2: "Suite 5", City: "New York", Region: "New York", PostalCode: "10118-0110", Country: "United States"},
			"350 5TH AVE UNIT 5, NEW YORK, NY 10118, US", "US|10118|350 5TH AVE|UNIT 5"},
		{"parts with the unit on line 1 give the same key", AddressParts{Line1: "350 5th Ave. #5", City: "NYC", Region: "NY", PostalCode: "10118", Country: "US"},
			"350 5TH AVE UNIT 5, NYC, NY 10118, US", "US|10118|350 5TH AVE|UNIT 5"},
		{"a state and ZIP imply the United States", AddressParts{Line1: "1 Main St", City: "Springfield", Region: "IL", PostalCode: "62701"},
			"1 MAIN ST, SPRINGFIELD, IL 62701, US", "US|62701|1 MAIN ST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AddressOf(tt.parts, "")
			if err != nil {
				t.Fatalf("AddressOf(%+v): %v", tt.parts, err)
			}
			if got.Canonical != tt.want || got.Key("address_key") != tt.key {
				t.Errorf("AddressOf(%+v) = %q key %q, want %q key %q", tt.parts, got.Canonical, got.Key("address_key"), tt.want, tt.key)
			}
			again, err := Address(got.Canonical, "")
			if err != nil || again.Canonical != got.Canonical || again.Key("address_key") != tt.key {
				t.Errorf("Address(%q) = %q key %q, %v; want it unchanged", got.Canonical, again.Canonical, again.Key("address_key"), err)
			}
		})
	}
}

func TestAddressOfRejectsUnknownCountry(t *testing.T) {
	if _, err := AddressOf(AddressParts{Line1: "1 Main St", Country: "Atlantis"}, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("AddressOf with country Atlantis: error = %v, want an invalid-value error", err)
	}
}

// TestStreetWordsAreFixedPoints checks that every abbreviation maps to
// itself, or canonical forms would change when read again.
func TestStreetWordsAreFixedPoints(t *testing.T) {
	for w, abbr := range streetSuffixes {
		if got := streetSuffixes[abbr]; got != abbr {
			t.Errorf("%s -> %s, but %s -> %s", w, abbr, abbr, got)
		}
	}
	for _, abbr := range directionals {
		if streetSuffixes[abbr] != "" || unitWords[abbr] {
			t.Errorf("directional %s is also another kind of word", abbr)
		}
	}
}

func FuzzAddress(f *testing.F) {
	for _, tt := range addressTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Address(s, "")
		if err != nil {
			return
		}
		if v.Kind != KindAddress || v.Canonical == "" {
			t.Fatalf("Address(%q) = %+v: kind or canonical missing", s, v)
		}
		again, err := Address(v.Canonical, "")
		if err != nil {
			t.Fatalf("Address(%q) = %q, which is rejected: %v", s, v.Canonical, err)
		}
		if again.Canonical != v.Canonical {
			t.Fatalf("Address(%q) = %q, but Address(%q) = %q", s, v.Canonical, v.Canonical, again.Canonical)
		}
	})
}

func BenchmarkAddress(b *testing.B) {
	for _, in := range []string{"350 Fifth Avenue, Suite 5, New York, NY 10118-0110, USA", "10 Downing St, London SW1A 2AA, UK"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Address(in, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
