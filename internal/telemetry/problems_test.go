package telemetry

import (
	"strings"
	"testing"
)

// wantProblem is a problem a bad line must give: where, and a part of why.
type wantProblem struct {
	line   int
	field  string
	reason string
}

// badInput is an input with bad lines among good ones: every bad line is
// a problem naming file, line and field, and the good lines still read.
type badInput struct {
	name     string
	format   string
	in       string
	problems []wantProblem
	devices  []string // Device (or User when there is none) of the events read, in order
}

func checkBadInput(t *testing.T, tt badInput) {
	t.Helper()
	evs, problems, st, err := readString(t, tt.in, tt.format)
	if err != nil {
		t.Fatalf("Read: %v (a bad line must not stop the read)", err)
	}
	if len(problems) != len(tt.problems) {
		t.Errorf("%d problems, want %d:", len(problems), len(tt.problems))
		for _, p := range problems {
			t.Errorf("  %v", p)
		}
	}
	for i := range min(len(problems), len(tt.problems)) {
		got, want := problems[i], tt.problems[i]
		if got.File != "in" || got.Line != want.line || got.Field != want.field || !strings.Contains(got.Err, want.reason) {
			t.Errorf("problem %d = %v\n  want in:%d: %s: …%s…", i, got, want.line, want.field, want.reason)
		}
	}
	var devices []string
	for _, e := range evs {
		d := e.Device
		if d == "" {
			d = e.User
		}
		devices = append(devices, d)
	}
	if strings.Join(devices, " ") != strings.Join(tt.devices, " ") {
		t.Errorf("events for %q, want %q", devices, tt.devices)
	}
	if st.Problems != len(problems) || st.Events != len(evs) {
		t.Errorf("stats %+v disagree with %d events and %d problems", st, len(evs), len(problems))
	}
}

func TestGenericProblems(t *testing.T) {
	const tm = `"time":"2025-09-30T14:02:11Z"`
	lines := []string{
		`{` + tm + `,"type":"seen","device":"A"}`,
		`{` + tm + `,"type":"seen","device":"B"`,
		`{` + tm + `,"type":"seen","device":"C","ip":"999.1.1.1"}`,
		`{"time":"yesterday","type":"seen","device":"D"}`,
		`{` + tm + `,"type":"teleport","device":"E"}`,
		`{` + tm + `,"type":"usb","device":"F","usb":{"vendor_id":7531}}`,
		`{` + tm + `,"type":"usb","device":"G","usb":{"vendor_id":"xyz1","product_id":"0104"}}`,
		`{` + tm + `,"type":"usb","device":"H"}`,
		`{` + tm + `,"type":"seen","device":"I","location":{"lat":91,"lon":0}}`,
		`{` + tm + `,"type":"seen","device":"J"} trailing`,
		`[1,2,3]`,
		`{` + tm + `,"type":"seen","device":"K","extra":{"a":[1,2,}}`,
		`{"type":"seen","device":"L"}`,
		`{` + tm + `,"device":"M"}`,
		`{` + tm + `,"type":"program","device":"N","usb":{"vendor_id":"1d6b"},"program":{"name":"x"}}`,
		`{` + tm + `,"type":"seen","device":"O","location":{"lat":10}}`,
		`{` + tm + `,"type":"signin","user":"P","signin":{"asn":"AS7922"}}`,
		`{` + tm + `,"type":"seen","device":"Q","ip":"fe80::1%eth0"}`,
		`{` + tm + `,"type":"seen","device":"R\u00"}`,
		`{` + tm + `,"type":"seen","device":"S","user":"\u00e9l\u00e8ve"}`,
		"{" + tm + ",\"type\":\"seen\",\"device\":\"T\tU\"}",
		`{` + tm + `,"type":"seen","device":"Z"}`,
	}
	checkBadInput(t, badInput{
		format: "",
		in:     strings.Join(lines, "\n") + "\n",
		problems: []wantProblem{
			{2, "", "unexpected end of input"},
			{3, "ip", "not an IP address"},
			{4, "time", "want an RFC 3339 time"},
			{5, "type", `unknown event type "teleport"`},
			{6, "usb.vendor_id", "want a string, got a number"},
			{7, "usb.vendor_id", "hexadecimal"},
			{8, "usb", "missing"},
			{9, "location.lat", "between -90 and 90"},
			{10, "", "after the value"},
			{11, "", "want an object, got an array"},
			{12, "extra", "invalid JSON"},
			{13, "time", "missing"},
			{14, "type", "missing"},
			{15, "usb", "belongs to usb events"},
			{16, "location.lon", "missing"},
			{17, "signin.asn", "AS number"},
			{18, "ip", "zone"},
			{19, "device", "escape"},
			{21, "device", "in a string"},
		},
		devices: []string{"A", "S", "Z"},
	})
}

func TestOktaProblems(t *testing.T) {
	ok := func(user string) string {
		return `{"eventType":"user.session.start","published":"2025-09-30T14:02:11.482Z","actor":{"alternateId":"` + user + `"},"client":{"ipAddress":"198.51.100.23"}}`
	}
	t.Run("JSON Lines", func(t *testing.T) {
		lines := []string{
			ok("a@example.com"),
			`{"eventType":"user.session.start","published":"2025-09-30T14:02:11.482Z","client":{"ipAddress":"198.51.100.300"}}`,
			`{"eventType":"user.session.start","published":"30/09/2025","actor":{"alternateId":"c@example.com"}}`,
			`{"eventType":"user.session.start","published":"2025-09-30T14:02:11Z","securityContext":{"asNumber":"7922"}}`,
			`{"published":"2025-09-30T14:02:11Z","actor":{"alternateId":"e@example.com"}}`,
			`{"eventType":"user.session.start","published":"2025-09-30T14:02:11Z","client":{"geographicalContext":{"geolocation":{"lat":"north"}}}}`,
			`{"eventType":"user.session.start","published":"2025-09-30T14:02:11Z","securityContext":{"isProxy":"yes"}}`,
			`{"eventType":"user.session.start","published":"2025-09-30T14:02`,
			`{"eventType":"system.org.rate_limit.warning","published":"not a time at all"}`,
			ok("z@example.com"),
		}
		checkBadInput(t, badInput{
			format: FormatOkta,
			in:     strings.Join(lines, "\n"),
			problems: []wantProblem{
				{2, "client.ipAddress", "not an IP address"},
				{3, "published", "RFC 3339"},
				{4, "securityContext.asNumber", "want a number, got a string"},
				{5, "eventType", "missing"},
				{6, "client.geographicalContext.geolocation.lat", "want a number"},
				{7, "securityContext.isProxy", "want a boolean"},
				{8, "published", "in a string"},
			},
			devices: []string{"a@example.com", "z@example.com"},
		})
	})
	t.Run("array with a bad element", func(t *testing.T) {
		in := "[\n" + ok("a@example.com") + ",\n" +
			`{"eventType":"user.session.start","published":"2025-09-30T14:02:11Z","client":{"ipAddress":12}},` + "\n" +
			`  {"eventType":"user.session.start","published":"2025-09-30T14:02:11Z","client":{"ipAddress":"x"` + "\n" + ` "more":1}}` + "\n" +
			"," + ok("b@example.com") + "\n]\n"
		checkBadInput(t, badInput{
			format: FormatOkta,
			in:     in,
			problems: []wantProblem{
				{3, "client.ipAddress", "want a string, got a number"},
				{4, "", "want ',' or the end"},
			},
			devices: []string{"a@example.com", "b@example.com"},
		})
	})
	t.Run("array cut off", func(t *testing.T) {
		in := "[\n" + ok("a@example.com") + ",\n" + ok("b@example.com") + ",\n" + `{"eventType":"user.session.start","published":"2025-09-`
		checkBadInput(t, badInput{
			format:   FormatOkta,
			in:       in,
			problems: []wantProblem{{4, "", "ends inside"}},
			devices:  []string{"a@example.com", "b@example.com"},
		})
	})
	t.Run("array with a missing comma", func(t *testing.T) {
		in := "[\n" + ok("a@example.com") + "\n" + ok("b@example.com") + "\n]"
		checkBadInput(t, badInput{
			format:   FormatOkta,
			in:       in,
			problems: []wantProblem{{3, "", "want ',' or ']'"}},
			devices:  []string{"a@example.com"},
		})
	})
	t.Run("pages one after another", func(t *testing.T) {
		in := "[" + ok("a@example.com") + "]\n[" + ok("b@example.com") + "," + ok("c@example.com") + "]\n[]\n"
		checkBadInput(t, badInput{format: FormatOkta, in: in, devices: []string{"a@example.com", "b@example.com", "c@example.com"}})
	})
}

func TestOsqueryProblems(t *testing.T) {
	const head = `"name":"pack_farm_usb_devices","hostIdentifier":"h1","calendarTime":"Tue Sep 30 17:37:30 2025 UTC","unixTime":1759253850`
	usb := func(serial, vid string) string {
		return `{"vendor":"PiKVM","vendor_id":"` + vid + `","model":"PiKVM Composite Device","model_id":"0104","serial":"` + serial + `"}`
	}
	lines := []string{
		`{` + head + `,"decorations":{"hardware_serial":"S1"},"columns":` + usb("a", "1d6b") + `,"action":"added"}`,
		`{` + head + `,"decorations":{"hardware_serial":"S2"},"diffResults":{"added":[` + usb("b", "1d6b") + `,` + usb("c", "PIKV") + `],"removed":[]}}`,
		`{"name":"usb_devices","hostIdentifier":"h3","unixTime":"soon","snapshot":[` + usb("d", "1d6b") + `]}`,
		`{"name":"usb_devices","unixTime":1759253850,"snapshot":[` + usb("e", "1d6b") + `]}`,
		`{"name":"usb_devices","hostIdentifier":"h5","snapshot":[` + usb("f", "1d6b") + `]}`,
		`{"name":"usb_devices","hostIdentifier":"h6","calendarTime":"30 Sep 2025","snapshot":[` + usb("g", "1d6b") + `]}`,
		`{` + head + `,"columns":{"vendor_id":["1d6b"]},"action":"added"}`,
		`{` + head + `,"columns":` + usb("h", "1d6b"),
		`{"name":"pack_farm_connected_displays","hostIdentifier":"h9","unixTime":1759253850,"snapshot":[{"name":"PiKVM V3","vendor_id":"31d8","product_id":"zz"}]}`,
		// Tables that say nothing about farms, and removals, are no problem.
		`{"name":"pack_it_osquery_info","hostIdentifier":"h10","unixTime":1759253850,"snapshot":[{"version":"5.14.1"}]}`,
		`{` + head + `,"columns":` + usb("x", "zzzz") + `,"action":"removed"}`,
		`{"name":"usb_devices_count","hostIdentifier":"h12","unixTime":1759253850,"snapshot":[{"count(*)":"3"}]}`,
		`{"name":"usb","hostIdentifier":"h13","unixTime":1759253850,"decorations":{"table":"usb_devices"},"snapshot":[` + usb("m", "1d6b") + `]}`,
		`{"name":"q","hostIdentifier":"h14","unixTime":1759253850,"snapshot":[` + usb("n", "1d6b") + `]}`,
		`{` + head + `,"decorations":{"hardware_serial":"S15"},"columns":` + usb("z", "1d6b") + `,"action":"added"}`,
	}
	checkBadInput(t, badInput{
		format: FormatOsquery,
		in:     strings.Join(lines, "\n") + "\n",
		problems: []wantProblem{
			{2, "diffResults.added[1].vendor_id", "hexadecimal"},
			{3, "unixTime", "seconds since 1970"},
			{4, "hostIdentifier", "missing"},
			{5, "unixTime", "missing"},
			{6, "calendarTime", "Tue Sep 30"},
			{7, "columns.vendor_id", "want a string or a number, got an array"},
			{8, "", "unexpected end of input"},
			{9, "snapshot[0].product_id", "hexadecimal"},
		},
		devices: []string{"S1", "S2", "h13", "h14", "S15"},
	})
}

func TestJamfProblems(t *testing.T) {
	t.Run("CSV", func(t *testing.T) {
		in := "Computer Name,Serial Number,Email Address,IP Address,Last Check-in,Last Enrollment\n" +
			"A,C1,a@example.com,198.51.100.1,2025-09-30 10:00:00,2025-01-01 09:00:00\n" +
			"B,C2,b@example.com,not-an-ip,2025-09-30 10:00:00,\n" +
			"C,C3,c@example.com,,yesterday,\n" +
			",,,,2025-09-30 10:00:00,\n" +
			"E,C5,e@example.com,,,\n" +
			"F,C6,,,09/30/2025 10:00:00 AM,\n" +
			"G,\"C7\"x,,,2025-09-30 10:00:00,\n" +
			"H,C8,,,2025-09-30 10:00:00\n" +
			"I,\"C9\n"
		checkBadInput(t, badInput{
			format: FormatJamf,
			in:     in,
			problems: []wantProblem{
				{3, "IP Address", "not an IP address"},
				{4, "Last Check-in", "want a time"},
				{5, "Serial Number", "missing"},
				{6, "Last Check-in", "no check-in, inventory or enrollment time"},
				{10, "", "quoted field is not closed"},
			},
			devices: []string{"C1", "C1", "C6", "C6", "C7x", "C7x", "C8", "C8"},
		})
	})
	t.Run("CSV without the columns", func(t *testing.T) {
		_, _, _, err := readString(t, "Computer Name,Building\nA,HQ\n", FormatJamf)
		if err == nil || !strings.Contains(err.Error(), "in:1:") {
			t.Errorf("err = %v, want the missing column named at line 1", err)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		in := `{"totalCount":4,"results":[
{"general":{"name":"A","lastContactTime":"2025-09-30T10:00:00Z"},"hardware":{"serialNumber":"C1"}},
{"general":{"name":"B","lastContactTime":12},"hardware":{"serialNumber":"C2"}},
{"general":{"name":"C","lastContactTime":"2025-09-30T10:00:00Z","lastIpAddress":"::ffff:198.51.100.4"},"hardware":{"serialNumber":"C3"}},
{"general":{"name":"D","lastContactTime":"2025-09-30T10:00:00Z"},"hardware":{"serialNumber":"C4"},"userAndLocation":{"email":"d@example.com"}}
]}`
		checkBadInput(t, badInput{
			format:   FormatJamf,
			in:       in,
			problems: []wantProblem{{3, "general.lastContactTime", "want a string, got a number"}},
			devices:  []string{"C1", "C1", "C3", "C3", "C4", "C4"},
		})
	})
}

func TestIntuneProblems(t *testing.T) {
	t.Run("CSV", func(t *testing.T) {
		in := "Device name,Serial number,Primary user UPN,Last check-in,Enrollment date\n" +
			"PC1,S1,a@example.com,2025-09-30 17:35:00.0000000,2025-06-02 15:04:11.0000000\n" +
			"PC2,S2,b@example.com,31/12/2025 10:00,\n" +
			"PC3,,c@example.com,9/30/2025 5:35:00 PM,\n"
		checkBadInput(t, badInput{
			format:   FormatIntune,
			in:       in,
			problems: []wantProblem{{3, "Last check-in", "want a time"}},
			devices:  []string{"S1", "S1", "PC3", "PC3"},
		})
	})
	t.Run("JSON", func(t *testing.T) {
		in := `{"value":[{"deviceName":"PC1","serialNumber":"S1","lastSyncDateTime":"2025-09-30T17:35:00Z"},` + "\n" +
			`{"deviceName":"PC2","serialNumber":"S2","lastSyncDateTime":"2025-13-30T17:35:00Z"},` + "\n" +
			`{"deviceName":"PC3","serialNumber":"S3","lastSyncDateTime":"0001-01-01T00:00:00Z","enrolledDateTime":"0001-01-01T00:00:00Z"},` + "\n" +
			`{"deviceName":"PC4","serialNumber":"S4","enrolledDateTime":"2025-06-02T15:04:11Z"}]}`
		checkBadInput(t, badInput{
			format: FormatIntune,
			in:     in,
			problems: []wantProblem{
				{2, "lastSyncDateTime", "want a time"},
				{3, "lastSyncDateTime", "no check-in, inventory or enrollment time"},
			},
			devices: []string{"S1", "S1", "S4"},
		})
	})
}

func TestMDMSingleObjects(t *testing.T) {
	// GET /api/v1/computers-inventory/{id} returns one computer; saved one
	// after another they are JSON Lines.
	jamf := `{"id":"1","general":{"name":"A","lastContactTime":"2025-09-30T10:00:00Z"},"hardware":{"serialNumber":"C1"}}` + "\n" +
		`{"id":"2","general":{"name":"B","reportDate":"2025-09-30T10:00:00Z"},"hardware":{"serialNumber":"C2"},"userAndLocation":{"email":"b@example.com"}}` + "\n"
	checkBadInput(t, badInput{format: "", in: jamf, devices: []string{"C1", "C1", "C2", "C2"}})

	intune := "{\n  \"id\": \"9\",\n  \"deviceName\": \"PC9\",\n  \"serialNumber\": \"S9\",\n  \"lastSyncDateTime\": \"2025-09-30T10:00:00Z\"\n}\n" +
		`{"id":"8","deviceName":"PC8","serialNumber":"S8","lastSyncDateTime":12}`
	checkBadInput(t, badInput{
		format:   FormatIntune,
		in:       intune,
		problems: []wantProblem{{7, "lastSyncDateTime", "want a string"}},
		devices:  []string{"S9", "S9"},
	})
}
