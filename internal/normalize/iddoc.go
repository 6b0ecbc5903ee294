package normalize

import (
	"strings"
)

// IDDocument canonicalises an identity document written as
// "type:country:number", as in the subject-record contract, e.g.
// "passport:KP:745310001".
//
// The type is ssn, passport, national_id, drivers_license or tax_id; case
// and common synonyms (SSN, dl, nid, tin, …) are accepted. The country is an
// ISO alpha-2 or alpha-3 code or an English name and becomes alpha-2. For
// an SSN the country may be left out ("ssn::123-45-6789" or
// "ssn:123-45-6789") and is the United States; any other country is an
// error. The number is upper-cased without spaces, dashes, dots or slashes
// and must be 4–30 letters and digits. An SSN must be 9 digits that the
// Social Security Administration could have issued: not area 000, 666 or
// 900–999, not group 00, not serial 0000, and none of the numbers printed
// in advertising (078-05-1120, 219-09-9999, 123-45-6789), which fraudsters
// and test data reuse.
//
// The canonical form is "type:CC:NUMBER" with facts type and country.
func IDDocument(s string) (Value, error) {
	if err := checkInput(KindIDDocument, s); err != nil {
		return Value{}, err
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return Value{}, invalid(KindIDDocument, s, "empty")
	}
	parts := strings.SplitN(t, ":", 3)
	typ, ok := idTypes[idTypeKey(parts[0])]
	if !ok {
		if len(parts) == 1 {
			return Value{}, invalid(KindIDDocument, s, "%s", idForms)
		}
		return Value{}, invalid(KindIDDocument, s, "document type %q is not one of ssn, passport, national_id, drivers_license, tax_id", strings.TrimSpace(parts[0]))
	}
	var country, number string
	switch {
	case len(parts) == 3:
		country, number = strings.TrimSpace(parts[1]), parts[2]
	case len(parts) == 2 && typ == "ssn":
		number = parts[1]
	default:
		return Value{}, invalid(KindIDDocument, s, "%s", idForms)
	}
	switch {
	case country == "" && typ == "ssn":
		country = "US"
	case country == "":
		return Value{}, invalid(KindIDDocument, s, "a %s needs the country that issued it (type:country:number)", typ)
	default:
		cc, ok := Country(country)
		if !ok {
			return Value{}, invalid(KindIDDocument, s, "%q is not a country (use an ISO 3166 code such as KP or PRK, or an English name)", country)
		}
		if typ == "ssn" && cc != "US" {
			return Value{}, invalid(KindIDDocument, s, "an SSN is a United States number, but the country given is %s", cc)
		}
		country = cc
	}
	var b strings.Builder
	b.Grow(len(number))
	for _, r := range number {
		switch {
		case r == ' ' || r == '-' || r == '.' || r == '/' || r == '\t':
			// printed and typed numbers group digits differently
		case r >= '0' && r <= '9' || r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		default:
			return Value{}, invalid(KindIDDocument, s, "character %q is not used in document numbers (letters A–Z and digits only)", r)
		}
	}
	n := b.String()
	if len(n) < 4 || len(n) > 30 {
		return Value{}, invalid(KindIDDocument, s, "a document number has 4–30 letters and digits; this has %d", len(n))
	}
	if typ == "ssn" {
		if reason := ssnProblem(n); reason != "" {
			return Value{}, invalid(KindIDDocument, s, "%s", reason)
		}
	}
	return Value{
		Kind:      KindIDDocument,
		Canonical: typ + ":" + country + ":" + n,
		Facts:     map[string]string{"type": typ, "country": country},
	}, nil
}

const idForms = "expected type:country:number, e.g. passport:KP:745310001 or ssn:US:536-22-1234"

// idTypes maps folded type names and synonyms to the contract's names.
var idTypes = map[string]string{
	"ssn": "ssn", "social_security": "ssn", "social_security_number": "ssn", "socialsecurity": "ssn",
	"passport": "passport", "pp": "passport", "passport_number": "passport", "passport_no": "passport",
	"national_id": "national_id", "nationalid": "national_id", "nid": "national_id", "id_card": "national_id",
	"idcard": "national_id", "national_id_card": "national_id", "identity_card": "national_id",
	"drivers_license": "drivers_license", "driver_license": "drivers_license", "dl": "drivers_license",
	"drivers_licence": "drivers_license", "driver_licence": "drivers_license", "driving_licence": "drivers_license",
	"driving_license": "drivers_license", "driverslicense": "drivers_license",
	"tax_id": "tax_id", "taxid": "tax_id", "tin": "tax_id", "itin": "tax_id", "ein": "tax_id",
	"tax_number": "tax_id", "tax_identification_number": "tax_id",
}

// idTypeKey lower-cases a type and writes its word breaks as '_', so
// "Driver's License", "drivers-license" and "DRIVERS_LICENSE" meet.
func idTypeKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '_' || r == '.':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
		case r == '\'' || r == '’':
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}

// ssnProblem says why a compact number cannot be an issued SSN, or "".
// The rules are the SSA's: area numbers 000, 666 and 900–999, group 00 and
// serial 0000 have never been issued, even after 2011's randomisation.
func ssnProblem(n string) string {
	if len(n) != 9 || strings.Trim(n, "0123456789") != "" {
		return "an SSN is 9 digits (AAA-GG-SSSS)"
	}
	area, group, serial := n[:3], n[3:5], n[5:]
	switch {
	case area == "000":
		return "SSN area number 000 is never issued"
	case area == "666":
		return "SSN area number 666 is never issued"
	case area[0] == '9':
		return "SSN area numbers 900–999 are never issued (9xx numbers are ITINs, which are tax_id)"
	case group == "00":
		return "SSN group number 00 is never issued"
	case serial == "0000":
		return "SSN serial number 0000 is never issued"
	}
	switch n {
	case "078051120":
		return "078-05-1120 is the SSN printed on a 1938 wallet-insert sample and voided; it is not a real SSN"
	case "219099999":
		return "219-09-9999 is the SSN printed in a 1940 Social Security Board pamphlet; it is not a real SSN"
	case "123456789":
		return "123-45-6789 is the example SSN used in advertising; it is not a real SSN"
	}
	return ""
}
