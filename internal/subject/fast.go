package subject

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The fast path decodes a record line with a scanner written for the
// record's shape, about four times faster than encoding/json's reflection.
// It gives up (ok=false) on anything unusual — a wrong type, an escape in a
// key, invalid UTF-8, an unknown field inside an address — and the caller
// then takes the slow path, which decides and names the field at fault.
// FuzzDecodeFast holds the two paths to the same answers.

type scanner struct {
	b   []byte
	i   int
	bad bool
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		s.bad = true
		return 0
	}
	return s.b[s.i]
}

func (s *scanner) expect(c byte) {
	if s.peek() != c {
		s.bad = true
		return
	}
	s.i++
}

// null consumes a JSON null if one is next.
func (s *scanner) null() bool {
	if s.peek() == 'n' && s.i+4 <= len(s.b) && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// str reads a JSON string. It refuses what encoding/json would repair
// (invalid UTF-8, lone surrogates) so that both paths agree.
func (s *scanner) str() string {
	if s.peek() != '"' {
		s.bad = true
		return ""
	}
	s.i++
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := string(s.b[start:s.i])
			s.i++
			return v
		case c == '\\':
			return s.strEscaped(start)
		case c < 0x20:
			s.bad = true
			return ""
		case c < 0x80:
			s.i++
		default:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				s.bad = true
				return ""
			}
			s.i += n
		}
	}
	s.bad = true
	return ""
}

func (s *scanner) strEscaped(start int) string {
	buf := append([]byte(nil), s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(buf)
		case c == '\\':
			if s.i+1 >= len(s.b) {
				s.bad = true
				return ""
			}
			e := s.b[s.i+1]
			s.i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := s.hex4()
				if !ok {
					return ""
				}
				if utf16.IsSurrogate(r) {
					if s.i+2 > len(s.b) || s.b[s.i] != '\\' || s.b[s.i+1] != 'u' {
						s.bad = true
						return ""
					}
					s.i += 2
					r2, ok := s.hex4()
					if !ok {
						return ""
					}
					r = utf16.DecodeRune(r, r2)
					if r == utf8.RuneError {
						s.bad = true
						return ""
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				s.bad = true
				return ""
			}
		case c < 0x20:
			s.bad = true
			return ""
		case c < 0x80:
			buf = append(buf, c)
			s.i++
		default:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				s.bad = true
				return ""
			}
			buf = append(buf, s.b[s.i:s.i+n]...)
			s.i += n
		}
	}
	s.bad = true
	return ""
}

func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		s.bad = true
		return 0, false
	}
	v, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
	if err != nil {
		s.bad = true
		return 0, false
	}
	s.i += 4
	return rune(v), true
}

// optStr reads a string or null.
func (s *scanner) optStr() string {
	if s.null() {
		return ""
	}
	return s.str()
}

// strList reads an array of strings, one string, or null.
func (s *scanner) strList() []string {
	switch s.peek() {
	case 'n':
		if !s.null() {
			s.bad = true
		}
		return nil
	case '"':
		return []string{s.str()}
	case '[':
	default:
		s.bad = true
		return nil
	}
	s.i++
	out := []string{}
	if s.peek() == ']' {
		s.i++
		return out
	}
	for !s.bad {
		out = append(out, s.str())
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return out
		default:
			s.bad = true
		}
	}
	return nil
}

// objects reads an array of objects (or strings, handed to str) or null,
// calling field for each key of each object.
func (s *scanner) objects(str func(string), obj func(), field func(key string)) {
	switch s.peek() {
	case 'n':
		if !s.null() {
			s.bad = true
		}
		return
	case '[':
		s.i++
	default:
		s.bad = true
		return
	}
	if s.peek() == ']' {
		s.i++
		return
	}
	for !s.bad {
		switch s.peek() {
		case '"':
			str(s.str())
		case '{':
			obj()
			s.object(field)
		default:
			s.bad = true
			return
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return
		default:
			s.bad = true
		}
	}
}

// object reads {"key": value, …}, calling field with s positioned at each
// value; field must consume it.
func (s *scanner) object(field func(key string)) {
	s.expect('{')
	if s.bad {
		return
	}
	if s.peek() == '}' {
		s.i++
		return
	}
	for !s.bad {
		// Keys with escapes go the slow way: rare, and the slow path
		// unescapes them with the same rules as values.
		if s.peek() != '"' {
			s.bad = true
			return
		}
		start := s.i + 1
		end := start
		for end < len(s.b) && s.b[end] != '"' && s.b[end] != '\\' && s.b[end] >= 0x20 && s.b[end] < 0x80 {
			end++
		}
		if end >= len(s.b) || s.b[end] != '"' {
			s.bad = true
			return
		}
		key := string(s.b[start:end])
		s.i = end + 1
		s.expect(':')
		if s.bad {
			return
		}
		field(key)
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return
		default:
			s.bad = true
		}
	}
}

// raw captures one JSON value as written, checking it is valid JSON.
func (s *scanner) raw() json.RawMessage {
	s.ws()
	start := s.i
	depth := 0
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch c {
		case '"':
			s.str()
			if s.bad {
				return nil
			}
			if depth == 0 {
				return s.checkRaw(start)
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				s.bad = true
				return nil
			}
			if depth == 0 {
				s.i++
				return s.checkRaw(start)
			}
		case ',', ':':
			if depth == 0 {
				return s.checkRaw(start)
			}
		case ' ', '\t', '\n', '\r':
			if depth == 0 {
				return s.checkRaw(start)
			}
		}
		s.i++
	}
	if depth != 0 {
		s.bad = true
		return nil
	}
	return s.checkRaw(start)
}

func (s *scanner) checkRaw(start int) json.RawMessage {
	v := s.b[start:s.i]
	if len(v) == 0 || !json.Valid(v) {
		s.bad = true
		return nil
	}
	return json.RawMessage(append([]byte(nil), v...))
}

// decodeFast returns ok=false when the slow path must decide.
func decodeFast(line []byte) (Record, bool) {
	s := &scanner{b: line}
	var rec Record
	s.object(func(key string) {
		switch key {
		case "id":
			rec.ID = s.optStr()
		case "kind":
			rec.Kind = s.optStr()
		case "name":
			rec.Name = s.optStr()
		case "aliases":
			rec.Aliases = s.strList()
		case "birth_date":
			rec.BirthDate = s.optStr()
		case "nationality":
			rec.Nationality = s.optStr()
		case "emails":
			rec.Emails = s.strList()
		case "phones":
			rec.Phones = s.strList()
		case "bank_accounts":
			rec.BankAccounts = s.strList()
		case "wallets":
			rec.Wallets = s.strList()
		case "ips":
			rec.IPs = s.strList()
		case "devices":
			rec.Devices = s.strList()
		case "urls":
			rec.URLs = s.strList()
		case "resume_text":
			rec.ResumeText = s.optStr()
		case "created_at":
			rec.CreatedAt = s.optStr()
		case "addresses":
			rec.Addresses = nil
			s.objects(func(text string) {
				rec.Addresses = append(rec.Addresses, Address{Text: text})
			}, func() {
				rec.Addresses = append(rec.Addresses, Address{})
			}, func(k string) {
				a := &rec.Addresses[len(rec.Addresses)-1]
				switch k {
				case "kind":
					a.Kind = s.optStr()
				case "line1":
					a.Line1 = s.optStr()
				case "line2":
					a.Line2 = s.optStr()
				case "city":
					a.City = s.optStr()
				case "region":
					a.Region = s.optStr()
				case "postal_code":
					a.PostalCode = s.optStr()
				case "country":
					a.Country = s.optStr()
				case "text":
					a.Text = s.optStr()
				default:
					s.bad = true
				}
			})
		case "id_documents":
			rec.IDDocuments = nil
			s.objects(func(text string) {
				d, fe := parseDocument("", text)
				if fe != nil {
					s.bad = true
				}
				rec.IDDocuments = append(rec.IDDocuments, d)
			}, func() {
				rec.IDDocuments = append(rec.IDDocuments, IDDocument{})
			}, func(k string) {
				d := &rec.IDDocuments[len(rec.IDDocuments)-1]
				switch k {
				case "type":
					d.Type = s.optStr()
				case "number":
					d.Number = s.optStr()
				case "country":
					d.Country = s.optStr()
				default:
					s.bad = true
				}
			})
		default:
			v := s.raw()
			if rec.Extra == nil {
				rec.Extra = make(map[string]json.RawMessage)
			}
			rec.Extra[key] = v
		}
	})
	if s.bad {
		return Record{}, false
	}
	s.ws()
	if s.i != len(s.b) {
		return Record{}, false
	}
	return rec, true
}
