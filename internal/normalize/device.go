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
	if c := b.String(); len(c) == 12 && isHexString(c) {
		// Twelve hex digits are a MAC address however they were grouped;
		// treating them as one keeps "001A2B3C4D5E" and "00:1a:2b:3c:4d:5e"
		// one device.
		hw, _ := net.ParseMAC(c[0:2] + ":" + c[2:4] + ":" + c[4:6] + ":" + c[6:8] + ":" + c[8:10] + ":" + c[10:12])
		if isZero(hw) {
			return Value{}, invalid(KindDevice, s, "all-zero MAC address identifies no device")
		}
		return Value{Kind: KindDevice, Canonical: "mac:" + hw.String(), Facts: map[string]string{"type": "mac"}}, nil
	}
	if strings.Trim(b.String(), "0") == "" && b.Len() > 0 {
		// firmware and VMs report zeros when they have no serial: matching
		// on it would join every such machine
		return Value{}, invalid(KindDevice, s, "all-zero placeholder serial identifies no device")
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

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
