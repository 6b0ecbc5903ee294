package telemetry

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var cmpOpts = cmp.Options{cmp.Comparer(func(a, b netip.Addr) bool { return a == b })}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// readAll reads an input and keeps every event and problem.
func readAll(t testing.TB, r func(emit func([]Event) error, opt Options) (Stats, error)) ([]Event, []Problem, Stats, error) {
	t.Helper()
	var events []Event
	var problems []Problem
	opt := Options{Problem: func(p Problem) { problems = append(problems, p) }, MaxProblems: -1}
	st, err := r(func(evs []Event) error {
		events = append(events, evs...)
		return nil
	}, opt)
	return events, problems, st, err
}

func readFile(t testing.TB, path string) ([]Event, []Problem, Stats, error) {
	t.Helper()
	return readAll(t, func(emit func([]Event) error, opt Options) (Stats, error) {
		return ReadFile(context.Background(), path, opt, emit)
	})
}

func readString(t testing.TB, in, format string) ([]Event, []Problem, Stats, error) {
	t.Helper()
	return readAll(t, func(emit func([]Event) error, opt Options) (Stats, error) {
		opt.Format = format
		return Read(context.Background(), strings.NewReader(in), "in", opt, emit)
	})
}

// Fixture expectations: what users depend on — device, user, address, time
// and the details.

func oktaEvents(file string, lines [4]int) []Event {
	jordan, alex := "jordan.lee@example.com", "alex.kim@example.com"
	return []Event{
		{
			Time: ts("2025-09-30T14:02:11.482Z"), Source: FormatOkta, Type: SignIn, User: jordan, IP: addr("198.51.100.23"),
			Location: Location{City: "Columbus", Region: "Ohio", Country: "US", Lat: 39.9612, Lon: -82.9988, HasCoords: true},
			SignInInfo: &SignInInfo{
				Outcome: "SUCCESS", ASN: 7922, ASOrg: "comcast cable communications  llc", ISP: "comcast cable communications  llc",
				DeviceToken: "5c1f0e7a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e",
				UserAgent:   "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
			},
			File: file, Line: lines[0],
		},
		{
			Time: ts("2025-09-30T14:05:40.007Z"), Source: FormatOkta, Type: SignIn, User: jordan, IP: addr("203.0.113.77"),
			Location: Location{City: "Amsterdam", Region: "North Holland", Country: "NL", Lat: 52.374, Lon: 4.8897, HasCoords: true},
			SignInInfo: &SignInInfo{
				Outcome: "SUCCESS", IsProxy: true, ASN: 9009, ASOrg: "m247 europe srl", ISP: "m247 europe srl",
				DeviceToken: "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d",
				UserAgent:   "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
			},
			File: file, Line: lines[1],
		},
		{
			Time: ts("2025-09-30T14:07:02Z"), Source: FormatOkta, Type: SignIn, User: alex, IP: addr("2001:db8:85a3::8a2e:370:7334"),
			SignInInfo: &SignInInfo{Outcome: "FAILURE", UserAgent: "Okta Verify/9.28.0 (Macintosh; Mac OS X 14.6.1)"},
			File:       file, Line: lines[2],
		},
		{
			Time: ts("2025-09-30T14:10:00Z"), Source: FormatOkta, Type: SignIn, User: alex, IP: addr("192.0.2.45"),
			Location: Location{City: "Dallas", Region: "Texas", Country: "US", Lat: 32.7831, Lon: -96.8067, HasCoords: true},
			SignInInfo: &SignInInfo{
				Outcome: "SUCCESS", ASN: 20115, ASOrg: "charter communications", ISP: "charter communications inc",
				DeviceToken: "guo4x9z2EXAMPLEdev1", UserAgent: "Okta Verify/9.28.0 (Macintosh; Mac OS X 14.6.1)",
			},
			File: file, Line: lines[3],
		},
	}
}

func osqueryEvents(file string) []Event {
	at := func(s string) time.Time { return ts("2025-09-30T" + s + "Z") }
	return []Event{
		{
			Time: at("17:37:30"), Source: FormatOsquery, Type: USB, User: "jlee", Device: "C02FARM001",
			USBDevice: &USBDevice{VendorID: 0x1d6b, ProductID: 0x0104, Vendor: "PiKVM", Product: "PiKVM Composite Device", Serial: "CAFEBABE",
				Class: "0", Subclass: "0", Protocol: "0", Removable: true},
			File: file, Line: 1,
		},
		{
			Time: at("17:40:00"), Source: FormatOsquery, Type: USB, User: "akim", Device: "C02FARM002",
			USBDevice: &USBDevice{VendorID: 0x1d6b, ProductID: 0x0104, Vendor: "tinypilot", Product: "Multifunction USB Device", Serial: "6b65796d696d6570",
				Class: "239", Subclass: "2", Protocol: "1", Removable: true},
			File: file, Line: 2,
		},
		{
			Time: at("17:45:00"), Source: FormatOsquery, Type: USB, User: "ops", Device: "C02DESK001",
			USBDevice: &USBDevice{VendorID: 0x046d, ProductID: 0xc31c, Vendor: "Logitech, Inc.", Product: "USB Keyboard",
				Class: "0", Subclass: "0", Protocol: "0", Removable: true},
			File: file, Line: 3,
		},
		{
			Time: at("18:00:00"), Source: FormatOsquery, Type: Display, User: "jlee", Device: "C02FARM001",
			DisplayDev: &DisplayDevice{Name: "Color LCD", Manufacturer: "APP", ProductID: 0xa050, Serial: "fd626d62"},
			File:       file, Line: 4,
		},
		{
			Time: at("18:00:00"), Source: FormatOsquery, Type: Display, User: "jlee", Device: "C02FARM001",
			DisplayDev: &DisplayDevice{Name: "PiKVM V3", Manufacturer: "LNX", ProductID: 0x7772, Serial: "CAFEBABE"},
			File:       file, Line: 4,
		},
		{
			Time: at("18:05:00"), Source: FormatOsquery, Type: Program, User: "alex.kim", Device: "PF3ABCDE",
			ProgramApp: &ProgramInfo{Name: "AnyDesk", Version: "ad 9.0.4", Publisher: "AnyDesk Software GmbH", Path: `C:\Program Files (x86)\AnyDesk`},
			File:       file, Line: 5,
		},
		{
			Time: at("18:05:00"), Source: FormatOsquery, Type: Program, User: "alex.kim", Device: "PF3ABCDE",
			ProgramApp: &ProgramInfo{Name: "Zoom Workplace (64-bit)", Version: "6.2.5 (51223)", Publisher: "Zoom Communications, Inc.", Path: `C:\Program Files\Zoom\bin`},
			File:       file, Line: 5,
		},
		{
			Time: at("18:10:00"), Source: FormatOsquery, Type: Program, User: "jlee", Device: "C02FARM001",
			ProgramApp: &ProgramInfo{Name: "AnyDesk", Version: "9.0.1", Path: "/Applications/AnyDesk.app", ID: "com.philandro.anydesk"},
			File:       file, Line: 6,
		},
		{
			Time: at("18:15:00"), Source: FormatOsquery, Type: WiFi, User: "jlee", Device: "C02FARM001",
			Location: Location{Country: "US"},
			Network:  &WiFiNetwork{SSID: "HomeNet-5G", BSSID: "a4:2b:b0:11:22:33"},
			File:     file, Line: 7,
		},
		{
			Time: at("18:20:00"), Source: FormatOsquery, Type: Program, User: "jlee", Device: "C02FARM001",
			ProgramApp: &ProgramInfo{Name: "AnyDesk", Path: "/Applications/AnyDesk.app/Contents/MacOS/AnyDesk"},
			File:       file, Line: 8,
		},
	}
}

func mdmEvents(source, file string, rows []mdmWant) []Event {
	var out []Event
	for _, r := range rows {
		if !r.seen.IsZero() {
			out = append(out, Event{Time: r.seen, Source: source, Type: Seen, User: r.user, Device: r.device, IP: r.ip, File: file, Line: r.line})
		}
		out = append(out, Event{Time: r.enrolled, Source: source, Type: Enrollment, User: r.user, Device: r.device, File: file, Line: r.line})
	}
	return out
}

type mdmWant struct {
	line           int
	device, user   string
	ip             netip.Addr
	seen, enrolled time.Time
}

func genericEvents(file string) []Event {
	jordan := "jordan.lee@example.com"
	return []Event{
		{
			Time: ts("2025-09-30T14:02:11Z"), Source: FormatGeneric, Type: SignIn, User: jordan, IP: addr("198.51.100.23"),
			Location: Location{City: "Columbus", Region: "Ohio", Country: "US", Lat: 39.9612, Lon: -82.9988, HasCoords: true},
			SignInInfo: &SignInInfo{Outcome: "SUCCESS", ASN: 7922, ASOrg: "Comcast Cable Communications, LLC", ISP: "Comcast Cable",
				DeviceToken: "5c1f0e7a9b2d4c6e", UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"},
			File: file, Line: 1,
		},
		{
			Time: ts("2025-09-30T12:05:40.5Z"), Source: FormatGeneric, Type: SignIn, User: jordan, IP: addr("203.0.113.77"),
			Location:   Location{Country: "NL"},
			SignInInfo: &SignInInfo{Outcome: "SUCCESS", IsProxy: true, ASN: 9009, ASOrg: "M247 Europe SRL"},
			File:       file, Line: 2,
		},
		{
			Time: ts("2025-09-30T17:40:02Z"), Source: FormatGeneric, Type: Seen, User: jordan, Device: "C02FARM001", IP: addr("198.51.100.23"),
			Location: Location{City: "Columbus", Region: "OH", Country: "US"},
			File:     file, Line: 3,
		},
		{
			Time: ts("2025-09-30T17:37:30Z"), Source: FormatGeneric, Type: USB, User: "jlee", Device: "C02FARM001",
			USBDevice: &USBDevice{VendorID: 0x1d6b, ProductID: 0x0104, Vendor: "PiKVM", Product: "PiKVM Composite Device", Serial: "CAFEBABE",
				Class: "0", Subclass: "0", Protocol: "0", Interfaces: []string{"03/01/01", "03/00/02", "08/06/50"}, Removable: true},
			File: file, Line: 4,
		},
		{
			Time: ts("2025-09-30T18:00:00Z"), Source: FormatGeneric, Type: Display, Device: "C02FARM001",
			DisplayDev: &DisplayDevice{Name: "PiKVM V3", Manufacturer: "LNX", ProductID: 0x7772, Serial: "CAFEBABE"},
			File:       file, Line: 5,
		},
		{
			Time: ts("2025-09-30T18:05:00Z"), Source: FormatGeneric, Type: Program, User: "alex.kim@example.com", Device: "PF3ABCDE",
			ProgramApp: &ProgramInfo{Name: "AnyDesk", Version: "ad 9.0.4", Publisher: "AnyDesk Software GmbH", Path: `C:\Program Files (x86)\AnyDesk`},
			File:       file, Line: 6,
		},
		{
			Time: ts("2025-09-30T18:15:00Z"), Source: FormatGeneric, Type: WiFi, Device: "C02FARM001",
			Network: &WiFiNetwork{SSID: "HomeNet-5G", BSSID: "a4:2b:b0:11:22:33"},
			File:    file, Line: 7,
		},
		{
			Time: ts("2025-08-28T16:00:00Z"), Source: FormatGeneric, Type: Shipment, User: jordan,
			ShipTo: &ShipmentInfo{Serial: "C02FARM001", Address: "1200 Example Ave Apt 4, Columbus, OH 43215, US"},
			File:   file, Line: 8,
		},
		{
			Time: ts("2025-03-03T15:20:11Z"), Source: FormatGeneric, Type: Enrollment, User: jordan, Device: "C02FARM001",
			File: file, Line: 10,
		},
	}
}

type fixture struct {
	path   string
	format string
	want   []Event
	lines  int
}

func fixtures() []fixture {
	jordan, alex := "jordan.lee@example.com", "alex.kim@example.com"
	return []fixture{
		{"testdata/okta_logs.json", FormatOkta, oktaEvents("testdata/okta_logs.json", [4]int{2, 90, 112, 140}), 5},
		{"testdata/okta_logs.jsonl", FormatOkta, oktaEvents("testdata/okta_logs.jsonl", [4]int{1, 2, 3, 5}), 5},
		{"testdata/osqueryd.results.log", FormatOsquery, osqueryEvents("testdata/osqueryd.results.log"), 10},
		{"testdata/jamf_computers.csv", FormatJamf, mdmEvents(FormatJamf, "testdata/jamf_computers.csv", []mdmWant{
			{2, "C02FARM001", jordan, addr("198.51.100.23"), ts("2025-09-30T17:40:02Z"), ts("2025-03-03T15:20:11Z")},
			{3, "C02FARM002", "akim", addr("203.0.113.77"), ts("2025-09-30T17:41:10Z"), ts("2025-09-30T17:41:10Z")},
			// No check-in: the inventory update; the reported address is CGNAT.
			{4, "C02FARM003", "sam.park@example.com", netip.Addr{}, ts("2025-09-29T09:00:00Z"), ts("2025-01-10T09:30:00Z")},
		}), 3},
		{"testdata/jamf_computers_inventory.json", FormatJamf, mdmEvents(FormatJamf, "testdata/jamf_computers_inventory.json", []mdmWant{
			{4, "C02FARM001", jordan, addr("198.51.100.23"), ts("2025-09-30T17:40:02.12Z"), ts("2025-03-03T15:20:11Z")},
			// lastIpAddress is private: the public reported address; no
			// contact time: the report date; no enrollment: the entry date.
			{52, "C02FARM002", "akim", addr("203.0.113.77"), ts("2025-09-29T22:01:09Z"), ts("2025-04-14T00:00:00Z")},
		}), 2},
		{"testdata/intune_devices.csv", FormatIntune, mdmEvents(FormatIntune, "testdata/intune_devices.csv", []mdmWant{
			{2, "PF3ABCDE", alex, netip.Addr{}, ts("2025-09-30T17:35:00Z"), ts("2025-06-02T15:04:11Z")},
			{3, "C02FARM001", jordan, netip.Addr{}, ts("2025-09-30T17:38:12Z"), ts("2025-03-03T15:21:40Z")},
		}), 2},
		{"testdata/intune_managed_devices.json", FormatIntune, mdmEvents(FormatIntune, "testdata/intune_managed_devices.json", []mdmWant{
			{5, "PF3ABCDE", alex, netip.Addr{}, ts("2025-09-30T17:35:00Z"), ts("2025-06-02T15:04:11Z")},
			// Never synced (0001-01-01): only its enrollment; no serial: its name.
			{37, "Kiosk-Tablet", "", netip.Addr{}, time.Time{}, ts("2025-07-01T09:00:00.1234567Z")},
		}), 2},
		{"testdata/generic.jsonl", FormatGeneric, genericEvents("testdata/generic.jsonl"), 9},
	}
}

func TestReadFixtures(t *testing.T) {
	for _, fx := range fixtures() {
		t.Run(fx.path, func(t *testing.T) {
			got, problems, st, err := readFile(t, fx.path)
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if len(problems) > 0 {
				t.Errorf("problems: %v", problems)
			}
			if diff := cmp.Diff(fx.want, got, cmpOpts); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			wantSt := Stats{Events: len(fx.want), Lines: fx.lines, Format: fx.format}
			if st != wantSt {
				t.Errorf("stats = %+v, want %+v", st, wantSt)
			}
		})
	}
}

func TestDetectFixtures(t *testing.T) {
	for _, fx := range fixtures() {
		data, err := os.ReadFile(fx.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := Detect(data); got != fx.format {
			t.Errorf("Detect(%s) = %q, want %q", fx.path, got, fx.format)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, head, want string
	}{
		{"empty input", "", ""},
		{"blank input", " \n\t", ""},
		{"plain text", "hello world\n", ""},
		{"a CSV of something else", "name,email\nA,a@example.com\n", ""},
		{"Okta LogEvent with a byte-order mark", "\xef\xbb\xbf{\"uuid\":\"x\",\"eventType\":\"user.session.start\"}", FormatOkta},
		{"Okta array cut off inside the first event", `[{"actor":{"alternateId":"a@b.c"},"eventType":"user.session.start","published":"2025-`, FormatOkta},
		{"osquery batch line starting with diffResults", `{"diffResults":{"added":[{"vendor_id":"1d6b"`, FormatOsquery},
		{"osquery snapshot", `{"snapshot":[],"action":"snapshot","name":"usb_devices","hostIdentifier":"h"}`, FormatOsquery},
		{"Jamf API results", `{"totalCount":0,"results":[]}`, FormatJamf},
		{"Jamf single computer", `{"id":"1","general":{"name":"x"},"hardware":{"serialNumber":"C1"}}`, FormatJamf},
		{"Jamf tab-delimited export", "Computer Name\tSerial Number\tLast Check-in\nA\tC1\t2025-09-30 10:00:00\n", FormatJamf},
		{"Jamf semicolon export", "Computer Name;Serial Number;Last Inventory Update\n", FormatJamf},
		{"Graph list", `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#deviceManagement/managedDevices","value":[]}`, FormatIntune},
		{"Graph value without context", `{"value":[{"id":"1","deviceName":"d","lastSyncDateTime":"2025-09-30T10:00:00Z"}]}`, FormatIntune},
		{"Graph array", `[{"id":"1","deviceName":"d","serialNumber":"S"}]`, FormatIntune},
		{"Intune CSV with Graph column names", "DeviceName,SerialNumber,UserPrincipalName,LastSyncDateTime\n", FormatIntune},
		{"generic line", `{"time":"2025-09-30T14:02:11Z","type":"seen","device":"C1"}` + "\n", FormatGeneric},
		{"generic line with type first", `{"type":"usb","usb":{"vendor_id":"1d6b"},"time":"2025-09-30T14:02:11Z"}`, FormatGeneric},
		{"JSON of something else", `{"a":1}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect([]byte(tt.head)); got != tt.want {
				t.Errorf("Detect(%q) = %q, want %q", tt.head, got, tt.want)
			}
		})
	}
}

func TestReadGzip(t *testing.T) {
	for _, fx := range fixtures() {
		t.Run(fx.path, func(t *testing.T) {
			data, err := os.ReadFile(fx.path)
			if err != nil {
				t.Fatal(err)
			}
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(data)
			zw.Close()
			got, problems, st, err := readAll(t, func(emit func([]Event) error, opt Options) (Stats, error) {
				return Read(context.Background(), &z, fx.path, opt, emit)
			})
			if err != nil || len(problems) > 0 {
				t.Fatalf("Read: %v, problems %v", err, problems)
			}
			if diff := cmp.Diff(fx.want, got, cmpOpts); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if st.Format != fx.format {
				t.Errorf("format = %q, want %q", st.Format, fx.format)
			}
		})
	}
}

func TestReadBadGzip(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(strings.Repeat(`{"time":"2025-09-30T14:02:11Z","type":"seen","device":"C1"}`+"\n", 1000)))
	zw.Close()
	cut := z.Bytes()[:z.Len()/2]
	_, _, _, err := readAll(t, func(emit func([]Event) error, opt Options) (Stats, error) {
		return Read(context.Background(), bytes.NewReader(cut), "cut.gz", opt, emit)
	})
	if err == nil {
		t.Fatal("a truncated gzip stream read without an error")
	}
	if !strings.HasPrefix(err.Error(), "cut.gz: ") {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestReadUnknownFormat(t *testing.T) {
	_, _, _, err := readString(t, "hello world\n", "")
	if !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("err = %v, want ErrUnknownFormat", err)
	}
	_, _, _, err = readString(t, "{}", "splunk")
	if !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("with a bad Format, err = %v, want ErrUnknownFormat", err)
	}
	evs, _, st, err := readString(t, "", "")
	if err != nil || len(evs) != 0 || st.Lines != 0 {
		t.Errorf("empty input: events %v, stats %+v, err %v; want nothing and no error", evs, st, err)
	}
}

func TestReadGivenFormat(t *testing.T) {
	// A generic line that Detect would not know without its type.
	in := `{"device":"C1","time":"2025-09-30T14:02:11Z","type":"seen","x":` + strings.Repeat(`[`, 10) + strings.Repeat(`]`, 10) + "}\n"
	evs, problems, st, err := readString(t, in, FormatGeneric)
	if err != nil || len(problems) != 0 || len(evs) != 1 || st.Format != FormatGeneric {
		t.Fatalf("got %v %v %+v %v", evs, problems, st, err)
	}
}

func TestReadKeepsOrder(t *testing.T) {
	// Enough lines for many chunks on every decoding goroutine.
	var b strings.Builder
	const n = 50_000
	for i := range n {
		fmt.Fprintf(&b, `{"time":"2025-09-30T14:02:11Z","type":"seen","device":"D%d"}`+"\n", i)
		if i%997 == 0 {
			b.WriteString("not json\n")
		}
	}
	evs, problems, st, err := readString(t, b.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n || st.Events != n {
		t.Fatalf("read %d events (stats %d), want %d", len(evs), st.Events, n)
	}
	for i, e := range evs {
		if want := fmt.Sprintf("D%d", i); e.Device != want {
			t.Fatalf("event %d is %s, want %s: order lost", i, e.Device, want)
		}
		if i > 0 && e.Line <= evs[i-1].Line {
			t.Fatalf("event %d on line %d after line %d", i, e.Line, evs[i-1].Line)
		}
	}
	for i, p := range problems {
		if i > 0 && p.Line <= problems[i-1].Line {
			t.Fatalf("problem %d on line %d after line %d", i, p.Line, problems[i-1].Line)
		}
	}
	if want := n/997 + 1; len(problems) != want || st.Problems != want {
		t.Errorf("%d problems (stats %d), want %d", len(problems), st.Problems, want)
	}
	if st.Lines != n+len(problems) {
		t.Errorf("lines = %d, want %d", st.Lines, n+len(problems))
	}
}

func TestReadLongLine(t *testing.T) {
	long := `{"time":"2025-09-30T14:02:11Z","type":"seen","device":"` + strings.Repeat("x", MaxLineBytes) + `"}`
	ok := `{"time":"2025-09-30T14:02:11Z","type":"seen","device":"C1"}`
	for _, tt := range []struct {
		name, in string
	}{
		{"in JSON Lines", ok + "\n" + long + "\n" + ok + "\n"},
		{"at the end of JSON Lines", ok + "\n" + ok + "\n" + long},
	} {
		t.Run(tt.name, func(t *testing.T) {
			evs, problems, _, err := readString(t, tt.in, FormatGeneric)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 2 {
				t.Errorf("%d events, want the 2 short lines", len(evs))
			}
			if len(problems) != 1 || !strings.Contains(problems[0].Err, "longer than") || problems[0].Line < 2 {
				t.Errorf("problems = %v, want one line too long", problems)
			}
		})
	}
	t.Run("in a JSON array", func(t *testing.T) {
		el := `{"eventType":"user.session.start","published":"2025-09-30T14:02:11Z","actor":{"alternateId":"a@example.com"}}`
		big := `{"eventType":"user.session.start","published":"2025-09-30T14:02:11Z","displayMessage":"` + strings.Repeat("y", MaxLineBytes) + `"}`
		evs, problems, _, err := readString(t, "[\n"+el+",\n"+big+",\n"+el+"\n]", FormatOkta)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || len(problems) != 1 || problems[0].Line != 3 {
			t.Errorf("events %d, problems %v; want 2 events and element 3 too long", len(evs), problems)
		}
	})
	t.Run("in a CSV record", func(t *testing.T) {
		in := "Computer Name,Serial Number,Last Check-in\nA,C1,2025-09-30 10:00:00\nB,\"" + strings.Repeat("z", MaxLineBytes) + "\",2025-09-30 10:00:00\nC,C3,2025-09-30 10:00:00\n"
		evs, problems, _, err := readString(t, in, FormatJamf)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 4 || len(problems) != 1 || problems[0].Line != 3 {
			t.Errorf("events %d, problems %v; want 4 events and record 3 too long", len(evs), problems)
		}
	})
}

func TestReadMaxProblems(t *testing.T) {
	in := strings.Repeat("garbage\n", 10)
	var n int
	st, err := Read(context.Background(), strings.NewReader(in), "in", Options{Format: FormatGeneric, MaxProblems: 3, Problem: func(Problem) { n++ }},
		func([]Event) error { return nil })
	if !errors.Is(err, ErrTooManyProblems) {
		t.Fatalf("err = %v, want ErrTooManyProblems", err)
	}
	if n != 3 || st.Problems != 3 {
		t.Errorf("reported %d problems (stats %d), want 3", n, st.Problems)
	}

	// The default limit.
	in = strings.Repeat("garbage\n", DefaultMaxProblems+10)
	st, err = Read(context.Background(), strings.NewReader(in), "in", Options{Format: FormatGeneric}, func([]Event) error { return nil })
	if !errors.Is(err, ErrTooManyProblems) || st.Problems != DefaultMaxProblems {
		t.Errorf("default limit: err %v after %d problems, want ErrTooManyProblems after %d", err, st.Problems, DefaultMaxProblems)
	}
}

func TestReadEmitError(t *testing.T) {
	stop := errors.New("stop")
	var b strings.Builder
	for range 100_000 {
		b.WriteString(`{"time":"2025-09-30T14:02:11Z","type":"seen","device":"C1"}` + "\n")
	}
	calls := 0
	st, err := Read(context.Background(), strings.NewReader(b.String()), "in", Options{}, func([]Event) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want emit's error", err)
	}
	if calls != 1 || st.Events != 0 {
		t.Errorf("emit called %d times, %d events counted; want 1 call and none counted", calls, st.Events)
	}
	for _, in := range []string{"testdata/jamf_computers.csv"} {
		_, err := ReadFile(context.Background(), in, Options{}, func([]Event) error { return stop })
		if !errors.Is(err, stop) {
			t.Errorf("%s: err = %v, want emit's error", in, err)
		}
	}
}

func TestReadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, path := range []string{"testdata/generic.jsonl", "testdata/intune_devices.csv"} {
		_, err := ReadFile(ctx, path, Options{}, func([]Event) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", path, err)
		}
	}

	// Cancelled while reading.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var b strings.Builder
	for range 100_000 {
		b.WriteString(`{"time":"2025-09-30T14:02:11Z","type":"seen","device":"C1"}` + "\n")
	}
	st, err := Read(ctx, strings.NewReader(b.String()), "in", Options{}, func([]Event) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if st.Events >= 100_000 {
		t.Errorf("read all %d events after the cancel", st.Events)
	}
}

func TestReadFileErrors(t *testing.T) {
	_, err := ReadFile(context.Background(), "testdata/no-such-file.jsonl", Options{}, func([]Event) error { return nil })
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not exist", err)
	}
}

// TestEmitReusesBatch checks that a caller copying events keeps details
// that later batches do not overwrite.
func TestEmitBatchesCopyable(t *testing.T) {
	var b strings.Builder
	for i := range 20_000 {
		fmt.Fprintf(&b, `{"time":"2025-09-30T14:02:11Z","type":"usb","device":"D%d","usb":{"vendor_id":"%04x","product_id":"0104"}}`+"\n", i, i%0xffff)
	}
	evs, _, _, err := readString(t, b.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range evs {
		if e.USBDevice == nil || int(e.USBDevice.VendorID) != i%0xffff || e.Device != fmt.Sprintf("D%d", i) {
			t.Fatalf("event %d = %+v %+v: overwritten after emit", i, e, e.USBDevice)
		}
	}
}
