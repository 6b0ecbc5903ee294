// Package synth writes a synthetic population of subject records with
// planted DPRK IT-worker rings and the ordinary overlaps a real population
// has, together with the ground truth. It feeds demos, tests and benchmarks:
// detectors are measured by how well they find the rings without flagging
// families, roommates, co-workers, people who apply twice, VPN users and
// Korean-Americans.
//
// Output is a pure function of the options: the same seed gives the same
// bytes on every machine, so tests can assert figures on a fixed seed.
package synth

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/ringfence/ringfence/internal/subject"
)

// Options say what to generate.
type Options struct {
	// N is the number of records.
	N int
	// Seed selects the population; equal seeds give equal output.
	Seed uint64
	// FraudShare is the share of records that are ring personas; zero means
	// the default of 3%.
	FraudShare float64
	// Start is the created_at of the first record; later records are a
	// minute apart. Zero means 2026-01-05T09:00:00Z.
	Start time.Time
}

// Truth is the ground truth for one record.
type Truth struct {
	ID string `json:"id"`
	// Fraud is true for a persona of a planted ring.
	Fraud bool `json:"fraud"`
	// Ring names the planted ring of a fraudulent persona.
	Ring string `json:"ring,omitempty"`
	// Overlap names the ordinary overlap the record takes part in: family,
	// roommates, coworking, duplicate (the same person applying twice), vpn,
	// korean_name or identity_theft_victim; empty for a plain record.
	Overlap string `json:"overlap,omitempty"`
	// Group identifies the ring, family, flat, office or duplicate pair the
	// record belongs to, so tests can compare clusters with groups.
	Group string `json:"group,omitempty"`
}

type groupType uint8

const (
	gSingle groupType = iota
	gRing
	gFamily
	gRoommates
	gCoworking
	gDuplicate
	gVPN
	gKorean
)

var overlapNames = map[groupType]string{gFamily: "family", gRoommates: "roommates", gCoworking: "coworking",
	gDuplicate: "duplicate", gVPN: "vpn", gKorean: "korean_name"}

var groupPrefix = map[groupType]string{gSingle: "P", gRing: "R", gFamily: "F", gRoommates: "H",
	gCoworking: "W", gDuplicate: "D", gVPN: "V", gKorean: "K"}

// slot is one record to be written: which group it belongs to and its
// place there. The plan keeps only slots (12 bytes a record), so memory
// stays small for millions of records; the records are made as written.
type slot struct {
	group uint32
	idx   uint16
	size  uint16
	typ   groupType
}

// plan lays out groups until n records are placed, then shuffles them so
// that rings and families are spread through the file as in a real export.
func plan(n int, fraudShare float64, rng *rand.Rand) (slots []slot, victims map[uint64]uint32) {
	slots = make([]slot, 0, n)
	var gid uint32
	add := func(t groupType, size int) {
		if rem := n - len(slots); size > rem {
			size = rem
		}
		gid++
		for i := 0; i < size; i++ {
			slots = append(slots, slot{group: gid, idx: uint16(i), size: uint16(size), typ: t})
		}
	}
	// Shares of the population, from a draw per group.
	type share struct {
		t        groupType
		p        float64
		min, max int
	}
	shares := []share{
		{gRing, fraudShare, 3, 8},
		{gFamily, 0.10, 2, 5},
		{gRoommates, 0.04, 2, 4},
		{gCoworking, 0.02, 30, 200},
		{gDuplicate, 0.01, 2, 2},
		{gVPN, 0.02, 1, 1},
		{gKorean, 0.03, 1, 1},
	}
	var singles []uint32
	for len(slots) < n {
		x := rng.Float64()
		placed := false
		for _, s := range shares {
			// The chance per draw is scaled by the mean group size so that p is
			// a share of records, not of groups.
			mean := float64(s.min+s.max) / 2
			q := s.p / mean
			if x < q {
				add(s.t, s.min+rng.IntN(s.max-s.min+1))
				placed = true
				break
			}
			x -= q
		}
		if !placed {
			add(gSingle, 1)
			singles = append(singles, gid)
		}
	}
	// A quarter of ring personas use a stolen SSN; for a third of those the
	// real owner is in the population too, as in the E-Verify cases where a
	// stolen identity's owner works elsewhere legitimately.
	victims = map[uint64]uint32{}
	for _, s := range slots {
		if s.typ != gRing || len(singles) == 0 {
			continue
		}
		k := uint64(s.group)<<16 | uint64(s.idx)
		r := personaRand(rng.Uint64(), k)
		if r.Float64() < 0.25 && r.Float64() < 0.34 {
			victims[k] = singles[r.IntN(len(singles))]
		}
	}
	rng.Shuffle(len(slots), func(i, j int) { slots[i], slots[j] = slots[j], slots[i] })
	return slots, victims
}

func personaRand(seed, k uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, k)) }

// Population generates o.N records in memory, with their truth: what tests
// and benchmarks of a whole population start from.
func Population(ctx context.Context, o Options) ([]subject.Record, []Truth, error) {
	recs := make([]subject.Record, 0, o.N)
	truth := make([]Truth, 0, o.N)
	err := Generate(ctx, o, func(r subject.Record, tr Truth) error {
		recs = append(recs, r)
		truth = append(truth, tr)
		return nil
	})
	return recs, truth, err
}

// Generate writes opts.N records to emit, in file order, each with its
// truth. It stops early when ctx is done or emit fails.
func Generate(ctx context.Context, o Options, emit func(subject.Record, Truth) error) error {
	if o.N < 0 {
		return fmt.Errorf("synth: negative record count %d", o.N)
	}
	if o.FraudShare == 0 {
		o.FraudShare = 0.03
	}
	if o.FraudShare < 0 || o.FraudShare > 0.5 {
		return fmt.Errorf("synth: fraud share %v outside 0..0.5", o.FraudShare)
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	}
	planRng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	slots, victims := plan(o.N, o.FraudShare, planRng)
	victimOf := map[uint32]bool{}
	for _, g := range victims {
		victimOf[g] = true
	}
	g := &generator{seed: o.Seed}
	for i, s := range slots {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, truth := g.record(s, victims)
		rec.ID = fmt.Sprintf("S%07d", i+1)
		rec.CreatedAt = o.Start.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
		if s.typ == gSingle && victimOf[s.group] {
			truth.Overlap = "identity_theft_victim"
		}
		truth.ID = rec.ID
		if err := emit(rec, truth); err != nil {
			return err
		}
	}
	return nil
}

type generator struct {
	seed uint64
}

// groupRand is the random source of a group's shared values: every member
// draws the same phone, account or address from it.
func (g *generator) groupRand(t groupType, group uint32) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^uint64(t)<<56, uint64(group)))
}

func (g *generator) memberRand(t groupType, group uint32, idx uint16) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^0xa5a5a5a5^uint64(t)<<56, uint64(group)<<16|uint64(idx)))
}

// person is the identity part of a record, before its identifiers.
type person struct {
	first, last string
	dob         string
	city        int
}

func (g *generator) newPerson(r *rand.Rand) person {
	return person{first: pick(r, firstNames), last: pick(r, lastNames), dob: dob(r), city: r.IntN(len(cities))}
}

func (g *generator) record(s slot, victims map[uint64]uint32) (subject.Record, Truth) {
	r := g.memberRand(s.typ, s.group, s.idx)
	gr := g.groupRand(s.typ, s.group)
	truth := Truth{Group: fmt.Sprintf("%s%06d", groupPrefix[s.typ], s.group), Overlap: overlapNames[s.typ]}
	switch s.typ {
	case gRing:
		truth.Fraud = true
		truth.Ring = truth.Group
		return g.persona(s, r, gr, victims), truth
	case gFamily:
		return g.familyMember(s, r, gr), truth
	case gRoommates:
		return g.roommate(s, r, gr), truth
	case gCoworking:
		rec := g.ordinary(r, g.newPerson(r), personNumber(s))
		rec.IPs = []string{coworkingIP(gr)}
		return rec, truth
	case gDuplicate:
		// The same person applying twice: both records are drawn from the
		// group's source, so they agree, written a little differently.
		first := s
		first.idx = 0
		rec := g.ordinary(gr, g.newPerson(gr), personNumber(first))
		if s.idx == 1 {
			rec.Name = strings.ToUpper(rec.Name)
			if len(rec.Phones) > 0 {
				rec.Phones[0] = reformatPhone(r, rec.Phones[0])
			}
			if len(rec.Emails) > 0 {
				rec.Emails[0] = strings.ToUpper(rec.Emails[0][:1]) + rec.Emails[0][1:]
			}
		}
		return rec, truth
	case gVPN:
		rec := g.ordinary(r, g.newPerson(r), personNumber(s))
		rec.IPs = []string{vpnIP(r)}
		return rec, truth
	case gKorean:
		p := g.newPerson(r)
		p.first, p.last = pick(r, koreanGiven), pick(r, koreanSurnames)
		rec := g.ordinary(r, p, personNumber(s))
		if r.IntN(3) == 0 {
			rec.Nationality = "KR"
		}
		return rec, truth
	}
	return g.ordinary(r, g.newPerson(r), personNumber(s)), truth
}

// personNumber numbers a person uniquely in the population: group ids are
// unique and no group has 256 members.
func personNumber(s slot) uint64 { return uint64(s.group)<<8 | uint64(s.idx) }

// ordinary makes a legitimate applicant or worker; ssn numbers the person
// among everyone in the population (see ssnFor).
func (g *generator) ordinary(r *rand.Rand, p person, ssn uint64) subject.Record {
	c := cities[p.city]
	rec := subject.Record{
		Kind:      pick(r, []string{"applicant", "applicant", "employee", "contractor", "freelancer", "payee"}),
		Name:      p.first + " " + p.last,
		BirthDate: p.dob,
		Emails:    []string{email(r, p)},
		Phones:    []string{phone(r, c.areas)},
		Addresses: []subject.Address{homeAddress(r, p.city)},
		IDDocuments: []subject.IDDocument{{Type: "ssn", Country: "US",
			Number: ssnFor(g.seed, ssn)}},
		BankAccounts: []string{usAccount(r)},
		IPs:          []string{residentialIP(r)},
	}
	if r.IntN(4) == 0 {
		rec.Nationality = "US"
	}
	if r.IntN(10) < 3 {
		ship := rec.Addresses[0]
		ship.Kind = "shipping"
		rec.Addresses = append(rec.Addresses, ship)
	} else if r.IntN(30) == 0 {
		// moved, or ships to an office: a legitimate reason for the signal
		ship := homeAddress(r, r.IntN(len(cities)))
		ship.Kind = "shipping"
		rec.Addresses = append(rec.Addresses, ship)
	}
	if r.IntN(3) == 0 {
		rec.Devices = []string{serial(r)}
	}
	if r.IntN(2) == 0 {
		rec.URLs = []string{"https://www.linkedin.com/in/" + strings.ToLower(p.first+"-"+p.last) + fmt.Sprintf("-%x", r.Uint32()&0xffff)}
	}
	if r.IntN(12) == 0 {
		rec.Wallets = []string{ethAddress(r)}
	}
	if rec.Kind == "applicant" || rec.Kind == "freelancer" || rec.Kind == "contractor" {
		rec.ResumeText = resume(r, rec.Name)
	}
	return rec
}

func (g *generator) familyMember(s slot, r, gr *rand.Rand) subject.Record {
	head := g.newPerson(gr)
	p := g.newPerson(r)
	p.last, p.city = head.last, head.city
	rec := g.ordinary(r, p, personNumber(s))
	home := homeAddress(gr, head.city)
	rec.Addresses[0] = home
	for i := range rec.Addresses[1:] {
		a := home
		a.Kind = "shipping"
		rec.Addresses[1+i] = a
	}
	if gr.IntN(10) < 8 {
		rec.IPs = []string{residentialIP(gr)}
	}
	if gr.IntN(5) == 0 {
		rec.Phones = append(rec.Phones, phone(gr, cities[head.city].areas)) // the landline
	}
	if gr.IntN(7) == 0 && s.idx < 2 {
		rec.BankAccounts = []string{usAccount(gr)} // a joint account of a couple
	}
	return rec
}

func (g *generator) roommate(s slot, r, gr *rand.Rand) subject.Record {
	p := g.newPerson(r)
	city := gr.IntN(len(cities))
	p.city = city
	rec := g.ordinary(r, p, personNumber(s))
	home := homeAddress(gr, city)
	rec.Addresses = []subject.Address{home}
	if gr.IntN(10) < 7 {
		rec.IPs = []string{residentialIP(gr)}
	}
	return rec
}

// ring values are drawn in a fixed order from the group's source so every
// persona of a ring sees the same ones.
type ringValues struct {
	phones   []string
	email    string
	account  string
	wallet   string
	farm     subject.Address
	ips      []string
	device   string
	template resumeTemplate
}

func (g *generator) ringValues(gr *rand.Rand) ringValues {
	v := ringValues{
		phones:  []string{phone(gr, cities[gr.IntN(len(cities))].areas), phone(gr, cities[gr.IntN(len(cities))].areas)},
		email:   fmt.Sprintf("%s.%s%d@%s", strings.ToLower(pick(gr, firstNames)), strings.ToLower(pick(gr, lastNames)), 10+gr.IntN(90), pick(gr, mailDomains)),
		account: usAccount(gr),
		farm:    homeAddress(gr, gr.IntN(len(cities))),
		ips:     []string{vpnIP(gr), vpnIP(gr)},
		device:  serial(gr),
	}
	if gr.IntN(2) == 0 {
		v.wallet = ethAddress(gr)
	} else {
		v.wallet = btcAddress(gr)
	}
	v.farm.Kind = "shipping"
	v.template = newTemplate(gr)
	return v
}

// The strong identifiers a ring's personas share.
const (
	sharePhone = iota
	shareEmail
	shareAccount
	shareWallet
	shareFarm
	shareDevice
	numShared
)

// persona makes one identity of a planted ring. Personas share strong
// identifiers (phone, e-mail, payout account, wallet, laptop shipping
// address, device) with the ring, chosen at random, so that no single
// identifier finds the whole ring.
func (g *generator) persona(s slot, r, gr *rand.Rand, victims map[uint64]uint32) subject.Record {
	v := g.ringValues(gr)
	p := g.newPerson(r)
	c := cities[p.city]
	rec := subject.Record{
		Kind:      pick(r, []string{"applicant", "applicant", "contractor", "freelancer"}),
		Name:      p.first + " " + p.last,
		BirthDate: p.dob,
		Emails:    []string{fmt.Sprintf("%s%s%d@%s", strings.ToLower(p.first), strings.ToLower(p.last[:1]), 1980+r.IntN(25), pick(r, mailDomains))},
		Addresses: []subject.Address{homeAddress(r, p.city)},
	}
	if r.IntN(3) > 0 {
		rec.Nationality = "US"
	}
	k := uint64(s.group)<<16 | uint64(s.idx)
	if vg, ok := victims[k]; ok {
		rec.IDDocuments = []subject.IDDocument{{Type: "ssn", Country: "US", Number: ssnFor(g.seed, personNumber(slot{group: vg}))}}
	} else {
		rec.IDDocuments = []subject.IDDocument{{Type: "ssn", Country: "US", Number: ssnFor(g.seed, personNumber(s))}}
	}
	// The ring's core: three of the six strong identifiers that its
	// operator reuses. Each persona carries at least two of them, so any two
	// personas share one (two of three and two of three must meet), plus a
	// few others by chance.
	use := make([]bool, numShared)
	core := gr.Perm(numShared)[:3]
	for _, f := range r.Perm(3)[:2+r.IntN(2)] {
		use[core[f]] = true
	}
	for f := range use {
		if !use[f] && r.Float64() < 0.15 {
			use[f] = true
		}
	}
	if use[sharePhone] {
		rec.Phones = []string{reformatPhone(r, v.phones[0])}
		if r.IntN(4) == 0 {
			rec.Phones = append(rec.Phones, reformatPhone(r, v.phones[1]))
		}
	} else {
		rec.Phones = []string{phone(r, c.areas)}
	}
	if use[shareEmail] {
		rec.Emails = append(rec.Emails, v.email)
	}
	if use[shareAccount] {
		rec.BankAccounts = []string{v.account}
	} else {
		rec.BankAccounts = []string{usAccount(r)}
	}
	if use[shareWallet] {
		rec.Wallets = []string{v.wallet}
	}
	if use[shareFarm] {
		rec.Addresses = append(rec.Addresses, v.farm)
	}
	if use[shareDevice] {
		rec.Devices = []string{v.device}
	}
	if r.Float64() < 0.6 {
		rec.IPs = []string{v.ips[r.IntN(len(v.ips))]}
	} else {
		rec.IPs = []string{vpnIP(r)}
	}
	if r.Float64() < 0.8 {
		rec.ResumeText = v.template.render(r, rec.Name)
	} else {
		rec.ResumeText = resume(r, rec.Name)
	}
	if r.IntN(2) == 0 {
		rec.URLs = []string{"https://github.com/" + strings.ToLower(p.first) + fmt.Sprintf("-dev%d", r.IntN(1000))}
	}
	return rec
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func dob(r *rand.Rand) string {
	d := time.Date(1965, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(37*365))
	return d.Format(time.DateOnly)
}

func email(r *rand.Rand, p person) string {
	f, l := strings.ToLower(p.first), strings.ToLower(strings.ReplaceAll(p.last, " ", ""))
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("%s.%s@%s", f, l, pick(r, mailDomains))
	case 1:
		return fmt.Sprintf("%s%s%d@%s", f[:1], l, r.IntN(1000), pick(r, mailDomains))
	case 2:
		return fmt.Sprintf("%s.%s%d@%s", f, l, 1960+r.IntN(45), pick(r, mailDomains))
	}
	return fmt.Sprintf("%s_%s%d@%s", f, l, r.IntN(100), strings.ToLower(strings.ReplaceAll(pick(r, companies), " ", ""))+".com")
}

// phone writes a valid North American number in one of the ways people
// type them. Exchanges avoid N11 and 555, which are not assignable.
func phone(r *rand.Rand, areas []string) string {
	area := pick(r, areas)
	var ex int
	for {
		ex = 200 + r.IntN(800)
		if ex%100 != 11 && ex != 555 && ex != 950 && ex != 958 && ex != 959 && ex != 976 {
			break
		}
	}
	line := r.IntN(10000)
	return formatPhone(r, area, ex, line)
}

func formatPhone(r *rand.Rand, area string, ex, line int) string {
	switch r.IntN(5) {
	case 0:
		return fmt.Sprintf("(%s) %03d-%04d", area, ex, line)
	case 1:
		return fmt.Sprintf("+1 %s.%03d.%04d", area, ex, line)
	case 2:
		return fmt.Sprintf("%s-%03d-%04d", area, ex, line)
	case 3:
		return fmt.Sprintf("+1%s%03d%04d", area, ex, line)
	}
	return fmt.Sprintf("1 %s %03d %04d", area, ex, line)
}

// reformatPhone writes the same number another way.
func reformatPhone(r *rand.Rand, s string) string {
	var d []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d = append(d, s[i])
		}
	}
	if len(d) == 11 {
		d = d[1:]
	}
	if len(d) != 10 {
		return s
	}
	var ex, line int
	fmt.Sscanf(string(d[3:6]), "%d", &ex)
	fmt.Sscanf(string(d[6:]), "%d", &line)
	return formatPhone(r, string(d[:3]), ex, line)
}

func homeAddress(r *rand.Rand, city int) subject.Address {
	c := cities[city]
	a := subject.Address{
		Kind:       "home",
		Line1:      fmt.Sprintf("%d %s %s", 1+r.IntN(9800), pick(r, streets), pick(r, suffixes)),
		City:       c.city,
		Region:     c.state,
		PostalCode: fmt.Sprintf("%s%02d", c.zip3, r.IntN(100)),
		Country:    "US",
	}
	if r.IntN(4) == 0 {
		a.Line2 = fmt.Sprintf("Apt %d%c", 1+r.IntN(30), 'A'+rune(r.IntN(6)))
	}
	if r.IntN(5) == 0 {
		a.PostalCode += fmt.Sprintf("-%04d", r.IntN(10000))
	}
	return a
}

// ssnFor maps a person number to a valid SSN (areas 001–665 and 667–899,
// group 01–99, serial 0001–9999, as the SSA assigns them). The map is a
// bijection — an affine permutation of the SSN space — so two people never
// share a number by accident: a shared SSN in the population is always a
// planted identity theft, never noise.
func ssnFor(seed, n uint64) string {
	const space = 898 * 99 * 9999
	const mul = 999999937 // prime above space, so coprime with it
	x := (n%space*mul + seed%space) % space
	area := 1 + int(x/(99*9999))
	if area >= 666 {
		area++
	}
	rest := x % (99 * 9999)
	return fmt.Sprintf("%03d-%02d-%04d", area, 1+rest/9999, 1+rest%9999)
}

// usAccount writes routing:account with a routing number that passes the
// ABA checksum, in a Federal Reserve district range.
func usAccount(r *rand.Rand) string {
	prefixes := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 21, 22, 26, 31, 32, 61, 63, 71}
	d := make([]int, 9)
	p := pick(r, prefixes)
	d[0], d[1] = p/10, p%10
	for i := 2; i < 8; i++ {
		d[i] = r.IntN(10)
	}
	sum := 3*(d[0]+d[3]+d[6]) + 7*(d[1]+d[4]+d[7]) + d[2] + d[5]
	d[8] = (10 - sum%10) % 10
	var b strings.Builder
	for _, x := range d {
		b.WriteByte(byte('0' + x))
	}
	b.WriteByte(':')
	n := 8 + r.IntN(5)
	for i := 0; i < n; i++ {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

func residentialIP(r *rand.Rand) string {
	firsts := []int{24, 47, 67, 68, 69, 71, 73, 75, 76, 96, 98, 99, 107, 108, 173, 174}
	return fmt.Sprintf("%d.%d.%d.%d", pick(r, firsts), r.IntN(256), r.IntN(256), 1+r.IntN(254))
}

// vpnBlocks are the /24s of the synthetic commercial-VPN exits.
var vpnBlocks = []string{"185.220.101", "45.83.220", "103.75.118", "194.36.98", "146.70.12"}

// vpnIP draws from a small pool of commercial-VPN egress addresses shared
// by fraudulent personas and privacy-minded ordinary users alike.
func vpnIP(r *rand.Rand) string {
	return fmt.Sprintf("%s.%d", pick(r, vpnBlocks), 10+r.IntN(20))
}

// VPNRanges returns the CIDR ranges the population's VPN users and ring
// personas connect from, as the IP intelligence a screening test loads
// would list them.
func VPNRanges() []string {
	out := make([]string, len(vpnBlocks))
	for i, b := range vpnBlocks {
		out[i] = b + ".0/24"
	}
	return out
}

func coworkingIP(gr *rand.Rand) string {
	return fmt.Sprintf("38.%d.%d.%d", 100+gr.IntN(100), gr.IntN(256), 1+gr.IntN(254))
}

func serial(r *rand.Rand) string {
	const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
	b := []byte("C02")
	for i := 0; i < 9; i++ {
		b = append(b, alnum[r.IntN(len(alnum))])
	}
	return string(b)
}

func ethAddress(r *rand.Rand) string {
	const hex = "0123456789abcdef"
	b := []byte("0x")
	for i := 0; i < 40; i++ {
		b = append(b, hex[r.IntN(16)])
	}
	return string(b)
}

// btcAddress writes a P2PKH address with a valid base58check checksum.
func btcAddress(r *rand.Rand) string {
	payload := make([]byte, 20)
	for i := range payload {
		payload[i] = byte(r.IntN(256))
	}
	return base58.CheckEncode(payload, 0x00)
}

// resume writes an ordinary resume: personal details and a random choice
// of experience, so two ordinary resumes share clauses but not content.
func resume(r *rand.Rand, name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s. %s engineer with %d years of experience. Skills: %s, %s, %s. ",
		name, pick(r, []string{"Senior", "Full-stack", "Backend", "Frontend", "Mobile", "Platform", "Data"}),
		2+r.IntN(15), pick(r, skills), pick(r, skills), pick(r, skills))
	for i, n := 0, 2+r.IntN(2); i < n; i++ {
		fmt.Fprintf(&b, "%s (%d-%d): %s %s ", pick(r, companies), 2008+r.IntN(8), 2016+r.IntN(9),
			pick(r, resumeClauses), pick(r, resumeClauses))
	}
	fmt.Fprintf(&b, "Education: BSc Computer Science, %s %s, %d.", pick(r, lastNames), pick(r, schools), 1990+r.IntN(30))
	return b.String()
}

// resumeTemplate is a ring's resume, reused by its personas with the name
// changed and a few words edited, as investigators found in the DPRK cases.
type resumeTemplate struct {
	title           string
	years           int
	skills          [4]string
	jobs            [3]string
	clauses         [6]string
	school          string
	gradYear        int
	firstJobStarted int
}

func newTemplate(r *rand.Rand) resumeTemplate {
	t := resumeTemplate{title: pick(r, []string{"Senior Full-stack", "Senior Blockchain", "Lead Mobile", "Senior Backend"}),
		years: 7 + r.IntN(8), school: pick(r, lastNames) + " " + pick(r, schools), gradYear: 2005 + r.IntN(12),
		firstJobStarted: 2012 + r.IntN(5)}
	for i := range t.skills {
		t.skills[i] = pick(r, skills)
	}
	for i := range t.jobs {
		t.jobs[i] = pick(r, companies)
	}
	for i := range t.clauses {
		t.clauses[i] = pick(r, resumeClauses)
	}
	return t
}

func (t resumeTemplate) render(r *rand.Rand, name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s. %s developer with %d years of experience. Skills: %s, %s, %s, %s. ",
		name, t.title, t.years+r.IntN(2), t.skills[0], t.skills[1], t.skills[2], t.skills[3])
	for i, j := range t.jobs {
		c1, c2 := t.clauses[2*i], t.clauses[2*i+1]
		if r.IntN(6) == 0 {
			c2 = pick(r, resumeClauses) // a small edit
		}
		fmt.Fprintf(&b, "%s (%d-%d): %s %s ", j, t.firstJobStarted+3*i, t.firstJobStarted+3*i+3, c1, c2)
	}
	fmt.Fprintf(&b, "Education: BSc Computer Science, %s, %d.", t.school, t.gradYear)
	return b.String()
}

// listedName makes a name as a watchlist spells one: two or three words of
// romanised syllables, a distribution of its own rather than the
// population's first and last names, which would make every applicant a
// namesake of thousands of entries.
func listedName(r *rand.Rand) string {
	syl := []string{"ba", "vo", "ne", "ska", "dri", "mol", "tek", "zan", "rui", "pho", "ga", "lev", "os", "ku", "mir", "xan", "del", "yor", "fa", "shen", "tov", "ig", "ram", "ul"}
	words := 2 + r.IntN(2)
	var b strings.Builder
	for w := 0; w < words; w++ {
		if w > 0 {
			b.WriteByte(' ')
		}
		n := 2 + r.IntN(2)
		for i := 0; i < n; i++ {
			s := pick(r, syl)
			if i == 0 {
				s = strings.ToUpper(s[:1]) + s[1:]
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

// WriteIndicators writes n indicator CSV rows (the contract's columns)
// for load tests: e-mail, domain, IPv4 address, IPv4 /24, EVM wallet, +1
// phone, person name and bank account rows in turn, drawn from seed. They
// stand for a large shared feed; values meet the population's only by
// chance.
func WriteIndicators(w io.Writer, n int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0x1d1ca7025))
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"type", "value", "label", "severity", "source", "confidence", "tlp"}); err != nil {
		return err
	}
	sev := []string{"low", "medium", "high"}
	for i := 0; i < n; i++ {
		var kind, value string
		switch i % 8 {
		case 0:
			kind, value = "email", fmt.Sprintf("%s.%s%d@%s", strings.ToLower(pick(r, firstNames)), strings.ToLower(pick(r, lastNames)), r.IntN(100000), pick(r, mailDomains))
		case 1:
			kind, value = "domain", fmt.Sprintf("%s-%d.%s", strings.ToLower(pick(r, streets)), r.IntN(1000000), pick(r, []string{"com", "net", "io", "dev"}))
		case 2:
			kind, value = "ip", fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		case 3:
			kind, value = "ip", fmt.Sprintf("%d.%d.%d.0/24", 1+r.IntN(223), r.IntN(256), r.IntN(256))
		case 4:
			kind, value = "wallet", ethAddress(r)
		case 5:
			var d []byte
			for _, c := range []byte(phone(r, cities[r.IntN(len(cities))].areas)) {
				if c >= '0' && c <= '9' {
					d = append(d, c)
				}
			}
			kind, value = "phone", "+1"+string(d[len(d)-10:])
		case 6:
			kind, value = "name", listedName(r)
		case 7:
			kind, value = "bank_account", usAccount(r)
		}
		if err := cw.Write([]string{kind, value, "load-test indicator " + strconv.Itoa(i), pick(r, sev),
			"loadtest", strconv.Itoa(50 + r.IntN(50)), "amber"}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
