package normalize

import (
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// idnaLookup is the UTS #46 lookup profile (non-transitional, STD3 rules,
// Bidi and joiner checks) that browsers and resolvers use, so "ß" and "ς"
// stay distinct letters and a look-alike that a browser would refuse is
// refused here too. CheckHyphens is off: UTS #46 forbids "--" in the third
// and fourth position of any label, which rejects real host names such as
// "r3---sn-abc.googlevideo.com"; we check leading and trailing hyphens
// ourselves, and a label that starts "xn--" is still verified as Punycode.
var idnaLookup = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.CheckJoiners(true),
	idna.CheckHyphens(false),
	idna.StrictDomainName(true),
	idna.Transitional(false),
)

// idnaDisplay turns verified A-labels back into Unicode for the "unicode"
// fact; it never decides validity.
var idnaDisplay = idna.New(idna.MapForLookup(), idna.Transitional(false))

// Domain canonicalises a DNS domain name: surrounding space and one trailing
// dot are removed, letters are lower-cased, and an internationalised name is
// written in its ASCII (Punycode) form, so "BÜCHER.de", "bücher.de." and
// "xn--bcher-kva.de" are one value. It rejects IP literals, single labels
// ("localhost"), all-numeric top-level labels, and anything that is not
// letters, digits and hyphens within DNS length limits.
//
// The key "registrable_domain" is the eTLD+1 from the Public Suffix List
// ("mail.example.co.uk" → "example.co.uk"), always present so consumers can
// rely on it; for a name that is itself a public suffix ("github.io") it is
// the name itself. The fact "unicode" holds the Unicode form of an IDN.
func Domain(s string) (Value, error) {
	if err := checkInput(KindDomain, s); err != nil {
		return Value{}, err
	}
	ascii, reason := domainASCII(s)
	if reason != "" {
		return Value{}, invalid(KindDomain, s, "%s", reason)
	}
	return domainValue(ascii), nil
}

// domainValue builds the Value of a domain already in canonical ASCII form.
func domainValue(ascii string) Value {
	v := Value{Kind: KindDomain, Canonical: ascii}
	reg, ok := registrableDomain(ascii)
	v.Keys = []Key{{Kind: "registrable_domain", Value: reg}}
	if !ok {
		v.Facts = map[string]string{"public_suffix": "true"}
	}
	if strings.Contains(ascii, "xn--") {
		if u, err := idnaDisplay.ToUnicode(ascii); err == nil && u != ascii {
			if v.Facts == nil {
				v.Facts = map[string]string{}
			}
			v.Facts["unicode"] = u
		}
	}
	return v
}

// registrableDomain returns the eTLD+1 of a canonical domain. ok is false
// when the domain is itself a public suffix; then the domain stands for
// itself, because a site such as "github.io" or "blogspot.com" is still
// something people link to.
func registrableDomain(ascii string) (string, bool) {
	reg, err := publicsuffix.EffectiveTLDPlusOne(ascii)
	if err != nil {
		return ascii, false
	}
	return reg, true
}

// domainASCII returns the canonical ASCII form of a domain name, or a reason
// it is not one. Email and URL share it so that all three agree on what a
// domain is.
func domainASCII(s string) (ascii, reason string) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(t, ".")
	if t == "" {
		return "", "empty"
	}
	if looksLikeIPLiteral(t) {
		return "", "an IP address is not a domain name"
	}
	if lower := strings.ToLower(t); isASCII(t) && !strings.Contains(lower, "xn--") {
		// The common case: plain LDH names need no IDNA mapping, only case
		// folding, and skipping the IDNA tables keeps e-mail and URL
		// screening fast.
		ascii = lower
	} else {
		a, err := idnaLookup.ToASCII(t)
		if err != nil {
			return "", "not a valid internationalised domain name (" + idnaReason(err) + ")"
		}
		ascii = strings.TrimSuffix(a, ".")
		// The IDNA mapping can turn full-width dots and letters into an IP
		// address ("１．２．３．４").
		if looksLikeIPLiteral(ascii) {
			return "", "an IP address is not a domain name"
		}
	}
	if reason := checkLDH(ascii); reason != "" {
		return "", reason
	}
	return ascii, ""
}

func looksLikeIPLiteral(t string) bool {
	if strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
		return true
	}
	_, err := netip.ParseAddr(t)
	return err == nil
}

// idnaReason shortens the idna package's error text, which repeats the input.
func idnaReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "idna:") {
		msg = msg[i+2:]
	}
	return strings.TrimPrefix(msg, "idna: ")
}

// checkLDH applies the RFC 1034/1123 host-name rules to an ASCII name.
func checkLDH(a string) string {
	if len(a) > 253 {
		return "longer than 253 characters"
	}
	labels := 0
	last := ""
	for rest := a; ; {
		label, tail, more := strings.Cut(rest, ".")
		switch {
		case label == "":
			return "empty label (two dots in a row, or a leading dot)"
		case len(label) > 63:
			return "label " + quoteShort(label) + " is longer than 63 characters"
		case label[0] == '-' || label[len(label)-1] == '-':
			return "label " + quoteShort(label) + " starts or ends with a hyphen"
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "character " + quoteShort(string(c)) + " is not allowed in a domain name (letters, digits and hyphens only)"
			}
		}
		labels++
		last = label
		if !more {
			break
		}
		rest = tail
	}
	if labels < 2 {
		return "a single label is not a public domain name"
	}
	allDigits := true
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			allDigits = false
			break
		}
	}
	if allDigits {
		return "top-level label " + quoteShort(last) + " is all digits"
	}
	return ""
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return strconv.Quote(s)
}
