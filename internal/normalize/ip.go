package normalize

import (
	"net/netip"
	"strconv"
	"strings"
)

// ipClass is a special-purpose range (IANA IPv4 and IPv6 Special-Purpose
// Address Registries, RFC 6890) and the fact it sets.
type ipClass struct {
	prefix netip.Prefix
	fact   string
}

// ipClasses lists the ranges that are not ordinary public addresses. A hit
// on one of them says something about the data (a test address, a carrier
// NAT, a home network), not about a person.
var ipClasses = []ipClass{
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},        // RFC 1918
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},     // RFC 1918
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},    // RFC 1918
	{netip.MustParsePrefix("fc00::/7"), "private"},          // RFC 4193 unique local
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},      // RFC 1122
	{netip.MustParsePrefix("::1/128"), "loopback"},          // RFC 4291
	{netip.MustParsePrefix("169.254.0.0/16"), "link_local"}, // RFC 3927
	{netip.MustParsePrefix("fe80::/10"), "link_local"},      // RFC 4291
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},     // RFC 5771
	{netip.MustParsePrefix("ff00::/8"), "multicast"},        // RFC 4291
	{netip.MustParsePrefix("100.64.0.0/10"), "cgnat"},       // RFC 6598 shared address space
	{netip.MustParsePrefix("0.0.0.0/8"), "reserved"},        // RFC 791 "this network"
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},     // RFC 6890 IETF protocol assignments
	{netip.MustParsePrefix("192.0.2.0/24"), "reserved"},     // RFC 5737 TEST-NET-1
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved"},    // RFC 2544 benchmarking
	{netip.MustParsePrefix("198.51.100.0/24"), "reserved"},  // RFC 5737 TEST-NET-2
	{netip.MustParsePrefix("203.0.113.0/24"), "reserved"},   // RFC 5737 TEST-NET-3
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},      // RFC 1112 future use, and broadcast
	{netip.MustParsePrefix("::/128"), "reserved"},           // RFC 4291 unspecified
	{netip.MustParsePrefix("100::/64"), "reserved"},         // RFC 6666 discard-only
	{netip.MustParsePrefix("2001:db8::/32"), "reserved"},    // RFC 3849 documentation
	{netip.MustParsePrefix("3fff::/20"), "reserved"},        // RFC 9637 documentation
}

// IP canonicalises an IPv4 or IPv6 address or a CIDR range to the text
// net/netip prints (RFC 5952 for IPv6). An IPv4-mapped IPv6 address is the
// IPv4 address it carries. Host bits of a range are cleared ("10.1.2.3/8" is
// "10.0.0.0/8"), and a /32 or /128 is the bare address, so one address has
// one spelling. Zones ("fe80::1%eth0") are rejected because they name an
// interface of one machine, and so are IPv4 octets with leading zeros,
// which some software reads as octal.
//
// Facts: "version" (4 or 6), "range" for CIDRs, and "private", "loopback",
// "link_local", "multicast", "cgnat" or "reserved" when the address or the
// whole range lies in such a block.
func IP(s string) (Value, error) {
	if err := checkInput(KindIP, s); err != nil {
		return Value{}, err
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return Value{}, invalid(KindIP, s, "empty")
	}
	addrPart, bitsPart, isRange := strings.Cut(t, "/")
	if strings.HasPrefix(addrPart, "[") && strings.HasSuffix(addrPart, "]") {
		addrPart = addrPart[1 : len(addrPart)-1]
	}
	a, err := netip.ParseAddr(addrPart)
	if err != nil {
		return Value{}, invalid(KindIP, s, "%s", ipReason(addrPart))
	}
	if a.Zone() != "" {
		return Value{}, invalid(KindIP, s, "zone %q names a network interface of one machine, not an address", a.Zone())
	}
	bits := a.BitLen()
	if isRange {
		n, err := strconv.Atoi(bitsPart)
		if err != nil || bitsPart == "" || bitsPart[0] == '+' || bitsPart[0] == '-' || (len(bitsPart) > 1 && bitsPart[0] == '0') {
			return Value{}, invalid(KindIP, s, "prefix length %s is not a number", quoteShort(bitsPart))
		}
		if n > a.BitLen() {
			return Value{}, invalid(KindIP, s, "prefix length /%d is longer than the %d bits of the address", n, a.BitLen())
		}
		bits = n
	}
	if a.Is4In6() {
		// ::ffff:192.0.2.1 is how dual-stack sockets report IPv4 peers.
		if bits < 96 {
			return Value{}, invalid(KindIP, s, "prefix /%d of an IPv4-mapped address covers more than IPv4", bits)
		}
		a = a.Unmap()
		bits -= 96
	}
	pfx, err := a.Prefix(bits)
	if err != nil {
		return Value{}, invalid(KindIP, s, "bad prefix length")
	}
	v := Value{Kind: KindIP, Facts: map[string]string{"version": "4"}}
	if a.Is6() {
		v.Facts["version"] = "6"
	}
	if bits == a.BitLen() {
		v.Canonical = a.String()
	} else {
		v.Canonical = pfx.String()
		v.Facts["range"] = "true"
	}
	for _, c := range ipClasses {
		if c.prefix.Bits() <= pfx.Bits() && c.prefix.Contains(pfx.Addr()) {
			v.Facts[c.fact] = "true"
		}
	}
	return v, nil
}

// ipReason explains why an address did not parse, naming the ambiguity that
// makes leading zeros unacceptable.
func ipReason(a string) string {
	if strings.Contains(a, "%") {
		return "not an IP address (bad zone)"
	}
	if strings.Count(a, ".") == 3 && !strings.Contains(a, ":") {
		for _, oct := range strings.Split(a, ".") {
			if len(oct) > 1 && oct[0] == '0' {
				return "IPv4 octet " + quoteShort(oct) + " has a leading zero, which some software reads as octal"
			}
			if n, err := strconv.Atoi(oct); err == nil && n > 255 {
				return "IPv4 octet " + oct + " is greater than 255"
			}
		}
	}
	return "not an IPv4 or IPv6 address"
}
