package farm

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/telemetry"
)

// enrolGrace is how long a shipped laptop may take to show up before
// never_enrolled reports it.
const enrolGrace = 7 * 24 * 3600

// shipment is a laptop sent to someone.
type shipment struct {
	t       int64
	user    int32
	dev     int32
	address string
	key     string // a.addressKey(address)
	file    int32
	line    int32
}

func (a *Analyzer) addShipment(e *telemetry.Event, t int64) {
	serial, address := e.Device, ""
	if s := e.ShipTo; s != nil {
		if s.Serial != "" {
			serial = s.Serial
		}
		address = strings.TrimSpace(s.Address)
	}
	dev := a.deviceID(serial)
	usr := a.userID(e.User)
	if dev >= 0 && usr >= 0 {
		a.link(dev, usr, 0)
	}
	if dev < 0 && usr < 0 {
		return
	}
	sh := shipment{t: t, user: usr, dev: dev, file: a.fileID(e.File), line: int32(e.Line)}
	if address != "" {
		sh.address = strings.Clone(address)
		sh.key = a.addressKey(sh.address)
		if a.offices[sh.key] {
			// Shipped to the office: no place to compare or group, but
			// the serial is still followed into enrollment.
			sh.key = ""
		}
	}
	a.ships = append(a.ships, sh)
}

// homeKey is a person's household key, comparable with addressKey of a
// ship-to address: the given Key when Config.AddressKey made both, else
// the key of the street line and city.
func (a *Analyzer) homeKey(p *Person) string {
	if p.Home.Key != "" && a.cfg.AddressKey != nil {
		return p.Home.Key
	}
	if strings.TrimSpace(p.Home.Line) == "" {
		return p.Home.Key
	}
	return a.addressKey(strings.Join([]string{p.Home.Line, p.Home.City, p.Home.Region, p.Home.Country}, ", "))
}

// homes maps home keys to the households living there.
func (r *run) homes() map[string]map[int64]bool {
	if r.homeIndex == nil {
		r.homeIndex = map[string]map[int64]bool{}
		for q := range r.a.people {
			k := r.a.homeKey(&r.a.people[q])
			if k == "" {
				continue
			}
			if r.homeIndex[k] == nil {
				r.homeIndex[k] = map[int64]bool{}
			}
			r.homeIndex[k][r.household(int64(q))] = true
		}
	}
	return r.homeIndex
}

// shipHolder is who a shipment was for.
func (r *run) shipHolder(s *shipment) int64 {
	if s.user >= 0 {
		if h := r.userHolder(s.user); h < holderUser || s.dev < 0 {
			return h
		}
	}
	return r.holderOf(s.dev)
}

func (r *run) shipEvidence(s *shipment, detail string) Evidence {
	a := r.a
	ev := Evidence{Line: int(s.line), Time: time.Unix(s.t, 0).UTC(), Detail: detail}
	if s.file >= 0 {
		ev.File = a.files[s.file]
	}
	if s.dev >= 0 {
		ev.Device = a.devs[s.dev].key
	}
	if s.user >= 0 {
		ev.User = a.users[s.user].login
	}
	return ev
}

// shipFindings reports laptops shipped elsewhere than home, and shipped
// laptops never seen since.
func (a *Analyzer) shipFindings(r *run) []Finding {
	var out []Finding
	byKey := map[string][]int{}
	for i := range a.ships {
		if s := &a.ships[i]; s.key != "" {
			byKey[s.key] = append(byKey[s.key], i)
		}
	}
	for i := range a.ships {
		s := &a.ships[i]
		h := r.shipHolder(s)
		if f, ok := a.shipMismatch(r, s, h, byKey[s.key]); ok {
			out = append(out, f)
		}
		if f, ok := a.neverEnrolled(r, s, h); ok {
			out = append(out, f)
		}
	}
	return dedupe(out)
}

// dedupe keeps the first finding of each id (a laptop shipped twice).
func dedupe(fs []Finding) []Finding {
	seen := map[string]bool{}
	return slices.DeleteFunc(fs, func(f Finding) bool {
		if seen[f.ID] {
			return true
		}
		seen[f.ID] = true
		return false
	})
}

func (a *Analyzer) shipMismatch(r *run, s *shipment, h int64, same []int) (Finding, bool) {
	if h >= holderUser || s.key == "" {
		return Finding{}, false
	}
	p := &a.people[h]
	home := a.homeKey(p)
	if home == "" || home == s.key {
		return Finding{}, false
	}
	// Another member of the household living there is a household's own
	// address, not a stranger's.
	others := map[int64]bool{}
	for _, j := range same {
		o := r.shipHolder(&a.ships[j])
		if o < holderUser && r.household(o) == r.household(h) {
			continue
		}
		others[o] = true
	}
	if r.homes()[s.key][r.household(h)] {
		return Finding{}, false
	}
	serial := a.devKey(s.dev)
	f := Finding{ID: findingID(KindShipMismatch, "shipment "+serial+" "+p.ID+" "+s.key), Kind: KindShipMismatch,
		Points: 45, Subjects: []string{p.ID}, Location: "address " + s.address, Days: 1}
	if serial != "" {
		f.Devices = []string{serial}
	}
	f.First = time.Unix(s.t, 0).UTC()
	f.Last = f.First
	also := ""
	if n := len(others); n > 0 {
		f.Points = 55
		also = fmt.Sprintf(" The same address also received laptops for %d other %s, which is how a laptop farm's "+
			"address looks (see the farm finding).", n, plural(n, "person", "people"))
	}
	f.Level = levelOf(f.Points)
	f.Explanation = fmt.Sprintf("Laptop %s for %s was shipped to %s on %s, not to the home address on record (%s).%s "+
		"Facilitators receive DPRK IT workers' company laptops at their own houses. Rule out a recent move, "+
		"a temporary address, or an address the records hold differently written; ask why.",
		orText(serial, "(no serial)"), r.holderText(h), s.address, dateText(f.First),
		strings.Join(nonEmpty(p.Home.Line, p.Home.City, p.Home.Region, p.Home.Country), ", "), also)
	f.Source = "SIGNALS.md Laptop shipping: ship-to address differs from the ID address (B); same address receives laptops for several workers (A/B)"
	f.Evidence = []Evidence{r.shipEvidence(s, "shipped to "+s.address)}
	f.EvidenceTotal = 1
	return f, true
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func (a *Analyzer) neverEnrolled(r *run, s *shipment, h int64) (Finding, bool) {
	if s.dev < 0 || a.devs[s.dev].observed || s.t > r.to-enrolGrace {
		return Finding{}, false
	}
	serial := a.devs[s.dev].key
	f := Finding{ID: findingID(KindNeverEnrolled, "device "+serial), Kind: KindNeverEnrolled, Devices: []string{serial},
		Location: "address " + s.address, Days: 1}
	if subj := r.holderSubject(h); subj != "" {
		f.Subjects = []string{subj}
	}
	f.First = time.Unix(s.t, 0).UTC()
	f.Last = f.First
	var other []string
	if h < holderUser {
		for dev := range a.devs {
			if d := &a.devs[dev]; d.observed && r.devPerson[dev] == int32(h) {
				other = append(other, d.key)
			}
		}
	}
	slices.Sort(other)
	days := int((r.to - s.t) / 86400)
	if len(other) > 0 {
		f.Points = 45
		f.Explanation = fmt.Sprintf("Laptop %s was shipped to %s on %s and has not been seen by MDM, EDR or the "+
			"identity provider in the %d days since, while %s works from %s instead: the serial shipped is not "+
			"the serial in use. A company laptop handed on (to a facilitator) and another machine used is one "+
			"way DPRK IT workers operate. Rule out a replacement, a BYOD arrangement, and an asset-record error.",
			serial, r.holderText(h), dateText(f.First), days, r.holderText(h), strings.Join(other, ", "))
	} else {
		f.Points = 35
		f.Explanation = fmt.Sprintf("Laptop %s was shipped to %s on %s and has not been seen by MDM, EDR or the "+
			"identity provider in the %d days since. A laptop that never enrols may never have reached the "+
			"employee. Rule out a delivery still in transit, a laptop not yet set up, and a BYOD arrangement.",
			serial, r.holderText(h), dateText(f.First), days)
	}
	f.Level = levelOf(f.Points)
	f.Source = "SIGNALS.md Laptop shipping: serial shipped ≠ serial enrolled in MDM (B)"
	f.Evidence = []Evidence{r.shipEvidence(s, "shipped to "+orText(s.address, "(no address)")+", never seen since")}
	f.EvidenceTotal = 1
	return f, true
}
