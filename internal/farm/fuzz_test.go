package farm

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/telemetry"
)

// FuzzAdd feeds arbitrary events to an analyzer: it must not panic, and
// what it reports must keep the finding contract.
func FuzzAdd(f *testing.F) {
	f.Add(int64(1741000000), uint8(0), "alice@x.example", "L1", "73.12.4.9", "US", "TX", 36.1, -86.7, uint16(0x1d6b), uint16(0x0104), "PiKVM", "03/01/01", "AnyDesk")
	f.Add(int64(0), uint8(7), "", "", "", "", "", 0.0, 0.0, uint16(0), uint16(0), "", "", "")
	f.Add(int64(-5), uint8(3), "X\\y", " l1 ", "::ffff:10.0.0.1", "CN", "Liaoning", 91.0, 181.0, uint16(1), uint16(2), "tinypilot", "zz", "TeamViewer")
	f.Fuzz(func(t *testing.T, sec int64, typ uint8, user, dev, addr, country, region string, lat, lon float64,
		vid, pid uint16, vendor, iface, program string) {
		people := []Person{
			person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "Austin", "TX", "L1"),
			person("P2", "Ben Cho", "ben@x.example", "12 Oak Street", "Austin", "TX", "L2"),
		}
		a := New(Config{IPInfo: intel, CorporateEgress: corp}, people)
		ip, _ := netip.ParseAddr(addr)
		loc := telemetry.Location{Country: country, Region: region, Lat: lat, Lon: lon, HasCoords: lat != 0}
		var evs []telemetry.Event
		for i := range 6 {
			e := telemetry.Event{Time: time.Unix(sec+int64(i)*40000, 0), Type: telemetry.Types[(int(typ)+i)%len(telemetry.Types)],
				User: user, Device: dev, IP: ip, Location: loc, File: "f", Line: i}
			switch e.Type {
			case telemetry.SignIn:
				e.SignInInfo = &telemetry.SignInInfo{IsProxy: i%2 == 0, ASOrg: vendor}
			case telemetry.USB:
				e.USBDevice = &telemetry.USBDevice{VendorID: vid, ProductID: pid, Vendor: vendor, Serial: program, Interfaces: []string{iface}, Class: iface}
			case telemetry.Display:
				e.DisplayDev = &telemetry.DisplayDevice{Name: vendor, Manufacturer: iface, ProductID: pid}
			case telemetry.Program:
				e.ProgramApp = &telemetry.ProgramInfo{Name: program, Path: vendor}
			case telemetry.WiFi:
				e.Network = &telemetry.WiFiNetwork{BSSID: vendor, SSID: program}
			case telemetry.Shipment:
				e.ShipTo = &telemetry.ShipmentInfo{Serial: dev, Address: vendor}
			}
			evs = append(evs, e)
			evs = append(evs, e)
			e.Device, e.User = "L2", "ben@x.example"
			evs = append(evs, e)
		}
		a.Add(evs)
		fs := a.Findings()
		for _, f := range fs {
			if f.Points < 0 || f.Points > 100 || f.Explanation == "" || f.ID == "" || f.Source == "" {
				t.Errorf("finding breaks the contract: %+v", f)
			}
			if f.Kind != KindOffHours && f.Level != risk.LevelOf(f.Points) {
				t.Errorf("%s: level %s for %d points", f.Kind, f.Level, f.Points)
			}
			if len(f.Evidence) > MaxEvidence || len(f.Evidence) > f.EvidenceTotal {
				t.Errorf("%s: %d evidence items of %d", f.Kind, len(f.Evidence), f.EvidenceTotal)
			}
		}
		var b bytes.Buffer
		if err := a.Report(fs).WriteText(&b); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzIfaceRole(f *testing.F) {
	for _, s := range []string{"03/01/01", "030101", "8:6:50", "0x03/0x00/0x00", "", "///", "ffffffffffffffffff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		switch r := ifaceRole(s); r {
		case 0, ifKeyboard, ifPointer, ifStorage:
		default:
			t.Errorf("ifaceRole(%q) = %b, not one role", s, r)
		}
	})
}

// FuzzAddressKey holds the default address key to its properties: no
// panic, no upper case, and case does not matter.
func FuzzAddressKey(f *testing.F) {
	for _, s := range []string{"12 Oak Street, Austin, TX 78701, US", "", ",,,", "Flat 3, 12 Baker St, London", "ÖSTRA GATAN 1, Malmö"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := defaultAddressKey(s)
		if k != strings.ToLower(k) && strings.ToLower(k) == strings.ToLower(strings.ToUpper(k)) {
			t.Errorf("key %q of %q has upper case", k, s)
		}
		if up := defaultAddressKey(asciiUpper(s)); up != k {
			t.Errorf("key of %q is %q, of its upper case %q", s, k, up)
		}
	})
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
