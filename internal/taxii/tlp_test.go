package taxii

import (
	"testing"
)

func TestTLPOfMarkings(t *testing.T) {
	tests := []struct {
		name string
		refs []string
		want string
	}{
		{"no markings leave the object unmarked", nil, ""},
		{"an unknown marking is no TLP", []string{"marking-definition--2a3b0b4c-6d7e-4f80-9a1b-2c3d4e5f6a7b"}, ""},
		{"TLP 1.0 white is clear", []string{MarkingTLPWhite}, TLPClear},
		{"TLP 2.0 clear is clear", []string{MarkingTLP2Clear}, TLPClear},
		{"TLP 1.0 green", []string{MarkingTLPGreen}, TLPGreen},
		{"TLP 2.0 amber+strict", []string{MarkingTLP2AmberStrict}, TLPAmberStrict},
		{"TLP 1.0 red", []string{MarkingTLPRed}, TLPRed},
		{"the strictest of green and red is red", []string{MarkingTLP2Green, MarkingTLP2Red}, TLPRed},
		{"the strictest of 1.0 amber and 2.0 clear is amber", []string{MarkingTLP2Clear, MarkingTLPAmber}, TLPAmber},
		{"amber+strict is stricter than amber", []string{MarkingTLPAmber, MarkingTLP2AmberStrict, MarkingTLP2Amber}, TLPAmberStrict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TLPOfMarkings(tt.refs...); got != tt.want {
				t.Errorf("TLPOfMarkings(%v) = %q, want %q", tt.refs, got, tt.want)
			}
		})
	}
}

func TestVisible(t *testing.T) {
	a := Principal{Member: "org-a"}
	b := Principal{Member: "org-b"}
	g := Principal{Member: "gov", Guest: true}
	anon := Principal{}
	open := Collection{ID: "c", CanRead: true}
	writeOnly := Collection{ID: "c", CanWrite: true}
	amberDefault := Collection{ID: "c", CanRead: true, DefaultTLP: TLPAmber}
	typo := Collection{ID: "c", CanRead: true, DefaultTLP: "amber-ish"}
	tests := []struct {
		name   string
		p      Principal
		writer string
		tlp    string
		c      Collection
		want   bool
	}{
		{"red is served to its writer", a, "org-a", TLPRed, open, true},
		{"red is not served to another member", b, "org-a", TLPRed, open, false},
		{"red is not served to a guest", g, "org-a", TLPRed, open, false},
		{"red is not served to someone without a member id", anon, "", TLPRed, open, false},
		{"amber is served to a member", b, "org-a", TLPAmber, open, true},
		{"amber+strict is served to a member", b, "org-a", TLPAmberStrict, open, true},
		{"amber is not served to a guest", g, "org-a", TLPAmber, open, false},
		{"amber+strict is not served to a guest", g, "org-a", TLPAmberStrict, open, false},
		{"green is served to a guest", g, "org-a", TLPGreen, open, true},
		{"clear is served to a guest", g, "org-a", TLPClear, open, true},
		{"unmarked is clear by default", g, "org-a", "", open, true},
		{"unmarked takes an amber default", g, "org-a", "", amberDefault, false},
		{"unmarked with an amber default is served to a member", b, "org-a", "", amberDefault, true},
		{"an unknown default hides unmarked objects", b, "org-a", "", typo, false},
		{"an unknown level is treated as red", b, "org-a", "purple", open, false},
		{"an unknown level is served to its writer", a, "org-a", "purple", open, true},
		{"nothing is served without the read right", a, "org-a", TLPClear, writeOnly, false},
		{"not even its own objects without the read right", a, "org-a", TLPRed, writeOnly, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Visible(tt.p, tt.writer, tt.tlp, tt.c); got != tt.want {
				t.Errorf("Visible(%+v, %q, %q, %+v) = %v, want %v", tt.p, tt.writer, tt.tlp, tt.c, got, tt.want)
			}
		})
	}
}
