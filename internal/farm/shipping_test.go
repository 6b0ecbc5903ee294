package farm

import (
	"strings"
	"testing"

	"github.com/ringfence/ringfence/internal/risk"
)

func TestShipMismatch(t *testing.T) {
	people := []Person{
		person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "Austin", "TX", "L1"),
		person("P2", "Ben Cho", "ben@x.example", "9 Pine Road", "Seattle", "WA", "L2"),
		person("P3", "Cara Diaz", "cara@x.example", "12 Oak St.", "Austin", "TX", "L3"),
	}
	tests := []struct {
		name      string
		cfg       Config
		ships     func(x *fixture)
		wantLevel string
	}{
		{"home, written differently, is no mismatch", Config{}, func(x *fixture) {
			x.ship(at(0, 9), "alice@x.example", "L1", "12 OAK ST, Austin, TX 78701, US")
		}, ""},
		{"another address is medium", Config{}, func(x *fixture) {
			x.ship(at(0, 9), "alice@x.example", "L1", "70 Magnolia Lane, Nashville, TN 37201, US")
		}, risk.Medium},
		{"the housemate's home is the household's", Config{}, func(x *fixture) {
			// Cara lives at Alice's address; a laptop for Cara shipped there is home.
			x.ship(at(0, 9), "cara@x.example", "L3", "12 Oak Street, Austin, TX 78701, US")
		}, ""},
		{"an address for several people is stronger", Config{}, func(x *fixture) {
			x.ship(at(0, 9), "alice@x.example", "L1", "70 Magnolia Lane, Nashville, TN 37201, US")
			x.ship(at(0, 9), "ben@x.example", "L2", "70 Magnolia Ln, Nashville, TN 37201, US")
		}, risk.Medium},
		{"the caller's address key decides", Config{AddressKey: func(string) string { return "same" }}, func(x *fixture) {
			x.ship(at(0, 9), "alice@x.example", "L1", "70 Magnolia Lane, Nashville, TN 37201, US")
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x fixture
			tt.ships(&x)
			fs := ofKind(analyse(t, tt.cfg, people, x.events), KindShipMismatch)
			if got := maxLevel(fs); tt.wantLevel == "" && len(fs) != 0 || tt.wantLevel != "" && got != tt.wantLevel {
				t.Errorf("got %s, want %q", summary(fs), tt.wantLevel)
			}
			for _, f := range fs {
				if !strings.Contains(f.Explanation, "Magnolia") || len(f.Evidence) != 1 {
					t.Errorf("explanation or evidence missing: %+v", f)
				}
			}
		})
	}
}

func TestNeverEnrolled(t *testing.T) {
	people := []Person{person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "Austin", "TX", "L1", "L2")}
	tests := []struct {
		name       string
		events     func(x *fixture)
		wantPoints int // 0 for no finding
	}{
		{"shipped and used is nothing", func(x *fixture) {
			x.ship(at(0, 9), "alice@x.example", "L1", "12 Oak Street, Austin, TX 78701, US")
			x.daily(3, 20, "alice@x.example", "L1", "73.1.1.1", austin)
		}, 0},
		{"shipped, never seen, another laptop in use", func(x *fixture) {
			x.ship(at(0, 9), "alice@x.example", "L1", "12 Oak Street, Austin, TX 78701, US")
			x.daily(3, 20, "alice@x.example", "L2", "73.1.1.1", austin)
		}, 45},
		{"shipped and never seen at all", func(x *fixture) {
			x.ship(at(0, 9), "alice@x.example", "L1", "12 Oak Street, Austin, TX 78701, US")
			x.daily(3, 20, "bob@x.example", "B1", "73.1.1.2", austin)
		}, 35},
		{"a shipment long before the window still counts", func(x *fixture) {
			x.ship(at(-120, 9), "alice@x.example", "L1", "12 Oak Street, Austin, TX 78701, US")
			x.daily(0, 20, "alice@x.example", "L2", "73.1.1.1", austin)
		}, 45},
		{"shipped last week may be in transit", func(x *fixture) {
			x.daily(0, 20, "alice@x.example", "L2", "73.1.1.1", austin)
			x.ship(at(16, 9), "alice@x.example", "L1", "12 Oak Street, Austin, TX 78701, US")
		}, 0},
		{"a serial written in lower case is the same laptop", func(x *fixture) {
			x.ship(at(0, 9), "alice@x.example", "l1", "12 Oak Street, Austin, TX 78701, US")
			x.daily(3, 20, "alice@x.example", "L1", "73.1.1.1", austin)
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x fixture
			tt.events(&x)
			fs := ofKind(analyse(t, Config{}, people, x.events), KindNeverEnrolled)
			switch {
			case tt.wantPoints == 0 && len(fs) != 0:
				t.Errorf("got %s, want none", summary(fs))
			case tt.wantPoints != 0 && (len(fs) != 1 || fs[0].Points != tt.wantPoints):
				t.Errorf("got %s, want one with %d points", summary(fs), tt.wantPoints)
			}
		})
	}
}

func TestDefaultAddressKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"12 Oak Street, Austin, TX 78701, US", "12 oak st., AUSTIN, tx, us"},
		{"70 Magnolia Lane, Nashville", "70  Magnolia  Ln , Nashville, TN 37201"},
	}
	for _, tt := range tests {
		if ka, kb := defaultAddressKey(tt.a), defaultAddressKey(tt.b); ka != kb {
			t.Errorf("%q → %q, %q → %q: want equal", tt.a, ka, tt.b, kb)
		}
	}
	if defaultAddressKey("12 Oak Street, Austin") == defaultAddressKey("12 Oak Street, Dallas") {
		t.Errorf("one street in two cities is one key")
	}
}
