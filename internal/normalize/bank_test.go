package normalize

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// registryIBANs are the example IBANs of the SWIFT IBAN registry (and the
// ECBS list before it), one per country.
var registryIBANs = []string{
	"AD12 0001 2030 2003 5910 0100",
	"AE07 0331 2345 6789 0123 456",
	"AL47 2121 1009 0000 0002 3569 8741",
	"AT61 1904 3002 3457 3201",
	"AZ21 NABZ 0000 0000 1370 1000 1944",
	"BA39 1290 0794 0102 8494",
	"BE68 5390 0754 7034",
	"BG80 BNBG 9661 1020 3456 78",
	"BH67 BMAG 0000 1299 1234 56",
	"BR18 0036 0305 0000 1000 9795 493C 1",
	"BY13 NBRB 3600 9000 0000 2Z00 AB00",
	"CH93 0076 2011 6238 5295 7",
	"CR05 0152 0200 1026 2840 66",
	"CY17 0020 0128 0000 0012 0052 7600",
	"CZ65 0800 0000 1920 0014 5399",
	"DE89 3704 0044 0532 0130 00",
	"DK50 0040 0440 1162 43",
	"DO28 BAGR 0000 0001 2124 5361 1324",
	"EE38 2200 2210 2014 5685",
	"EG38 0019 0005 0000 0000 2631 8000 2",
	"ES91 2100 0418 4502 0005 1332",
	"FI21 1234 5600 0007 85",
	"FO62 6460 0001 6316 34",
	"FR14 2004 1010 0505 0001 3M02 606",
	"GB29 NWBK 6016 1331 9268 19",
	"GB82 WEST 1234 5698 7654 32",
	"GE29 NB00 0000 0101 9049 17",
	"GI75 NWBK 0000 0000 7099 453",
	"GL89 6471 0001 0002 06",
	"GR16 0110 1250 0000 0001 2300 695",
	"GT82 TRAJ 0102 0000 0012 1002 9690",
	"HR12 1001 0051 8630 0016 0",
	"HU42 1177 3016 1111 1018 0000 0000",
	"IE29 AIBK 9311 5212 3456 78",
	"IL62 0108 0000 0009 9999 999",
	"IQ98 NBIQ 8501 2345 6789 012",
	"IS14 0159 2600 7654 5510 7303 39",
	"IT60 X054 2811 1010 0000 0123 456",
	"JO94 CBJO 0010 0000 0000 0131 0003 02",
	"KW81 CBKU 0000 0000 0000 1234 5601 01",
	"KZ86 125K ZT50 0410 0100",
	"LB62 0999 0000 0001 0019 0122 9114",
	"LC55 HEMM 0001 0001 0012 0012 0002 3015",
	"LI21 0881 0000 2324 013A A",
	"LT12 1000 0111 0100 1000",
	"LU28 0019 4006 4475 0000",
	"LV80 BANK 0000 4351 9500 1",
	"MC58 1122 2000 0101 2345 6789 030",
	"MD24 AG00 0225 1000 1310 4168",
	"ME25 5050 0001 2345 6789 51",
	"MK07 2501 2000 0058 984",
	"MR13 0002 0001 0100 0012 3456 753",
	"MT84 MALT 0110 0001 2345 MTLC AST0 01S",
	"MU17 BOMM 0101 1010 3030 0200 000M UR",
	"NL91 ABNA 0417 1643 00",
	"NO93 8601 1117 947",
	"PK36 SCBL 0000 0011 2345 6702",
	"PL61 1090 1014 0000 0712 1981 2874",
	"PS92 PALS 0000 0000 0400 1234 5670 2",
	"PT50 0002 0123 1234 5678 9015 4",
	"QA58 DOHB 0000 1234 5678 90AB CDEF G",
	"RO49 AAAA 1B31 0075 9384 0000",
	"RS35 2600 0560 1001 6113 79",
	"SA03 8000 0000 6080 1016 7519",
	"SC18 SSCB 1101 0000 0000 0000 1497 USD",
	"SE45 5000 0000 0583 9825 7466",
	"SI56 2633 0001 2039 086",
	"SK31 1200 0000 1987 4263 7541",
	"SM86 U032 2509 8000 0000 0270 100",
	"ST23 0001 0001 0051 8453 1014 6",
	"SV62 CENR 0000 0000 0000 0070 0025",
	"TL38 0080 0123 4567 8910 157",
	"TN59 1000 6035 1835 9847 8831",
	"TR33 0006 1005 1978 6457 8413 26",
	"UA21 3223 1300 0002 6007 2335 6600 1",
	"VA59 0011 2300 0012 3456 78",
	"VG96 VPVG 0000 0123 4567 8901",
	"XK05 1212 0123 4567 8906",
}

func TestBankAccountRegistryExamples(t *testing.T) {
	for _, in := range registryIBANs {
		cc := in[:2]
		t.Run("the registry example for "+cc+" is a valid IBAN", func(t *testing.T) {
			got, err := BankAccount(in)
			if err != nil {
				t.Fatalf("BankAccount(%q): %v", in, err)
			}
			want := Value{Kind: KindBankAccount, Canonical: strings.ReplaceAll(in, " ", ""),
				Facts: map[string]string{"country": cc, "scheme": "iban"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("BankAccount(%q) mismatch (-want +got):\n%s", in, diff)
			}
			if len(got.Canonical) != ibanLengths[cc] {
				t.Errorf("len(%q) = %d, want the registry's %d", got.Canonical, len(got.Canonical), ibanLengths[cc])
			}
		})
	}
}

// TestBankAccountCheckDigits changes the check digits of every registry
// example: mod-97 must reject every other value.
func TestBankAccountCheckDigits(t *testing.T) {
	for _, in := range registryIBANs {
		n := strings.ReplaceAll(in, " ", "")
		for cd := 2; cd < 99; cd++ {
			mutated := n[:2] + string(rune('0'+cd/10)) + string(rune('0'+cd%10)) + n[4:]
			if mutated == n {
				continue
			}
			if _, err := BankAccount(mutated); err == nil {
				t.Errorf("BankAccount(%q) accepted wrong check digits (the valid IBAN is %s)", mutated, n)
			}
		}
	}
}

func TestBankAccount(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		canon string
		facts map[string]string
	}{
		{"a lower-case IBAN with an IBAN label is upper-cased and compacted", "iban: gb82 west 1234 5698 7654 32",
			"GB82WEST12345698765432", map[string]string{"country": "GB", "scheme": "iban"}},
		{"an IBAN with dashes and a label without a colon is compacted", "IBAN DE89-3704-0044-0532-0130-00",
			"DE89370400440532013000", map[string]string{"country": "DE", "scheme": "iban"}},
		{"a compact IBAN is its own canonical form", "NL91ABNA0417164300",
			"NL91ABNA0417164300", map[string]string{"country": "NL", "scheme": "iban"}},
		{"a JPMorgan Chase routing number with an account is a US account", "021000021:123456789",
			"us:021000021:123456789", map[string]string{"country": "US", "scheme": "aba", "routing": "021000021"}},
		{"a slash separates routing and account too, and leading zeros stay", "011000138/0012345678",
			"us:011000138:0012345678", map[string]string{"country": "US", "scheme": "aba", "routing": "011000138"}},
		{"a space separates routing and account, and dashes in the account go", "121000358 123-456-789",
			"us:121000358:123456789", map[string]string{"country": "US", "scheme": "aba", "routing": "121000358"}},
		{"the canonical US form is accepted", "US:322271627:9876 5432 1",
			"us:322271627:987654321", map[string]string{"country": "US", "scheme": "aba", "routing": "322271627"}},
		{"an aba: prefix is a US account", "aba:026009593:4444",
			"us:026009593:4444", map[string]string{"country": "US", "scheme": "aba", "routing": "026009593"}},
		{"a Wells Fargo routing number in a thrift range is accepted", "121000248:12345678901234567",
			"us:121000248:12345678901234567", map[string]string{"country": "US", "scheme": "aba", "routing": "121000248"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BankAccount(tc.in)
			if err != nil {
				t.Fatalf("BankAccount(%q): %v", tc.in, err)
			}
			want := Value{Kind: KindBankAccount, Canonical: tc.canon, Facts: tc.facts}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("BankAccount(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
			again, err := BankAccount(got.Canonical)
			if err != nil || again.Canonical != got.Canonical {
				t.Errorf("BankAccount(%q) = %q, %v; want the canonical form back", got.Canonical, again.Canonical, err)
			}
		})
	}
}

func TestBankAccountRejects(t *testing.T) {
	tests := []struct {
		name, in, reason string
	}{
		{"an empty string is no account", "  ", "empty"},
		{"a mistyped IBAN digit fails mod-97", "DE89370400440532013001", "check digits do not match"},
		{"two swapped IBAN digits fail mod-97", "GB82WEST12345698765423", "check digits do not match"},
		{"check digits 00 are never issued", "DE00370400440532013000", "never issued"},
		{"check digits 01 are never issued", "DE01370400440532013000", "never issued"},
		{"check digits 99 are never issued", "DE99370400440532013000", "never issued"},
		{"letters as check digits are refused", "DEAB370400440532013000", "two check digits"},
		{"an IBAN one character short is refused", "GB82WEST1234569876543", "a GB IBAN has 22 characters; this has 21"},
		{"an IBAN one character long is refused", "NL91ABNA04171643001", "a NL IBAN has 18 characters"},
		{"the United States issues no IBANs", "US64SVBKUS6S3300958879", "does not issue IBANs"},
		{"North Korea issues no IBANs", "KP12345678901234567890", "does not issue IBANs"},
		{"an unknown country code is refused", "ZZ12345678901234567890", "is none"},
		{"punctuation in an IBAN is refused", "GB82WEST1234569876543$", "not used in IBANs"},
		{"a word is no account", "savings", "expected an IBAN"},
		{"a routing number with a wrong checksum is refused", "021000022:123456789", "checksum does not match"},
		{"a routing number outside the Fed ranges is refused", "131000021:123456789", "Federal Reserve"},
		{"the all-zero routing number is a placeholder", "000000000:123456789", "placeholder"},
		{"an 8-digit routing number is refused", "02100002:123456789", "9 digits"},
		{"a routing number without an account is refused", "021000021", "both the routing number and the account number"},
		{"a 3-digit account is too short", "021000021:123", "4–17 digits; this has 3"},
		{"an 18-digit account is too long", "021000021:123456789012345678", "4–17 digits; this has 18"},
		{"letters in a US account are refused", "021000021:12AB5678", "digits only"},
		{"an all-zero account is a placeholder", "us:021000021:0000", "placeholder"},
		{"invalid UTF-8 is refused", "GB82\xffWEST", "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BankAccount(tc.in)
			if err == nil {
				t.Fatalf("BankAccount(%q) = %q, want an error", tc.in, got.Canonical)
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindBankAccount {
				t.Fatalf("BankAccount(%q) error = %#v, want a bank_account *Error", tc.in, err)
			}
			if !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("BankAccount(%q) reason = %q, want it to contain %q", tc.in, e.Reason, tc.reason)
			}
		})
	}
}

func FuzzBankAccount(f *testing.F) {
	for _, s := range registryIBANs {
		f.Add(s)
	}
	for _, s := range []string{"iban: gb82 west 1234 5698 7654 32", "021000021:123456789", "121000358 123-456-789",
		"us:021000021:0000", "DE00370400440532013000", "aba:026009593:4444", "IBAN:", "us:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := BankAccount(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindBankAccount {
				t.Fatalf("BankAccount(%q) error %v is not a bank_account *Error", s, err)
			}
			return
		}
		if v.Kind != KindBankAccount || v.Canonical == "" || v.Facts["scheme"] == "" {
			t.Fatalf("BankAccount(%q) = %+v, want kind, canonical form and scheme", s, v)
		}
		again, err := BankAccount(v.Canonical)
		if err != nil || again.Canonical != v.Canonical {
			t.Fatalf("BankAccount(%q) = %q, but BankAccount(%q) = %q, %v", s, v.Canonical, v.Canonical, again.Canonical, err)
		}
	})
}

func BenchmarkBankAccount(b *testing.B) {
	inputs := []string{"GB82 WEST 1234 5698 7654 32", "FR1420041010050500013M02606", "021000021:123456789"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := BankAccount(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}
