package subject

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ringfence/ringfence/internal/normalize"
)

// Identifier is one normalised identifier of a record, with the field it
// came from so evidence can say "phones[1] matched".
type Identifier struct {
	// Attribute is the record field, e.g. "emails[0]" or "addresses[1]".
	Attribute string `json:"attribute"`
	// Role qualifies the identifier where the field does: the address kind
	// (home, shipping, …) or the document type.
	Role string `json:"role,omitempty"`
	normalize.Value
}

// Problem is a value that is not a valid identifier of its kind. The record
// is still usable; the value is not matched, and a person may want to know
// (an impossible SSN is itself worth a look).
type Problem struct {
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
	Reason    string `json:"reason"`
}

func (p Problem) Error() string {
	return fmt.Sprintf("field %s: %s", p.Attribute, p.Reason)
}

// Identifiers normalises every identifier of rec. Phones without a country
// code are read in o.Region, or else in the country of the record's first
// address that names one: an applicant's own address says more about how
// they write their number than the screening organisation's country does.
func Identifiers(rec *Record, o normalize.Options) ([]Identifier, []Problem) {
	n := 1 + len(rec.Aliases) + len(rec.Emails) + len(rec.Phones) + len(rec.Addresses) +
		len(rec.IDDocuments) + len(rec.BankAccounts) + len(rec.Wallets) + len(rec.IPs) +
		len(rec.Devices) + len(rec.URLs)
	ids := make([]Identifier, 0, n)
	var problems []Problem
	add := func(attr, role, raw string, v normalize.Value, err error) {
		if err != nil {
			reason := err.Error()
			if ne, ok := err.(*normalize.Error); ok {
				reason = ne.Reason
			}
			problems = append(problems, Problem{Attribute: attr, Value: raw, Reason: reason})
			return
		}
		ids = append(ids, Identifier{Attribute: attr, Role: role, Value: v})
	}
	if strings.TrimSpace(rec.Name) != "" {
		v, err := normalize.Name(rec.Name)
		add("name", "", rec.Name, v, err)
	}
	for i, s := range rec.Aliases {
		v, err := normalize.Name(s)
		add(attribute("aliases", i), "alias", s, v, err)
	}
	for i, s := range rec.Emails {
		v, err := normalize.Email(s)
		add(attribute("emails", i), "", s, v, err)
	}
	region := o.Region
	for _, a := range rec.Addresses {
		if region != "" {
			break
		}
		if cc, ok := normalize.Country(a.Country); ok {
			region = cc
		}
	}
	for i, s := range rec.Phones {
		v, err := normalize.Phone(s, region)
		add(attribute("phones", i), "", s, v, err)
	}
	for i, a := range rec.Addresses {
		var v normalize.Value
		var err error
		raw := a.Text
		if a.Text != "" {
			v, err = normalize.Address(a.Text, o.Region)
		} else {
			raw = strings.Join(nonEmpty(a.Line1, a.Line2, a.City, strings.TrimSpace(a.Region+" "+a.PostalCode), a.Country), ", ")
			v, err = normalize.AddressOf(normalize.AddressParts{Line1: a.Line1, Line2: a.Line2, City: a.City,
				Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}, o.Region)
		}
		add(attribute("addresses", i), a.Kind, raw, v, err)
	}
	for i, d := range rec.IDDocuments {
		raw := d.Type + ":" + d.Country + ":" + d.Number
		v, err := normalize.IDDocument(raw)
		add(attribute("id_documents", i), d.Type, raw, v, err)
	}
	for _, l := range []struct {
		field string
		vals  []string
		norm  func(string) (normalize.Value, error)
	}{
		{"bank_accounts", rec.BankAccounts, normalize.BankAccount},
		{"wallets", rec.Wallets, normalize.Wallet},
		{"ips", rec.IPs, normalize.IP},
		{"devices", rec.Devices, normalize.Device},
		{"urls", rec.URLs, normalize.URL},
	} {
		for i, s := range l.vals {
			v, err := l.norm(s)
			add(attribute(l.field, i), "", s, v, err)
		}
	}
	return ids, problems
}

// attribute names the i-th value of a record field, "emails[0]". The
// first few of each field are constants: every record names them, and a
// million records would otherwise format a few million small strings.
func attribute(field string, i int) string {
	if i < 4 {
		switch field {
		case "aliases":
			return [...]string{"aliases[0]", "aliases[1]", "aliases[2]", "aliases[3]"}[i]
		case "emails":
			return [...]string{"emails[0]", "emails[1]", "emails[2]", "emails[3]"}[i]
		case "phones":
			return [...]string{"phones[0]", "phones[1]", "phones[2]", "phones[3]"}[i]
		case "addresses":
			return [...]string{"addresses[0]", "addresses[1]", "addresses[2]", "addresses[3]"}[i]
		case "id_documents":
			return [...]string{"id_documents[0]", "id_documents[1]", "id_documents[2]", "id_documents[3]"}[i]
		case "bank_accounts":
			return [...]string{"bank_accounts[0]", "bank_accounts[1]", "bank_accounts[2]", "bank_accounts[3]"}[i]
		case "wallets":
			return [...]string{"wallets[0]", "wallets[1]", "wallets[2]", "wallets[3]"}[i]
		case "ips":
			return [...]string{"ips[0]", "ips[1]", "ips[2]", "ips[3]"}[i]
		case "devices":
			return [...]string{"devices[0]", "devices[1]", "devices[2]", "devices[3]"}[i]
		case "urls":
			return [...]string{"urls[0]", "urls[1]", "urls[2]", "urls[3]"}[i]
		}
	}
	return field + "[" + strconv.Itoa(i) + "]"
}

func nonEmpty(ss ...string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
