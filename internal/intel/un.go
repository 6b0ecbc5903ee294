package intel

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// unEntry is an INDIVIDUAL or ENTITY of the UN Security Council
// consolidated list, as its schema (sc-sanctions.xsd) describes it.
type unEntry struct {
	DataID         string      `xml:"DATAID"`
	First          string      `xml:"FIRST_NAME"`
	Second         string      `xml:"SECOND_NAME"`
	Third          string      `xml:"THIRD_NAME"`
	Fourth         string      `xml:"FOURTH_NAME"`
	ListType       string      `xml:"UN_LIST_TYPE"`
	Reference      string      `xml:"REFERENCE_NUMBER"`
	ListedOn       string      `xml:"LISTED_ON"`
	OriginalScript string      `xml:"NAME_ORIGINAL_SCRIPT"`
	Gender         string      `xml:"GENDER"`
	Nationalities  []string    `xml:"NATIONALITY>VALUE"`
	Aliases        []unAlias   `xml:"INDIVIDUAL_ALIAS"`
	EntityAliases  []unAlias   `xml:"ENTITY_ALIAS"`
	Births         []unBirth   `xml:"INDIVIDUAL_DATE_OF_BIRTH"`
	Documents      []unDoc     `xml:"INDIVIDUAL_DOCUMENT"`
	Addresses      []unAddress `xml:"INDIVIDUAL_ADDRESS"`
	EntityAddrs    []unAddress `xml:"ENTITY_ADDRESS"`
}

type unAlias struct {
	Quality string `xml:"QUALITY"`
	Name    string `xml:"ALIAS_NAME"`
}

type unBirth struct {
	Type     string `xml:"TYPE_OF_DATE"`
	Date     string `xml:"DATE"`
	Year     string `xml:"YEAR"`
	FromYear string `xml:"FROM_YEAR"`
	ToYear   string `xml:"TO_YEAR"`
}

type unDoc struct {
	Type           string `xml:"TYPE_OF_DOCUMENT"`
	Number         string `xml:"NUMBER"`
	IssuingCountry string `xml:"ISSUING_COUNTRY"`
	CountryOfIssue string `xml:"COUNTRY_OF_ISSUE"`
}

type unAddress struct {
	Street  string `xml:"STREET"`
	City    string `xml:"CITY"`
	State   string `xml:"STATE_PROVINCE"`
	Zip     string `xml:"ZIP_CODE"`
	Country string `xml:"COUNTRY"`
}

// ParseUN reads the UN Security Council consolidated sanctions list
// (https://scsanctions.un.org/resources/xml/en/consolidated.xml; schema
// https://www.un.org/sc/resources/sc-sanctions.xsd): CONSOLIDATED_LIST
// with INDIVIDUALS/INDIVIDUAL and ENTITIES/ENTITY. It streams, decoding
// one entry at a time.
//
// Each entry, referred to by its REFERENCE_NUMBER (KPi.… and KPe.… for the
// DPRK regime's individuals and entities), becomes its name (the name
// parts joined as written), its name in original script (Hangul, Arabic, …),
// its aliases ("Low" quality ones with severity medium and confidence 60,
// as the UN marks them too vague to identify anyone alone), birth dates
// (exact, year, approximate year, or every year of a range), nationalities,
// passports and national ids with an issuing country, addresses with a
// street, its regime (UN_LIST_TYPE, as a programme) and its type. The
// source is "un-consolidated"; FirstSeen is LISTED_ON and LastSeen the
// list's dateGenerated.
//
// Counts: "individuals", "entities", "aliases", "aliases_low",
// "entries_dprk", "programs:<regime>", "refs:<prefix>" (KPi, KPe, QDi, …).
func ParseUN(ctx context.Context, r io.Reader, file string) (*Result, error) {
	res := &Result{Source: "un-consolidated", Format: "un-consolidated-xml"}
	b := NewBuilder(res, store.Indicator{Severity: "high", Confidence: 100})
	src := &unReader{r: r}
	dec := xml.NewDecoder(src)
	line := func() int { l, _ := dec.InputPos(); return l }
	fail := func(field, reason string) error {
		return &ParseError{File: file, Line: line(), Field: field, Reason: reason}
	}
	rootSeen := false
	var generated time.Time
	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			switch {
			case src.err != nil && errors.Is(err, src.err):
				return nil, fmt.Errorf("read %s: %w", file, err)
			case errors.As(err, &se):
				return nil, &ParseError{File: file, Line: se.Line, Reason: "malformed XML: " + se.Msg}
			}
			return nil, &ParseError{File: file, Line: line(), Reason: err.Error()}
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !rootSeen {
			if se.Name.Local != "CONSOLIDATED_LIST" {
				return nil, fail(se.Name.Local, "the root element is not CONSOLIDATED_LIST: not the UN consolidated list")
			}
			rootSeen = true
			for _, a := range se.Attr {
				if a.Name.Local == "dateGenerated" {
					if t, err := time.Parse(time.RFC3339Nano, a.Value); err == nil {
						generated = t.UTC()
					}
				}
			}
			continue
		}
		if se.Name.Local != "INDIVIDUAL" && se.Name.Local != "ENTITY" {
			continue
		}
		start := line()
		var e unEntry
		if err := dec.DecodeElement(&e, &se); err != nil {
			var sx *xml.SyntaxError
			if src.err != nil && errors.Is(err, src.err) {
				return nil, fmt.Errorf("read %s: %w", file, err)
			}
			if errors.As(err, &sx) {
				return nil, &ParseError{File: file, Line: sx.Line, Field: se.Name.Local, Reason: "malformed XML: " + sx.Msg}
			}
			return nil, &ParseError{File: file, Line: start, Field: se.Name.Local, Reason: err.Error()}
		}
		if err := unAdd(b, res, &e, se.Name.Local == "INDIVIDUAL", generated); err != nil {
			err.File, err.Line = file, start
			return nil, err
		}
	}
	if !rootSeen {
		return nil, &ParseError{File: file, Reason: "no XML element: not the UN consolidated list"}
	}
	if res.Entries == 0 {
		// An empty list would unlist everyone on import; a real one never is.
		return nil, &ParseError{File: file, Field: "CONSOLIDATED_LIST", Reason: "no INDIVIDUAL or ENTITY: the list is empty or truncated"}
	}
	return res, nil
}

// unReader remembers the error of the reader under the decoder, so that
// a failing disk or connection is not reported as malformed XML.
type unReader struct {
	r   io.Reader
	err error
}

func (u *unReader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if err != nil && err != io.EOF {
		u.err = err
	}
	return n, err
}

// unAdd turns one decoded entry into indicators.
func unAdd(b *Builder, res *Result, e *unEntry, individual bool, generated time.Time) *ParseError {
	ref := unText(e.Reference)
	if ref == "" {
		ref = unText(e.DataID)
	}
	if ref == "" {
		return &ParseError{Field: "REFERENCE_NUMBER", Reason: "an entry without REFERENCE_NUMBER or DATAID"}
	}
	var parts []string
	for _, p := range []string{e.First, e.Second, e.Third, e.Fourth} {
		if p = unText(p); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return &ParseError{Field: "FIRST_NAME", Reason: "entry " + ref + " has no name"}
	}
	res.Entries++
	listed, _ := time.Parse("2006-01-02", unText(e.ListedOn))
	b.Defaults.FirstSeen, b.Defaults.LastSeen = listed, generated
	if listed.IsZero() {
		b.Defaults.FirstSeen = generated
	}

	typ := "entity"
	if individual {
		typ = "individual"
		res.Count("individuals", 1)
	} else {
		res.Count("entities", 1)
	}
	if p, _, ok := strings.Cut(ref, "."); ok && p != "" {
		res.Count("refs:"+p, 1)
	}
	b.Add("name", strings.Join(parts, " "), ref, nil)
	if s := unText(e.OriginalScript); s != "" {
		res.Count("names_original_script", 1)
		b.Add("name", s, ref, nil)
	}
	b.Add(KindEntityType, typ, ref, asInfo)
	if prog := unText(e.ListType); prog != "" {
		res.Count("programs:"+prog, 1)
		if strings.EqualFold(prog, "DPRK") {
			res.Count("entries_dprk", 1)
		}
		b.Add(KindProgram, prog, ref, asInfo)
	}
	for _, a := range append(e.Aliases, e.EntityAliases...) {
		name := unText(a.Name)
		if name == "" {
			continue
		}
		res.Count("aliases", 1)
		var fill func(*store.Indicator)
		if strings.EqualFold(unText(a.Quality), "low") {
			res.Count("aliases_low", 1)
			fill = func(in *store.Indicator) { in.Severity, in.Confidence = "medium", 60 }
		}
		for _, n := range unAliasNames(name) {
			b.Add("name", n, ref, fill)
		}
	}
	for _, d := range e.Births {
		label, dates := unBirthDates(d)
		for _, v := range dates {
			b.Add(KindBirthDate, v, ref, func(in *store.Indicator) { in.Label, in.Severity = label, "info" })
		}
	}
	for _, n := range e.Nationalities {
		if n = unText(n); n != "" {
			b.Add(KindNationality, n, ref, asInfo)
		}
	}
	for _, d := range e.Documents {
		unDocument(b, res, ref, d)
	}
	for _, a := range append(e.Addresses, e.EntityAddrs...) {
		street := unText(a.Street)
		if street == "" {
			// A city or country alone would match everyone living there.
			continue
		}
		parts := []string{street}
		for _, p := range []string{a.City, a.State, a.Zip, a.Country} {
			if p = unText(p); p != "" {
				parts = append(parts, p)
			}
		}
		res.Count("addresses", 1)
		b.Add("address", strings.Join(parts, ", "), ref, func(in *store.Indicator) { in.Severity = "medium" })
	}
	return nil
}

// unAliasNames splits an ALIAS_NAME into the names it holds: the list
// sometimes packs several into one, separated by ";" or added in
// parentheses ("Abdul Haq (عبد الحق …)", "Husain Salimi; Hosain Salimi").
func unAliasNames(s string) []string {
	if !strings.ContainsAny(s, ";()") {
		return []string{s}
	}
	var out []string
	for p := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ';' || r == '(' || r == ')' }) {
		p = strings.TrimSpace(p)
		if len(p) > 1 && !strings.EqualFold(p, "original script") {
			out = append(out, p)
		}
	}
	return out
}

// unDocNumber takes the number out of a NUMBER that holds prose as well
// ("Diplomatic Passport: Z30321794", "national identity card number
// 44103-5251752-5"): the words from the last that has no digit on.
func unDocNumber(s string) string {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = strings.TrimSpace(s[i+1:])
	}
	words := strings.Fields(s)
	if len(words) < 3 {
		return s
	}
	i := len(words)
	for i > 0 && strings.ContainsAny(words[i-1], "0123456789") {
		i--
	}
	if i == len(words) {
		return s
	}
	return strings.Join(words[i:], " ")
}

// unText collapses the line breaks and runs of spaces the list has inside
// values.
func unText(s string) string { return strings.Join(strings.Fields(s), " ") }

// unBirthDates reads one INDIVIDUAL_DATE_OF_BIRTH: DATE (YYYY-MM-DD, the
// schema's xs:date, sometimes with a time zone), YEAR, or FROM_YEAR and
// TO_YEAR for TYPE_OF_DATE BETWEEN, each year of which is returned.
func unBirthDates(d unBirth) (label string, dates []string) {
	typ := strings.ToUpper(unText(d.Type))
	switch {
	case unText(d.Date) != "":
		v := unText(d.Date)
		if len(v) > 10 {
			v = v[:10]
		}
		return "DOB " + v, []string{v}
	case unText(d.Year) != "":
		v := unText(d.Year)
		if typ == "APPROXIMATELY" {
			return "DOB circa " + v, []string{v}
		}
		return "DOB " + v, []string{v}
	case unText(d.FromYear) != "" && unText(d.ToYear) != "":
		a, err1 := strconv.Atoi(unText(d.FromYear))
		z, err2 := strconv.Atoi(unText(d.ToYear))
		label = "DOB " + unText(d.FromYear) + " to " + unText(d.ToYear)
		if err1 != nil || err2 != nil || z < a || z-a > 10 {
			return label, []string{unText(d.FromYear), unText(d.ToYear)}
		}
		for y := a; y <= z; y++ {
			dates = append(dates, strconv.Itoa(y))
		}
		return label, dates
	}
	return "", nil
}

// unDocument adds a passport or national id with its issuing country. The
// list writes the type in English, French or Spanish.
func unDocument(b *Builder, res *Result, ref string, d unDoc) {
	number := unDocNumber(unText(d.Number))
	if number == "" {
		return
	}
	t := strings.ToLower(unText(d.Type))
	var typ string
	switch {
	case strings.Contains(t, "passport") || strings.Contains(t, "passeport") || strings.Contains(t, "pasaporte"):
		typ = "passport"
	case strings.Contains(t, "national identification") || strings.Contains(t, "identity card"):
		typ = "national_id"
	default:
		res.Count("skipped:id_document", 1)
		return
	}
	country := unText(d.IssuingCountry)
	if country == "" {
		country = unText(d.CountryOfIssue)
	}
	if country == "" {
		// Without its issuing country a number identifies nobody.
		res.Count("skipped:id_document", 1)
		return
	}
	label := unText(d.Type) + " " + number + " (" + country + ")"
	b.Add("id_document", typ+":"+country+":"+number, ref, func(in *store.Indicator) { in.Label, in.Severity = label, "critical" })
}
