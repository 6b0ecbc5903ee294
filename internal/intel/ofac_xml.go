package intel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/store"
)

// ParseOFACAdvanced reads OFAC's "advanced" XML export of the SDN list
// (sdn_advanced.xml; the consolidated list's cons_advanced.xml has the same
// form), as described by OFAC's ADVANCED_XML schema
// (https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML.xsd)
// and its "Sanctions List Service" data-specification guide. r is the
// uncompressed document; file names it in errors.
//
// Every DistinctParty becomes a set of indicators sharing SourceRef, the
// party's FixedRef (the SDN "uid" / ent_num of the legacy CSV):
//   - name: the primary name and every alias (a.k.a., f.k.a., n.k.a.), in
//     every script, assembled from the name parts in the order the list
//     writes them; an individual's Latin-script names are labelled in the
//     list's "LAST, First" form. Weak aliases (LowQuality) get severity
//     medium and confidence 50, since OFAC itself says they need not be
//     screened.
//   - entity_type (individual, entity, vessel, aircraft), birth_date,
//     nationality (from the Nationality and Citizenship features), program
//     (from the SanctionsEntries' program measures);
//   - email, phone, url (Website), swift_bic, wallet (every "Digital
//     Currency Address - ASSET" feature, written asset:address so that the
//     wallet canonicaliser checks it against the asset's chain and keeps
//     assets it does not decode), and id_document (passports, national
//     identity cards, tax and driving-licence numbers from IDRegDocuments).
//
// The source is "ofac-sdn" when the document's sanctions entries are on
// the list OFAC names "SDN List", and "ofac-consolidated" otherwise.
//
// The document is streamed: each party becomes indicators as soon as it is
// read (on a second goroutine), and only the sanctions entries, which come
// after the parties, are held until the end to add the programs. Memory
// grows with the indicators (about 36 MB for the full SDN list), not with
// the 121 MB document. The sections must come in the schema's order.
// Malformed XML, a reference to an ID the document does not define, and a
// truncated document are a *ParseError and no Result.
func ParseOFACAdvanced(ctx context.Context, r io.Reader, file string) (*Result, error) {
	p := &ofacParser{
		ctx:       ctx,
		s:         newXMLStream(r),
		file:      file,
		refs:      map[string]map[int]ofacRef{},
		locations: map[int]ofacLocation{},
		entries:   map[int][]ofacEntry{},

		profileRefs: map[int]string{},
	}
	err := p.document()
	if werr := p.stopWorker(); werr != nil && (err == nil || err == errOFACWorker) {
		err = werr
	}
	if err != nil {
		return nil, err
	}
	return p.result()
}

// errOFACWorker stops the reading when the emitting goroutine has failed;
// its error is the one returned.
var errOFACWorker = errors.New("emitting failed")

// ofacSections is the order of the document's sections in the schema
// (an xs:sequence). The parser relies on it: parties are turned into
// indicators as they are read, which needs the reference values,
// locations and documents before them.
var ofacSections = map[string]int{
	"DateOfIssue": 1, "ReferenceValueSets": 2, "Locations": 3, "IDRegDocuments": 4,
	"DistinctParties": 5, "ProfileRelationships": 6, "SanctionsEntries": 7, "SanctionsEntryLinks": 8,
}

// ofacParser holds what has been read so far.
type ofacParser struct {
	ctx  context.Context
	s    *xmlStream
	file string

	issued time.Time
	// refs holds the ReferenceValueSets by element name and ID.
	refs        map[string]map[int]ofacRef
	locations   map[int]ofacLocation
	byName      map[string]string // Country name → ISO code, made when needed
	documents   []ofacDocument
	entries     map[int][]ofacEntry // by Profile ID
	sawRoot     bool
	lastSection int // the last section read, by ofacSections

	// Parties are turned into indicators by a second goroutine as they
	// are read, which halves the time on two cores and keeps only one
	// party's details in memory at a time. It owns res, b and the
	// fields below it until stopWorker.
	res        *Result
	b          *Builder
	work       chan *ofacProfile
	workDone   chan error
	workFailed atomic.Bool
	docsByID   map[int][]int // Identity ID → documents
	usedIDs    map[int]bool  // Identity IDs of the parties read
	// Read by the first goroutine only.
	profileRefs  map[int]string // Profile ID → FixedRef
	profileOrder []int

	text  []byte // scratch for element text
	parts []ofacNamePart
	group map[int]int // NamePartGroup ID → NamePartType ID, per identity
}

// ofacRef is one reference value: its text and the attributes the parser
// resolves through (ISO2 of a Country, PartyTypeID of a PartySubType, …).
type ofacRef struct {
	Text  string
	Attrs map[string]string
}

// ofacLocation is what the parser keeps of a Location: its countries, or
// when it has none, its parts.
type ofacLocation struct {
	countries []int
	parts     []ofacLocPart
}

type ofacLocPart struct {
	typ   int
	value string
}

type ofacDocument struct {
	typ, identity, country, validity int
	number                           string
	line                             int
}

type ofacProfile struct {
	id, fixedRef string
	profileID    int
	subType      int
	line         int
	identities   []int
	names        []ofacName
	features     []ofacFeature
	aliases      int // Alias elements that are not the primary name
	weakAliases  int
}

type ofacName struct {
	full, label string
	aliasType   int
	primary     bool
	weak        bool
	line        int
}

type ofacNamePart struct {
	text   string
	group  int
	script int
}

type ofacFeature struct {
	typ       int
	line      int
	values    []string
	locations []int
	dates     []ofacPeriod
}

// ofacPeriod is a DatePeriod: the earliest and latest day it allows.
// Zero fields are absent.
type ofacPeriod struct {
	from, to ofacDate
}

type ofacDate struct{ y, m, d int }

type ofacEntry struct {
	list     int
	measures []ofacMeasure
	line     int
}

type ofacMeasure struct {
	typ     int
	comment string
	line    int
}

// errorf is a ParseError at the current token.
func (p *ofacParser) errorf(field, format string, args ...any) error {
	return &ParseError{File: p.file, Line: p.s.Line, Field: field, Reason: fmt.Sprintf(format, args...)}
}

func (p *ofacParser) wrap(err error) error {
	var se *xmlSyntaxError
	if errors.As(err, &se) {
		return &ParseError{File: p.file, Line: se.Line, Reason: "malformed XML: " + se.Msg}
	}
	return &ParseError{File: p.file, Line: p.s.line, Reason: "read: " + err.Error()}
}

func (p *ofacParser) next() (xmlKind, error) {
	k, err := p.s.Next()
	if err != nil {
		return k, p.wrap(err)
	}
	return k, nil
}

// children calls fn for each child element of the element just started,
// with the child's start tag current; fn must read the child through its
// end tag. Character data between children is ignored.
func (p *ofacParser) children(fn func(name []byte) error) error {
	for {
		k, err := p.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlStart:
			if err := fn(p.s.Name); err != nil {
				return err
			}
		case xmlEnd:
			return nil
		case xmlEOF:
			return p.errorf("", "unexpected end of document")
		}
	}
}

// skip reads past the end of the element just started.
func (p *ofacParser) skip() error {
	depth := 1
	for {
		k, err := p.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlStart:
			depth++
		case xmlEnd:
			depth--
			if depth == 0 {
				return nil
			}
		case xmlEOF:
			return p.errorf("", "unexpected end of document")
		}
	}
}

// textContent returns the character data of the element just started,
// trimmed; child elements are skipped.
func (p *ofacParser) textContent() (string, error) {
	p.text = p.text[:0]
	for {
		k, err := p.next()
		if err != nil {
			return "", err
		}
		switch k {
		case xmlText:
			p.text = append(p.text, p.s.Text...)
		case xmlStart:
			if err := p.skip(); err != nil {
				return "", err
			}
		case xmlEnd:
			return strings.TrimSpace(string(p.text)), nil
		case xmlEOF:
			return "", p.errorf("", "unexpected end of document")
		}
	}
}

// intAttr returns the numeric attribute name of the current start tag; a
// missing attribute is 0, false.
func (p *ofacParser) intAttr(name string) (int, bool, error) {
	v, ok := p.s.Attr(name)
	if !ok || len(v) == 0 {
		return 0, false, nil
	}
	n, ok := atoiBytes(v)
	if !ok {
		return 0, false, p.errorf(string(p.s.Name)+"@"+name, "expected a number, found %q", truncateBytes(v, 40))
	}
	return n, true, nil
}

// requiredInt is intAttr for an attribute the schema requires.
func (p *ofacParser) requiredInt(name string) (int, error) {
	n, ok, err := p.intAttr(name)
	if err == nil && !ok {
		err = p.errorf(string(p.s.Name)+"@"+name, "missing")
	}
	return n, err
}

func atoiBytes(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func (p *ofacParser) boolAttr(name string) bool {
	v, _ := p.s.Attr(name)
	return string(v) == "true"
}

func (p *ofacParser) document() error {
	for {
		k, err := p.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlEOF:
			if !p.sawRoot {
				return p.errorf("", "not an OFAC advanced XML document: no <Sanctions> element")
			}
			return nil
		case xmlText:
			continue
		case xmlEnd:
			continue
		}
		if string(p.s.Name) != "Sanctions" {
			return p.errorf(string(p.s.Name), "not an OFAC advanced XML document: the root element is <%s>, expected <Sanctions>", p.s.Name)
		}
		p.sawRoot = true
		if err := p.children(p.section); err != nil {
			return err
		}
	}
}

func (p *ofacParser) section(name []byte) error {
	if i, ok := ofacSections[string(name)]; ok {
		if i <= p.lastSection {
			return p.errorf(string(name), "out of order: the schema orders the sections DateOfIssue, ReferenceValueSets, Locations, IDRegDocuments, DistinctParties, ProfileRelationships, SanctionsEntries, each once")
		}
		p.lastSection = i
	}
	switch string(name) {
	case "DateOfIssue":
		d, err := p.date()
		if err != nil {
			return err
		}
		if d.y > 0 {
			p.issued = time.Date(d.y, time.Month(max(d.m, 1)), max(d.d, 1), 0, 0, 0, 0, time.UTC)
		}
		return nil
	case "ReferenceValueSets":
		return p.children(func([]byte) error {
			return p.children(p.refValue)
		})
	case "Locations":
		return p.children(p.location)
	case "IDRegDocuments":
		return p.children(p.document1)
	case "DistinctParties":
		p.startWorker()
		return p.children(p.distinctParty)
	case "SanctionsEntries":
		return p.children(p.sanctionsEntry)
	}
	return p.skip()
}

// refValue reads one reference value, e.g. <Country ID="11029" ISO2="AF">Afghanistan</Country>.
func (p *ofacParser) refValue(name []byte) error {
	kind := string(name)
	id, err := p.requiredInt("ID")
	if err != nil {
		return err
	}
	var attrs map[string]string
	for _, a := range p.s.Attrs {
		if string(a.Name) != "ID" {
			if attrs == nil {
				attrs = map[string]string{}
			}
			attrs[string(a.Name)] = string(a.Value)
		}
	}
	text, err := p.textContent()
	if err != nil {
		return err
	}
	m := p.refs[kind]
	if m == nil {
		m = map[int]ofacRef{}
		p.refs[kind] = m
	}
	m[id] = ofacRef{Text: text, Attrs: attrs}
	return nil
}

func (p *ofacParser) location(name []byte) error {
	if string(name) != "Location" {
		return p.skip()
	}
	id, err := p.requiredInt("ID")
	if err != nil {
		return err
	}
	var loc ofacLocation
	err = p.children(func(name []byte) error {
		switch string(name) {
		case "LocationCountry":
			c, err := p.requiredInt("CountryID")
			if err != nil {
				return err
			}
			loc.countries = append(loc.countries, c)
		case "LocationPart":
			typ, err := p.requiredInt("LocPartTypeID")
			if err != nil {
				return err
			}
			return p.children(func([]byte) error { // LocationPartValue
				return p.children(func(name []byte) error {
					if string(name) != "Value" {
						return p.skip()
					}
					v, err := p.textContent()
					if v != "" {
						loc.parts = append(loc.parts, ofacLocPart{typ: typ, value: v})
					}
					return err
				})
			})
		}
		return p.skip()
	})
	if len(loc.countries) > 0 {
		// Only a location without a country needs its parts: the
		// Nationality and Citizenship features name their country
		// as a part of type Unknown.
		loc.parts = nil
	}
	p.locations[id] = loc
	return err
}

func (p *ofacParser) document1(name []byte) error {
	if string(name) != "IDRegDocument" {
		return p.skip()
	}
	d := ofacDocument{line: p.s.Line}
	var err error
	if d.typ, err = p.requiredInt("IDRegDocTypeID"); err != nil {
		return err
	}
	if d.identity, err = p.requiredInt("IdentityID"); err != nil {
		return err
	}
	if d.country, _, err = p.intAttr("IssuedBy-CountryID"); err != nil {
		return err
	}
	if d.validity, _, err = p.intAttr("ValidityID"); err != nil {
		return err
	}
	err = p.children(func(name []byte) error {
		if string(name) == "IDRegistrationNo" {
			var err error
			d.number, err = p.textContent()
			return err
		}
		return p.skip()
	})
	p.documents = append(p.documents, d)
	return err
}

func (p *ofacParser) distinctParty(name []byte) error {
	if string(name) != "DistinctParty" {
		return p.skip()
	}
	if err := p.ctx.Err(); err != nil {
		return err
	}
	if p.workFailed.Load() {
		return errOFACWorker
	}
	fixed, _ := p.s.Attr("FixedRef")
	pr := ofacProfile{fixedRef: string(fixed), line: p.s.Line}
	sawProfile := false
	err := p.children(func(name []byte) error {
		if string(name) != "Profile" {
			return p.skip()
		}
		if sawProfile {
			return p.errorf("Profile", "a DistinctParty with more than one Profile")
		}
		sawProfile = true
		return p.profile(&pr)
	})
	if err != nil {
		return err
	}
	if !sawProfile {
		return &ParseError{File: p.file, Line: pr.line, Field: "DistinctParty", Reason: "no Profile"}
	}
	if _, dup := p.profileRefs[pr.profileID]; dup {
		return &ParseError{File: p.file, Line: pr.line, Field: "Profile@ID", Reason: fmt.Sprintf("Profile ID %d is used twice", pr.profileID)}
	}
	p.profileRefs[pr.profileID] = pr.fixedRef
	p.profileOrder = append(p.profileOrder, pr.profileID)
	p.work <- &pr
	return nil
}

// startWorker starts the goroutine that turns parties into indicators.
func (p *ofacParser) startWorker() {
	// The source is settled by the sanctions entries at the end; until
	// then the indicators say ofac-sdn.
	p.res = &Result{Source: "ofac-sdn", Format: "ofac-advanced-xml", Counts: map[string]int{}}
	p.b = NewBuilder(p.res, store.Indicator{
		Severity: "critical", Confidence: 100, TLP: "clear",
		FirstSeen: p.issued, LastSeen: p.issued,
	})
	p.docsByID = map[int][]int{}
	for i, d := range p.documents {
		p.docsByID[d.identity] = append(p.docsByID[d.identity], i)
	}
	p.usedIDs = map[int]bool{}
	work, done := make(chan *ofacProfile, 256), make(chan error, 1)
	p.work, p.workDone = work, done
	go func() {
		var err error
		for pr := range work {
			if err == nil {
				if err = p.emit(p.b, pr); err != nil {
					p.workFailed.Store(true)
				}
			}
		}
		done <- err
	}()
}

// stopWorker waits for the parties read to be emitted and returns the
// emitting goroutine's error.
func (p *ofacParser) stopWorker() error {
	if p.work == nil {
		return nil
	}
	close(p.work)
	p.work = nil
	return <-p.workDone
}

func (p *ofacParser) profile(pr *ofacProfile) error {
	var err error
	if pr.profileID, err = p.requiredInt("ID"); err != nil {
		return err
	}
	id, _ := p.s.Attr("ID")
	pr.id = string(id)
	if pr.fixedRef == "" {
		pr.fixedRef = pr.id
	}
	if pr.subType, err = p.requiredInt("PartySubTypeID"); err != nil {
		return err
	}
	return p.children(func(name []byte) error {
		switch string(name) {
		case "Identity":
			return p.identity(pr)
		case "Feature":
			return p.feature(pr)
		}
		return p.skip()
	})
}

func (p *ofacParser) identity(pr *ofacProfile) error {
	id, err := p.requiredInt("ID")
	if err != nil {
		return err
	}
	pr.identities = append(pr.identities, id)
	first := len(pr.names)
	// The name parts' types (last name, first name, …) come after the
	// aliases, in NamePartGroups; names are finished once they are known.
	var parts [][]ofacNamePart
	clear(p.group)
	if p.group == nil {
		p.group = map[int]int{}
	}
	err = p.children(func(name []byte) error {
		switch string(name) {
		case "Alias":
			return p.alias(pr, &parts)
		case "NamePartGroups":
			return p.children(func([]byte) error { // MasterNamePartGroup
				return p.children(func(name []byte) error {
					if string(name) == "NamePartGroup" {
						gid, err := p.requiredInt("ID")
						if err != nil {
							return err
						}
						typ, err := p.requiredInt("NamePartTypeID")
						if err != nil {
							return err
						}
						p.group[gid] = typ
					}
					return p.skip()
				})
			})
		}
		return p.skip()
	})
	if err != nil {
		return err
	}
	for i := first; i < len(pr.names); i++ {
		pr.names[i].full, pr.names[i].label = p.assembleName(parts[i-first])
	}
	return nil
}

func (p *ofacParser) alias(pr *ofacProfile, parts *[][]ofacNamePart) error {
	typ, err := p.requiredInt("AliasTypeID")
	if err != nil {
		return err
	}
	primary, weak, line := p.boolAttr("Primary"), p.boolAttr("LowQuality"), p.s.Line
	if !primary {
		pr.aliases++
		if weak {
			pr.weakAliases++
		}
	}
	return p.children(func(name []byte) error {
		if string(name) != "DocumentedName" {
			return p.skip()
		}
		var np []ofacNamePart
		err := p.children(func(name []byte) error {
			if string(name) != "DocumentedNamePart" {
				return p.skip()
			}
			return p.children(func(name []byte) error {
				if string(name) != "NamePartValue" {
					return p.skip()
				}
				group, err := p.requiredInt("NamePartGroupID")
				if err != nil {
					return err
				}
				script, _, err := p.intAttr("ScriptID")
				if err != nil {
					return err
				}
				text, err := p.textContent()
				if err != nil {
					return err
				}
				if text != "" {
					np = append(np, ofacNamePart{text: text, group: group, script: script})
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
		if len(np) > 0 {
			pr.names = append(pr.names, ofacName{aliasType: typ, primary: primary, weak: weak, line: line})
			*parts = append(*parts, np)
		}
		return nil
	})
}

// assembleName joins a documented name's parts in the order given, and
// makes the list's "LAST, First Middle" label for a Latin-script name
// with a last name.
func (p *ofacParser) assembleName(parts []ofacNamePart) (full, label string) {
	var b, last, rest strings.Builder
	latin := true
	for _, np := range parts {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(np.text)
		if code := p.refs["Script"][np.script].Attrs["ScriptCode"]; np.script != 0 && code != "Latin" {
			latin = false
		}
		typ := p.refs["NamePartType"][p.group[np.group]].Text
		w := &rest
		if typ == "Last Name" {
			w = &last
		}
		if w.Len() > 0 {
			w.WriteByte(' ')
		}
		w.WriteString(np.text)
	}
	full = b.String()
	if !latin || last.Len() == 0 || last.Len() == b.Len() {
		return full, full
	}
	if rest.Len() == 0 {
		return full, strings.ToUpper(last.String())
	}
	return full, strings.ToUpper(last.String()) + ", " + rest.String()
}

func (p *ofacParser) feature(pr *ofacProfile) error {
	typ, err := p.requiredInt("FeatureTypeID")
	if err != nil {
		return err
	}
	f := ofacFeature{typ: typ, line: p.s.Line}
	err = p.children(func(name []byte) error {
		if string(name) != "FeatureVersion" {
			return p.skip()
		}
		return p.children(func(name []byte) error {
			switch string(name) {
			case "VersionDetail":
				v, err := p.textContent()
				if err == nil && v != "" {
					f.values = append(f.values, v)
				}
				return err
			case "VersionLocation":
				loc, err := p.requiredInt("LocationID")
				if err != nil {
					return err
				}
				f.locations = append(f.locations, loc)
			case "DatePeriod":
				d, err := p.datePeriod()
				if err == nil {
					f.dates = append(f.dates, d)
				}
				return err
			}
			return p.skip()
		})
	})
	pr.features = append(pr.features, f)
	return err
}

// datePeriod reads <DatePeriod><Start><From/><To/></Start><End><From/><To/></End></DatePeriod>
// as the earliest and the latest day it allows.
func (p *ofacParser) datePeriod() (ofacPeriod, error) {
	var startFrom, startTo, endFrom, endTo ofacDate
	err := p.children(func(name []byte) error {
		var from, to *ofacDate
		switch string(name) {
		case "Start":
			from, to = &startFrom, &startTo
		case "End":
			from, to = &endFrom, &endTo
		default:
			return p.skip()
		}
		return p.children(func(name []byte) error {
			var err error
			switch string(name) {
			case "From":
				*from, err = p.date()
			case "To":
				*to, err = p.date()
			default:
				err = p.skip()
			}
			return err
		})
	})
	first := startFrom
	for _, d := range []ofacDate{startTo, endFrom, endTo} {
		if first.y == 0 {
			first = d
		}
	}
	last := endTo
	for _, d := range []ofacDate{endFrom, startTo, startFrom} {
		if last.y == 0 {
			last = d
		}
	}
	return ofacPeriod{from: first, to: last}, err
}

// date reads an element with Year, Month and Day children.
func (p *ofacParser) date() (ofacDate, error) {
	var d ofacDate
	err := p.children(func(name []byte) error {
		var dst *int
		switch string(name) {
		case "Year":
			dst = &d.y
		case "Month":
			dst = &d.m
		case "Day":
			dst = &d.d
		default:
			return p.skip()
		}
		field := string(name)
		t, err := p.textContent()
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 || n > 9999 {
			return p.errorf(field, "expected a number, found %q", t)
		}
		*dst = n
		return nil
	})
	if err == nil && (d.m > 12 || d.d > 31) {
		err = p.errorf("Date", "no such date: %d-%d-%d", d.y, d.m, d.d)
	}
	return d, err
}

func (p *ofacParser) sanctionsEntry(name []byte) error {
	if string(name) != "SanctionsEntry" {
		return p.skip()
	}
	if err := p.ctx.Err(); err != nil {
		return err
	}
	e := ofacEntry{line: p.s.Line}
	profile, err := p.requiredInt("ProfileID")
	if err != nil {
		return err
	}
	if e.list, err = p.requiredInt("ListID"); err != nil {
		return err
	}
	err = p.children(func(name []byte) error {
		if string(name) != "SanctionsMeasure" {
			return p.skip()
		}
		m := ofacMeasure{line: p.s.Line}
		var err error
		if m.typ, err = p.requiredInt("SanctionsTypeID"); err != nil {
			return err
		}
		err = p.children(func(name []byte) error {
			if string(name) == "Comment" {
				var err error
				m.comment, err = p.textContent()
				return err
			}
			return p.skip()
		})
		e.measures = append(e.measures, m)
		return err
	})
	p.entries[profile] = append(p.entries[profile], e)
	return err
}

// ref resolves a reference id, or says which one is missing.
func (p *ofacParser) ref(kind string, id, line int, field string) (ofacRef, error) {
	r, ok := p.refs[kind][id]
	if !ok {
		return r, &ParseError{File: p.file, Line: line, Field: field, Reason: fmt.Sprintf("unknown %s ID %d", kind, id)}
	}
	return r, nil
}

// ofacIDTypes maps OFAC's IDRegDocType names to identity-document types;
// the other types (company registrations, vessel numbers, licences, …)
// identify no person and are counted as skipped.
var ofacIDTypes = map[string]string{
	"Passport": "passport", "Diplomatic Passport": "passport", "British National Overseas Passport": "passport",
	"Stateless Person Passport": "passport", "Travel Document Number": "passport",
	"SSN":                  "ssn",
	"Driver's License No.": "drivers_license",
	"Cedula No.":           "national_id", "D.N.I.": "national_id", "National ID No.": "national_id",
	"Personal ID Card": "national_id", "Federal ID Card": "national_id", "Kenyan ID No.": "national_id",
	"Bosnian Personal ID No.": "national_id", "Moroccan Personal ID No.": "national_id",
	"Identification Number": "national_id", "Turkish Identification Number": "national_id",
	"Tazkira National ID Card": "national_id", "Numero de Identidad": "national_id",
	"Tarjeta de Identidad": "national_id", "C.U.R.P.": "national_id", "CNP (Personal Numerical Code)": "national_id",
	"Stateless Person ID Card": "national_id", "Refugee ID Card": "national_id",
	"National Foreign ID Number": "national_id", "Credencial electoral": "national_id",
	"Electoral Registry No.": "national_id", "C.I.N.": "national_id", "N.I.E.": "national_id",
	"I.F.E.": "national_id", "Residency Number": "national_id", "Romanian Permanent Resident": "national_id",
	"Public Security and Immigration No.": "national_id", "Immigration No.": "national_id",
	"Tax ID No.": "tax_id", "R.F.C.": "tax_id", "RFC": "tax_id", "NIT #": "tax_id", "RUC #": "tax_id",
	"RIF #": "tax_id", "C.U.I.T.": "tax_id", "C.I.F.": "tax_id", "N.I.F.": "tax_id", "Italian Fiscal Code": "tax_id",
	"Fiscal Code": "tax_id", "Paraguayan tax identification number": "tax_id", "V.A.T. Number": "tax_id",
	"Numero Unico de Identificacao Tributaria (NUIT)": "tax_id", "US FEIN": "tax_id",
	"Romanian Tax Registration": "tax_id", "RTN": "tax_id",
}

// result finishes the indicators once the document is read: the
// source, the programs of the sanctions entries, and the checks of
// references that could only be made at the end.
func (p *ofacParser) result() (*Result, error) {
	if !p.sawRoot {
		return nil, &ParseError{File: p.file, Reason: "not an OFAC advanced XML document: no <Sanctions> element"}
	}
	if p.res == nil {
		p.startWorker() // a document without parties
		if err := p.stopWorker(); err != nil {
			return nil, err
		}
	}
	res, b := p.res, p.b
	for i, d := range p.documents {
		if !p.usedIDs[d.identity] {
			return nil, &ParseError{File: p.file, Line: p.documents[i].line, Field: "IDRegDocument@IdentityID", Reason: fmt.Sprintf("unknown Identity ID %d", d.identity)}
		}
	}
	sdn := false
	for pid, es := range p.entries {
		if _, ok := p.profileRefs[pid]; !ok {
			return nil, &ParseError{File: p.file, Line: es[0].line, Field: "SanctionsEntry@ProfileID", Reason: fmt.Sprintf("unknown Profile ID %d", pid)}
		}
		for _, e := range es {
			l, err := p.ref("List", e.list, e.line, "SanctionsEntry@ListID")
			if err != nil {
				return nil, err
			}
			sdn = sdn || l.Text == "SDN List"
		}
	}
	if !sdn && len(p.entries) > 0 {
		res.Source = "ofac-consolidated"
		b.Defaults.Source = res.Source
		for i := range res.Indicators {
			res.Indicators[i].Source = res.Source
		}
		for i, w := range res.Warnings {
			res.Warnings[i] = res.Source + strings.TrimPrefix(w, "ofac-sdn")
		}
	}
	for _, pid := range p.profileOrder {
		ref := p.profileRefs[pid]
		for _, e := range p.entries[pid] {
			for _, m := range e.measures {
				st, err := p.ref("SanctionsType", m.typ, m.line, "SanctionsMeasure@SanctionsTypeID")
				if err != nil {
					return nil, err
				}
				if st.Text != "Program" || m.comment == "" {
					continue
				}
				if _, added := b.Add(KindProgram, m.comment, ref, func(in *store.Indicator) { in.Severity = "info" }); added {
					res.Count("programs:"+strings.ToUpper(m.comment), 1)
				}
			}
		}
	}
	res.Entries = len(p.profileOrder)
	return res, nil
}

// emit adds the indicators of one party but its programs, which come
// from the sanctions entries at the end.
func (p *ofacParser) emit(b *Builder, pr *ofacProfile) error {
	res := b.Result
	ref := pr.fixedRef
	var docs []int
	for _, id := range pr.identities {
		p.usedIDs[id] = true
		docs = append(docs, p.docsByID[id]...)
	}
	res.Count("profiles", 1)
	res.Count("aliases", pr.aliases)
	if pr.weakAliases > 0 {
		res.Count("aliases:weak", pr.weakAliases)
	}
	attr := func(in *store.Indicator) { in.Severity = "info" }

	sub, err := p.ref("PartySubType", pr.subType, pr.line, "Profile@PartySubTypeID")
	if err != nil {
		return err
	}
	entityType := strings.ToLower(sub.Text)
	if entityType != "vessel" && entityType != "aircraft" {
		ptID, _ := strconv.Atoi(sub.Attrs["PartyTypeID"])
		pt, err := p.ref("PartyType", ptID, pr.line, "PartySubType@PartyTypeID")
		if err != nil {
			return err
		}
		entityType = strings.ToLower(pt.Text)
	}
	switch entityType {
	case "individual":
		res.Count("individuals", 1)
	case "entity":
		res.Count("entities", 1)
	case "vessel":
		res.Count("vessels", 1)
	case "aircraft":
		res.Count("aircraft", 1)
	}
	b.Add(KindEntityType, entityType, ref, attr)

	for _, n := range pr.names {
		if _, err := p.ref("AliasType", n.aliasType, n.line, "Alias@AliasTypeID"); err != nil {
			return err
		}
		label := n.full
		if entityType == "individual" {
			label = n.label
		}
		b.Add("name", n.full, ref, func(in *store.Indicator) {
			in.Label, in.Severity = label, "high"
			if n.weak {
				in.Severity, in.Confidence = "medium", 50
			}
		})
	}

	var regions []string       // countries of the party's addresses, for phone numbers
	var nationalities []string // for documents that do not say who issued them
	for _, f := range pr.features {
		ft, err := p.ref("FeatureType", f.typ, f.line, "Feature@FeatureTypeID")
		if err != nil {
			return err
		}
		if ft.Text != "Location" {
			continue
		}
		for _, loc := range f.locations {
			cs, err := p.locationCountries(loc, f.line)
			if err != nil {
				return err
			}
			for _, c := range cs {
				if !slices.Contains(regions, c) {
					regions = append(regions, c)
				}
			}
		}
	}

	for _, f := range pr.features {
		ft := p.refs["FeatureType"][f.typ].Text
		switch {
		case ft == "Birthdate":
			for _, d := range f.dates {
				p.birthDates(b, ref, d)
			}
		case ft == "Nationality Country" || ft == "Citizenship Country":
			for _, loc := range f.locations {
				cs, err := p.locationCountries(loc, f.line)
				if err != nil {
					return err
				}
				for _, c := range cs {
					b.Add(KindNationality, c, ref, attr)
					if !slices.Contains(nationalities, c) {
						nationalities = append(nationalities, c)
					}
				}
			}
		case ft == "Email Address":
			for _, v := range f.values {
				b.Add("email", v, ref, nil)
			}
		case ft == "Website":
			for _, v := range f.values {
				b.Add("url", v, ref, nil)
			}
		case ft == "SWIFT/BIC":
			for _, v := range f.values {
				b.Add(KindSWIFT, v, ref, nil)
			}
		case ft == "Phone Number":
			for _, v := range f.values {
				p.phone(b, ref, v, regions)
			}
		case strings.HasPrefix(ft, "Digital Currency Address - "):
			asset := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(ft, "Digital Currency Address - ")))
			for _, v := range f.values {
				res.Count("digital_currency_addresses", 1)
				p.wallet(b, ref, asset, v)
			}
		}
	}

	for _, di := range docs {
		d := p.documents[di]
		dt, err := p.ref("IDRegDocType", d.typ, d.line, "IDRegDocument@IDRegDocTypeID")
		if err != nil {
			return err
		}
		cc := ""
		if d.country != 0 {
			c, err := p.ref("Country", d.country, d.line, "IDRegDocument@IssuedBy-CountryID")
			if err != nil {
				return err
			}
			cc = countryCode(c)
		}
		label := dt.Text + " " + d.number
		if d.validity != 0 {
			v, err := p.ref("Validity", d.validity, d.line, "IDRegDocument@ValidityID")
			if err != nil {
				return err
			}
			if v.Text != "" && v.Text != "Valid" {
				label += " (" + strings.ToLower(v.Text) + ")"
			}
		}
		typ, ok := ofacIDTypes[dt.Text]
		if !ok || d.number == "" {
			res.Count("skipped:id_document_type", 1)
			continue
		}
		if cc == "" && typ != "ssn" && len(nationalities) == 1 {
			// The list leaves out the issuing country of many
			// documents of one-nationality parties (Italian fiscal
			// codes, passports); the number is kept under that
			// nationality rather than dropped, and the count says how
			// often.
			cc = nationalities[0]
			res.Count("id_document:country_assumed", 1)
		}
		b.Add("id_document", typ+":"+cc+":"+d.number, ref, func(in *store.Indicator) { in.Label = label })
	}

	return nil
}

// locationCountries returns the ISO codes of a location's countries: its
// LocationCountry references, or, for a location without any (as the
// Nationality Country features' locations are), the parts that name a
// country, looked up in the document's own Country values by name. A name
// the table does not have is returned as it is, for the country
// canonicaliser to read.
func (p *ofacParser) locationCountries(id, line int) ([]string, error) {
	loc, ok := p.locations[id]
	if !ok {
		return nil, &ParseError{File: p.file, Line: line, Field: "VersionLocation@LocationID", Reason: fmt.Sprintf("unknown Location ID %d", id)}
	}
	var out []string
	for _, cid := range loc.countries {
		c, err := p.ref("Country", cid, line, "LocationCountry@CountryID")
		if err != nil {
			return nil, err
		}
		if cc := countryCode(c); cc != "" {
			out = append(out, cc)
		}
	}
	if len(loc.countries) > 0 {
		return out, nil
	}
	if p.byName == nil {
		p.byName = map[string]string{}
		for _, c := range p.refs["Country"] {
			if iso := c.Attrs["ISO2"]; iso != "" {
				p.byName[strings.ToLower(c.Text)] = iso
			}
		}
	}
	for _, part := range loc.parts {
		if t, err := p.ref("LocPartType", part.typ, line, "LocationPart@LocPartTypeID"); err != nil {
			return nil, err
		} else if t.Text != "Unknown" {
			continue
		}
		if iso, ok := p.byName[strings.ToLower(part.value)]; ok {
			out = append(out, iso)
		} else {
			out = append(out, part.value)
		}
	}
	return out, nil
}

// countryCode is a Country reference value's ISO code, or its name when it
// has none (the canonicaliser then maps the name).
func countryCode(c ofacRef) string {
	if iso := c.Attrs["ISO2"]; iso != "" {
		return iso
	}
	return c.Text
}

// phone adds a phone number. OFAC writes most international numbers
// without their "+" (982188526301 for +98 21 8852 6301), so a number that
// does not start with 0 is first read with a "+"; failing that, it is read
// in the country of the party's address when the party has addresses in
// one country only (6692122948 of a party in the United States). A number
// that fits neither is skipped and counted.
func (p *ofacParser) phone(b *Builder, ref, raw string, regions []string) {
	fill := func(in *store.Indicator) { in.Label = raw }
	t := strings.TrimSpace(raw)
	if t != "" && t[0] >= '1' && t[0] <= '9' {
		if v, err := normalize.Phone("+"+t, ""); err == nil {
			b.Result.Count("phone:country_code_assumed", 1)
			b.Add("phone", v.Canonical, ref, fill)
			return
		}
	}
	if t != "" && t[0] != '+' && len(regions) == 1 {
		if v, err := normalize.Phone(t, regions[0]); err == nil {
			b.Result.Count("phone:region_assumed", 1)
			b.Add("phone", v.Canonical, ref, fill)
			return
		}
	}
	b.Add("phone", raw, ref, fill)
}

// wallet adds a digital-currency address listed under asset. The address
// is read as asset:address, so that it is checked against the asset's
// chain; when it is an address of another chain the canonicaliser
// recognises (the list has a Tron address under XBT), it is kept as that
// address with a warning: a designated address is designated whatever the
// label says.
func (p *ofacParser) wallet(b *Builder, ref, asset, raw string) {
	fill := func(in *store.Indicator) { in.Label = raw }
	if _, err := Canonical("wallet", asset+":"+raw); err != nil {
		if v, err2 := normalize.Wallet(raw); err2 == nil {
			b.Result.Count("chain_mismatch", 1)
			b.Result.Warn("%s %s: wallet %q is listed under %s but is a %s address: %v", b.Result.Source, ref, raw, strings.ToUpper(asset), v.Facts["chain"], err)
			b.Add("wallet", raw, ref, fill)
			return
		}
	}
	b.Add("wallet", asset+":"+raw, ref, fill)
}

// birthDates adds the birth dates a DatePeriod allows: the day when it is
// one day, the month when it is one month, and the year — or each year,
// up to ten — when it spans whole years ("circa 1960", "1960 to 1962").
func (p *ofacParser) birthDates(b *Builder, ref string, d ofacPeriod) {
	attr := func(in *store.Indicator) { in.Severity = "info" }
	a, z := d.from, d.to
	if a.y == 0 {
		return
	}
	if z.y == 0 {
		z = a
	}
	switch {
	case a == z && a.m > 0 && a.d > 0:
		b.Add(KindBirthDate, fmt.Sprintf("%04d-%02d-%02d", a.y, a.m, a.d), ref, attr)
		return
	case a.y == z.y && a.m == z.m && a.m > 0 && a.d <= 1 && (z.d == 0 || z.d >= 28):
		b.Add(KindBirthDate, fmt.Sprintf("%04d-%02d", a.y, a.m), ref, attr)
		return
	}
	if z.y < a.y || z.y-a.y > 10 {
		b.Result.Count("skipped:birth_date_range", 1)
		return
	}
	for y := a.y; y <= z.y; y++ {
		b.Add(KindBirthDate, strconv.Itoa(y), ref, attr)
	}
}
