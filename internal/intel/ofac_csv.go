package intel

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ringfence/ringfence/internal/store"
)

// NamedReader is one file of a set: its name (for errors and for telling
// the SDN list from the consolidated list) and its content. A nil R means
// the file is absent.
type NamedReader struct {
	Name string
	R    io.Reader
}

// CSVSet is OFAC's legacy CSV layout: the primary records (sdn.csv or
// cons_prim.csv) and, optionally, the aliases (alt.csv, cons_alt.csv), the
// addresses (add.csv, cons_add.csv) and the continuations of Remarks cut at
// 1,000 characters (sdn_comments.csv, cons_comments.csv), joined on the
// entity number. The layout is described in OFAC's "SDN / Consolidated
// List CSV file format" notes (dat_spec.txt).
type CSVSet struct {
	SDN, Alt, Add, Comments NamedReader
	// Source overrides the source name; empty means OFACCSVSource decides.
	Source string
}

// OFACCSVSource returns the source a CSV set loads into: set.Source when
// given, "ofac-consolidated" when the primary file is the consolidated
// (non-SDN) list's cons_prim.csv, and "ofac-sdn" otherwise, so that the
// SDN list in its XML and CSV forms replaces rather than doubles.
func OFACCSVSource(set CSVSet) string {
	if set.Source != "" {
		return set.Source
	}
	base := strings.ToLower(filepath.Base(set.SDN.Name))
	if strings.HasPrefix(base, "cons_") || strings.Contains(base, "consolidated") {
		return "ofac-consolidated"
	}
	return "ofac-sdn"
}

// legacyRemarksCut is the width of the Remarks column: OFAC cuts longer
// remarks there and continues them in sdn_comments.csv.
const legacyRemarksCut = 1000

// Columns of the primary file.
const (
	legacyEntNum = iota
	legacyName
	legacyType
	legacyProgram
	legacyTitle
	legacyCallSign
	legacyVessType
	legacyTonnage
	legacyGRT
	legacyVessFlag
	legacyVessOwner
	legacyRemarks
	legacyColumns
)

var legacyColumnNames = [legacyColumns]string{"ent_num", "SDN_Name", "SDN_Type", "Program", "Title",
	"Call_Sign", "Vess_type", "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks"}

// ParseOFACCSV reads OFAC's legacy CSV set. The files have no header, CRLF
// line ends, "-0- " for null and a DOS end-of-file byte (0x1A) at the end.
// Each primary record becomes its name (label as written, "LAST, First"
// for individuals), entity type and programmes ("DPRK3] [DPRK4" is two);
// each alias row becomes a name; each address row with a street becomes an
// address. The Remarks column, joined with its continuation, is read for
// what OFAC writes there: a.k.a./f.k.a./n.k.a. names, birth dates (exact,
// year, circa, ranges), nationality and citizenship, e-mail addresses,
// websites, phones, passports and national ids with their country, SWIFT/BIC
// codes and digital-currency addresses.
//
// A remark exactly 1,000 characters long without a continuation was cut
// (the 2024 capture of sdn.csv has no sdn_comments.csv): its last item
// may be partial, so it is dropped rather than imported as a wrong value,
// and counted ("remarks_cut", and "cut:<what it was>").
//
// Counts: "aliases" (alt rows and a.k.a. in remarks), "aliases_former"
// (f.k.a./n.k.a. in remarks), "entries_dprk" (entries with a DPRK
// programme), "programs:<P>", "digital_currency_addresses", "birth_dates",
// "linked_to", "gender:<g>". It returns one Result; a malformed row is a
// *ParseError and nothing is returned.
func ParseOFACCSV(ctx context.Context, set CSVSet) ([]*Result, error) {
	if set.SDN.R == nil {
		return nil, &ParseError{File: set.SDN.Name, Reason: "the primary file (sdn.csv or cons_prim.csv) is missing"}
	}
	res := &Result{Source: OFACCSVSource(set), Format: "ofac-csv"}
	b := NewBuilder(res, store.Indicator{Severity: "high", Confidence: 100})
	p := &legacyCSV{b: b, res: res, comments: map[string]string{}, entries: map[string]bool{}}

	if set.Comments.R != nil {
		err := readLegacyRows(ctx, set.Comments, 2, func(line int, rec []string) error {
			ent, err := legacyEntryNumber(set.Comments.Name, line, rec[0])
			if err != nil {
				return err
			}
			// A continuation follows the remark without a separator: OFAC
			// cut it mid-word.
			p.comments[ent] += legacyField(rec[1])
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	err := readLegacyRows(ctx, set.SDN, legacyColumns, func(line int, rec []string) error {
		return p.primary(set.SDN.Name, line, rec)
	})
	if err != nil {
		return nil, err
	}
	if set.Alt.R != nil {
		err := readLegacyRows(ctx, set.Alt, 5, func(line int, rec []string) error {
			return p.alias(set.Alt.Name, line, rec)
		})
		if err != nil {
			return nil, err
		}
	}
	if set.Add.R != nil {
		err := readLegacyRows(ctx, set.Add, 6, func(line int, rec []string) error {
			return p.address(set.Add.Name, line, rec)
		})
		if err != nil {
			return nil, err
		}
	}
	if res.Entries == 0 {
		// An empty list would unlist everyone on import; a real one never
		// is, so this is a broken download.
		return nil, &ParseError{File: set.SDN.Name, Reason: "no entries: the list is empty or truncated"}
	}
	for ent := range p.comments {
		if !p.entries[ent] {
			res.Warn("%s: a continuation of the remarks of entry %s, which the primary file does not have", set.Comments.Name, ent)
		}
	}
	return []*Result{res}, nil
}

// legacyCSV is the state of one ParseOFACCSV call.
type legacyCSV struct {
	b        *Builder
	res      *Result
	comments map[string]string // ent_num → continuation of Remarks
	entries  map[string]bool   // ent_nums of the primary file
}

// readLegacyRows streams the records of one file of the set to fn, with the
// line each starts on. Every record must have n fields.
func readLegacyRows(ctx context.Context, nr NamedReader, n int, fn func(line int, rec []string) error) error {
	cr := csv.NewReader(nr.R)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for i := 0; ; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return &ParseError{File: nr.Name, Line: pe.Line, Reason: "malformed CSV: " + pe.Err.Error()}
			}
			return fmt.Errorf("read %s: %w", nr.Name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.Trim(rec[0], "\x1a \t") == "" {
			// The DOS end-of-file byte OFAC ends each file with.
			continue
		}
		if len(rec) != n {
			return &ParseError{File: nr.Name, Line: line, Reason: fmt.Sprintf("%d fields, want %d", len(rec), n)}
		}
		if err := fn(line, rec); err != nil {
			return err
		}
	}
}

// legacyField returns a field without OFAC's null marker and, when it is not
// UTF-8, decoded as Latin-1 (older OFAC files were written in it).
func legacyField(s string) string {
	if !utf8.ValidString(s) {
		r := make([]rune, len(s))
		for i := 0; i < len(s); i++ {
			r[i] = rune(s[i])
		}
		s = string(r)
	}
	t := strings.TrimSpace(s)
	if t == "-0-" {
		return ""
	}
	return t
}

func legacyEntryNumber(file string, line int, s string) (string, error) {
	t := strings.TrimSpace(s)
	if n, err := strconv.Atoi(t); err != nil || n <= 0 {
		return "", &ParseError{File: file, Line: line, Field: "ent_num", Reason: fmt.Sprintf("%q is not an entity number", s)}
	}
	return t, nil
}

// primary reads one record of sdn.csv or cons_prim.csv.
func (p *legacyCSV) primary(file string, line int, rec []string) error {
	ent, err := legacyEntryNumber(file, line, rec[legacyEntNum])
	if err != nil {
		return err
	}
	name := legacyField(rec[legacyName])
	if name == "" {
		return &ParseError{File: file, Line: line, Field: legacyColumnNames[legacyName], Reason: "empty: every entry has a name"}
	}
	if p.entries[ent] {
		p.res.Warn("%s:%d: entry %s appears twice; both are imported", file, line, ent)
	}
	p.entries[ent] = true
	p.res.Entries++
	p.b.Add("name", name, ent, nil)

	typ := strings.ToLower(legacyField(rec[legacyType]))
	if typ == "" {
		typ = "entity"
	}
	p.b.Add(KindEntityType, typ, ent, asInfo)
	p.res.Count("type:"+typ, 1)

	dprk := false
	for prog := range strings.SplitSeq(legacyField(rec[legacyProgram]), "] [") {
		prog = strings.Trim(prog, "[] ")
		if prog == "" {
			continue
		}
		p.b.Add(KindProgram, prog, ent, asInfo)
		p.res.Count("programs:"+prog, 1)
		if strings.HasPrefix(prog, "DPRK") {
			dprk = true
		}
	}
	if dprk {
		p.res.Count("entries_dprk", 1)
	}

	remarks := legacyField(rec[legacyRemarks])
	cont, hasCont := p.comments[ent]
	cut := false
	switch {
	case hasCont:
		remarks += cont
	case utf8.RuneCountInString(rec[legacyRemarks]) == legacyRemarksCut:
		cut = true
		p.res.Count("remarks_cut", 1)
	}
	p.remarks(ent, remarks, cut)
	return nil
}

// asInfo marks an attribute of an entry rather than an identifier.
func asInfo(in *store.Indicator) { in.Severity = "info" }

// asCritical marks an identifier of a listed party: whoever shares it is
// dealing with the party.
func asCritical(in *store.Indicator) { in.Severity = "critical" }

// alias reads one record of alt.csv: ent_num, alt_num, alt_type, alt_name,
// alt_remarks.
func (p *legacyCSV) alias(file string, line int, rec []string) error {
	ent, err := legacyEntryNumber(file, line, rec[0])
	if err != nil {
		return err
	}
	name := legacyField(rec[3])
	if name == "" {
		p.res.Warn("%s:%d: alias of entry %s has no name", file, line, ent)
		return nil
	}
	if !p.entries[ent] {
		p.res.Warn("%s:%d: alias of entry %s, which the primary file does not have", file, line, ent)
	}
	p.res.Count("aliases", 1)
	p.b.Add("name", name, ent, nil)
	return nil
}

// address reads one record of add.csv: ent_num, add_num, address,
// city/state/postal code, country, add_remarks. Only addresses with a
// street are imported: a city or a country alone would match everyone
// living there.
func (p *legacyCSV) address(file string, line int, rec []string) error {
	ent, err := legacyEntryNumber(file, line, rec[0])
	if err != nil {
		return err
	}
	if !p.entries[ent] {
		p.res.Warn("%s:%d: address of entry %s, which the primary file does not have", file, line, ent)
	}
	street := legacyField(rec[2])
	if street == "" {
		return nil
	}
	// OFAC writes a house number before the street with a comma ("29,
	// Bolshaya Morskaya str."), which would read as a street line of its
	// own.
	if num, rest, ok := strings.Cut(street, ", "); ok && num != "" && strings.Trim(num, "0123456789-/") == "" {
		street = num + " " + rest
	}
	parts := []string{street}
	for _, f := range rec[3:5] {
		if v := legacyField(f); v != "" {
			parts = append(parts, v)
		}
	}
	p.res.Count("addresses", 1)
	p.b.Add("address", strings.Join(parts, ", "), ent, func(in *store.Indicator) { in.Severity = "medium" })
	return nil
}

// remarks reads the items of a Remarks field, which OFAC separates with
// ";" and ends with ".". When cut is set, the last item is dropped.
func (p *legacyCSV) remarks(ent, remarks string, cut bool) {
	if remarks == "" {
		return
	}
	items := strings.Split(remarks, ";")
	if cut {
		last := strings.TrimSpace(items[len(items)-1])
		items = items[:len(items)-1]
		if what := legacyRemarkKind(last); what != "" {
			p.res.Count("cut:"+what, 1)
		}
	} else {
		last := &items[len(items)-1]
		*last = strings.TrimSuffix(strings.TrimSpace(*last), ".")
	}
	for _, item := range items {
		p.remark(ent, strings.TrimSpace(item))
	}
}

// legacyRemarkPrefixes maps the item prefixes OFAC writes to what they hold.
var legacyRemarkPrefixes = []struct{ prefix, what string }{
	{"a.k.a. ", "aliases"},
	{"f.k.a. ", "aliases_former"},
	{"n.k.a. ", "aliases_former"},
	{"DOB ", "birth_dates"},
	{"nationality ", "nationality"},
	{"citizen ", "nationality"},
	{"Email Address ", "email"},
	{"EMAIL ", "email"},
	{"Website ", "website"},
	{"Phone Number ", "phone"},
	{"Phone No. ", "phone"},
	{"Phone ", "phone"},
	{"PHONE ", "phone"},
	{"Telephone: ", "phone"},
	{"Telephone ", "phone"},
	{"Tel. ", "phone"},
	{"Fax: ", "phone"},
	{"Fax ", "phone"},
	{"FAX ", "phone"},
	{"Passport ", "passport"},
	{"National ID No. ", "national_id"},
	{"Cedula No. ", "national_id"},
	{"Tax ID No. ", "tax_id"},
	{"Driver's License No. ", "drivers_license"},
	{"SWIFT/BIC ", "swift_bic"},
	{"Digital Currency Address - ", "digital_currency_addresses"},
	{"Gender ", "gender"},
	{"Linked To: ", "linked_to"},
}

// legacyCutRemark splits an item into what it holds and its value.
func legacyCutRemark(item string) (what, value string) {
	item = strings.TrimPrefix(item, "alt. ")
	for _, rp := range legacyRemarkPrefixes {
		if v, ok := strings.CutPrefix(item, rp.prefix); ok {
			return rp.what, strings.TrimSpace(v)
		}
	}
	return "", item
}

func legacyRemarkKind(item string) string {
	what, _ := legacyCutRemark(item)
	return what
}

// remark reads one item of Remarks.
func (p *legacyCSV) remark(ent, item string) {
	what, v := legacyCutRemark(item)
	if what == "" || v == "" {
		return
	}
	switch what {
	case "aliases", "aliases_former":
		p.res.Count(what, 1)
		p.b.Add("name", legacyQuoted(v), ent, nil)
	case "birth_dates":
		p.res.Count(what, 1)
		dates, ok := legacyDOB(v)
		if !ok {
			p.res.Count("skipped:"+KindBirthDate, 1)
			p.res.Warn("%s %s: birth date %q not understood", p.res.Source, ent, item)
		}
		for _, d := range dates {
			p.b.Add(KindBirthDate, d, ent, func(in *store.Indicator) { in.Label = item; in.Severity = "info" })
		}
	case "nationality":
		p.b.Add(KindNationality, v, ent, func(in *store.Indicator) { in.Label = item; in.Severity = "info" })
	case "email":
		p.b.Add("email", v, ent, asCritical)
	case "website":
		p.b.Add("url", v, ent, asCritical)
	case "phone":
		p.b.Add("phone", legacyPhone(v), ent, func(in *store.Indicator) { in.Label = item; in.Severity = "critical" })
	case "passport", "national_id", "tax_id", "drivers_license":
		doc, ok := legacyDocument(what, v)
		if !ok {
			// Most are documents written without their issuing
			// country: common, and useless for matching, so counted
			// without a warning each.
			p.res.Count("skipped:id_document", 1)
			return
		}
		p.b.Add("id_document", doc, ent, func(in *store.Indicator) { in.Label = item; in.Severity = "critical" })
	case "swift_bic":
		p.b.Add(KindSWIFT, v, ent, asCritical)
	case "digital_currency_addresses":
		p.res.Count(what, 1)
		asset, addr, _ := strings.Cut(v, " ")
		value, note, err := walletForAsset(asset, addr)
		if err != nil {
			p.res.Count("skipped:wallet", 1)
			p.res.Warn("%s %s: %q: %v", p.res.Source, ent, item, err)
			return
		}
		if note != "" {
			p.res.Count("chain_mismatch", 1)
			p.res.Warn("%s %s: %s", p.res.Source, ent, note)
		}
		p.b.Add("wallet", value, ent, func(in *store.Indicator) { in.Label = item; in.Severity = "critical" })
	case "gender":
		p.res.Count("gender:"+strings.ToLower(v), 1)
	case "linked_to":
		// A link names another listed party, which has its own entry;
		// its name is not an identifier of this one.
		p.res.Count(what, 1)
	}
}

// legacyQuoted returns an alias written 'NAME' without its quotes; names
// with apostrophes ('ABU-'UMAR') keep their inner ones.
func legacyQuoted(v string) string {
	v = strings.TrimSuffix(strings.TrimSpace(v), ".")
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	return strings.Trim(v, "'")
}

// legacyDOB reads the dates OFAC writes after "DOB": "25 Nov 1983", "Nov
// 1983", "1983", "circa 1947", and ranges "1960 to 1962" or "01 Jan 1960
// to 31 Dec 1962". A range of up to ten years yields each year, so that a
// birth date screened against it matches on its year; a longer one
// yields its ends.
func legacyDOB(v string) ([]string, bool) {
	v = strings.TrimSpace(v)
	for _, p := range []string{"circa ", "Circa ", "approximately "} {
		v = strings.TrimPrefix(v, p)
	}
	from, to, isRange := strings.Cut(v, " to ")
	if !isRange {
		from, to, isRange = strings.Cut(v, "-")
		if isRange && (len(strings.TrimSpace(from)) != 4 || len(strings.TrimSpace(to)) != 4) {
			isRange = false
		}
	}
	if !isRange {
		d, err := Canonical(KindBirthDate, v)
		if err != nil {
			return nil, false
		}
		return []string{d}, true
	}
	a, err1 := Canonical(KindBirthDate, strings.TrimPrefix(strings.TrimSpace(from), "circa "))
	z, err2 := Canonical(KindBirthDate, strings.TrimPrefix(strings.TrimSpace(to), "circa "))
	if err1 != nil || err2 != nil {
		return nil, false
	}
	y1, _ := strconv.Atoi(a[:4])
	y2, _ := strconv.Atoi(z[:4])
	if y2 < y1 || y2-y1 > 10 {
		return []string{a, z}, true
	}
	var out []string
	for y := y1; y <= y2; y++ {
		out = append(out, strconv.Itoa(y))
	}
	return out, true
}

// legacyPhone makes the numbers OFAC writes without a "+" international:
// "Phone Number 8613314257947" and "PHONE 850 2 381 8221" carry their
// country code, and "Telephone: 0097282851500" its international prefix.
// Only the first of "8204/8208" is taken, and an extension is dropped.
func legacyPhone(v string) string {
	for _, p := range []string{"No.", "No:", "Number:", "Number"} {
		v = strings.TrimSpace(strings.TrimPrefix(v, p))
	}
	if i := strings.IndexByte(v, '/'); i >= 0 {
		v = v[:i]
	}
	if i := strings.Index(strings.ToLower(v), "ext"); i >= 0 {
		v = v[:i]
	}
	v = strings.NewReplacer("(", " ", ")", " ").Replace(v)
	v = strings.TrimSpace(v)
	if v == "" || v[0] == '+' || strings.HasPrefix(v, "00") {
		return v
	}
	if v[0] >= '1' && v[0] <= '9' {
		return "+" + v
	}
	return v
}

// legacyDocument makes "type:country:number" of a document item such as
// "109484100 (Korea, North) expires 24 Dec 2024". Without a country in
// parentheses, or with a number that is more than letters, digits,
// spaces, dots and dashes, it gives up: "C 1415363 - 16/2/1421H" would
// otherwise become a number nobody holds.
func legacyDocument(typ, v string) (string, bool) {
	number, rest, ok := strings.Cut(v, " (")
	if !ok {
		return "", false
	}
	country, _, ok := strings.Cut(rest, ")")
	if !ok {
		return "", false
	}
	// "(Cabo Verde.  Previously Cape Verde.)"
	country, _, _ = strings.Cut(country, ".")
	number = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(number, "No. "), "# "))
	if number == "" {
		return "", false
	}
	for _, r := range number {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == ' ' || r == '.' || r == '-') {
			return "", false
		}
	}
	return typ + ":" + strings.TrimSpace(country) + ":" + number, true
}
