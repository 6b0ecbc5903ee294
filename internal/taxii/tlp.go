package taxii

import "slices"

// TLP levels as Object.TLP holds them, from least to most restrictive.
const (
	TLPClear       = "clear"
	TLPGreen       = "green"
	TLPAmber       = "amber"
	TLPAmberStrict = "amber+strict"
	TLPRed         = "red"
)

// The TLP 1.0 marking definitions STIX 2.1 predefines (STIX 2.1 section
// 7.2.1.4). TLP:WHITE is TLP 2.0's TLP:CLEAR.
const (
	MarkingTLPWhite = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
	MarkingTLPGreen = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	MarkingTLPAmber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	MarkingTLPRed   = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
)

// The TLP 2.0 marking definitions of the OASIS TLP 2.0 extension
// (cti-stix-common-objects, extension-definition-specifications/tlp-2.0).
const (
	MarkingTLP2Clear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	MarkingTLP2Green       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	MarkingTLP2Amber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	MarkingTLP2AmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	MarkingTLP2Red         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
	// TLP2Extension is the extension definition the TLP 2.0 marking
	// definition objects declare.
	TLP2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
)

var markingTLP = map[string]string{
	MarkingTLPWhite:        TLPClear,
	MarkingTLPGreen:        TLPGreen,
	MarkingTLPAmber:        TLPAmber,
	MarkingTLPRed:          TLPRed,
	MarkingTLP2Clear:       TLPClear,
	MarkingTLP2Green:       TLPGreen,
	MarkingTLP2Amber:       TLPAmber,
	MarkingTLP2AmberStrict: TLPAmberStrict,
	MarkingTLP2Red:         TLPRed,
}

var tlpRank = map[string]int{TLPClear: 1, TLPGreen: 2, TLPAmber: 3, TLPAmberStrict: 4, TLPRed: 5}

// TLPOfMarkings returns the strictest TLP level among marking-definition
// ids, or "" when none of them is a TLP marking.
func TLPOfMarkings(refs ...string) string {
	level := ""
	for _, ref := range refs {
		if l, ok := markingTLP[ref]; ok && tlpRank[l] > tlpRank[level] {
			level = l
		}
	}
	return level
}

// Visibility is Visible in the form a query can use: an object is visible
// when its TLP is one of Levels ("" stands for unmarked objects, listed
// when the collection's default is visible), or when Writer is not empty
// and wrote it. A SQL backend reads it as
//
//	WHERE (tlp = ANY($levels) OR ($writer <> '' AND writer = $writer))
//
// The zero Visibility sees nothing.
type Visibility struct {
	Levels []string
	Writer string
}

// VisibilityFor returns what p may see of a collection whose rights and
// default TLP are c's (as Backend.Collection returns it for p):
//
//   - nothing without the read right;
//   - TLP:CLEAR and TLP:GREEN when it may read;
//   - TLP:AMBER and AMBER+STRICT too when p is a member, never a guest;
//   - TLP:RED only what p itself wrote, and everything p wrote;
//   - unmarked objects as the collection's DefaultTLP says (CLEAR when
//     empty); an unknown level is treated as TLP:RED.
func VisibilityFor(p Principal, c Collection) Visibility {
	if !c.CanRead {
		return Visibility{}
	}
	levels := []string{TLPClear, TLPGreen}
	if p.Member != "" && !p.Guest {
		levels = append(levels, TLPAmber, TLPAmberStrict)
	}
	def := c.DefaultTLP
	if def == "" {
		def = TLPClear
	}
	if slices.Contains(levels, def) {
		levels = append(levels, "")
	}
	return Visibility{Levels: levels, Writer: p.Member}
}

// Sees reports whether an object written by writer with TLP tlp is visible.
func (v Visibility) Sees(writer, tlp string) bool {
	return slices.Contains(v.Levels, tlp) || v.Writer != "" && writer == v.Writer
}

// Visible reports whether p may be served an object that writer added
// with TLP tlp ("" when unmarked) to collection c. It is the one TLP
// decision of the package; see VisibilityFor for the rules.
func Visible(p Principal, writer, tlp string, c Collection) bool {
	return VisibilityFor(p, c).Sees(writer, tlp)
}
