package normalize

import (
	"strconv"
	"strings"
	"unicode"
)

// AddressParts is a postal address as the subject record carries it.
type AddressParts struct {
	Line1, Line2, City, Region, PostalCode, Country string
}

// Address parses the one-line form of the subject-record contract,
// "line1[, line2], city, region postal, country", and canonicalises it as
// AddressOf does. It also reads the common variants: no country ("350
// Fifth Avenue, New York, NY 10118"), city and postcode in one field
// ("10 Downing St, London SW1A 2AA, UK"), postcode before the city
// ("Hauptstr. 5, 10115 Berlin, Germany"), and a unit as its own field
// ("350 5th Ave, Suite 5, New York, NY 10118").
//
// A last field that names a country is the country, with one exception:
// when region is "US", a US state code such as "CA" or "GA" is read as the
// state. Without region "US", "Atlanta, GA" is read as being in Gabon; give
// the region or a ZIP code to avoid that.
func Address(s, region string) (Value, error) {
	if err := checkInput(KindAddress, s); err != nil {
		return Value{}, err
	}
	fields := make([]string, 0, 6)
	for f := range strings.SplitSeq(s, ",") {
		// A field of punctuation alone ("!") vanishes from the canonical
		// form, so it must not take a place (the city's) here either, or
		// the canonical form would re-parse differently.
		if f = strings.TrimSpace(f); f != "" && cleanText(f, true) != "" {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return Value{}, invalid(KindAddress, s, "no street line")
	}
	var p AddressParts
	defUS := strings.EqualFold(strings.TrimSpace(region), "US")
	if n := len(fields); n >= 2 {
		// The cleaned field decides, as it is what the canonical form
		// will hold: "BrA!" must be Brazil now if "BRA" is Brazil later.
		last := cleanText(fields[n-1], true)
		// A field with digits is a postcode, whatever Country makes of its
		// letters ("0UK").
		if !hasDigit(last) && !(defUS && usStateCode(last) != "") {
			if c, ok := Country(last); ok {
				p.Country = c
				fields = fields[:n-1]
			}
		}
	}
	// The street is the first field that is not a unit: "Flat 3, 12 Baker
	// Street" puts the flat first, as British addresses do.
	first := 0
	for first < len(fields)-1 && startsWithUnit(fields[first]) && startsWithDigit(fields[first+1]) {
		first++
	}
	p.Line1 = fields[first]
	rest := append(fields[:first:first], fields[first+1:]...)
	// A field that starts with a unit designator ("Apt 5", "#5") is a
	// second address line wherever it stands; read as a tail it would
	// make "5" a postcode.
	var line2 []string
	kept := rest[:0]
	for _, f := range rest {
		if startsWithUnit(f) || startsWithLine2Word(f) {
			line2 = append(line2, f)
		} else {
			kept = append(kept, f)
		}
	}
	rest = kept
	if n := len(rest); n > 0 {
		country := p.Country
		if country == "" && defUS {
			country = "US"
		}
		if t, ok := classifyTail(rest[n-1], country); ok {
			rest = rest[:n-1]
			p.Region, p.PostalCode, p.City = t.region, t.postal, t.city
			if t.city == "" && len(rest) == 0 && t.region != "" && !t.knownRegion {
				// "London SW1A 2AA" with no city field before it: the
				// words before the postcode are the city.
				p.City, p.Region = t.region, ""
			}
		}
		if p.City == "" && len(rest) > 0 {
			p.City = rest[len(rest)-1]
			rest = rest[:len(rest)-1]
		}
		line2 = append(rest, line2...)
	}
	p.Line2 = strings.Join(line2, " ")
	return addressOf(p, region, s)
}

// AddressOf canonicalises an address given as parts. The result is a
// single line, "LINE1 UNIT x, CITY, REGION POSTAL, CC", upper-case, without
// diacritics or punctuation, with USPS Publication 28 abbreviations for
// street suffixes ("AVENUE" → "AVE"), directions ("SOUTH WEST" → "SW") and
// unit designators (Apt, Suite, Ste, Flat, Room and "#" all become "UNIT"),
// ordinal words as numbers ("FIFTH" → "5TH"), US ZIP+4 cut to the five-digit
// ZIP and UK and Canadian postcodes spaced as the post office prints them.
//
// The country is the Country of p.Country; when that is empty, "US" if the
// region is a US state and the postcode a ZIP code (or absent); otherwise
// the default region; otherwise none. An address without a country still
// canonicalises, but its key can only match other country-less addresses.
//
// The key "address_key" is what matching uses: "CC|POSTAL|STREET|UNIT x",
// e.g. "US|10118|350 5TH AVE|UNIT 5". City and region are left out because
// they are spelled in too many ways ("NYC", "Manhattan") and the postcode
// already says where; without a postcode the cleaned city and region take
// its place. With neither there is no key: "1 MAIN ST" alone names
// thousands of homes, and matching on it would accuse strangers.
func AddressOf(p AddressParts, region string) (Value, error) {
	joined := strings.Join([]string{p.Line1, p.Line2, p.City, p.Region, p.PostalCode, p.Country}, ", ")
	if err := checkInput(KindAddress, joined); err != nil {
		return Value{}, err
	}
	return addressOf(p, region, joined)
}

func addressOf(p AddressParts, region, input string) (Value, error) {
	street, units := streetTokens(p.Line1 + " " + p.Line2)
	if len(street) == 0 {
		return Value{}, invalid(KindAddress, input, "no street line")
	}
	if !hasLetter(street) {
		return Value{}, invalid(KindAddress, input, "street line has no letters")
	}
	facts := map[string]string{}
	country := ""
	if c := strings.TrimSpace(p.Country); c != "" {
		code, ok := Country(c)
		if !ok {
			return Value{}, invalid(KindAddress, input, "country %s is not a known country name or ISO code", quoteShort(c))
		}
		country = code
	}
	reg := cleanText(p.Region, true)
	if country == "" || country == "US" {
		if code := usStateCode(reg); code != "" {
			reg = code
		}
	} else if country == "CA" {
		if code := caProvinceCode(reg); code != "" {
			reg = code
		}
	}
	postal, reason := cleanPostal(p.PostalCode)
	if reason != "" {
		return Value{}, invalid(KindAddress, input, "postal code %s", reason)
	}
	if country == "" && usStateCode(reg) == reg && reg != "" && (postal == "" || isZIP(postal)) {
		// "New York, NY 10118" is in the United States whatever the default
		// region says; a state code and a ZIP code leave no doubt.
		country = "US"
		facts["country_inferred"] = "true"
	}
	if country == "" && strings.TrimSpace(region) != "" {
		code, ok := Country(region)
		if !ok {
			return Value{}, invalid(KindAddress, input, "default region %s is not a known country", quoteShort(region))
		}
		country = code
		facts["country_inferred"] = "true"
	}
	postal = formatPostal(country, postal)
	city := cleanText(p.City, false)

	streetText := strings.Join(street, " ")
	var unitText strings.Builder
	for i, u := range units {
		if i > 0 {
			unitText.WriteByte(' ')
		}
		unitText.WriteString("UNIT ")
		unitText.WriteString(u)
	}
	streetLine := streetText
	if unitText.Len() > 0 {
		streetLine += " " + unitText.String()
	}

	parts := make([]string, 0, 4)
	parts = append(parts, streetLine)
	if city != "" {
		parts = append(parts, city)
	}
	if rp := strings.TrimSpace(reg + " " + postal); rp != "" {
		parts = append(parts, rp)
	}
	if country != "" {
		parts = append(parts, country)
		facts["country"] = country
	}
	v := Value{Kind: KindAddress, Canonical: strings.Join(parts, ", ")}

	where := postal
	if where == "" {
		where = strings.TrimSpace(city + " " + reg)
	}
	if where != "" {
		var k strings.Builder
		k.WriteString(country)
		k.WriteByte('|')
		k.WriteString(where)
		k.WriteByte('|')
		k.WriteString(streetText)
		if unitText.Len() > 0 {
			k.WriteByte('|')
			k.WriteString(unitText.String())
		}
		v.Keys = []Key{{Kind: "address_key", Value: k.String()}}
	} else {
		facts["address_key"] = "omitted: no postal code or city"
	}
	if len(facts) > 0 {
		v.Facts = facts
	}
	return v, nil
}

// tail is what the last field of a one-line address holds.
type tail struct {
	region, postal, city string
	knownRegion          bool // region is a US state or Canadian province
}

// classifyTail reads "NY 10118", "ON M5V 2T6", "SW1A 2AA", "London SW1A
// 2AA", "10115 Berlin" or "Illinois". ok is false for a field that is only
// a city.
func classifyTail(f, country string) (tail, bool) {
	words := strings.Fields(cleanText(joinDigitHyphens(f), true))
	n := len(words)
	if n == 0 {
		return tail{}, false
	}
	known := func(r string) bool {
		if r == "" {
			return false
		}
		if country == "" || country == "US" {
			if usStateCode(r) != "" {
				return true
			}
		}
		return country == "CA" && caProvinceCode(r) != ""
	}
	switch {
	case n >= 2 && isOutwardCode(words[n-2]) && isInwardCode(words[n-1]):
		r := strings.Join(words[:n-2], " ")
		return tail{region: r, postal: words[n-2] + words[n-1], knownRegion: known(r)}, true
	case hasDigit(words[n-1]):
		r := strings.Join(words[:n-1], " ")
		return tail{region: r, postal: words[n-1], knownRegion: known(r)}, true
	case n >= 2 && isDigits(words[0]) && len(words[0]) >= 4 && len(words[0]) <= 6 && !hasDigit(strings.Join(words[1:], "")):
		return tail{postal: words[0], city: strings.Join(words[1:], " ")}, true
	case known(strings.Join(words, " ")):
		return tail{region: strings.Join(words, " "), knownRegion: true}, true
	}
	return tail{}, false
}

// joinDigitHyphens removes hyphens between digits, so a postcode written
// "10118-0110", "01310-100" or "100-0001" stays one word.
func joinDigitHyphens(s string) string {
	if !strings.Contains(s, "-") {
		return s
	}
	b := []byte(s)
	out := b[:0]
	for i, c := range b {
		if c == '-' && i > 0 && i+1 < len(b) && b[i-1] >= '0' && b[i-1] <= '9' && b[i+1] >= '0' && b[i+1] <= '9' {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// isOutwardCode and isInwardCode recognise the halves of UK postcodes
// ("SW1A", "1AA") and Canadian ones ("M5V", "2T6").
func isOutwardCode(w string) bool {
	return len(w) >= 2 && len(w) <= 4 && hasDigit(w) && w[0] >= 'A' && w[0] <= 'Z'
}

func isInwardCode(w string) bool {
	return len(w) == 3 && w[0] >= '0' && w[0] <= '9' && w[1] >= 'A' && w[1] <= 'Z' && (w[2] >= 'A' && w[2] <= 'Z' || w[2] >= '0' && w[2] <= '9')
}

// cleanText folds diacritics, upper-cases, deletes apostrophes (and, for
// regions, dots: "N.Y." is "NY") and turns other punctuation into single
// spaces.
func cleanText(s string, dropDots bool) string {
	s = strings.ToUpper(foldDiacritics(s))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case r == '\'' || r == '’' || dropDots && r == '.':
		default:
			space = true
		}
	}
	return b.String()
}

// cleanPostal keeps the letters and digits of a postcode; spaces and
// hyphens are formatting, put back by formatPostal where the post office
// prints them.
func cleanPostal(s string) (string, string) {
	s = strings.ToUpper(foldDiacritics(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '\t':
		default:
			return "", "contains " + quoteShort(string(r))
		}
	}
	if b.Len() > 0 && !hasDigit(b.String()) {
		return "", quoteShort(s) + " has no digits"
	}
	if b.Len() > 12 {
		return "", "is longer than any country's postcode"
	}
	return b.String(), ""
}

// formatPostal writes a cleaned postcode the way the country's post office
// does: US ZIP+4 becomes the five-digit ZIP (the +4 is a delivery route,
// and most people leave it out), a four-digit US ZIP gets back the leading
// zero spreadsheets strip ("2134" is "02134"), UK and Canadian codes get
// their space before the last three characters.
func formatPostal(country, p string) string {
	switch country {
	case "US":
		if isDigits(p) {
			switch len(p) {
			case 9:
				return p[:5]
			case 4:
				return "0" + p
			}
		}
	case "GB", "CA", "IM", "JE", "GG":
		if len(p) >= 5 && len(p) <= 7 && isOutwardCode(p[:len(p)-3]) && isInwardCode(p[len(p)-3:]) {
			return p[:len(p)-3] + " " + p[len(p)-3:]
		}
	}
	return p
}

func isZIP(p string) bool { return isDigits(p) && (len(p) == 5 || len(p) == 9 || len(p) == 4) }

// unitWords are USPS Publication 28 secondary unit designators (Appendix
// C2) that name a dwelling or office within a building, plus the UK "flat".
// They all become "UNIT": whether the landlord says "Apt" or "Suite", the
// number picks out one home.
var unitWords = map[string]bool{
	"APT": true, "APARTMENT": true, "UNIT": true, "STE": true, "SUITE": true, "FLAT": true,
	"RM": true, "ROOM": true, "#": true,
}

// line2Words start fields that belong to the street lines even though they
// end in a number ("Floor 3", "Bldg 7").
var line2Words = map[string]bool{
	"FL": true, "FLOOR": true, "BLDG": true, "BUILDING": true, "PO": true, "BOX": true, "DEPT": true,
}

func startsWithUnit(f string) bool {
	t := strings.TrimSpace(f)
	if strings.HasPrefix(t, "#") {
		return true
	}
	w, _, _ := strings.Cut(cleanText(t, true), " ")
	return unitWords[w]
}

func startsWithLine2Word(f string) bool {
	w, _, _ := strings.Cut(cleanText(f, true), " ")
	return line2Words[w]
}

func startsWithDigit(f string) bool {
	t := strings.TrimSpace(f)
	return t != "" && t[0] >= '0' && t[0] <= '9'
}

// streetTokens splits street lines into standard tokens and pulls out unit
// numbers, so "Apt 5" on line 2 and "#5" at the end of line 1 agree.
func streetTokens(s string) (street, units []string) {
	toks := tokenize(s)
	toks = standardize(toks)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t != "UNIT" && t != "#" {
			street = append(street, t)
			continue
		}
		j := i + 1
		if j < len(toks) && toks[j] == "#" {
			j++
		}
		if j < len(toks) && isUnitID(toks[j]) {
			id := toks[j]
			// "5 B" and "5-B" are written "5B"; "B 5" is "B5".
			if j+1 < len(toks) {
				next := toks[j+1]
				if isDigits(id) && len(next) == 1 && isLetterByte(next[0]) || len(id) == 1 && isLetterByte(id[0]) && isDigits(next) {
					id += next
					j++
				}
			}
			units = append(units, id)
			i = j
			continue
		}
		if t == "UNIT" {
			street = append(street, t)
		}
		// A "#" with nothing after it says nothing.
	}
	return street, units
}

// isUnitID accepts "5", "5B", "B", "12-3": something with a digit, or a
// single letter. "UNIT RD" is a street name, not unit "RD".
func isUnitID(t string) bool {
	if t == "UNIT" || t == "#" {
		return false
	}
	return hasDigit(t) || len(t) == 1 && isLetterByte(t[0])
}

// tokenize upper-cases, folds diacritics and splits on punctuation. It
// keeps "#" as a token, deletes apostrophes ("O'Connor" is "OCONNOR"), and
// keeps a hyphen or slash between digits ("123-45", "1/2") because there
// it is part of the number.
func tokenize(s string) []string {
	s = strings.ToUpper(foldDiacritics(s))
	var toks []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur.WriteRune(r)
		case r == '\'' || r == '’':
		case (r == '-' || r == '/') && i > 0 && i+1 < len(rs) && isASCIIDigit(rs[i-1]) && isASCIIDigit(rs[i+1]) && cur.Len() > 0:
			cur.WriteRune(r)
		case r == '#':
			flush()
			toks = append(toks, "#")
		default:
			flush()
		}
	}
	flush()
	return toks
}

// standardize maps words to their Publication 28 abbreviations. Every
// spelling maps to the abbreviation and the abbreviation to itself, so the
// mapping is applied to every word, not only the last: "Avenue of the
// Americas" and "Ave of the Americas" meet as well.
func standardize(toks []string) []string {
	out := toks[:0]
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1]
		}
		// Two-word forms first: "NORTH EAST", "TWENTY FIRST", "P O BOX".
		if d, ok := directionals[t+next]; ok && len(t) > 1 && len(next) > 1 && (t == "NORTH" || t == "SOUTH") {
			out = append(out, d)
			i++
			continue
		}
		if tens, ok := tensWords[t]; ok {
			if n, ok := ordinalWords[next]; ok && n < 10 {
				out = append(out, ordinal(tens+n))
				i++
				continue
			}
		}
		if t == "P" && next == "O" || t == "POST" && next == "OFFICE" {
			if i+2 < len(toks) && toks[i+2] == "BOX" {
				out = append(out, "PO", "BOX")
				i += 2
				continue
			}
		}
		switch {
		case t == "#":
			out = append(out, t)
		case unitWords[t]:
			out = append(out, "UNIT")
		case directionals[t] != "":
			out = append(out, directionals[t])
		case streetSuffixes[t] != "":
			out = append(out, streetSuffixes[t])
		case ordinalWords[t] != 0:
			out = append(out, ordinal(ordinalWords[t]))
		case strings.HasSuffix(t, "STRASSE") && len(t) > 7:
			// German compounds: "Hauptstraße" and "Hauptstr." are one street.
			out = append(out, t[:len(t)-4])
		case t == "SAINT":
			out = append(out, "ST")
		case t == "FLOOR":
			out = append(out, "FL")
		case t == "BUILDING":
			out = append(out, "BLDG")
		default:
			out = append(out, t)
		}
	}
	return out
}

// directionals are the USPS directional abbreviations (Pub 28 Appendix B),
// keyed also by their two-word spellings written together.
var directionals = map[string]string{
	"NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
	"NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}

// streetSuffixes maps USPS Publication 28 Appendix C1 street suffixes, and
// the common variants it lists, to the Postal Service standard
// abbreviation. "STR" (German and Dutch) is added for Street.
var streetSuffixes = func() map[string]string {
	m := map[string]string{}
	for abbr, words := range map[string]string{
		"ALY": "ALLEY ALLEE ALLY", "ANX": "ANNEX ANEX ANNX", "ARC": "ARCADE", "AVE": "AVENUE AV AVEN AVENU AVN AVNUE",
		"BYU": "BAYOU BAYOO", "BCH": "BEACH", "BND": "BEND", "BLF": "BLUFF BLUF", "BTM": "BOTTOM BOT BOTTM",
		"BLVD": "BOULEVARD BOUL BOULV", "BR": "BRANCH BRNCH", "BRG": "BRIDGE BRDGE", "BRK": "BROOK",
		"BYP": "BYPASS BYPA BYPAS BYPS", "CP": "CAMP CMP", "CYN": "CANYON CANYN CNYN", "CPE": "CAPE",
		"CSWY": "CAUSEWAY CAUSWA", "CTR": "CENTER CEN CENT CENTR CENTRE CNTER CNTR", "CIR": "CIRCLE CIRC CIRCL CRCL CRCLE",
		"CLF": "CLIFF", "CLB": "CLUB", "CMN": "COMMON", "COR": "CORNER", "CRSE": "COURSE", "CT": "COURT CRT",
		"CV": "COVE", "CRK": "CREEK", "CRES": "CRESCENT CRSENT CRSNT", "XING": "CROSSING CRSSNG", "DL": "DALE",
		"DM": "DAM", "DV": "DIVIDE DIV DVD", "DR": "DRIVE DRIV DRV", "EST": "ESTATE", "ESTS": "ESTATES",
		"EXPY": "EXPRESSWAY EXP EXPR EXPRESS EXPW", "EXT": "EXTENSION EXTN EXTNSN", "FLS": "FALLS",
		"FRY": "FERRY FRRY", "FLD": "FIELD", "FLDS": "FIELDS", "FRST": "FOREST FORESTS", "FRG": "FORGE FORG",
		"FRK": "FORK", "FT": "FORT FRT", "FWY": "FREEWAY FREEWY FRWAY FRWY", "GDN": "GARDEN GARDN GRDEN GRDN",
		"GDNS": "GARDENS", "GTWY": "GATEWAY GATEWY GATWAY GTWAY", "GLN": "GLEN", "GRN": "GREEN", "GRV": "GROVE GROV",
		"HBR": "HARBOR HARB HARBR HRBOR", "HVN": "HAVEN", "HTS": "HEIGHTS HT", "HWY": "HIGHWAY HIGHWY HIWAY HIWY HWAY",
		"HL": "HILL", "HLS": "HILLS", "HOLW": "HOLLOW HLLW HOLLOWS HOLWS", "IS": "ISLAND ISLND", "ISS": "ISLANDS ISLNDS",
		"JCT": "JUNCTION JCTION JCTN JUNCTN JUNCTON", "KY": "KEY", "KNL": "KNOLL KNOL", "LK": "LAKE", "LKS": "LAKES",
		"LNDG": "LANDING LNDNG", "LN": "LANE", "LGT": "LIGHT", "LF": "LOAF", "LCK": "LOCK", "LDG": "LODGE LDGE LODG",
		"LOOP": "LOOPS", "MNR": "MANOR", "MDWS": "MEADOWS MDW MEDOWS", "ML": "MILL", "MSN": "MISSION MISSN MSSN",
		"MTWY": "MOTORWAY", "MT": "MOUNT MNT", "MTN": "MOUNTAIN MNTAIN MNTN MOUNTIN MTIN", "NCK": "NECK",
		"ORCH": "ORCHARD ORCHRD", "OPAS": "OVERPASS", "PARK": "PRK", "PKWY": "PARKWAY PARKWY PKWAY PKY",
		"PNES": "PINES", "PL": "PLACE", "PLN": "PLAIN", "PLNS": "PLAINS", "PLZ": "PLAZA PLZA", "PT": "POINT",
		"PRT": "PORT", "PR": "PRAIRIE PRR", "RADL": "RADIAL RAD RADIEL", "RNCH": "RANCH RANCHES RNCHS",
		"RPD": "RAPID", "RPDS": "RAPIDS", "RST": "REST", "RDG": "RIDGE RDGE", "RIV": "RIVER RVR RIVR",
		"RD": "ROAD", "RDS": "ROADS", "RTE": "ROUTE", "SHL": "SHOAL", "SHR": "SHORE SHOAR", "SHRS": "SHORES",
		"SKWY": "SKYWAY", "SPG": "SPRING SPNG SPRNG", "SPGS": "SPRINGS", "SQ": "SQUARE SQR SQRE SQU",
		"STA": "STATION STATN STN", "STRM": "STREAM STREME", "ST": "STREET STRT STR", "STS": "STREETS",
		"SMT": "SUMMIT SUMIT SUMITT", "TER": "TERRACE TERR", "TRCE": "TRACE TRACES", "TRAK": "TRACK TRACKS TRK TRKS",
		"TRFY": "TRAFFICWAY", "TRL": "TRAIL TRAILS TRLS", "TUNL": "TUNNEL TUNEL TUNLS TUNNELS TUNNL",
		"TPKE": "TURNPIKE TRNPK TURNPK", "UPAS": "UNDERPASS", "UN": "UNION", "VLY": "VALLEY VALLY VLLY",
		"VIA": "VIADUCT VDCT VIADCT", "VW": "VIEW", "VLG": "VILLAGE VILL VILLAG VILLG VILLIAGE", "VL": "VILLE",
		"VIS": "VISTA VIST VST VSTA", "WL": "WELL", "WLS": "WELLS", "WAY": "WY",
	} {
		m[abbr] = abbr
		for w := range strings.FieldsSeq(words) {
			m[w] = abbr
		}
	}
	return m
}()

// ordinalWords and tensWords turn "Fifth" into "5TH" and "Twenty First"
// into "21ST", so a street written in words meets the one written in
// digits.
var ordinalWords = map[string]int{
	"FIRST": 1, "SECOND": 2, "THIRD": 3, "FOURTH": 4, "FIFTH": 5, "SIXTH": 6, "SEVENTH": 7, "EIGHTH": 8,
	"NINTH": 9, "TENTH": 10, "ELEVENTH": 11, "TWELFTH": 12, "THIRTEENTH": 13, "FOURTEENTH": 14,
	"FIFTEENTH": 15, "SIXTEENTH": 16, "SEVENTEENTH": 17, "EIGHTEENTH": 18, "NINETEENTH": 19,
	"TWENTIETH": 20, "THIRTIETH": 30, "FORTIETH": 40, "FIFTIETH": 50, "SIXTIETH": 60,
	"SEVENTIETH": 70, "EIGHTIETH": 80, "NINETIETH": 90, "HUNDREDTH": 100,
}

var tensWords = map[string]int{
	"TWENTY": 20, "THIRTY": 30, "FORTY": 40, "FIFTY": 50, "SIXTY": 60, "SEVENTY": 70, "EIGHTY": 80, "NINETY": 90,
}

func ordinal(n int) string {
	s := strconv.Itoa(n)
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return s + "TH"
	case n%10 == 1:
		return s + "ST"
	case n%10 == 2:
		return s + "ND"
	case n%10 == 3:
		return s + "RD"
	}
	return s + "TH"
}

// usStates maps US state, district and territory names (upper-case) to
// their USPS codes; the codes map to themselves.
var usStates = func() map[string]string {
	m := map[string]string{}
	for code, name := range map[string]string{
		"AL": "ALABAMA", "AK": "ALASKA", "AZ": "ARIZONA", "AR": "ARKANSAS", "CA": "CALIFORNIA", "CO": "COLORADO",
		"CT": "CONNECTICUT", "DE": "DELAWARE", "DC": "DISTRICT OF COLUMBIA", "FL": "FLORIDA", "GA": "GEORGIA",
		"HI": "HAWAII", "ID": "IDAHO", "IL": "ILLINOIS", "IN": "INDIANA", "IA": "IOWA", "KS": "KANSAS",
		"KY": "KENTUCKY", "LA": "LOUISIANA", "ME": "MAINE", "MD": "MARYLAND", "MA": "MASSACHUSETTS",
		"MI": "MICHIGAN", "MN": "MINNESOTA", "MS": "MISSISSIPPI", "MO": "MISSOURI", "MT": "MONTANA",
		"NE": "NEBRASKA", "NV": "NEVADA", "NH": "NEW HAMPSHIRE", "NJ": "NEW JERSEY", "NM": "NEW MEXICO",
		"NY": "NEW YORK", "NC": "NORTH CAROLINA", "ND": "NORTH DAKOTA", "OH": "OHIO", "OK": "OKLAHOMA",
		"OR": "OREGON", "PA": "PENNSYLVANIA", "RI": "RHODE ISLAND", "SC": "SOUTH CAROLINA", "SD": "SOUTH DAKOTA",
		"TN": "TENNESSEE", "TX": "TEXAS", "UT": "UTAH", "VT": "VERMONT", "VA": "VIRGINIA", "WA": "WASHINGTON",
		"WV": "WEST VIRGINIA", "WI": "WISCONSIN", "WY": "WYOMING", "PR": "PUERTO RICO", "GU": "GUAM",
		"VI": "VIRGIN ISLANDS", "AS": "AMERICAN SAMOA", "MP": "NORTHERN MARIANA ISLANDS",
		"AA": "ARMED FORCES AMERICAS", "AE": "ARMED FORCES EUROPE", "AP": "ARMED FORCES PACIFIC",
	} {
		m[code] = code
		m[name] = code
	}
	return m
}()

func usStateCode(r string) string { return usStates[r] }

var caProvinces = func() map[string]string {
	m := map[string]string{}
	for code, name := range map[string]string{
		"AB": "ALBERTA", "BC": "BRITISH COLUMBIA", "MB": "MANITOBA", "NB": "NEW BRUNSWICK",
		"NL": "NEWFOUNDLAND AND LABRADOR", "NS": "NOVA SCOTIA", "NT": "NORTHWEST TERRITORIES", "NU": "NUNAVUT",
		"ON": "ONTARIO", "PE": "PRINCE EDWARD ISLAND", "QC": "QUEBEC", "SK": "SASKATCHEWAN", "YT": "YUKON",
	} {
		m[code] = code
		m[name] = code
	}
	return m
}()

func caProvinceCode(r string) string { return caProvinces[r] }

func hasLetter(toks []string) bool {
	for _, t := range toks {
		for _, r := range t {
			if unicode.IsLetter(r) {
				return true
			}
		}
	}
	return false
}

// hasDigit looks for ASCII digits only: postcodes are written with them
// everywhere, and a field of other digits is safer read as a place name.
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }
func isLetterByte(c byte) bool { return c >= 'A' && c <= 'Z' }
