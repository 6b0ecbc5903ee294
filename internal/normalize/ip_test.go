package normalize

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var ipTests = []struct {
	name  string
	in    string
	want  string // canonical; "" means the input is rejected
	facts map[string]string
}{
	{"a public IPv4 address", "8.8.8.8", "8.8.8.8", map[string]string{"version": "4"}},
	{"surrounding space is ignored", " 203.0.113.7\t", "203.0.113.7", map[string]string{"version": "4", "reserved": "true"}},
	{"RFC 5952 shortens and lower-cases IPv6", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1", map[string]string{"version": "6", "reserved": "true"}},
	{"RFC 5952: the longest zero run is the one compressed", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", map[string]string{"version": "6", "reserved": "true"}},
	{"RFC 5952: a single zero field is not compressed", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", map[string]string{"version": "6", "reserved": "true"}},
	{"an IPv4-mapped IPv6 address is the IPv4 address", "::ffff:192.0.2.128", "192.0.2.128", map[string]string{"version": "4", "reserved": "true"}},
	{"brackets around IPv6 are tolerated", "[2606:4700::1111]", "2606:4700::1111", map[string]string{"version": "6"}},
	{"RFC 1918 space is private", "192.168.1.10", "192.168.1.10", map[string]string{"version": "4", "private": "true"}},
	{"loopback is classified", "127.0.0.1", "127.0.0.1", map[string]string{"version": "4", "loopback": "true"}},
	{"IPv6 loopback is classified", "::1", "::1", map[string]string{"version": "6", "loopback": "true"}},
	{"carrier-grade NAT is its own class", "100.64.1.1", "100.64.1.1", map[string]string{"version": "4", "cgnat": "true"}},
	{"a CIDR range is kept as a range", "10.0.0.0/8", "10.0.0.0/8", map[string]string{"version": "4", "range": "true", "private": "true"}},
	{"host bits of a range are cleared", "10.1.2.3/8", "10.0.0.0/8", map[string]string{"version": "4", "range": "true", "private": "true"}},
	{"a /32 is the bare address", "198.51.100.9/32", "198.51.100.9", map[string]string{"version": "4", "reserved": "true"}},
	{"a /128 is the bare address", "2001:db8::1/128", "2001:db8::1", map[string]string{"version": "6", "reserved": "true"}},
	{"an IPv6 range is masked", "2001:db8:abcd:12::1/48", "2001:db8:abcd::/48", map[string]string{"version": "6", "range": "true", "reserved": "true"}},
	{"a range wider than a class is not in the class", "10.0.0.0/7", "10.0.0.0/7", map[string]string{"version": "4", "range": "true"}},
	{"an IPv4-mapped range becomes an IPv4 range", "::ffff:10.0.0.0/104", "10.0.0.0/8", map[string]string{"version": "4", "range": "true", "private": "true"}},

	{"empty", "", "", nil},
	{"a leading zero could be octal", "010.0.0.1", "", nil},
	{"an octet over 255", "256.1.1.1", "", nil},
	{"three octets are not an address", "127.1", "", nil},
	{"a zone names an interface, not an address", "fe80::1%eth0", "", nil},
	{"a prefix longer than the address", "10.0.0.0/33", "", nil},
	{"a prefix with a leading zero", "10.0.0.0/08", "", nil},
	{"a prefix that is not a number", "10.0.0.0/x", "", nil},
	{"a host name is not an IP", "example.com", "", nil},
	{"an IPv4-mapped prefix wider than IPv4", "::ffff:0.0.0.0/95", "", nil},
}

func TestIP(t *testing.T) {
	for _, tt := range ipTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := IP(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("IP(%q) = %q, want an error", tt.in, got.Canonical)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("IP(%q) error %v does not match ErrInvalid", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("IP(%q): %v", tt.in, err)
			}
			if got.Kind != KindIP || got.Canonical != tt.want {
				t.Errorf("IP(%q) = %s %q, want ip %q", tt.in, got.Kind, got.Canonical, tt.want)
			}
			if diff := cmp.Diff(tt.facts, got.Facts); diff != "" {
				t.Errorf("IP(%q) facts (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func FuzzIP(f *testing.F) {
	for _, tt := range ipTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := IP(s)
		if err != nil {
			return
		}
		if v.Kind != KindIP || v.Canonical == "" {
			t.Fatalf("IP(%q) = %+v: kind or canonical missing", s, v)
		}
		again, err := IP(v.Canonical)
		if err != nil {
			t.Fatalf("IP(%q) = %q, which is rejected: %v", s, v.Canonical, err)
		}
		if again.Canonical != v.Canonical {
			t.Fatalf("IP(%q) = %q, but IP(%q) = %q", s, v.Canonical, v.Canonical, again.Canonical)
		}
	})
}

func BenchmarkIP(b *testing.B) {
	for _, in := range []string{"203.0.113.7", "2001:db8::1", "10.1.2.3/8"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := IP(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
