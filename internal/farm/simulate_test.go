package farm

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/telemetry"
)

// fleetOptions plant the done-when farm in a fleet of ~2,000 employees
// with the innocent look-alikes around it.
var fleetOptions = SimOptions{
	Employees:  2000,
	Farms:      []SimFarm{{Laptops: 6, Employees: 4, PiKVM: 2, AnyDesk: 1}},
	Households: 20, CorporateVPN: 100, ConsumerVPN: 40, Travellers: 40, Helpdesk: 20, DevBoards: 10,
	Unenrolled: 4, Cafes: 10,
}

func analyseSim(t testing.TB, seed int64, opt SimOptions) (*Simulator, *Analyzer, []Finding) {
	t.Helper()
	sim := NewSimulator(seed, opt)
	a := New(SimConfig(), sim.People())
	buf := make([]telemetry.Event, 4096)
	for {
		n := sim.Next(buf)
		if n == 0 {
			break
		}
		a.Add(buf[:n])
	}
	return sim, a, a.Findings()
}

// TestSimulatedFleet is the done-when test inside a fleet: exactly one
// farm finding, at high or critical, naming the four farm employees and
// their six laptops; households at most low; and nothing that does not
// concern the farm's people reaches high.
func TestSimulatedFleet(t *testing.T) {
	for _, astrill := range []bool{false, true} {
		t.Run(fmt.Sprintf("astrill=%v", astrill), func(t *testing.T) {
			opt := fleetOptions
			opt.Farms = []SimFarm{{Laptops: 6, Employees: 4, PiKVM: 2, AnyDesk: 1, Astrill: astrill}}
			sim, _, fs := analyseSim(t, 7, opt)
			roles := sim.Roles()
			var farmPeople, farmDevices []string
			for _, p := range sim.People() {
				if roles[p.ID] == "farm0" {
					farmPeople = append(farmPeople, p.ID)
					farmDevices = append(farmDevices, p.Devices...)
				}
			}
			slices.Sort(farmPeople)
			slices.Sort(farmDevices)
			if len(farmPeople) != 4 || len(farmDevices) != 6 {
				t.Fatalf("simulation planted %v with %v", farmPeople, farmDevices)
			}
			onFarm := func(f Finding) bool {
				for _, s := range f.Subjects {
					if !slices.Contains(farmPeople, s) {
						return false
					}
				}
				return len(f.Subjects) > 0
			}
			var strong []Finding
			for _, f := range ofKind(fs, KindFarm) {
				switch {
				case atLeast(f.Level, risk.Medium):
					strong = append(strong, f)
				default:
					for _, s := range f.Subjects {
						if roles[s] != "household" {
							t.Errorf("low farm finding about %s (%s), not a household: %s", s, roles[s], f.Explanation)
						}
					}
				}
			}
			if len(strong) != 1 {
				t.Fatalf("got %d farm findings at medium or above, want 1:\n%s", len(strong), summary(strong))
			}
			f := strong[0]
			if !atLeast(f.Level, risk.High) {
				t.Errorf("farm at %s (%d points), want high or critical", f.Level, f.Points)
			}
			if diff := cmp.Diff(farmPeople, f.Subjects); diff != "" {
				t.Errorf("farm subjects (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(farmDevices, f.Devices); diff != "" {
				t.Errorf("farm devices (-want +got):\n%s", diff)
			}
			households := 0
			for _, f := range ofKind(fs, KindFarm) {
				if !atLeast(f.Level, risk.Medium) {
					households++
				}
			}
			if households != opt.Households {
				t.Errorf("got %d household findings, want %d", households, opt.Households)
			}
			for _, f := range fs {
				if len(f.Evidence) == 0 || f.Explanation == "" || f.Source == "" {
					t.Errorf("%s %s without evidence, explanation or source", f.Kind, f.ID)
				}
				if atLeast(f.Level, risk.High) && !onFarm(f) {
					t.Errorf("%s %s about %v (%v) is not the farm's", f.Kind, f.Level, f.Subjects, roleOf(roles, f.Subjects))
				}
				for _, s := range f.Subjects {
					switch role := roles[s]; {
					case role == "helpdesk" && f.Kind == KindRemoteAccess:
						t.Errorf("sanctioned TeamViewer reported for %s", s)
					case (role == "traveller" || role == "consumer_vpn" || role == "corporate_vpn") &&
						(f.Kind == KindImpossibleTravel || f.Kind == KindLocationMismatch):
						t.Errorf("%s %s reported for %s", role, f.Kind, s)
					case role == "devboard" && f.Kind == KindIPKVM && f.Level != risk.Low:
						t.Errorf("dev board reported at %s", f.Level)
					case role == "" && atLeast(f.Level, risk.Medium) && f.Kind != KindRemoteAccess:
						t.Errorf("ordinary employee %s: %s %s: %s", s, f.Kind, f.Level, f.Explanation)
					}
				}
			}
			if n := len(ofKind(fs, KindNeverEnrolled)); n != opt.Unenrolled {
				t.Errorf("got %d never_enrolled, want %d", n, opt.Unenrolled)
			}
			if n := len(ofKind(fs, KindIPKVM)); n != 2+opt.DevBoards {
				t.Errorf("got %d ip_kvm, want %d (two PiKVMs and the dev boards)", n, 2+opt.DevBoards)
			}
		})
	}
}

func roleOf(roles map[string]string, ids []string) []string {
	var out []string
	for _, id := range ids {
		out = append(out, roles[id])
	}
	return out
}

func TestSimulateIsDeterministic(t *testing.T) {
	opt := SimOptions{Employees: 50, Days: 5, Farms: []SimFarm{{Laptops: 3, Employees: 2, PiKVM: 1}}, Households: 2}
	digest := func() (uint64, int) {
		events, people := Simulate(3, opt)
		h := fnv.New64a()
		for _, e := range events {
			fmt.Fprintln(h, e.Time.Unix(), e.Type, e.User, e.Device, e.IP, e.Location.City, e.File, e.Line)
		}
		for _, p := range people {
			fmt.Fprintln(h, p.ID, p.Name, strings.Join(p.Devices, ","), p.Home)
		}
		return h.Sum64(), len(events)
	}
	a, n := digest()
	b, _ := digest()
	if a != b || n == 0 {
		t.Errorf("two runs with one seed differ (%x, %x) or are empty (%d events)", a, b, n)
	}
}
