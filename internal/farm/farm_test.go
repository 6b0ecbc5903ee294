package farm

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/telemetry"
)

// farmFixture is the data shape the package exists for: six laptops of
// four employees behind one residential address in Nashville for a week,
// two with a PiKVM attached and one running AnyDesk; a family of two
// employees sharing a home address and its IP in Denver; and an ordinary
// employee at home in Austin.
func farmFixture(hardware bool) ([]Person, []telemetry.Event) {
	people := []Person{
		person("P1", "Alice Park", "alice@corp.example", "12 Oak Street", "Austin", "TX", "L1", "L2"),
		person("P2", "Ben Cho", "ben@corp.example", "9 Pine Road", "Seattle", "WA", "L3", "L4"),
		person("P3", "Cara Diaz", "cara@corp.example", "4 Elm Drive", "Miami", "FL", "L5"),
		person("P4", "Dan Evans", "dan@corp.example", "7 Birch Court", "Boston", "MA", "L6"),
		person("P5", "Eve Fox", "eve@corp.example", "22 Maple Avenue", "Denver", "CO", "L7"),
		person("P6", "Finn Moss", "finn@corp.example", "22 Maple Ave.", "Denver", "CO", "L8"),
		person("P7", "Gail Green", "gail@corp.example", "5 Cedar Lane", "Austin", "TX", "L9"),
	}
	var x fixture
	const farmIP = "73.12.4.9"
	for _, m := range []struct{ user, dev string }{
		{"alice@corp.example", "L1"}, {"alice@corp.example", "L2"}, {"ben@corp.example", "L3"},
		{"ben@corp.example", "L4"}, {"cara@corp.example", "L5"}, {"dan@corp.example", "L6"},
	} {
		x.daily(0, 7, m.user, m.dev, farmIP, nashville)
	}
	if hardware {
		x.usb(at(2, 16), "L1", piKVM)
		x.display(at(2, 16), "L1", telemetry.DisplayDevice{Name: "PiKVM V3", Manufacturer: "LNX", ProductID: 0x7770})
		x.usb(at(3, 16), "L3", piKVM)
		x.program(at(3, 18), "L5", "AnyDesk")
	}
	x.daily(0, 7, "eve@corp.example", "L7", "24.5.6.7", denver)
	x.daily(0, 7, "finn@corp.example", "L8", "24.5.6.7", denver)
	x.daily(0, 7, "gail@corp.example", "L9", "71.3.3.3", austin)
	return people, x.events
}

// TestFarmFixture is the done-when test on a hand-made event list: one
// farm finding naming all four people and six laptops at high or
// critical, the family at most low, nothing else called a farm.
func TestFarmFixture(t *testing.T) {
	for _, hardware := range []bool{true, false} {
		t.Run(fmt.Sprintf("hardware=%v", hardware), func(t *testing.T) {
			people, events := farmFixture(hardware)
			fs := analyse(t, Config{}, people, events)
			farms := ofKind(fs, KindFarm)
			var strong, family []Finding
			for _, f := range farms {
				switch {
				case slices.Contains(f.Subjects, "P5"):
					family = append(family, f)
				default:
					strong = append(strong, f)
				}
			}
			if len(strong) != 1 {
				t.Fatalf("got %d farm findings besides the family, want 1:\n%s", len(strong), summary(farms))
			}
			f := strong[0]
			if diff := cmp.Diff([]string{"P1", "P2", "P3", "P4"}, f.Subjects); diff != "" {
				t.Errorf("subjects (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"L1", "L2", "L3", "L4", "L5", "L6"}, f.Devices); diff != "" {
				t.Errorf("devices (-want +got):\n%s", diff)
			}
			if !atLeast(f.Level, risk.High) {
				t.Errorf("level %s (%d points), want high or critical", f.Level, f.Points)
			}
			if hardware && f.Level != risk.Critical {
				t.Errorf("with PiKVMs and AnyDesk: level %s (%d points), want critical", f.Level, f.Points)
			}
			if f.Location != "ip 73.12.4.9" || f.IP != netip.MustParseAddr("73.12.4.9") || f.Days != 7 {
				t.Errorf("location %q ip %v days %d, want ip 73.12.4.9 on 7 days", f.Location, f.IP, f.Days)
			}
			if len(family) > 1 || len(family) == 1 && atLeast(family[0].Level, risk.Medium) {
				t.Errorf("family: got %s, want at most one low finding", summary(family))
			}
			if len(f.Evidence) == 0 || f.Evidence[0].File != "fixture.jsonl" || f.Evidence[0].Line == 0 {
				t.Errorf("evidence does not point into the input: %+v", f.Evidence)
			}
		})
	}
}

// TestFarmIgnoresEventOrder checks that findings do not depend on the
// order the events come in.
func TestFarmIgnoresEventOrder(t *testing.T) {
	people, events := farmFixture(true)
	want := analyse(t, Config{}, people, events)
	shuffled := slices.Clone(events)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	a := New(Config{}, people)
	for len(shuffled) > 0 {
		n := min(len(shuffled), 7)
		a.Add(shuffled[:n])
		shuffled = shuffled[n:]
	}
	got := a.Findings()
	if diff := cmp.Diff(want, got, addrs); diff != "" {
		t.Errorf("findings change with the order of events (-sorted +shuffled):\n%s", diff)
	}
}

// TestFarmGuards holds the farm detector to its false-positive guards.
func TestFarmGuards(t *testing.T) {
	four := []Person{
		person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "Austin", "TX", "L1"),
		person("P2", "Ben Cho", "ben@x.example", "9 Pine Road", "Seattle", "WA", "L2"),
		person("P3", "Cara Diaz", "cara@x.example", "4 Elm Drive", "Miami", "FL", "L3"),
		person("P4", "Dan Evans", "dan@x.example", "7 Birch Court", "Boston", "MA", "L4"),
	}
	users := []string{"alice@x.example", "ben@x.example", "cara@x.example", "dan@x.example"}
	behind := func(addr string, days int) []telemetry.Event {
		var x fixture
		for i := range 4 {
			x.daily(0, days, users[i], fmt.Sprintf("L%d", i+1), addr, nashville)
		}
		return x.events
	}
	vpn := func(netip.Addr) (string, string, bool) { return "vpn", "commercial VPN egress", true }
	tests := []struct {
		name      string
		cfg       Config
		people    []Person
		events    func() []telemetry.Event
		wantFarms int
		maxLevel  string // the strongest farm finding's level at most
		minLevel  string // and at least
	}{
		{
			name: "four people behind one house for a week are a farm", people: four,
			events: func() []telemetry.Event { return behind("73.12.4.9", 7) }, wantFarms: 1, minLevel: risk.High, maxLevel: risk.Critical,
		},
		{
			name: "corporate egress is never a farm", people: four,
			cfg:    Config{CorporateEgress: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}},
			events: func() []telemetry.Event { return behind("203.0.113.5", 7) },
		},
		{
			name: "an address tagged as a VPN is never a farm", people: four, cfg: Config{IPInfo: vpn},
			events: func() []telemetry.Event { return behind("185.1.2.3", 7) },
		},
		{
			name: "a hosting network by its AS organisation is never a farm", people: four,
			events: func() []telemetry.Event {
				evs := behind("52.1.2.3", 7)
				for i := range evs {
					if evs[i].SignInInfo != nil {
						evs[i].SignInInfo.ASOrg = "Amazon.com, Inc."
					}
				}
				return evs
			},
		},
		{
			name: "an address Residential rejects is never a farm", people: four,
			cfg:    Config{Residential: func(netip.Addr) bool { return false }},
			events: func() []telemetry.Event { return behind("73.12.4.9", 7) },
		},
		{
			name: "private addresses are never a farm", people: four,
			events: func() []telemetry.Event { return behind("10.0.0.5", 7) },
		},
		{
			name: "more people than a house holds is a shared egress",
			people: func() []Person {
				var ps []Person
				for i := range 30 {
					ps = append(ps, person(fmt.Sprintf("Q%d", i), fmt.Sprintf("Person %c%c", 'A'+i%26, 'a'+i/26), fmt.Sprintf("q%d@x.example", i),
						fmt.Sprintf("%d Main Street", i), "Austin", "TX", fmt.Sprintf("D%d", i)))
				}
				return ps
			}(),
			events: func() []telemetry.Event {
				var x fixture
				for i := range 30 {
					x.daily(0, 7, fmt.Sprintf("q%d@x.example", i), fmt.Sprintf("D%d", i), "66.1.2.3", austin)
				}
				return x.events
			},
		},
		{
			name: "one person's two laptops are no farm",
			people: []Person{
				person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "Austin", "TX", "L1", "L2"),
			},
			events: func() []telemetry.Event {
				var x fixture
				x.daily(0, 7, "alice@x.example", "L1", "73.12.4.9", austin)
				x.daily(0, 7, "alice@x.example", "L2", "73.12.4.9", austin)
				return x.events
			},
		},
		{
			name: "a colleague's one-day visit is no farm", people: four,
			events: func() []telemetry.Event {
				var x fixture
				x.daily(0, 7, users[0], "L1", "73.12.4.9", austin)
				x.daily(3, 4, users[1], "L2", "73.12.4.9", austin)
				return x.events
			},
		},
		{
			name: "a one-day meeting with an IP-KVM on a laptop is one", people: four,
			events: func() []telemetry.Event {
				var x fixture
				x.daily(0, 7, users[0], "L1", "73.12.4.9", austin)
				x.daily(3, 4, users[1], "L2", "73.12.4.9", austin)
				x.usb(at(3, 16), "L2", piKVM)
				return x.events
			},
			wantFarms: 1, minLevel: risk.Medium, maxLevel: risk.High,
		},
		{
			name: "two unrelated people sharing a house for a week are medium at most", people: four,
			events: func() []telemetry.Event {
				var x fixture
				x.daily(0, 7, users[0], "L1", "73.12.4.9", austin)
				x.daily(0, 7, users[1], "L2", "73.12.4.9", austin)
				return x.events
			},
			wantFarms: 1, minLevel: risk.Low, maxLevel: risk.Medium,
		},
		{
			name: "a colleague at someone's declared home connection is a visit",
			people: func() []Person {
				ps := slices.Clone(four)
				ps[0].HomeIPs = []netip.Addr{netip.MustParseAddr("73.12.4.9")}
				return ps
			}(),
			events: func() []telemetry.Event {
				var x fixture
				x.daily(0, 7, users[0], "L1", "73.12.4.9", austin)
				x.daily(2, 5, users[1], "L2", "73.12.4.9", austin)
				return x.events
			},
			wantFarms: 1, minLevel: risk.Low, maxLevel: risk.Low,
		},
		{
			name: "a family sharing a home address and its IP is a household",
			people: []Person{
				person("P5", "Eve Fox", "eve@x.example", "22 Maple Avenue", "Denver", "CO", "L7"),
				person("P6", "Finn Moss", "finn@x.example", "22 maple ave", "Denver", "CO", "L8"),
			},
			events: func() []telemetry.Event {
				var x fixture
				x.daily(0, 7, "eve@x.example", "L7", "24.5.6.7", denver)
				x.daily(0, 7, "finn@x.example", "L8", "24.5.6.7", denver)
				return x.events
			},
			wantFarms: 1, minLevel: risk.Low, maxLevel: risk.Low,
		},
		{
			name: "the office Wi-Fi of devices behind the corporate egress is no farm", people: four,
			cfg: Config{CorporateEgress: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}},
			events: func() []telemetry.Event {
				var x fixture
				for i := range 4 {
					x.daily(0, 7, users[i], fmt.Sprintf("L%d", i+1), "203.0.113.5", austin)
					for d := range 7 {
						x.wifi(at(d, 16), fmt.Sprintf("L%d", i+1), "00:11:22:33:44:55")
					}
				}
				return x.events
			},
		},
		{
			name: "a farm whose address changes is one finding", people: four,
			events: func() []telemetry.Event {
				var x fixture
				for i := range 4 {
					x.daily(0, 4, users[i], fmt.Sprintf("L%d", i+1), "73.12.4.9", nashville)
					x.daily(4, 8, users[i], fmt.Sprintf("L%d", i+1), "73.12.9.1", nashville)
				}
				return x.events
			},
			wantFarms: 1, minLevel: risk.High, maxLevel: risk.Critical,
		},
		{
			name: "laptops of four people shipped to one address are a farm lead", people: four,
			events: func() []telemetry.Event {
				var x fixture
				for i := range 4 {
					x.ship(at(0, 12), users[i], fmt.Sprintf("L%d", i+1), "70 Magnolia Lane, Nashville, TN 37201, US")
				}
				return x.events
			},
			wantFarms: 1, minLevel: risk.Medium, maxLevel: risk.Medium,
		},
		{
			name: "devices meeting at one map spot with no address are a farm", people: four,
			events: func() []telemetry.Event {
				var x fixture
				for i := range 4 {
					for d := range 7 {
						x.seen(at(d, 15), users[i], fmt.Sprintf("L%d", i+1), "", nashville)
					}
				}
				return x.events
			},
			wantFarms: 1, minLevel: risk.High, maxLevel: risk.Critical,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			farms := ofKind(analyse(t, tt.cfg, tt.people, tt.events()), KindFarm)
			if len(farms) != tt.wantFarms {
				t.Fatalf("got %d farm findings, want %d:\n%s", len(farms), tt.wantFarms, summary(farms))
			}
			if len(farms) == 0 {
				return
			}
			level := maxLevel(farms)
			if !atLeast(level, tt.minLevel) || !atLeast(tt.maxLevel, level) {
				t.Errorf("level %s (%d points), want %s to %s\n%s", level, farms[0].Points, tt.minLevel, tt.maxLevel, farms[0].Explanation)
			}
		})
	}
}

func TestFarmMergesAddressesOfOneFarm(t *testing.T) {
	people := []Person{
		person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "Austin", "TX", "L1"),
		person("P2", "Ben Cho", "ben@x.example", "9 Pine Road", "Seattle", "WA", "L2"),
		person("P3", "Cara Diaz", "cara@x.example", "4 Elm Drive", "Miami", "FL", "L3"),
	}
	var x fixture
	for i, u := range []string{"alice@x.example", "ben@x.example", "cara@x.example"} {
		dev := fmt.Sprintf("L%d", i+1)
		x.ship(at(0, 9), u, dev, "70 Magnolia Lane, Nashville, TN 37201, US")
		x.daily(1, 4, u, dev, "73.12.4.9", nashville)
		x.daily(4, 8, u, dev, "73.12.9.1", nashville)
	}
	farms := ofKind(analyse(t, Config{}, people, x.events), KindFarm)
	if len(farms) != 1 {
		t.Fatalf("got %d farm findings, want 1:\n%s", len(farms), summary(farms))
	}
	// The later address saw more device-days, so it leads.
	want := []string{"ip 73.12.9.1", "ip 73.12.4.9", "address 70 Magnolia Lane, Nashville, TN 37201, US"}
	if diff := cmp.Diff(want, farms[0].Spots); diff != "" {
		t.Errorf("spots (-want +got):\n%s", diff)
	}
}

func TestWindow(t *testing.T) {
	people, events := farmFixture(true)
	// Forty days later, the same farm is outside a 30-day window ending
	// then: nothing of it may remain.
	var x fixture
	x.daily(45, 47, "gail@corp.example", "L9", "71.3.3.3", austin)
	a := New(Config{}, people)
	a.Add(events)
	a.Add(x.events)
	for _, f := range a.Findings() {
		t.Errorf("finding outside the window: %s %s %v", f.Kind, f.Level, f.Subjects)
	}
	if st := a.Stats(); st.Used != int64(len(events)+len(x.events)) {
		t.Errorf("stats %+v", st)
	}
	// An explicit End keeps the farm in and drops later events.
	a = New(Config{End: at(8, 0)}, people)
	a.Add(events)
	a.Add(x.events)
	if n := len(ofKind(a.Findings(), KindFarm)); n != 2 {
		t.Errorf("with End: got %d farm findings, want 2 (farm and family)", n)
	}
	if st := a.Stats(); st.Late != int64(len(x.events)) {
		t.Errorf("with End: late %d, want %d", st.Late, len(x.events))
	}
}

func TestFindingIDsAreStable(t *testing.T) {
	people, events := farmFixture(true)
	first := analyse(t, Config{}, people, events)
	second := analyse(t, Config{}, people, slices.Clone(events))
	var a, b []string
	for _, f := range first {
		a = append(a, f.ID)
	}
	for _, f := range second {
		b = append(b, f.ID)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("ids differ between runs (-first +second):\n%s", diff)
	}
	seen := map[string]bool{}
	for _, id := range a {
		if seen[id] {
			t.Errorf("duplicate id %s", id)
		}
		seen[id] = true
	}
}

func TestDayset(t *testing.T) {
	tests := []struct {
		name string
		add  []int32
		from int32
		want uint64
	}{
		{"in order", []int32{100, 101, 105}, 100, 1 | 2 | 1<<5},
		{"out of order", []int32{105, 100, 101}, 100, 1 | 2 | 1<<5},
		{"sliding past 64 days drops the oldest", []int32{100, 110, 170}, 100, 1 << 10}, // 170 is past bit 63 from 100
		{"a day too old for the set is dropped", []int32{200, 100}, 137, 1 << 63},
		{"a window starting later", []int32{100, 101, 102}, 101, 1 | 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s dayset
			for _, d := range tt.add {
				s.add(d)
			}
			if got := s.from(tt.from); got != tt.want {
				t.Errorf("from(%d) = %b, want %b", tt.from, got, tt.want)
			}
		})
	}
}
