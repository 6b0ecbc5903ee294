package farm

import (
	"math"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/telemetry"
)

// dayset is a set of UTC day numbers: the 64 days ending at the newest day
// added. A day older than that is dropped, which the window (at most 63
// days) never needs.
type dayset struct {
	base int32
	bits uint64
}

func (s *dayset) add(d int32) {
	switch {
	case s.bits == 0:
		s.base, s.bits = d, 1
	case d >= s.base && d < s.base+64:
		s.bits |= 1 << uint(d-s.base)
	case d >= s.base+64:
		shift := d - (s.base + 63)
		if shift >= 64 {
			s.bits = 0
		} else {
			s.bits >>= uint(shift)
		}
		s.base += shift
		s.bits |= 1 << 63
		if s.bits == 1<<63 {
			// Only the new day is left: keep base at it.
			s.base, s.bits = d, 1
		}
	default: // d < s.base
		need := s.base - d
		top := 63 - int32(bits.LeadingZeros64(s.bits))
		if top+need > 63 {
			return
		}
		s.bits = s.bits<<uint(need) | 1
		s.base = d
	}
}

// from returns the days from day `from` on, as bits 0…63.
func (s dayset) from(from int32) uint64 {
	if s.bits == 0 {
		return 0
	}
	shift := s.base - from
	switch {
	case shift >= 64 || shift <= -64:
		return 0
	case shift >= 0:
		return s.bits << uint(shift)
	default:
		return s.bits >> uint(-shift)
	}
}

// activity is what is kept about where and when a device or a user was.
type activity struct {
	hours [24]uint32 // events per UTC hour
	locs  [3]locSlot // the first three places seen, with their days
	// lastCountry and lastRegion cache the previous event's place.
	lastCountry, lastRegion, lastCity string
	lastPlace                         int32
}

type locSlot struct {
	place int32 // index+1 into places; 0 = empty
	file  int32 // the first event there
	line  int32
	t     int64
	days  dayset
}

func (ac *activity) addPlace(a *Analyzer, e *telemetry.Event, t int64, day int32) {
	loc := &e.Location
	if loc.Country == "" && loc.Region == "" {
		return
	}
	p := ac.lastPlace
	if p == 0 || loc.Country != ac.lastCountry || loc.Region != ac.lastRegion || loc.City != ac.lastCity {
		p = a.placeID(loc) + 1
		ac.lastPlace, ac.lastCountry, ac.lastRegion, ac.lastCity = p, a.places[p-1].rawCountry, a.places[p-1].rawRegion, a.places[p-1].rawCity
	}
	// Slots hold places by region: the city only labels them.
	region := a.places[p-1].region
	for i := range ac.locs {
		s := &ac.locs[i]
		if s.place == 0 {
			s.place, s.file, s.line, s.t = p, a.fileID(e.File), int32(e.Line), t
			s.days.add(day)
			return
		}
		if a.places[s.place-1].region == region {
			if t < s.t || t == s.t && a.before(e, s.file, s.line) {
				s.file, s.line, s.t = a.fileID(e.File), int32(e.Line), t
			}
			s.days.add(day)
			return
		}
	}
}

// place is a country and region (and the first city seen there).
type place struct {
	rawCountry, rawRegion, rawCity string
	country, state                 string // ISO code upper-case; US state code
	region                         int32  // index of the first place with this country and state
	lat, lon                       float64
	hasCoords                      bool
}

func (p *place) label() string {
	var parts []string
	for _, s := range []string{p.rawCity, p.rawRegion, p.rawCountry} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// countryCode is the ISO 3166 alpha-2 code of a country code or name, or
// the value upper-cased when it names no country.
func countryCode(s string) string {
	if c, ok := normalize.Country(s); ok {
		return c
	}
	return strings.ToUpper(strings.TrimSpace(s))
}

func (a *Analyzer) placeID(loc *telemetry.Location) int32 {
	k := [3]string{loc.Country, loc.Region, loc.City}
	if id, ok := a.placeByRaw[k]; ok {
		return id
	}
	p := place{
		rawCountry: strings.Clone(loc.Country), rawRegion: strings.Clone(loc.Region), rawCity: strings.Clone(loc.City),
		country: countryCode(loc.Country),
		lat:     loc.Lat, lon: loc.Lon, hasCoords: loc.HasCoords,
	}
	p.state = strings.ToUpper(strings.TrimSpace(loc.Region))
	if code, _, ok := usState(loc.Region); ok && p.country == "US" {
		p.state = code
	}
	id := int32(len(a.places))
	rk := [2]string{p.country, p.state}
	if r, ok := a.regionOf[rk]; ok {
		p.region = r
	} else {
		p.region = id
		a.regionOf[rk] = id
	}
	a.places = append(a.places, p)
	a.placeByRaw[[3]string{p.rawCountry, p.rawRegion, p.rawCity}] = id
	return id
}

type user struct {
	raw    string // as first seen
	login  string // trimmed
	person int32

	signins, anon, astrill uint32
	signDays               dayset
	act                    activity

	// The previous successful, unanonymised sign-in, for travel.
	prevT        int64
	prevLat      float64
	prevLon      float64
	prevCoords   bool
	prevCountry  string
	prevIP       int32
	hasPrev      bool
	travelEvents uint32

	lastSpot, lastPair int32
	ipCache            ipCache
}

// ipCache remembers the last address an actor was seen at and its spot:
// devices and users stay on one address for long stretches.
type ipCache struct {
	addr netip.Addr
	spot int32
}

type device struct {
	raw      string // as first seen
	key      string // canonical serial or host id
	person   int32  // from Person.Devices, else -1
	user     int32  // the user enrolment or MDM names, else -1
	userPrio uint8
	observed bool
	kvm      uint8 // kvmNone … kvmDefault
	kvmSeen  uint8 // kinds of IP-KVM evidence listed (kvmHit)
	kvmLabel string
	tools    uint32 // bit i: remoteTools[i] seen
	first    int64
	last     int64
	days     dayset
	act      activity

	lastSpot, lastPair int32
	ipCache            ipCache
	wifiBSSID          string // the analyzer's copy
	wifiSpot           int32
}

// Spot kinds: where devices meet.
const (
	spotIP = iota
	spotCell
	spotWiFi
)

// Address classes.
const (
	classUnknown uint8 = iota // public, untagged: may be residential
	classCorp                 // Config.CorporateEgress
	classPrivate              // private, loopback, link-local, carrier-grade NAT
	classAnon                 // IPInfo: VPN, proxy, Tor
	classHosting              // IPInfo or AS organisation: hosting, cloud
	classGateway              // secure web gateway (AS organisation)
	classTagged               // IPInfo tag of another kind (country, ISP)
	classNotHome              // Config.Residential said no
)

// spot is a place where devices can be seen together: a public address, a
// Wi-Fi access point, or a cell of the map (about 100 m).
type spot struct {
	kind    uint8
	class   uint8
	astrill bool
	addr    netip.Addr
	key     string // BSSID (lower-case) or "lat,lon"
	bssid   string // BSSID as first seen
	label   string // SSID or place
	tag     string // IPInfo tag and label
	asOrg   string
	place   int32 // first place geolocated there, index+1
}

// pair is one device (or a user without a device) at one spot.
type pair struct {
	actor       int32 // device index, or ^user index
	spot        int32
	first, last int64
	n           uint32
	file        int32
	line        int32
	days        dayset
}

func (a *Analyzer) userID(raw string) int32 {
	if raw == "" {
		return -1
	}
	if raw == a.lastUserRaw && a.lastUser >= 0 {
		return a.lastUser
	}
	id, ok := a.userByRaw[raw]
	if !ok {
		raw = strings.Clone(raw)
		login := strings.TrimSpace(raw)
		k := strings.ToLower(login)
		if k == "" {
			return -1
		}
		id, ok = a.userByKey[k]
		if !ok {
			if a.full() {
				return -1
			}
			id = int32(len(a.users))
			a.users = append(a.users, user{raw: raw, login: login, person: a.personOfLogin(login), lastSpot: -1, lastPair: -1})
			a.userByKey[k] = id
		}
		a.userByRaw[raw] = id
	}
	// The cache holds the analyzer's own copy, never the caller's string.
	a.lastUserRaw, a.lastUser = a.users[id].raw, id
	return id
}

// personOfLogin ties a login or e-mail to a person: the whole value, the
// local part of an e-mail, or the name after a DOMAIN\ prefix.
func (a *Analyzer) personOfLogin(login string) int32 {
	k := strings.ToLower(login)
	if p, ok := a.byLogin[k]; ok {
		return max(p, -1) // ambiguous: nobody
	}
	if at := strings.LastIndexByte(k, '@'); at > 0 {
		if p, ok := a.byLogin[k[:at]]; ok {
			return max(p, -1)
		}
	}
	if bs := strings.LastIndexByte(k, '\\'); bs >= 0 {
		if p, ok := a.byLogin[k[bs+1:]]; ok {
			return max(p, -1)
		}
	}
	return -1
}

func (a *Analyzer) deviceID(raw string) int32 {
	if raw == "" {
		return -1
	}
	if raw == a.lastDevRaw && a.lastDev >= 0 {
		return a.lastDev
	}
	id, ok := a.devByRaw[raw]
	if !ok {
		raw = strings.Clone(raw)
		k := strings.Clone(deviceKey(raw))
		if k == "" {
			return -1
		}
		id, ok = a.devByKey[k]
		if !ok {
			if a.full() {
				return -1
			}
			id = int32(len(a.devs))
			person := int32(-1)
			if p, found := a.bySerial[k]; found && p != ambiguous {
				person = p
			}
			a.devs = append(a.devs, device{raw: raw, key: k, person: person, user: -1, lastSpot: -1, lastPair: -1})
			a.devByKey[k] = id
		}
		a.devByRaw[raw] = id
	}
	a.lastDevRaw, a.lastDev = a.devs[id].raw, id
	return id
}

// observe records that the event's device was active, and returns it.
func (a *Analyzer) observe(e *telemetry.Event, t int64, day int32) int32 {
	dev := a.deviceID(e.Device)
	if dev < 0 {
		return -1
	}
	d := &a.devs[dev]
	if !d.observed || t < d.first {
		d.first = t
	}
	if !d.observed || t > d.last {
		d.last = t
	}
	d.observed = true
	d.days.add(day)
	return dev
}

// link ties a device to the user an enrolment (prio 2) or an MDM row
// (prio 1) names; an enrolment wins over MDM rows.
func (a *Analyzer) link(dev, usr int32, prio uint8) {
	if usr < 0 {
		return
	}
	d := &a.devs[dev]
	if d.user < 0 || prio > d.userPrio {
		d.user, d.userPrio = usr, prio
	}
}

func (a *Analyzer) fileID(name string) int32 {
	if name == "" {
		return -1
	}
	if name == a.lastFileRaw && a.lastFile >= 0 {
		return a.lastFile
	}
	id, ok := a.fileByName[name]
	if !ok {
		name = strings.Clone(name)
		id = int32(len(a.files))
		a.files = append(a.files, name)
		a.fileByName[name] = id
	}
	a.lastFileRaw, a.lastFile = a.files[id], id
	return id
}

// cachedIPSpot is ipSpot through an actor's cache.
func (a *Analyzer) cachedIPSpot(c *ipCache, ip netip.Addr) int32 {
	if !ip.IsValid() {
		return -1
	}
	if ip == c.addr {
		return c.spot
	}
	sp := a.ipSpot(ip)
	c.addr, c.spot = ip, sp
	return sp
}

// actorIPSpot is ipSpot through the device's cache, or the user's.
func (a *Analyzer) actorIPSpot(dev, usr int32, ip netip.Addr) int32 {
	switch {
	case dev >= 0:
		return a.cachedIPSpot(&a.devs[dev].ipCache, ip)
	case usr >= 0:
		return a.cachedIPSpot(&a.users[usr].ipCache, ip)
	}
	return a.ipSpot(ip)
}

// before orders events of the same time by file and line, so that the
// evidence kept does not depend on the input order.
func (a *Analyzer) before(e *telemetry.Event, file, line int32) bool {
	f := ""
	if file >= 0 {
		f = a.files[file]
	}
	if e.File != f {
		return e.File < f
	}
	return int32(e.Line) < line
}

// ipSpot returns the spot of a public address, classifying it the first
// time; -1 for no address.
func (a *Analyzer) ipSpot(ip netip.Addr) int32 {
	if !ip.IsValid() {
		return -1
	}
	ip = siteAddr(ip)
	if id, ok := a.spotByIP[ip]; ok {
		return id
	}
	s := spot{kind: spotIP, addr: ip, class: classUnknown}
	switch {
	case a.corporate(ip):
		s.class = classCorp
	case ip.IsPrivate(), ip.IsLoopback(), ip.IsLinkLocalUnicast(), ip.IsUnspecified(), ip.IsMulticast(),
		cgnat.Contains(ip):
		s.class = classPrivate
	}
	if s.class == classUnknown && a.cfg.IPInfo != nil {
		if tag, label, ok := a.cfg.IPInfo(ip); ok {
			s.class, s.astrill = tagClass(tag, label)
			s.tag = strings.TrimSpace(strings.Clone(tag) + " " + strings.Clone(label))
		}
	}
	if s.class == classUnknown && a.cfg.Residential != nil && !a.cfg.Residential(ip) {
		s.class = classNotHome
	}
	id := int32(len(a.spots))
	a.spots = append(a.spots, s)
	a.spotByIP[ip] = id
	return id
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

func (a *Analyzer) corporate(ip netip.Addr) bool {
	for _, p := range a.cfg.CorporateEgress {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// cellSpot returns the map cell (0.001°, about 100 m) of a coordinate.
func (a *Analyzer) cellSpot(lat, lon float64) int32 {
	k := [2]int32{int32(math.Round(lat * 1000)), int32(math.Round(lon * 1000))}
	if id, ok := a.spotByCell[k]; ok {
		return id
	}
	id := int32(len(a.spots))
	a.spots = append(a.spots, spot{kind: spotCell,
		key: strconv.FormatFloat(float64(k[0])/1000, 'f', 3, 64) + "," + strconv.FormatFloat(float64(k[1])/1000, 'f', 3, 64)})
	a.spotByCell[k] = id
	return id
}

// deviceWiFiSpot is wifiSpot through the device's cache.
func (a *Analyzer) deviceWiFiSpot(dev int32, n *telemetry.WiFiNetwork) int32 {
	d := &a.devs[dev]
	if d.wifiBSSID != "" && n.BSSID == d.wifiBSSID {
		return d.wifiSpot
	}
	sp := a.wifiSpot(n)
	if sp < 0 {
		return -1
	}
	d.wifiBSSID, d.wifiSpot = a.spots[sp].bssid, sp
	return sp
}

func (a *Analyzer) wifiSpot(n *telemetry.WiFiNetwork) int32 {
	if id, ok := a.spotByWiFi[n.BSSID]; ok {
		return id
	}
	bssid := strings.ToLower(strings.Clone(n.BSSID))
	if placeholderBSSID(bssid) {
		// Every device that hides or lacks its access point reports one
		// of these: they are no place.
		return -1
	}
	if id, ok := a.spotByWiFi[bssid]; ok {
		a.spotByWiFi[strings.Clone(n.BSSID)] = id
		return id
	}
	id := int32(len(a.spots))
	a.spots = append(a.spots, spot{kind: spotWiFi, key: bssid, bssid: bssid, label: strings.Clone(n.SSID)})
	a.spotByWiFi[bssid] = id
	a.spotByWiFi[strings.Clone(n.BSSID)] = id
	return id
}

// placeholderBSSID says whether a BSSID names no access point: all zeros,
// broadcast, or the 02:00:00:00:00:00 that systems report when they hide
// it.
func placeholderBSSID(b string) bool {
	switch strings.NewReplacer(":", "", "-", "", ".", "").Replace(b) {
	case "", "000000000000", "ffffffffffff", "020000000000":
		return true
	}
	return false
}

// touch records an actor (a device, or ^user for a user without one) at a
// spot on a day.
func (a *Analyzer) touch(actor, sp int32, t int64, day int32, e *telemetry.Event) {
	if sp < 0 {
		return
	}
	var lastSpot, lastPair *int32
	if actor >= 0 {
		d := &a.devs[actor]
		lastSpot, lastPair = &d.lastSpot, &d.lastPair
	} else {
		u := &a.users[^actor]
		lastSpot, lastPair = &u.lastSpot, &u.lastPair
	}
	var p int32
	if *lastSpot == sp {
		p = *lastPair
	} else {
		key := uint64(uint32(actor))<<32 | uint64(uint32(sp))
		var ok bool
		p, ok = a.pairByKey[key]
		if !ok {
			p = int32(len(a.pairs))
			a.pairs = append(a.pairs, pair{actor: actor, spot: sp, first: t, last: t, file: a.fileID(e.File), line: int32(e.Line)})
			a.pairByKey[key] = p
		}
		*lastSpot, *lastPair = sp, p
	}
	pr := &a.pairs[p]
	if t < pr.first || t == pr.first && a.before(e, pr.file, pr.line) {
		// Evidence points at the earliest event, whatever the input order.
		pr.first, pr.file, pr.line = t, a.fileID(e.File), int32(e.Line)
	}
	pr.last = max(pr.last, t)
	pr.n++
	pr.days.add(day)
}

// hourOf is the UTC hour of a Unix time.
func hourOf(t int64) int {
	h := (t % 86400) / 3600
	if h < 0 {
		h += 24
	}
	return int(h)
}

func success(info *telemetry.SignInInfo) bool {
	if info == nil || info.Outcome == "" {
		return true
	}
	o := info.Outcome
	return strings.EqualFold(o, "SUCCESS") || strings.EqualFold(o, "ALLOW") || strings.EqualFold(o, "0")
}

// addSignIn reports whether the sign-in was used: failed ones are not.
func (a *Analyzer) addSignIn(e *telemetry.Event, t int64, day int32) bool {
	info := e.SignInInfo
	if !success(info) {
		// A failed sign-in from afar is someone else trying the account,
		// not the person travelling.
		a.stats.Failed++
		return false
	}
	usr := a.userID(e.User)
	dev := a.observe(e, t, day)
	if dev >= 0 && usr >= 0 {
		a.link(dev, usr, 0)
	}
	sp := a.actorIPSpot(dev, usr, e.IP)
	class := classUnknown
	astrill := false
	if sp >= 0 {
		s := &a.spots[sp]
		if info != nil && info.ASOrg != "" && s.asOrg == "" {
			s.asOrg = strings.Clone(info.ASOrg)
			if s.class == classUnknown {
				s.class = a.asOrgClassCached(info.ASOrg)
			}
		}
		class, astrill = s.class, s.astrill
	}
	switch {
	case dev >= 0:
		a.touch(dev, sp, t, day, e)
	case usr >= 0:
		a.touch(^usr, sp, t, day, e)
	}
	if usr < 0 {
		return true
	}
	u := &a.users[usr]
	u.signins++
	u.signDays.add(day)
	u.act.hours[hourOf(t)]++
	proxy := info != nil && info.IsProxy
	anon := proxy || class == classAnon || class == classHosting
	if anon {
		u.anon++
		if astrill {
			u.astrill++
		}
		if l := a.evList(evAnon, usr); l.want() {
			why := "identity provider flags the address as a proxy"
			if class == classAnon || class == classHosting {
				why = a.spots[sp].why()
			}
			l.add(a.evidenceOf(e, -1, usr, "sign-in from "+e.IP.String()+": "+why), t, day)
		} else {
			l.count(t, day)
		}
	}
	if anon || class == classCorp || class == classGateway {
		return true
	}
	if sp >= 0 {
		s := &a.spots[sp]
		if s.place == 0 && (e.Location.City != "" || e.Location.Country != "") {
			s.place = a.placeID(&e.Location) + 1
		}
	}
	u.act.addPlace(a, e, t, day)
	a.travel(u, usr, e, t, sp, day)
	return true
}

func (a *Analyzer) asOrgClassCached(org string) uint8 {
	c, ok := a.asOrgCache[org]
	if !ok {
		c = asOrgClass(org)
		if len(a.asOrgCache) < 1<<14 {
			a.asOrgCache[strings.Clone(org)] = c
		}
	}
	return c
}

func (s *spot) why() string {
	switch {
	case s.astrill:
		return "Astrill VPN egress (" + s.tag + ")"
	case s.class == classAnon:
		return "anonymising VPN or proxy (" + s.tag + ")"
	case s.tag != "":
		return "hosting network (" + s.tag + ")"
	default:
		return "hosting network (" + s.asOrg + ")"
	}
}

// travel compares a sign-in with the user's previous one.
func (a *Analyzer) travel(u *user, usr int32, e *telemetry.Event, t int64, sp int32, day int32) {
	loc := &e.Location
	if loc.Country == "" && !loc.HasCoords {
		return
	}
	if u.hasPrev && (sp < 0 || u.prevIP != sp) {
		dt := t - u.prevT
		if dt < 0 {
			dt = -dt
		}
		hours := math.Max(float64(dt)/3600, 1.0/60)
		impossible := false
		var km float64
		switch {
		case loc.HasCoords && u.prevCoords:
			km = haversine(u.prevLat, u.prevLon, loc.Lat, loc.Lon)
			// Geolocation of addresses is off by hundreds of kilometres;
			// only jumps beyond that count.
			impossible = km >= 500 && km/hours > 1000
		case loc.Country != "" && u.prevCountry != "":
			impossible = dt < 3600 && !strings.EqualFold(loc.Country, u.prevCountry)
		}
		if impossible {
			u.travelEvents++
			l := a.evList(evTravel, usr)
			if l.want() {
				d := "sign-in from " + e.IP.String() + " (" + placeText(loc) + ")"
				if km > 0 {
					d += ", " + strconv.Itoa(int(km)) + " km from the previous sign-in (" + u.prevCountry + ") " +
						durationText(time.Duration(dt)*time.Second) + " earlier: " + strconv.Itoa(int(km/hours)) + " km/h"
				} else {
					d += ", in another country than the previous sign-in (" + u.prevCountry + ") " +
						durationText(time.Duration(dt)*time.Second) + " earlier"
				}
				l.add(a.evidenceOf(e, -1, usr, d), t, day)
			} else {
				l.count(t, day)
			}
		}
	}
	if u.prevCountry != loc.Country {
		u.prevCountry = strings.Clone(loc.Country)
	}
	u.prevT, u.prevLat, u.prevLon, u.prevCoords, u.prevIP, u.hasPrev = t, loc.Lat, loc.Lon, loc.HasCoords, sp, true
}

func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

func placeText(l *telemetry.Location) string {
	var parts []string
	for _, s := range []string{l.City, l.Region, l.Country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 && l.HasCoords {
		return strconv.FormatFloat(l.Lat, 'f', 3, 64) + "," + strconv.FormatFloat(l.Lon, 'f', 3, 64)
	}
	return strings.Join(parts, ", ")
}

func durationText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " s"
	case d < 2*time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	default:
		return strconv.FormatFloat(d.Hours(), 'f', 1, 64) + " h"
	}
}

func (a *Analyzer) addSeen(e *telemetry.Event, t int64, day int32) {
	usr := a.userID(e.User)
	dev := a.observe(e, t, day)
	if dev >= 0 {
		a.link(dev, usr, 1)
	}
	sp := a.actorIPSpot(dev, usr, e.IP)
	actor := dev
	if dev < 0 {
		if usr < 0 {
			return
		}
		actor = ^usr
	}
	at := sp
	if sp < 0 && e.Location.HasCoords {
		at = a.cellSpot(e.Location.Lat, e.Location.Lon)
	}
	a.touch(actor, at, t, day, e)
	var ac *activity
	if dev >= 0 {
		ac = &a.devs[dev].act
	} else {
		ac = &a.users[usr].act
	}
	ac.hours[hourOf(t)]++
	if at >= 0 {
		s := &a.spots[at]
		if s.class != classUnknown && s.class != classTagged {
			// A VPN's or an office's location says nothing about the device.
			return
		}
		if s.place == 0 && (e.Location.City != "" || e.Location.Country != "") {
			s.place = a.placeID(&e.Location) + 1
		}
	}
	ac.addPlace(a, e, t, day)
}

// Evidence lists, kept per (kind, subject index) only once something
// suspicious is seen.
type evKey struct {
	kind uint8
	id   int32
}

const (
	evAnon uint8 = iota
	evTravel
	evKVM
	evRemote
)

type evList struct {
	items       []Evidence
	total       int
	first, last int64
	days        dayset
}

func (a *Analyzer) evList(kind uint8, id int32) *evList {
	k := evKey{kind, id}
	l := a.evidence[k]
	if l == nil {
		l = &evList{}
		a.evidence[k] = l
	}
	return l
}

func (l *evList) want() bool { return len(l.items) < MaxEvidence }

func (l *evList) add(ev Evidence, t int64, day int32) {
	l.items = append(l.items, ev)
	l.count(t, day)
}

func (l *evList) count(t int64, day int32) {
	if l.total == 0 || t < l.first {
		l.first = t
	}
	if l.total == 0 || t > l.last {
		l.last = t
	}
	l.total++
	l.days.add(day)
}

// evidenceOf builds an evidence item from an event.
func (a *Analyzer) evidenceOf(e *telemetry.Event, dev, usr int32, detail string) Evidence {
	ev := Evidence{Line: e.Line, Time: e.Time.UTC(), Detail: detail}
	if f := a.fileID(e.File); f >= 0 {
		ev.File = a.files[f]
	}
	if dev >= 0 {
		ev.Device = a.devs[dev].key
	}
	if usr < 0 {
		usr = a.userID(e.User)
	}
	if usr >= 0 {
		ev.User = a.users[usr].login
	}
	return ev
}

// siteAddr is the address a place is known by: an IPv4 address as it is,
// and an IPv6 address by its /64, since every device of one household
// takes its own address in the prefix the line was given.
func siteAddr(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().Addr()
	}
	return ip
}

// full says whether no more devices or users fit (Config.MaxActors), and
// counts the event that met the limit.
func (a *Analyzer) full() bool {
	limit := a.cfg.MaxActors
	if limit <= 0 {
		limit = DefaultMaxActors
	}
	if len(a.devs)+len(a.users) < limit {
		return false
	}
	a.stats.Overflow++
	return true
}
