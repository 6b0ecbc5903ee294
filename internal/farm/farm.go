// Package farm finds laptop farms and the remote access behind them in one
// organisation's device and sign-in telemetry (internal/telemetry).
//
// A DPRK IT worker's company laptop rarely travels to the worker: it sits
// in a facilitator's house in the country the worker claims to live in,
// online next to other "employees'" laptops, and the worker reaches it
// through an IP-KVM or remote-access software over a VPN (DOJ 2024-05-16,
// US v. Chapman; Mandiant UNC5267, 2024-09-23). The strongest evidence an
// employer holds is that shape in its own data: several employees' managed
// devices behind one residential address on the same days. The Analyzer
// looks for it and for the signals around it:
//
//   - farm: managed devices of several unrelated people behind one
//     residential IP, Wi-Fi access point or spot on the map on the same
//     days, or laptops of several people shipped to one address;
//   - ip_kvm: an IP-KVM's default USB or EDID identity, or one USB device
//     that is a keyboard, a pointer and a disk at once;
//   - remote_access: unsanctioned remote-access tools;
//   - anonymized_signin: sign-ins through VPNs, proxies and hosting;
//   - impossible_travel: consecutive sign-ins too far apart for the time;
//   - location_mismatch: a device mostly in another country or state than
//     its holder's home;
//   - off_hours: activity that fits UTC+8/+9 working hours (weak);
//   - ship_mismatch and never_enrolled: laptops shipped elsewhere than home,
//     or shipped and never seen.
//
// No finding decides anything: each says what was seen, why it matters,
// and the innocent explanation to rule out (SIGNALS.md).
//
// Add is called with batches of events on one goroutine and keeps compact
// aggregates — strings interned once, per (device, address) day sets, capped
// evidence — so that tens of millions of events fit in little memory;
// Findings and Report work from those aggregates.
package farm

import (
	"net/netip"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/normalize"

	"github.com/ringfence/ringfence/internal/telemetry"
)

// Finding kinds.
const (
	KindFarm             = "farm"
	KindIPKVM            = "ip_kvm"
	KindRemoteAccess     = "remote_access"
	KindAnonymizedSignIn = "anonymized_signin"
	KindImpossibleTravel = "impossible_travel"
	KindLocationMismatch = "location_mismatch"
	KindOffHours         = "off_hours"
	KindShipMismatch     = "ship_mismatch"
	KindNeverEnrolled    = "never_enrolled"
)

// Kinds lists the finding kinds, strongest evidence first.
var Kinds = []string{KindFarm, KindIPKVM, KindRemoteAccess, KindAnonymizedSignIn, KindImpossibleTravel,
	KindLocationMismatch, KindShipMismatch, KindNeverEnrolled, KindOffHours}

// Defaults.
const (
	// DefaultWindow is the analysis window when Config.Window is zero.
	DefaultWindow = 30 * 24 * time.Hour
	// MaxWindow is the longest window: day sets hold 64 days.
	MaxWindow = 63 * 24 * time.Hour
	// DefaultSharedEgress is the number of people behind one address above
	// which it is an office, a campus or a carrier's shared egress, not a
	// house.
	DefaultSharedEgress = 25
	// MaxEvidence is how many evidence items a finding lists; the rest are
	// counted in EvidenceTotal.
	MaxEvidence = 50
)

// Config says what the organisation knows about its own network and tools.
// The zero Config is usable.
type Config struct {
	// SanctionedTools are remote-access tools the organisation allows, by
	// name or program name ("TeamViewer", "Chrome Remote Desktop"); the rest
	// of the known list is flagged.
	SanctionedTools []string
	// IPInfo classifies an address from loaded intelligence (VPN, proxy,
	// hosting ranges) with a tag and a label such as "vpn", "Astrill VPN
	// egress"; nil means none is loaded. Tags and labels are read as
	// docs/RULES.md reads indicator labels: VPN, proxy, anonymiser or Tor
	// is anonymising, hosting, data centre or cloud is hosting.
	IPInfo func(netip.Addr) (tag, label string, ok bool)
	// Residential says whether an address looks residential. Nil means any
	// public address that is not corporate egress, tagged anonymising or
	// hosting by IPInfo, or announced by a hosting or secure-web-gateway
	// network (from the sign-ins' AS organisation) may be a house.
	Residential func(netip.Addr) bool
	// CorporateEgress are the organisation's own VPN and office egress
	// ranges: hundreds of employees share them, so they are never a farm,
	// and sign-ins from them say nothing about where a person is. A Wi-Fi
	// network or map spot that devices share on days they are behind the
	// corporate egress is taken for the office's, not a farm.
	CorporateEgress []netip.Prefix
	// AddressKey canonicalises a postal address ("line1, city, region
	// postal, country") for comparison; nil compares street line and city
	// after case, space and punctuation folding and common street-word
	// abbreviation. normalize.Address's canonical form is the natural
	// choice; Place.Key must then be made with the same function.
	AddressKey func(string) string
	// Window is the analysis window ending at the latest event (or End);
	// default DefaultWindow, at most MaxWindow. Day-based evidence (days
	// devices were together, days a device was located somewhere) is cut
	// to the window exactly. Counters (sign-in shares, activity hours,
	// tools and hardware seen) include every event that was inside the
	// window when it was added: an event older than Window before the
	// latest event added so far is skipped. Feed roughly time-ordered
	// batches, or only the window's events.
	Window time.Duration
	// End is the end of the window; zero means the latest event's time.
	// Events after End are ignored. Shipments are kept whatever their age
	// (laptops are shipped at hire) and never move the window.
	End time.Time
	// SharedEgress is the number of people above which an address is a
	// shared egress, not a farm; default DefaultSharedEgress, at most 64.
	SharedEgress int
	// Offices are the organisation's own offices and IT depots, as
	// postal addresses ("line1, city, region postal, country"): laptops
	// shipped there for pickup or set-up say nothing about a farm.
	Offices []string
	// MaxActors bounds the distinct devices and users analysed together
	// (default DefaultMaxActors): memory stays bounded whatever the input
	// holds, and events of devices and users past it count in
	// Stats.Overflow.
	MaxActors int
}

// DefaultMaxActors is room for an organisation of some 250,000 people with
// a laptop and a login each.
const DefaultMaxActors = 500_000

// Person is a subject of the organisation as far as farm detection needs
// it; the caller builds it from stored subject records.
type Person struct {
	ID   string
	Name string
	// Emails and Logins tie events to the person; compared
	// case-insensitively.
	Emails []string
	Logins []string
	// Devices are serial numbers or host identifiers of the person's
	// managed devices; compared case-insensitively.
	Devices []string
	Home    Place
	// HomeIPs are addresses known to be the person's home connection (the
	// subject record's ips), optional: a farm candidate of two people at
	// one's own home is a visit more often than a farm.
	HomeIPs []netip.Addr
}

// Place is a postal place as given.
type Place struct {
	Line, City, Region, Country string // Country is ISO 3166 alpha-2
	// Key is the canonical address key when known; two people with the
	// same Key share a household.
	Key string
}

// Finding is one piece of evidence about laptop-farm activity, explained.
type Finding struct {
	// ID is stable: derived from the kind and the location, device or
	// person it is about, so that analysing the same data again gives the
	// same id.
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Level is risk.LevelOf(Points) (off_hours is always low).
	Level string `json:"level"`
	// Points is the 0–100 contribution for screening, by the strength of
	// the evidence in SIGNALS.md: A 75–95, B 40–55, C 10–20.
	Points int `json:"points"`
	// Subjects are person ids, or "user:<login>" for users who tie to no
	// person.
	Subjects []string `json:"subjects"`
	Devices  []string `json:"devices,omitempty"`
	// Location is where: for a farm "ip 73.12.4.9", "wifi <bssid>", a map
	// spot or "address <ship-to address>"; for other kinds the place the
	// evidence points to, if any.
	Location string `json:"location,omitempty"`
	// Spots are every location a farm finding covers; Location is the one
	// with the most device-days.
	Spots []string   `json:"spots,omitempty"`
	IP    netip.Addr `json:"ip,omitzero"`
	First time.Time  `json:"first,omitzero"`
	Last  time.Time  `json:"last,omitzero"`
	// Days counts the distinct days the evidence spans (for a farm: days
	// on which two or more of its people were there at once).
	Days        int    `json:"days"`
	Explanation string `json:"explanation"`
	// Evidence lists up to MaxEvidence items; EvidenceTotal counts all.
	Evidence      []Evidence `json:"evidence"`
	EvidenceTotal int        `json:"evidence_total"`
	// Source is the SIGNALS.md row and the public reporting the finding
	// rests on.
	Source string `json:"source"`
}

// Evidence is one observation behind a finding, located in its input.
type Evidence struct {
	File   string    `json:"file,omitempty"`
	Line   int       `json:"line,omitempty"`
	Time   time.Time `json:"time,omitzero"`
	Device string    `json:"device,omitempty"`
	User   string    `json:"user,omitempty"`
	Detail string    `json:"detail"`
}

// Stats counts what Add did with the events it was given.
type Stats struct {
	Events int64 // all events given
	// Used events went into the analysis; the rest were skipped as
	// undated, older than the window, after End, failed sign-ins or of an
	// unknown type.
	Used, Undated, Old, Late, Failed, UnknownType int64
	// Devices, Users and Addresses count the distinct devices, users and
	// public addresses seen.
	Devices, Users, Addresses int
	// Overflow counts events whose device or user was past
	// Config.MaxActors: they were analysed without it.
	Overflow int64
}

// Analyzer accumulates events and finds laptop farms in them. It is not
// safe for concurrent use.
type Analyzer struct {
	cfg          Config
	offices      map[string]bool // address keys of Config.Offices
	window       int64           // seconds
	windowDays   int32
	end          int64 // unix seconds, 0 = open
	sharedEgress int
	sanctioned   uint32 // bit i: remoteTools[i] is allowed

	people    []Person
	household []int32 // person → household (same home key or same name)
	byLogin   map[string]int32
	bySerial  map[string]int32
	homeIPs   map[netip.Addr][]int32

	maxT  int64
	stats Stats

	userByRaw map[string]int32
	userByKey map[string]int32
	users     []user
	devByRaw  map[string]int32
	devByKey  map[string]int32
	devs      []device

	spotByIP   map[netip.Addr]int32
	spotByCell map[[2]int32]int32
	spotByWiFi map[string]int32
	spots      []spot

	pairByKey map[uint64]int32
	pairs     []pair

	placeByRaw map[[3]string]int32
	regionOf   map[[2]string]int32
	places     []place

	fileByName map[string]int32
	files      []string

	progCache  map[string]int8
	asOrgCache map[string]uint8
	usbIfaces  map[uint64]uint8
	evidence   map[evKey]*evList
	ships      []shipment

	lastUserRaw string
	lastUser    int32
	lastDevRaw  string
	lastDev     int32
	lastFileRaw string
	lastFile    int32
}

// New returns an Analyzer for the organisation's people.
func New(cfg Config, people []Person) *Analyzer {
	a := &Analyzer{
		cfg:        cfg,
		offices:    map[string]bool{},
		byLogin:    map[string]int32{},
		bySerial:   map[string]int32{},
		homeIPs:    map[netip.Addr][]int32{},
		userByRaw:  map[string]int32{},
		userByKey:  map[string]int32{},
		devByRaw:   map[string]int32{},
		devByKey:   map[string]int32{},
		spotByIP:   map[netip.Addr]int32{},
		spotByCell: map[[2]int32]int32{},
		spotByWiFi: map[string]int32{},
		pairByKey:  map[uint64]int32{},
		placeByRaw: map[[3]string]int32{},
		regionOf:   map[[2]string]int32{},
		fileByName: map[string]int32{},
		progCache:  map[string]int8{},
		asOrgCache: map[string]uint8{},
		usbIfaces:  map[uint64]uint8{},
		evidence:   map[evKey]*evList{},
		lastUser:   -1,
		lastDev:    -1,
		lastFile:   -1,
	}
	w := cfg.Window
	if w <= 0 {
		w = DefaultWindow
	}
	w = min(w, MaxWindow)
	a.window = int64(w / time.Second)
	a.windowDays = int32((a.window + 86399) / 86400)
	if !cfg.End.IsZero() {
		a.end = cfg.End.Unix()
		a.maxT = a.end
	}
	a.sharedEgress = cfg.SharedEgress
	if a.sharedEgress <= 0 {
		a.sharedEgress = DefaultSharedEgress
	}
	a.sharedEgress = min(a.sharedEgress, 64)
	for _, s := range cfg.SanctionedTools {
		if i := toolIndex(s); i >= 0 {
			a.sanctioned |= 1 << i
		}
	}

	a.people = make([]Person, len(people))
	for i, p := range people {
		p.Emails = cloneStrings(p.Emails)
		p.Logins = cloneStrings(p.Logins)
		p.Devices = cloneStrings(p.Devices)
		p.HomeIPs = append([]netip.Addr(nil), p.HomeIPs...)
		a.people[i] = p
		for _, s := range append(append([]string(nil), p.Emails...), p.Logins...) {
			if k := strings.ToLower(strings.TrimSpace(s)); k != "" {
				// A login two people give ties to neither: guessing would
				// put one person's laptop beside another's sign-ins.
				if prev, dup := a.byLogin[k]; !dup {
					a.byLogin[k] = int32(i)
				} else if prev != int32(i) {
					a.byLogin[k] = ambiguous
				}
			}
		}
		for _, s := range p.Devices {
			if k := deviceKey(s); k != "" {
				if prev, dup := a.bySerial[k]; !dup {
					a.bySerial[k] = int32(i)
				} else if prev != int32(i) {
					a.bySerial[k] = ambiguous
				}
			}
		}
		for _, ip := range p.HomeIPs {
			ip = siteAddr(ip)
			a.homeIPs[ip] = append(a.homeIPs[ip], int32(i))
		}
	}
	a.household = households(a.people, a.homeKey)
	for _, o := range cfg.Offices {
		if k := a.addressKey(o); k != "" {
			a.offices[k] = true
		}
	}
	return a
}

func cloneStrings(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.Clone(v)
	}
	return out
}

// households groups people who share a home address key, and records of
// the same name (one person entered twice), with a union-find.
func households(people []Person, homeKey func(*Person) string) []int32 {
	parent := make([]int32, len(people))
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, b int32) {
		if ra, rb := find(a), find(b); ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}
	byHome := map[string]int32{}
	byName := map[string]int32{}
	for i, p := range people {
		if k := homeKey(&people[i]); k != "" {
			if j, ok := byHome[k]; ok {
				union(j, int32(i))
			} else {
				byHome[k] = int32(i)
			}
		}
		if n := nameKey(p.Name); n != "" {
			if j, ok := byName[n]; ok {
				union(j, int32(i))
			} else {
				byName[n] = int32(i)
			}
		}
	}
	out := make([]int32, len(people))
	for i := range out {
		out[i] = find(int32(i))
	}
	return out
}

// nameKey folds a name so that "Jane  SMITH" and "Smith Jane" are one.
func nameKey(n string) string {
	f := strings.Fields(strings.ToLower(n))
	if len(f) == 0 {
		return ""
	}
	for i := 1; i < len(f); i++ {
		for j := i; j > 0 && f[j] < f[j-1]; j-- {
			f[j], f[j-1] = f[j-1], f[j]
		}
	}
	return strings.Join(f, " ")
}

// addressKey canonicalises a postal address with Config.AddressKey, or
// by default to its folded street line and city.
func (a *Analyzer) addressKey(s string) string {
	if a.cfg.AddressKey != nil {
		return a.cfg.AddressKey(s)
	}
	return defaultAddressKey(s)
}

// defaultAddressKey keeps an address's first field (the street line) and
// its city, lower-cased, punctuation dropped, spaces folded and common
// street words abbreviated: "12 Oak Street, Denver, CO 80202, US" and
// "12 oak st., denver, co, us" are one key. Postal code, region and
// country are left out as the two forms in play (ship-to text and a
// subject's home fields) do not carry them alike.
func defaultAddressKey(s string) string {
	fields := strings.Split(s, ",")
	var parts []string
	for _, f := range fields {
		if f = foldWords(f); f != "" {
			parts = append(parts, f)
		}
		if len(parts) == 2 {
			break
		}
	}
	return strings.Join(parts, "|")
}

var streetWords = map[string]string{
	"street": "st", "avenue": "ave", "av": "ave", "road": "rd", "drive": "dr", "lane": "ln", "boulevard": "blvd",
	"court": "ct", "place": "pl", "terrace": "ter", "highway": "hwy", "parkway": "pkwy", "circle": "cir",
	"apartment": "apt", "suite": "ste", "unit": "apt", "north": "n", "south": "s", "east": "e", "west": "w",
	"square": "sq", "trail": "trl",
}

func foldWords(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
	for i, w := range words {
		if r, ok := streetWords[w]; ok {
			words[i] = r
		}
	}
	return strings.Join(words, " ")
}

// ambiguous marks a login or serial several people give: it ties to no
// one.
const ambiguous int32 = -2

// deviceKey is the canonical form of a serial or host id: the form
// ringfence gives the devices of subject records (normalize.Device), so
// that "C02X-1234-AB" shipped, "C02X1234AB" in the MDM and the record's
// device are one laptop; the upper-cased text when it is no device id.
func deviceKey(s string) string {
	if v, err := normalize.Device(s); err == nil {
		return v.Canonical
	}
	return strings.ToUpper(strings.TrimSpace(s))
}

// Stats reports what Add has done so far.
func (a *Analyzer) Stats() Stats {
	s := a.stats
	s.Devices, s.Users, s.Addresses = len(a.devs), len(a.users), len(a.spotByIP)
	return s
}

// Add analyses a batch of events. It keeps no reference to the batch or
// to the events' detail structs, so the caller may reuse them; strings it
// keeps are copied the first time they are seen. Add is O(1) amortised per
// event and allocates nothing in the steady state (new devices, users,
// addresses and the first MaxEvidence items of a finding allocate).
func (a *Analyzer) Add(events []telemetry.Event) {
	for i := range events {
		a.add(&events[i])
	}
}

func (a *Analyzer) add(e *telemetry.Event) {
	a.stats.Events++
	if e.Time.IsZero() {
		a.stats.Undated++
		return
	}
	t := e.Time.Unix()
	if a.end != 0 && t > a.end {
		a.stats.Late++
		return
	}
	if e.Type == telemetry.Shipment {
		// Laptops are shipped at hire, often long before the window; a
		// shipment neither moves the window nor falls out of it.
		a.addShipment(e, t)
		a.stats.Used++
		return
	}
	if t > a.maxT && a.end == 0 {
		a.maxT = t
	}
	if t < a.maxT-a.window {
		a.stats.Old++
		if (e.Type == telemetry.Enrollment || e.Type == telemetry.Seen) && e.Device != "" && e.User != "" {
			// Who holds a device does not age with the window.
			if dev := a.deviceID(e.Device); dev >= 0 {
				a.link(dev, a.userID(e.User), 1)
			}
		}
		return
	}
	day := dayOf(t)
	switch e.Type {
	case telemetry.SignIn:
		if !a.addSignIn(e, t, day) {
			return
		}
	case telemetry.Seen:
		a.addSeen(e, t, day)
	case telemetry.Enrollment:
		dev := a.observe(e, t, day)
		if dev >= 0 {
			a.link(dev, a.userID(e.User), 2)
		}
	case telemetry.USB:
		dev := a.observe(e, t, day)
		if dev >= 0 && e.USBDevice != nil {
			a.addUSB(e, t, day, dev)
		}
	case telemetry.Display:
		dev := a.observe(e, t, day)
		if dev >= 0 && e.DisplayDev != nil {
			a.addDisplay(e, t, day, dev)
		}
	case telemetry.Program:
		dev := a.observe(e, t, day)
		if dev >= 0 && e.ProgramApp != nil {
			a.addProgram(e, t, day, dev)
		}
	case telemetry.WiFi:
		dev := a.observe(e, t, day)
		if dev >= 0 && e.Network != nil && e.Network.BSSID != "" {
			a.touch(dev, a.deviceWiFiSpot(dev, e.Network), t, day, e)
		}
	default:
		a.stats.UnknownType++
		return
	}
	a.stats.Used++
}

// dayOf is the UTC day number of a Unix time.
func dayOf(t int64) int32 {
	if t < 0 {
		return int32((t - 86399) / 86400)
	}
	return int32(t / 86400)
}

// windowStart is the first second of the window.
func (a *Analyzer) windowStart() int64 { return a.maxT - a.window }

// firstDay is the first day of the window; days are counted from it.
func (a *Analyzer) firstDay() int32 { return dayOf(a.windowStart()) }
