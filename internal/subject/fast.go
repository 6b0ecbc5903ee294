package subject

import (
	"bytes"
	"encoding/json"
)

// The fast path decodes a line in one pass into typed fields. It refuses
// anything unusual — an unknown field, a wrong type — and the caller then
// takes the slow path, which keeps unknown fields and names the field at
// fault. Most lines of an export are ordinary, so most take this path.

type strList []string

func (s *strList) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = strList{v}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(s))
}

type fastAddress Address

func (a *fastAddress) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &a.Text)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode((*Address)(a))
}

type fastDocument IDDocument

func (d *fastDocument) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		doc, fe := parseDocument("", s)
		if fe != nil {
			return errFastPath
		}
		*d = fastDocument(doc)
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode((*IDDocument)(d))
}

var errFastPath = &json.UnsupportedValueError{Str: "take the slow path"}

type fastRecord struct {
	ID           *string        `json:"id"`
	Kind         *string        `json:"kind"`
	Name         *string        `json:"name"`
	Aliases      strList        `json:"aliases"`
	BirthDate    *string        `json:"birth_date"`
	Nationality  *string        `json:"nationality"`
	Emails       strList        `json:"emails"`
	Phones       strList        `json:"phones"`
	Addresses    []fastAddress  `json:"addresses"`
	IDDocuments  []fastDocument `json:"id_documents"`
	BankAccounts strList        `json:"bank_accounts"`
	Wallets      strList        `json:"wallets"`
	IPs          strList        `json:"ips"`
	Devices      strList        `json:"devices"`
	URLs         strList        `json:"urls"`
	ResumeText   *string        `json:"resume_text"`
	CreatedAt    *string        `json:"created_at"`
}

// decodeFast returns ok=false when the slow path must decide.
func decodeFast(line []byte) (Record, bool) {
	if t := bytes.TrimLeft(line, " \t"); len(t) == 0 || t[0] != '{' {
		return Record{}, false
	}
	var f fastRecord
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil || len(bytes.Trim(line[dec.InputOffset():], " \t\r\n")) != 0 {
		return Record{}, false
	}
	// encoding/json matches keys without regard to case; the contract's
	// keys are lower-case, so "ID" or "Name" must go the slow way and be
	// kept as unknown fields rather than silently accepted.
	if bytes.ContainsFunc(line, isUpperKeyByte) && hasNonLowerKey(line) {
		return Record{}, false
	}
	rec := Record{
		ID: deref(f.ID), Kind: deref(f.Kind), Name: deref(f.Name), Aliases: f.Aliases,
		BirthDate: deref(f.BirthDate), Nationality: deref(f.Nationality), Emails: f.Emails, Phones: f.Phones,
		BankAccounts: f.BankAccounts, Wallets: f.Wallets, IPs: f.IPs, Devices: f.Devices, URLs: f.URLs,
		ResumeText: deref(f.ResumeText), CreatedAt: deref(f.CreatedAt),
	}
	for _, a := range f.Addresses {
		rec.Addresses = append(rec.Addresses, Address(a))
	}
	for _, d := range f.IDDocuments {
		rec.IDDocuments = append(rec.IDDocuments, IDDocument(d))
	}
	return rec, true
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func isUpperKeyByte(r rune) bool { return r >= 'A' && r <= 'Z' }

// hasNonLowerKey reports whether any object key in line has an upper-case
// letter. It scans keys only: a key is a string followed by a colon.
func hasNonLowerKey(line []byte) bool {
	for i := 0; i < len(line); i++ {
		if line[i] != '"' {
			continue
		}
		j := i + 1
		upper := false
		for ; j < len(line) && line[j] != '"'; j++ {
			if line[j] == '\\' {
				j++
				continue
			}
			if line[j] >= 'A' && line[j] <= 'Z' {
				upper = true
			}
		}
		k := j + 1
		for k < len(line) && (line[k] == ' ' || line[k] == '\t') {
			k++
		}
		if upper && k < len(line) && line[k] == ':' {
			return true
		}
		i = j
	}
	return false
}
