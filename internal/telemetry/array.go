package telemetry

import (
	"bufio"
	"errors"
	"io"
	"strconv"
)

// arrayProducer cuts the elements out of a JSON array, recording the line
// each starts on: the whole input (Okta's GET /api/v1/logs) or the member
// named key of a top-level object (Jamf Pro's "results", Microsoft Graph's
// "value"), which is streamed, so an export of any size reads in bounded
// memory. A top-level object without that member is one record itself, so
// a single inventory object, or JSON Lines of them, read as well. Several
// top-level values in a row (pages saved one after another) are read in
// turn.
//
// It checks only the structure around the records — brackets, commas and
// strings; the decoder checks each record. When the structure breaks, what
// follows cannot be cut into records, so the break is reported as a problem
// and the input ends there.
type arrayProducer struct {
	r    *bufio.Reader
	key  string // member of a top-level object holding the array
	line int    // line of the next byte, once started

	state    int
	first    bool // at the first element or member: a closing bracket may follow
	inObject bool // the array is a member of a top-level object

	obj      []byte // the top-level object so far, when it is a record itself
	objLine  int
	objOver  bool
	streamed bool // the object's array member was streamed: the object is no record
}

const (
	stTop = iota
	stElem
	stElemNext
	stMember
	stMemberNext
)

func (p *arrayProducer) fill(c *chunk) error {
	if p.line == 0 {
		p.line = 1
	}
	for len(c.buf) < chunkBytes {
		ch, err := p.peekNonWS()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return err
			}
			switch p.state {
			case stTop:
			case stMember, stMemberNext:
				p.bad(c, p.line, "invalid JSON: the input ends inside an object")
			default:
				p.bad(c, p.line, "invalid JSON: the input ends inside an array")
			}
			return io.EOF
		}
		switch p.state {
		case stTop:
			switch ch {
			case '[':
				p.r.ReadByte()
				p.state, p.first, p.inObject = stElem, true, false
			case '{':
				p.r.ReadByte()
				p.state, p.first = stMember, true
				p.obj = append(p.obj[:0], '{')
				p.objLine, p.objOver, p.streamed = p.line, false, false
			default:
				p.bad(c, p.line, "invalid JSON: want an array or an object, got "+quoteByte(ch))
				return io.EOF
			}

		case stElemNext:
			switch ch {
			case ',':
				p.r.ReadByte()
				p.state, p.first = stElem, false
			case ']':
				p.r.ReadByte()
				p.endArray()
			default:
				p.bad(c, p.line, "invalid JSON: want ',' or ']' after an array element, got "+quoteByte(ch))
				return io.EOF
			}

		case stElem:
			if ch == ']' && p.first {
				p.r.ReadByte()
				p.endArray()
				continue
			}
			line, start := p.line, len(c.buf)
			p.r.ReadByte()
			buf, over, err := p.capture(ch, c.buf, start, true)
			c.buf = buf
			if err != nil {
				c.buf = c.buf[:start]
				return p.ended(c, line, err)
			}
			if over {
				c.buf = c.buf[:start]
				c.recs = append(c.recs, record{line: line, bad: "array element longer than " + strconv.Itoa(MaxLineBytes) + " bytes"})
			} else {
				c.recs = append(c.recs, record{start: start, end: len(c.buf), line: line})
			}
			p.state = stElemNext

		case stMemberNext:
			switch ch {
			case ',':
				p.r.ReadByte()
				p.objAppend(',')
				p.state, p.first = stMember, false
			case '}':
				p.r.ReadByte()
				p.endObject(c)
			default:
				p.bad(c, p.line, "invalid JSON: want ',' or '}' after an object member, got "+quoteByte(ch))
				return io.EOF
			}

		case stMember:
			if ch == '}' && p.first {
				p.r.ReadByte()
				p.endObject(c)
				continue
			}
			if ch != '"' {
				p.bad(c, p.line, "invalid JSON: want a member name, got "+quoteByte(ch))
				return io.EOF
			}
			line := p.line
			p.r.ReadByte()
			keep := !p.streamed
			n := len(p.obj)
			obj, over, err := p.capture('"', p.obj, 0, keep)
			if err != nil {
				return p.ended(c, line, err)
			}
			p.obj, p.objOver = obj, p.objOver || over
			isKey := p.key != "" && keep && !over && string(p.obj[n:]) == `"`+p.key+`"`
			ch, err := p.peekNonWS()
			if err != nil {
				return p.ended(c, p.line, err)
			}
			if ch != ':' {
				p.bad(c, p.line, "invalid JSON: want ':' after a member name, got "+quoteByte(ch))
				return io.EOF
			}
			p.r.ReadByte()
			p.objAppend(':')
			ch, err = p.peekNonWS()
			if err != nil {
				return p.ended(c, p.line, err)
			}
			p.r.ReadByte()
			if isKey && ch == '[' {
				p.streamed, p.obj = true, p.obj[:0]
				p.state, p.first, p.inObject = stElem, true, true
				continue
			}
			obj, over, err = p.capture(ch, p.obj, 0, !p.streamed)
			if err != nil {
				return p.ended(c, line, err)
			}
			p.obj, p.objOver = obj, p.objOver || over
			p.state = stMemberNext
		}
	}
	return nil
}

func (p *arrayProducer) endArray() {
	if p.inObject {
		p.state, p.inObject = stMemberNext, false
	} else {
		p.state = stTop
	}
}

func (p *arrayProducer) endObject(c *chunk) {
	p.state = stTop
	if p.streamed {
		return
	}
	p.objAppend('}')
	if p.objOver {
		c.recs = append(c.recs, record{line: p.objLine, bad: "object longer than " + strconv.Itoa(MaxLineBytes) + " bytes"})
		return
	}
	start := len(c.buf)
	c.buf = append(c.buf, p.obj...)
	c.recs = append(c.recs, record{start: start, end: len(c.buf), line: p.objLine})
}

func (p *arrayProducer) objAppend(b byte) {
	if !p.streamed && !p.objOver {
		p.obj = append(p.obj, b)
	}
}

func (p *arrayProducer) bad(c *chunk, line int, reason string) {
	c.recs = append(c.recs, record{line: line, bad: reason})
}

// ended reports an input that ends inside a value.
func (p *arrayProducer) ended(c *chunk, line int, err error) error {
	if errors.Is(err, io.EOF) {
		p.bad(c, line, "invalid JSON: the input ends inside a value")
		return io.EOF
	}
	return err
}

// peekNonWS consumes white space and returns the next byte unread.
func (p *arrayProducer) peekNonWS() (byte, error) {
	for {
		b, err := p.r.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case '\n':
			p.line++
		case ' ', '\t', '\r':
		default:
			return b[0], nil
		}
		p.r.ReadByte()
	}
}

// capture reads the rest of a value whose first byte c0 was consumed,
// appending it to dst when keep is set; over says it grew past
// MaxLineBytes from start (and stopped growing). Only strings and brackets
// are followed: a malformed record is the decoder's to report.
func (p *arrayProducer) capture(c0 byte, dst []byte, start int, keep bool) (_ []byte, over bool, _ error) {
	add := func(b []byte) {
		if !keep || over {
			return
		}
		if len(dst)-start+len(b) > MaxLineBytes {
			over = true
			return
		}
		dst = append(dst, b...)
	}
	add([]byte{c0})
	depth, inStr, esc, scalar := 0, false, false, false
	switch c0 {
	case '{', '[':
		depth = 1
	case '"':
		inStr = true
	default:
		scalar = true
	}
	for {
		if _, err := p.r.Peek(1); err != nil {
			if scalar && errors.Is(err, io.EOF) {
				return dst, over, nil
			}
			return dst, over, err
		}
		buf, _ := p.r.Peek(p.r.Buffered())
		i, done := 0, false
	scan:
		for ; i < len(buf); i++ {
			ch := buf[i]
			if scalar {
				switch ch {
				case ',', ']', '}', ' ', '\t', '\r', '\n', '"', '{', '[', ':':
					done = true
					break scan
				}
				continue
			}
			if ch == '\n' {
				p.line++
			}
			if inStr {
				switch {
				case esc:
					esc = false
				case ch == '\\':
					esc = true
				case ch == '"':
					inStr = false
					if depth == 0 {
						i++
						done = true
						break scan
					}
				}
				continue
			}
			switch ch {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					i++
					done = true
					break scan
				}
			}
		}
		add(buf[:i])
		p.r.Discard(i)
		if done {
			return dst, over, nil
		}
	}
}
