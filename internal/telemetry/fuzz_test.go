package telemetry

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkRead reads data as format ("" = detect) and checks what any input
// must give: no panic, problems and events that name the file and a line
// of it, events with a time in UTC, a known type and the detail its type
// carries, and an error only for what stops a read.
func checkRead(t *testing.T, data []byte, format string) {
	t.Helper()
	lines := bytes.Count(data, []byte{'\n'}) + 1
	plain := !bytes.HasPrefix(data, []byte{0x1f, 0x8b})
	st, err := Read(context.Background(), bytes.NewReader(data), "fuzz", Options{
		Format:      format,
		MaxProblems: -1,
		Problem: func(p Problem) {
			if p.File != "fuzz" || p.Line < 1 || p.Err == "" || (plain && p.Line > lines) {
				t.Fatalf("problem %#v: want file fuzz, a line in 1..%d and a reason", p, lines)
			}
		},
	}, func(evs []Event) error {
		for _, e := range evs {
			checkEvent(t, e, format, lines, plain)
		}
		return nil
	})
	if err != nil {
		if !strings.HasPrefix(err.Error(), "fuzz") {
			t.Fatalf("error %q does not name the file", err)
		}
		if plain && format != "" && !errors.Is(err, ErrUnknownFormat) && !strings.Contains(err.Error(), "needs a") && !strings.Contains(err.Error(), "header") {
			t.Fatalf("reading %s stopped: %v", format, err)
		}
	}
	if st.Events < 0 || st.Problems < 0 || st.Lines < 0 {
		t.Fatalf("stats %+v", st)
	}
}

func checkEvent(t *testing.T, e Event, format string, lines int, plain bool) {
	t.Helper()
	if e.File != "fuzz" || e.Line < 1 || (plain && e.Line > lines) {
		t.Fatalf("event at %s:%d, want fuzz:1..%d", e.File, e.Line, lines)
	}
	if e.Time.IsZero() || e.Time.Location() != time.UTC {
		t.Fatalf("event time %v, want a time in UTC", e.Time)
	}
	if !slices.Contains(Types, e.Type) || !slices.Contains(Formats, e.Source) || (format != "" && e.Source != format) {
		t.Fatalf("event type %q from %q", e.Type, e.Source)
	}
	details := map[string]bool{
		SignIn: e.SignInInfo != nil, USB: e.USBDevice != nil, Display: e.DisplayDev != nil,
		Program: e.ProgramApp != nil, WiFi: e.Network != nil, Shipment: e.ShipTo != nil,
	}
	for typ, set := range details {
		if set && typ != e.Type {
			t.Fatalf("a %s event carries %s details", e.Type, typ)
		}
	}
	if e.Type != Seen && e.Type != Enrollment && !details[e.Type] {
		t.Fatalf("a %s event without its details", e.Type)
	}
	if e.IP.IsValid() && e.IP.Zone() != "" {
		t.Fatalf("address with a zone: %v", e.IP)
	}
	if e.Location.HasCoords && (e.Location.Lat < -90 || e.Location.Lat > 90 || e.Location.Lon < -180 || e.Location.Lon > 180) {
		t.Fatalf("coordinates %v", e.Location)
	}
}

// addSeeds seeds a fuzz target with the fixtures cut small — each line
// alone and the first lines together — since the fuzzer minimises every
// input it finds interesting, and a large one takes it the whole run.
func addSeeds(f *testing.F, paths []string, extra ...string) {
	f.Helper()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		lines := bytes.SplitAfter(b, []byte{'\n'})
		for _, l := range lines {
			if len(l) > 1 && len(l) <= 2048 {
				f.Add(l)
			}
		}
		head := bytes.Join(lines[:min(3, len(lines))], nil)
		if len(head) <= 4096 {
			f.Add(head)
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

func FuzzOkta(f *testing.F) {
	addSeeds(f, []string{"testdata/okta_logs.jsonl"},
		"[\n"+`{"eventType":"user.session.start","published":"2025-09-30T14:02:11Z","actor":{"alternateId":"a@example.com"},"client":{"ipAddress":"198.51.100.23","geographicalContext":{"country":"United States","geolocation":{"lat":39.9,"lon":-82.9}}},"securityContext":{"asNumber":7922,"isProxy":true},"debugContext":{"debugData":{"dtHash":"abc"}}}`+",\n{}\n]",
		`[{"eventType":"user.session.start","published":"2025-09-30T14:02:11Z","client":{"ipAddress":12}}]`,
		`{"eventType":"user.authentication.sso","published":"2025-09-30T14:02:11Z","client":{"geographicalContext":{"geolocation":{"lat":91,"lon":0}}}}`,
		"[\n{\"eventType\":\"user.session.start\"}\n{}]",
	)
	f.Fuzz(func(t *testing.T, b []byte) { checkRead(t, b, FormatOkta) })
}

func FuzzOsquery(f *testing.F) {
	addSeeds(f, []string{"testdata/osqueryd.results.log"},
		`{"name":"usb_devices","hostIdentifier":"h","unixTime":"x","snapshot":[{"vendor_id":"zz"}]}`,
		`{"name":"q","hostIdentifier":"h","calendarTime":"Tue Sep 30 17:37:30 2025 UTC","diffResults":{"added":[{"display_id":"1","product_id":"g"}]}}`,
	)
	f.Fuzz(func(t *testing.T, b []byte) { checkRead(t, b, FormatOsquery) })
}

func FuzzJamfCSV(f *testing.F) {
	addSeeds(f, []string{"testdata/jamf_computers.csv"},
		"Computer Name\tSerial Number\tLast Check-in\nA\t\"C1\t2025-09-30\n",
		"Serial Number;Last Inventory Update;IP Address\nC1;2025-09-30 10:00:00;not-an-ip\n",
	)
	f.Fuzz(func(t *testing.T, b []byte) { checkRead(t, b, FormatJamf) })
}

func FuzzIntuneCSV(f *testing.F) {
	addSeeds(f, []string{"testdata/intune_devices.csv"},
		"Device name,Serial number,Last check-in,Enrollment date\nPC1,S1,0001-01-01 00:00:00,\n",
	)
	f.Fuzz(func(t *testing.T, b []byte) { checkRead(t, b, FormatIntune) })
}

func FuzzGeneric(f *testing.F) {
	addSeeds(f, []string{"testdata/generic.jsonl"},
		`{"time":"2025-09-30T14:02:11Z","type":"usb","usb":{"vendor_id":"1d6b","product_id":"0104","interfaces":["03/01/01",null]}}`,
		`{"time":"2025-09-30T14:02:11Z","type":"seen","location":{"lat":1e400,"lon":0}}`,
		`{"time":"2025-09-30T14:02:11Z","type":"signin","signin":{"asn":99999999999}}`,
	)
	f.Fuzz(func(t *testing.T, b []byte) { checkRead(t, b, FormatGeneric) })
}

// FuzzRead detects the format of any input, and reads the API exports of
// Jamf Pro and Intune.
func FuzzRead(f *testing.F) {
	addSeeds(f, []string{
		"testdata/okta_logs.jsonl", "testdata/osqueryd.results.log", "testdata/jamf_computers.csv",
		"testdata/intune_devices.csv", "testdata/generic.jsonl",
	}, `{"totalCount":1,"results":[{"general":{"lastContactTime":"2025-09-30T10:00:00Z"},"hardware":{"serialNumber":"C1"}}`,
		`{"value":[{"deviceName":"d","lastSyncDateTime":"2025-09-30T10:00:00Z"}],"@odata.nextLink":"x"}{"value":[]}`,
		`{"@odata.context":"x","value":[{"id":"1","deviceName":"PC","serialNumber":"S","emailAddress":"a@example.com","lastSyncDateTime":"0001-01-01T00:00:00Z","enrolledDateTime":"2025-06-02T15:04:11Z"}]}`,
		`{"totalCount":1,"results":[{"general":{"name":"A","lastIpAddress":"198.51.100.23","lastReportedIp":"10.0.0.1","lastContactTime":"2025-09-30T10:00:00Z","lastEnrolledDate":null,"initialEntryDate":"2025-01-01"},"hardware":{"serialNumber":"C1"},"userAndLocation":{"username":"a","email":null}}]}`,
		`{"id":"1","general":{"name":"A","reportDate":"2025-09-30T10:00:00Z"},"hardware":{"serialNumber":"C1"}}`+"\n"+`{"general":{}}`)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRead(t, b, "")
		switch Detect(b) {
		case "":
		case FormatJamf, FormatIntune:
			for _, format := range []string{FormatJamf, FormatIntune} {
				checkRead(t, b, format)
			}
		}
	})
}
