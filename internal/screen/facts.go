package screen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ringfence/ringfence/internal/graph"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/subject"
)

// subjectFacts are the record-level signals, with the evidence behind each
// so that a hit of a subject rule can say what it saw.
type subjectFacts struct {
	id, kind, nationality string
	hasBirthDate          bool
	shippingElsewhere     bool
	invalidDocuments      int
	identifiers           int
	linkedValues          int
	notes                 map[string]note
}

// note is the evidence of one subject signal.
type note struct {
	attribute, value, matched, text string
}

func subjectFactsOf(rec *subject.Record, ids []subject.Identifier, problems []subject.Problem) subjectFacts {
	f := subjectFacts{id: rec.ID, kind: rec.Kind, nationality: rec.Nationality, hasBirthDate: rec.BirthDate != "",
		identifiers: len(ids)}
	var homes []string
	for i := range ids {
		if ids[i].Kind == normalize.KindAddress && graph.IsHome(ids[i].Role) {
			homes = append(homes, ids[i].Canonical)
		}
	}
	if len(homes) > 0 {
		for i := range ids {
			id := &ids[i]
			if id.Kind != normalize.KindAddress || id.Role != "shipping" || slices.Contains(homes, id.Canonical) {
				continue
			}
			f.shippingElsewhere = true
			f.note("subject.shipping_elsewhere", note{id.Attribute, id.Canonical, homes[0],
				fmt.Sprintf("shipping address %q is not the home address %q", id.Canonical, homes[0])})
			break
		}
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Attribute, "id_documents[") {
			if f.invalidDocuments == 0 {
				f.note("subject.invalid_documents", note{p.Attribute, p.Value, p.Reason,
					fmt.Sprintf("identity document %q is invalid: %s", p.Value, p.Reason)})
			}
			f.invalidDocuments++
		}
	}
	return f
}

func (f *subjectFacts) note(signal string, n note) {
	if f.notes == nil {
		f.notes = map[string]note{}
	}
	f.notes[signal] = n
}

// evidence says what the subject signals a rule uses showed: the field,
// value and counterpart of the first that has a note, and all their notes.
// A rule over signals without notes (subject.kind, say) shows the record.
func (f *subjectFacts) evidence(uses []string) note {
	var out note
	var texts []string
	for _, u := range uses {
		n, ok := f.notes[u]
		if !ok {
			continue
		}
		if out.attribute == "" {
			out = n
		}
		texts = append(texts, n.text)
	}
	if out.attribute == "" {
		out.attribute, out.value, out.matched = "record", f.id, "the record's own fields"
	}
	out.text = strings.Join(texts, "; ")
	return out
}

// explain writes what the link is, in an analyst's words.
func (l *Link) explain() string {
	var b strings.Builder
	others := l.Holders - 1
	fmt.Fprintf(&b, "%s %q is also given by %d other %s", kindWords(l.Kind, l.Role), l.Value, others, plural(others, "subject", "subjects"))
	var parts []string
	if l.DifferentNames > 0 {
		parts = append(parts, fmt.Sprintf("%d under another name", l.DifferentNames))
	}
	if n := l.DifferentIdentities - l.DifferentNames; n > 0 {
		parts = append(parts, fmt.Sprintf("%d with the same name and another birth date", n))
	}
	if l.SamePerson > 0 {
		parts = append(parts, fmt.Sprintf("%d with the same name and birth date", l.SamePerson))
	}
	if hh := l.DifferentNames - l.Unrelated; hh > 0 {
		parts = append(parts, fmt.Sprintf("%d of another name at this record's home address", hh))
	}
	if len(parts) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(parts, ", "))
		if l.Counted < others {
			fmt.Fprintf(&b, "; counted among the first %d", l.Counted)
		}
		b.WriteString(")")
	}
	if l.InStore > 0 {
		fmt.Fprintf(&b, "; %d of them stored from earlier inputs", l.InStore)
	}
	if l.OthersLinked > 0 {
		fmt.Fprintf(&b, "; %d of them tied to further subjects by accounts, phones or devices", l.OthersLinked)
	}
	if l.Kind == string(normalize.KindAddress) && l.Role == "shipping" && !l.OwnHome {
		b.WriteString("; it is not this record's home address")
	}
	return b.String()
}

func kindWords(kind, role string) string {
	switch kind {
	case "bank_account":
		return "payout account"
	case "id_document":
		if role != "" {
			return "identity document (" + role + ")"
		}
		return "identity document"
	case "address":
		if role != "" {
			return role + " address"
		}
		return "address"
	case "email":
		return "e-mail"
	case "ip":
		return "IP address"
	case "url":
		return "profile URL"
	case "farm_site":
		return "laptop-farm site"
	}
	return kind
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (r *Resume) explain() string {
	return fmt.Sprintf("resume is a near-duplicate (estimated similarity %.2f) of the resumes of %d other %s, %d under another name outside this household",
		r.Similarity, len(r.Others), plural(len(r.Others), "subject", "subjects"), r.Unrelated)
}
