package normalize

import (
	"errors"
	"strings"
	"testing"
)

func TestDevice(t *testing.T) {
	tests := []struct {
		name, in, want, reason string
	}{
		{"an Apple serial as printed", "C02X1234JGH5", "C02X1234JGH5", ""},
		{"an Apple serial typed in lower case", "c02x1234jgh5", "C02X1234JGH5", ""},
		{"a serial with the dashes of a label", "C02X-1234-JGH5", "C02X1234JGH5", ""},
		{"a serial with spaces around it", "  C02X1234JGH5 \t", "C02X1234JGH5", ""},
		{"a Dell service tag", "7XK9Q83", "7XK9Q83", ""},
		{"a Lenovo serial with dots", "PF.2A3B.4C", "PF2A3B4C", ""},
		{"an Intune device id (a GUID)", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "3FA85F6457174562B3FC2C963F66AFA6", ""},
		{"a GUID in upper case is the same device", "3FA85F64-5717-4562-B3FC-2C963F66AFA6", "3FA85F6457174562B3FC2C963F66AFA6", ""},
		{"an Okta device token with underscores", "guo_4a5b6c7d8e", "GUO4A5B6C7D8E", ""},
		{"a MAC address with colons", "00:1A:2B:3C:4D:5E", "mac:00:1a:2b:3c:4d:5e", ""},
		{"a MAC address with dashes", "00-1a-2b-3c-4d-5e", "mac:00:1a:2b:3c:4d:5e", ""},
		{"a MAC address in Cisco dotted form", "001a.2b3c.4d5e", "mac:00:1a:2b:3c:4d:5e", ""},
		{"a canonical MAC address is a fixed point", "mac:00:1a:2b:3c:4d:5e", "mac:00:1a:2b:3c:4d:5e", ""},
		{"twelve hex digits are a MAC however grouped", "001A 2B3C 4D5E", "mac:00:1a:2b:3c:4d:5e", ""},
		{"a MAC prefix in capitals", "MAC:00:1A:2B:3C:4D:5E", "mac:00:1a:2b:3c:4d:5e", ""},
		{"an empty value", "", "", "empty"},
		{"only spaces", "   ", "", "empty"},
		{"too short to identify anything", "A-1", "", "too short"},
		{"a slash is not used in identifiers", "C02X/1234", "", "not used in device identifiers"},
		{"non-ASCII letters are not used", "С02X1234", "", "not used in device identifiers"},
		{"the all-zero MAC address", "00:00:00:00:00:00", "", "all-zero"},
		{"an all-zero placeholder serial", "0000 0000", "", "all-zero placeholder"},
		{"a mac: prefix on a non-MAC", "mac:C02X1234", "", "not a 48-bit MAC"},
		{"a 64-bit EUI is not a 48-bit MAC", "mac:00:1a:2b:3c:4d:5e:6f:70", "", "not a 48-bit MAC"},
		{"an over-long value", strings.Repeat("A", MaxInput+1), "", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Device(tt.in)
			if tt.reason != "" {
				var ne *Error
				if !errors.As(err, &ne) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("Device(%q) = %v, %v; want an invalid-value error", tt.in, got, err)
				}
				if !strings.Contains(ne.Reason, tt.reason) {
					t.Errorf("reason %q, want it to say %q", ne.Reason, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Device(%q): %v", tt.in, err)
			}
			if got.Canonical != tt.want || got.Kind != KindDevice {
				t.Errorf("Device(%q) = %q (%s), want %q", tt.in, got.Canonical, got.Kind, tt.want)
			}
		})
	}
}

func FuzzDevice(f *testing.F) {
	for _, s := range []string{"C02X1234JGH5", "c02x-1234", "00:1A:2B:3C:4D:5E", "mac:00:1a:2b:3c:4d:5e", "001a.2b3c.4d5e", "", "a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Device(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Device(%q): error %v is not an invalid-value error", s, err)
			}
			return
		}
		again, err := Device(v.Canonical)
		if err != nil || again.Canonical != v.Canonical {
			t.Fatalf("Device(%q) = %q, but that re-normalises to %q, %v", s, v.Canonical, again.Canonical, err)
		}
	})
}
