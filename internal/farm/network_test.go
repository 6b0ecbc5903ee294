package farm

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/telemetry"
)

// intel tags two ranges as loaded intelligence would.
func intel(addr netip.Addr) (string, string, bool) {
	switch {
	case netip.MustParsePrefix("185.220.101.0/24").Contains(addr):
		return "vpn", "Astrill VPN egress", true
	case netip.MustParsePrefix("198.51.100.0/24").Contains(addr):
		return "vpn", "consumer VPN egress", true
	case netip.MustParsePrefix("45.83.220.0/22").Contains(addr):
		return "hosting", "hosting provider (AS12345)", true
	}
	return "", "", false
}

var corp = []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}

func TestAnonymizedSignIn(t *testing.T) {
	people := []Person{person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "Austin", "TX", "L1")}
	tests := []struct {
		name      string
		signIns   func(x *fixture)
		wantLevel string
	}{
		{"Astrill is medium", func(x *fixture) {
			for d := range 10 {
				x.signIn(at(d, 15), "alice@x.example", "73.1.1.1", austin)
			}
			x.signIn(at(3, 2), "alice@x.example", "185.220.101.7", shenyang)
		}, risk.Medium},
		{"a consumer VPN now and then is low", func(x *fixture) {
			for d := range 10 {
				x.signIn(at(d, 15), "alice@x.example", "73.1.1.1", austin)
				if d%3 == 0 {
					x.signIn(at(d, 18), "alice@x.example", "198.51.100.9", london)
				}
			}
		}, risk.Low},
		{"Okta's isProxy counts", func(x *fixture) {
			for d := range 4 {
				x.signIn(at(d, 15), "alice@x.example", "73.1.1.1", austin).SignInInfo.IsProxy = true
			}
		}, risk.Low},
		{"hosting ranges count", func(x *fixture) {
			for d := range 4 {
				x.signIn(at(d, 15), "alice@x.example", "45.83.221.4", austin)
			}
		}, risk.Low},
		{"one VPN sign-in is nothing", func(x *fixture) {
			x.signIn(at(0, 15), "alice@x.example", "198.51.100.9", london)
			x.signIn(at(1, 15), "alice@x.example", "73.1.1.1", austin)
		}, ""},
		{"the corporate VPN is nothing", func(x *fixture) {
			for d := range 10 {
				x.signIn(at(d, 15), "alice@x.example", "203.0.113.5", austin)
			}
		}, ""},
		{"failed sign-ins through a VPN are someone else's", func(x *fixture) {
			for d := range 10 {
				x.signIn(at(d, 15), "alice@x.example", "185.220.101.7", shenyang).SignInInfo.Outcome = "FAILURE"
			}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x fixture
			tt.signIns(&x)
			fs := ofKind(analyse(t, Config{IPInfo: intel, CorporateEgress: corp}, people, x.events), KindAnonymizedSignIn)
			if got := maxLevel(fs); tt.wantLevel == "" && len(fs) != 0 || tt.wantLevel != "" && got != tt.wantLevel {
				t.Errorf("got %s, want %q", summary(fs), tt.wantLevel)
			}
		})
	}
}

func TestImpossibleTravel(t *testing.T) {
	people := []Person{person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "New York", "NY", "L1")}
	tests := []struct {
		name    string
		signIns func(x *fixture)
		want    bool
	}{
		{"New York to Shenyang in two hours", func(x *fixture) {
			x.signIn(at(0, 14), "alice@x.example", "73.1.1.1", newYork)
			x.signIn(at(0, 16), "alice@x.example", "36.1.1.1", shenyang)
		}, true},
		{"two countries within the hour, without coordinates", func(x *fixture) {
			x.signIn(at(0, 14), "alice@x.example", "73.1.1.1", telemetry.Location{Country: "US"})
			x.signIn(at(0, 14).Add(20*time.Minute), "alice@x.example", "36.1.1.1", telemetry.Location{Country: "CN"})
		}, true},
		{"a flight to London is possible", func(x *fixture) {
			x.signIn(at(0, 14), "alice@x.example", "73.1.1.1", newYork)
			x.signIn(at(1, 9), "alice@x.example", "81.2.2.2", london)
		}, false},
		{"a VPN user is not travelling", func(x *fixture) {
			for d := range 5 {
				x.signIn(at(d, 14), "alice@x.example", "73.1.1.1", newYork)
				x.signIn(at(d, 14).Add(10*time.Minute), "alice@x.example", "198.51.100.9", london)
			}
		}, false},
		{"Okta's isProxy is not travelling", func(x *fixture) {
			x.signIn(at(0, 14), "alice@x.example", "73.1.1.1", newYork)
			x.signIn(at(0, 15), "alice@x.example", "36.1.1.1", shenyang).SignInInfo.IsProxy = true
		}, false},
		{"the corporate egress is not travelling", func(x *fixture) {
			x.signIn(at(0, 14), "alice@x.example", "73.1.1.1", newYork)
			x.signIn(at(0, 15), "alice@x.example", "203.0.113.5", london)
		}, false},
		{"geolocation wobble is not travelling", func(x *fixture) {
			x.signIn(at(0, 14), "alice@x.example", "73.1.1.1", newYork)
			x.signIn(at(0, 14).Add(5*time.Minute), "alice@x.example", "73.9.9.9",
				telemetry.Location{City: "Philadelphia", Region: "PA", Country: "US", Lat: 39.95, Lon: -75.17, HasCoords: true})
		}, false},
		{"a failed sign-in from afar is not travelling", func(x *fixture) {
			x.signIn(at(0, 14), "alice@x.example", "73.1.1.1", newYork)
			x.signIn(at(0, 15), "alice@x.example", "36.1.1.1", shenyang).SignInInfo.Outcome = "FAILURE"
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x fixture
			tt.signIns(&x)
			fs := ofKind(analyse(t, Config{IPInfo: intel, CorporateEgress: corp}, people, x.events), KindImpossibleTravel)
			if got := len(fs) > 0; got != tt.want {
				t.Errorf("got %s, want finding %v", summary(fs), tt.want)
			}
			if len(fs) > 0 && (fs[0].Level != risk.Medium || !strings.Contains(fs[0].Explanation, "Alice Park")) {
				t.Errorf("got %s: %s", fs[0].Level, fs[0].Explanation)
			}
		})
	}
}

func TestLocationMismatch(t *testing.T) {
	people := []Person{person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "Austin", "TX", "L1")}
	tests := []struct {
		name      string
		events    func(x *fixture)
		wantLevel string
	}{
		{"a laptop in another country most days is medium", func(x *fixture) {
			for d := range 10 {
				x.seen(at(d, 12), "alice@x.example", "L1", "36.1.1.1", shenyang)
			}
		}, risk.Medium},
		{"a laptop in another state most days is low", func(x *fixture) {
			for d := range 10 {
				x.seen(at(d, 12), "alice@x.example", "L1", "73.12.4.9", nashville)
			}
		}, risk.Low},
		{"a state by its name is the state", func(x *fixture) {
			for d := range 10 {
				x.seen(at(d, 12), "alice@x.example", "L1", "73.1.1.1", telemetry.Location{City: "Austin", Region: "Texas", Country: "US"})
			}
		}, ""},
		{"a four-day trip is not most days", func(x *fixture) {
			for d := range 10 {
				loc, addr := austin, "73.1.1.1"
				if d >= 3 && d < 7 {
					loc, addr = london, "81.2.2.2"
				}
				x.seen(at(d, 12), "alice@x.example", "L1", addr, loc)
			}
		}, ""},
		{"a VPN's location is not the laptop's", func(x *fixture) {
			for d := range 10 {
				x.seen(at(d, 12), "alice@x.example", "L1", "198.51.100.9", london)
			}
		}, ""},
		{"sign-ins abroad without a device count too", func(x *fixture) {
			for d := range 10 {
				x.signIn(at(d, 12), "alice@x.example", "36.1.1.1", shenyang)
			}
		}, risk.Medium},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x fixture
			tt.events(&x)
			fs := ofKind(analyse(t, Config{IPInfo: intel, CorporateEgress: corp}, people, x.events), KindLocationMismatch)
			if got := maxLevel(fs); tt.wantLevel == "" && len(fs) != 0 || tt.wantLevel != "" && (got != tt.wantLevel || len(fs) != 1) {
				t.Errorf("got %s, want %q", summary(fs), tt.wantLevel)
			}
		})
	}
}

func TestOffHours(t *testing.T) {
	people := []Person{person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "Austin", "TX", "L1")}
	tests := []struct {
		name  string
		hours []int // UTC hours of the day's sign-ins
		want  bool
	}{
		{"Beijing office hours are a weak hint", []int{1, 2, 3, 5, 6, 8}, true},
		{"Austin office hours are nothing", []int{14, 15, 17, 19, 21, 23}, false},
		{"around the clock is nothing", []int{0, 4, 8, 12, 16, 20}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x fixture
			for d := range 10 {
				for _, h := range tt.hours {
					x.signIn(at(d, h), "alice@x.example", "73.1.1.1", austin)
				}
			}
			fs := analyse(t, Config{}, people, x.events)
			off := ofKind(fs, KindOffHours)
			if got := len(off) > 0; got != tt.want {
				t.Fatalf("got %s, want finding %v", summary(off), tt.want)
			}
			if len(off) == 0 {
				return
			}
			// Weak evidence: low on its own, whatever else is seen.
			if off[0].Level != risk.Low || off[0].Points > 10 {
				t.Errorf("off_hours is %s with %d points, want low with at most 10", off[0].Level, off[0].Points)
			}
			if maxLevel(fs) != risk.Low {
				t.Errorf("off-hours alone raised the person to %s:\n%s", maxLevel(fs), summary(fs))
			}
		})
	}
}
