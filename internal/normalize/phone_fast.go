package normalize

import (
	"bytes"
	"errors"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nyaruka/phonenumbers"
)

// The fast path of Phone. libphonenumber spends tens of microseconds per
// number on regular expressions: parsing the text, and matching the national
// number against every pattern of every region sharing its calling code
// (twenty-five of them for +1). Both steps are replaced here for common
// inputs, with results that are the library's own:
//
//   - preparsePhone reads the plain spellings ("+1 (212) 736-5000",
//     "0044 20 7031 3000", "020 7031 3000" in GB) into a calling code and a
//     national significant number, and declines everything whose reading
//     needs the library's finer rules (letters, extensions, odd national
//     prefixes, leading zeros), which then takes the library path whole.
//   - phoneVerdicts memoises the library's verdict (valid or not, region,
//     line type) per calling code, national length and leading digits. A
//     prefix is memoised only when the metadata proves that no digit after it
//     can change any pattern the verdict depends on (see digitNFA), and the
//     library, asked about probe numbers with that prefix, agrees.

// errNotFast says the fast path cannot vouch for its answer; the caller
// takes the library path.
var errNotFast = errors.New("phone: not on the fast path")

// phoneFast returns what the library path of Phone returns for the trimmed
// input t and the checked default region reg, or errNotFast.
func phoneFast(s, t, reg string) (Value, error) {
	var buf [maxPhoneDigits]byte
	cc, nsn, ok := preparsePhone(t, reg, &buf)
	if !ok {
		return Value{}, errNotFast
	}
	vd, ok := phoneVerdicts.verdict(cc, nsn)
	if !ok {
		return Value{}, errNotFast
	}
	if vd.typ == phonenumbers.UNKNOWN {
		c, n := int32(cc), mustUint(nsn)
		return Value{}, invalid(KindPhone, s, "%s", invalidReason(&phonenumbers.PhoneNumber{CountryCode: &c, NationalNumber: &n}))
	}
	return Value{
		Kind:      KindPhone,
		Canonical: "+" + strconv.Itoa(cc) + string(nsn),
		Facts: map[string]string{
			"country":   vd.region,
			"line_type": lineTypes[vd.typ],
		},
	}, nil
}

// maxPhoneDigits is E.164's limit on the digits of a number, country code
// included; longer inputs are left to the library.
const maxPhoneDigits = 15

// nationalForms lists the default regions whose national spellings
// preparsePhone reads itself, with the metadata their reading assumes.
// initPhonePlans checks those assumptions against the library's metadata
// and drops a region whose metadata has changed.
var nationalForms = map[string]nationalForm{
	"US": {cc: 1, idd: "011", npfp: "1", nanp: true},
	"CA": {cc: 1, idd: "011", npfp: "1", nanp: true},
	"GB": {cc: 44, idd: "00", npfp: "0|180020"},
	"DE": {cc: 49, idd: "00", npfp: "0"},
	"FR": {cc: 33, idd: "00", npfp: "0"},
	"NL": {cc: 31, idd: "00", npfp: "0"},
	"IN": {cc: 91, idd: "00", npfp: "0"},
}

// nationalForm is how numbers are written within one region: the
// international prefix dialled before a country code, and the national
// prefix ("0", or "1" in the NANP) that libphonenumber strips.
type nationalForm struct {
	cc   int
	idd  string
	npfp string // the metadata's national prefix for parsing, verbatim
	nanp bool   // ten digits, optionally after the national prefix "1"
	// lengths are the national lengths the region allows; the library keeps
	// the national prefix on other lengths (a possible short number).
	lengths []int32
}

// preparsePhone reads t as libphonenumber's parser would with default
// region reg (already checked, "" for none), for the spellings it knows
// that reading to be exact: an optional "tel:", then "+" and the country
// code, or an international prefix, or (for the regions of nationalForms) a
// national number; digits separated only by spaces, dots, dashes and
// parentheses. It returns the calling code and the national significant
// number, stored in buf, and false for anything else.
func preparsePhone(t, reg string, buf *[maxPhoneDigits]byte) (cc int, nsn []byte, ok bool) {
	rest := t
	tel := len(rest) >= 4 && strings.EqualFold(rest[:4], "tel:")
	if tel {
		rest = rest[4:]
	}
	plus := strings.HasPrefix(rest, "+")
	if plus {
		rest = rest[1:]
	} else if reg == "" {
		// Phone reads a leading "00" as "+" when there is no default
		// region, and rejects everything else without a "+".
		if tel || !strings.HasPrefix(rest, "00") {
			return 0, nil, false
		}
		plus, rest = true, rest[2:]
	}
	n := 0
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c >= '0' && c <= '9':
			if n == len(buf) {
				return 0, nil, false
			}
			buf[n] = c
			n++
		case c == ' ' || c == '.' || c == '-' || c == '(' || c == ')':
		default:
			// Letters (vanity numbers, "ext", "x"), "#", "*", ";", a second
			// "+", tabs and every non-ASCII character: the library's rules for
			// them are the library's business.
			return 0, nil, false
		}
	}
	d := buf[:n]
	if !plus {
		form, ok := phonePlans().national[reg]
		if !ok {
			return 0, nil, false
		}
		switch {
		case bytes.HasPrefix(d, []byte(form.idd)):
			// The region's own international prefix: the library strips it
			// and reads a country code, exactly as after "+". It declines the
			// prefix when a "0" follows, and so do we.
			d = d[len(form.idd):]
		case form.nanp && len(d) == 10 && d[0] >= '2':
			return form.cc, d, true
		case form.nanp && len(d) == 11 && d[0] == '1' && d[1] >= '2':
			// "1 212 736 5000": the library strips the country code "1"
			// because eleven digits are too long for the NANP.
			return form.cc, d[1:], true
		case !form.nanp && len(d) > 1 && d[0] == '0' && d[1] != '0' && slices.Contains(form.lengths, int32(len(d)-1)):
			// The national prefix "0" is stripped; the number that remains
			// cannot start with the international prefix "00".
			return form.cc, d[1:], true
		default:
			return 0, nil, false
		}
	}
	if len(d) == 0 || d[0] == '0' {
		return 0, nil, false
	}
	for i := 1; i <= 3 && i < len(d); i++ {
		// Calling codes are prefix-free, and the library takes the first
		// one, one to three digits long, it knows.
		c, _ := strconv.Atoi(string(d[:i]))
		if phonenumbers.GetRegionCodeForCountryCode(c) != phonenumbers.UNKNOWN_REGION {
			cc, nsn = c, d[i:]
			break
		}
	}
	// A leading zero of the national number is kept by the library
	// (Italian numbers) and very short numbers have parse errors of their own.
	if cc == 0 || len(nsn) < 4 || nsn[0] == '0' {
		return 0, nil, false
	}
	return cc, nsn, true
}

// phoneVerdict is the library's verdict on a national number: its line
// type (UNKNOWN for an invalid number) and the region it belongs to.
type phoneVerdict struct {
	typ    phonenumbers.PhoneNumberType
	region string
}

// libraryVerdict asks libphonenumber about the number +cc nsn, as Phone's
// library path does once the input is parsed.
func libraryVerdict(cc int, nsn []byte) phoneVerdict {
	c, n := int32(cc), mustUint(nsn)
	num := &phonenumbers.PhoneNumber{CountryCode: &c, NationalNumber: &n}
	typ := phonenumbers.GetNumberType(num)
	if typ == phonenumbers.UNKNOWN {
		return phoneVerdict{typ: typ}
	}
	return phoneVerdict{typ: typ, region: phonenumbers.GetRegionCodeForNumber(num)}
}

func mustUint(digits []byte) uint64 {
	var n uint64
	for _, c := range digits {
		n = n*10 + uint64(c-'0')
	}
	return n
}

// phoneVerdicts memoises libraryVerdict. It is package state, but it only
// memoises a pure function of the embedded metadata: it changes how fast
// Phone answers, never what it answers.
var phoneVerdicts = newVerdictMemo(1 << 18)

// verdictMemo maps a calling code, a national length and the first k
// national digits to the verdict shared by every number with them, to
// "look at one more digit", or to "ask the library". It is sharded so that
// concurrent readers on different prefixes do not contend, and bounded:
// once full it stops adding, and new prefixes take the library's time.
type verdictMemo struct {
	max    int64
	size   atomic.Int64
	shards [64]verdictShard
}

type verdictShard struct {
	mu sync.RWMutex
	m  map[uint64]memoEntry
}

type memoState uint8

const (
	memoDecided memoState = iota + 1 // every number with the prefix has verdict
	memoDeeper                       // the next digit matters: look up k+1
	memoSlow                         // ask the library for every number's verdict
	memoNotFast                      // the library must parse these numbers too
)

type memoEntry struct {
	state   memoState
	verdict phoneVerdict
}

func newVerdictMemo(max int64) *verdictMemo {
	m := &verdictMemo{max: max}
	for i := range m.shards {
		m.shards[i].m = make(map[uint64]memoEntry)
	}
	return m
}

// maxKeyDigits bounds the prefix of a key so that the key fits 64 bits:
// ten bits of calling code, five of length, five of prefix length and 34
// of prefix.
const maxKeyDigits = 10

func memoKey(cc int, nsn []byte, k int) uint64 {
	return uint64(cc)<<44 | uint64(len(nsn))<<39 | uint64(k)<<34 | mustUint(nsn[:k])
}

func (m *verdictMemo) load(key uint64) (memoEntry, bool) {
	sh := &m.shards[(key*0x9E3779B97F4A7C15)>>58]
	sh.mu.RLock()
	e, ok := sh.m[key]
	sh.mu.RUnlock()
	return e, ok
}

func (m *verdictMemo) store(key uint64, e memoEntry) {
	if m.size.Load() >= m.max {
		return
	}
	sh := &m.shards[(key*0x9E3779B97F4A7C15)>>58]
	sh.mu.Lock()
	if _, ok := sh.m[key]; !ok {
		sh.m[key] = e
		m.size.Add(1)
	}
	sh.mu.Unlock()
}

// verdict returns the library's verdict on +cc nsn, or false when the
// calling code is not one the fast path knows.
func (m *verdictMemo) verdict(cc int, nsn []byte) (phoneVerdict, bool) {
	plan := phonePlans().byCode[cc]
	if plan == nil {
		return phoneVerdict{}, false
	}
	k := min(plan.keyDigits, len(nsn))
	for {
		key := memoKey(cc, nsn, k)
		e, ok := m.load(key)
		if !ok {
			if m.size.Load() >= m.max {
				// Working out a prefix costs several library calls; with
				// nowhere to keep the answer, one library call is cheaper.
				return phoneVerdict{}, false
			}
			e = plan.classify(nsn, k)
			m.store(key, e)
		}
		switch e.state {
		case memoDecided:
			return e.verdict, true
		case memoSlow:
			return libraryVerdict(cc, nsn), true
		case memoNotFast:
			return phoneVerdict{}, false
		}
		k++
	}
}

// classify decides what the memo says about the numbers of nsn's length
// starting with nsn[:k].
func (p *ccPlan) classify(nsn []byte, k int) memoEntry {
	deeper := k < min(len(nsn), maxKeyDigits, p.keyDigits+6)
	if p.npfp != nil {
		// After "+" the library strips what the main region's national
		// prefix pattern matches ("+1 1 212…"), and nsn would not be the
		// number it reads: such numbers take the library path whole.
		match, ok := p.npfp.constantOver(nsn[:k], len(nsn))
		switch {
		case ok && match, !ok && !deeper:
			return memoEntry{state: memoNotFast}
		case !ok:
			return memoEntry{state: memoDeeper}
		}
	}
	if k < len(nsn) && !p.constantAfter(nsn[:k], len(nsn)) {
		if deeper {
			return memoEntry{state: memoDeeper}
		}
		return memoEntry{state: memoSlow}
	}
	vd := libraryVerdict(p.cc, nsn)
	if k == len(nsn) {
		return memoEntry{state: memoDecided, verdict: vd}
	}
	// The metadata analysis says the digits after the prefix cannot matter;
	// the probes ask the library itself, with low, high and mixed digits, in
	// case the analysis and the library ever part ways.
	probe := make([]byte, len(nsn))
	copy(probe, nsn[:k])
	for _, fill := range []string{"0000000000000000", "9999999999999999", "5383209749445923"} {
		copy(probe[k:], fill)
		if libraryVerdict(p.cc, probe) != vd {
			return memoEntry{state: memoSlow}
		}
	}
	return memoEntry{state: memoDecided, verdict: vd}
}

// constantAfter reports whether every pattern the library consults to type
// a national number of length n, starting with prefix, gives one answer for
// all such numbers: then so does the library.
func (p *ccPlan) constantAfter(prefix []byte, n int) bool {
	for _, r := range p.regions {
		if r.leading != nil {
			if _, ok := r.leading.constantOver(prefix, n); !ok {
				return false
			}
		}
		for _, d := range r.descs {
			if len(d.lengths) > 0 && !slices.Contains(d.lengths, int32(n)) {
				continue // the library checks lengths before the pattern
			}
			if _, ok := d.nfa.constantOver(prefix, n); !ok {
				return false
			}
		}
	}
	return true
}

// ccPlan holds what the fast path needs about one calling code: every
// pattern GetNumberType and GetRegionCodeForNumber may consult, region by
// region in the library's order, and the main region's national prefix.
type ccPlan struct {
	cc        int
	keyDigits int
	regions   []regionPlan
	npfp      *digitNFA
}

type regionPlan struct {
	leading *digitNFA
	descs   []descPlan
}

type descPlan struct {
	lengths []int32
	nfa     *digitNFA
}

type phonePlanSet struct {
	byCode   map[int]*ccPlan
	national map[string]nationalForm
}

// phonePlans compiles the plans once, from the metadata the library embeds;
// like phoneVerdicts it memoises a pure function.
var phonePlans = sync.OnceValue(initPhonePlans)

func initPhonePlans() phonePlanSet {
	set := phonePlanSet{byCode: map[int]*ccPlan{}, national: map[string]nationalForm{}}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return set // no fast path; the library reports its own trouble
	}
	byRegion := map[string]*phonenumbers.PhoneMetadata{}
	for _, md := range coll.GetMetadata() {
		byRegion[md.GetId()] = md
	}
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		if plan := newCCPlan(cc, byRegion); plan != nil {
			set.byCode[cc] = plan
		}
	}
	for id, form := range nationalForms {
		md := byRegion[id]
		if md == nil || set.byCode[form.cc] == nil || int(md.GetCountryCode()) != form.cc ||
			md.GetInternationalPrefix() != form.idd || md.GetNationalPrefixForParsing() != form.npfp ||
			md.GetNationalPrefixTransformRule() != "" {
			continue
		}
		gd := md.GetGeneralDesc()
		if !form.nanp && !leadingZeroImpossible(gd.GetNationalNumberPattern()) {
			// The library keeps the "0" when the number with it matches the
			// general pattern and the number without it does not.
			continue
		}
		form.lengths = gd.PossibleLength
		set.national[id] = form
	}
	return set
}

// newCCPlan compiles the plan of one calling code, or returns nil when the
// fast path should leave it to the library: non-geographic codes (their
// metadata is looked up differently) and any pattern it cannot analyse.
func newCCPlan(cc int, byRegion map[string]*phonenumbers.PhoneMetadata) *ccPlan {
	// The memo starts short and goes deeper only where the metadata says
	// later digits matter: most North American area codes are decided by
	// the area code and the exchange's first digit, so a population of
	// numbers costs a few hundred prefix analyses rather than one per
	// exchange (tens of thousands at ~100 µs each).
	plan := &ccPlan{cc: cc, keyDigits: 3}
	if cc == 1 {
		plan.keyDigits = 4 // area code and the exchange's first digit
	}
	regions := phonenumbers.GetRegionCodesForCountryCode(cc)
	if len(regions) == 0 {
		return nil
	}
	for i, id := range regions {
		md := byRegion[id]
		if md == nil || id == "001" {
			return nil
		}
		if i == 0 && md.GetNationalPrefixForParsing() != "" {
			a, err := compileDigitNFA(md.GetNationalPrefixForParsing(), true)
			if err != nil {
				return nil
			}
			plan.npfp = a
		}
		var rp regionPlan
		if len(regions) > 1 && md.GetLeadingDigits() != "" {
			a, err := compileDigitNFA(md.GetLeadingDigits(), true)
			if err != nil {
				return nil
			}
			rp.leading = a
		}
		for _, d := range []*phonenumbers.PhoneNumberDesc{md.GetGeneralDesc(), md.GetPremiumRate(),
			md.GetTollFree(), md.GetSharedCost(), md.GetVoip(), md.GetPersonalNumber(), md.GetPager(),
			md.GetUan(), md.GetVoicemail(), md.GetFixedLine(), md.GetMobile()} {
			a, err := compileDigitNFA(d.GetNationalNumberPattern(), false)
			if err != nil {
				return nil
			}
			var lengths []int32
			if d != nil {
				lengths = d.PossibleLength
			}
			rp.descs = append(rp.descs, descPlan{lengths: lengths, nfa: a})
		}
		plan.regions = append(plan.regions, rp)
	}
	return plan
}

// leadingZeroImpossible reports whether no string "0" followed by a nonzero
// digit and more digits matches the general pattern pat.
func leadingZeroImpossible(pat string) bool {
	a, err := compileDigitNFA(pat, false)
	if err != nil {
		return false
	}
	for d := byte('1'); d <= '9'; d++ {
		for n := 2; n <= 17; n++ {
			if match, ok := a.constantOver([]byte{'0', d}, n); !ok || match {
				return false
			}
		}
	}
	return true
}

// digitNFA is one of libphonenumber's patterns compiled to a
// nondeterministic automaton over digits, so that the fast path can ask of
// a pattern what a regular expression engine cannot answer: does it give
// the same answer for every digit string of a given length and prefix?
type digitNFA struct {
	prog *syntax.Prog
	// prefix is true for patterns the library matches against the start of
	// the number (leading digits, national prefixes), false for those it
	// matches against the whole number.
	prefix bool
}

func compileDigitNFA(pat string, prefix bool) (*digitNFA, error) {
	re, err := syntax.Parse(pat, syntax.Perl)
	if err != nil {
		return nil, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, err
	}
	return &digitNFA{prog: prog, prefix: prefix}, nil
}

// maxFrontier bounds the work of one constantOver call; patterns that need
// more states are treated as depending on the remaining digits.
const maxFrontier = 4096

// constantOver reports whether the pattern gives the same answer, match,
// for every digit string of length n that starts with prefix. ok is false
// when the answer depends on the digits after the prefix, or when the
// automaton grows past maxFrontier.
func (a *digitNFA) constantOver(prefix []byte, n int) (match, ok bool) {
	set := a.closure([]uint32{uint32(a.prog.Start)}, 0, n)
	for i, c := range prefix {
		if a.prefix && a.matches(set) {
			return true, true
		}
		if len(set) == 0 {
			return false, true
		}
		set = a.step(set, c, i, n)
	}
	var sawMatch, sawMiss bool
	frontier := [][]uint32{set}
	for pos := len(prefix); len(frontier) > 0; pos++ {
		var next [][]uint32
		seen := map[string]bool{}
		for _, s := range frontier {
			switch {
			case a.prefix && a.matches(s):
				sawMatch = true
				continue
			case len(s) == 0:
				sawMiss = true
				continue
			case pos == n:
				if a.matches(s) {
					sawMatch = true
				} else {
					sawMiss = true
				}
				continue
			}
			for c := byte('0'); c <= '9'; c++ {
				t := a.step(s, c, pos, n)
				if k := setKey(t); !seen[k] {
					seen[k] = true
					next = append(next, t)
				}
			}
		}
		if sawMatch && sawMiss || len(next) > maxFrontier {
			return false, false
		}
		frontier = next
	}
	return sawMatch, true
}

func (a *digitNFA) matches(set []uint32) bool {
	for _, pc := range set {
		if a.prog.Inst[pc].Op == syntax.InstMatch {
			return true
		}
	}
	return false
}

// step consumes the digit c at position pos of an n-digit string.
func (a *digitNFA) step(set []uint32, c byte, pos, n int) []uint32 {
	var out []uint32
	for _, pc := range set {
		in := &a.prog.Inst[pc]
		switch in.Op {
		case syntax.InstRune, syntax.InstRune1:
			if in.MatchRune(rune(c)) {
				out = append(out, in.Out)
			}
		case syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			out = append(out, in.Out)
		}
	}
	return a.closure(out, pos+1, n)
}

// closure follows the empty transitions from pcs at position pos of an
// n-digit string and returns the sorted set of instructions that consume a
// digit or match.
func (a *digitNFA) closure(pcs []uint32, pos, n int) []uint32 {
	// Every character is a digit, hence a word character: there is a word
	// boundary exactly at the two ends.
	var flags syntax.EmptyOp
	if pos == 0 {
		flags |= syntax.EmptyBeginText | syntax.EmptyBeginLine | syntax.EmptyWordBoundary
	}
	if pos == n {
		flags |= syntax.EmptyEndText | syntax.EmptyEndLine | syntax.EmptyWordBoundary
	}
	if pos != 0 && pos != n {
		flags |= syntax.EmptyNoWordBoundary
	}
	visited := map[uint32]bool{}
	var out []uint32
	stack := slices.Clone(pcs)
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if visited[pc] {
			continue
		}
		visited[pc] = true
		in := &a.prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			stack = append(stack, in.Out, in.Arg)
		case syntax.InstCapture, syntax.InstNop:
			stack = append(stack, in.Out)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(in.Arg)&^flags == 0 {
				stack = append(stack, in.Out)
			}
		case syntax.InstMatch, syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			out = append(out, pc)
		}
	}
	slices.Sort(out)
	return out
}

func setKey(set []uint32) string {
	b := make([]byte, 0, 4*len(set))
	for _, pc := range set {
		b = append(b, byte(pc), byte(pc>>8), byte(pc>>16), byte(pc>>24))
	}
	return string(b)
}
