package normalize

import (
	"errors"
	"testing"
)

var urlTests = []struct {
	name string
	in   string
	want string // canonical; "" means the input is rejected
	keys map[string]string
}{
	{"a bare host gets https and a root path", "Example.COM", "https://example.com/", map[string]string{"registrable_domain": "example.com"}},
	{"scheme and host are lower-cased, the path is not", "HTTP://WWW.Example.com/About/Team", "http://www.example.com/About/Team", map[string]string{"registrable_domain": "example.com"}},
	{"the default port, fragment and trailing slash go", "https://example.com:443/jobs/#apply", "https://example.com/jobs", map[string]string{"registrable_domain": "example.com"}},
	{"a non-default port stays, without leading zeros", "http://example.com:08080/x", "http://example.com:8080/x", map[string]string{"registrable_domain": "example.com"}},
	{"tracking parameters go and the rest are sorted", "https://example.com/p?utm_source=x&b=2&fbclid=abc&a=1&gclid=z&si=q", "https://example.com/p?a=1&b=2", map[string]string{"registrable_domain": "example.com"}},
	{"LinkedIn's trk and trkInfo are tracking", "https://example.com/?trkInfo=x&trk=y&originalSubdomain=uk", "https://example.com/", map[string]string{"registrable_domain": "example.com"}},
	{"dot segments are resolved (RFC 3986 5.2.4)", "http://example.com/a/b/c/./../../g", "http://example.com/a/g", map[string]string{"registrable_domain": "example.com"}},
	{"escapes of unreserved characters are decoded (RFC 3986 6.2.2.2)", "https://example.com/%7Euser/%41bc", "https://example.com/~user/Abc", map[string]string{"registrable_domain": "example.com"}},
	{"other escapes use upper-case hex (RFC 3986 6.2.2.1)", "https://example.com/a%2fb%c3%a9", "https://example.com/a%2Fb%C3%A9", map[string]string{"registrable_domain": "example.com"}},
	{"an IDN host becomes punycode", "https://bücher.de/katalog", "https://xn--bcher-kva.de/katalog", map[string]string{"registrable_domain": "xn--bcher-kva.de"}},
	{"an IPv4 host has no domain key", "http://192.0.2.1:80/", "http://192.0.2.1/", nil},
	{"an IPv4-mapped IPv6 host is the IPv4 host", "http://[::FFFF:192.0.2.1]/", "http://192.0.2.1/", nil},
	{"an IPv6 host is written in RFC 5952 form", "https://[2001:DB8:0:0::1]:8443/", "https://[2001:db8::1]:8443/", nil},
	{"a GitHub profile yields its user, lower-cased", "GitHub.com/Torvalds/", "https://github.com/torvalds", map[string]string{"registrable_domain": "github.com", "github": "torvalds"}},
	{"a GitHub repository names its owner", "https://github.com/golang/go/issues?q=is%3Aopen", "https://github.com/golang/go/issues?q=is%3Aopen", map[string]string{"registrable_domain": "github.com", "github": "golang"}},
	{"a reserved GitHub path is not a user", "https://github.com/settings/profile", "https://github.com/settings/profile", map[string]string{"registrable_domain": "github.com"}},
	{"GitHub's features page is not a user", "https://github.com/features", "https://github.com/features", map[string]string{"registrable_domain": "github.com"}},
	{"a GitHub Pages host names its user", "https://octocat.github.io/blog/", "https://octocat.github.io/blog", map[string]string{"registrable_domain": "octocat.github.io", "github": "octocat"}},
	{"github:NAME is the profile URL", "github:Octocat", "https://github.com/octocat", map[string]string{"registrable_domain": "github.com", "github": "octocat"}},
	{"a LinkedIn slug is decoded and lower-cased", "https://www.linkedin.com/in/Jos%C3%A9-Garc%C3%ADa/?trk=public_profile", "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa", map[string]string{"registrable_domain": "linkedin.com", "linkedin": "josé-garcía"}},
	{"a country LinkedIn subdomain gives the same key", "uk.linkedin.com/in/John-Doe-123", "https://uk.linkedin.com/in/john-doe-123", map[string]string{"registrable_domain": "linkedin.com", "linkedin": "john-doe-123"}},
	{"linkedin:SLUG is the profile URL", "linkedin:john-doe-123", "https://www.linkedin.com/in/john-doe-123", map[string]string{"registrable_domain": "linkedin.com", "linkedin": "john-doe-123"}},
	{"a t.me link names a Telegram user", "t.me/Durov", "https://t.me/durov", map[string]string{"registrable_domain": "t.me", "telegram": "durov"}},
	{"telegram.me is the same site", "https://telegram.me/durov", "https://telegram.me/durov", map[string]string{"registrable_domain": "telegram.me", "telegram": "durov"}},
	{"telegram:@NAME is the profile URL", "telegram:@Durov", "https://t.me/durov", map[string]string{"registrable_domain": "t.me", "telegram": "durov"}},
	{"a Telegram invite link is not a user", "https://t.me/joinchat/AAAAAE", "https://t.me/joinchat/AAAAAE", map[string]string{"registrable_domain": "t.me"}},

	{"a bare @handle is ambiguous", "@octocat", "", nil},
	{"javascript: is not a web address", "javascript:alert(1)", "", nil},
	{"data: is not a web address", "data:text/html,<b>x</b>", "", nil},
	{"file: is not a web address", "file:///etc/passwd", "", nil},
	{"ftp is not accepted either", "ftp://ftp.example.com/x", "", nil},
	{"a single-label host is not a domain", "http://localhost:8080/", "", nil},
	{"credentials before the host disguise it", "https://github.com@evil.example/", "", nil},
	{"a port out of range", "https://example.com:70000/", "", nil},
	{"spaces are not allowed", "https://example.com/a b", "", nil},
	{"no host", "https:///path", "", nil},
	{"an invalid GitHub handle", "github:-bad-", "", nil},
	{"a too-short Telegram handle", "telegram:abc", "", nil},
	{"an IPv4 address with a leading zero is not a host", "http://010.0.0.1/", "", nil},
}

func TestURL(t *testing.T) {
	for _, tt := range urlTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := URL(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("URL(%q) = %q, want an error", tt.in, got.Canonical)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("URL(%q) error %v does not match ErrInvalid", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("URL(%q): %v", tt.in, err)
			}
			if got.Kind != KindURL || got.Canonical != tt.want {
				t.Errorf("URL(%q) = %s %q, want url %q", tt.in, got.Kind, got.Canonical, tt.want)
			}
			gotKeys := map[string]string{}
			for _, k := range got.Keys {
				gotKeys[k.Kind] = k.Value
			}
			if len(gotKeys) != len(tt.keys) {
				t.Errorf("URL(%q) keys = %v, want %v", tt.in, gotKeys, tt.keys)
			}
			for k, want := range tt.keys {
				if gotKeys[k] != want {
					t.Errorf("URL(%q) key %s = %q, want %q", tt.in, k, gotKeys[k], want)
				}
			}
		})
	}
}

func FuzzURL(f *testing.F) {
	for _, tt := range urlTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := URL(s)
		if err != nil {
			return
		}
		if v.Kind != KindURL || v.Canonical == "" {
			t.Fatalf("URL(%q) = %+v: kind or canonical missing", s, v)
		}
		again, err := URL(v.Canonical)
		if err != nil {
			t.Fatalf("URL(%q) = %q, which is rejected: %v", s, v.Canonical, err)
		}
		if again.Canonical != v.Canonical {
			t.Fatalf("URL(%q) = %q, but URL(%q) = %q", s, v.Canonical, v.Canonical, again.Canonical)
		}
		for _, k := range v.Keys {
			if again.Key(k.Kind) != k.Value {
				t.Fatalf("URL(%q) key %s = %q, re-parsed %q", s, k.Kind, k.Value, again.Key(k.Kind))
			}
		}
	})
}

func BenchmarkURL(b *testing.B) {
	for _, in := range []string{"https://www.linkedin.com/in/john-doe-123/?trk=x", "GitHub.com/Torvalds/"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := URL(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
