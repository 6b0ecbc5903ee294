package intel

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// xmlStreamToken writes the current token as a string: "<name a=v …",
// "</name", "#text".
func xmlStreamToken(s *xmlStream) string {
	switch s.Kind {
	case xmlStart:
		var b strings.Builder
		b.WriteString("<" + string(s.Name))
		for _, a := range s.Attrs {
			b.WriteString(" " + string(a.Name) + "=" + string(a.Value))
		}
		return b.String()
	case xmlEnd:
		return "</" + string(s.Name)
	case xmlText:
		return "#" + string(s.Text)
	}
	return ""
}

// xmlStreamTokens reads up to limit tokens of r with xmlStream.
func xmlStreamTokens(r io.Reader, limit int) ([]string, error) {
	s := newXMLStream(r)
	var out []string
	for len(out) < limit {
		k, err := s.Next()
		if err != nil || k == xmlEOF {
			return out, err
		}
		out = append(out, xmlStreamToken(s))
	}
	return out, nil
}

// encodingXMLEach reads r with encoding/xml, the reference, calling fn
// with each token written as xmlStreamToken writes it, until fn returns
// false. Comments, processing instructions, directives and character data
// outside the root element, which xmlStream skips, are left out.
func encodingXMLEach(r io.Reader, fn func(string) bool) error {
	d := xml.NewDecoder(r)
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var s string
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			var b strings.Builder
			b.WriteString("<" + tok.Name.Local)
			for _, a := range tok.Attr {
				b.WriteString(" " + a.Name.Local + "=" + a.Value)
			}
			s = b.String()
		case xml.EndElement:
			depth--
			s = "</" + tok.Name.Local
		case xml.CharData:
			if depth == 0 {
				continue
			}
			s = "#" + string(tok)
		default:
			continue
		}
		if !fn(s) {
			return nil
		}
	}
}

func encodingXMLTokens(r io.Reader, limit int) ([]string, error) {
	var out []string
	err := encodingXMLEach(r, func(s string) bool {
		out = append(out, s)
		return len(out) < limit
	})
	return out, err
}

func TestXMLStreamReadsTheRealFileAsEncodingXMLDoes(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the 121 MB file twice")
	}
	// The two readers run side by side, each on its own decompression;
	// their tokens are compared in batches, so memory stays small.
	const batch = 1 << 14
	type chunk struct {
		toks []string
		err  error
	}
	ref := make(chan chunk, 4)
	rc := sdnXMLOpen(t)
	defer rc.Close()
	rc2 := sdnXMLOpen(t)
	go func() {
		defer rc2.Close()
		defer close(ref)
		var toks []string
		err := encodingXMLEach(rc2, func(s string) bool {
			toks = append(toks, s)
			if len(toks) == batch {
				ref <- chunk{toks, nil}
				toks = nil
			}
			return true
		})
		ref <- chunk{toks, err}
	}()
	s := newXMLStream(rc)
	n := 0
	for c := range ref {
		if c.err != nil {
			t.Fatalf("encoding/xml: %v", c.err)
		}
		for _, want := range c.toks {
			k, err := s.Next()
			if err != nil {
				t.Fatalf("token %d (line %d): %v", n, s.line, err)
			}
			if k == xmlEOF {
				t.Fatalf("token %d: xmlStream ended, encoding/xml reads %q", n, want)
			}
			if got := xmlStreamToken(s); got != want {
				t.Fatalf("token %d (line %d): got %q, encoding/xml reads %q", n, s.Line, got, want)
			}
			n++
		}
	}
	if k, err := s.Next(); k != xmlEOF || err != nil {
		t.Errorf("after %d tokens: got %v, %v, want the end", n, k, err)
	}
	t.Logf("%d tokens, %d lines, alike", n, s.line)
}

func TestXMLStream(t *testing.T) {
	for _, c := range []struct {
		name string
		doc  string
		want []string
	}{
		{"elements, attributes and text are read in order",
			`<?xml version="1.0"?><a x="1" y='two'><b/>text<c>more</c></a>`,
			[]string{"<a x=1 y=two", "<b", "</b", "#text", "<c", "#more", "</c", "</a"}},
		{"prefixes are dropped from names",
			`<p:a xmlns:p="urn:x" p:k="v"></p:a>`,
			[]string{"<a p=urn:x k=v", "</a"}},
		{"entities and character references are decoded in text and attributes",
			`<a v="&lt;&amp;&gt;&quot;&apos;&#65;&#x42;">&lt;x&gt; &amp; &#233;&#x1F600;</a>`,
			[]string{`<a v=<&>"'AB`, "#<x> & é😀", "</a"}},
		{"CDATA is text, comments and processing instructions are skipped",
			"<a><!-- note --><![CDATA[<b>&amp;</b>]]><?pi x?>z</a>",
			[]string{"<a", "#<b>&amp;</b>", "#z", "</a"}},
		{"line ends are read as LF",
			"<a v=\"1\r\n2\">x\r\ny\rz</a>",
			[]string{"<a v=1\n2", "#x\ny\nz", "</a"}},
		{"a byte-order mark and a doctype are skipped",
			"\xef\xbb\xbf<!DOCTYPE a><a/>",
			[]string{"<a", "</a"}},
		{"white space outside the root element is skipped",
			"\n  <a> </a>\n\n",
			[]string{"<a", "# ", "</a"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := xmlStreamTokens(strings.NewReader(c.doc), 1000)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("tokens (-want +got):\n%s", d)
			}
			// One byte at a time, every token crosses a buffer refill.
			got, err = xmlStreamTokens(iotest.OneByteReader(strings.NewReader(c.doc)), 1000)
			if err != nil {
				t.Fatalf("one byte at a time: %v", err)
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("one byte at a time (-want +got):\n%s", d)
			}
		})
	}
}

func TestXMLStreamRejectsMalformedXML(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		line      int
		reason    string
	}{
		{"an empty input", "", 1, "no root element"},
		{"a missing end tag", "<a>\n<b>\n</b>\n", 4, "<a> is not closed"},
		{"a mismatched end tag", "<a>\n<b></a>", 2, "does not match"},
		{"an end tag without a start", "<a></a></b>", 1, "without a start tag"},
		{"a second root", "<a/>\n<b/>", 2, "a second root element"},
		{"text outside the root", "<a/>x", 1, "outside the root"},
		{"an unknown entity", "<a>\n&nbsp;</a>", 2, "unknown or invalid entity"},
		{"a bare ampersand", "<a>fish & chips</a>", 1, "not followed by an entity reference"},
		{"a character reference to NUL", "<a>&#0;</a>", 1, "unknown or invalid entity"},
		{"a control character", "<a>\x01</a>", 1, "control character"},
		{"invalid UTF-8", "<a>\xff</a>", 1, "invalid UTF-8"},
		{"an unquoted attribute", "<a x=1/>", 1, "not quoted"},
		{"'<' in an attribute", `<a x="<"/>`, 1, "'<' in the value"},
		{"an attribute without a value", "<a x/>", 1, "has no value"},
		{"a tag cut short", "<a>\n<b x=\"1", 2, "inside a tag"},
		{"a comment cut short", "<a><!-- x", 1, "inside a comment"},
		{"a doctype with an internal subset", "<!DOCTYPE a [<!ENTITY x 'y'>]><a/>", 1, "internal subset"},
		{"a name starting with a digit", "<1a/>", 1, "malformed start tag"},
	} {
		t.Run(c.name+" is an error at its line", func(t *testing.T) {
			_, err := xmlStreamTokens(strings.NewReader(c.doc), 1000)
			var se *xmlSyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want an *xmlSyntaxError", err)
			}
			if se.Line != c.line || !strings.Contains(se.Msg, c.reason) {
				t.Errorf("got %q at line %d, want %q at line %d", se.Msg, se.Line, c.reason, c.line)
			}
		})
	}
}

func TestXMLStreamBoundsTokenSize(t *testing.T) {
	s := newXMLStream(strings.NewReader("<a>" + strings.Repeat("x", 1<<20) + "</a>"))
	s.maxToken = 1 << 19
	var err error
	for err == nil {
		var k xmlKind
		k, err = s.Next()
		if k == xmlEOF && err == nil {
			t.Fatal("read a token longer than the limit")
		}
	}
	if !strings.Contains(err.Error(), "longer than") {
		t.Errorf("got %v, want a token-too-long error", err)
	}
}

// FuzzXMLStream checks xmlStream against encoding/xml: it never panics,
// fails only with an *xmlSyntaxError, and whenever both accept a document
// they read the same tokens. (xmlStream is stricter about the document as
// a whole — one root, nothing but white space around it — and more lenient
// about names, so one may accept what the other refuses.)
func FuzzXMLStream(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0"?><a x="1" y='two'><b/>text<c>more</c></a>`,
		`<a v="&lt;&amp;&gt;&quot;&apos;&#65;&#x42;">&lt;x&gt; &amp; &#233;</a>`,
		"<a><!-- note --><![CDATA[<b>&amp;</b>]]><?pi x?>z</a>",
		"<a v=\"1\r\n2\">x\r\ny\rz</a>",
		"\xef\xbb\xbf<!DOCTYPE a><a/>",
		`<p:a xmlns:p="urn:x" p:k="v"><p:b/></p:a>`,
		sdnXMLDoc(sdnXMLIndividual),
		"<a>\n&nbsp;</a>",
		"<a></b>",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		got, err := xmlStreamTokens(strings.NewReader(doc), 1<<16)
		if err != nil {
			var se *xmlSyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is not an *xmlSyntaxError", err, err)
			}
			if se.Line < 1 || se.Line > strings.Count(doc, "\n")+1 {
				t.Fatalf("error at line %d of a %d-line document", se.Line, strings.Count(doc, "\n")+1)
			}
			return
		}
		byOneByte, err := xmlStreamTokens(iotest.OneByteReader(strings.NewReader(doc)), 1<<16)
		if err != nil {
			t.Fatalf("accepted whole but not one byte at a time: %v", err)
		}
		if d := cmp.Diff(got, byOneByte); d != "" {
			t.Fatalf("one byte at a time reads differently (-whole +bytewise):\n%s", d)
		}
		want, err := encodingXMLTokens(strings.NewReader(doc), 1<<16)
		if err != nil {
			return
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("tokens differ from encoding/xml's (-encoding/xml +xmlStream):\n%s", d)
		}
	})
}
