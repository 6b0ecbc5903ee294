package farm

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"time"

	"github.com/ringfence/ringfence/internal/telemetry"
)

// SimOptions shape a simulated fleet. Zero values take the defaults named.
type SimOptions struct {
	// Employees is the size of the fleet; default 100. Each has one
	// laptop, a fifth two.
	Employees int
	// Days of telemetry; default 30.
	Days int
	// Start is the first day (UTC midnight); default 2025-03-03.
	Start time.Time
	// EventsPerDeviceDay is the mean number of events per laptop per day:
	// MDM check-ins, sign-ins, program and USB inventory; default 12.
	EventsPerDeviceDay int
	// Farms are planted laptop farms.
	Farms []SimFarm
	// Households are pairs of employees who share a home address, a home
	// IP and a Wi-Fi network.
	Households int
	// CorporateVPN employees work through the corporate VPN egress.
	CorporateVPN int
	// ConsumerVPN employees sign in through a commercial VPN a third of
	// the time.
	ConsumerVPN int
	// Travellers fly to London for four days mid-window.
	Travellers int
	// Helpdesk employees run TeamViewer, which SimConfig sanctions.
	Helpdesk int
	// DevBoards employees plug in a development board with the bare Linux
	// gadget id 1d6b:0104.
	DevBoards int
	// Unenrolled employees are shipped a second laptop that never appears.
	Unenrolled int
	// Cafes are pairs of employees who work from one café one afternoon.
	Cafes int
}

// SimFarm is a planted laptop farm: Laptops laptops of Employees
// employees (who claim homes elsewhere) online behind one residential
// address, PiKVM of them with a PiKVM attached and AnyDesk running
// AnyDesk; the workers sign in from UTC+8 working hours, through Astrill
// if Astrill is set. The laptops are shipped to the facilitator's address.
type SimFarm struct {
	Laptops, Employees int
	PiKVM, AnyDesk     int
	Astrill            bool
}

// Simulated networks, for SimConfig.
var (
	simCorporate = netip.MustParsePrefix("203.0.113.0/24")
	simAstrill   = netip.MustParsePrefix("185.220.101.0/24")
	simVPN       = netip.MustParsePrefix("198.51.100.0/24")
)

// SimConfig is the Config that matches the simulation's networks: the
// corporate egress, VPN ranges as loaded intelligence would tag them, and
// TeamViewer sanctioned (the helpdesk's tool).
func SimConfig() Config {
	return Config{
		SanctionedTools: []string{"TeamViewer"},
		CorporateEgress: []netip.Prefix{simCorporate},
		IPInfo: func(ip netip.Addr) (string, string, bool) {
			switch {
			case simAstrill.Contains(ip):
				return "vpn", "Astrill VPN egress", true
			case simVPN.Contains(ip):
				return "vpn", "consumer VPN egress", true
			}
			return "", "", false
		},
	}
}

type simCity struct {
	city, region, postal string
	lat, lon             float64
	offset               int
}

var simCities = []simCity{
	{"New York", "NY", "10001", 40.713, -74.006, -5}, {"Denver", "CO", "80202", 39.739, -104.990, -7},
	{"Austin", "TX", "78701", 30.267, -97.743, -6}, {"Seattle", "WA", "98101", 47.606, -122.332, -8},
	{"Chicago", "IL", "60601", 41.878, -87.630, -6}, {"Atlanta", "GA", "30303", 33.749, -84.388, -5},
	{"Phoenix", "AZ", "85004", 33.448, -112.074, -7}, {"Boston", "MA", "02108", 42.360, -71.059, -5},
	{"Portland", "OR", "97204", 45.515, -122.679, -8}, {"Miami", "FL", "33130", 25.762, -80.192, -5},
	{"Minneapolis", "MN", "55401", 44.978, -93.265, -6}, {"San Diego", "CA", "92101", 32.716, -117.161, -8},
}

var simFarmCity = simCity{"Nashville", "TN", "37201", 36.163, -86.781, -6}

var (
	simFirst = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
		"Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos",
		"Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley",
		"Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kevin", "Carol", "Brian", "Amanda", "George",
		"Melissa", "Timothy", "Deborah", "Ronald", "Stephanie", "Jason", "Rebecca", "Ryan", "Laura"}
	simLast = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
		"Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
		"Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
		"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
		"Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts"}
	simStreets = []string{"Oak Street", "Maple Avenue", "Cedar Lane", "Pine Road", "Elm Drive", "Birch Court",
		"Walnut Street", "Spruce Way", "Willow Lane", "Aspen Drive"}
)

// Shared detail structs: the simulation hands out the same pointers again
// and again, which Add allows (it copies nothing from them it keeps).
var (
	simSignIn      = &telemetry.SignInInfo{Outcome: "SUCCESS", ASOrg: "Comcast Cable Communications", ASN: 7922}
	simSignInProxy = &telemetry.SignInInfo{Outcome: "SUCCESS", IsProxy: true, ASOrg: "M247 Europe SRL", ASN: 9009}
	simSignInCorp  = &telemetry.SignInInfo{Outcome: "SUCCESS", ASOrg: "Example Corp", ASN: 64500}
	simPrograms    = []*telemetry.ProgramInfo{
		{Name: "Zoom", Version: "6.1.0", Publisher: "Zoom Video Communications"},
		{Name: "Slack", Version: "4.41", Publisher: "Slack Technologies"},
		{Name: "Google Chrome", Version: "126.0", Publisher: "Google LLC"},
		{Name: "Visual Studio Code", Version: "1.90", Publisher: "Microsoft Corporation"},
		{Name: "1Password", Version: "8.10", Publisher: "AgileBits"},
		{Name: "Microsoft Outlook", Version: "16.86", Publisher: "Microsoft Corporation"},
	}
	simAnyDesk    = &telemetry.ProgramInfo{Name: "AnyDesk", Version: "8.0.11", Publisher: "AnyDesk Software GmbH", Path: "/Applications/AnyDesk.app"}
	simTeamViewer = &telemetry.ProgramInfo{Name: "TeamViewer", Version: "15.54", Publisher: "TeamViewer Germany GmbH"}
	simUSB        = []*telemetry.USBDevice{
		{VendorID: 0x046d, ProductID: 0xc52b, Vendor: "Logitech", Product: "USB Receiver", Class: "03", Subclass: "01", Protocol: "01"},
		{VendorID: 0x046d, ProductID: 0xc52b, Vendor: "Logitech", Product: "USB Receiver", Class: "03", Subclass: "01", Protocol: "02"},
		{VendorID: 0x05ac, ProductID: 0x024f, Vendor: "Apple Inc.", Product: "Magic Keyboard", Class: "03", Subclass: "01", Protocol: "01"},
		{VendorID: 0x1050, ProductID: 0x0407, Vendor: "Yubico", Product: "YubiKey OTP+FIDO+CCID", Class: "03", Subclass: "01", Protocol: "01"},
		{VendorID: 0x0781, ProductID: 0x5583, Vendor: "SanDisk", Product: "Ultra Fit", Class: "08", Subclass: "06", Protocol: "50", Removable: true},
	}
	simPiKVM = &telemetry.USBDevice{VendorID: gadgetVendor, ProductID: gadgetProduct, Vendor: "PiKVM", Product: "PiKVM Composite Device",
		Serial: "CAFEBABE", Interfaces: []string{"03/01/01", "03/00/00", "08/06/50"}}
	simDevBoard = &telemetry.USBDevice{VendorID: gadgetVendor, ProductID: gadgetProduct, Vendor: "Linux Foundation",
		Product: "Multifunction Composite Gadget", Serial: "0123456789", Interfaces: []string{"02/02/01", "0a/00/00"}}
	simMonitor      = &telemetry.DisplayDevice{Name: "DELL U2720Q", Manufacturer: "DEL", ProductID: 0xa0f1}
	simPiKVMDisplay = &telemetry.DisplayDevice{Name: "PiKVM V3", Manufacturer: "LNX", ProductID: 0x7770}
)

type simEmp struct {
	role    string
	person  int
	email   string
	home    netip.Addr
	loc     telemetry.Location
	offset  int // local time = UTC + offset hours
	wifi    *telemetry.WiFiNetwork
	farm    int // index into farms, or -1
	vpn     bool
	corp    bool
	travel  int // first day abroad, or -1
	cafe    int // day at the café, or -1
	cafeIP  netip.Addr
	newHire bool
	address string // ship-to form of the home address
}

type simDev struct {
	serial    string
	emp       int
	pikvm     bool
	anydesk   bool
	teamview  bool
	devboard  bool
	neverSeen bool
}

type simFarmState struct {
	SimFarm
	ip      netip.Addr
	wifi    *telemetry.WiFiNetwork
	loc     telemetry.Location
	address string
}

// Simulator generates a fleet's telemetry as a stream of events, day by
// day and laptop by laptop, fast enough (several million events a second)
// that benchmarks can generate tens of millions on the fly.
type Simulator struct {
	opt    SimOptions
	rng    *rand.Rand
	people []Person
	emps   []simEmp
	devs   []simDev
	farms  []simFarmState
	start  int64

	day, dev int
	pending  []telemetry.Event
	pos      int
	lines    [4]int
}

// Simulate returns a whole simulated fleet's events and its people.
func Simulate(seed int64, opt SimOptions) ([]telemetry.Event, []Person) {
	s := NewSimulator(seed, opt)
	var out []telemetry.Event
	buf := make([]telemetry.Event, 4096)
	for {
		n := s.Next(buf)
		if n == 0 {
			return out, s.People()
		}
		out = append(out, buf[:n]...)
	}
}

// NewSimulator lays out a fleet; the same seed and options give the same
// fleet and events.
func NewSimulator(seed int64, opt SimOptions) *Simulator {
	if opt.Employees <= 0 {
		opt.Employees = 100
	}
	if opt.Days <= 0 {
		opt.Days = 30
	}
	if opt.Start.IsZero() {
		opt.Start = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	}
	if opt.EventsPerDeviceDay <= 0 {
		opt.EventsPerDeviceDay = 12
	}
	s := &Simulator{opt: opt, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed)), start: opt.Start.UTC().Truncate(24 * time.Hour).Unix()}
	s.layout()
	return s
}

// People returns the fleet's people, as a caller builds them from
// subject records.
func (s *Simulator) People() []Person { return s.people }

// Roles maps the id of every planted person to their part: "farm0" (the
// first farm's workers), "household", "corporate_vpn", "consumer_vpn",
// "traveller", "cafe", "helpdesk", "devboard", "unenrolled". Ordinary
// employees are not listed.
func (s *Simulator) Roles() map[string]string {
	out := map[string]string{}
	for i := range s.emps {
		if r := s.emps[i].role; r != "" {
			out[s.people[i].ID] = r
		}
	}
	return out
}

// Devices returns the number of simulated laptops.
func (s *Simulator) Devices() int { return len(s.devs) }

func simHomeIP(i int) netip.Addr {
	// Residential-looking, unique per home.
	return netip.AddrFrom4([4]byte{73, byte(i / 62500), byte(i / 250 % 250), byte(i%250 + 2)})
}

func (s *Simulator) layout() {
	rng := s.rng
	n := s.opt.Employees
	s.emps = make([]simEmp, n)
	s.people = make([]Person, n)
	next := 0
	take := func(k int) []int {
		var out []int
		for range k {
			if next >= n {
				break
			}
			out = append(out, next)
			next++
		}
		return out
	}
	for i := range s.emps {
		e := &s.emps[i]
		c := simCities[rng.IntN(len(simCities))]
		first, last := simFirst[i%len(simFirst)], simLast[(i/len(simFirst))%len(simLast)]
		name := first + " " + last
		if k := i / (len(simFirst) * len(simLast)); k > 0 {
			name = first + " " + string(rune('A'+(k-1)%26)) + ". " + last
		}
		if i >= len(simFirst)*len(simLast)*27 {
			name += " " + strconv.Itoa(i)
		}
		line := strconv.Itoa(100+rng.IntN(9800)) + " " + simStreets[rng.IntN(len(simStreets))]
		*e = simEmp{person: i, email: fmt.Sprintf("%s.%s%d@example.com", lower(first), lower(last), i),
			home: simHomeIP(i), offset: c.offset, farm: -1, travel: -1, cafe: -1,
			loc:     telemetry.Location{City: c.city, Region: c.region, Country: "US", Lat: c.lat + rng.Float64()*0.1, Lon: c.lon + rng.Float64()*0.1, HasCoords: true},
			newHire: rng.IntN(20) == 0,
			wifi:    &telemetry.WiFiNetwork{SSID: "home-" + strconv.Itoa(i), BSSID: simBSSID(i)},
		}
		e.address = line + ", " + c.city + ", " + c.region + " " + c.postal + ", US"
		s.people[i] = Person{ID: fmt.Sprintf("E%05d", i), Name: name, Emails: []string{e.email},
			Home: Place{Line: line, City: c.city, Region: c.region, Country: "US"}}
	}
	// Farms first, so that small fleets still get them.
	for fi, f := range s.opt.Farms {
		fs := simFarmState{SimFarm: f, ip: netip.AddrFrom4([4]byte{98, 40, byte(fi), 17}),
			wifi:    &telemetry.WiFiNetwork{SSID: "NETGEAR-" + strconv.Itoa(fi), BSSID: simBSSID(1<<20 + fi)},
			loc:     telemetry.Location{City: simFarmCity.city, Region: simFarmCity.region, Country: "US", Lat: simFarmCity.lat, Lon: simFarmCity.lon, HasCoords: true},
			address: strconv.Itoa(70+fi) + " Magnolia Lane, Nashville, TN 37201, US"}
		s.farms = append(s.farms, fs)
		members := take(f.Employees)
		for _, i := range members {
			s.emps[i].farm = fi
			s.emps[i].newHire = true
			s.emps[i].role = "farm" + strconv.Itoa(fi)
		}
		for l := range f.Laptops {
			if len(members) == 0 {
				break
			}
			emp := members[l%len(members)]
			d := simDev{serial: simSerial(len(s.devs)), emp: emp, pikvm: l < f.PiKVM, anydesk: l >= f.Laptops-f.AnyDesk}
			s.devs = append(s.devs, d)
		}
	}
	for range s.opt.Households {
		p := take(2)
		if len(p) < 2 {
			break
		}
		a, b := &s.emps[p[0]], &s.emps[p[1]]
		a.role, b.role = "household", "household"
		b.home, b.loc, b.offset, b.wifi, b.address = a.home, a.loc, a.offset, a.wifi, a.address
		s.people[p[1]].Home = s.people[p[0]].Home
	}
	for _, i := range take(s.opt.CorporateVPN) {
		s.emps[i].corp, s.emps[i].role = true, "corporate_vpn"
	}
	for _, i := range take(s.opt.ConsumerVPN) {
		s.emps[i].vpn, s.emps[i].role = true, "consumer_vpn"
	}
	for _, i := range take(s.opt.Travellers) {
		s.emps[i].travel, s.emps[i].role = s.opt.Days/3+rng.IntN(max(s.opt.Days/3, 1)), "traveller"
	}
	for c := range s.opt.Cafes {
		p := take(2)
		day := rng.IntN(s.opt.Days)
		for _, i := range p {
			s.emps[i].cafe, s.emps[i].role = day, "cafe"
			s.emps[i].cafeIP = netip.AddrFrom4([4]byte{24, 60, byte(c / 250), byte(c%250 + 2)})
		}
	}
	helpdesk := take(s.opt.Helpdesk)
	boards := take(s.opt.DevBoards)
	unenrolled := take(s.opt.Unenrolled)
	for role, ids := range map[string][]int{"helpdesk": helpdesk, "devboard": boards, "unenrolled": unenrolled} {
		for _, i := range ids {
			s.emps[i].role = role
		}
	}
	// Everyone not on a farm gets one or two laptops.
	for i := range s.emps {
		if s.emps[i].farm >= 0 {
			continue
		}
		k := 1
		if rng.IntN(5) == 0 {
			k = 2
		}
		for range k {
			s.devs = append(s.devs, simDev{serial: simSerial(len(s.devs)), emp: i})
		}
	}
	first := map[int]int{}
	for d := range s.devs {
		if _, ok := first[s.devs[d].emp]; !ok {
			first[s.devs[d].emp] = d
		}
	}
	for _, i := range helpdesk {
		s.devs[first[i]].teamview = true
	}
	for _, i := range boards {
		s.devs[first[i]].devboard = true
	}
	for _, i := range unenrolled {
		s.devs = append(s.devs, simDev{serial: simSerial(len(s.devs)), emp: i, neverSeen: true})
	}
	for d := range s.devs {
		p := &s.people[s.devs[d].emp]
		p.Devices = append(p.Devices, s.devs[d].serial)
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func simSerial(i int) string { return fmt.Sprintf("C02%07d", i) }

func simBSSID(i int) string {
	return fmt.Sprintf("a4:2b:b0:%02x:%02x:%02x", byte(i>>16), byte(i>>8), byte(i))
}

// Sources, for File and Line.
const (
	srcOkta = iota
	srcJamf
	srcOsquery
	srcShip
)

var simFiles = [4]string{"okta-system-log.jsonl", "jamf-inventory.csv", "osquery-results.log", "shipments.csv"}
var simSources = [4]string{"okta", "jamf", "osquery", "generic"}

// Next fills batch with the next events and returns how many; 0 when the
// fleet's days are done. The events' detail structs are shared between
// events and calls.
func (s *Simulator) Next(batch []telemetry.Event) int {
	n := 0
	for n < len(batch) {
		if s.pos == len(s.pending) {
			if s.day >= s.opt.Days {
				break
			}
			s.pending = s.deviceDay(s.pending[:0])
			s.pos = 0
			s.dev++
			if s.dev == len(s.devs) {
				s.dev = 0
				s.day++
			}
			continue
		}
		k := copy(batch[n:], s.pending[s.pos:])
		n += k
		s.pos += k
	}
	return n
}

func (s *Simulator) event(out []telemetry.Event, src int, typ string, t int64) *telemetry.Event {
	s.lines[src]++
	out = append(out, telemetry.Event{Time: time.Unix(t, 0).UTC(), Source: simSources[src], Type: typ, File: simFiles[src], Line: s.lines[src]})
	s.pending = out
	return &out[len(out)-1]
}

// deviceDay generates one laptop's events of the current day.
func (s *Simulator) deviceDay(out []telemetry.Event) []telemetry.Event {
	s.pending = out
	d := &s.devs[s.dev]
	e := &s.emps[d.emp]
	rng := s.rng
	dayStart := s.start + int64(s.day)*86400
	if s.day == 0 {
		if e.newHire || d.neverSeen {
			ev := s.event(s.pending, srcShip, telemetry.Shipment, dayStart-3*86400+int64(rng.IntN(86400)))
			addr := e.address
			if e.farm >= 0 {
				addr = s.farms[e.farm].address
			}
			ev.User, ev.Device = e.email, d.serial
			ev.ShipTo = &telemetry.ShipmentInfo{Serial: d.serial, Address: addr}
		}
		if !d.neverSeen {
			ev := s.event(s.pending, srcJamf, telemetry.Enrollment, dayStart+int64(rng.IntN(3600)))
			ev.User, ev.Device = e.email, d.serial
		}
	}
	if d.neverSeen {
		return s.pending
	}
	// Where the laptop is today.
	ip, loc, signInfo := e.home, e.loc, simSignIn
	wifi := e.wifi
	offset := e.offset
	abroad := e.travel >= 0 && s.day > e.travel && s.day <= e.travel+4
	flying := e.travel >= 0 && (s.day == e.travel || s.day == e.travel+5)
	var farm *simFarmState
	switch {
	case e.farm >= 0:
		farm = &s.farms[e.farm]
		ip, loc, wifi = farm.ip, farm.loc, farm.wifi
	case e.corp:
		ip, signInfo = netip.AddrFrom4([4]byte{203, 0, 113, byte(10 + d.emp%4)}), simSignInCorp
		loc = telemetry.Location{City: "Ashburn", Region: "VA", Country: "US", Lat: 39.044, Lon: -77.487, HasCoords: true}
	case abroad:
		ip = netip.AddrFrom4([4]byte{81, byte(d.emp / 62500), byte(d.emp / 250 % 250), byte(d.emp%250 + 2)})
		loc = telemetry.Location{City: "London", Region: "England", Country: "GB", Lat: 51.507, Lon: -0.128, HasCoords: true}
		offset, wifi = 0, nil
	}
	cafe := e.cafe == s.day
	if flying {
		return s.pending
	}
	mean := s.opt.EventsPerDeviceDay
	n := mean/2 + rng.IntN(mean+1)
	for range n {
		var t int64
		if farm != nil {
			t = dayStart + int64(rng.IntN(86400))
		} else {
			// Local working hours, 08:00–19:00.
			t = dayStart + int64((8-offset)*3600+rng.IntN(11*3600))
		}
		atIP, atLoc := ip, loc
		if cafe && farm == nil && !e.corp && t%86400 >= int64((13-offset+24)%24)*3600 {
			atIP = e.cafeIP
		}
		switch r := rng.IntN(100); {
		case r < 30: // sign-in
			ev := s.event(s.pending, srcOkta, telemetry.SignIn, t)
			ev.User, ev.IP, ev.Location, ev.SignInInfo = e.email, atIP, atLoc, signInfo
			if farm != nil {
				// The worker's own working day, UTC+8.
				ev.Time = time.Unix(dayStart+int64(rng.IntN(10*3600)), 0).UTC()
				if farm.Astrill && rng.IntN(3) == 0 {
					ev.IP = netip.AddrFrom4([4]byte{185, 220, 101, byte(2 + e.person%200)})
					ev.Location = telemetry.Location{City: "Shenyang", Region: "Liaoning", Country: "CN", Lat: 41.805, Lon: 123.431, HasCoords: true}
					ev.SignInInfo = simSignInProxy
				}
			} else if e.vpn && rng.IntN(3) == 0 {
				ev.IP = netip.AddrFrom4([4]byte{198, 51, 100, byte(2 + e.person%200)})
				ev.Location = telemetry.Location{City: "Amsterdam", Region: "North Holland", Country: "NL", Lat: 52.370, Lon: 4.895, HasCoords: true}
				ev.SignInInfo = simSignInProxy
			}
		case r < 65: // MDM check-in
			ev := s.event(s.pending, srcJamf, telemetry.Seen, t)
			ev.User, ev.Device, ev.IP, ev.Location = e.email, d.serial, atIP, atLoc
		case r < 88: // program inventory
			ev := s.event(s.pending, srcOsquery, telemetry.Program, t)
			ev.Device = d.serial
			ev.ProgramApp = simPrograms[rng.IntN(len(simPrograms))]
			switch {
			case d.anydesk && rng.IntN(3) == 0:
				ev.ProgramApp = simAnyDesk
			case d.teamview && rng.IntN(3) == 0:
				ev.ProgramApp = simTeamViewer
			}
		case r < 95: // USB
			ev := s.event(s.pending, srcOsquery, telemetry.USB, t)
			ev.Device = d.serial
			ev.USBDevice = simUSB[rng.IntN(len(simUSB))]
			switch {
			case d.pikvm && rng.IntN(2) == 0:
				ev.USBDevice = simPiKVM
			case d.devboard && rng.IntN(4) == 0:
				ev.USBDevice = simDevBoard
			}
		case r < 97: // display
			ev := s.event(s.pending, srcOsquery, telemetry.Display, t)
			ev.Device, ev.DisplayDev = d.serial, simMonitor
			if d.pikvm {
				ev.DisplayDev = simPiKVMDisplay
			}
		default: // Wi-Fi
			if wifi == nil || atIP != ip {
				continue
			}
			ev := s.event(s.pending, srcOsquery, telemetry.WiFi, t)
			ev.Device, ev.Network = d.serial, wifi
		}
	}
	return s.pending
}
