// Package intel reads the intelligence ringfence screens against —
// sanctions lists (OFAC SDN in its XML and CSV forms, the UN consolidated
// list), lists of sanctioned wallets, STIX 2.1 bundles, MISP feeds and
// indicator spreadsheets — into indicators with their provenance, and
// loads them into the store one source at a time.
//
// A watchlist entry (a listed person or company) becomes several
// indicators that share Source and SourceRef: its names and aliases (kind
// "name"), and its birth dates, nationalities, programmes, e-mail
// addresses, phones, websites and digital-currency addresses. Screening
// regroups them by SourceRef to weigh a name match by birth date and
// nationality.
package intel

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/store"
)

// Attribute kinds of a watchlist entry that are not identifier kinds. They
// are stored as indicators so that an entry's facts travel with it; the
// store names them, since matching reads them too.
const (
	KindBirthDate   = store.KindBirthDate
	KindNationality = store.KindNationality
	KindProgram     = store.KindProgram
	KindEntityType  = store.KindEntityType
	KindSWIFT       = "swift_bic" // a bank's SWIFT/BIC code
)

// Severities, in order.
var Severities = []string{"info", "low", "medium", "high", "critical"}

// Result is what a parser read from one source: its indicators and the
// counts a person checks an import by.
type Result struct {
	// Source names the feed; loading replaces that source's indicators
	// as a whole.
	Source string
	// Format is the format detected, e.g. "ofac-advanced-xml".
	Format     string
	Indicators []store.Indicator
	// Entries counts listed parties or STIX/MISP objects read.
	Entries int
	// Counts holds further figures by name: "aliases", "programs:DPRK3",
	// "digital_currency_addresses", "skipped:phone" (values that did not
	// normalise), …
	Counts map[string]int
	// Warnings are problems that did not stop the import, each naming
	// where in the source it was.
	Warnings []string
}

// Count adds n to a named count.
func (r *Result) Count(name string, n int) {
	if r.Counts == nil {
		r.Counts = map[string]int{}
	}
	r.Counts[name] += n
}

// Warn records a problem that did not stop the import. Only the first
// hundred are kept; the count says how many there were.
func (r *Result) Warn(format string, args ...any) {
	r.Count("warnings", 1)
	if len(r.Warnings) < 100 {
		r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
	}
}

// Builder makes indicators for one source, normalising each value. A value
// that does not normalise is skipped and counted ("skipped:KIND"), with a
// warning naming the entry: a sanctions list's typo must not stop an
// import, and must not match anything either.
type Builder struct {
	Result *Result
	// Defaults fill fields the caller leaves empty: Severity, Confidence,
	// TLP, FirstSeen, LastSeen, Label.
	Defaults store.Indicator
	seen     map[[3]string]bool
}

// NewBuilder returns a builder appending to r with the given defaults;
// Source comes from r.Source.
func NewBuilder(r *Result, defaults store.Indicator) *Builder {
	defaults.Source = r.Source
	if defaults.TLP == "" {
		defaults.TLP = "clear"
	}
	return &Builder{Result: r, Defaults: defaults, seen: map[[3]string]bool{}}
}

// Add normalises raw as kind and appends an indicator referring to ref
// (the entry's id in the source). kind may be an identifier kind, or one
// of the attribute kinds above, or a key kind such as "email_domain"
// (taken as a domain). It returns the indicator and whether it was added;
// duplicates (same kind, value, ref) are dropped silently.
func (b *Builder) Add(kind, raw, ref string, fill func(*store.Indicator)) (store.Indicator, bool) {
	value, err := Canonical(kind, raw)
	if err != nil {
		b.Result.Count("skipped:"+kind, 1)
		b.Result.Warn("%s %s: %s %q: %v", b.Result.Source, ref, kind, raw, err)
		return store.Indicator{}, false
	}
	key := [3]string{kind, value, ref}
	if b.seen[key] {
		return store.Indicator{}, false
	}
	b.seen[key] = true
	in := b.Defaults
	in.Kind, in.Value, in.SourceRef = kind, value, ref
	if in.Label == "" {
		in.Label = raw
	}
	if fill != nil {
		fill(&in)
	}
	b.Result.Indicators = append(b.Result.Indicators, in)
	return in, true
}

// Canonical returns the canonical value of raw for an indicator of kind.
// Identifier kinds use the normalize package; attribute kinds have their
// own simple forms.
func Canonical(kind, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("empty value")
	}
	switch kind {
	case KindBirthDate:
		return birthDate(raw)
	case KindNationality:
		cc, ok := normalize.Country(raw)
		if !ok {
			return "", fmt.Errorf("not a country")
		}
		return cc, nil
	case KindProgram, KindEntityType:
		return strings.ToUpper(strings.Join(strings.Fields(raw), " ")), nil
	case KindSWIFT:
		s := strings.ToUpper(strings.ReplaceAll(raw, " ", ""))
		if len(s) != 8 && len(s) != 11 {
			return "", fmt.Errorf("a SWIFT/BIC code has 8 or 11 characters")
		}
		return s, nil
	case "email_domain", "registrable_domain":
		v, err := normalize.Domain(raw)
		if err != nil {
			return "", err
		}
		if kind == "registrable_domain" {
			if k := v.Key("registrable_domain"); k != "" {
				return k, nil
			}
		}
		return v.Canonical, nil
	}
	k, err := normalize.ParseKind(kind)
	if err != nil {
		return "", err
	}
	v, err := normalize.Normalize(k, raw, normalize.Options{})
	if err != nil {
		return "", err
	}
	return v.Canonical, nil
}

// birthDate accepts YYYY, YYYY-MM, YYYY-MM-DD and the "DD Mon YYYY" form of
// the SDN list, returning the ISO prefix that is known.
func birthDate(s string) (string, error) {
	for _, layout := range []string{"2006-01-02", "02 Jan 2006", "2 Jan 2006", "2006/01/02", "01/02/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	for _, layout := range []string{"2006-01", "Jan 2006", "January 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01"), nil
		}
	}
	if t, err := time.Parse("2006", s); err == nil {
		return t.Format("2006"), nil
	}
	return "", fmt.Errorf("not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
}

// Summary renders a result's counts in a stable order, for the CLI.
func (r *Result) Summary() string {
	keys := slices.Sorted(maps.Keys(r.Counts))
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %d entries, %d indicators", r.Source, r.Format, r.Entries, len(r.Indicators))
	for _, k := range keys {
		fmt.Fprintf(&b, ", %s %d", k, r.Counts[k])
	}
	return b.String()
}

// ParseError is malformed input: where it is and what is wrong. A source
// with a ParseError is not loaded at all, so a broken download never
// replaces a good list with half of one.
type ParseError struct {
	File   string
	Line   int    // 0 when unknown
	Field  string // the element, column or JSON path at fault
	Reason string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}
