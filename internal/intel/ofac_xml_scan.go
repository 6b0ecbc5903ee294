package intel

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// xmlStream is a streaming XML tokenizer for large, simple data documents
// such as OFAC's sdn_advanced.xml. encoding/xml's Decoder reads that file
// at about 50 MB/s even through RawToken, which alone spends most of the
// three seconds an import may take; xmlStream reads it an order of
// magnitude faster by handing out slices of its buffer instead of
// allocating a token per element.
//
// It implements the part of XML 1.0 (https://www.w3.org/TR/xml/) that such
// documents use: elements and attributes (the prefix of a qualified name is
// dropped, namespaces are not resolved), character data with the five
// predefined entities and numeric character references (§4.6, §4.1), CDATA
// sections (§2.7), line-end normalisation (§2.11), and well-formedness of
// the element structure (every start tag closed by the matching end tag,
// one root element). Comments, processing instructions, the XML
// declaration and a DOCTYPE without an internal subset are skipped.
// Entities a DTD would declare are not supported and are an error, as is
// input that is not UTF-8.
//
// Name, Attrs and Text refer to the stream's buffers and are valid until
// the next call to Next. Memory is bounded by the largest token (maxToken).
type xmlStream struct {
	r        io.Reader
	buf      []byte
	pos, end int // unread input is buf[pos:end]
	eof      bool
	rerr     error
	line     int // line of buf[pos]
	maxToken int

	// The current token.
	Kind  xmlKind
	Name  []byte // local name of a start or end tag
	Attrs []xmlAttr
	Text  []byte // character data, entities decoded
	Line  int    // line the token starts on

	pendingEnd bool   // the start tag was empty (<a/>): an end token follows
	stack      []int  // offsets into names of the open elements' names
	names      []byte // qualified names of the open elements, concatenated
	scratch    []byte // decoded text and attribute values
	rootSeen   bool
	rootDone   bool
	started    bool
}

// xmlKind is the kind of an xmlStream token.
type xmlKind uint8

const (
	xmlEOF xmlKind = iota
	xmlStart
	xmlEnd
	xmlText
)

// xmlAttr is an attribute of a start tag; Name is the local name.
type xmlAttr struct {
	Name, Value []byte
}

// xmlSyntaxError is malformed XML at a line.
type xmlSyntaxError struct {
	Line int
	Msg  string
}

func (e *xmlSyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// errIncomplete says a token runs past the buffered input.
var errIncomplete = errors.New("incomplete token")

const (
	xmlStreamBuf      = 256 << 10
	xmlStreamMaxToken = 16 << 20
	xmlStreamMaxDepth = 256
)

func newXMLStream(r io.Reader) *xmlStream {
	return &xmlStream{r: r, buf: make([]byte, xmlStreamBuf), line: 1, maxToken: xmlStreamMaxToken}
}

// Attr returns the value of the current start tag's attribute name, and
// whether it is present.
func (s *xmlStream) Attr(name string) ([]byte, bool) {
	for i := range s.Attrs {
		if string(s.Attrs[i].Name) == name {
			return s.Attrs[i].Value, true
		}
	}
	return nil, false
}

func (s *xmlStream) errorf(line int, format string, args ...any) error {
	return &xmlSyntaxError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// fill reads more input, moving unread bytes to the front of the buffer and
// growing it when a token fills it. It reports whether input was added.
func (s *xmlStream) fill() (bool, error) {
	if s.eof {
		return false, nil
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.maxToken {
			return false, s.errorf(s.line, "a token is longer than %d bytes", s.maxToken)
		}
		nb := make([]byte, min(2*len(s.buf), s.maxToken))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for range 100 {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			return n > 0, nil
		}
		if err != nil {
			s.eof = true
			s.rerr = err
			return n > 0, err
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, io.ErrNoProgress
}

// consume advances past n bytes, counting lines.
func (s *xmlStream) consume(n int) {
	s.line += bytes.Count(s.buf[s.pos:s.pos+n], nl)
	s.pos += n
}

var nl = []byte{'\n'}

// Next reads the next token. At the end of a well-formed document it
// returns xmlEOF and a nil error; malformed input is an *xmlSyntaxError,
// and a read error is returned as it is.
func (s *xmlStream) Next() (xmlKind, error) {
	if s.pendingEnd {
		s.pendingEnd = false
		s.pop()
		s.Kind, s.Attrs, s.Text = xmlEnd, s.Attrs[:0], nil
		s.closed()
		return xmlEnd, nil
	}
	if !s.started {
		s.started = true
		if err := s.need(3); err != nil {
			return xmlEOF, err
		}
		if bytes.HasPrefix(s.buf[s.pos:s.end], []byte("\xef\xbb\xbf")) {
			s.pos += 3
		}
	}
	for {
		k, err := s.next()
		if err == errIncomplete {
			more, ferr := s.fill()
			if ferr != nil {
				return xmlEOF, ferr
			}
			if more {
				continue
			}
			if s.pos == s.end || s.buf[s.pos] == '<' {
				return xmlEOF, s.atEOF()
			}
			// Character data runs to the end of the input; now that
			// the end is known, next reads it whole.
			k, err = s.next()
		}
		if err != nil || k != 0 {
			s.Kind = k
			return k, err
		}
		// A comment, processing instruction or doctype: read on.
	}
}

// need makes at least n bytes available if the input has them.
func (s *xmlStream) need(n int) error {
	for s.end-s.pos < n {
		more, err := s.fill()
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	return nil
}

// atEOF is called when the input ends with buf[pos:end] unread and
// incomplete (or empty).
func (s *xmlStream) atEOF() error {
	if s.pos < s.end {
		return s.errorf(s.line, "unexpected end of input inside %s", describeMarkup(s.buf[s.pos:s.end]))
	}
	if !s.rootSeen {
		return s.errorf(s.line, "no root element")
	}
	if !s.rootDone {
		return s.errorf(s.line, "unexpected end of input: <%s> is not closed", s.top())
	}
	s.Kind = xmlEOF
	return nil
}

func describeMarkup(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("<!--")):
		return "a comment"
	case bytes.HasPrefix(b, []byte("<![CDATA[")):
		return "a CDATA section"
	case bytes.HasPrefix(b, []byte("<?")):
		return "a processing instruction"
	case bytes.HasPrefix(b, []byte("</")):
		return "an end tag"
	case bytes.HasPrefix(b, []byte("<")):
		return "a tag"
	}
	return "character data"
}

func (s *xmlStream) top() string {
	if len(s.stack) == 0 {
		return ""
	}
	return string(s.names[s.stack[len(s.stack)-1]:])
}

func (s *xmlStream) pop() {
	n := len(s.stack) - 1
	s.names = s.names[:s.stack[n]]
	s.stack = s.stack[:n]
}

func (s *xmlStream) closed() {
	if len(s.stack) == 0 {
		s.rootDone = true
	}
}

// next reads one token from the buffer; kind 0 with a nil error means
// markup that is skipped. errIncomplete asks for more input.
func (s *xmlStream) next() (xmlKind, error) {
	b := s.buf[s.pos:s.end]
	if len(b) == 0 {
		return 0, errIncomplete
	}
	if b[0] != '<' {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			if !s.eof {
				return 0, errIncomplete
			}
			i = len(b)
		}
		return s.text(b[:i])
	}
	if len(b) < 2 {
		return 0, errIncomplete
	}
	switch b[1] {
	case '/':
		return s.endTag(b)
	case '?':
		i := bytes.Index(b[2:], []byte("?>"))
		if i < 0 {
			return 0, errIncomplete
		}
		s.consume(i + 4)
		return 0, nil
	case '!':
		return s.bang(b)
	}
	return s.startTag(b)
}

func (s *xmlStream) text(raw []byte) (xmlKind, error) {
	line := s.line
	if !s.rootSeen || s.rootDone {
		if !isXMLSpace(raw) {
			return 0, s.errorf(line, "character data outside the root element")
		}
		s.consume(len(raw))
		return 0, nil
	}
	t, err := s.decode(raw, line, false)
	if err != nil {
		return 0, err
	}
	s.Text, s.Line, s.Name = t, line, nil
	s.consume(len(raw))
	return xmlText, nil
}

func (s *xmlStream) bang(b []byte) (xmlKind, error) {
	switch {
	case bytes.HasPrefix(b, []byte("<!--")):
		i := bytes.Index(b[4:], []byte("-->"))
		if i < 0 {
			return 0, errIncomplete
		}
		s.consume(i + 7)
		return 0, nil
	case bytes.HasPrefix(b, []byte("<![CDATA[")):
		i := bytes.Index(b[9:], []byte("]]>"))
		if i < 0 {
			return 0, errIncomplete
		}
		line := s.line
		if !s.rootSeen || s.rootDone {
			return 0, s.errorf(line, "CDATA section outside the root element")
		}
		raw := b[9 : 9+i]
		if !utf8.Valid(raw) {
			return 0, s.errorf(line, "invalid UTF-8 in a CDATA section")
		}
		t := raw
		if bytes.IndexByte(raw, '\r') >= 0 {
			s.scratch = appendNormalisedLineEnds(s.scratch[:0], raw)
			t = s.scratch
		}
		s.Text, s.Line, s.Name = t, line, nil
		s.consume(i + 12)
		return xmlText, nil
	case bytes.HasPrefix(b, []byte("<!DOCTYPE")):
		// A DOCTYPE without an internal subset; one with a subset would
		// declare entities this tokenizer does not expand.
		i := bytes.IndexByte(b, '>')
		if i < 0 {
			return 0, errIncomplete
		}
		if bytes.IndexByte(b[:i], '[') >= 0 {
			return 0, s.errorf(s.line, "a DOCTYPE with an internal subset is not supported")
		}
		if s.rootSeen {
			return 0, s.errorf(s.line, "DOCTYPE after the root element")
		}
		s.consume(i + 1)
		return 0, nil
	}
	if len(b) < 9 {
		return 0, errIncomplete
	}
	return 0, s.errorf(s.line, "unexpected markup %q", truncateBytes(b, 12))
}

func (s *xmlStream) endTag(b []byte) (xmlKind, error) {
	i := bytes.IndexByte(b, '>')
	if i < 0 {
		return 0, errIncomplete
	}
	name := bytes.TrimRight(b[2:i], " \t\r\n")
	if !validXMLName(name) {
		return 0, s.errorf(s.line, "malformed end tag %q", truncateBytes(b[:i+1], 40))
	}
	if len(s.stack) == 0 {
		return 0, s.errorf(s.line, "end tag </%s> without a start tag", name)
	}
	if open := s.names[s.stack[len(s.stack)-1]:]; !bytes.Equal(open, name) {
		return 0, s.errorf(s.line, "end tag </%s> does not match <%s>", name, open)
	}
	s.Name, s.Line, s.Attrs, s.Text = localName(name), s.line, s.Attrs[:0], nil
	s.pop()
	s.consume(i + 1)
	s.closed()
	return xmlEnd, nil
}

func (s *xmlStream) startTag(b []byte) (xmlKind, error) {
	line := s.line
	if s.rootDone {
		return 0, s.errorf(line, "a second root element")
	}
	i := 1
	for i < len(b) && !isNameEnd(b[i]) {
		i++
	}
	if i == len(b) {
		return 0, errIncomplete
	}
	name := b[1:i]
	if !validXMLName(name) {
		return 0, s.errorf(line, "malformed start tag %q", truncateBytes(b[:i+1], 40))
	}
	s.Attrs = s.Attrs[:0]
	s.scratch = s.scratch[:0]
	// Attribute values that need decoding go to scratch; record offsets
	// first, since appending may move scratch.
	type span struct{ off, n int }
	var decoded [16]span
	ndecoded := 0
	empty := false
	for {
		j := i
		for j < len(b) && isSpaceByte(b[j]) {
			j++
		}
		if j == len(b) {
			return 0, errIncomplete
		}
		if b[j] == '>' {
			i = j + 1
			break
		}
		if b[j] == '/' {
			if j+1 == len(b) {
				return 0, errIncomplete
			}
			if b[j+1] != '>' {
				return 0, s.errorf(line, "malformed start tag <%s>: '/' not followed by '>'", name)
			}
			empty = true
			i = j + 2
			break
		}
		if j == i {
			return 0, s.errorf(line, "malformed start tag <%s>: attributes must be separated by white space", name)
		}
		k := j
		for k < len(b) && !isNameEnd(b[k]) && b[k] != '=' {
			k++
		}
		if k == len(b) {
			return 0, errIncomplete
		}
		aname := b[j:k]
		if !validXMLName(aname) {
			return 0, s.errorf(line, "malformed attribute in <%s>", name)
		}
		for k < len(b) && isSpaceByte(b[k]) {
			k++
		}
		if k == len(b) {
			return 0, errIncomplete
		}
		if b[k] != '=' {
			return 0, s.errorf(line, "attribute %s of <%s> has no value", aname, name)
		}
		k++
		for k < len(b) && isSpaceByte(b[k]) {
			k++
		}
		if k == len(b) {
			return 0, errIncomplete
		}
		q := b[k]
		if q != '"' && q != '\'' {
			return 0, s.errorf(line, "value of attribute %s of <%s> is not quoted", aname, name)
		}
		e := bytes.IndexByte(b[k+1:], q)
		if e < 0 {
			return 0, errIncomplete
		}
		raw := b[k+1 : k+1+e]
		if bytes.IndexByte(raw, '<') >= 0 {
			return 0, s.errorf(line, "'<' in the value of attribute %s of <%s>", aname, name)
		}
		val := raw
		if needsDecoding(raw) {
			off := len(s.scratch)
			var err error
			s.scratch, err = s.appendDecoded(s.scratch, raw, line, true)
			if err != nil {
				return 0, err
			}
			if ndecoded == len(decoded) {
				return 0, s.errorf(line, "too many attributes in <%s>", name)
			}
			decoded[ndecoded] = span{off, len(s.scratch) - off}
			ndecoded++
			val = nil // filled in below
		} else if !utf8.Valid(raw) {
			return 0, s.errorf(line, "invalid UTF-8 in attribute %s", aname)
		}
		s.Attrs = append(s.Attrs, xmlAttr{Name: localName(aname), Value: val})
		i = k + 2 + e
	}
	if ndecoded > 0 {
		d := 0
		for a := range s.Attrs {
			if s.Attrs[a].Value == nil {
				sp := decoded[d]
				s.Attrs[a].Value = s.scratch[sp.off : sp.off+sp.n : sp.off+sp.n]
				d++
			}
		}
	}
	if len(s.stack) >= xmlStreamMaxDepth {
		return 0, s.errorf(line, "elements nested deeper than %d", xmlStreamMaxDepth)
	}
	s.stack = append(s.stack, len(s.names))
	s.names = append(s.names, name...)
	s.rootSeen = true
	s.Name, s.Line, s.Text = localName(name), line, nil
	s.pendingEnd = empty
	s.consume(i)
	return xmlStart, nil
}

// decode returns character data with entities and line ends decoded,
// checking that it is UTF-8 without forbidden control characters.
func (s *xmlStream) decode(raw []byte, line int, attr bool) ([]byte, error) {
	if !needsDecoding(raw) {
		if !utf8.Valid(raw) {
			return nil, s.errorf(line, "invalid UTF-8")
		}
		return raw, nil
	}
	var err error
	s.scratch, err = s.appendDecoded(s.scratch[:0], raw, line, attr)
	return s.scratch, err
}

// needsDecoding reports whether raw has an entity, a carriage return or a
// control character; plain text is handed out as it is.
func needsDecoding(raw []byte) bool {
	for _, c := range raw {
		if c < 0x20 && c != '\n' && c != '\t' || c == '&' {
			return true
		}
	}
	return false
}

func (s *xmlStream) appendDecoded(dst, raw []byte, line int, attr bool) ([]byte, error) {
	if !utf8.Valid(raw) {
		return dst, s.errorf(line, "invalid UTF-8")
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '&':
			j := bytes.IndexByte(raw[i:], ';')
			if j < 0 {
				return dst, s.errorf(line+bytes.Count(raw[:i], nl), "'&' not followed by an entity reference")
			}
			ref := raw[i+1 : i+j]
			r, ok := decodeEntity(ref)
			if !ok {
				return dst, s.errorf(line+bytes.Count(raw[:i], nl), "unknown or invalid entity &%s;", truncateBytes(ref, 20))
			}
			dst = utf8.AppendRune(dst, r)
			i += j
		case c == '\r':
			// §2.11: CR LF and a lone CR are read as LF.
			if i+1 < len(raw) && raw[i+1] == '\n' {
				continue
			}
			dst = append(dst, '\n')
		case c < 0x20 && c != '\n' && c != '\t':
			return dst, s.errorf(line+bytes.Count(raw[:i], nl), "control character %#02x is not allowed in XML", c)
		default:
			dst = append(dst, c)
		}
	}
	return dst, nil
}

func decodeEntity(ref []byte) (rune, bool) {
	switch string(ref) {
	case "amp":
		return '&', true
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digits, base := ref[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, false
	}
	var n rune
	for _, c := range digits {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		n = n*rune(base) + d
	}
	// §2.2 Char: a character reference must name a character XML allows.
	if !isXMLChar(n) {
		return 0, false
	}
	return n, true
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func appendNormalisedLineEnds(dst, raw []byte) []byte {
	for i, c := range raw {
		if c == '\r' {
			if i+1 < len(raw) && raw[i+1] == '\n' {
				continue
			}
			c = '\n'
		}
		dst = append(dst, c)
	}
	return dst
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func isXMLSpace(b []byte) bool {
	for _, c := range b {
		if !isSpaceByte(c) {
			return false
		}
	}
	return true
}

func isNameEnd(c byte) bool {
	return c == '>' || c == '/' || isSpaceByte(c)
}

// validXMLName is a lenient check of §2.3 Name: not empty, no markup
// characters, not starting with a digit, '-', '.' or ':'.
func validXMLName(b []byte) bool {
	if len(b) == 0 || notNameStart[b[0]] {
		return false
	}
	ascii := true
	for _, c := range b {
		if notNameByte[c] {
			return false
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	return ascii || utf8.Valid(b)
}

// notNameByte marks the bytes that cannot be part of a name; a table,
// since every tag and attribute name is checked.
var notNameByte, notNameStart = func() (n, s [256]bool) {
	for c := range 0x20 {
		n[c] = true
	}
	for _, c := range []byte("<>/=\"'&!?;()[]{},*+@#$%^`|~\\ ") {
		n[c] = true
	}
	s = n
	for _, c := range []byte("0123456789-.:") {
		s[c] = true
	}
	return n, s
}()

// localName drops the prefix of a qualified name, as encoding/xml does: a
// name with nothing before or after its first colon is all local name.
func localName(b []byte) []byte {
	if i := bytes.IndexByte(b, ':'); i >= 1 && i < len(b)-1 {
		return b[i+1:]
	}
	return b
}

func truncateBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
