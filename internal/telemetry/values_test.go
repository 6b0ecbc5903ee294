package telemetry

import (
	"bufio"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseRFC3339(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC; "" = not a time
	}{
		{"2025-09-30T17:37:30Z", "2025-09-30T17:37:30Z"},
		{"2025-09-30T17:37:30.482Z", "2025-09-30T17:37:30.482Z"},
		{"2025-07-01T09:00:00.1234567Z", "2025-07-01T09:00:00.1234567Z"},
		{"2025-09-30T19:37:30+02:00", "2025-09-30T17:37:30Z"},
		{"2025-09-30T12:37:30.5-05:00", "2025-09-30T17:37:30.5Z"},
		{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"2025-02-29T00:00:00Z", ""},
		{"2025-13-01T00:00:00Z", ""},
		{"2025-09-30T24:00:00Z", ""},
		{"2025-09-30 17:37:30Z", ""},
		{"2025-09-30T17:37:30", ""},
		{"2025-09-30T17:37:30.Z", ""},
		{"yesterday", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := parseRFC3339([]byte(tt.in))
		switch {
		case tt.want == "" && ok:
			t.Errorf("parseRFC3339(%q) = %v, want an error", tt.in, got)
		case tt.want != "" && (!ok || !got.Equal(ts(tt.want)) || got.Location() != time.UTC):
			t.Errorf("parseRFC3339(%q) = %v, %v; want %s in UTC", tt.in, got, ok, tt.want)
		}
	}
}

// FuzzRFC3339 holds the fast path to time.Parse.
func FuzzRFC3339(f *testing.F) {
	for _, s := range []string{"2025-09-30T17:37:30Z", "2025-09-30T17:37:30.123456789Z", "2000-02-29T23:59:59Z", "1900-02-29T00:00:00Z", "2025-09-31T00:00:00Z", "0000-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := fastRFC3339([]byte(s))
		if !ok {
			return
		}
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("fast path reads %q as %v; time.Parse: %v", s, got, err)
		}
		if !got.Equal(want) {
			t.Fatalf("fast path reads %q as %v; time.Parse as %v", s, got, want)
		}
	})
}

func TestParseLooseTime(t *testing.T) {
	tests := []struct {
		in    string
		want  string
		never bool
	}{
		{in: "2025-09-30T17:40:02.120Z", want: "2025-09-30T17:40:02.12Z"},
		{in: "2025-09-30 17:40:02", want: "2025-09-30T17:40:02Z"},
		{in: "2025-06-02 15:04:11.0000000", want: "2025-06-02T15:04:11Z"},
		{in: "2025-06-02T15:04:11", want: "2025-06-02T15:04:11Z"},
		{in: "2025-04-14", want: "2025-04-14T00:00:00Z"},
		{in: "9/30/2025 5:35:00 PM", want: "2025-09-30T17:35:00Z"},
		{in: "09/30/2025 17:35", want: "2025-09-30T17:35:00Z"},
		{in: "2025-09-30 at 5:35 PM", want: "2025-09-30T17:35:00Z"},
		{in: "Tue Sep 30 17:37:30 2025 UTC", want: "2025-09-30T17:37:30Z"},
		{in: "0001-01-01T00:00:00Z", never: true},
		{in: "1970-01-01 00:00:00", never: true},
		{in: "31/12/2025 10:00"},
		{in: "soon"},
	}
	for _, tt := range tests {
		got, never, ok := parseLooseTime([]byte(tt.in))
		switch {
		case tt.never:
			if !ok || !never {
				t.Errorf("parseLooseTime(%q) = %v never=%v ok=%v, want never", tt.in, got, never, ok)
			}
		case tt.want == "":
			if ok {
				t.Errorf("parseLooseTime(%q) = %v, want an error", tt.in, got)
			}
		default:
			if !ok || never || !got.Equal(ts(tt.want)) {
				t.Errorf("parseLooseTime(%q) = %v never=%v ok=%v, want %s", tt.in, got, never, ok, tt.want)
			}
		}
	}
}

func TestParseIP(t *testing.T) {
	tests := []struct {
		in, want string // want "" = refused
	}{
		{"198.51.100.23", "198.51.100.23"},
		{"0.0.0.0", "0.0.0.0"},
		{"255.255.255.255", "255.255.255.255"},
		{"2001:db8::1", "2001:db8::1"},
		{"::ffff:198.51.100.4", "198.51.100.4"},
		{"256.1.1.1", ""},
		{"1.2.3", ""},
		{"1.2.3.4.", ""},
		{"01.2.3.4", ""},
		{"1..3.4", ""},
		{"fe80::1%eth0", ""},
		{"example.com", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, bad := parseIP([]byte(tt.in))
		if tt.want == "" {
			if bad == "" {
				t.Errorf("parseIP(%q) = %v, want refused", tt.in, got)
			}
			continue
		}
		if bad != "" || got != netip.MustParseAddr(tt.want) {
			t.Errorf("parseIP(%q) = %v %q, want %s", tt.in, got, bad, tt.want)
		}
	}
}

func TestIsPublic(t *testing.T) {
	for in, want := range map[string]bool{
		"198.51.100.23": true, "8.8.8.8": true, "2001:4860::8888": true,
		"10.0.0.5": false, "192.168.1.20": false, "172.16.0.1": false, "100.64.1.2": false,
		"127.0.0.1": false, "169.254.1.1": false, "fe80::1": false, "fd00::1": false, "0.0.0.0": false,
	} {
		if got := isPublic(netip.MustParseAddr(in)); got != want {
			t.Errorf("isPublic(%s) = %v, want %v", in, got, want)
		}
	}
}

func TestParseHex16(t *testing.T) {
	tests := []struct {
		in   string
		want uint16
		ok   bool
	}{
		{"1d6b", 0x1d6b, true}, {"1D6B", 0x1d6b, true}, {"0x1d6b", 0x1d6b, true}, {"0104", 0x104, true},
		{"610", 0x610, true}, {"", 0, true}, {"ffff", 0xffff, true},
		{"10000", 0, false}, {"0x", 0, false}, {"1d6g", 0, false}, {"-1", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseHex16([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseHex16(%q) = %#x, %v; want %#x, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPnpID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"31d8", "LNX"}, {"610", "APP"}, {"10ac", "DEL"}, {"4c2d", "SAM"}, {"LNX", "LNX"},
		{"0", ""}, {"ffff", ""}, {"", ""}, {"zz", ""},
	}
	for _, tt := range tests {
		got, ok := pnpID([]byte(tt.in))
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("pnpID(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestSSIDOctets(t *testing.T) {
	tests := []struct{ in, want string }{
		{"486f6d65 4e65742d 3547", "HomeNet-5G"},
		{"4f6666696365", "Office"},
		{"Cafe WiFi", "Cafe WiFi"}, // not hexadecimal
		{"cafe", "cafe"},           // hexadecimal, but not text
		{"00010203", "00010203"},   // control characters
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(ssidOctets([]byte(tt.in))); got != tt.want {
			t.Errorf("ssidOctets(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOsqueryTable(t *testing.T) {
	tests := []struct {
		name string
		want int
	}{
		{"usb_devices", tabUSB},
		{"pack_farm_usb_devices", tabUSB},
		{"pack/farm/usb_devices", tabUSB},
		{"pack:farm:connected_displays", tabDisplays},
		{"usb_devices_snapshot", tabUSB},
		{"pack_it_wifi_status", tabWiFi},
		{"windows_programs", tabPrograms},
		{"pack_farm_apps", tabApps},
		{"processes", tabProcesses},
		{"myusb_devices", tabNone},
		{"pack_farm_usb_devicesx", tabNone},
		{"pack_happs", tabNone},
		{"osquery_info", tabNone},
		{"", tabNone},
	}
	for _, tt := range tests {
		if got := osqueryTable([]byte(tt.name)); got != tt.want {
			t.Errorf("osqueryTable(%q) = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestParseFloat(t *testing.T) {
	for _, in := range []string{"39.9612", "-82.9988", "0", "-0", "90", "180.000000000001", "1234567890.12345", "1e3", "-1.5E-2", "0.1", "52.374", "123456789012345678"} {
		got, ok := parseFloat([]byte(in))
		want, err := strconv.ParseFloat(in, 64)
		if !ok || err != nil || got != want {
			t.Errorf("parseFloat(%q) = %v, %v; strconv: %v, %v", in, got, ok, want, err)
		}
	}
}

// FuzzParseFloat holds the fast path to strconv on what JSON calls numbers.
func FuzzParseFloat(f *testing.F) {
	f.Add("39.9612")
	f.Add("-0.000000000000001")
	f.Fuzz(func(t *testing.T, in string) {
		var s scan
		s.reset([]byte(in))
		num := s.number()
		s.end()
		if s.failed || num == nil {
			return
		}
		got, ok := parseFloat(num)
		want, err := strconv.ParseFloat(in, 64)
		if err != nil {
			return // out of range
		}
		if !ok || got != want {
			t.Fatalf("parseFloat(%q) = %v, %v; strconv: %v", in, got, ok, want)
		}
	})
}

func TestInterner(t *testing.T) {
	var in interner
	a := in.str([]byte("C02FARM001"))
	b := in.str([]byte("C02FARM001"))
	if a != "C02FARM001" || b != a {
		t.Fatalf("str = %q, %q", a, b)
	}
	if in.str(nil) != "" {
		t.Error("empty is not empty")
	}
	long := strings.Repeat("x", maxInternedLen+1)
	if in.str([]byte(long)) != long {
		t.Error("long value changed")
	}
	// Many values: each still comes back as itself.
	for i := range 100_000 {
		v := strconv.Itoa(i)
		if got := in.str([]byte(v)); got != v {
			t.Fatalf("str(%q) = %q", v, got)
		}
	}
	for in2, want := range map[string]string{"United States": "US", "Netherlands": "NL", "US": "US", "usa": "US", "Atlantis": "Atlantis", " Atlantis ": "Atlantis"} {
		got, known := in.country([]byte(in2))
		if got != want || known != (want != "Atlantis") {
			t.Errorf("country(%q) = %q, %v; want %q", in2, got, known, want)
		}
	}
}

func TestCSVReader(t *testing.T) {
	in := "a,b,c\r\n" +
		"1,\"two, quoted\",3\r\n" +
		"\r\n" +
		"\"multi\r\nline\",\"with \"\"quotes\"\"\",\n" +
		"bare \"quote\" inside,\"x\"tail,\n" +
		"short\n" +
		"last,no,newline"
	cr := &csvReader{r: bufio.NewReader(strings.NewReader(in)), delim: ','}
	type rec struct {
		Line   int
		Fields []string
	}
	var got []rec
	for {
		fields, line, bad, err := cr.next()
		if err != nil {
			break
		}
		if bad != "" {
			t.Fatalf("line %d: %s", line, bad)
		}
		var fs []string
		for _, f := range fields {
			fs = append(fs, string(f))
		}
		got = append(got, rec{line, fs})
	}
	want := []rec{
		{1, []string{"a", "b", "c"}},
		{2, []string{"1", "two, quoted", "3"}},
		{4, []string{"multi\nline", `with "quotes"`, ""}},
		{6, []string{`bare "quote" inside`, "xtail", ""}},
		{7, []string{"short"}},
		{8, []string{"last", "no", "newline"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestCSVDelimiter(t *testing.T) {
	for in, want := range map[string]byte{
		"a,b,c\n":            ',',
		"a;b;c\n":            ';',
		"a\tb\tc\n":          '\t',
		"Name, Inc.;b;c\n":   ';',
		"one column\n":       ',',
		"a,b\nx;y;z;w;v;u\n": ',',
	} {
		if got := csvDelimiter([]byte(in)); got != want {
			t.Errorf("csvDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFoldColumn(t *testing.T) {
	for in, want := range map[string]string{"Last Check-in": "lastcheckin", "Serial_Number": "serialnumber", " IP Address ": "ipaddress", "Primary user UPN": "primaryuserupn"} {
		if got := foldColumn([]byte(in)); got != want {
			t.Errorf("foldColumn(%q) = %q, want %q", in, got, want)
		}
	}
}
