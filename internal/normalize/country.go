package normalize

import (
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// countryNames maps folded English country names and common variants to
// ISO 3166 alpha-2 codes. It is built once from x/text's CLDR tables, which
// are read-only, so sharing it is not mutable global state.
var countryTable = sync.OnceValue(func() countries {
	m := make(map[string]string, 600)
	codes := make(map[string]bool, 260)
	names := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			// Deprecated codes (FX, UK, BU, ZR, …) canonicalise to current
			// ones; keeping them would let "France" resolve to FX.
			if err != nil || !r.IsCountry() || r.String() != code || r.Canonicalize().String() != code {
				continue
			}
			if n := names.Name(r); n != "" {
				m[foldCountry(n)] = code
				codes[code] = true
			}
		}
	}
	// Spellings seen in sanctions lists and HR exports that CLDR names differently.
	for name, code := range map[string]string{
		"north korea": "KP", "korea north": "KP", "dprk": "KP",
		"democratic peoples republic of korea": "KP", "korea democratic peoples republic of": "KP",
		"korea dem peoples rep": "KP", "korea dprk": "KP",
		"south korea": "KR", "korea south": "KR", "republic of korea": "KR", "korea republic of": "KR", "rok": "KR",
		"usa": "US", "united states of america": "US", "us": "US", "u s": "US", "u s a": "US", "america": "US",
		"uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
		"russia": "RU", "russian federation": "RU", "china": "CN", "peoples republic of china": "CN", "prc": "CN",
		"vietnam": "VN", "viet nam": "VN", "laos": "LA", "lao peoples democratic republic": "LA",
		"iran": "IR", "iran islamic republic of": "IR", "syria": "SY", "syrian arab republic": "SY",
		"czech republic": "CZ", "czechia": "CZ", "burma": "MM", "myanmar": "MM",
		"uae": "AE", "united arab emirates": "AE", "taiwan": "TW", "hong kong": "HK", "macau": "MO", "macao": "MO",
		"ivory coast": "CI", "cote divoire": "CI", "turkey": "TR", "turkiye": "TR",
		"the netherlands": "NL", "holland": "NL", "moldova": "MD", "bolivia": "BO", "venezuela": "VE",
		"tanzania": "TZ", "congo democratic republic of the": "CD", "democratic republic of the congo": "CD",
		"republic of the congo": "CG", "cape verde": "CV", "eswatini": "SZ", "swaziland": "SZ",
		"united republic of tanzania": "TZ", "united kingdom of great britain and northern ireland": "GB",
		"state of palestine": "PS", "palestine": "PS", "palestinian territories": "PS", "palestinian": "PS",
		"occupied palestinian territory": "PS", "syrian arab republic syria": "SY", "lao pdr": "LA",
		"republic of moldova": "MD", "bolivia plurinational state of": "BO", "venezuela bolivarian republic of": "VE",
		"micronesia federated states of": "FM", "kyrgyz republic": "KG", "slovak republic": "SK",
	} {
		m[foldCountry(name)] = code
	}
	// Exceptionally reserved codes are not countries of their own; "UK" is
	// still understood, as a name, and means GB.
	for _, c := range []string{"UK", "AC", "CP", "DG", "EA", "IC", "TA", "EU", "EZ", "UN"} {
		delete(codes, c)
	}
	for name, c := range m {
		if !codes[c] {
			delete(m, name) // "canary islands" must not answer IC
		}
	}
	return countries{names: m, codes: codes}
})

type countries struct {
	names map[string]string // folded name -> alpha-2
	codes map[string]bool   // assigned alpha-2 codes
}

// foldCountry lower-cases a country name and keeps only letters and single
// spaces, so "Korea, North" and "korea north" meet; "and", "&" and a
// leading "the" are dropped, so CLDR's "Bosnia & Herzegovina" meets the
// UN's "Bosnia and Herzegovina" and "The Gambia" meets "Gambia".
func foldCountry(s string) string {
	words := strings.Fields(foldCountryLetters(s))
	out := words[:0]
	for i, w := range words {
		if w == "and" || (i == 0 && w == "the" && len(words) > 1) {
			continue
		}
		if w == "st" {
			w = "saint" // CLDR writes "St. Kitts & Nevis", lists "Saint Kitts and Nevis"
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

func foldCountryLetters(s string) string {
	s = strings.ToLower(foldDiacritics(s))
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case r == '\'' || r == '’':
			// "People's" and "Peoples" are one word
		default:
			space = true
		}
	}
	return b.String()
}

// Country returns the ISO 3166-1 alpha-2 code for a country written as an
// alpha-2 or alpha-3 code or as its English name. ok is false when s names
// no country; callers turn that into an error naming their own field.
func Country(s string) (code string, ok bool) {
	t := strings.TrimSpace(s)
	if t == "" || len(t) > 80 {
		return "", false
	}
	tab := countryTable()
	up := strings.ToUpper(t)
	switch {
	case len(up) == 2 && isASCIIUpper(up) && tab.codes[up]:
		return up, true
	case len(up) == 3 && isASCIIUpper(up):
		if r, err := language.ParseRegion(up); err == nil && tab.codes[r.String()] {
			return r.String(), true
		}
	}
	code, ok = tab.names[foldCountry(t)]
	return code, ok
}

func isASCIIUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
