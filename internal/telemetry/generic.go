package telemetry

import (
	"strconv"
	"strings"
)

// The generic format is ringfence's own: JSON Lines, one event per line,
// documented in docs/TELEMETRY.md ("Generic event format"). It is the
// format to convert any other source to, and it is read fast: a scanner
// walks each line once, repeated strings are interned, and lines are
// decoded on every core.

type genericDecoder struct {
	sc scan
	in interner
	f  genericFields
}

type genericFields struct {
	time, typ, user, device, ip []byte

	hasLoc, hasUSB, hasDisplay, hasProgram, hasWiFi, hasSignIn, hasShip bool

	// The parts a line may lack are cleared only when a line had them:
	// dirty has a bit for each part read.
	dirty uint8
	loc   genericLocation
	usb   genericUSB
	disp  genericDisplay
	prog  genericProgram
	wifi  genericWiFi
	si    genericSignIn
	ship  genericShipment
}

type genericLocation struct{ city, region, country, lat, lon []byte }

type genericUSB struct {
	vendorID, productID, vendor, product, serial, class, subclass, protocol []byte
	interfaces                                                              [][]byte
	removable                                                               bool
}

type genericDisplay struct{ name, manufacturer, productID, serial []byte }

type genericProgram struct{ name, version, publisher, path, id []byte }

type genericWiFi struct{ ssid, bssid []byte }

type genericSignIn struct {
	outcome, asn, asOrg, isp, deviceToken, userAgent []byte
	isProxy                                          bool
}

type genericShipment struct{ serial, address []byte }

const (
	dirtyLoc uint8 = 1 << iota
	dirtyUSB
	dirtyDisp
	dirtyProg
	dirtyWiFi
	dirtySI
	dirtyShip
)

// reset readies the fields for a line.
func (f *genericFields) reset() {
	f.time, f.typ, f.user, f.device, f.ip = nil, nil, nil, nil, nil
	f.hasLoc, f.hasUSB, f.hasDisplay, f.hasProgram, f.hasWiFi, f.hasSignIn, f.hasShip = false, false, false, false, false, false, false
	if f.dirty == 0 {
		return
	}
	if f.dirty&dirtyLoc != 0 {
		f.loc = genericLocation{}
	}
	if f.dirty&dirtyUSB != 0 {
		clear(f.usb.interfaces)
		f.usb = genericUSB{interfaces: f.usb.interfaces[:0]}
	}
	if f.dirty&dirtyDisp != 0 {
		f.disp = genericDisplay{}
	}
	if f.dirty&dirtyProg != 0 {
		f.prog = genericProgram{}
	}
	if f.dirty&dirtyWiFi != 0 {
		f.wifi = genericWiFi{}
	}
	if f.dirty&dirtySI != 0 {
		f.si = genericSignIn{}
	}
	if f.dirty&dirtyShip != 0 {
		f.ship = genericShipment{}
	}
	f.dirty = 0
}

func (d *genericDecoder) decode(s *sink, rec []byte, line int) {
	sc, f := &d.sc, &d.f
	sc.reset(rec)
	f.reset()

	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "time":
			sc.at = "time"
			f.time = sc.str()
		case "type":
			sc.at = "type"
			f.typ = sc.str()
		case "user":
			sc.at = "user"
			f.user = sc.str()
		case "device":
			sc.at = "device"
			f.device = sc.str()
		case "ip":
			sc.at = "ip"
			f.ip = sc.str()
		case "location":
			sc.at = "location"
			f.hasLoc = sc.peek() == '{'
			d.location()
		case "usb":
			sc.at = "usb"
			f.hasUSB = sc.peek() == '{'
			d.usb()
		case "display":
			sc.at = "display"
			f.hasDisplay = sc.peek() == '{'
			d.display()
		case "program":
			sc.at = "program"
			f.hasProgram = sc.peek() == '{'
			d.program()
		case "wifi":
			sc.at = "wifi"
			f.hasWiFi = sc.peek() == '{'
			d.wifi()
		case "signin":
			sc.at = "signin"
			f.hasSignIn = sc.peek() == '{'
			d.signin()
		case "shipment":
			sc.at = "shipment"
			f.hasShip = sc.peek() == '{'
			d.shipment()
		default:
			sc.skipMember("", k)
		}
	}
	sc.end()
	if sc.failed {
		s.problem(line, sc.field, sc.reason)
		return
	}
	d.build(s, line)
}

func (d *genericDecoder) location() {
	sc, f := &d.sc, &d.f
	f.dirty |= dirtyLoc
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "city":
			sc.at = "location.city"
			f.loc.city = sc.str()
		case "region":
			sc.at = "location.region"
			f.loc.region = sc.str()
		case "country":
			sc.at = "location.country"
			f.loc.country = sc.str()
		case "lat":
			sc.at = "location.lat"
			f.loc.lat = sc.number()
		case "lon":
			sc.at = "location.lon"
			f.loc.lon = sc.number()
		default:
			sc.skipMember("location", k)
		}
	}
}

func (d *genericDecoder) usb() {
	sc, f := &d.sc, &d.f
	f.dirty |= dirtyUSB
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "vendor_id":
			sc.at = "usb.vendor_id"
			f.usb.vendorID = sc.str()
		case "product_id":
			sc.at = "usb.product_id"
			f.usb.productID = sc.str()
		case "vendor":
			sc.at = "usb.vendor"
			f.usb.vendor = sc.str()
		case "product":
			sc.at = "usb.product"
			f.usb.product = sc.str()
		case "serial":
			sc.at = "usb.serial"
			f.usb.serial = sc.str()
		case "class":
			sc.at = "usb.class"
			f.usb.class = sc.text()
		case "subclass":
			sc.at = "usb.subclass"
			f.usb.subclass = sc.text()
		case "protocol":
			sc.at = "usb.protocol"
			f.usb.protocol = sc.text()
		case "removable":
			sc.at = "usb.removable"
			f.usb.removable = sc.boolean()
		case "interfaces":
			sc.at = "usb.interfaces"
			for more := sc.array(); more; more = sc.next() {
				if v := sc.str(); v != nil {
					f.usb.interfaces = append(f.usb.interfaces, v)
				}
			}
		default:
			sc.skipMember("usb", k)
		}
	}
}

func (d *genericDecoder) display() {
	sc, f := &d.sc, &d.f
	f.dirty |= dirtyDisp
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "name":
			sc.at = "display.name"
			f.disp.name = sc.str()
		case "manufacturer":
			sc.at = "display.manufacturer"
			f.disp.manufacturer = sc.str()
		case "product_id":
			sc.at = "display.product_id"
			f.disp.productID = sc.str()
		case "serial":
			sc.at = "display.serial"
			f.disp.serial = sc.str()
		default:
			sc.skipMember("display", k)
		}
	}
}

func (d *genericDecoder) program() {
	sc, f := &d.sc, &d.f
	f.dirty |= dirtyProg
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "name":
			sc.at = "program.name"
			f.prog.name = sc.str()
		case "version":
			sc.at = "program.version"
			f.prog.version = sc.str()
		case "publisher":
			sc.at = "program.publisher"
			f.prog.publisher = sc.str()
		case "path":
			sc.at = "program.path"
			f.prog.path = sc.str()
		case "id":
			sc.at = "program.id"
			f.prog.id = sc.str()
		default:
			sc.skipMember("program", k)
		}
	}
}

func (d *genericDecoder) wifi() {
	sc, f := &d.sc, &d.f
	f.dirty |= dirtyWiFi
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "ssid":
			sc.at = "wifi.ssid"
			f.wifi.ssid = sc.str()
		case "bssid":
			sc.at = "wifi.bssid"
			f.wifi.bssid = sc.str()
		default:
			sc.skipMember("wifi", k)
		}
	}
}

func (d *genericDecoder) signin() {
	sc, f := &d.sc, &d.f
	f.dirty |= dirtySI
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "outcome":
			sc.at = "signin.outcome"
			f.si.outcome = sc.str()
		case "is_proxy":
			sc.at = "signin.is_proxy"
			f.si.isProxy = sc.boolean()
		case "asn":
			sc.at = "signin.asn"
			f.si.asn = sc.text()
		case "as_org":
			sc.at = "signin.as_org"
			f.si.asOrg = sc.str()
		case "isp":
			sc.at = "signin.isp"
			f.si.isp = sc.str()
		case "device_token":
			sc.at = "signin.device_token"
			f.si.deviceToken = sc.str()
		case "user_agent":
			sc.at = "signin.user_agent"
			f.si.userAgent = sc.str()
		default:
			sc.skipMember("signin", k)
		}
	}
}

func (d *genericDecoder) shipment() {
	sc, f := &d.sc, &d.f
	f.dirty |= dirtyShip
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "serial":
			sc.at = "shipment.serial"
			f.ship.serial = sc.str()
		case "address":
			sc.at = "shipment.address"
			f.ship.address = sc.str()
		default:
			sc.skipMember("shipment", k)
		}
	}
}

// eventType returns the constant for a type name.
func eventType(b []byte) string {
	switch string(b) {
	case SignIn:
		return SignIn
	case Seen:
		return Seen
	case USB:
		return USB
	case Display:
		return Display
	case Program:
		return Program
	case WiFi:
		return WiFi
	case Shipment:
		return Shipment
	case Enrollment:
		return Enrollment
	}
	return ""
}

// build checks the fields and adds the event; a line with a bad field
// adds none.
func (d *genericDecoder) build(s *sink, line int) {
	f := &d.f
	if f.time == nil {
		s.problem(line, "time", "missing; "+rfc3339Want)
		return
	}
	t, ok := parseRFC3339(f.time)
	if !ok {
		s.problem(line, "time", rfc3339Want+", got "+quote(f.time))
		return
	}
	if f.typ == nil {
		s.problem(line, "type", "missing; want one of "+strings.Join(Types, ", "))
		return
	}
	typ := eventType(f.typ)
	if typ == "" {
		s.problem(line, "type", "unknown event type "+quote(f.typ)+"; want one of "+strings.Join(Types, ", "))
		return
	}
	// The detail object a type needs, and no other.
	details := [...]struct {
		has  bool
		name string
		typ  string
	}{
		{f.hasUSB, "usb", USB}, {f.hasDisplay, "display", Display}, {f.hasProgram, "program", Program},
		{f.hasWiFi, "wifi", WiFi}, {f.hasSignIn, "signin", SignIn}, {f.hasShip, "shipment", Shipment},
	}
	for _, dt := range details {
		switch {
		case dt.has && dt.typ != typ:
			s.problem(line, dt.name, typ+" events carry no "+dt.name+" object; it belongs to "+dt.typ+" events")
			return
		case !dt.has && dt.typ == typ && typ != SignIn:
			s.problem(line, dt.name, "missing; "+typ+" events need their "+dt.name+" object")
			return
		}
	}

	e := s.add(FormatGeneric, typ, line)
	e.Time = t
	e.User = d.in.str(f.user)
	e.Device = d.in.str(f.device)
	if len(f.ip) > 0 {
		ip, bad := parseIP(f.ip)
		if bad != "" {
			s.drop()
			s.problem(line, "ip", bad)
			return
		}
		e.IP = ip
	}
	if f.hasLoc {
		if field, bad := d.setLocation(&e.Location); bad != "" {
			s.drop()
			s.problem(line, field, bad)
			return
		}
	}
	switch typ {
	case USB:
		u := s.usb()
		e.USBDevice = u
		var ok bool
		if u.VendorID, ok = parseHex16(f.usb.vendorID); !ok {
			s.drop()
			s.problem(line, "usb.vendor_id", "want a hexadecimal USB id such as \"1d6b\", got "+quote(f.usb.vendorID))
			return
		}
		if u.ProductID, ok = parseHex16(f.usb.productID); !ok {
			s.drop()
			s.problem(line, "usb.product_id", "want a hexadecimal USB id such as \"0104\", got "+quote(f.usb.productID))
			return
		}
		u.Vendor = d.in.str(f.usb.vendor)
		u.Product = d.in.str(f.usb.product)
		u.Serial = d.in.str(f.usb.serial)
		u.Class = d.in.str(f.usb.class)
		u.Subclass = d.in.str(f.usb.subclass)
		u.Protocol = d.in.str(f.usb.protocol)
		u.Removable = f.usb.removable
		if len(f.usb.interfaces) > 0 {
			u.Interfaces = make([]string, len(f.usb.interfaces))
			for i, v := range f.usb.interfaces {
				u.Interfaces[i] = d.in.str(v)
			}
		}
	case Display:
		dd := s.display()
		e.DisplayDev = dd
		dd.Name = d.in.str(f.disp.name)
		dd.Manufacturer = d.in.str(f.disp.manufacturer)
		var ok bool
		if dd.ProductID, ok = parseHex16(f.disp.productID); !ok {
			s.drop()
			s.problem(line, "display.product_id", "want a hexadecimal product id such as \"a050\", got "+quote(f.disp.productID))
			return
		}
		dd.Serial = d.in.str(f.disp.serial)
	case Program:
		p := s.program()
		e.ProgramApp = p
		p.Name = d.in.str(f.prog.name)
		p.Version = d.in.str(f.prog.version)
		p.Publisher = d.in.str(f.prog.publisher)
		p.Path = d.in.str(f.prog.path)
		p.ID = d.in.str(f.prog.id)
	case WiFi:
		w := s.wifi()
		e.Network = w
		w.SSID = d.in.str(f.wifi.ssid)
		w.BSSID = d.in.str(f.wifi.bssid)
	case SignIn:
		si := s.signin()
		e.SignInInfo = si
		si.Outcome = d.in.str(f.si.outcome)
		si.IsProxy = f.si.isProxy
		if len(f.si.asn) > 0 {
			n, ok := parseInt(f.si.asn)
			if !ok || n < 0 || n > 1<<32-1 {
				s.drop()
				s.problem(line, "signin.asn", "want an AS number such as 7922, got "+quote(f.si.asn))
				return
			}
			si.ASN = n
		}
		si.ASOrg = d.in.str(f.si.asOrg)
		si.ISP = d.in.str(f.si.isp)
		si.DeviceToken = d.in.str(f.si.deviceToken)
		si.UserAgent = d.in.str(f.si.userAgent)
	case Shipment:
		sh := s.ship()
		e.ShipTo = sh
		sh.Serial = d.in.str(f.ship.serial)
		sh.Address = d.in.str(f.ship.address)
	}
}

func (d *genericDecoder) setLocation(l *Location) (field, bad string) {
	f := &d.f
	l.City = d.in.str(f.loc.city)
	l.Region = d.in.str(f.loc.region)
	l.Country, _ = d.in.country(f.loc.country)
	return setCoords(l, f.loc.lat, f.loc.lon, "location.lat", "location.lon")
}

// setCoords sets a location's coordinates from a latitude and a longitude,
// both or neither.
func setCoords(l *Location, lat, lon []byte, latField, lonField string) (field, bad string) {
	switch {
	case lat == nil && lon == nil:
		return "", ""
	case lat == nil:
		return latField, "missing; a longitude needs its latitude"
	case lon == nil:
		return lonField, "missing; a latitude needs its longitude"
	}
	la, ok := parseFloat(lat)
	if !ok || la < -90 || la > 90 {
		return latField, "want a latitude between -90 and 90, got " + string(lat)
	}
	lo, ok := parseFloat(lon)
	if !ok || lo < -180 || lo > 180 {
		return lonField, "want a longitude between -180 and 180, got " + string(lon)
	}
	l.Lat, l.Lon, l.HasCoords = la, lo, true
	return "", ""
}

// quote quotes a value for a message, cut to a readable length.
func quote(b []byte) string {
	const max = 80
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}
