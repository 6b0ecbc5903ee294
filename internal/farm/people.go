package farm

import (
	"encoding/json"
	"iter"
	"net/netip"
	"slices"
	"strings"

	"github.com/ringfence/ringfence/internal/match"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// PersonOf is the person a subject record describes, for tying telemetry
// to it: e-mails and devices as normalised, the home address (its first
// home, keyed as normalize.Address keys it, so that two people of one
// household share a Key), and its IPs. ids are the record's identifiers.
func PersonOf(rec *subject.Record, ids []subject.Identifier) Person {
	p := Person{ID: rec.ID, Name: rec.Name}
	for _, id := range ids {
		switch id.Kind {
		case normalize.KindEmail:
			p.Emails = append(p.Emails, id.Canonical)
		case normalize.KindDevice:
			p.Devices = append(p.Devices, id.Canonical)
		case normalize.KindIP:
			if a, err := netip.ParseAddr(id.Canonical); err == nil {
				p.HomeIPs = append(p.HomeIPs, a)
			}
		case normalize.KindAddress:
			if id.Role == "home" && p.Home.Key == "" {
				p.Home.Key = id.Canonical
			}
		}
	}
	// Logins are the e-mails as written too: an identity provider names
	// people by their login, which is usually the work e-mail.
	for _, e := range rec.Emails {
		if l := strings.ToLower(strings.TrimSpace(e)); !slices.Contains(p.Emails, l) {
			p.Logins = append(p.Logins, l)
		}
	}
	for _, a := range rec.Addresses {
		if a.Kind == "home" {
			p.Home.Line, p.Home.City, p.Home.Region, p.Home.Country = a.Line1, a.City, a.Region, strings.ToUpper(a.Country)
			if p.Home.Line == "" && a.Text != "" {
				p.Home.Line = a.Text
			}
			break
		}
	}
	return p
}

// StoredPerson is PersonOf a stored subject; ok is false when its record
// cannot be read back.
func StoredPerson(s store.Subject) (Person, bool) {
	rec, err := subject.DecodeStored(s.Raw)
	if err != nil {
		return Person{}, false
	}
	ids := make([]subject.Identifier, len(s.Identifiers))
	for i, id := range s.Identifiers {
		ids[i] = subject.Identifier{Attribute: id.Attribute, Role: id.Role,
			Value: normalize.Value{Kind: normalize.Kind(id.Kind), Canonical: id.Value}}
	}
	return PersonOf(&rec, ids), true
}

// AddressKey is Config.AddressKey on normalize.Address: the canonical
// form of a ship-to address, or the folded text when it does not parse.
func AddressKey(region string) func(string) string {
	return func(s string) string {
		v, err := normalize.Address(s, region)
		if err != nil {
			return strings.ToUpper(strings.Join(strings.Fields(s), " "))
		}
		return v.Canonical
	}
}

// StoreFindings turns findings into the rows screening reads: one per
// person a finding names (users tied to no stored person are left out),
// with the counts rules look at (screen.Finding) in Detail.
func StoreFindings(fs []Finding) []store.Finding {
	var out []store.Finding
	for _, f := range fs {
		detail, _ := json.Marshal(map[string]any{"people": len(f.Subjects), "devices": len(f.Devices), "days": f.Days,
			"location": f.Location, "subjects": f.Subjects, "device_ids": f.Devices, "first": f.First, "last": f.Last,
			"source": f.Source, "evidence_total": f.EvidenceTotal})
		for _, s := range f.Subjects {
			if strings.HasPrefix(s, "user:") {
				continue
			}
			out = append(out, store.Finding{Source: store.SourceFarm, ID: f.ID, SubjectID: s, Kind: f.Kind, Level: f.Level,
				Points: f.Points, Explanation: f.Explanation, Detail: detail, First: f.First, Last: f.Last})
		}
	}
	return out
}

// staffKinds are the subject kinds that hold company laptops: telemetry is
// tied to them, never to applicants, accounts or payees (an applicant
// record of an employee would otherwise split her into two people).
var staffKinds = map[string]bool{"employee": true, "contractor": true, "freelancer": true, "": true}

// StoredPeople are the staff among the stored subjects (employees,
// contractors, freelancers, and records of no kind) whose record reads
// back, for tying telemetry to them.
func StoredPeople(subjects iter.Seq2[store.Subject, error]) ([]Person, error) {
	var out []Person
	for s, err := range subjects {
		if err != nil {
			return nil, err
		}
		if !staffKinds[s.Kind] {
			continue
		}
		if p, ok := StoredPerson(s); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// IPInfoFrom is Config.IPInfo over loaded intelligence: an address in a
// listed range (a VPN's, a hosting provider's) is tagged with the
// indicator's source and labelled with its label. Answers are cached; the
// function is for one Analyzer, which calls it from one goroutine.
func IPInfoFrom(idx *match.Index) func(netip.Addr) (string, string, bool) {
	if idx == nil || idx.Stats().Indicators == 0 {
		return nil
	}
	type tag struct {
		tag, label string
		ok         bool
	}
	cache := map[netip.Addr]tag{}
	return func(a netip.Addr) (string, string, bool) {
		if t, ok := cache[a]; ok {
			return t.tag, t.label, t.ok
		}
		var t tag
		for _, h := range idx.Match(match.Query{Identifiers: []subject.Identifier{{Attribute: "ip",
			Value: normalize.Value{Kind: normalize.KindIP, Canonical: a.String()}}}}) {
			if h.Kind == "ip" {
				t = tag{tag: h.Source, label: h.Label, ok: true}
				break
			}
		}
		if len(cache) < 1<<20 {
			cache[a] = t
		}
		return t.tag, t.label, t.ok
	}
}
