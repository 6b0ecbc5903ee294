// Package subject holds the subject record — a person or account being
// screened — and streaming readers for its JSON Lines and CSV forms.
//
// The record format is a contract (DESIGN.md "Contracts"): fields are added,
// never renamed, and fields the reader does not know are kept as given.
package subject

import (
	"bytes"
	"encoding/json"
	"slices"
)

// Record is one subject as an organisation exported it.
type Record struct {
	ID           string       `json:"id"`
	Kind         string       `json:"kind,omitempty"`
	Name         string       `json:"name,omitempty"`
	Aliases      []string     `json:"aliases,omitempty"`
	BirthDate    string       `json:"birth_date,omitempty"`
	Nationality  string       `json:"nationality,omitempty"`
	Emails       []string     `json:"emails,omitempty"`
	Phones       []string     `json:"phones,omitempty"`
	Addresses    []Address    `json:"addresses,omitempty"`
	IDDocuments  []IDDocument `json:"id_documents,omitempty"`
	BankAccounts []string     `json:"bank_accounts,omitempty"`
	Wallets      []string     `json:"wallets,omitempty"`
	IPs          []string     `json:"ips,omitempty"`
	Devices      []string     `json:"devices,omitempty"`
	URLs         []string     `json:"urls,omitempty"`
	ResumeText   string       `json:"resume_text,omitempty"`
	CreatedAt    string       `json:"created_at,omitempty"`

	// Extra holds the fields this version does not know, as they were
	// written, so nothing an organisation sent is lost on the way through.
	Extra map[string]json.RawMessage `json:"-"`
	// Raw is the record exactly as read: the JSON line, or for CSV the row
	// as a JSON object of header to cell.
	Raw json.RawMessage `json:"-"`
	// Line is the line the record started on in its file, for messages.
	Line int `json:"-"`
}

// Address is a postal address of a subject.
type Address struct {
	// Kind is home, shipping, mailing or work; a shipping address that is
	// not the home address is a laptop-farm signal, so the kind matters.
	Kind       string `json:"kind,omitempty"`
	Line1      string `json:"line1,omitempty"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
	// Text is an address written on one line ("line1, city, region postal,
	// country"), as CSV cells carry it; it is parsed when normalised.
	Text string `json:"text,omitempty"`
}

// IDDocument is an identity document: a passport, an SSN, a driving licence.
type IDDocument struct {
	Type    string `json:"type"`
	Number  string `json:"number"`
	Country string `json:"country,omitempty"`
}

// Address kinds, document types and record kinds the contract allows.
var (
	AddressKinds  = []string{"home", "shipping", "mailing", "work"}
	DocumentTypes = []string{"ssn", "passport", "national_id", "drivers_license", "tax_id"}
	RecordKinds   = []string{"applicant", "employee", "contractor", "freelancer", "account", "payee"}
)

// MarshalJSON writes the known fields and then the unknown ones, so a record
// read and written again keeps every field it came with.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	known, err := json.Marshal(plain(r))
	if err != nil {
		return nil, err
	}
	if len(r.Extra) == 0 {
		return known, nil
	}
	keys := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b bytes.Buffer
	b.Write(known[:len(known)-1])
	for _, k := range keys {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(r.Extra[k])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
