package farm

import (
	"net/netip"

	"github.com/google/go-cmp/cmp"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/telemetry"
)

// addrs lets cmp compare netip.Addr, whose fields are unexported.
var addrs = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

// t0 is the fixtures' first day.
var t0 = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)

func at(day, hour int) time.Time {
	return t0.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour)
}

// Places of the fixtures.
var (
	nashville = telemetry.Location{City: "Nashville", Region: "TN", Country: "US", Lat: 36.163, Lon: -86.781, HasCoords: true}
	denver    = telemetry.Location{City: "Denver", Region: "CO", Country: "US", Lat: 39.739, Lon: -104.990, HasCoords: true}
	austin    = telemetry.Location{City: "Austin", Region: "TX", Country: "US", Lat: 30.267, Lon: -97.743, HasCoords: true}
	newYork   = telemetry.Location{City: "New York", Region: "NY", Country: "US", Lat: 40.713, Lon: -74.006, HasCoords: true}
	london    = telemetry.Location{City: "London", Region: "England", Country: "GB", Lat: 51.507, Lon: -0.128, HasCoords: true}
	shenyang  = telemetry.Location{City: "Shenyang", Region: "Liaoning", Country: "CN", Lat: 41.805, Lon: 123.431, HasCoords: true}
)

// fixture builds an event list, numbering lines as a file would.
type fixture struct {
	events []telemetry.Event
}

func (x *fixture) add(e telemetry.Event) *telemetry.Event {
	if e.File == "" {
		e.File = "fixture.jsonl"
	}
	e.Line = len(x.events) + 1
	x.events = append(x.events, e)
	return &x.events[len(x.events)-1]
}

func ip(s string) netip.Addr {
	if s == "" {
		return netip.Addr{}
	}
	return netip.MustParseAddr(s)
}

func (x *fixture) seen(t time.Time, user, dev, addr string, loc telemetry.Location) {
	x.add(telemetry.Event{Time: t, Source: "jamf", Type: telemetry.Seen, User: user, Device: dev, IP: ip(addr), Location: loc})
}

func (x *fixture) signIn(t time.Time, user, addr string, loc telemetry.Location) *telemetry.Event {
	return x.add(telemetry.Event{Time: t, Source: "okta", Type: telemetry.SignIn, User: user, IP: ip(addr), Location: loc,
		SignInInfo: &telemetry.SignInInfo{Outcome: "SUCCESS"}})
}

func (x *fixture) usb(t time.Time, dev string, u telemetry.USBDevice) {
	x.add(telemetry.Event{Time: t, Source: "osquery", Type: telemetry.USB, Device: dev, USBDevice: &u})
}

func (x *fixture) display(t time.Time, dev string, d telemetry.DisplayDevice) {
	x.add(telemetry.Event{Time: t, Source: "osquery", Type: telemetry.Display, Device: dev, DisplayDev: &d})
}

func (x *fixture) program(t time.Time, dev, name string) {
	x.add(telemetry.Event{Time: t, Source: "osquery", Type: telemetry.Program, Device: dev, ProgramApp: &telemetry.ProgramInfo{Name: name}})
}

func (x *fixture) wifi(t time.Time, dev, bssid string) {
	x.add(telemetry.Event{Time: t, Source: "osquery", Type: telemetry.WiFi, Device: dev, Network: &telemetry.WiFiNetwork{SSID: "net", BSSID: bssid}})
}

func (x *fixture) ship(t time.Time, user, serial, address string) {
	x.add(telemetry.Event{Time: t, Source: "generic", Type: telemetry.Shipment, User: user, Device: serial,
		ShipTo: &telemetry.ShipmentInfo{Serial: serial, Address: address}})
}

// daily puts a device online at an address three times a day, and its
// user signing in from there once, on days from..to-1.
func (x *fixture) daily(from, to int, user, dev, addr string, loc telemetry.Location) {
	for d := from; d < to; d++ {
		for _, h := range []int{14, 17, 21} {
			x.seen(at(d, h), user, dev, addr, loc)
		}
		x.signIn(at(d, 15), user, addr, loc)
	}
}

var piKVM = telemetry.USBDevice{VendorID: 0x1d6b, ProductID: 0x0104, Vendor: "PiKVM", Product: "PiKVM Composite Device", Serial: "CAFEBABE"}

func person(id, name, email, line, city, region string, devices ...string) Person {
	return Person{ID: id, Name: name, Emails: []string{email}, Devices: devices,
		Home: Place{Line: line, City: city, Region: region, Country: "US"}}
}

func analyse(t testing.TB, cfg Config, people []Person, events []telemetry.Event) []Finding {
	t.Helper()
	a := New(cfg, people)
	a.Add(events)
	return a.Findings()
}

func ofKind(fs []Finding, kind string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

func maxLevel(fs []Finding) string {
	level := risk.Clear
	for _, f := range fs {
		if risk.Rank(f.Level) > risk.Rank(level) {
			level = f.Level
		}
	}
	return level
}

func atLeast(level, min string) bool { return risk.Rank(level) >= risk.Rank(min) }

func summary(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Kind + " " + f.Level + " " + strings.Join(f.Subjects, ",") + " " + strings.Join(f.Devices, ",") + " " + f.Location + "\n")
	}
	return b.String()
}
