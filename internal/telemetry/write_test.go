package telemetry

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// What AppendGeneric writes reads back as the same events.
func TestAppendGenericRoundTrips(t *testing.T) {
	at := time.Date(2026, 11, 20, 14, 3, 5, 120000000, time.UTC)
	evs := []Event{
		{Time: at, Source: FormatGeneric, Type: SignIn, User: "dan@corp.example", Device: "C02F0001", IP: netip.MustParseAddr("73.12.4.9"),
			Location:   Location{City: "Austin", Region: "TX", Country: "US", Lat: 30.27, Lon: -97.74, HasCoords: true},
			SignInInfo: &SignInInfo{Outcome: "SUCCESS", IsProxy: true, ASN: 7922, ASOrg: "Comcast", DeviceToken: "dt-1", UserAgent: "Mozilla/5.0 \"quoted\""}},
		{Time: at, Source: FormatGeneric, Type: USB, Device: "C02F0001", USBDevice: &USBDevice{VendorID: 0x1d6b, ProductID: 0x0104,
			Vendor: "PiKVM", Product: "PiKVM Composite Device", Serial: "CAFEBABE", Class: "3", Interfaces: []string{"03/01/01", "08/06/50"}, Removable: true}},
		{Time: at, Source: FormatGeneric, Type: Display, Device: "C02F0001", DisplayDev: &DisplayDevice{Name: "PiKVM V3", Manufacturer: "LNX", ProductID: 0x7771}},
		{Time: at, Source: FormatGeneric, Type: Program, Device: "C02F0005", ProgramApp: &ProgramInfo{Name: "AnyDesk", Version: "9.0.4", Publisher: "AnyDesk Software GmbH", ID: "com.philandro.anydesk"}},
		{Time: at, Source: FormatGeneric, Type: WiFi, Device: "C02F0005", Network: &WiFiNetwork{SSID: "home-5G", BSSID: "aa:bb:cc:dd:ee:ff"}},
		{Time: at, Source: FormatGeneric, Type: Shipment, User: "dan@corp.example", ShipTo: &ShipmentInfo{Serial: "C02F0001", Address: "1 Elm St, Dallas, TX 75201, US"}},
		{Time: at, Source: FormatGeneric, Type: Seen, Device: "C02F0009", IP: netip.MustParseAddr("2001:db8::1")},
	}
	var b []byte
	for i := range evs {
		b = AppendGeneric(b, &evs[i])
	}
	var got []Event
	stats, err := Read(t.Context(), bytes.NewReader(b), "gen.jsonl", Options{Format: FormatGeneric,
		Problem: func(p Problem) { t.Errorf("problem: %v", p) }},
		func(batch []Event) error {
			for _, e := range batch {
				e.File, e.Line = "", 0
				got = append(got, e)
			}
			return nil
		})
	if err != nil || stats.Events != len(evs) {
		t.Fatalf("Read = %+v, %v", stats, err)
	}
	if diff := cmp.Diff(evs, got, cmpopts.EquateComparable(netip.Addr{}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s\n%s", diff, b)
	}
}

// A quoted cell longer than a line may be is one bad row; the rows after
// it are still read.
func TestCSVLongQuotedCellCostsOnlyItsRow(t *testing.T) {
	for _, size := range []int{2 << 20, 5 << 20} {
		var b bytes.Buffer
		b.WriteString("Computer Name,Serial Number,Full Name,Username,Email Address,IP Address,Reported IP Address,Last Check-in,Last Inventory Update,Last Enrollment,Building,Department\n")
		b.WriteString(`JLEE-MBP,C02FARM001,Jordan Lee,jlee,jordan.lee@example.com,198.51.100.23,,2025-09-30 17:40:02,,,,"`)
		b.Write(bytes.Repeat([]byte("x"), size))
		b.WriteString("\"\n")
		b.WriteString("AKIM-MBA,C02FARM002,Alex Kim,akim,,203.0.113.77,,2025-09-30 17:41:10,,,Remote,Engineering\n")
		var devices []string
		var problems []Problem
		_, err := Read(t.Context(), &b, "inventory.csv", Options{Format: FormatJamf, Problem: func(p Problem) { problems = append(problems, p) }},
			func(evs []Event) error {
				for _, e := range evs {
					devices = append(devices, e.Device)
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) != 1 || problems[0].Line != 2 {
			t.Errorf("size %d: problems %+v; want the long row (line 2) alone", size, problems)
		}
		found := false
		for _, d := range devices {
			found = found || d == "C02FARM002"
		}
		if !found {
			t.Errorf("size %d: the row after the long one was lost: devices %v", size, devices)
		}
	}
}
