package farm

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"
)

// Farm scoring (points on the 0–100 scale; SIGNALS.md "several employees'
// managed laptops behind one residential egress IP", A/B). Two unrelated
// households behind one house's address are low — roommates and partners
// do that — three are medium, four high; more laptops than people, many
// days, and IP-KVM or remote-access evidence on the members add.
const (
	farmTwoHouseholds   = 35
	farmPerHousehold    = 18 // each household beyond two
	farmPerExtraDevice  = 3  // each laptop beyond one per person, up to farmExtraDevicesMax
	farmExtraDevicesMax = 9
	farmDays5           = 5 // five or more days together
	farmDays10          = 5 // ten or more, on top
	farmKVMDefault      = 25
	farmKVMStructural   = 15
	farmRemote          = 10 // unsanctioned remote access on top of an IP-KVM
	farmRemoteOnly      = 15 // remote access without an IP-KVM
	farmVisitCap        = 25 // two households at one member's own home, nothing else
	farmHousehold       = 12 // one household with several employees: low, context
	farmAddressOnly     = 10 // laptops shipped to one address, no telemetry together: less
)

// hw is the hardware evidence on one holder's devices.
type hw struct {
	kvm      uint8
	kvmLabel string
	kvmDevs  []string
	tools    uint32
	toolDevs []string
}

func (a *Analyzer) hardwareByHolder(r *run) map[int64]*hw {
	out := map[int64]*hw{}
	for dev := range a.devs {
		d := &a.devs[dev]
		if d.kvm < kvmStructural && d.tools == 0 {
			continue
		}
		h := r.holderOf(int32(dev))
		x := out[h]
		if x == nil {
			x = &hw{}
			out[h] = x
		}
		if d.kvm >= kvmStructural {
			if d.kvm > x.kvm {
				x.kvm, x.kvmLabel = d.kvm, d.kvmLabel
			}
			x.kvmDevs = append(x.kvmDevs, d.key)
		}
		if d.tools != 0 {
			x.tools |= d.tools
			x.toolDevs = append(x.toolDevs, d.key)
		}
	}
	return out
}

// fgroup is a farm candidate: member device-spot pairs and shipments.
type fgroup struct {
	spots []int32
	pairs []int32
	ships []int32
}

func (g *fgroup) devices(a *Analyzer) []int32 {
	var out []int32
	for _, p := range g.pairs {
		if act := a.pairs[p].actor; act >= 0 {
			out = append(out, act)
		}
	}
	for _, s := range g.ships {
		if d := a.ships[s].dev; d >= 0 {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// actors are the group's devices (as devices does) and its users seen
// without a device (as ^user).
func (g *fgroup) actors(a *Analyzer) []int32 {
	out := g.devices(a)
	for _, p := range g.pairs {
		if act := a.pairs[p].actor; act < 0 {
			out = append(out, act)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// farmSpot reports whether devices meeting at a spot can be a farm:
// corporate egress, VPNs, hosting, gateways and private addresses cannot.
func (s *spot) farmSpot() bool {
	return s.kind != spotIP || s.class == classUnknown || s.class == classTagged
}

// farmFindings finds spots where devices of several people meet on the
// same days, and addresses laptops of several people were shipped to, and
// reports each group as one farm finding.
func (a *Analyzer) farmFindings(r *run) []Finding {
	hws := a.hardwareByHolder(r)
	// Pairs by spot, by a counting sort.
	start := make([]int32, len(a.spots)+1)
	for i := range a.pairs {
		start[a.pairs[i].spot+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	bySpot := make([]int32, len(a.pairs))
	next := slices.Clone(start[:len(a.spots)])
	for i := range a.pairs {
		sp := a.pairs[i].spot
		bySpot[next[sp]] = int32(i)
		next[sp]++
	}
	var groups []*fgroup
	for sp := range a.spots {
		if !a.spots[sp].farmSpot() || start[sp+1]-start[sp] < 2 {
			continue
		}
		if g := a.spotGroup(r, int32(sp), bySpot[start[sp]:start[sp+1]], hws); g != nil {
			groups = append(groups, g)
		}
	}
	groups = append(groups, a.addressGroups(r)...)
	groups = a.mergeGroups(groups)
	var out []Finding
	for _, g := range groups {
		if f, ok := a.farmFinding(r, g, hws); ok {
			out = append(out, f)
		}
	}
	return out
}

// spotGroup returns the devices at a spot that were there on the same days
// as another person's: on two days or more, or one when hardware evidence
// is on a device there.
func (a *Analyzer) spotGroup(r *run, sp int32, list []int32, hws map[int64]*hw) *fgroup {
	type ent struct {
		pair int32
		hidx int
		mask uint64
	}
	var ents []ent
	var holders []int64
	for _, p := range list {
		pr := &a.pairs[p]
		m := pr.days.from(r.firstDay) & r.dayMask
		if m == 0 {
			continue
		}
		h := r.holderOf(pr.actor)
		idx := slices.Index(holders, h)
		if idx < 0 {
			if len(holders) == a.sharedEgress {
				return nil // an office or a carrier's egress, not a house
			}
			holders = append(holders, h)
			idx = len(holders) - 1
		}
		ents = append(ents, ent{p, idx, m})
	}
	if len(holders) < 2 {
		return nil
	}
	var present [64]uint64
	for _, e := range ents {
		for m := e.mask; m != 0; m &= m - 1 {
			present[bits.TrailingZeros64(m)] |= 1 << e.hidx
		}
	}
	hardware := false
	for _, h := range holders {
		if hws[h] != nil {
			hardware = true
		}
	}
	g := &fgroup{spots: []int32{sp}}
	var memberHolders uint64
	for _, e := range ents {
		if a.spots[sp].kind != spotIP && r.atOffice(a.pairs[e.pair].actor, e.mask) {
			continue
		}
		co := 0
		for m := e.mask; m != 0; m &= m - 1 {
			if present[bits.TrailingZeros64(m)]&^(1<<e.hidx) != 0 {
				co++
			}
		}
		if co >= 2 || co >= 1 && hardware {
			g.pairs = append(g.pairs, e.pair)
			memberHolders |= 1 << e.hidx
		}
	}
	if bits.OnesCount64(memberHolders) < 2 {
		return nil
	}
	return g
}

// atOffice reports whether a device was behind the corporate egress on
// most of the given days: a Wi-Fi network or map spot it shares with
// colleagues on those days is the office's.
func (r *run) atOffice(actor int32, days uint64) bool {
	if actor < 0 {
		return false
	}
	a := r.a
	var corp uint64
	for _, p := range r.pairsOf(actor) {
		pr := &a.pairs[p]
		if s := &a.spots[pr.spot]; s.kind == spotIP && s.class == classCorp {
			corp |= pr.days.from(r.firstDay)
		}
	}
	return 2*bits.OnesCount64(corp&days) > bits.OnesCount64(days)
}

// pairsOf returns a device's pairs.
func (r *run) pairsOf(dev int32) []int32 {
	if r.devPairs == nil {
		r.devPairs = make([][]int32, len(r.a.devs))
		for i := range r.a.pairs {
			if act := r.a.pairs[i].actor; act >= 0 {
				r.devPairs[act] = append(r.devPairs[act], int32(i))
			}
		}
	}
	return r.devPairs[dev]
}

// addressGroups returns ship-to addresses that received laptops for two
// or more people.
func (a *Analyzer) addressGroups(r *run) []*fgroup {
	byKey := map[string][]int32{}
	for i := range a.ships {
		if k := a.ships[i].key; k != "" {
			byKey[k] = append(byKey[k], int32(i))
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []*fgroup
	for _, k := range keys {
		ships := byKey[k]
		var holders []int64
		for _, s := range ships {
			if h := r.shipHolder(&a.ships[s]); !slices.Contains(holders, h) {
				holders = append(holders, h)
			}
		}
		if len(holders) >= 2 && len(holders) <= a.sharedEgress {
			out = append(out, &fgroup{ships: ships})
		}
	}
	return out
}

// mergeGroups joins candidates that are one farm seen through several
// spots (a changing home address, the Wi-Fi and the address, the ship-to
// address): sharing two devices, or one when a side is an address.
func (a *Analyzer) mergeGroups(groups []*fgroup) []*fgroup {
	parent := make([]int, len(groups))
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	// Devices, and users seen without one (sign-ins only): a farm that is
	// seen only in sign-ins merges across its changing addresses too.
	byDev := map[int32][]int{}
	for i, g := range groups {
		for _, d := range g.actors(a) {
			byDev[d] = append(byDev[d], i)
		}
	}
	shared := map[[2]int]int{}
	for _, gs := range byDev {
		for x := 0; x < len(gs); x++ {
			for y := x + 1; y < len(gs); y++ {
				shared[[2]int{gs[x], gs[y]}]++
			}
		}
	}
	for k, n := range shared {
		address := len(groups[k[0]].spots) == 0 || len(groups[k[1]].spots) == 0
		if n >= 2 || address {
			if rx, ry := find(k[0]), find(k[1]); rx != ry {
				parent[max(rx, ry)] = min(rx, ry)
			}
		}
	}
	merged := map[int]*fgroup{}
	var order []int
	for i, g := range groups {
		root := find(i)
		m := merged[root]
		if m == nil {
			m = &fgroup{}
			merged[root] = m
			order = append(order, root)
		}
		m.spots = append(m.spots, g.spots...)
		m.pairs = append(m.pairs, g.pairs...)
		m.ships = append(m.ships, g.ships...)
	}
	out := make([]*fgroup, 0, len(order))
	for _, root := range order {
		m := merged[root]
		slices.Sort(m.spots)
		m.spots = slices.Compact(m.spots)
		slices.Sort(m.pairs)
		m.pairs = slices.Compact(m.pairs)
		slices.Sort(m.ships)
		m.ships = slices.Compact(m.ships)
		out = append(out, m)
	}
	return out
}

// spotLabel names a spot for analysts: "ip 73.12.4.9", "wifi <bssid>
// (<ssid>)", or a place and its map cell.
func (a *Analyzer) spotLabel(sp int32) string {
	s := &a.spots[sp]
	switch s.kind {
	case spotIP:
		if s.addr.Is6() {
			return "ip " + s.addr.String() + "/64"
		}
		return "ip " + s.addr.String()
	case spotWiFi:
		if s.label != "" {
			return "wifi " + s.key + " (" + s.label + ")"
		}
		return "wifi " + s.key
	}
	if s.place != 0 {
		return a.places[s.place-1].label() + " (" + s.key + ")"
	}
	return "map " + s.key
}

func (a *Analyzer) farmFinding(r *run, g *fgroup, hws map[int64]*hw) (Finding, bool) {
	// Who, and on which days together.
	var holders []int64
	addHolder := func(h int64) {
		if !slices.Contains(holders, h) {
			holders = append(holders, h)
		}
	}
	var dayHolders [64][]int64
	devDays := map[int32]int{}
	spotDays := map[int32]int{}
	var first, last int64
	for _, p := range g.pairs {
		pr := &a.pairs[p]
		h := r.holderOf(pr.actor)
		addHolder(h)
		m := pr.days.from(r.firstDay) & r.dayMask
		n := bits.OnesCount64(m)
		spotDays[pr.spot] += n
		if pr.actor >= 0 {
			devDays[pr.actor] += n
		}
		for ; m != 0; m &= m - 1 {
			d := bits.TrailingZeros64(m)
			if !slices.Contains(dayHolders[d], h) {
				dayHolders[d] = append(dayHolders[d], h)
			}
		}
		f0 := max(pr.first, r.from)
		if first == 0 || f0 < first {
			first = f0
		}
		last = max(last, pr.last)
	}
	for _, s := range g.ships {
		addHolder(r.shipHolder(&a.ships[s]))
	}
	if len(holders) < 2 {
		return Finding{}, false
	}
	var together uint64
	for d := range dayHolders {
		if len(dayHolders[d]) >= 2 {
			together |= 1 << d
		}
	}
	devs := g.devices(a)
	// Households are counted among the known people. A user or device
	// tied to nobody counts only where no known person is: beside one
	// person it is most likely that person's own login or laptop missing
	// from the record, not a second household.
	var households []int64
	known := slices.ContainsFunc(holders, func(h int64) bool { return h < holderUser })
	for _, h := range holders {
		if known && h >= holderUser {
			continue
		}
		if hh := r.household(h); !slices.Contains(households, hh) {
			households = append(households, hh)
		}
	}
	// Hardware on the members' devices, anywhere.
	var kvm uint8
	var kvmLabel string
	var kvmDevs, toolDevs []string
	var tools uint32
	for _, h := range holders {
		if x := hws[h]; x != nil {
			if x.kvm > kvm {
				kvm, kvmLabel = x.kvm, x.kvmLabel
			}
			kvmDevs = append(kvmDevs, x.kvmDevs...)
			tools |= x.tools
			toolDevs = append(toolDevs, x.toolDevs...)
		}
	}
	slices.Sort(kvmDevs)
	slices.Sort(toolDevs)
	// A member's own home (a visit), by the addresses people declared.
	ownHome := false
	for _, sp := range g.spots {
		if s := &a.spots[sp]; s.kind == spotIP {
			for _, p := range a.homeIPs[s.addr] {
				if slices.Contains(holders, int64(p)) {
					ownHome = true
				}
			}
		}
	}

	f := Finding{Kind: KindFarm, Days: bits.OnesCount64(together)}
	// The main spot is where the members spent the most device-days.
	if len(g.spots) > 0 {
		spots := slices.Clone(g.spots)
		slices.SortFunc(spots, func(x, y int32) int {
			return cmp.Or(cmp.Compare(spotDays[y], spotDays[x]), cmp.Compare(a.spots[x].kind, a.spots[y].kind),
				cmp.Compare(a.spotLabel(x), a.spotLabel(y)))
		})
		for _, sp := range spots {
			f.Spots = append(f.Spots, a.spotLabel(sp))
		}
		f.Location = f.Spots[0]
		if s := &a.spots[spots[0]]; s.kind == spotIP {
			f.IP = s.addr
		}
	}
	var addresses []string
	for _, s := range g.ships {
		if sh := &a.ships[s]; sh.address != "" && !slices.Contains(addresses, sh.address) {
			addresses = append(addresses, sh.address)
		}
	}
	slices.Sort(addresses)
	for _, ad := range addresses {
		f.Spots = append(f.Spots, "address "+ad)
	}
	if f.Location == "" {
		f.Location = f.Spots[0]
	}
	f.ID = findingID(KindFarm, f.Location)
	for _, h := range holders {
		if s := r.holderSubject(h); s != "" {
			f.Subjects = append(f.Subjects, s)
		}
	}
	slices.Sort(f.Subjects)
	for _, d := range devs {
		f.Devices = append(f.Devices, a.devs[d].key)
	}
	slices.Sort(f.Devices)
	if first != 0 {
		f.First, f.Last = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
	} else if len(g.ships) > 0 {
		for i, s := range g.ships {
			t := time.Unix(a.ships[s].t, 0).UTC()
			if i == 0 || t.Before(f.First) {
				f.First = t
			}
			if t.After(f.Last) {
				f.Last = t
			}
		}
	}

	// Strength.
	nh := len(households)
	switch {
	case nh <= 1:
		f.Points = farmHousehold
	default:
		f.Points = farmTwoHouseholds + farmPerHousehold*(nh-2)
		// Two households together are roommates or partners as often as
		// not: more days or laptops do not lift them out of low; only
		// hardware does (below).
		if nh >= 3 {
			f.Points += min(farmPerExtraDevice*max(len(devs)-len(holders), 0), farmExtraDevicesMax)
			if f.Days >= 5 {
				f.Points += farmDays5
			}
			if f.Days >= 10 {
				f.Points += farmDays10
			}
		}
		switch {
		case kvm == kvmDefault:
			f.Points += farmKVMDefault
		case kvm == kvmStructural:
			f.Points += farmKVMStructural
		}
		switch {
		case tools != 0 && kvm >= kvmStructural:
			f.Points += farmRemote
		case tools != 0:
			f.Points += farmRemoteOnly
		}
		if len(g.pairs) == 0 {
			f.Points -= farmAddressOnly
		}
		if nh == 2 && ownHome && kvm < kvmStructural && tools == 0 {
			f.Points = min(f.Points, farmVisitCap)
		}
		f.Points = min(f.Points, 100)
	}
	f.Level = levelOf(f.Points)
	f.Source = "SIGNALS.md Network and identity provider: several employees' managed laptops behind one residential " +
		"egress IP (A/B); Laptop shipping: same address receives laptops for several workers (A/B); " +
		"DOJ 2024-05-16 (US v. Chapman); Mandiant UNC5267 (2024-09-23)"
	f.Explanation = a.farmText(r, g, &f, holders, nh, ownHome, kvm, kvmLabel, kvmDevs, tools, toolDevs, addresses)
	f.Evidence, f.EvidenceTotal = a.farmEvidence(r, g, hws, holders)
	return f, true
}

func (a *Analyzer) farmText(r *run, g *fgroup, f *Finding, holders []int64, nh int, ownHome bool,
	kvm uint8, kvmLabel string, kvmDevs []string, tools uint32, toolDevs []string, addresses []string) string {
	var names []string
	for _, h := range holders {
		names = append(names, r.holderText(h))
	}
	slices.Sort(names)
	where := ""
	if len(g.spots) > 0 {
		where = a.whereText(f.Location, g)
	}
	var b strings.Builder
	if nh <= 1 {
		fmt.Fprintf(&b, "%s share a home address and had their %s managed %s online together", joinAnd(names),
			numberWord(len(f.Devices)), plural(len(f.Devices), "device", "devices"))
		if where != "" {
			fmt.Fprintf(&b, " %s on %d %s (%s to %s)", where, f.Days, plural(f.Days, "day", "days"), dateText(f.First), dateText(f.Last))
		}
		b.WriteString(": a household of employees, as expected. Context only — unless other evidence says " +
			"the household is a facilitator's, which shipping records and the people's own findings would show.")
		return b.String()
	}
	if len(f.Devices) == 0 {
		// Seen only in sign-ins: the people, not their laptops.
		fmt.Fprintf(&b, "Sign-ins of %s people — %s —", numberWord(len(holders)), joinAnd(names))
	} else {
		fmt.Fprintf(&b, "%s managed %s of %s people — %s —", capitalise(numberWord(len(f.Devices))),
			plural(len(f.Devices), "device", "devices"), numberWord(len(holders)), joinAnd(names))
	}
	if where != "" {
		verb := "were online"
		if len(f.Devices) == 0 {
			verb = "came from"
		}
		fmt.Fprintf(&b, " %s %s on the same days: at least two of them at once on %d %s between %s and %s",
			verb, where, f.Days, plural(f.Days, "day", "days"), dateText(f.First), dateText(f.Last))
		var also []string
		for _, s := range f.Spots[1:] {
			switch {
			case strings.HasPrefix(s, "wifi "):
				also = append(also, "the Wi-Fi network "+strings.TrimPrefix(s, "wifi "))
			case strings.HasPrefix(s, "ip "):
				also = append(also, "the address "+strings.TrimPrefix(s, "ip "))
			case !strings.HasPrefix(s, "address "):
				also = append(also, s)
			}
		}
		if len(also) > 0 {
			fmt.Fprintf(&b, ". The same devices also met at %s", joinAnd(also))
		}
		if len(addresses) > 0 {
			fmt.Fprintf(&b, ", and laptops of theirs were shipped to %s", joinAnd(addresses))
		}
	} else {
		fmt.Fprintf(&b, " had laptops shipped to %s (%s to %s), though their devices were not seen together",
			joinAnd(addresses), dateText(f.First), dateText(f.Last))
	}
	fmt.Fprintf(&b, ". They give %s different home %s.", numberWord(nh), plural(nh, "address", "addresses"))
	if len(kvmDevs) > 0 {
		what := "an IP-KVM matching " + kvmLabel
		if kvm == kvmStructural {
			what = "a USB device shaped like an IP-KVM"
		}
		fmt.Fprintf(&b, " %s of their devices (%s) had %s attached.", capitalise(numberWord(len(kvmDevs))),
			strings.Join(kvmDevs, ", "), what)
	}
	if tools != 0 {
		fmt.Fprintf(&b, " %s unsanctioned remote-access software (%s).", runsText(toolDevs), strings.Join(toolNames(tools), ", "))
	}
	b.WriteString(" Several employees' company laptops kept in one house and worked remotely is how the laptop " +
		"farms run for DPRK IT workers look (DOJ 2024-05-16, US v. Chapman; Mandiant UNC5267).")
	if ownHome {
		b.WriteString(" The address is one member's declared home connection, so the others may be visitors.")
	}
	b.WriteString(" Rule out first: people who live together under different addresses (roommates, partners, " +
		"family with other surnames), a co-working space or hotel on a residential line, and a recent move; " +
		"then ask where each laptop is and who uses it.")
	return b.String()
}

func runsText(devs []string) string {
	if len(devs) == 1 {
		return devs[0] + " runs"
	}
	return strings.Join(devs, ", ") + " run"
}

// whereText says where a farm's devices met.
func (a *Analyzer) whereText(loc string, g *fgroup) string {
	main := g.spots[0]
	for _, sp := range g.spots {
		if a.spotLabel(sp) == loc {
			main = sp
		}
	}
	s := &a.spots[main]
	var w string
	switch s.kind {
	case spotIP:
		w = "behind the address " + s.addr.String()
		var notes []string
		if s.place != 0 {
			notes = append(notes, a.places[s.place-1].label())
		}
		if s.asOrg != "" {
			notes = append(notes, s.asOrg)
		}
		if s.tag != "" {
			notes = append(notes, s.tag)
		}
		if len(notes) > 0 {
			w += " (" + strings.Join(notes, "; ") + ")"
		}
	case spotWiFi:
		w = "on the Wi-Fi access point " + strings.TrimPrefix(loc, "wifi ")
	default:
		w = "at one spot on the map, " + loc
	}
	return w
}

func (a *Analyzer) farmEvidence(r *run, g *fgroup, hws map[int64]*hw, holders []int64) ([]Evidence, int) {
	var evs []Evidence
	for _, p := range g.pairs {
		pr := &a.pairs[p]
		m := pr.days.from(r.firstDay) & r.dayMask
		d0, d1 := daySpan(m, r.firstDay)
		ev := Evidence{Line: int(pr.line), Time: time.Unix(pr.first, 0).UTC()}
		if pr.file >= 0 {
			ev.File = a.files[pr.file]
		}
		what := ""
		if pr.actor >= 0 {
			ev.Device = a.devs[pr.actor].key
			if u := a.devs[pr.actor].user; u >= 0 {
				ev.User = a.users[u].login
			}
			what = "device " + ev.Device + " of " + r.holderText(r.holderOf(pr.actor))
		} else {
			ev.User = a.users[^pr.actor].login
			what = "sign-ins of " + r.holderText(r.holderOf(pr.actor))
		}
		ev.Detail = fmt.Sprintf("%s at %s on %d %s, %s to %s (%d events; this is the first)", what, a.spotLabel(pr.spot),
			bits.OnesCount64(m), plural(bits.OnesCount64(m), "day", "days"), dateText(d0), dateText(d1), pr.n)
		evs = append(evs, ev)
	}
	for _, s := range g.ships {
		sh := &a.ships[s]
		evs = append(evs, r.shipEvidence(sh, fmt.Sprintf("laptop %s for %s shipped to %s", orText(a.devKey(sh.dev), "(no serial)"),
			r.holderText(r.shipHolder(sh)), sh.address)))
	}
	for _, h := range holders {
		x := hws[h]
		if x == nil {
			continue
		}
		for _, k := range append(slices.Clone(x.kvmDevs), x.toolDevs...) {
			dev := a.devByKey[k]
			for _, kind := range []uint8{evKVM, evRemote} {
				l := a.evidence[evKey{kind, dev}]
				if l == nil || len(l.items) == 0 {
					continue
				}
				ev := l.items[0]
				label := "IP-KVM: "
				if kind == evRemote {
					label = "remote access: "
				}
				ev.Detail = label + ev.Detail
				if !slices.Contains(evs, ev) {
					evs = append(evs, ev)
				}
			}
		}
	}
	sortEvidence(evs)
	total := len(evs)
	if len(evs) > MaxEvidence {
		evs = evs[:MaxEvidence]
	}
	return evs, total
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
