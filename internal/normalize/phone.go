package normalize

import (
	"errors"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// lineTypes names libphonenumber's number types in the words of the
// subject-record contract.
var lineTypes = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.MOBILE:               "mobile",
	phonenumbers.FIXED_LINE:           "fixed_line",
	phonenumbers.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
	phonenumbers.VOIP:                 "voip",
	phonenumbers.TOLL_FREE:            "toll_free",
	phonenumbers.PREMIUM_RATE:         "premium_rate",
	phonenumbers.SHARED_COST:          "shared_cost",
	phonenumbers.PERSONAL_NUMBER:      "personal_number",
	phonenumbers.PAGER:                "pager",
	phonenumbers.UAN:                  "uan",
	phonenumbers.VOICEMAIL:            "voicemail",
}

// Phone canonicalises a telephone number to E.164 ("+12127365000") using
// libphonenumber's metadata. region is the ISO 3166 alpha-2 country assumed
// when the number has no country code; without one, the number must start
// with "+" or "00". Numbers that cannot be valid in their country's
// numbering plan are rejected with the reason (too short, too long, unknown
// area code), because a wrong E.164 would match a stranger's number. An
// extension is not part of the number; it is kept as the fact "extension".
//
// Facts: "country" (the region libphonenumber assigns, e.g. "US"; "001" for
// non-geographic numbers such as +800) and "line_type" (mobile, fixed_line,
// fixed_line_or_mobile, voip, toll_free, premium_rate, shared_cost,
// personal_number, pager, uan, voicemail).
//
// Common spellings take a fast path (phone_fast.go) that memoises the
// library's verdicts per number prefix; it gives the same results.
func Phone(s, region string) (Value, error) {
	return phone(s, region, true)
}

// phone is Phone, with the fast path for common inputs or without it; the
// two give the same results, which the tests check.
func phone(s, region string, fast bool) (Value, error) {
	if err := checkInput(KindPhone, s); err != nil {
		return Value{}, err
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return Value{}, invalid(KindPhone, s, "empty")
	}
	reg, err := phoneRegion(region)
	if err != nil {
		return Value{}, invalid(KindPhone, s, "%s", err)
	}
	if fast {
		if v, err := phoneFast(s, t, reg); err != errNotFast {
			return v, err
		}
	}
	if reg == "" {
		// Without a default region only an explicit international prefix
		// says which country the digits belong to; "00" is the ITU
		// recommended prefix and the one most of the world dials.
		lead := strings.TrimLeft(t, " (\t")
		switch {
		case strings.HasPrefix(lead, "+") || strings.HasPrefix(lead, "＋"):
		case strings.HasPrefix(lead, "00"):
			t = "+" + lead[2:]
		case len(lead) > 4 && strings.EqualFold(lead[:4], "tel:") && strings.HasPrefix(lead[4:], "+"):
		default:
			return Value{}, invalid(KindPhone, s, "no country code and no default region")
		}
	}
	num := &phonenumbers.PhoneNumber{}
	err = phonenumbers.ParseToNumber(t, reg, num)
	// GetNumberType finds the number's region and matches its patterns;
	// a number is valid exactly when it matches one type, so this one call
	// does the work of IsValidNumber and GetNumberType together.
	typ := phonenumbers.UNKNOWN
	if err == nil {
		typ = phonenumbers.GetNumberType(num)
	}
	if typ == phonenumbers.UNKNOWN && reg != "" {
		// "00" is the international prefix of most of the world but not of
		// the default region (the US dials 011): a European writing
		// "0044 20 7031 3000" still means +44. Tried only after the
		// region's own reading fails, because in Australia "0011" is the
		// prefix and "00" alone would misread it.
		if lead := strings.TrimLeft(t, " (\t"); strings.HasPrefix(lead, "00") {
			alt := &phonenumbers.PhoneNumber{}
			if phonenumbers.ParseToNumber("+"+lead[2:], reg, alt) == nil {
				if at := phonenumbers.GetNumberType(alt); at != phonenumbers.UNKNOWN {
					num, typ, err = alt, at, nil
				}
			}
		}
	}
	if err != nil {
		return Value{}, invalid(KindPhone, s, "%s", parseReason(err))
	}
	if typ == phonenumbers.UNKNOWN {
		return Value{}, invalid(KindPhone, s, "%s", invalidReason(num))
	}
	v := Value{
		Kind:      KindPhone,
		Canonical: "+" + strconv.Itoa(int(num.GetCountryCode())) + phonenumbers.GetNationalSignificantNumber(num),
		Facts: map[string]string{
			"country":   phonenumbers.GetRegionCodeForNumber(num),
			"line_type": lineTypes[typ],
		},
	}
	if ext := num.GetExtension(); ext != "" {
		v.Facts["extension"] = ext
	}
	return v, nil
}

// phoneRegion upper-cases a default region and checks that libphonenumber
// knows it; country names and "UK" are accepted through Country.
func phoneRegion(region string) (string, error) {
	r := strings.ToUpper(strings.TrimSpace(region))
	if r == "" {
		return "", nil
	}
	if len(r) == 2 && phonenumbers.GetCountryCodeForRegion(r) != 0 {
		return r, nil
	}
	if c, ok := Country(r); ok && phonenumbers.GetCountryCodeForRegion(c) != 0 {
		return c, nil
	}
	return "", errors.New("default region " + quoteShort(region) + " is not a country with a telephone numbering plan")
}

func parseReason(err error) string {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return "unknown country calling code"
	case errors.Is(err, phonenumbers.ErrNotANumber):
		return "not a phone number"
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return "too short to be a phone number"
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return "too long to be a phone number"
	}
	return err.Error()
}

// invalidReason explains why a parsed number is not valid, in the terms of
// its country's numbering plan.
func invalidReason(num *phonenumbers.PhoneNumber) string {
	cc := int(num.GetCountryCode())
	where := phonenumbers.GetRegionCodeForCountryCode(cc)
	if where == "ZZ" || where == "" {
		return "unknown country calling code +" + strconv.Itoa(cc)
	}
	if where == "001" {
		where = "+" + strconv.Itoa(cc)
	}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.TOO_SHORT:
		return "too short for " + where
	case phonenumbers.TOO_LONG:
		return "too long for " + where
	case phonenumbers.INVALID_LENGTH:
		return "wrong number of digits for " + where
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "a local number without its area code in " + where
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "unknown country calling code +" + strconv.Itoa(cc)
	}
	return "not a number in the numbering plan of " + where + " (unassigned area code or prefix)"
}
