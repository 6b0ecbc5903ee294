package farm

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/telemetry"
)

// IP-KVM evidence levels on a device, weakest first.
const (
	kvmNone       uint8 = iota
	kvmGadget           // bare Linux gadget id 1d6b:0104, or a Linux default EDID: low
	kvmStructural       // one USB device that is keyboard, pointer and disk: B
	kvmDefault          // an IP-KVM's default USB or EDID identity: A
)

// Points by strength (docs/RULES.md scale).
const (
	pointsKVMDefault    = 85
	pointsKVMStructural = 50
	pointsKVMGadget     = 15
)

// USB interface roles, from class/subclass/protocol.
const (
	ifKeyboard uint8 = 1 << iota // 03/01/01 HID boot keyboard
	ifPointer                    // 03/00/00 HID (absolute pointer) or 03/01/02 boot mouse
	ifStorage                    // 08/xx/xx mass storage (08/06/50 bulk-only SCSI)
	ifAll      = ifKeyboard | ifPointer | ifStorage
)

// usbKey is one USB product on one host (device index, vendor and
// product id), as repeated rows name it. Two units of one product on a
// host are one: a product either combines keyboard, pointer and disk or
// does not.
func usbKey(dev int32, vid, pid uint16) uint64 {
	return uint64(uint32(dev))<<32 | uint64(vid)<<16 | uint64(pid)
}

// containsFold reports whether s contains the lower-case ASCII sub,
// ignoring ASCII case, without allocating.
func containsFold(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

func kvmName(ss ...string) string {
	for _, s := range ss {
		for _, k := range kvmNames {
			if containsFold(s, k.fold) {
				return k.label
			}
		}
	}
	return ""
}

// classifyUSB rates one USB row against the IP-KVMs' default identities.
func classifyUSB(u *telemetry.USBDevice) (uint8, string) {
	gadget := u.VendorID == gadgetVendor && u.ProductID == gadgetProduct
	if name := kvmName(u.Vendor, u.Product); name != "" {
		return kvmDefault, name
	}
	serial := strings.TrimSpace(u.Serial)
	switch {
	case len(serial) >= 16 && strings.EqualFold(serial[:16], "6b65796d696d6570"):
		// TinyPilot's default "6b65796d696d6570690", hex for "keymimepi"
		// (its former name); inventories may cut it short.
		return kvmDefault, "TinyPilot"
	case strings.EqualFold(serial, "CAFEBABE") && gadget:
		return kvmDefault, "PiKVM"
	case strings.EqualFold(serial, "CAFEBABE"):
		return kvmStructural, "PiKVM default serial on another id"
	case gadget && strings.EqualFold(strings.TrimSpace(u.Product), "Multifunction USB Device"):
		return kvmDefault, "TinyPilot"
	case gadget:
		return kvmGadget, "Linux USB gadget"
	}
	return kvmNone, ""
}

// classifyDisplay rates a display's EDID.
func classifyDisplay(d *telemetry.DisplayDevice) (uint8, string) {
	if name := kvmName(d.Name); name != "" {
		return kvmDefault, name
	}
	m := strings.ToUpper(strings.TrimSpace(d.Manufacturer))
	switch {
	case m == "LNX" && d.ProductID >= 0x7770 && d.ProductID <= 0x7773:
		return kvmDefault, "PiKVM"
	case m == "TSB" && d.ProductID == 0x8801, strings.EqualFold(strings.TrimSpace(d.Name), "T749-fHD720"):
		return kvmDefault, "JetKVM"
	case m == "LNX":
		return kvmGadget, "Linux default EDID"
	}
	return kvmNone, ""
}

// ifaceRole reads one interface triple ("03/01/01", "3:1:1", "030101").
func ifaceRole(s string) uint8 {
	var v [3]int
	n := 0
	s = strings.TrimSpace(s)
	if len(s) == 6 && isHex(s) {
		for i := range 3 {
			x, _ := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
			v[i] = int(x)
		}
		n = 3
	} else {
		for f := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '/' || r == ':' || r == '.' || r == '-' || r == ' ' || r == ',' }) {
			if n == 3 {
				break
			}
			f = strings.TrimPrefix(strings.ToLower(f), "0x")
			x, err := strconv.ParseUint(f, 16, 8)
			if err != nil {
				return 0
			}
			v[n] = int(x)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return role(v[0], v[1], v[2], n)
}

func role(class, sub, proto, n int) uint8 {
	switch {
	case class == 3 && n >= 3 && sub == 1 && proto == 1:
		return ifKeyboard
	case class == 3 && n >= 3 && (sub == 0 && proto == 0 || sub == 1 && proto == 2):
		return ifPointer
	case class == 8:
		return ifStorage
	}
	return 0
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func codeOf(s string) (int, bool) {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "0x")
	if s == "" {
		return 0, false
	}
	x, err := strconv.ParseUint(s, 16, 8)
	return int(x), err == nil
}

func usbText(u *telemetry.USBDevice) string {
	s := fmt.Sprintf("USB %04x:%04x", u.VendorID, u.ProductID)
	if u.Vendor != "" || u.Product != "" {
		s += " " + strings.TrimSpace(u.Vendor+" "+u.Product)
	}
	if u.Serial != "" {
		s += ", serial " + u.Serial
	}
	return s
}

func (a *Analyzer) addUSB(e *telemetry.Event, t int64, day int32, dev int32) {
	u := e.USBDevice
	if level, label := classifyUSB(u); level != kvmNone {
		a.kvmHit(dev, level, label, e, t, day, false)
	}
	var roles uint8
	for _, s := range u.Interfaces {
		roles |= ifaceRole(s)
	}
	if c, ok := codeOf(u.Class); ok {
		sub, _ := codeOf(u.Subclass)
		proto, _ := codeOf(u.Protocol)
		roles |= role(c, sub, proto, 3)
	}
	if roles == 0 {
		return
	}
	if roles != ifAll {
		// The interfaces of one device may come as several rows. Rows
		// without ids cannot be told apart and are not combined.
		if u.VendorID == 0 && u.ProductID == 0 {
			return
		}
		k := usbKey(dev, u.VendorID, u.ProductID)
		had, ok := a.usbIfaces[k]
		if !ok && len(a.usbIfaces) >= 1<<22 {
			return
		}
		if had == ifAll || had|roles == had && ok {
			return // nothing new, or already reported
		}
		a.usbIfaces[k] = had | roles
		if had|roles != ifAll {
			return
		}
	}
	a.kvmHit(dev, kvmStructural, structuralLabel, e, t, day, false)
}

const structuralLabel = "keyboard + pointer + disk in one USB device"

func kvmWhy(level uint8, label string) string {
	switch level {
	case kvmDefault:
		return label + "'s default identity"
	case kvmStructural:
		return label
	}
	if label == "Linux default EDID" {
		return "the Linux kernel's default EDID: an HDMI capture device or emulated display"
	}
	return "the generic Linux USB gadget id (also dev boards and docks), with no IP-KVM strings"
}

func (a *Analyzer) addDisplay(e *telemetry.Event, t int64, day int32, dev int32) {
	d := e.DisplayDev
	level, label := classifyDisplay(d)
	if level == kvmNone {
		return
	}
	a.kvmHit(dev, level, label, e, t, day, true)
}

// kvmHit records IP-KVM evidence on a device. Each kind of evidence (a
// level seen on USB or on a display) is listed once, with the first row
// that showed it; repeated inventory rows are counted.
func (a *Analyzer) kvmHit(dev int32, level uint8, label string, e *telemetry.Event, t int64, day int32, display bool) {
	d := &a.devs[dev]
	bit := uint8(1) << (2*level - 2)
	if display {
		bit <<= 1
	}
	fresh := d.kvmSeen&bit == 0
	d.kvmSeen |= bit
	if level > d.kvm {
		d.kvm, d.kvmLabel = level, label
	}
	l := a.evList(evKVM, dev)
	if !fresh || !l.want() {
		l.count(t, day)
		return
	}
	var detail string
	switch {
	case display:
		x := e.DisplayDev
		detail = fmt.Sprintf("display %q, EDID %s %04x: %s", x.Name, x.Manufacturer, x.ProductID, kvmWhy(level, label))
	case label == structuralLabel:
		detail = usbText(e.USBDevice) + " is a keyboard, a pointer and a mass-storage disk at once, as an IP-KVM's USB gadget is"
	default:
		detail = usbText(e.USBDevice) + ": " + kvmWhy(level, label)
	}
	l.add(a.evidenceOf(e, dev, -1, detail), t, day)
}

// toolOf returns the remote-access tool a program name or path names, or
// -1; names are cached, so a fleet's inventory costs one map lookup a row.
func (a *Analyzer) toolOf(name string) int {
	if name == "" {
		return -1
	}
	if i, ok := a.progCache[name]; ok {
		return int(i)
	}
	i := matchTool(name)
	if len(a.progCache) < 1<<16 {
		a.progCache[strings.Clone(name)] = int8(i)
	}
	return i
}

func matchTool(name string) int {
	for i, t := range remoteTools {
		for _, v := range t.variants {
			if containsFold(name, v) {
				return i
			}
		}
	}
	return -1
}

// toolIndex resolves a sanctioned tool's name: a tool name, a program
// name, or a part of a tool name ("GoTo").
func toolIndex(s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return -1
	}
	for i, t := range remoteTools {
		if strings.EqualFold(t.name, s) {
			return i
		}
	}
	if i := matchTool(s); i >= 0 {
		return i
	}
	low := strings.ToLower(s)
	for i, t := range remoteTools {
		for part := range strings.SplitSeq(strings.ToLower(t.name), "/") {
			if part == low {
				return i
			}
		}
	}
	return -1
}

func (a *Analyzer) addProgram(e *telemetry.Event, t int64, day int32, dev int32) {
	p := e.ProgramApp
	i := a.toolOf(p.Name)
	if i < 0 && p.Path != "" {
		i = a.toolOf(p.Path)
	}
	if i < 0 || a.sanctioned&(1<<i) != 0 {
		return
	}
	d := &a.devs[dev]
	fresh := d.tools&(1<<i) == 0
	d.tools |= 1 << i
	l := a.evList(evRemote, dev)
	if fresh && l.want() {
		what := p.Name
		if p.Path != "" {
			what += " (" + p.Path + ")"
		}
		l.add(a.evidenceOf(e, dev, -1, remoteTools[i].name+": program \""+what+"\""), t, day)
	} else {
		l.count(t, day)
	}
}

func toolNames(mask uint32) []string {
	var out []string
	for mask != 0 {
		i := bits.TrailingZeros32(mask)
		out = append(out, remoteTools[i].name)
		mask &^= 1 << i
	}
	return out
}

// hardwareFindings reports ip_kvm and remote_access per device.
func (a *Analyzer) hardwareFindings(r *run) []Finding {
	var out []Finding
	for dev := range a.devs {
		d := &a.devs[dev]
		if d.kvm != kvmNone {
			out = append(out, a.kvmFinding(r, int32(dev)))
		}
		if d.tools != 0 {
			out = append(out, a.remoteFinding(r, int32(dev)))
		}
	}
	return out
}

func (a *Analyzer) kvmFinding(r *run, dev int32) Finding {
	d := &a.devs[dev]
	l := a.evidence[evKey{evKVM, dev}]
	f := a.deviceFinding(r, KindIPKVM, dev, l)
	who := r.deviceHolderText(dev)
	when := spanText(f.First, f.Last, f.Days)
	switch d.kvm {
	case kvmDefault:
		f.Points = pointsKVMDefault
		f.Explanation = fmt.Sprintf("Managed device %[2]s of %[1]s had a %[3]s IP-KVM attached (%[4]s). "+
			"An IP-KVM puts the laptop's keyboard, mouse and screen on the network, so that someone "+
			"elsewhere can work on it as if at the desk: it is how DPRK IT workers run company laptops kept "+
			"in a facilitator's house (Mandiant UNC5267; DOJ 2024-05-16, US v. Chapman). The match is the "+
			"vendor's default identity, which is physical evidence unless someone planted it; rule out "+
			"first an IT or lab setup that uses IP-KVMs for servers, and ask where the laptop is.",
			who, d.key, d.kvmLabel, when)
	case kvmStructural:
		f.Points = pointsKVMStructural
		f.Explanation = fmt.Sprintf("Managed device %[2]s of %[1]s had a USB device attached that matches an IP-KVM's shape "+
			"(%s; %s) without its default strings: IP-KVMs present themselves as one USB device with a "+
			"keyboard, an absolute pointer and a virtual disk, and the strings are easy to change "+
			"(SIGNALS.md, structural B). Rule out docking stations, KVM switches and keyboards with "+
			"built-in storage by looking the device up.", who, d.key, d.kvmLabel, when)
	default:
		f.Points = pointsKVMGadget
		f.Explanation = fmt.Sprintf("Managed device %[2]s of %[1]s saw %[3]s (%[4]s). IP-KVMs use this identity by default, "+
			"but so do development boards, Raspberry Pi projects and some docks, and nothing else here says "+
			"IP-KVM: context for an analyst, not a finding on its own (SIGNALS.md false positives).",
			who, d.key, kvmWhy(kvmGadget, d.kvmLabel), when)
	}
	f.Level = risk.LevelOf(f.Points)
	f.Source = "SIGNALS.md Endpoint: IP-KVM on a company laptop (A with default fingerprints, B structural); " +
		"Mandiant UNC5267 (2024-09-23); PiKVM, TinyPilot and JetKVM gadget defaults"
	return f
}

func (a *Analyzer) remoteFinding(r *run, dev int32) Finding {
	d := &a.devs[dev]
	l := a.evidence[evKey{evRemote, dev}]
	f := a.deviceFinding(r, KindRemoteAccess, dev, l)
	names := toolNames(d.tools)
	n := len(names)
	f.Points = 45 + 10*min(n-1, 2)
	f.Level = risk.LevelOf(f.Points)
	several := ""
	if n > 1 {
		several = fmt.Sprintf(" Several tools on one host (%d here) is rarer still in legitimate use.", n)
	}
	f.Explanation = fmt.Sprintf("Managed device %[2]s of %[1]s runs remote-access software the organisation does not "+
		"sanction: %[3]s (%[4]s). DPRK IT workers reach laptops kept in facilitators' houses through such tools "+
		"(Mandiant UNC5267; FBI).%[5]s Rule out an IT helpdesk or managed-service provider that installed it, "+
		"and a developer's own remote setup; if IT uses the tool, add it to the sanctioned list.",
		r.deviceHolderText(dev), d.key, strings.Join(names, ", "), spanText(f.First, f.Last, f.Days), several)
	f.Source = "SIGNALS.md Endpoint: unsanctioned remote-access tools, several on one host (B); Mandiant UNC5267 (2024-09-23)"
	return f
}

// deviceFinding fills what every finding about one device carries.
func (a *Analyzer) deviceFinding(r *run, kind string, dev int32, l *evList) Finding {
	d := &a.devs[dev]
	f := Finding{ID: findingID(kind, "device "+d.key), Kind: kind, Devices: []string{d.key}}
	if s := r.deviceSubject(dev); s != "" {
		f.Subjects = []string{s}
	}
	if l != nil {
		r.fillEvidence(&f, l)
	}
	return f
}
