package normalize

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var domainTests = []struct {
	name  string
	in    string
	want  string // canonical; "" means the input is rejected
	reg   string // registrable_domain key
	facts map[string]string
}{
	{"upper case and a trailing dot are spelling", "Example.COM.", "example.com", "example.com", nil},
	{"surrounding space is ignored", "  www.example.org \n", "www.example.org", "example.org", nil},
	{"a subdomain keeps its labels but keys on eTLD+1", "mail.example.co.uk", "mail.example.co.uk", "example.co.uk", nil},
	{"an IDN becomes punycode (RFC 3492 style)", "bücher.de", "xn--bcher-kva.de", "xn--bcher-kva.de", map[string]string{"unicode": "bücher.de"}},
	{"an upper-case A-label is the same IDN", "XN--BCHER-KVA.DE", "xn--bcher-kva.de", "xn--bcher-kva.de", map[string]string{"unicode": "bücher.de"}},
	{"upper-case Unicode letters fold", "BÜCHER.DE", "xn--bcher-kva.de", "xn--bcher-kva.de", map[string]string{"unicode": "bücher.de"}},
	{"sharp s is kept under non-transitional UTS 46", "faß.de", "xn--fa-hia.de", "xn--fa-hia.de", map[string]string{"unicode": "faß.de"}},
	{"Japanese labels from the IDNA examples convert", "例え.テスト", "xn--r8jz45g.xn--zckzah", "xn--r8jz45g.xn--zckzah", map[string]string{"unicode": "例え.テスト"}},
	{"full-width dots are label separators", "example．com", "example.com", "example.com", nil},
	{"a public suffix stands for itself", "github.io", "github.io", "github.io", map[string]string{"public_suffix": "true"}},
	{"a GitHub Pages site keys on itself", "octocat.github.io", "octocat.github.io", "octocat.github.io", nil},
	{"double hyphens inside a label are real host names", "r3---sn-abc.googlevideo.com", "r3---sn-abc.googlevideo.com", "googlevideo.com", nil},
	{"a digit-leading label is fine", "3com.com", "3com.com", "3com.com", nil},

	{"an empty string is not a domain", "", "", "", nil},
	{"a single label is not a public domain", "localhost", "", "", nil},
	{"an IPv4 address is not a domain", "192.0.2.1", "", "", nil},
	{"a bracketed IPv6 literal is not a domain", "[2001:db8::1]", "", "", nil},
	{"full-width digits that map to an IP are not a domain", "１．２．３．４", "", "", nil},
	{"an all-numeric TLD is rejected", "example.123", "", "", nil},
	{"two dots in a row leave an empty label", "example..com", "", "", nil},
	{"a leading hyphen is not LDH", "-example.com", "", "", nil},
	{"a trailing hyphen is not LDH", "example-.com", "", "", nil},
	{"an underscore is not a host-name character", "exa_mple.com", "", "", nil},
	{"a space inside is rejected", "exa mple.com", "", "", nil},
	{"a 64-character label is too long", strings.Repeat("a", 64) + ".com", "", "", nil},
	{"a name over 253 characters is too long", strings.Repeat("abcdefghi.", 26) + "com", "", "", nil},
	{"broken punycode is rejected", "xn--zz.com", "", "", nil},
	{"a zero-width joiner outside a joining script is rejected", "ex\u200dample.com", "", "", nil},
	{"a no-break space maps to a space, which STD3 refuses", "ex\u00a0ample.com", "", "", nil},
	{"a symbol UTS 46 allows is accepted, as browsers do", "☃.net", "xn--n3h.net", "xn--n3h.net", map[string]string{"unicode": "☃.net"}},
}

func TestDomain(t *testing.T) {
	for _, tt := range domainTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Domain(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("Domain(%q) = %q, want an error", tt.in, got.Canonical)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("Domain(%q) error %v does not match ErrInvalid", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Domain(%q): %v", tt.in, err)
			}
			if got.Kind != KindDomain || got.Canonical != tt.want {
				t.Errorf("Domain(%q) = %s %q, want domain %q", tt.in, got.Kind, got.Canonical, tt.want)
			}
			if r := got.Key("registrable_domain"); r != tt.reg {
				t.Errorf("Domain(%q) registrable_domain = %q, want %q", tt.in, r, tt.reg)
			}
			if diff := cmp.Diff(tt.facts, got.Facts, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Domain(%q) facts (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestDomainErrorSaysWhy(t *testing.T) {
	_, err := Domain("192.0.2.1")
	if err == nil || !strings.Contains(err.Error(), "IP address") {
		t.Errorf("Domain(192.0.2.1) error = %v, want it to mention an IP address", err)
	}
}

func FuzzDomain(f *testing.F) {
	for _, tt := range domainTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Domain(s)
		if err != nil {
			return
		}
		if v.Kind != KindDomain || v.Canonical == "" {
			t.Fatalf("Domain(%q) = %+v: kind or canonical missing", s, v)
		}
		again, err := Domain(v.Canonical)
		if err != nil {
			t.Fatalf("Domain(%q) = %q, which is rejected: %v", s, v.Canonical, err)
		}
		if again.Canonical != v.Canonical {
			t.Fatalf("Domain(%q) = %q, but Domain(%q) = %q", s, v.Canonical, v.Canonical, again.Canonical)
		}
	})
}

func BenchmarkDomain(b *testing.B) {
	for _, in := range []string{"Mail.Example.co.uk", "bücher.de"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Domain(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
