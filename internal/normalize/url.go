package normalize

import (
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// trackingParams are query parameters that say how a visitor arrived, not
// what they asked for; two links to one page differ only in them. Keys are
// lower-case; utm_* is matched by prefix.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true, // Meta, Google Ads
	"msclkid": true, "yclid": true, "twclid": true, "ttclid": true, "li_fat_id": true, // Microsoft, Yandex, X, TikTok, LinkedIn ads
	"mc_cid": true, "mc_eid": true, // Mailchimp
	"igshid": true, "igsh": true, // Instagram share
	"si":  true,                                                     // YouTube and Spotify share links
	"ref": true, "ref_src": true, "ref_url": true, "referrer": true, // referral markers (X, Product Hunt, GitHub READMEs)
	"trk": true, "trkinfo": true, "originalsubdomain": true, "lipi": true, "midtoken": true, "midsig": true, // LinkedIn
	"_ga": true, "_gl": true, // Google Analytics cross-domain
	"_hsenc": true, "_hsmi": true, "hsctatracking": true, // HubSpot
	"mkt_tok": true,                // Marketo
	"spm":     true,                // Alibaba
	"s_cid":   true, "cmpid": true, // Adobe campaign ids
}

func isTrackingParam(k string) bool {
	k = strings.ToLower(k)
	return strings.HasPrefix(k, "utm_") || trackingParams[k]
}

// githubReserved are first path segments of github.com that are site pages,
// not accounts; GitHub does not let anyone register them as user names.
var githubReserved = map[string]bool{
	"about": true, "account": true, "apps": true, "blog": true, "codespaces": true, "collections": true,
	"contact": true, "copilot": true, "customer-stories": true, "dashboard": true, "enterprise": true,
	"events": true, "explore": true, "features": true, "git-guides": true, "issues": true,
	"join": true, "login": true, "logout": true, "marketplace": true, "new": true, "notifications": true,
	"organizations": true, "orgs": true, "password_reset": true, "pricing": true, "pulls": true,
	"readme": true, "search": true, "security": true, "sessions": true, "settings": true, "signup": true,
	"site": true, "sponsors": true, "stars": true, "team": true, "topics": true, "trending": true,
	"users": true, "watching": true, "resources": true, "solutions": true, "premium-support": true,
	"nonprofit": true, "education": true, "mobile": true, "status": true, "home": true,
}

// telegramReserved are t.me paths that are not public user or channel names.
var telegramReserved = map[string]bool{
	"joinchat": true, "addstickers": true, "addemoji": true, "share": true, "proxy": true,
	"socks": true, "iv": true, "login": true, "s": true, "c": true, "setlanguage": true,
	"addtheme": true, "confirmphone": true, "invoice": true, "boost": true,
}

// URL canonicalises a web address. It accepts a URL with or without a scheme
// (https assumed), or a profile handle "github:NAME", "linkedin:SLUG" or
// "telegram:NAME". Scheme and host are lower-cased, an IDN host becomes
// Punycode, default ports, fragments and tracking parameters (utm_*, fbclid,
// gclid, si, ref, trk, …) are dropped, the remaining query parameters are
// sorted, percent-encoding is normalised, and a trailing slash is removed
// except from the root path. Only http and https are accepted.
//
// Keys: "registrable_domain" of the host, and the account a profile link
// names — "github", "linkedin", "telegram" — lower-cased, because those
// sites treat handles without case. A bare "@name" is rejected: it could be
// any of them.
func URL(s string) (Value, error) {
	if err := checkInput(KindURL, s); err != nil {
		return Value{}, err
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return Value{}, invalid(KindURL, s, "empty")
	}
	if strings.HasPrefix(t, "@") {
		return Value{}, invalid(KindURL, s, "a bare @handle does not say which site it is on; write github:NAME, linkedin:SLUG or telegram:NAME, or the profile URL")
	}
	if u, reason, ok := handleURL(t); ok {
		if reason != "" {
			return Value{}, invalid(KindURL, s, "%s", reason)
		}
		t = u
	}
	for _, r := range t {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r < 0x20 || r == 0x7f {
			return Value{}, invalid(KindURL, s, "contains spaces or control characters")
		}
	}
	scheme, rest := splitScheme(t)
	switch scheme {
	case "http", "https":
	case "":
		scheme = "https"
		rest = strings.TrimPrefix(rest, "//")
	default:
		return Value{}, invalid(KindURL, s, "scheme %s: is not a web address (only http and https)", quoteShort(scheme))
	}
	// Split authority, path, query and fragment ourselves: url.Parse would
	// also accept what we must reject, and its unescaping loses the
	// difference between "/" and "%2F".
	authority := rest
	var rawPath, rawQuery string
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
		tail := rest[i:]
		if j := strings.IndexByte(tail, '#'); j >= 0 {
			tail = tail[:j]
		}
		rawPath, rawQuery, _ = strings.Cut(tail, "?")
	}
	if strings.Contains(authority, "@") {
		// "https://github.com@evil.example" is a classic disguise.
		return Value{}, invalid(KindURL, s, "contains a user name or password before the host")
	}
	host, port, reason := splitHostPort(authority)
	if reason != "" {
		return Value{}, invalid(KindURL, s, "%s", reason)
	}
	if port == defaultPort(scheme) {
		port = ""
	}

	v := Value{Kind: KindURL, Facts: map[string]string{}}
	var hostCanon string
	isIP := false
	if strings.HasPrefix(host, "[") {
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return Value{}, invalid(KindURL, s, "host %s is not an IPv6 address", quoteShort(host))
		}
		if a.Is4In6() {
			hostCanon = a.Unmap().String()
		} else {
			hostCanon = "[" + a.String() + "]"
		}
		isIP = true
	} else if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
		hostCanon = a.String()
		isIP = true
	} else {
		h, err := hostUnescape(host)
		if err != "" {
			return Value{}, invalid(KindURL, s, "host: %s", err)
		}
		ascii, reason := domainASCII(h)
		if reason != "" {
			return Value{}, invalid(KindURL, s, "host: %s", reason)
		}
		hostCanon = ascii
		reg, _ := registrableDomain(ascii)
		v.Keys = append(v.Keys, Key{Kind: "registrable_domain", Value: reg})
	}
	if isIP {
		v.Facts["ip"] = "true"
	}

	p := canonicalPath(rawPath)
	q := canonicalQuery(rawQuery)

	if !isIP {
		if site, handle, profilePath := profileHandle(hostCanon, p); site != "" {
			v.Keys = append(v.Keys, Key{Kind: site, Value: handle})
			v.Facts["site"] = site
			if profilePath != "" {
				// The profile page itself: the site ignores case in the
				// handle, so the canonical URL does too.
				p = profilePath
				v.Facts["profile"] = "true"
			}
		}
	}

	var b strings.Builder
	b.Grow(len(scheme) + 3 + len(hostCanon) + len(p) + len(q) + 8)
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(hostCanon)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	b.WriteString(p)
	if q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	v.Canonical = b.String()
	if len(v.Facts) == 0 {
		v.Facts = nil
	}
	return v, nil
}

// handleURL turns "github:name", "linkedin:slug" and "telegram:name" into
// profile URLs. ok reports whether t was a handle form at all; reason is set
// when it was one but the name is not valid on that site.
func handleURL(t string) (u, reason string, ok bool) {
	site, name, found := strings.Cut(t, ":")
	if !found {
		return "", "", false
	}
	site = strings.ToLower(site)
	switch site {
	case "github", "gh":
		if !validGitHubUser(name) || githubReserved[strings.ToLower(name)] {
			return "", "not a GitHub user name (letters, digits and single hyphens, at most 39)", true
		}
		return "https://github.com/" + name, "", true
	case "linkedin":
		if name == "" || strings.ContainsAny(name, "/?#@ ") {
			return "", "not a LinkedIn profile slug", true
		}
		return "https://www.linkedin.com/in/" + name, "", true
	case "telegram", "tg":
		name = strings.TrimPrefix(name, "@")
		if !validTelegramName(name) {
			return "", "not a Telegram user name (5 to 32 letters, digits or underscores)", true
		}
		return "https://t.me/" + name, "", true
	}
	return "", "", false
}

// splitScheme returns the lower-cased scheme of t and what follows "//" (or
// ":" for schemes without an authority). A "host:port" prefix is not a
// scheme: a scheme is followed by something other than a port number.
func splitScheme(t string) (scheme, rest string) {
	i := strings.IndexByte(t, ':')
	if i <= 0 {
		return "", t
	}
	cand := t[:i]
	for j := 0; j < len(cand); j++ {
		c := cand[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", t
		}
	}
	after := t[i+1:]
	if !strings.HasPrefix(after, "//") {
		// "example.com:8080/x" has a port, not a scheme.
		k := 0
		for k < len(after) && after[k] >= '0' && after[k] <= '9' {
			k++
		}
		if k > 0 && (k == len(after) || strings.ContainsRune("/?#", rune(after[k]))) {
			return "", t
		}
	}
	scheme = strings.ToLower(cand)
	if scheme == "http" || scheme == "https" {
		if !strings.HasPrefix(after, "//") {
			return scheme, after // "https:example.com" is a common typo
		}
		return scheme, after[2:]
	}
	return scheme, after
}

// splitHostPort separates host and port of an authority and canonicalises
// the port as a decimal number without leading zeros.
func splitHostPort(a string) (host, port, reason string) {
	if a == "" {
		return "", "", "no host"
	}
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", "", "unterminated [ in host"
		}
		host, port = a[:end+1], a[end+1:]
		if port != "" && port[0] != ':' {
			return "", "", "unexpected text after ] in host"
		}
		port = strings.TrimPrefix(port, ":")
	} else if i := strings.LastIndexByte(a, ':'); i >= 0 {
		host, port = a[:i], a[i+1:]
	} else {
		host = a
	}
	if port != "" || strings.HasSuffix(a, ":") {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '+' || port[0] == '-' {
			return "", "", "port " + quoteShort(port) + " is not a number from 1 to 65535"
		}
		port = strconv.Itoa(n)
	}
	if host == "" {
		return "", "", "no host"
	}
	return host, port, ""
}

func defaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}

// hostUnescape decodes percent-escapes in a host name (RFC 3986 allows
// them in reg-name); IDNA then decides whether the result is a domain.
func hostUnescape(h string) (string, string) {
	if !strings.Contains(h, "%") {
		return h, ""
	}
	u, err := url.PathUnescape(h)
	if err != nil || !utf8.ValidString(u) {
		return "", "bad percent-encoding"
	}
	return u, ""
}

// canonicalPath removes dot segments and a trailing slash and normalises
// percent-encoding; the empty path becomes "/". Duplicate slashes collapse:
// servers route "//a" and "/a" alike far more often than not.
func canonicalPath(raw string) string {
	if raw == "" || raw == "/" {
		return "/"
	}
	p := path.Clean("/" + normalizeEscapes(raw, pathChars))
	return p
}

// canonicalQuery drops tracking and empty parameters and sorts the rest, so
// the order a link builder chose does not matter.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, kv := range parts {
		if kv == "" {
			continue
		}
		k, _, _ := strings.Cut(kv, "=")
		if dk, err := url.QueryUnescape(k); err == nil && isTrackingParam(dk) {
			continue
		}
		kept = append(kept, normalizeEscapes(kv, queryChars))
	}
	slices.Sort(kept)
	return strings.Join(kept, "&")
}

// Character classes of RFC 3986 that may appear unescaped.
const (
	unreservedChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
	pathChars       = unreservedChars + "!$&'()*+,;=:@/"
	queryChars      = unreservedChars + "!$&'()*+,;=:@/?"
)

// normalizeEscapes writes the RFC 3986 normal form of a component (6.2.2):
// escapes of unreserved characters are decoded, other escapes use upper-case
// hex, and bytes not allowed in the component are escaped. A "%" not
// followed by two hex digits is escaped as "%25", so the result is always
// well-formed and a second pass changes nothing.
func normalizeEscapes(s, allowed string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if strings.IndexByte(unreservedChars, d) >= 0 {
				b.WriteByte(d)
			} else {
				b.WriteByte('%')
				b.WriteByte(upperHex[d>>4])
				b.WriteByte(upperHex[d&15])
			}
			i += 2
		case c != '%' && strings.IndexByte(allowed, c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		}
	}
	return b.String()
}

const upperHex = "0123456789ABCDEF"

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// profileHandle recognises a profile link and returns the site, the handle
// key and, when the path is the profile page itself, its canonical path.
func profileHandle(host, p string) (site, handle, profilePath string) {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	first := segs[0]
	switch {
	case host == "github.com" || host == "www.github.com" || host == "gist.github.com":
		name, err := url.PathUnescape(first)
		if err != nil || !validGitHubUser(name) || githubReserved[strings.ToLower(name)] {
			return "", "", ""
		}
		h := strings.ToLower(name)
		if len(segs) == 1 {
			profilePath = "/" + h
		}
		return "github", h, profilePath
	case strings.HasSuffix(host, ".github.io") && strings.Count(host, ".") == 2:
		// GitHub Pages: USER.github.io belongs to USER.
		name := strings.TrimSuffix(host, ".github.io")
		if validGitHubUser(name) {
			return "github", name, ""
		}
	case host == "linkedin.com" || strings.HasSuffix(host, ".linkedin.com"):
		if len(segs) >= 2 && (segs[0] == "in" || segs[0] == "pub") && segs[1] != "" {
			slug, err := url.PathUnescape(segs[1])
			if err != nil || slug == "" {
				return "", "", ""
			}
			h := strings.ToLower(slug)
			if segs[0] == "in" && len(segs) == 2 {
				profilePath = "/in/" + normalizeEscapes(url.PathEscape(h), pathChars)
			}
			return "linkedin", h, profilePath
		}
	case host == "t.me" || host == "telegram.me" || host == "telegram.dog" || host == "www.t.me":
		if validTelegramName(first) && !telegramReserved[strings.ToLower(first)] {
			h := strings.ToLower(first)
			if len(segs) == 1 {
				profilePath = "/" + h
			}
			return "telegram", h, profilePath
		}
	}
	return "", "", ""
}

// validGitHubUser follows GitHub's sign-up rule: 1 to 39 letters, digits
// or hyphens, not starting or ending with a hyphen, no double hyphen.
func validGitHubUser(n string) bool {
	if n == "" || len(n) > 39 || n[0] == '-' || n[len(n)-1] == '-' || strings.Contains(n, "--") {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validTelegramName follows Telegram's rule for public names: 5 to 32
// letters, digits and underscores, starting with a letter.
func validTelegramName(n string) bool {
	if len(n) < 5 || len(n) > 32 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '_')) {
			return false
		}
	}
	return true
}
