package telemetry

import (
	"bytes"
	"encoding/hex"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// osquery: the results log its filesystem logger writes
// (osqueryd.results.log), one JSON object per line, in any of its three
// shapes (https://osquery.readthedocs.io/en/stable/deployment/logging/,
// osquery/core/query.cpp):
//
//	event format:  {"name", "hostIdentifier", "calendarTime", "unixTime", "decorations", "columns": {…}, "action": "added"|"removed"|"snapshot"}
//	batch format:  {"name", …, "diffResults": {"added": [{…}], "removed": [{…}]}}
//	snapshot:      {"name", …, "snapshot": [{…}], "action": "snapshot"}
//
// Added and snapshot rows are events; removed rows are not. Time is
// unixTime (a number, or a string in older versions), else calendarTime
// (asctime in UTC: "Tue Sep 30 17:37:30 2025 UTC"). Device is the
// hardware_serial decoration when there is one, else hostIdentifier; User
// the email, username or user decoration. Decorations may be top-level
// (--decorations_top_level).
//
// The query's table is found from its name — the table name itself or a
// word of the name, as in pack_farm_usb_devices or pack/farm/usb_devices —
// else from a "table" decoration, else from the columns of its first row.
// Tables (https://osquery.io/schema/, specs/*.table in osquery's
// repository):
//
//	usb_devices         USB      vendor_id, model_id (hex), vendor, model, serial, class, subclass, protocol, removable
//	connected_displays  Display  name, vendor_id (EDID manufacturer id in hex, "31d8" = LNX), product_id (hex), serial_number
//	wifi_status         WiFi     network_name, else ssid (hex octets), bssid, country_code → Location.Country
//	programs            Program  name, version, publisher, install_location without its quotes (Windows)
//	apps                Program  name (without ".app"), bundle_short_version, bundle_identifier → ID, path (macOS)
//	processes           Program  name, path (running programs)
//
// Queries of other tables are skipped without a problem: a results log
// holds whatever the fleet schedules.

const (
	tabNone = iota
	tabUSB
	tabDisplays
	tabWiFi
	tabPrograms
	tabApps
	tabProcesses
)

// osqueryTables in matching order: the specific names first.
var osqueryTables = [...]struct {
	name string
	tab  int
}{
	{"connected_displays", tabDisplays},
	{"usb_devices", tabUSB},
	{"wifi_status", tabWiFi},
	{"programs", tabPrograms},
	{"processes", tabProcesses},
	{"apps", tabApps},
}

// osqueryTable finds the table a query name reads: the name itself, its
// last word, or any word of it, words being separated by anything but
// letters and digits.
func osqueryTable(name []byte) int {
	for _, t := range osqueryTables {
		if string(name) == t.name {
			return t.tab
		}
	}
	for _, t := range osqueryTables {
		n := len(name) - len(t.name)
		if n > 0 && string(name[n:]) == t.name && !isAlnum(name[n-1]) {
			return t.tab
		}
	}
	for _, t := range osqueryTables {
		for i := 0; ; {
			j := bytes.Index(name[i:], []byte(t.name))
			if j < 0 {
				break
			}
			j += i
			end := j + len(t.name)
			if (j == 0 || !isAlnum(name[j-1])) && (end == len(name) || !isAlnum(name[end])) {
				return t.tab
			}
			i = j + 1
		}
	}
	return tabNone
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

type osqueryDecoder struct {
	sc, row scan
	in      interner
	f       osqueryFields
	r       osqueryRow
	spans   []rowSpan
}

type osqueryFields struct {
	name, host, calendar, unix, action []byte
	serial, email, username, user      []byte
	table                              []byte
}

// rowSpan is where a row lies in the line, and how to name it.
type rowSpan struct {
	start, end int
	where      string // "columns", "snapshot", "diffResults.added"
	idx        int    // index in its array; -1 for columns
}

func (rs rowSpan) field(column string) string {
	p := rs.where
	if rs.idx >= 0 {
		p += "[" + strconv.Itoa(rs.idx) + "]"
	}
	return join(p, column)
}

func (d *osqueryDecoder) decode(s *sink, rec []byte, line int) {
	sc, f := &d.sc, &d.f
	sc.reset(rec)
	*f = osqueryFields{}
	d.spans = d.spans[:0]
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "name":
			sc.at = "name"
			f.name = sc.str()
		case "hostIdentifier":
			sc.at = "hostIdentifier"
			f.host = sc.str()
		case "calendarTime":
			sc.at = "calendarTime"
			f.calendar = sc.str()
		case "unixTime":
			sc.at = "unixTime"
			f.unix = sc.text()
		case "action":
			sc.at = "action"
			f.action = sc.str()
		case "decorations":
			sc.at = "decorations"
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				sc.at = "decorations"
				if !d.decoration(k) {
					sc.skipMember("decorations", k)
				}
			}
		case "columns":
			sc.at = "columns"
			if sc.peek() == 'n' {
				sc.null()
				continue
			}
			start, end := sc.span()
			d.spans = append(d.spans, rowSpan{start, end, "columns", -1})
		case "snapshot":
			sc.at = "snapshot"
			d.rows("snapshot")
		case "diffResults":
			sc.at = "diffResults"
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				if string(k) == "added" {
					sc.at = "diffResults.added"
					d.rows("diffResults.added")
				} else {
					sc.skipMember("diffResults", k)
				}
			}
		default:
			// With --decorations_top_level the decorations are members.
			sc.at = ""
			if !d.decoration(k) {
				sc.skipMember("", k)
			}
		}
	}
	sc.end()
	if sc.failed {
		s.problem(line, sc.field, sc.reason)
		return
	}
	if len(d.spans) == 0 || string(f.action) == "removed" {
		return
	}

	tab := osqueryTable(f.name)
	if tab == tabNone && len(f.table) > 0 {
		tab = osqueryTable(f.table)
	}
	if tab == tabNone {
		// The shape of the first row.
		d.row.reset(rec[d.spans[0].start:d.spans[0].end])
		d.parseRow()
		tab = d.r.shape()
		if tab == tabNone {
			return // a query of a table that says nothing about laptop farms
		}
	}

	var t time.Time
	switch {
	case len(f.unix) > 0:
		n, ok := parseInt(f.unix)
		if !ok || n <= 0 {
			s.problem(line, "unixTime", "want seconds since 1970, got "+quote(f.unix))
			return
		}
		t = time.Unix(int64(n), 0).UTC()
	case len(f.calendar) > 0:
		var err error
		t, err = time.Parse(asctime, string(bytes.TrimSuffix(bytes.TrimSpace(f.calendar), []byte(" UTC"))))
		if err != nil {
			s.problem(line, "calendarTime", "want a time such as \"Tue Sep 30 17:37:30 2025 UTC\", got "+quote(f.calendar))
			return
		}
	default:
		s.problem(line, "unixTime", "missing; an osquery result names its time in unixTime or calendarTime")
		return
	}
	device := d.in.str(f.serial)
	if device == "" {
		device = d.in.str(f.host)
	}
	if device == "" {
		s.problem(line, "hostIdentifier", "missing; an osquery result names its host")
		return
	}
	user := f.email
	if len(user) == 0 {
		user = f.username
	}
	if len(user) == 0 {
		user = f.user
	}

	for _, rs := range d.spans {
		d.row.reset(rec[rs.start:rs.end])
		d.parseRow()
		if d.row.failed {
			s.problem(line, rs.field(d.row.field), d.row.reason)
			continue
		}
		if field, bad := d.addRow(s, tab, line, t, device, user); bad != "" {
			s.problem(line, rs.field(field), bad)
		}
	}
}

const asctime = "Mon Jan _2 15:04:05 2006"

// decoration reads a decoration the importer uses and says whether it did.
func (d *osqueryDecoder) decoration(k []byte) bool {
	sc, f := &d.sc, &d.f
	switch string(k) {
	case "hardware_serial":
		f.serial = sc.text()
	case "email", "user_email":
		f.email = sc.text()
	case "username":
		f.username = sc.text()
	case "user":
		f.user = sc.text()
	case "table":
		f.table = sc.text()
	default:
		return false
	}
	return true
}

// rows records the spans of an array of rows.
func (d *osqueryDecoder) rows(where string) {
	sc := &d.sc
	i := 0
	for more := sc.array(); more; more = sc.next() {
		start, end := sc.span()
		d.spans = append(d.spans, rowSpan{start, end, where, i})
		i++
	}
}

// osqueryRow holds the columns the importer reads, of every table.
type osqueryRow struct {
	vendor, vendorID, model, modelID, serial, class, subclass, protocol, removable []byte
	name, productID, serialNumber, displayID                                       []byte
	ssid, bssid, networkName, countryCode                                          []byte
	version, publisher, installLocation, identifyingNumber, uninstallString        []byte
	path, bundleID, bundleShortVersion, bundleVersion, pid                         []byte
}

// parseRow reads a row's columns: strings, or numbers with
// --logger_numerics.
func (d *osqueryDecoder) parseRow() {
	sc, r := &d.row, &d.r
	*r = osqueryRow{}
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		var dst *[]byte
		switch string(k) {
		case "vendor":
			sc.at, dst = "vendor", &r.vendor
		case "vendor_id":
			sc.at, dst = "vendor_id", &r.vendorID
		case "model":
			sc.at, dst = "model", &r.model
		case "model_id":
			sc.at, dst = "model_id", &r.modelID
		case "serial":
			sc.at, dst = "serial", &r.serial
		case "class":
			sc.at, dst = "class", &r.class
		case "subclass":
			sc.at, dst = "subclass", &r.subclass
		case "protocol":
			sc.at, dst = "protocol", &r.protocol
		case "removable":
			sc.at, dst = "removable", &r.removable
		case "name":
			sc.at, dst = "name", &r.name
		case "product_id":
			sc.at, dst = "product_id", &r.productID
		case "serial_number":
			sc.at, dst = "serial_number", &r.serialNumber
		case "display_id":
			sc.at, dst = "display_id", &r.displayID
		case "ssid":
			sc.at, dst = "ssid", &r.ssid
		case "bssid":
			sc.at, dst = "bssid", &r.bssid
		case "network_name":
			sc.at, dst = "network_name", &r.networkName
		case "country_code":
			sc.at, dst = "country_code", &r.countryCode
		case "version":
			sc.at, dst = "version", &r.version
		case "publisher":
			sc.at, dst = "publisher", &r.publisher
		case "install_location":
			sc.at, dst = "install_location", &r.installLocation
		case "identifying_number":
			sc.at, dst = "identifying_number", &r.identifyingNumber
		case "uninstall_string":
			sc.at, dst = "uninstall_string", &r.uninstallString
		case "path":
			sc.at, dst = "path", &r.path
		case "bundle_identifier":
			sc.at, dst = "bundle_identifier", &r.bundleID
		case "bundle_short_version":
			sc.at, dst = "bundle_short_version", &r.bundleShortVersion
		case "bundle_version":
			sc.at, dst = "bundle_version", &r.bundleVersion
		case "pid":
			sc.at, dst = "pid", &r.pid
		default:
			sc.skipMember("", k)
			continue
		}
		*dst = sc.text()
	}
	sc.end()
}

// shape guesses a row's table from its columns.
func (r *osqueryRow) shape() int {
	switch {
	case r.vendorID != nil && r.modelID != nil:
		return tabUSB
	case r.displayID != nil || (r.productID != nil && r.serialNumber != nil && r.vendorID != nil):
		return tabDisplays
	case r.bssid != nil || r.networkName != nil:
		return tabWiFi
	case r.bundleID != nil:
		return tabApps
	case r.installLocation != nil || r.identifyingNumber != nil || r.uninstallString != nil:
		return tabPrograms
	}
	return tabNone
}

// addRow adds the event of one row. A row without the table's columns
// (a count, another table's columns under a matching name) adds nothing.
func (d *osqueryDecoder) addRow(s *sink, tab, line int, t time.Time, device string, user []byte) (field, bad string) {
	r := &d.r
	var e *Event
	add := func(typ string) *Event {
		e := s.add(FormatOsquery, typ, line)
		e.Time, e.Device, e.User = t, device, d.in.str(user)
		return e
	}
	switch tab {
	case tabUSB:
		if r.vendorID == nil && r.modelID == nil && r.vendor == nil && r.model == nil {
			return "", ""
		}
		vid, ok := parseHex16(r.vendorID)
		if !ok {
			return "vendor_id", "want a hexadecimal USB vendor id such as \"1d6b\", got " + quote(r.vendorID)
		}
		pid, ok := parseHex16(r.modelID)
		if !ok {
			return "model_id", "want a hexadecimal USB product id such as \"0104\", got " + quote(r.modelID)
		}
		e = add(USB)
		u := s.usb()
		e.USBDevice = u
		u.VendorID, u.ProductID = vid, pid
		u.Vendor = d.in.str(r.vendor)
		u.Product = d.in.str(r.model)
		u.Serial = d.in.str(r.serial)
		u.Class = d.in.str(r.class)
		u.Subclass = d.in.str(r.subclass)
		u.Protocol = d.in.str(r.protocol)
		u.Removable = string(r.removable) == "1"
	case tabDisplays:
		if r.name == nil && r.vendorID == nil && r.productID == nil {
			return "", ""
		}
		pid, ok := parseHex16(r.productID)
		if !ok {
			return "product_id", "want a hexadecimal display product id such as \"a050\", got " + quote(r.productID)
		}
		e = add(Display)
		dd := s.display()
		e.DisplayDev = dd
		dd.Name = d.in.str(r.name)
		if m, ok := pnpID(r.vendorID); ok {
			dd.Manufacturer = m
		} else {
			dd.Manufacturer = d.in.str(r.vendorID)
		}
		dd.ProductID = pid
		dd.Serial = d.in.str(r.serialNumber)
	case tabWiFi:
		if r.ssid == nil && r.networkName == nil && r.bssid == nil {
			return "", ""
		}
		e = add(WiFi)
		w := s.wifi()
		e.Network = w
		if len(r.networkName) > 0 {
			w.SSID = d.in.str(r.networkName)
		} else {
			w.SSID = d.in.str(ssidOctets(r.ssid))
		}
		w.BSSID = d.in.str(r.bssid)
		if c, known := d.in.country(r.countryCode); known {
			e.Location.Country = c
		}
	case tabPrograms, tabApps, tabProcesses:
		if r.name == nil && r.path == nil {
			return "", ""
		}
		e = add(Program)
		p := s.program()
		e.ProgramApp = p
		switch tab {
		case tabPrograms:
			p.Name = d.in.str(r.name)
			p.Version = d.in.str(r.version)
			p.Publisher = d.in.str(r.publisher)
			p.Path = d.in.str(unquote(r.installLocation))
		case tabApps:
			p.Name = d.in.str(bytes.TrimSuffix(r.name, []byte(".app")))
			p.Version = d.in.str(r.bundleShortVersion)
			if p.Version == "" {
				p.Version = d.in.str(r.bundleVersion)
			}
			p.Path = d.in.str(r.path)
			p.ID = d.in.str(r.bundleID)
		case tabProcesses:
			p.Name = d.in.str(r.name)
			p.Path = d.in.str(r.path)
		}
	}
	return "", ""
}

// unquote drops the double quotes Windows installers often put around
// InstallLocation.
func unquote(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// ssidOctets decodes the SSID as macOS osquery writes it, hexadecimal
// octets in groups of four ("486f6d65 4e65742d 3547" is HomeNet-5G). A
// value that is not such, or does not decode to printable text, is kept as
// written.
func ssidOctets(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	h := bytes.ReplaceAll(b, []byte(" "), nil)
	out := make([]byte, hex.DecodedLen(len(h)))
	if _, err := hex.Decode(out, h); err != nil || !utf8.Valid(out) {
		return b
	}
	for _, r := range string(out) {
		if !unicode.IsPrint(r) {
			return b
		}
	}
	return out
}
