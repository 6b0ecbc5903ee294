package normalize

import (
	"strings"
)

// mailProvider says how a mailbox provider treats the local part, so that
// the addresses that reach one mailbox have one canonical spelling.
type mailProvider struct {
	name string
	// domain replaces the written domain when the provider serves one
	// namespace under several domains (googlemail.com is gmail.com).
	domain string
	// ignoreDots: the provider delivers "j.doe" and "jdoe" to one mailbox.
	ignoreDots bool
	// plusTags: the provider delivers "jdoe+anything" to "jdoe" (RFC 5233
	// subaddressing with "+" as the separator).
	plusTags bool
}

// mailProviders lists free-mail providers by domain. A rule is here only
// when the provider documents it; a wrong rule merges two people's
// mailboxes, a missing one merely leaves two spellings apart. Providers
// without a rule are still listed so the free_mail fact is set.
var mailProviders = map[string]mailProvider{
	// Google: "Dots don't matter in Gmail addresses" and "+anything" is
	// delivered to the account (Gmail Help, "Dots don't matter" and "Create
	// task-specific email addresses"); googlemail.com is the same namespace
	// (Gmail Help: gmail.com and googlemail.com addresses are the same).
	"gmail.com":      {name: "gmail", domain: "gmail.com", ignoreDots: true, plusTags: true},
	"googlemail.com": {name: "gmail", domain: "gmail.com", ignoreDots: true, plusTags: true},

	// Microsoft Outlook.com supports plus addressing for all its consumer
	// domains (Microsoft Support, "Plus addressing in Outlook.com"). Dots
	// are significant. The country domains are separate namespaces, so
	// they keep their own domain.
	"outlook.com":   {name: "outlook", plusTags: true},
	"hotmail.com":   {name: "outlook", plusTags: true},
	"live.com":      {name: "outlook", plusTags: true},
	"msn.com":       {name: "outlook", plusTags: true},
	"hotmail.co.uk": {name: "outlook", plusTags: true},
	"hotmail.fr":    {name: "outlook", plusTags: true},
	"hotmail.de":    {name: "outlook", plusTags: true},
	"hotmail.it":    {name: "outlook", plusTags: true},
	"hotmail.es":    {name: "outlook", plusTags: true},
	"live.co.uk":    {name: "outlook", plusTags: true},
	"live.fr":       {name: "outlook", plusTags: true},
	"outlook.fr":    {name: "outlook", plusTags: true},
	"outlook.de":    {name: "outlook", plusTags: true},

	// Apple iCloud Mail delivers "name+tag" to "name" (Apple Support,
	// "Use plus addressing with iCloud Mail"). me.com and mac.com are
	// older domains of the same service, but whether every account holds
	// all three names is not documented, so the domains stay apart.
	"icloud.com": {name: "icloud", plusTags: true},
	"me.com":     {name: "icloud", plusTags: true},
	"mac.com":    {name: "icloud", plusTags: true},

	// Proton Mail: "+" aliases reach the main address (Proton Support,
	// "How to use plus addressing"). pm.me is a premium short domain;
	// kept apart for the same reason as Apple's.
	"protonmail.com": {name: "proton", plusTags: true},
	"protonmail.ch":  {name: "proton", plusTags: true},
	"proton.me":      {name: "proton", plusTags: true},
	"pm.me":          {name: "proton", plusTags: true},

	// Fastmail documents plus addressing ("Plus addressing and subdomain
	// addressing", Fastmail help).
	"fastmail.com": {name: "fastmail", plusTags: true},
	"fastmail.fm":  {name: "fastmail", plusTags: true},

	// Zoho Mail documents "Email sub-addressing" with "+".
	"zoho.com":     {name: "zoho", plusTags: true},
	"zohomail.com": {name: "zoho", plusTags: true},

	// Yandex Mail delivers "login+tag" to "login" (Yandex Help, "Email
	// address aliases").
	"yandex.ru":  {name: "yandex", plusTags: true},
	"yandex.com": {name: "yandex", plusTags: true},
	"ya.ru":      {name: "yandex", plusTags: true},

	// Yahoo's disposable addresses are "basename-keyword", but the base
	// name is chosen separately from the account name, so cutting at "-"
	// would merge strangers: no rule, free-mail fact only.
	"yahoo.com":      {name: "yahoo"},
	"yahoo.co.uk":    {name: "yahoo"},
	"yahoo.co.jp":    {name: "yahoo"},
	"ymail.com":      {name: "yahoo"},
	"rocketmail.com": {name: "yahoo"},

	// Free-mail providers without a documented subaddressing rule: GMX and
	// WEB.DE treat "+" as an ordinary character, AOL has no tags.
	"aol.com":        {name: "aol"},
	"gmx.com":        {name: "gmx"},
	"gmx.net":        {name: "gmx"},
	"gmx.de":         {name: "gmx"},
	"web.de":         {name: "web.de"},
	"mail.com":       {name: "mail.com"},
	"mail.ru":        {name: "mail.ru"},
	"tutanota.com":   {name: "tuta"},
	"tuta.io":        {name: "tuta"},
	"qq.com":         {name: "qq"},
	"163.com":        {name: "netease"},
	"126.com":        {name: "netease"},
	"naver.com":      {name: "naver"},
	"daum.net":       {name: "daum"},
	"rediffmail.com": {name: "rediff"},
}

// maxLocalPart is RFC 5321's limit on the part before the "@" (4.5.3.1.1).
const maxLocalPart = 64

// Email canonicalises an e-mail address. The address must be an RFC 5321
// dot-atom ("john.doe+jobs@example.com"); quoted local parts, comments and
// domain literals are rejected because no real applicant writes them and
// they only serve to hide an address. The whole address is lower-cased: RFC
// 5321 lets the local part be case-sensitive but no public provider treats
// it so. The domain is canonicalised like Domain (IDN to Punycode).
//
// For providers that document it, the spellings that reach one mailbox
// collapse: "John.Doe+jobs@GoogleMail.com" is "johndoe@gmail.com". Keys:
// "email_domain" (the registrable domain) and, when a provider rule changed
// the address, "email_as_written" (the lower-cased input). Facts: "provider"
// and "free_mail" for known free-mail providers.
func Email(s string) (Value, error) {
	if err := checkInput(KindEmail, s); err != nil {
		return Value{}, err
	}
	t := strings.TrimSpace(s)
	if len(t) > 7 && strings.EqualFold(t[:7], "mailto:") {
		t = strings.TrimSpace(t[7:])
	}
	if t == "" {
		return Value{}, invalid(KindEmail, s, "empty")
	}
	at := strings.LastIndexByte(t, '@')
	switch {
	case at < 0:
		return Value{}, invalid(KindEmail, s, "no @")
	case strings.HasPrefix(t, `"`):
		return Value{}, invalid(KindEmail, s, "quoted local parts are not accepted")
	case strings.Count(t, "@") > 1:
		return Value{}, invalid(KindEmail, s, "more than one @")
	}
	local, dom := t[:at], t[at+1:]
	if reason := checkLocalPart(local); reason != "" {
		return Value{}, invalid(KindEmail, s, "%s", reason)
	}
	if dom == "" {
		return Value{}, invalid(KindEmail, s, "no domain after @")
	}
	if strings.HasPrefix(dom, "[") {
		return Value{}, invalid(KindEmail, s, "address literals (user@[192.0.2.1]) are not accepted")
	}
	if strings.HasSuffix(dom, ".") {
		// A trailing dot is legal in DNS but not in an address (RFC 5321
		// 4.1.2), and accepting it would give one mailbox two spellings.
		return Value{}, invalid(KindEmail, s, "domain ends with a dot")
	}
	asciiDom, reason := domainASCII(dom)
	if reason != "" {
		return Value{}, invalid(KindEmail, s, "domain: %s", reason)
	}
	local = strings.ToLower(local)
	written := local + "@" + asciiDom

	p, known := mailProviders[asciiDom]
	if known {
		if p.plusTags {
			if i := strings.IndexByte(local, '+'); i >= 0 {
				local = local[:i]
			}
		}
		if p.ignoreDots {
			local = strings.ReplaceAll(local, ".", "")
		}
		if p.domain != "" {
			asciiDom = p.domain
		}
		if local == "" {
			return Value{}, invalid(KindEmail, s, "nothing left of the mailbox name once the %s tag is removed", p.name)
		}
		// Removing a tag can leave "a.@x" or ".a@x": still the mailbox the
		// provider delivers to, but not a dot-atom, so the canonical would
		// not re-parse. Providers do not create such names.
		if local[0] == '.' || local[len(local)-1] == '.' {
			return Value{}, invalid(KindEmail, s, "mailbox name ends with a dot once the tag is removed")
		}
	}
	canon := local + "@" + asciiDom
	reg, _ := registrableDomain(asciiDom)
	v := Value{Kind: KindEmail, Canonical: canon, Keys: []Key{{Kind: "email_domain", Value: reg}}}
	if canon != written {
		v.Keys = append(v.Keys, Key{Kind: "email_as_written", Value: written})
	}
	if known {
		v.Facts = map[string]string{"provider": p.name, "free_mail": "true"}
	}
	return v, nil
}

// checkLocalPart applies the RFC 5321 dot-atom rules (4.1.2): atext
// characters separated by single dots, at most 64 octets.
func checkLocalPart(l string) string {
	switch {
	case l == "":
		return "nothing before the @"
	case len(l) > maxLocalPart:
		return "the part before the @ is longer than 64 characters"
	case l[0] == '.':
		return "the part before the @ starts with a dot"
	case l[len(l)-1] == '.':
		return "the part before the @ ends with a dot"
	case strings.Contains(l, ".."):
		return "two dots in a row before the @"
	}
	for _, r := range l {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.':
		case strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r):
		case r == ' ' || r == '\t':
			return "contains a space"
		case r >= 0x80:
			return "non-ASCII characters before the @ (internationalised addresses are not supported)"
		default:
			return "character " + quoteShort(string(r)) + " is not allowed before the @ without quoting"
		}
	}
	return ""
}
