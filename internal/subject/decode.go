package subject

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ringfence/ringfence/internal/normalize"
)

// Limits on one record. A record past them is an error, not truncated: a
// silently shortened resume or identifier list would change a verdict.
const (
	MaxLineBytes   = 4 << 20 // one JSON line or CSV row
	MaxValues      = 256     // entries in one multi-valued field
	MaxValueBytes  = normalize.MaxInput
	MaxResumeBytes = 1 << 20
)

// fieldError is a problem with one field; readers add the file and line.
type fieldError struct {
	field, reason string
}

func ferr(field, format string, args ...any) *fieldError {
	return &fieldError{field: field, reason: fmt.Sprintf(format, args...)}
}

// decodeJSON reads one JSON object into a record, naming the field at fault.
func decodeJSON(line []byte) (Record, *fieldError) {
	var rec Record
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return rec, ferr("", "a record must be a JSON object, got %s", ute.Value)
		}
		return rec, ferr("", "not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if fields == nil {
		return rec, ferr("", "a record must be a JSON object, got null")
	}
	for k, v := range fields {
		var fe *fieldError
		switch k {
		case "id":
			fe = jsonString(k, v, &rec.ID)
		case "kind":
			fe = jsonString(k, v, &rec.Kind)
		case "name":
			fe = jsonString(k, v, &rec.Name)
		case "aliases":
			fe = jsonStrings(k, v, &rec.Aliases)
		case "birth_date":
			fe = jsonString(k, v, &rec.BirthDate)
		case "nationality":
			fe = jsonString(k, v, &rec.Nationality)
		case "emails":
			fe = jsonStrings(k, v, &rec.Emails)
		case "phones":
			fe = jsonStrings(k, v, &rec.Phones)
		case "addresses":
			fe = jsonAddresses(k, v, &rec.Addresses)
		case "id_documents":
			fe = jsonDocuments(k, v, &rec.IDDocuments)
		case "bank_accounts":
			fe = jsonStrings(k, v, &rec.BankAccounts)
		case "wallets":
			fe = jsonStrings(k, v, &rec.Wallets)
		case "ips":
			fe = jsonStrings(k, v, &rec.IPs)
		case "devices":
			fe = jsonStrings(k, v, &rec.Devices)
		case "urls":
			fe = jsonStrings(k, v, &rec.URLs)
		case "resume_text":
			fe = jsonString(k, v, &rec.ResumeText)
		case "created_at":
			fe = jsonString(k, v, &rec.CreatedAt)
		default:
			if rec.Extra == nil {
				rec.Extra = make(map[string]json.RawMessage)
			}
			rec.Extra[k] = v
		}
		if fe != nil {
			return rec, fe
		}
	}
	return rec, nil
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

func jsonString(field string, v json.RawMessage, dst *string) *fieldError {
	if isNull(v) {
		return nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return ferr(field, "must be a string, got %s", jsonType(v))
	}
	return nil
}

// jsonStrings accepts an array of strings, or one string for a field with a
// single value, since exports write both.
func jsonStrings(field string, v json.RawMessage, dst *[]string) *fieldError {
	if isNull(v) {
		return nil
	}
	if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '"' {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return ferr(field, "must be a string or an array of strings")
		}
		*dst = []string{s}
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil {
		return ferr(field, "must be an array of strings, got %s", jsonType(v))
	}
	out := make([]string, 0, len(raw))
	for i, e := range raw {
		var s string
		if err := json.Unmarshal(e, &s); err != nil {
			return ferr(fmt.Sprintf("%s[%d]", field, i), "must be a string, got %s", jsonType(e))
		}
		out = append(out, s)
	}
	*dst = out
	return nil
}

func jsonAddresses(field string, v json.RawMessage, dst *[]Address) *fieldError {
	if isNull(v) {
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil {
		return ferr(field, "must be an array of address objects, got %s", jsonType(v))
	}
	for i, e := range raw {
		f := fmt.Sprintf("%s[%d]", field, i)
		var a Address
		if t := bytes.TrimSpace(e); len(t) > 0 && t[0] == '"' {
			if err := json.Unmarshal(t, &a.Text); err != nil {
				return ferr(f, "must be an address object or a one-line address")
			}
		} else {
			dec := json.NewDecoder(bytes.NewReader(e))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&a); err != nil {
				return ferr(f, "must be an object with kind, line1, line2, city, region, postal_code, country: %s", strings.TrimPrefix(err.Error(), "json: "))
			}
		}
		*dst = append(*dst, a)
	}
	return nil
}

func jsonDocuments(field string, v json.RawMessage, dst *[]IDDocument) *fieldError {
	if isNull(v) {
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil {
		return ferr(field, "must be an array of document objects, got %s", jsonType(v))
	}
	for i, e := range raw {
		f := fmt.Sprintf("%s[%d]", field, i)
		var d IDDocument
		if t := bytes.TrimSpace(e); len(t) > 0 && t[0] == '"' {
			var s string
			if err := json.Unmarshal(t, &s); err != nil {
				return ferr(f, "must be a document object or type:country:number")
			}
			var fe *fieldError
			if d, fe = parseDocument(f, s); fe != nil {
				return fe
			}
		} else {
			dec := json.NewDecoder(bytes.NewReader(e))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&d); err != nil {
				return ferr(f, "must be an object with type, number, country: %s", strings.TrimPrefix(err.Error(), "json: "))
			}
		}
		*dst = append(*dst, d)
	}
	return nil
}

// parseDocument reads the CSV form type:country:number.
func parseDocument(field, s string) (IDDocument, *fieldError) {
	parts := strings.SplitN(strings.TrimSpace(s), ":", 3)
	if len(parts) != 3 {
		return IDDocument{}, ferr(field, "document %q must be written type:country:number, e.g. passport:KP:745310001", s)
	}
	return IDDocument{Type: parts[0], Country: parts[1], Number: parts[2]}, nil
}

func jsonType(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// validate checks what the contract promises about a record's fields, so
// that nothing malformed reaches screening or the store.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xfffe || r == 0xffff
}

func validate(rec *Record) *fieldError {
	rec.ID = strings.TrimSpace(rec.ID)
	switch {
	case rec.ID == "":
		return ferr("id", "required and must not be empty")
	case len(rec.ID) > 256:
		return ferr("id", "longer than 256 bytes")
	case !utf8.ValidString(rec.ID) || strings.IndexFunc(rec.ID, isControl) >= 0:
		// Control characters: an id travels into CSV, GraphML and DOT,
		// and XML cannot hold most of them — two ids differing only there
		// would become one node.
		return ferr("id", "must be valid UTF-8 text on one line, without control characters")
	}
	if rec.Kind != "" && !slices.Contains(RecordKinds, rec.Kind) {
		return ferr("kind", "%q is not one of %s", rec.Kind, strings.Join(RecordKinds, ", "))
	}
	if fe := checkText("name", rec.Name, MaxValueBytes); fe != nil {
		return fe
	}
	if rec.BirthDate != "" {
		d, err := time.Parse(time.DateOnly, rec.BirthDate)
		if err != nil {
			return ferr("birth_date", "%q is not a date written YYYY-MM-DD", rec.BirthDate)
		}
		if d.Year() < 1900 {
			return ferr("birth_date", "%q is before 1900", rec.BirthDate)
		}
	}
	if rec.Nationality != "" {
		cc, ok := normalize.Country(rec.Nationality)
		if !ok {
			return ferr("nationality", "%q is not an ISO 3166 alpha-2 country code", rec.Nationality)
		}
		rec.Nationality = cc
	}
	if rec.CreatedAt != "" {
		if _, err := time.Parse(time.RFC3339, rec.CreatedAt); err != nil {
			if _, err := time.Parse(time.DateOnly, rec.CreatedAt); err != nil {
				return ferr("created_at", "%q is not an RFC 3339 time or a YYYY-MM-DD date", rec.CreatedAt)
			}
		}
	}
	if fe := checkText("resume_text", rec.ResumeText, MaxResumeBytes); fe != nil {
		return fe
	}
	for _, l := range []struct {
		field string
		vals  []string
	}{
		{"aliases", rec.Aliases}, {"emails", rec.Emails}, {"phones", rec.Phones},
		{"bank_accounts", rec.BankAccounts}, {"wallets", rec.Wallets}, {"ips", rec.IPs},
		{"devices", rec.Devices}, {"urls", rec.URLs},
	} {
		if len(l.vals) > MaxValues {
			return ferr(l.field, "%d values, more than the %d allowed", len(l.vals), MaxValues)
		}
		for i, v := range l.vals {
			if fe := checkText(fmt.Sprintf("%s[%d]", l.field, i), v, MaxValueBytes); fe != nil {
				return fe
			}
		}
	}
	if len(rec.Addresses) > MaxValues {
		return ferr("addresses", "%d values, more than the %d allowed", len(rec.Addresses), MaxValues)
	}
	for i := range rec.Addresses {
		a := &rec.Addresses[i]
		f := fmt.Sprintf("addresses[%d]", i)
		if a.Kind == "" {
			a.Kind = "home"
		}
		if !slices.Contains(AddressKinds, a.Kind) {
			return ferr(f+".kind", "%q is not one of %s", a.Kind, strings.Join(AddressKinds, ", "))
		}
		if a.Text == "" && a.Line1 == "" {
			return ferr(f+".line1", "an address needs at least line1")
		}
		for _, p := range []struct{ n, v string }{{"line1", a.Line1}, {"line2", a.Line2}, {"city", a.City},
			{"region", a.Region}, {"postal_code", a.PostalCode}, {"country", a.Country}, {"text", a.Text}} {
			if fe := checkText(f+"."+p.n, p.v, MaxValueBytes); fe != nil {
				return fe
			}
		}
	}
	if len(rec.IDDocuments) > MaxValues {
		return ferr("id_documents", "%d values, more than the %d allowed", len(rec.IDDocuments), MaxValues)
	}
	for i := range rec.IDDocuments {
		d := &rec.IDDocuments[i]
		f := fmt.Sprintf("id_documents[%d]", i)
		d.Type = strings.ToLower(strings.TrimSpace(d.Type))
		if !slices.Contains(DocumentTypes, d.Type) {
			return ferr(f+".type", "%q is not one of %s", d.Type, strings.Join(DocumentTypes, ", "))
		}
		if strings.TrimSpace(d.Number) == "" {
			return ferr(f+".number", "required")
		}
		for _, p := range []struct{ n, v string }{{"number", d.Number}, {"country", d.Country}} {
			if fe := checkText(f+"."+p.n, p.v, MaxValueBytes); fe != nil {
				return fe
			}
		}
	}
	return nil
}

func checkText(field, s string, max int) *fieldError {
	switch {
	case len(s) > max:
		return ferr(field, "longer than %d bytes", max)
	case !utf8.ValidString(s):
		return ferr(field, "not valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		return ferr(field, "contains a NUL byte")
	}
	return nil
}
