package normalize

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var validIDDocuments = []struct {
	name, in, canon, typ, country string
}{
	{"a passport with an alpha-2 country is already canonical", "passport:KP:745310001", "passport:KP:745310001", "passport", "KP"},
	{"a passport with an English country name gets its alpha-2 code", "Passport:North Korea:745310001", "passport:KP:745310001", "passport", "KP"},
	{"a passport with an alpha-3 country gets its alpha-2 code", "PASSPORT:PRK: 745 310 001", "passport:KP:745310001", "passport", "KP"},
	{"spaces around the parts are dropped", "  passport : kp : 745310001  ", "passport:KP:745310001", "passport", "KP"},
	{"a lower-case passport number is upper-cased", "passport:GB:ab1234567", "passport:GB:AB1234567", "passport", "GB"},
	{"an SSN with its dashes becomes nine digits", "ssn:US:536-22-1234", "ssn:US:536221234", "ssn", "US"},
	{"an upper-case SSN type is accepted", "SSN:USA:536 22 1234", "ssn:US:536221234", "ssn", "US"},
	{"an SSN with an empty country is a US number", "ssn::536-22-1234", "ssn:US:536221234", "ssn", "US"},
	{"an SSN without a country is a US number", "ssn:536-22-1234", "ssn:US:536221234", "ssn", "US"},
	{"area 665 is the last below the forbidden 666", "ssn:US:665-01-0001", "ssn:US:665010001", "ssn", "US"},
	{"area 899 is the highest issued", "ssn:US:899-99-9999", "ssn:US:899999999", "ssn", "US"},
	{"dl means a driver's license, with dots and slashes dropped", "dl:US:D123.456/789", "drivers_license:US:D123456789", "drivers_license", "US"},
	{"a driver's licence in British spelling is a drivers_license", "Driving Licence:GB:MORGA753116SM9IJ", "drivers_license:GB:MORGA753116SM9IJ", "drivers_license", "GB"},
	{"nid means a national id", "nid:KR:800101-1234567", "national_id:KR:8001011234567", "national_id", "KR"},
	{"an id card is a national id", "ID-Card:China:11010519491231002X", "national_id:CN:11010519491231002X", "national_id", "CN"},
	{"a tin is a tax id", "TIN:DE:12 345 678 901", "tax_id:DE:12345678901", "tax_id", "DE"},
	{"a US ITIN is a tax id, not an SSN", "itin:US:912-70-1234", "tax_id:US:912701234", "tax_id", "US"},
	{"a four-character number is the shortest accepted", "passport:RU:AB12", "passport:RU:AB12", "passport", "RU"},
}

var invalidIDDocuments = []struct {
	name, in, reason string
}{
	{"an empty string is no document", "", "empty"},
	{"a bare number is no document", "745310001", "expected type:country:number"},
	{"an unknown type is refused", "visa:KP:745310001", "not one of ssn, passport"},
	{"a passport needs its country", "passport::745310001", "needs the country"},
	{"a passport without a country part is incomplete", "passport:745310001", "expected type:country:number"},
	{"an unknown country is refused", "passport:Atlantis:745310001", "is not a country"},
	{"an SSN issued elsewhere than the US is refused", "ssn:KP:536-22-1234", "United States"},
	{"an SSN of 8 digits is refused", "ssn:US:536-22-123", "9 digits"},
	{"an SSN with a letter is refused", "ssn:US:536-22-123A", "9 digits"},
	{"SSN area 000 is never issued", "ssn:US:000-12-3456", "area number 000"},
	{"SSN area 666 is never issued", "ssn:US:666-12-3456", "area number 666"},
	{"SSN area 900 is never issued", "ssn:US:900-12-3456", "900–999"},
	{"SSN area 999 is never issued", "ssn:US:999-12-3456", "900–999"},
	{"an SSN in the advertising range 987-65-4320 is refused", "ssn:US:987-65-4320", "900–999"},
	{"SSN group 00 is never issued", "ssn:US:536-00-1234", "group number 00"},
	{"SSN serial 0000 is never issued", "ssn:US:536-22-0000", "serial number 0000"},
	{"the Woolworth wallet SSN is refused", "ssn:US:078-05-1120", "078-05-1120"},
	{"the 1940 pamphlet SSN is refused", "ssn:219-09-9999", "219-09-9999"},
	{"the advertising SSN 123-45-6789 is refused", "ssn::123-45-6789", "advertising"},
	{"a three-character number is too short", "passport:KP:A12", "4–30"},
	{"a 31-character number is too long", "passport:KP:" + strings.Repeat("A", 31), "4–30"},
	{"a colon inside the number is refused", "passport:KP:7453:10001", "not used in document numbers"},
	{"non-Latin letters in the number are refused", "passport:RU:АБ123456", "letters A–Z and digits only"},
	{"invalid UTF-8 is refused", "passport:KP:\xff12345", "UTF-8"},
}

func TestIDDocument(t *testing.T) {
	for _, tc := range validIDDocuments {
		t.Run(tc.name, func(t *testing.T) {
			got, err := IDDocument(tc.in)
			if err != nil {
				t.Fatalf("IDDocument(%q): %v", tc.in, err)
			}
			want := Value{Kind: KindIDDocument, Canonical: tc.canon,
				Facts: map[string]string{"type": tc.typ, "country": tc.country}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("IDDocument(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
			again, err := IDDocument(got.Canonical)
			if err != nil || again.Canonical != got.Canonical {
				t.Errorf("IDDocument(%q) = %q, %v; want the canonical form back", got.Canonical, again.Canonical, err)
			}
		})
	}
}

func TestIDDocumentRejects(t *testing.T) {
	for _, tc := range invalidIDDocuments {
		t.Run(tc.name, func(t *testing.T) {
			got, err := IDDocument(tc.in)
			if err == nil {
				t.Fatalf("IDDocument(%q) = %q, want an error", tc.in, got.Canonical)
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindIDDocument {
				t.Fatalf("IDDocument(%q) error = %#v, want an id_document *Error", tc.in, err)
			}
			if !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("IDDocument(%q) reason = %q, want it to contain %q", tc.in, e.Reason, tc.reason)
			}
		})
	}
}

func FuzzIDDocument(f *testing.F) {
	for _, tc := range validIDDocuments {
		f.Add(tc.in)
	}
	for _, tc := range invalidIDDocuments {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := IDDocument(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindIDDocument {
				t.Fatalf("IDDocument(%q) error %v is not an id_document *Error", s, err)
			}
			return
		}
		if v.Kind != KindIDDocument || v.Facts["type"] == "" || len(v.Facts["country"]) != 2 {
			t.Fatalf("IDDocument(%q) = %+v, want kind, type and a two-letter country", s, v)
		}
		again, err := IDDocument(v.Canonical)
		if err != nil || again.Canonical != v.Canonical {
			t.Fatalf("IDDocument(%q) = %q, but IDDocument(%q) = %q, %v", s, v.Canonical, v.Canonical, again.Canonical, err)
		}
	})
}

func BenchmarkIDDocument(b *testing.B) {
	inputs := []string{"passport:North Korea:745310001", "ssn::536-22-1234", "dl:US:D123.456/789"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := IDDocument(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}
