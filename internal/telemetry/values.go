package telemetry

import (
	"hash/maphash"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/normalize"
)

// interner hands out one string per value it has seen recently, so the
// device, user, vendor and program names that repeat on every line cost
// one allocation each rather than one per event. It is a two-way
// set-associative cache: a value hashes to a set of two slots, the most
// recently used first, and a new value pushes out the older one — no
// eviction pass, and a lookup costs a hash and a comparison or two. It
// starts small, so a small input costs little, and grows while values keep
// missing. Each decoder has its own.
type interner struct {
	seed      maphash.Seed
	sets      [][2]string
	misses    int
	countries *[countrySlots]countrySlot
}

const (
	minInternSets  = 1 << 8
	maxInternSets  = 1 << 14
	countrySlots   = 1 << 8
	maxInternedLen = 128
)

type countrySlot struct {
	raw, code string
	known     bool
}

func (in *interner) init() {
	if in.sets == nil {
		in.seed = maphash.MakeSeed()
		in.sets = make([][2]string, minInternSets)
		in.countries = new([countrySlots]countrySlot)
	}
}

func (in *interner) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxInternedLen {
		return string(b)
	}
	in.init()
	set := &in.sets[maphash.Bytes(in.seed, b)&uint64(len(in.sets)-1)]
	if set[0] == string(b) {
		return set[0]
	}
	if set[1] == string(b) {
		set[0], set[1] = set[1], set[0]
		return set[0]
	}
	s := string(b)
	set[0], set[1] = s, set[0]
	if in.misses++; in.misses > 2*len(in.sets) && len(in.sets) < maxInternSets {
		// Too small for this input's variety: start over, larger.
		in.sets, in.misses = make([][2]string, 4*len(in.sets)), 0
	}
	return s
}

// country returns the ISO 3166 alpha-2 code for a code or an English
// country name; a value that names no country the tables know is kept as
// written, trimmed (Location.Country is alpha-2 "when known"), and known
// is false.
func (in *interner) country(b []byte) (code string, known bool) {
	if len(b) == 0 {
		return "", false
	}
	in.init()
	slot := &in.countries[maphash.Bytes(in.seed, b)&(countrySlots-1)]
	if slot.raw == string(b) && slot.raw != "" {
		return slot.code, slot.known
	}
	raw := string(b)
	c, ok := normalize.Country(raw)
	if !ok {
		c = strings.TrimSpace(raw)
	}
	*slot = countrySlot{raw, c, ok}
	return c, ok
}

// parseIP reads an IPv4 or IPv6 address. IPv4-mapped IPv6 addresses are
// the IPv4 address they carry; zones and IPv4 octets with leading zeros are
// refused, as internal/normalize refuses them.
func parseIP(b []byte) (netip.Addr, string) {
	if a, ok := parseIPv4(b); ok {
		return a, ""
	}
	if len(b) > 64 {
		return netip.Addr{}, "not an IP address"
	}
	a, err := netip.ParseAddr(string(b))
	if err != nil {
		return netip.Addr{}, "not an IP address: " + strconv.Quote(string(b))
	}
	if a.Zone() != "" {
		return netip.Addr{}, "an IP address with a zone names one machine's interface: " + strconv.Quote(string(b))
	}
	return a.Unmap(), ""
}

// parseIPv4 is the common case without a string conversion.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var ip [4]byte
	part, n, digits := 0, 0, 0
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if digits == 1 && n == 0 {
				return netip.Addr{}, false // leading zero
			}
			n = n*10 + int(c-'0')
			digits++
			if n > 255 {
				return netip.Addr{}, false
			}
		case c == '.' && digits > 0 && part < 3 && i+1 < len(b):
			ip[part] = byte(n)
			part, n, digits = part+1, 0, 0
		default:
			return netip.Addr{}, false
		}
	}
	if part != 3 || digits == 0 {
		return netip.Addr{}, false
	}
	ip[3] = byte(n)
	return netip.AddrFrom4(ip), true
}

// isPublic says whether an address can be where a device met the
// internet: MDM inventories mix the address the server saw with the one
// the device reported for its own interface, often a home network's.
func isPublic(a netip.Addr) bool {
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	return !cgnat.Contains(a)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10") // RFC 6598 shared address space

const rfc3339Want = "want an RFC 3339 time such as 2025-09-30T17:37:30Z"

// parseRFC3339 reads an RFC 3339 time (what time.RFC3339Nano accepts) and
// returns it in UTC. The common shape, UTC with an optional fraction, is
// read without a string conversion.
func parseRFC3339(b []byte) (time.Time, bool) {
	if t, ok := fastRFC3339(b); ok {
		return t, true
	}
	if len(b) > 64 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func fastRFC3339(b []byte) (time.Time, bool) {
	// 2006-01-02T15:04:05[.999999999]Z
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[len(b)-1] != 'Z' {
		return time.Time{}, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	ns := 0
	if frac := b[19 : len(b)-1]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		n, ok := digits(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for i := len(frac) - 1; i < 9; i++ {
			n *= 10
		}
		ns = n
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, ns, time.UTC), true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// looseLayouts are the times MDM exports write, tried in order after RFC
// 3339. A time without a zone is taken as UTC; a date with slashes is
// month/day/year, as the US-English admin consoles write it.
var looseLayouts = []string{
	// Graph without a zone.
	"2006-01-02T15:04:05.999999999",
	// Jamf Pro's advanced search export ("2025-09-30 17:40:02"), Intune's
	// export ("2025-06-02 15:04:11.0000000").
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04",
	// Jamf Pro's initialEntryDate.
	"2006-01-02",
	// The Jamf Pro web interface.
	"2006-01-02 at 3:04 PM",
	"2006-01-02 at 15:04",
	// The Intune admin center in en-US.
	"1/2/2006 3:04:05 PM",
	"1/2/2006 3:04 PM",
	"1/2/2006 15:04:05",
	"1/2/2006 15:04",
	"1/2/2006",
	"Jan 2, 2006 at 3:04 PM",
	"Jan 2, 2006 3:04:05 PM",
	// asctime, as osquery's calendarTime without " UTC".
	"Mon Jan _2 15:04:05 2006",
}

const looseWant = "want a time such as 2025-09-30T17:37:30Z or 2025-09-30 17:37:30"

// parseLooseTime reads the time formats MDM exports use, in UTC. ok is
// false for text that is no time; zero is true for a time that stands for
// "never" (.NET's 0001-01-01, the Unix epoch), which callers treat as
// absent.
func parseLooseTime(b []byte) (t time.Time, zero, ok bool) {
	if t, ok := parseRFC3339(b); ok {
		return t, isNever(t), true
	}
	if len(b) > 64 {
		return time.Time{}, false, false
	}
	s := strings.TrimSpace(string(b))
	s = strings.TrimSuffix(s, " UTC")
	for _, layout := range looseLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return t, isNever(t), true
		}
	}
	return time.Time{}, false, false
}

func isNever(t time.Time) bool { return t.Year() < 1980 }

// parseHex16 reads a hexadecimal id such as a USB vendor id ("1d6b",
// "0x1D6B"); empty reads as 0.
func parseHex16(b []byte) (uint16, bool) {
	if len(b) >= 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		b = b[2:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if len(b) > 8 {
		return 0, false
	}
	var v uint32
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(d)
	}
	if v > math.MaxUint16 {
		return 0, false
	}
	return uint16(v), true
}

// parseInt reads a JSON number that must be a whole number.
func parseInt(b []byte) (int, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n, ok := digits(b)
	if !ok {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseFloat reads a JSON number. Plain decimals of up to 15 digits are
// exact as a quotient of two exactly representable numbers (Clinger's fast
// path), without a string conversion; the rest go to strconv.
func parseFloat(b []byte) (float64, bool) {
	c := b
	neg := false
	if len(c) > 0 && c[0] == '-' {
		neg, c = true, c[1:]
	}
	var mant uint64
	nd, frac, dot := 0, 0, false
	fast := len(c) > 0
	for _, ch := range c {
		switch {
		case ch >= '0' && ch <= '9':
			mant = mant*10 + uint64(ch-'0')
			nd++
			if dot {
				frac++
			}
		case ch == '.' && !dot:
			dot = true
		default:
			fast = false
		}
		if !fast || nd > 15 {
			fast = false
			break
		}
	}
	if fast {
		f := float64(mant) / pow10[frac]
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}

// pnpID turns the EDID manufacturer id as system_profiler (and so osquery's
// connected_displays) writes it — hexadecimal, "610" for Apple, "31d8" for
// LNX — into its three letters (EDID 1.4 §3.4.1: three 5-bit letters,
// 1 = A). ok is false when the value is not such an id.
func pnpID(b []byte) (string, bool) {
	if len(b) == 3 && isUpperLetters(b) {
		return string(b), true
	}
	v, ok := parseHex16(b)
	if !ok || len(b) == 0 || v&0x8000 != 0 {
		return "", false
	}
	l1, l2, l3 := byte(v>>10&0x1f), byte(v>>5&0x1f), byte(v&0x1f)
	if l1 < 1 || l1 > 26 || l2 < 1 || l2 > 26 || l3 < 1 || l3 > 26 {
		return "", false
	}
	return string([]byte{'A' + l1 - 1, 'A' + l2 - 1, 'A' + l3 - 1}), true
}

func isUpperLetters(b []byte) bool {
	for _, c := range b {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
