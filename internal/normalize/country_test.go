package normalize

import "testing"

func TestCountry(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" means not a country
	}{
		{"US", "US"}, {"us", "US"}, {"USA", "US"}, {"United States", "US"}, {"united states of america", "US"},
		{"KP", "KP"}, {"PRK", "KP"}, {"North Korea", "KP"}, {"Korea, North", "KP"}, {"DPRK", "KP"},
		{"Democratic People's Republic of Korea", "KP"}, {"Korea, Democratic People's Republic of", "KP"},
		{"KR", "KR"}, {"South Korea", "KR"}, {"Republic of Korea", "KR"},
		{"France", "FR"}, {"United Kingdom", "GB"}, {"UK", "GB"}, {"GB", "GB"}, {"Great Britain", "GB"},
		{"Germany", "DE"}, {"DEU", "DE"}, {"China", "CN"}, {"Russia", "RU"}, {"Russian Federation", "RU"},
		{"Viet Nam", "VN"}, {"Côte d'Ivoire", "CI"}, {"Myanmar", "MM"}, {"Burma", "MM"},
		{"  ua ", "UA"}, {"Ukraine", "UA"},
		{"Bosnia and Herzegovina", "BA"}, {"Trinidad and Tobago", "TT"}, {"Saint Kitts and Nevis", "KN"},
		{"Antigua and Barbuda", "AG"}, {"The Gambia", "GM"}, {"United Republic of Tanzania", "TZ"},
		{"United Kingdom of Great Britain and Northern Ireland", "GB"}, {"State of Palestine", "PS"},
		{"The Netherlands", "NL"}, {"Netherlands", "NL"}, {"the", ""},
		{"XX", ""}, {"FX", ""}, {"BU", ""}, {"EU", ""}, {"Atlantis", ""}, {"", ""}, {"U", ""},
		{"ZZZ", ""}, {"Korea", ""},
	}
	for _, tt := range tests {
		got, ok := Country(tt.in)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("Country(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// TestCountryAnswersAreCodesOfTheirOwn: whatever Country answers, asked
// again, it answers itself, so a canonical address or phone re-reads to
// the same country (deprecated codes such as FX or UK never come out).
func TestCountryAnswersAreCodesOfTheirOwn(t *testing.T) {
	for name, code := range countryTable().names {
		if again, ok := Country(code); !ok || again != code {
			t.Errorf("Country(%q) = %q, but Country(%q) = %q, %v", name, code, code, again, ok)
		}
	}
}
