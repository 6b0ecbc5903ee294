package telemetry

import "time"

// MDM inventories — Jamf Pro and Microsoft Intune, as CSV exports or as
// their APIs' JSON — say, per device, who it belongs to, when it last
// checked in and from where, and when it was enrolled. Each device becomes
// a Seen event at its last check-in and an Enrollment event at its
// enrollment (or at its last check-in when the inventory has no enrollment
// date).

// mdmDevice is one device of an inventory, with the field or column name of
// each value for problems.
type mdmDevice struct {
	source string

	serial, name, email, username []byte
	serialField                   string

	// Addresses in order of preference: the one the server saw first.
	ip1, ip2           []byte
	ip1Field, ip2Field string

	seen, inventory, enrolled, entered                     []byte
	seenField, inventoryField, enrolledField, enteredField string
}

// add checks a device and adds its events; a device with a bad value adds
// none.
func (m *mdmDevice) add(s *sink, in *interner, line int) {
	device := m.serial
	if len(device) == 0 {
		device = m.name
	}
	if len(device) == 0 {
		s.problem(line, m.serialField, "missing; a device needs a serial number or a name")
		return
	}
	user := m.email
	if len(user) == 0 {
		user = m.username
	}

	// The server's view of the device's address is public when the server
	// is in the cloud; what the device reports of itself is often a home
	// network's. Only a public address is the device's whereabouts.
	var ip [2]struct {
		b     []byte
		field string
	}
	ip[0].b, ip[0].field, ip[1].b, ip[1].field = m.ip1, m.ip1Field, m.ip2, m.ip2Field
	var addr Event
	for _, c := range ip {
		if len(c.b) == 0 {
			continue
		}
		a, bad := parseIP(c.b)
		if bad != "" {
			s.problem(line, c.field, bad)
			return
		}
		if !addr.IP.IsValid() && isPublic(a) {
			addr.IP = a
		}
	}

	times := [...]struct {
		b     []byte
		field string
		t     time.Time
		ok    bool
	}{{b: m.seen, field: m.seenField}, {b: m.inventory, field: m.inventoryField}, {b: m.enrolled, field: m.enrolledField}, {b: m.entered, field: m.enteredField}}
	for i := range times {
		tm := &times[i]
		if len(tm.b) == 0 {
			continue
		}
		t, never, ok := parseLooseTime(tm.b)
		if !ok {
			s.problem(line, tm.field, looseWant+", got "+quote(tm.b))
			return
		}
		tm.t, tm.ok = t, !never
	}
	seen, enrolled := times[0], times[2]
	if !seen.ok {
		seen = times[1] // last inventory update
	}
	if !enrolled.ok {
		enrolled = times[3] // first entered the inventory
	}
	if !seen.ok && !enrolled.ok {
		s.problem(line, m.seenField, "missing; the device has no check-in, inventory or enrollment time")
		return
	}
	dev, usr := in.str(device), in.str(user)
	if seen.ok {
		e := s.add(m.source, Seen, line)
		e.Time, e.Device, e.User, e.IP = seen.t, dev, usr, addr.IP
	}
	e := s.add(m.source, Enrollment, line)
	e.Device, e.User = dev, usr
	if enrolled.ok {
		e.Time = enrolled.t
	} else {
		e.Time = seen.t
	}
}

// Jamf Pro API: GET /api/v1/computers-inventory returns
// {"totalCount", "results": [ComputerInventory]}
// (https://developer.jamf.com/jamf-pro/reference/get_v1-computers-inventory;
// the ComputerGeneral, ComputerHardware and ComputerUserAndLocation
// schemas):
//
//	hardware.serialNumber            Device
//	general.name                     Device when there is no serial
//	userAndLocation.email            User
//	userAndLocation.username         User when there is no e-mail
//	general.lastIpAddress            IP (the address Jamf Pro saw), when public
//	general.lastReportedIp           IP (the address the Mac reported), when public and there is no other
//	general.lastContactTime          Seen time
//	general.reportDate               Seen time when there is no contact time
//	general.lastEnrolledDate         Enrollment time
//	general.initialEntryDate         Enrollment time when there is no enrollment date
type jamfDecoder struct {
	sc scan
	in interner
	m  mdmDevice
}

func (d *jamfDecoder) decode(s *sink, rec []byte, line int) {
	sc, m := &d.sc, &d.m
	sc.reset(rec)
	*m = mdmDevice{
		source:         FormatJamf,
		serialField:    "hardware.serialNumber",
		ip1Field:       "general.lastIpAddress",
		ip2Field:       "general.lastReportedIp",
		seenField:      "general.lastContactTime",
		inventoryField: "general.reportDate",
		enrolledField:  "general.lastEnrolledDate",
		enteredField:   "general.initialEntryDate",
	}
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "general":
			sc.at = "general"
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				switch string(k) {
				case "name":
					sc.at = "general.name"
					m.name = sc.str()
				case "lastIpAddress":
					sc.at = "general.lastIpAddress"
					m.ip1 = sc.str()
				case "lastReportedIp":
					sc.at = "general.lastReportedIp"
					m.ip2 = sc.str()
				case "lastContactTime":
					sc.at = "general.lastContactTime"
					m.seen = sc.str()
				case "reportDate":
					sc.at = "general.reportDate"
					m.inventory = sc.str()
				case "lastEnrolledDate":
					sc.at = "general.lastEnrolledDate"
					m.enrolled = sc.str()
				case "initialEntryDate":
					sc.at = "general.initialEntryDate"
					m.entered = sc.str()
				default:
					sc.skipMember("general", k)
				}
			}
		case "hardware":
			sc.at = "hardware"
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				if string(k) == "serialNumber" {
					sc.at = "hardware.serialNumber"
					m.serial = sc.str()
				} else {
					sc.skipMember("hardware", k)
				}
			}
		case "userAndLocation":
			sc.at = "userAndLocation"
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				switch string(k) {
				case "email":
					sc.at = "userAndLocation.email"
					m.email = sc.str()
				case "username":
					sc.at = "userAndLocation.username"
					m.username = sc.str()
				default:
					sc.skipMember("userAndLocation", k)
				}
			}
		default:
			sc.skipMember("", k)
		}
	}
	sc.end()
	if sc.failed {
		s.problem(line, sc.field, sc.reason)
		return
	}
	m.add(s, &d.in, line)
}

// Microsoft Graph: GET /deviceManagement/managedDevices returns
// {"@odata.context", "value": [managedDevice], "@odata.nextLink"}
// (https://learn.microsoft.com/graph/api/resources/intune-devices-manageddevice):
//
//	serialNumber        Device
//	deviceName          Device when there is no serial
//	id                  Device when there is neither
//	emailAddress        User
//	userPrincipalName   User when there is no e-mail
//	lastSyncDateTime    Seen time
//	enrolledDateTime    Enrollment time
//
// The list has no public address; 0001-01-01T00:00:00Z means never.
type intuneDecoder struct {
	sc scan
	in interner
	m  mdmDevice
}

func (d *intuneDecoder) decode(s *sink, rec []byte, line int) {
	sc, m := &d.sc, &d.m
	sc.reset(rec)
	*m = mdmDevice{
		source:        FormatIntune,
		serialField:   "serialNumber",
		seenField:     "lastSyncDateTime",
		enrolledField: "enrolledDateTime",
	}
	var id []byte
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "serialNumber":
			sc.at = "serialNumber"
			m.serial = sc.str()
		case "deviceName":
			sc.at = "deviceName"
			m.name = sc.str()
		case "id":
			sc.at = "id"
			id = sc.str()
		case "emailAddress":
			sc.at = "emailAddress"
			m.email = sc.str()
		case "userPrincipalName":
			sc.at = "userPrincipalName"
			m.username = sc.str()
		case "lastSyncDateTime":
			sc.at = "lastSyncDateTime"
			m.seen = sc.str()
		case "enrolledDateTime":
			sc.at = "enrolledDateTime"
			m.enrolled = sc.str()
		default:
			sc.skipMember("", k)
		}
	}
	sc.end()
	if sc.failed {
		s.problem(line, sc.field, sc.reason)
		return
	}
	if len(m.name) == 0 {
		m.name = id
	}
	m.add(s, &d.in, line)
}
