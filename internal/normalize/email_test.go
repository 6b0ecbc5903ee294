package normalize

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var emailTests = []struct {
	name    string
	in      string
	want    string // canonical; "" means the input is rejected
	keys    []Key
	factsOf string // expected "provider" fact, if any
}{
	{"the issue's example collapses to the Gmail mailbox", "John.Doe+jobs@GoogleMail.com", "johndoe@gmail.com",
		[]Key{{"email_domain", "gmail.com"}, {"email_as_written", "john.doe+jobs@googlemail.com"}}, "gmail"},
	{"dots in a Gmail name do not matter", "j.o.h.n.doe@gmail.com", "johndoe@gmail.com",
		[]Key{{"email_domain", "gmail.com"}, {"email_as_written", "j.o.h.n.doe@gmail.com"}}, "gmail"},
	{"a canonical Gmail address has no as-written key", "johndoe@gmail.com", "johndoe@gmail.com",
		[]Key{{"email_domain", "gmail.com"}}, "gmail"},
	{"Outlook drops the plus tag but keeps dots", "Jane.Doe+LinkedIn@Outlook.com", "jane.doe@outlook.com",
		[]Key{{"email_domain", "outlook.com"}, {"email_as_written", "jane.doe+linkedin@outlook.com"}}, "outlook"},
	{"Hotmail is Outlook too", "jdoe+x@hotmail.com", "jdoe@hotmail.com",
		[]Key{{"email_domain", "hotmail.com"}, {"email_as_written", "jdoe+x@hotmail.com"}}, "outlook"},
	{"iCloud drops plus tags", "a.b+c@icloud.com", "a.b@icloud.com",
		[]Key{{"email_domain", "icloud.com"}, {"email_as_written", "a.b+c@icloud.com"}}, "icloud"},
	{"Proton drops plus tags", "dev+hire@proton.me", "dev@proton.me",
		[]Key{{"email_domain", "proton.me"}, {"email_as_written", "dev+hire@proton.me"}}, "proton"},
	{"Yahoo's hyphen is left alone", "jane-shopping@yahoo.com", "jane-shopping@yahoo.com",
		[]Key{{"email_domain", "yahoo.com"}}, "yahoo"},
	{"an unknown domain keeps its plus tag (RFC 5233 is the owner's choice)", "user+mailbox@example.com", "user+mailbox@example.com",
		[]Key{{"email_domain", "example.com"}}, ""},
	{"case and space are spelling", "  Alice@Example.COM ", "alice@example.com",
		[]Key{{"email_domain", "example.com"}}, ""},
	{"a mailto: prefix is ignored", "mailto:bob@example.org", "bob@example.org",
		[]Key{{"email_domain", "example.org"}}, ""},
	{"RFC 3696's slash and equals example is a dot-atom", "customer/department=shipping@example.com", "customer/department=shipping@example.com",
		[]Key{{"email_domain", "example.com"}}, ""},
	{"RFC 3696's dollar example is a dot-atom", "$A12345@example.com", "$a12345@example.com",
		[]Key{{"email_domain", "example.com"}}, ""},
	{"RFC 3696's bang example is a dot-atom", "!def!xyz%abc@example.com", "!def!xyz%abc@example.com",
		[]Key{{"email_domain", "example.com"}}, ""},
	{"an IDN domain becomes punycode", "info@Bücher.de", "info@xn--bcher-kva.de",
		[]Key{{"email_domain", "xn--bcher-kva.de"}}, ""},
	{"the key is the registrable domain of a subdomain", "hr@mail.example.co.uk", "hr@mail.example.co.uk",
		[]Key{{"email_domain", "example.co.uk"}}, ""},

	{"no @ is not an address", "Abc.example.com", "", nil, ""},
	{"several @ are not an address", "A@b@c@example.com", "", nil, ""},
	{"quoted local parts are refused", `"John Doe"@example.com`, "", nil, ""},
	{"two dots in a row are refused", "john..doe@example.com", "", nil, ""},
	{"a leading dot is refused", ".john@example.com", "", nil, ""},
	{"a trailing dot before @ is refused", "john.@example.com", "", nil, ""},
	{"a space inside is refused", "john doe@example.com", "", nil, ""},
	{"a local part over 64 octets is refused", strings.Repeat("a", 65) + "@example.com", "", nil, ""},
	{"an address literal is refused", "postmaster@[192.0.2.1]", "", nil, ""},
	{"a single-label domain is refused", "root@localhost", "", nil, ""},
	{"a trailing dot on the domain is refused", "x@example.com.", "", nil, ""},
	{"a bad domain is refused", "x@-example.com", "", nil, ""},
	{"nothing before @", "@example.com", "", nil, ""},
	{"nothing after @", "x@", "", nil, ""},
	{"a Gmail tag alone leaves no mailbox", "+jobs@gmail.com", "", nil, ""},
	{"a non-ASCII local part is not supported", "jöhn@example.com", "", nil, ""},
	{"brackets are not atext", "a(b)@example.com", "", nil, ""},
}

func TestEmail(t *testing.T) {
	for _, tt := range emailTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Email(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("Email(%q) = %q, want an error", tt.in, got.Canonical)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("Email(%q) error %v does not match ErrInvalid", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Email(%q): %v", tt.in, err)
			}
			if got.Kind != KindEmail || got.Canonical != tt.want {
				t.Errorf("Email(%q) = %s %q, want email %q", tt.in, got.Kind, got.Canonical, tt.want)
			}
			if diff := cmp.Diff(tt.keys, got.Keys, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Email(%q) keys (-want +got):\n%s", tt.in, diff)
			}
			if p := got.Facts["provider"]; p != tt.factsOf {
				t.Errorf("Email(%q) provider = %q, want %q", tt.in, p, tt.factsOf)
			}
			if free := got.Facts["free_mail"] == "true"; free != (tt.factsOf != "") {
				t.Errorf("Email(%q) free_mail = %v, want %v", tt.in, free, tt.factsOf != "")
			}
		})
	}
}

func TestEmailProvidersAreLowerCaseDomains(t *testing.T) {
	for d, p := range mailProviders {
		if got, reason := domainASCII(d); reason != "" || got != d {
			t.Errorf("provider domain %q canonicalises to %q (%s), want itself", d, got, reason)
		}
		if p.domain != "" && mailProviders[p.domain].domain != p.domain {
			t.Errorf("provider %q maps to %q, which does not map to itself", d, p.domain)
		}
	}
}

func FuzzEmail(f *testing.F) {
	for _, tt := range emailTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Email(s)
		if err != nil {
			return
		}
		if v.Kind != KindEmail || v.Canonical == "" {
			t.Fatalf("Email(%q) = %+v: kind or canonical missing", s, v)
		}
		again, err := Email(v.Canonical)
		if err != nil {
			t.Fatalf("Email(%q) = %q, which is rejected: %v", s, v.Canonical, err)
		}
		if again.Canonical != v.Canonical {
			t.Fatalf("Email(%q) = %q, but Email(%q) = %q", s, v.Canonical, v.Canonical, again.Canonical)
		}
		if again.Key("email_domain") != v.Key("email_domain") {
			t.Fatalf("Email(%q) domain key %q, re-parsed %q", s, v.Key("email_domain"), again.Key("email_domain"))
		}
	})
}

func BenchmarkEmail(b *testing.B) {
	for _, in := range []string{"John.Doe+jobs@GoogleMail.com", "alice@mail.example.co.uk"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Email(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
