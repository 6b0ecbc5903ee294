package normalize

import (
	"strings"
)

// BankAccount canonicalises a bank account written as an IBAN or as a US
// ABA routing number and account number.
//
// An IBAN may carry spaces, dashes, lower case and an "IBAN" label; its
// country must be in the SWIFT IBAN registry, its length must be that
// country's, and its ISO 7064 mod-97 check digits must verify. The
// canonical form is the compact upper-case IBAN ("GB82WEST12345698765432")
// with facts country and scheme=iban.
//
// A US account is "routing:account", "routing/account" or "routing
// account", optionally prefixed "us:". The routing number must pass the ABA
// checksum and lie in a Federal Reserve range; the account is 4–17 digits
// with leading zeros kept. The canonical form is "us:021000021:123456789"
// with facts country=US, scheme=aba and routing.
//
// The checks catch mistyped numbers; they cannot tell whether an account
// exists.
func BankAccount(s string) (Value, error) {
	if err := checkInput(KindBankAccount, s); err != nil {
		return Value{}, err
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return Value{}, invalid(KindBankAccount, s, "empty")
	}
	if rest, ok := cutPrefixFoldASCII(t, "us:"); ok {
		return usAccount(s, rest)
	}
	if rest, ok := cutPrefixFoldASCII(t, "aba:"); ok {
		return usAccount(s, rest)
	}
	if rest, ok := cutPrefixFoldASCII(t, "iban"); ok {
		return parseIBAN(s, strings.TrimPrefix(strings.TrimSpace(rest), ":"))
	}
	if c := t[0]; c >= '0' && c <= '9' {
		return usAccount(s, t)
	}
	return parseIBAN(s, t)
}

const bankForms = "expected an IBAN (e.g. GB82 WEST 1234 5698 7654 32) or a US routing and account number (021000021:123456789)"

func cutPrefixFoldASCII(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// ibanLengths is the SWIFT IBAN registry: each country that issues IBANs
// and the length of its IBANs (registry release 99, 2025). Countries that
// use IBANs without registering them (Iran, Algeria, …) are not here, so
// their numbers are refused rather than guessed at.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
	"DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
	"GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
	"LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
	"MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
	"PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
	"SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
	"YE": 30,
}

func parseIBAN(s, t string) (Value, error) {
	var b strings.Builder
	b.Grow(len(t))
	for _, r := range t {
		switch {
		case r == ' ' || r == '-' || r == '\t' || r == '\u00a0':
			// printed IBANs group characters in fours
		case r >= '0' && r <= '9' || r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		default:
			return Value{}, invalid(KindBankAccount, s, "character %q is not used in IBANs (letters and digits only); %s", r, bankForms)
		}
	}
	n := b.String()
	if len(n) < 4 || n[0] < 'A' || n[0] > 'Z' || n[1] < 'A' || n[1] > 'Z' {
		return Value{}, invalid(KindBankAccount, s, "%s", bankForms)
	}
	if n[2] < '0' || n[2] > '9' || n[3] < '0' || n[3] > '9' {
		return Value{}, invalid(KindBankAccount, s, "not an IBAN (a country code, two check digits, then the account); %s", bankForms)
	}
	cc := n[:2]
	want, ok := ibanLengths[cc]
	if !ok {
		if _, known := Country(cc); known {
			return Value{}, invalid(KindBankAccount, s, "country %s does not issue IBANs (it is not in the SWIFT IBAN registry)", cc)
		}
		return Value{}, invalid(KindBankAccount, s, "an IBAN starts with a country code; %q is none; %s", cc, bankForms)
	}
	if len(n) != want {
		return Value{}, invalid(KindBankAccount, s, "a %s IBAN has %d characters; this has %d", cc, want, len(n))
	}
	if cd := n[2:4]; cd == "00" || cd == "01" || cd == "99" {
		return Value{}, invalid(KindBankAccount, s, "IBAN check digits %s are never issued", cd)
	}
	if ibanMod97(n) != 1 {
		return Value{}, invalid(KindBankAccount, s, "IBAN check digits do not match (ISO 7064 mod-97): a character is mistyped or two are swapped")
	}
	return Value{Kind: KindBankAccount, Canonical: n, Facts: map[string]string{"country": cc, "scheme": "iban"}}, nil
}

// ibanMod97 computes ISO 7064 MOD 97-10 over the IBAN with its first four
// characters moved to the end and letters read as 10–35, one digit at a
// time, so no number ever exceeds 96*100+35.
func ibanMod97(n string) int {
	r := 0
	add := func(c byte) {
		if c >= 'A' && c <= 'Z' {
			r = (r*100 + int(c-'A') + 10) % 97
			return
		}
		r = (r*10 + int(c-'0')) % 97
	}
	for i := 4; i < len(n); i++ {
		add(n[i])
	}
	for i := 0; i < 4; i++ {
		add(n[i])
	}
	return r
}

// usAccount parses "routing:account", "routing/account" or "routing
// account" (the "us:" prefix already removed).
func usAccount(s, t string) (Value, error) {
	t = strings.TrimSpace(t)
	routing, account, ok := "", "", false
	if i := strings.IndexAny(t, ":/"); i >= 0 {
		routing, account, ok = t[:i], t[i+1:], true
	} else if i := strings.IndexAny(t, " \t"); i >= 0 {
		routing, account, ok = t[:i], t[i+1:], true
	}
	if !ok {
		return Value{}, invalid(KindBankAccount, s, "a US account needs both the routing number and the account number, separated by ':'; %s", bankForms)
	}
	routing, rok := stripDigits(routing)
	if !rok || len(routing) != 9 {
		return Value{}, invalid(KindBankAccount, s, "an ABA routing number is 9 digits; %s", bankForms)
	}
	if reason := abaProblem(routing); reason != "" {
		return Value{}, invalid(KindBankAccount, s, "%s", reason)
	}
	account, aok := stripDigits(account)
	switch {
	case !aok:
		return Value{}, invalid(KindBankAccount, s, "a US account number is digits only (spaces and dashes are ignored)")
	case len(account) < 4 || len(account) > 17:
		return Value{}, invalid(KindBankAccount, s, "a US account number has 4–17 digits; this has %d", len(account))
	case strings.Trim(account, "0") == "":
		return Value{}, invalid(KindBankAccount, s, "an account number of all zeros is a placeholder, not an account")
	}
	return Value{
		Kind:      KindBankAccount,
		Canonical: "us:" + routing + ":" + account,
		Facts:     map[string]string{"country": "US", "scheme": "aba", "routing": routing},
	}, nil
}

// digitsOnly removes spaces and dashes and reports whether only digits
// remain.
func stripDigits(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '\t':
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// abaProblem says what is wrong with a 9-digit routing number, or "".
func abaProblem(r string) string {
	prefix := int(r[0]-'0')*10 + int(r[1]-'0')
	switch {
	case r == "000000000":
		return "routing number 000000000 is a placeholder"
	case prefix <= 12, prefix >= 21 && prefix <= 32, prefix >= 61 && prefix <= 72, prefix == 80:
	default:
		return "ABA routing numbers start 00–12, 21–32, 61–72 or 80 (a Federal Reserve district); " + r[:2] + " is none of these"
	}
	d := func(i int) int { return int(r[i] - '0') }
	if (3*(d(0)+d(3)+d(6))+7*(d(1)+d(4)+d(7))+d(2)+d(5)+d(8))%10 != 0 {
		return "ABA routing number checksum does not match: a digit is mistyped"
	}
	return ""
}
