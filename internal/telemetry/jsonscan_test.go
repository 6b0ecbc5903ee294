package telemetry

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScanStrings(t *testing.T) {
	tests := []struct {
		in, want string
		bad      string
	}{
		{in: `"plain"`, want: "plain"},
		{in: `""`, want: ""},
		{in: `"tab\tquote\"slash\/back\\"`, want: "tab\tquote\"slash/back\\"},
		{in: `"\u00e9l\u00E8ve"`, want: "élève"},
		{in: `"\ud83d\ude00"`, want: "😀"},
		{in: `"\ud83d x"`, want: "\uFFFD x"},    // a lone surrogate, as encoding/json reads it
		{in: `"\ud83d\u0041"`, want: "\uFFFDA"}, // a surrogate without its pair
		{in: "\"caf\xe9\"", want: "caf\uFFFD"},  // invalid UTF-8 is replaced
		{in: "\"a\\n\xff\"", want: "a\n\uFFFD"}, // also after an escape
		{in: `"unterminated`, bad: "unexpected end"},
		{in: "\"new\nline\"", bad: "in a string"},
		{in: `"\x41"`, bad: "bad escape"},
		{in: `"\u12"`, bad: "\\u escape"},
		{in: `"\u12G4"`, bad: "\\u escape"},
		{in: `12`, bad: "want a string, got a number"},
		{in: `nul`, bad: "unexpected 'n'"},
	}
	for _, tt := range tests {
		var s scan
		s.reset([]byte(tt.in))
		s.at = "f"
		got := s.str()
		if tt.bad != "" {
			if !s.failed || !strings.Contains(s.reason, tt.bad) || s.field != "f" {
				t.Errorf("str(%q): failed=%v %q at %q, want an error with %q at f", tt.in, s.failed, s.reason, s.field, tt.bad)
			}
			continue
		}
		if s.failed || string(got) != tt.want {
			t.Errorf("str(%q) = %q (failed=%v %s), want %q", tt.in, got, s.failed, s.reason, tt.want)
		}
	}
}

func TestScanTypeErrors(t *testing.T) {
	tests := []struct {
		in   string
		read func(*scan)
		want string
	}{
		{`"x"`, func(s *scan) { s.number() }, "want a number, got a string"},
		{`{}`, func(s *scan) { s.str() }, "want a string, got an object"},
		{`[1]`, func(s *scan) { s.object() }, "want an object, got an array"},
		{`true`, func(s *scan) { s.array() }, "want an array, got a boolean"},
		{`1`, func(s *scan) { s.boolean() }, "want a boolean, got a number"},
		{`{"a":1}`, func(s *scan) { s.text() }, "want a string or a number, got an object"},
		{`-`, func(s *scan) { s.number() }, "in a number"},
		{`1.`, func(s *scan) { s.number() }, "in a number"},
		{`1e`, func(s *scan) { s.number() }, "in a number"},
		{`tru`, func(s *scan) { s.boolean() }, "unexpected 't'"},
		{`@`, func(s *scan) { s.str() }, "unexpected '@'"},
	}
	for _, tt := range tests {
		var s scan
		s.reset([]byte(tt.in))
		tt.read(&s)
		if !s.failed || !strings.Contains(s.reason, tt.want) {
			t.Errorf("%q: failed=%v %q, want %q", tt.in, s.failed, s.reason, tt.want)
		}
	}
}

func TestScanNullIsAbsent(t *testing.T) {
	var s scan
	s.reset([]byte(`{"a":null,"b":null,"c":null,"d":null,"e":null,"f":null}`))
	for more := s.object(); more; more = s.next() {
		switch string(s.key()) {
		case "a":
			if s.str() != nil {
				t.Error("null string is not nil")
			}
		case "b":
			if s.number() != nil {
				t.Error("null number is not nil")
			}
		case "c":
			if s.object() {
				t.Error("null object has members")
			}
		case "d":
			if s.array() {
				t.Error("null array has elements")
			}
		case "e":
			if s.boolean() {
				t.Error("null boolean is true")
			}
		case "f":
			if s.text() != nil {
				t.Error("null text is not nil")
			}
		}
	}
	s.end()
	if s.failed {
		t.Fatal(s.reason)
	}
}

func TestScanDepth(t *testing.T) {
	var s scan
	deep := strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2) // the innermost is empty
	s.reset([]byte(deep))
	s.skip()
	if !s.failed || !strings.Contains(s.reason, "nested") {
		t.Errorf("skipping %d levels: failed=%v %q, want too deep", maxDepth+2, s.failed, s.reason)
	}
	ok := strings.Repeat(`{"a":[`, maxDepth/2-1) + strings.Repeat(`]}`, maxDepth/2-1)
	s.reset([]byte(ok))
	s.skip()
	s.end()
	if s.failed {
		t.Errorf("skipping %d levels: %s", maxDepth-2, s.reason)
	}
}

// nesting is how deep brackets go, counting those in strings too.
func nesting(b []byte) int {
	depth, deepest := 0, 0
	for _, c := range b {
		switch c {
		case '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ']', '}':
			depth--
		}
	}
	return deepest
}

// FuzzScan holds the scanner to encoding/json: a value it skips without an
// error is valid JSON and the other way round, and a string it reads is
// the string encoding/json reads.
func FuzzScan(f *testing.F) {
	for _, seed := range []string{
		`{"a":[1,2.5e-3,-0,"x\u00e9\n",true,false,null,{}]}`, `[]`, `{}`, `"\ud83d\ude00"`, `"\ud83d"`,
		`{"a" 1}`, `[1,]`, `01`, `1.e5`, `"a\x"`, "\"\xff\"", `{"a":"b"}x`, ` [ { } ] `, `-1.5E+10`, `[[[[]]]]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s scan
		s.reset(b)
		s.skip()
		s.end()
		valid := json.Valid(b)
		if nesting(b) >= maxDepth {
			return // deeper than the scanner goes, by design
		}
		if valid == s.failed {
			t.Fatalf("scan says failed=%v (%s), json.Valid says %v for %q", s.failed, s.reason, valid, b)
		}
		if !valid {
			return
		}
		var want string
		if json.Unmarshal(b, &want) != nil {
			return
		}
		s.reset(b)
		got := s.str()
		if !utf8.Valid(b) {
			// Both replace invalid UTF-8; encoding/json per byte, the
			// scanner per run of bytes.
			if !utf8.Valid(got) {
				t.Fatalf("str(%q) = %q, not valid UTF-8", b, got)
			}
			return
		}
		if string(got) != want {
			t.Fatalf("str(%q) = %q, encoding/json reads %q", b, got, want)
		}
	})
}

// FuzzScanRoundTrip reads back any string encoding/json writes.
func FuzzScanRoundTrip(f *testing.F) {
	f.Add("plain")
	f.Add("quote\" back\\ tab\t nl\n ctl\x01 é 😀 \u2028")
	f.Fuzz(func(t *testing.T, in string) {
		b, err := json.Marshal(in)
		if err != nil {
			t.Skip()
		}
		var s scan
		s.reset(b)
		got := s.str()
		s.end()
		want := strings.ToValidUTF8(in, "\uFFFD")
		if s.failed || (utf8.ValidString(in) && string(got) != want) {
			t.Fatalf("str(%s) = %q (%s), want %q", b, got, s.reason, want)
		}
		if !bytes.Equal(bytes.ToValidUTF8(got, []byte("\uFFFD")), got) {
			t.Fatalf("str(%s) = %q, not valid UTF-8", b, got)
		}
	})
}
