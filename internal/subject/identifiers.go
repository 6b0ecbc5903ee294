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
		add(fmt.Sprintf("aliases[%d]", i), "alias", s, v, err)
	}
	for i, s := range rec.Emails {
		v, err := normalize.Email(s)
		add(fmt.Sprintf("emails[%d]", i), "", s, v, err)
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
		add(fmt.Sprintf("phones[%d]", i), "", s, v, err)
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
		add(fmt.Sprintf("addresses[%d]", i), a.Kind, raw, v, err)
	}
	for i, d := range rec.IDDocuments {
		raw := d.Type + ":" + d.Country + ":" + d.Number
		v, err := normalize.IDDocument(raw)
		add(fmt.Sprintf("id_documents[%d]", i), d.Type, raw, v, err)
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
			add(l.field+"["+strconv.Itoa(i)+"]", "", s, v, err)
		}
	}
	return ids, problems
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
