package telemetry

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scan reads one JSON value (a record) in place. Each importer walks the
// record with it in its own shape, reading the fields it knows and skipping
// the rest, so a record costs one pass and no reflection, and every error
// can name the field it is in: the decoder sets at to the path of the value
// it is about to read, and the first error keeps it.
//
// After an error every read returns a zero value and every loop ends, so a
// decoder checks failed once, at the end.
type scan struct {
	b []byte
	i int
	// arena holds strings that had escapes (or invalid UTF-8) in them; it
	// is reset with each record, so what str returns lives until then.
	arena []byte
	stack []byte // open brackets while skipping

	at     string // path of the value being read
	atKey  []byte // member being skipped, under at
	failed bool
	field  string // where the first error happened
	reason string
}

// maxDepth bounds nesting, so a hostile line cannot make skipping cost
// more than its length.
const maxDepth = 512

func (s *scan) reset(b []byte) {
	s.b, s.i = b, 0
	s.arena = s.arena[:0]
	s.at, s.atKey, s.failed, s.field, s.reason = "", nil, false, "", ""
}

// fail records the first error and stops the scan.
func (s *scan) fail(reason string) {
	if !s.failed {
		s.failed, s.field, s.reason = true, s.at, reason
		if s.atKey != nil {
			s.field = join(s.at, string(s.atKey))
		}
	}
	s.i = len(s.b)
}

func (s *scan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next significant byte, 0 at the end.
func (s *scan) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *scan) syntax(what string) {
	if s.failed {
		return
	}
	if s.i >= len(s.b) {
		s.fail("invalid JSON: unexpected end of input" + what)
		return
	}
	s.fail("invalid JSON: unexpected " + quoteByte(s.b[s.i]) + " at byte " + strconv.Itoa(s.i+1) + what)
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(rune(c)) + "'"
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

// kind names the value that starts with c, for type errors.
func kind(c byte) string {
	switch c {
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
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return ""
}

// wrong reports a value of the wrong type (or a syntax error when the next
// byte starts no value at all).
func (s *scan) wrong(want string) {
	if s.failed {
		return
	}
	got := kind(s.peek())
	if got == "" {
		s.syntax("")
		return
	}
	s.fail("want " + want + ", got " + got)
}

// null consumes a null if one is next.
func (s *scan) null() bool {
	if s.peek() == 'n' {
		if bytes.HasPrefix(s.b[s.i:], litNull) {
			s.i += 4
			return true
		}
		s.syntax("")
	}
	return false
}

var (
	litNull  = []byte("null")
	litTrue  = []byte("true")
	litFalse = []byte("false")

	textTrue  = []byte("1")
	textFalse = []byte("0")
)

// object starts reading an object and says whether it has a first member;
// null reads as an empty object. Use it as
//
//	for more := s.object(); more; more = s.next() { k := s.key(); … }
func (s *scan) object() bool {
	switch s.peek() {
	case '{':
		s.i++
		if s.peek() == '}' {
			s.i++
			return false
		}
		return !s.failed
	case 'n':
		s.null()
		return false
	}
	s.wrong("an object")
	return false
}

// next ends a member or element: true after a comma, false at the end of
// the object or array.
func (s *scan) next() bool {
	switch s.peek() {
	case ',':
		s.i++
		return true
	case '}', ']':
		s.i++
		return false
	}
	s.structural(" (want ',' or the end of the object or array)")
	return false
}

// structural reports a syntax error between values: it belongs to no
// field, so it names none (the message gives the byte).
func (s *scan) structural(what string) {
	s.at, s.atKey = "", nil
	s.syntax(what)
}

// key reads a member name and its colon. The bytes are valid until the
// next read.
func (s *scan) key() []byte { return s.readKey(true) }

func (s *scan) readKey(decoder bool) []byte {
	report := s.syntax
	if decoder {
		report = s.structural
	}
	if s.peek() != '"' {
		report(" (want a member name)")
		return nil
	}
	k := s.str()
	if s.peek() != ':' {
		report(" (want ':')")
		return nil
	}
	s.i++
	return k
}

// array starts reading an array and says whether it has a first element;
// null reads as an empty array.
func (s *scan) array() bool {
	switch s.peek() {
	case '[':
		s.i++
		if s.peek() == ']' {
			s.i++
			return false
		}
		return !s.failed
	case 'n':
		s.null()
		return false
	}
	s.wrong("an array")
	return false
}

// str reads a string; null reads as nil. The result aliases the record or
// the arena.
func (s *scan) str() []byte {
	switch s.peek() {
	case '"':
	case 'n':
		s.null()
		return nil
	default:
		s.wrong("a string")
		return nil
	}
	s.i++
	start := s.i
	high := false
	for s.i < len(s.b) {
		for s.i < len(s.b) && strClass[s.b[s.i]] == 0 {
			s.i++
		}
		if s.i >= len(s.b) {
			break
		}
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			if high && !utf8.Valid(v) {
				return s.keep(bytes.ToValidUTF8(v, []byte("\uFFFD")))
			}
			return v
		case c == '\\':
			return s.strEscaped(start)
		case c < 0x20:
			s.syntax(" in a string")
			return nil
		case c >= 0x80:
			high = true
		}
		s.i++
	}
	s.syntax(" in a string")
	return nil
}

// strClass marks the bytes a string scan stops at: the quote, the
// backslash, control characters and the start of multi-byte UTF-8.
var strClass = func() (t [256]byte) {
	for c := range 256 {
		if c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
			t[c] = 1
		}
	}
	return t
}()

// keep copies b into the arena.
func (s *scan) keep(b []byte) []byte {
	n := len(s.arena)
	s.arena = append(s.arena, b...)
	return s.arena[n:len(s.arena):len(s.arena)]
}

func (s *scan) strEscaped(start int) []byte {
	n := len(s.arena)
	s.arena = append(s.arena, s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			v := s.arena[n:]
			if !utf8.Valid(v) {
				fixed := bytes.ToValidUTF8(v, []byte("\uFFFD"))
				s.arena = append(s.arena[:n], fixed...)
			}
			return s.arena[n:len(s.arena):len(s.arena)]
		case c == '\\':
			if s.i+1 >= len(s.b) {
				s.i = len(s.b)
				s.syntax(" in a string")
				return nil
			}
			e := s.b[s.i+1]
			s.i += 2
			switch e {
			case '"', '\\', '/':
				s.arena = append(s.arena, e)
			case 'b':
				s.arena = append(s.arena, '\b')
			case 'f':
				s.arena = append(s.arena, '\f')
			case 'n':
				s.arena = append(s.arena, '\n')
			case 'r':
				s.arena = append(s.arena, '\r')
			case 't':
				s.arena = append(s.arena, '\t')
			case 'u':
				r, ok := s.hex4()
				if !ok {
					return nil
				}
				if utf16.IsSurrogate(r) {
					// A pair makes one rune; a lone half becomes U+FFFD, as
					// encoding/json does.
					r2 := rune(-1)
					if s.i+6 <= len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
						save := s.i
						s.i += 2
						var ok2 bool
						if r2, ok2 = s.hex4(); !ok2 {
							return nil
						}
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							r = d
						} else {
							s.i = save
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				s.arena = utf8.AppendRune(s.arena, r)
			default:
				s.i -= 1
				s.syntax(" (bad escape in a string)")
				return nil
			}
		case c < 0x20:
			s.syntax(" in a string")
			return nil
		default:
			s.arena = append(s.arena, c)
			s.i++
		}
	}
	s.syntax(" in a string")
	return nil
}

func (s *scan) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		s.i = len(s.b)
		s.syntax(" in a \\u escape")
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			s.syntax(" in a \\u escape")
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	s.i += 4
	return r, true
}

// number reads a number and returns its text; null reads as nil.
func (s *scan) number() []byte {
	switch c := s.peek(); {
	case c == '-' || (c >= '0' && c <= '9'):
		return s.numberText()
	case c == 'n':
		s.null()
		return nil
	}
	s.wrong("a number")
	return nil
}

// numberText reads a number by the JSON grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scan) numberText() []byte {
	start := s.i
	b := s.b
	i := s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		s.i = i
		s.syntax(" in a number")
		return nil
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.i = i
			s.syntax(" in a number")
			return nil
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.i = i
			s.syntax(" in a number")
			return nil
		}
	}
	s.i = i
	return b[start:i]
}

// text reads a string or a number as text (osquery writes a column as
// either, by its --logger_numerics flag); booleans read as "1" and "0",
// null as nil.
func (s *scan) text() []byte {
	switch c := s.peek(); {
	case c == '"':
		return s.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.numberText()
	case c == 't' || c == 'f':
		if s.boolean() {
			return textTrue
		}
		return textFalse
	case c == 'n':
		s.null()
		return nil
	}
	s.wrong("a string or a number")
	return nil
}

// boolean reads true or false; null reads as false.
func (s *scan) boolean() bool {
	switch s.peek() {
	case 't':
		if bytes.HasPrefix(s.b[s.i:], litTrue) {
			s.i += 4
			return true
		}
	case 'f':
		if bytes.HasPrefix(s.b[s.i:], litFalse) {
			s.i += 5
			return false
		}
	case 'n':
		s.null()
		return false
	default:
		s.wrong("a boolean")
		return false
	}
	s.syntax("")
	return false
}

// skip reads any value. It keeps its own stack of open brackets rather than
// recursing, so nesting costs no goroutine stack.
func (s *scan) skip() {
	stack := s.stack[:0]
	defer func() { s.stack = stack[:0] }()
	for {
		// A value.
		switch c := s.peek(); c {
		case '{', '[':
			s.i++
			end := byte('}')
			if c == '[' {
				end = ']'
			}
			if s.peek() == end {
				s.i++
				break
			}
			if len(stack) >= maxDepth {
				s.fail("invalid JSON: nested more than " + strconv.Itoa(maxDepth) + " deep")
				return
			}
			stack = append(stack, c)
			if c == '{' {
				s.readKey(false)
			}
			continue
		case '"':
			s.str()
		case 't', 'f':
			s.boolean()
		case 'n':
			s.null()
		case 0:
			s.syntax("")
		default:
			if c == '-' || (c >= '0' && c <= '9') {
				s.numberText()
			} else {
				s.syntax("")
			}
		}
		// After a value: close what ends here, or go on to the next member
		// or element.
		for {
			if s.failed || len(stack) == 0 {
				return
			}
			top := stack[len(stack)-1]
			c := s.peek()
			if c == ',' {
				s.i++
				if top == '{' {
					s.readKey(false)
				}
				break
			}
			if (top == '{' && c == '}') || (top == '[' && c == ']') {
				s.i++
				stack = stack[:len(stack)-1]
				continue
			}
			s.syntax(" (want ',' or the end of the object or array)")
			return
		}
	}
}

// skipMember skips the value of a member the decoder does not read;
// an error in it names the member under parent.
func (s *scan) skipMember(parent string, k []byte) {
	s.at, s.atKey = parent, k
	s.skip()
	s.atKey = nil
}

// join makes a field path.
func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// span skips a value and returns where it lies in the record.
func (s *scan) span() (start, end int) {
	s.ws()
	start = s.i
	s.skip()
	return start, s.i
}

// end checks that nothing but white space follows the value.
func (s *scan) end() {
	if s.ws(); s.i < len(s.b) {
		s.at = ""
		s.syntax(" after the value")
	}
}
