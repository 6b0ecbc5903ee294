package normalize

import (
	"net"
	"strings"
	"unicode"
)

// Device canonicalises a device identifier: a hardware serial, an MDM or
// identity-provider device id, or a MAC address. Serials and ids compare
// without case, spaces or separators (vendors print "C02X-1234" and
// "c02x1234" for one machine); a MAC address becomes lower-case colon form
// with the fact mac=true, because its bytes, not its spelling, identify it.
func Device(s string) (Value, error) {
	if err := checkInput(KindDevice, s); err != nil {
		return Value{}, err
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return Value{}, invalid(KindDevice, s, "empty")
	}
	if hw, err := net.ParseMAC(t); err == nil && len(hw) == 6 {
		if isZero(hw) {
			return Value{}, invalid(KindDevice, s, "all-zero MAC address identifies no device")
		}
		return Value{Kind: KindDevice, Canonical: "mac:" + hw.String(), Facts: map[string]string{"type": "mac"}}, nil
	}
	if strings.HasPrefix(strings.ToLower(t), "mac:") {
		hw, err := net.ParseMAC(t[4:])
		if err != nil || len(hw) != 6 {
			return Value{}, invalid(KindDevice, s, "mac: prefix on something that is not a 48-bit MAC address")
		}
		if isZero(hw) {
			return Value{}, invalid(KindDevice, s, "all-zero MAC address identifies no device")
		}
		return Value{Kind: KindDevice, Canonical: "mac:" + hw.String(), Facts: map[string]string{"type": "mac"}}, nil
	}
	var b strings.Builder
	for _, r := range t {
		switch {
		case r == '-' || r == ':' || r == '.' || r == '_' || unicode.IsSpace(r):
			// separators vary between the vendor's label and its API
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToUpper(r))
		default:
			return Value{}, invalid(KindDevice, s, "character %q is not used in device identifiers (letters, digits and - : . _ only)", r)
		}
	}
	if b.Len() < 4 {
		return Value{}, invalid(KindDevice, s, "too short to identify a device (fewer than 4 letters or digits)")
	}
	return Value{Kind: KindDevice, Canonical: b.String()}, nil
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
