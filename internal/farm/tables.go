package farm

import "strings"

// remoteTool is a remote-access product and the lower-case fragments its
// program names, bundle names and paths contain.
type remoteTool struct {
	name     string
	variants []string
}

// remoteTools are the remote-access tools Mandiant (UNC5267, 2024-09-23)
// and the FBI report DPRK IT workers using to reach farm laptops, and their
// common relatives. Windows' built-in Quick Assist and RDP clients are left
// out: every Windows host has them, and a client connects out, not in.
// Fragments are matched as substrings of the lower-cased name, so each must
// be specific enough not to occur in unrelated software.
var remoteTools = []remoteTool{
	{"AnyDesk", []string{"anydesk"}},
	{"TeamViewer", []string{"teamviewer"}},
	{"Chrome Remote Desktop", []string{"chrome remote desktop", "chrome-remote-desktop", "chromoting", "remoting_host", "remoting_me2me_host"}},
	{"RustDesk", []string{"rustdesk"}},
	{"GoTo/LogMeIn", []string{"logmein", "gotoassist", "goto resolve", "gotoresolve", "gotomypc", "goto remote", "lmiguardian"}},
	{"Splashtop", []string{"splashtop", "srstreamer"}},
	{"Parsec", []string{"parsec"}},
	{"ScreenConnect", []string{"screenconnect", "connectwise control", "connectwisecontrol"}},
	{"VNC", []string{"realvnc", "vncserver", "vnc server", "tightvnc", "ultravnc", "tigervnc", "x11vnc", "winvnc"}},
	{"NoMachine", []string{"nomachine", "nxserver"}},
	{"Remote Utilities", []string{"remote utilities", "rutserv", "rfusclient"}},
	{"Ammyy Admin", []string{"ammyy"}},
	{"Supremo", []string{"supremo"}},
	{"DWService", []string{"dwagent", "dwservice"}},
	{"HopToDesk", []string{"hoptodesk"}},
	{"Zoho Assist", []string{"zoho assist", "zohoassist"}},
	{"RemotePC", []string{"remotepc"}},
	{"MeshCentral", []string{"meshagent", "meshcentral"}},
	{"Jump Desktop", []string{"jump desktop", "jumpconnect"}},
	{"Getscreen", []string{"getscreen"}},
}

// kvmNames are IP-KVM products' own names as their USB and EDID strings
// carry them by default (citations pikvm-id, tinypilot-gadget,
// jetkvm-gadget). BliKVM and NanoKVM are built on the same gadget code.
var kvmNames = []struct{ fold, label string }{
	{"pikvm", "PiKVM"},
	{"tinypilot", "TinyPilot"},
	{"jetkvm", "JetKVM"},
	{"blikvm", "BliKVM"},
	{"nanokvm", "NanoKVM"},
}

// Linux USB gadget ids: 1d6b is the Linux Foundation, 0104 its
// "Multifunction Composite Gadget", the id every IP-KVM keeps by default and
// every hobbyist dev board uses too.
const (
	gadgetVendor  = 0x1d6b
	gadgetProduct = 0x0104
)

// asOrgClass sorts an identity provider's AS organisation into the address
// kinds that matter here. Hosting providers are where commercial VPNs and
// rented servers egress (strength C in SIGNALS.md); secure web gateways
// carry many employees' traffic through a few addresses, like a corporate
// VPN, so neither is ever a farm.
func asOrgClass(org string) uint8 {
	if org == "" {
		return classUnknown
	}
	o := strings.ToLower(org)
	for _, g := range []string{"zscaler", "netskope", "palo alto", "forcepoint", "iboss", "cisco umbrella", "opendns"} {
		if strings.Contains(o, g) {
			return classGateway
		}
	}
	if strings.Contains(o, "google fiber") {
		return classUnknown
	}
	for _, h := range []string{
		"amazon", "aws", "google cloud", "google llc", "microsoft", "azure", "digitalocean", "linode", "akamai",
		"ovh", "hetzner", "oracle", "vultr", "choopa", "leaseweb", "m247", "datacamp", "contabo", "hostinger",
		"alibaba", "tencent", "scaleway", "hosting", "data center", "datacenter", "colocation", "vps",
	} {
		if strings.Contains(o, h) {
			return classHosting
		}
	}
	return classUnknown
}

// tagClass sorts an intelligence label the way docs/RULES.md does: VPN,
// proxy, anonymiser or Tor is anonymising; hosting, data centre or cloud is
// hosting.
func tagClass(tag, label string) (class uint8, astrill bool) {
	s := strings.ToLower(tag + " " + label)
	astrill = strings.Contains(s, "astrill")
	words := strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
	class = classTagged
	for i, w := range words {
		switch {
		case w == "vpn", w == "proxy", w == "tor", strings.HasPrefix(w, "anonymi"), w == "astrill":
			return classAnon, astrill
		case w == "hosting", w == "datacenter", w == "datacentre", w == "cloud", w == "vps",
			w == "data" && i+1 < len(words) && strings.HasPrefix(words[i+1], "cent"):
			class = classHosting
		}
	}
	return class, astrill
}

// usStates maps US state names and USPS codes (upper-case) to the code
// and the state's standard-time offset from UTC in hours. States split
// between zones get the zone most of their people live in; daylight saving
// is ignored — an hour does not decide between UTC-5 and UTC+8.
var usStates = func() map[string]struct {
	code   string
	offset int
} {
	type st = struct {
		code   string
		offset int
	}
	m := map[string]st{}
	for _, s := range []struct {
		code, name string
		offset     int
	}{
		{"AL", "ALABAMA", -6}, {"AK", "ALASKA", -9}, {"AZ", "ARIZONA", -7}, {"AR", "ARKANSAS", -6},
		{"CA", "CALIFORNIA", -8}, {"CO", "COLORADO", -7}, {"CT", "CONNECTICUT", -5}, {"DE", "DELAWARE", -5},
		{"DC", "DISTRICT OF COLUMBIA", -5}, {"FL", "FLORIDA", -5}, {"GA", "GEORGIA", -5}, {"HI", "HAWAII", -10},
		{"ID", "IDAHO", -7}, {"IL", "ILLINOIS", -6}, {"IN", "INDIANA", -5}, {"IA", "IOWA", -6},
		{"KS", "KANSAS", -6}, {"KY", "KENTUCKY", -5}, {"LA", "LOUISIANA", -6}, {"ME", "MAINE", -5},
		{"MD", "MARYLAND", -5}, {"MA", "MASSACHUSETTS", -5}, {"MI", "MICHIGAN", -5}, {"MN", "MINNESOTA", -6},
		{"MS", "MISSISSIPPI", -6}, {"MO", "MISSOURI", -6}, {"MT", "MONTANA", -7}, {"NE", "NEBRASKA", -6},
		{"NV", "NEVADA", -8}, {"NH", "NEW HAMPSHIRE", -5}, {"NJ", "NEW JERSEY", -5}, {"NM", "NEW MEXICO", -7},
		{"NY", "NEW YORK", -5}, {"NC", "NORTH CAROLINA", -5}, {"ND", "NORTH DAKOTA", -6}, {"OH", "OHIO", -5},
		{"OK", "OKLAHOMA", -6}, {"OR", "OREGON", -8}, {"PA", "PENNSYLVANIA", -5}, {"RI", "RHODE ISLAND", -5},
		{"SC", "SOUTH CAROLINA", -5}, {"SD", "SOUTH DAKOTA", -6}, {"TN", "TENNESSEE", -6}, {"TX", "TEXAS", -6},
		{"UT", "UTAH", -7}, {"VT", "VERMONT", -5}, {"VA", "VIRGINIA", -5}, {"WA", "WASHINGTON", -8},
		{"WV", "WEST VIRGINIA", -5}, {"WI", "WISCONSIN", -6}, {"WY", "WYOMING", -7}, {"PR", "PUERTO RICO", -4},
		{"GU", "GUAM", 10},
	} {
		m[s.code] = st{s.code, s.offset}
		m[s.name] = st{s.code, s.offset}
	}
	return m
}()

// countryOffsets are standard-time UTC offsets of countries with one main
// zone (or a dominant one), enough to place a home address for off-hours
// analysis; a country not listed is not analysed.
var countryOffsets = map[string]int{
	"US": -5, "CA": -5, "MX": -6, "BR": -3, "AR": -3, "CO": -5, "PE": -5, "CL": -4,
	"GB": 0, "IE": 0, "PT": 0, "IS": 0, "ES": 1, "FR": 1, "DE": 1, "NL": 1, "BE": 1, "IT": 1, "PL": 1,
	"SE": 1, "NO": 1, "DK": 1, "CH": 1, "AT": 1, "CZ": 1, "HU": 1, "RS": 1, "HR": 1, "NG": 1,
	"FI": 2, "EE": 2, "LV": 2, "LT": 2, "RO": 2, "BG": 2, "GR": 2, "UA": 2, "IL": 2, "EG": 2, "ZA": 2,
	"TR": 3, "RU": 3, "BY": 3, "KE": 3, "SA": 3, "AE": 4, "GE": 4, "AM": 4, "PK": 5, "UZ": 5, "IN": 5,
	"BD": 6, "KZ": 5, "VN": 7, "TH": 7, "ID": 7, "LA": 7, "KH": 7, "CN": 8, "HK": 8, "TW": 8, "SG": 8,
	"MY": 8, "PH": 8, "MN": 8, "KR": 9, "KP": 9, "JP": 9, "AU": 10, "NZ": 12,
}

// usState returns the USPS code and offset of a US state name or code.
func usState(region string) (code string, offset int, ok bool) {
	s, ok := usStates[strings.ToUpper(strings.TrimSpace(region))]
	return s.code, s.offset, ok
}

// homeOffset is the UTC offset of a home address, if known.
func homeOffset(country, region string) (int, bool) {
	country = countryCode(country)
	if country == "US" {
		if _, off, ok := usState(region); ok {
			return off, true
		}
	}
	off, ok := countryOffsets[country]
	return off, ok
}
