package intel

// The STIX 2.1 patterning language, as specified in STIX Version 2.1
// (OASIS Standard, 10 June 2021), section 9 "STIX Patterning", and in the
// ANTLR grammar the OASIS CTI TC publishes with it
// (cti-stix2-json-schemas/pattern_grammar/STIXPattern.g4). This file holds
// a tokenizer and a recursive-descent parser for the whole grammar, so that
// a pattern ringfence cannot use is recognised as such and never half-read:
//
//	pattern                 = observationExpressions
//	observationExpressions  = obsOr { "FOLLOWEDBY" obsOr }
//	obsOr                   = obsAnd { "OR" obsAnd }
//	obsAnd                  = obsQualified { "AND" obsQualified }
//	obsQualified            = obsPrimary { qualifier }
//	obsPrimary              = "[" comparisonExpression "]" | "(" observationExpressions ")"
//	qualifier               = "START" ts "STOP" ts | "WITHIN" number "SECONDS" | "REPEATS" int "TIMES"
//	comparisonExpression    = compAnd { "OR" compAnd }
//	compAnd                 = propTest { "AND" propTest }
//	propTest                = objectPath ["NOT"] op literal | objectPath ["NOT"] "IN" set
//	                        | "EXISTS" objectPath | "(" comparisonExpression ")"
//
// Keywords are upper case and literals are as in the grammar: 'strings'
// with \' and \\ as the only escapes, integers, floats, true/false,
// h'hex', b'base64' and t'timestamps'.

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ringfence/ringfence/internal/normalize"
)

// Limits that bound the work one hostile pattern can cause.
const (
	maxPatternBytes = 1 << 20
	maxPatternDepth = 100
)

// PatternError says why a STIX pattern does not parse and where.
type PatternError struct {
	Offset int // byte offset in the pattern
	Reason string
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("stix pattern: at byte %d: %s", e.Offset, e.Reason)
}

// Pattern is a parsed STIX pattern.
type Pattern struct {
	Root ObservationExpr
}

// String renders the pattern in a canonical form that parses back to the
// same tree: binary sub-expressions are parenthesised, literals re-quoted.
func (p *Pattern) String() string {
	var b strings.Builder
	writeObs(&b, p.Root, false)
	return b.String()
}

// ObservationExpr is an observation expression: an ObservationComparison,
// an ObservationBinary or an ObservationQualified.
type ObservationExpr interface{ isObservation() }

// ObservationComparison is "[ comparisonExpression ]": one object observed.
type ObservationComparison struct {
	Expr ComparisonExpr
}

// ObservationBinary joins two observation expressions with AND, OR or
// FOLLOWEDBY.
type ObservationBinary struct {
	Op          string
	Left, Right ObservationExpr
}

// ObservationQualified is an observation expression with a qualifier:
// "START t'…' STOP t'…'", "WITHIN n SECONDS" or "REPEATS n TIMES".
type ObservationQualified struct {
	Expr      ObservationExpr
	Qualifier string // START, WITHIN or REPEATS
	Args      []Literal
}

func (ObservationComparison) isObservation() {}
func (ObservationBinary) isObservation()     {}
func (ObservationQualified) isObservation()  {}

// ComparisonExpr is a comparison expression inside "[ ]": a Comparison or
// a ComparisonBinary.
type ComparisonExpr interface{ isComparison() }

// ComparisonBinary joins two comparison expressions with AND or OR.
type ComparisonBinary struct {
	Op          string
	Left, Right ComparisonExpr
}

// Comparison tests one property: Path Op Value, or Path IN Set, or
// EXISTS Path (Op "EXISTS").
type Comparison struct {
	Path ObjectPath
	// Negated is the NOT before the operator.
	Negated bool
	// Op is =, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET
	// or EXISTS; "==" is read as "=" and "<>" as "!=".
	Op    string
	Value Literal
	Set   []Literal // for IN
}

func (ComparisonBinary) isComparison() {}
func (Comparison) isComparison()       {}

// ObjectPath is "type:property.sub[0]…".
type ObjectPath struct {
	Type  string
	Steps []PathStep
}

// PathStep is a key (".name") or an index ("[n]", or "[*]" with Any).
type PathStep struct {
	Key   string
	Index int
	IsKey bool
	Any   bool
}

// Property returns the path after the type with indexes written "[*]" or
// "[n]", e.g. "hashes.SHA-256" or "from_ref.value".
func (p ObjectPath) Property() string {
	var b strings.Builder
	for i, s := range p.Steps {
		switch {
		case s.IsKey:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Key)
		case s.Any:
			b.WriteString("[*]")
		default:
			fmt.Fprintf(&b, "[%d]", s.Index)
		}
	}
	return b.String()
}

// LiteralKind says what a Literal is.
type LiteralKind int

// The literal kinds of the grammar.
const (
	LitString LiteralKind = iota
	LitInt
	LitFloat
	LitBool
	LitBinary
	LitHex
	LitTimestamp
)

// Literal is a constant. Text is the decoded string for LitString and the
// literal's own text (without quotes or prefix) otherwise.
type Literal struct {
	Kind LiteralKind
	Text string
}

// ParsePattern parses a STIX 2.1 pattern.
func ParsePattern(s string) (*Pattern, error) {
	if len(s) > maxPatternBytes {
		return nil, &PatternError{0, fmt.Sprintf("pattern longer than %d bytes", maxPatternBytes)}
	}
	if !utf8.ValidString(s) {
		return nil, &PatternError{0, "not valid UTF-8"}
	}
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &patternParser{toks: toks, src: s}
	root, err := p.observationExpressions(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errorf(t, "unexpected %s after the pattern", t)
	}
	return &Pattern{Root: root}, nil
}

// Tokens.

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokKeyword
	tokString
	tokInt
	tokFloat
	tokBool
	tokBinary
	tokHex
	tokTimestamp
	tokOp    // = != < <= > >=
	tokPunct // [ ] ( ) : . , *
)

type token struct {
	kind tokKind
	text string // decoded for strings; canonical operator for tokOp
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of pattern"
	case tokString:
		return "string " + quotePatternString(t.text)
	}
	return strconv.Quote(t.text)
}

var patternKeywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "FOLLOWEDBY": true, "LIKE": true, "MATCHES": true,
	"ISSUPERSET": true, "ISSUBSET": true, "LAST": true, "IN": true, "START": true, "STOP": true,
	"SECONDS": true, "WITHIN": true, "REPEATS": true, "TIMES": true, "EXISTS": true,
}

func isPatternSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\v', '\f', 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '-'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func tokenize(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isPatternSpace(r) {
			i += size
			continue
		}
		c := s[i]
		switch {
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, &PatternError{i, "comment not closed"}
			}
			i += 2 + end + 2
		case strings.HasPrefix(s[i:], "//"):
			end := strings.IndexAny(s[i:], "\r\n")
			if end < 0 {
				end = len(s) - i
			}
			i += end
		case c == '\'':
			text, n, err := scanString(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokString, text, i})
			i += n
		case (c == 'h' || c == 'b' || c == 't') && i+1 < len(s) && s[i+1] == '\'':
			end := strings.IndexByte(s[i+2:], '\'')
			if end < 0 {
				return nil, &PatternError{i, "literal not closed"}
			}
			body := s[i+2 : i+2+end]
			var kind tokKind
			var reason string
			switch c {
			case 'h':
				kind, reason = tokHex, checkHex(body)
			case 'b':
				kind, reason = tokBinary, checkBase64(body)
			default:
				kind, reason = tokTimestamp, checkTimestamp(body)
			}
			if reason != "" {
				return nil, &PatternError{i, reason}
			}
			toks = append(toks, token{kind, body, i})
			i += 2 + end + 1
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			word := s[i:j]
			switch {
			case patternKeywords[word]:
				toks = append(toks, token{tokKeyword, word, i})
			case word == "true" || word == "false":
				toks = append(toks, token{tokBool, word, i})
			default:
				toks = append(toks, token{tokIdent, word, i})
			}
			i = j
		case isDigit(c) || c == '+' || c == '-' || c == '.':
			n, kind, reason := scanNumber(s[i:])
			if reason != "" {
				return nil, &PatternError{i, reason}
			}
			toks = append(toks, token{kind, s[i : i+n], i})
			i += n
		case c == '=':
			n := 1
			if strings.HasPrefix(s[i:], "==") {
				n = 2
			}
			toks = append(toks, token{tokOp, "=", i})
			i += n
		case c == '!':
			if !strings.HasPrefix(s[i:], "!=") {
				return nil, &PatternError{i, "'!' must be part of '!='"}
			}
			toks = append(toks, token{tokOp, "!=", i})
			i += 2
		case c == '<':
			switch {
			case strings.HasPrefix(s[i:], "<>"):
				toks = append(toks, token{tokOp, "!=", i})
				i += 2
			case strings.HasPrefix(s[i:], "<="):
				toks = append(toks, token{tokOp, "<=", i})
				i += 2
			default:
				toks = append(toks, token{tokOp, "<", i})
				i++
			}
		case c == '>':
			if strings.HasPrefix(s[i:], ">=") {
				toks = append(toks, token{tokOp, ">=", i})
				i += 2
			} else {
				toks = append(toks, token{tokOp, ">", i})
				i++
			}
		case strings.IndexByte("[]():,*", c) >= 0:
			toks = append(toks, token{tokPunct, string(c), i})
			i++
		default:
			return nil, &PatternError{i, fmt.Sprintf("unexpected character %q", r)}
		}
	}
	toks = append(toks, token{kind: tokEOF, pos: len(s)})
	return toks, nil
}

// scanString reads a quoted string at s[i]; the only escapes are \' and \\.
func scanString(s string, i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for j < len(s) {
		switch s[j] {
		case '\'':
			return b.String(), j + 1 - i, nil
		case '\\':
			if j+1 < len(s) && (s[j+1] == '\'' || s[j+1] == '\\') {
				b.WriteByte(s[j+1])
				j += 2
				continue
			}
			return "", 0, &PatternError{j, `a backslash in a string must escape ' or \`}
		default:
			b.WriteByte(s[j])
			j++
		}
	}
	return "", 0, &PatternError{i, "string not closed"}
}

// scanNumber reads an integer ([+-]? 0 | [1-9][0-9]*) or a float
// ([+-]? [0-9]* . [0-9]+) and returns its length. A lone '.' is the path
// separator, which only follows a path, so it is never read here as such:
// the parser handles "." itself before numbers are tried.
func scanNumber(s string) (int, tokKind, string) {
	j := 0
	if s[0] == '+' || s[0] == '-' {
		j++
	}
	start := j
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	intDigits := s[start:j]
	if j < len(s) && s[j] == '.' {
		k := j + 1
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == j+1 {
			if intDigits == "" && start == 0 {
				// A bare "." is the path separator.
				return 1, tokPunct, ""
			}
			return 0, 0, "a float needs digits after the point"
		}
		return k, tokFloat, ""
	}
	if intDigits == "" {
		return 0, 0, "a sign must be followed by a number"
	}
	if len(intDigits) > 1 && intDigits[0] == '0' {
		return 0, 0, "an integer cannot start with 0"
	}
	return j, tokInt, ""
}

func checkHex(s string) string {
	if len(s)%2 != 0 {
		return "a hex literal has an even number of digits"
	}
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return "a hex literal has only hex digits"
		}
	}
	return ""
}

func isHexDigit(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func checkBase64(s string) string {
	if len(s)%4 != 0 {
		return "a binary literal is base64 in groups of four characters"
	}
	body := strings.TrimRight(s, "=")
	if len(s)-len(body) > 2 {
		return "a binary literal has at most two '=' of padding"
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(isIdentStart(c) && c != '_' || isDigit(c) || c == '+' || c == '/') {
			return "a binary literal has only base64 characters"
		}
	}
	return ""
}

// checkTimestamp accepts YYYY-MM-DDTHH:MM:SS[.s+]Z as in the grammar.
func checkTimestamp(s string) string {
	const bad = "a timestamp literal is t'YYYY-MM-DDTHH:MM:SS[.fraction]Z'"
	if len(s) < 20 || s[len(s)-1] != 'Z' {
		return bad
	}
	shape := "dddd-dd-ddTdd:dd:dd"
	for i := 0; i < len(shape); i++ {
		if shape[i] == 'd' && !isDigit(s[i]) || shape[i] != 'd' && s[i] != shape[i] {
			return bad
		}
	}
	frac := s[19 : len(s)-1]
	if frac != "" {
		if len(frac) < 2 || frac[0] != '.' {
			return bad
		}
		for i := 1; i < len(frac); i++ {
			if !isDigit(frac[i]) {
				return bad
			}
		}
	}
	mo, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:10])
	h, _ := strconv.Atoi(s[11:13])
	mi, _ := strconv.Atoi(s[14:16])
	sec, _ := strconv.Atoi(s[17:19])
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return bad
	}
	return ""
}

// Parser.

type patternParser struct {
	toks []token
	i    int
	src  string
}

func (p *patternParser) peek() token { return p.toks[p.i] }

func (p *patternParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *patternParser) errorf(t token, format string, args ...any) error {
	return &PatternError{t.pos, fmt.Sprintf(format, args...)}
}

func (p *patternParser) isKeyword(word string) bool {
	t := p.peek()
	return t.kind == tokKeyword && t.text == word
}

func (p *patternParser) isPunct(c string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == c
}

func (p *patternParser) expectPunct(c string) error {
	if t := p.next(); t.kind != tokPunct || t.text != c {
		return p.errorf(t, "expected %q, found %s", c, t)
	}
	return nil
}

func (p *patternParser) checkDepth(depth int) error {
	if depth > maxPatternDepth {
		return p.errorf(p.peek(), "nested deeper than %d levels", maxPatternDepth)
	}
	return nil
}

func (p *patternParser) observationExpressions(depth int) (ObservationExpr, error) {
	return p.obsBinary(depth, []string{"FOLLOWEDBY", "OR", "AND"})
}

// obsBinary parses left-associative chains of ops[0], whose operands are
// chains of ops[1:], down to qualified observation expressions.
func (p *patternParser) obsBinary(depth int, ops []string) (ObservationExpr, error) {
	if len(ops) == 0 {
		return p.obsQualified(depth)
	}
	left, err := p.obsBinary(depth, ops[1:])
	if err != nil {
		return nil, err
	}
	for p.isKeyword(ops[0]) {
		p.next()
		right, err := p.obsBinary(depth, ops[1:])
		if err != nil {
			return nil, err
		}
		left = ObservationBinary{Op: ops[0], Left: left, Right: right}
	}
	return left, nil
}

func (p *patternParser) obsQualified(depth int) (ObservationExpr, error) {
	e, err := p.obsPrimary(depth)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tokKeyword {
			return e, nil
		}
		switch t.text {
		case "START":
			p.next()
			start := p.next()
			if start.kind != tokTimestamp && start.kind != tokString {
				return nil, p.errorf(start, "START needs a timestamp, found %s", start)
			}
			if !p.isKeyword("STOP") {
				return nil, p.errorf(p.peek(), "expected STOP, found %s", p.peek())
			}
			p.next()
			stop := p.next()
			if stop.kind != tokTimestamp && stop.kind != tokString {
				return nil, p.errorf(stop, "STOP needs a timestamp, found %s", stop)
			}
			e = ObservationQualified{Expr: e, Qualifier: "START", Args: []Literal{tokLiteral(start), tokLiteral(stop)}}
		case "WITHIN":
			p.next()
			n := p.next()
			if (n.kind != tokInt && n.kind != tokFloat) || strings.HasPrefix(n.text, "-") {
				return nil, p.errorf(n, "WITHIN needs a positive number, found %s", n)
			}
			if !p.isKeyword("SECONDS") {
				return nil, p.errorf(p.peek(), "expected SECONDS, found %s", p.peek())
			}
			p.next()
			e = ObservationQualified{Expr: e, Qualifier: "WITHIN", Args: []Literal{tokLiteral(n)}}
		case "REPEATS":
			p.next()
			n := p.next()
			if n.kind != tokInt || strings.HasPrefix(n.text, "-") {
				return nil, p.errorf(n, "REPEATS needs a positive integer, found %s", n)
			}
			if !p.isKeyword("TIMES") {
				return nil, p.errorf(p.peek(), "expected TIMES, found %s", p.peek())
			}
			p.next()
			e = ObservationQualified{Expr: e, Qualifier: "REPEATS", Args: []Literal{tokLiteral(n)}}
		default:
			return e, nil
		}
	}
}

func (p *patternParser) obsPrimary(depth int) (ObservationExpr, error) {
	if err := p.checkDepth(depth); err != nil {
		return nil, err
	}
	t := p.next()
	switch {
	case t.kind == tokPunct && t.text == "[":
		c, err := p.comparisonExpression(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct("]"); err != nil {
			return nil, err
		}
		return ObservationComparison{Expr: c}, nil
	case t.kind == tokPunct && t.text == "(":
		e, err := p.observationExpressions(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		return e, nil
	}
	return nil, p.errorf(t, "expected '[' or '(' to start an observation expression, found %s", t)
}

func (p *patternParser) comparisonExpression(depth int) (ComparisonExpr, error) {
	left, err := p.compAnd(depth)
	if err != nil {
		return nil, err
	}
	for p.isKeyword("OR") {
		p.next()
		right, err := p.compAnd(depth)
		if err != nil {
			return nil, err
		}
		left = ComparisonBinary{Op: "OR", Left: left, Right: right}
	}
	return left, nil
}

func (p *patternParser) compAnd(depth int) (ComparisonExpr, error) {
	left, err := p.propTest(depth)
	if err != nil {
		return nil, err
	}
	for p.isKeyword("AND") {
		p.next()
		right, err := p.propTest(depth)
		if err != nil {
			return nil, err
		}
		left = ComparisonBinary{Op: "AND", Left: left, Right: right}
	}
	return left, nil
}

func (p *patternParser) propTest(depth int) (ComparisonExpr, error) {
	if err := p.checkDepth(depth); err != nil {
		return nil, err
	}
	if p.isPunct("(") {
		p.next()
		c, err := p.comparisonExpression(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		return c, nil
	}
	if p.isKeyword("EXISTS") {
		p.next()
		path, err := p.objectPath()
		if err != nil {
			return nil, err
		}
		return Comparison{Path: path, Op: "EXISTS"}, nil
	}
	path, err := p.objectPath()
	if err != nil {
		return nil, err
	}
	c := Comparison{Path: path}
	if p.isKeyword("NOT") {
		p.next()
		c.Negated = true
	}
	t := p.next()
	switch {
	case t.kind == tokOp:
		c.Op = t.text
		lit := p.next()
		if !isLiteralToken(lit) {
			return nil, p.errorf(lit, "expected a literal after %s, found %s", t.text, lit)
		}
		if lit.kind == tokBool && c.Op != "=" && c.Op != "!=" {
			return nil, p.errorf(lit, "%s cannot compare a boolean", c.Op)
		}
		c.Value = tokLiteral(lit)
	case t.kind == tokKeyword && t.text == "IN":
		c.Op = "IN"
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
		c.Set = []Literal{}
		for !p.isPunct(")") {
			if len(c.Set) > 0 {
				if err := p.expectPunct(","); err != nil {
					return nil, err
				}
			}
			lit := p.next()
			if !isLiteralToken(lit) {
				return nil, p.errorf(lit, "expected a literal in the set, found %s", lit)
			}
			c.Set = append(c.Set, tokLiteral(lit))
		}
		p.next()
	case t.kind == tokKeyword && (t.text == "LIKE" || t.text == "MATCHES" || t.text == "ISSUBSET" || t.text == "ISSUPERSET"):
		c.Op = t.text
		lit := p.next()
		if lit.kind != tokString {
			return nil, p.errorf(lit, "%s needs a string, found %s", t.text, lit)
		}
		c.Value = tokLiteral(lit)
	default:
		return nil, p.errorf(t, "expected a comparison operator, found %s", t)
	}
	return c, nil
}

func isLiteralToken(t token) bool {
	switch t.kind {
	case tokString, tokInt, tokFloat, tokBool, tokBinary, tokHex, tokTimestamp:
		return true
	}
	return false
}

func tokLiteral(t token) Literal {
	var k LiteralKind
	switch t.kind {
	case tokInt:
		k = LitInt
	case tokFloat:
		k = LitFloat
	case tokBool:
		k = LitBool
	case tokBinary:
		k = LitBinary
	case tokHex:
		k = LitHex
	case tokTimestamp:
		k = LitTimestamp
	}
	return Literal{Kind: k, Text: t.text}
}

func (p *patternParser) objectPath() (ObjectPath, error) {
	t := p.next()
	if t.kind != tokIdent {
		return ObjectPath{}, p.errorf(t, "expected an object type, found %s", t)
	}
	path := ObjectPath{Type: t.text}
	if err := p.expectPunct(":"); err != nil {
		return ObjectPath{}, err
	}
	first := p.next()
	switch first.kind {
	case tokIdent:
		if strings.Contains(first.text, "-") {
			return ObjectPath{}, p.errorf(first, "a property name with '-' must be quoted")
		}
		path.Steps = append(path.Steps, PathStep{Key: first.text, IsKey: true})
	case tokString:
		path.Steps = append(path.Steps, PathStep{Key: first.text, IsKey: true})
	default:
		return ObjectPath{}, p.errorf(first, "expected a property name, found %s", first)
	}
	for {
		switch {
		case p.isPunct("."):
			p.next()
			k := p.next()
			switch {
			case k.kind == tokIdent && !strings.Contains(k.text, "-"), k.kind == tokString:
				path.Steps = append(path.Steps, PathStep{Key: k.text, IsKey: true})
			default:
				return ObjectPath{}, p.errorf(k, "expected a property name after '.', found %s", k)
			}
		case p.isPunct("["):
			p.next()
			ix := p.next()
			switch {
			case ix.kind == tokPunct && ix.text == "*":
				path.Steps = append(path.Steps, PathStep{Any: true})
			case ix.kind == tokInt:
				n, err := strconv.Atoi(ix.text)
				if err != nil {
					return ObjectPath{}, p.errorf(ix, "index out of range")
				}
				path.Steps = append(path.Steps, PathStep{Index: n})
			default:
				return ObjectPath{}, p.errorf(ix, "expected an index or '*', found %s", ix)
			}
			if err := p.expectPunct("]"); err != nil {
				return ObjectPath{}, err
			}
		default:
			return path, nil
		}
	}
}

// Printing, for String and for the canonical-form fuzz property.

func writeObs(b *strings.Builder, e ObservationExpr, paren bool) {
	switch e := e.(type) {
	case ObservationComparison:
		b.WriteByte('[')
		writeComp(b, e.Expr, false)
		b.WriteByte(']')
	case ObservationBinary:
		if paren {
			b.WriteByte('(')
		}
		writeObs(b, e.Left, true)
		b.WriteString(" " + e.Op + " ")
		writeObs(b, e.Right, true)
		if paren {
			b.WriteByte(')')
		}
	case ObservationQualified:
		writeObs(b, e.Expr, true)
		switch e.Qualifier {
		case "START":
			b.WriteString(" START " + literalString(e.Args[0]) + " STOP " + literalString(e.Args[1]))
		case "WITHIN":
			b.WriteString(" WITHIN " + e.Args[0].Text + " SECONDS")
		case "REPEATS":
			b.WriteString(" REPEATS " + e.Args[0].Text + " TIMES")
		}
	}
}

func writeComp(b *strings.Builder, e ComparisonExpr, paren bool) {
	switch e := e.(type) {
	case ComparisonBinary:
		if paren {
			b.WriteByte('(')
		}
		writeComp(b, e.Left, true)
		b.WriteString(" " + e.Op + " ")
		writeComp(b, e.Right, true)
		if paren {
			b.WriteByte(')')
		}
	case Comparison:
		if e.Op == "EXISTS" {
			b.WriteString("EXISTS " + e.Path.String())
			return
		}
		b.WriteString(e.Path.String())
		if e.Negated {
			b.WriteString(" NOT")
		}
		b.WriteString(" " + e.Op + " ")
		if e.Op == "IN" {
			b.WriteByte('(')
			for i, l := range e.Set {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(literalString(l))
			}
			b.WriteByte(')')
			return
		}
		b.WriteString(literalString(e.Value))
	}
}

// String renders the path as the grammar writes it, quoting keys that are
// not plain identifiers.
func (p ObjectPath) String() string {
	var b strings.Builder
	b.WriteString(p.Type)
	b.WriteByte(':')
	for i, s := range p.Steps {
		switch {
		case s.IsKey:
			if i > 0 {
				b.WriteByte('.')
			}
			if plainPropertyName(s.Key) {
				b.WriteString(s.Key)
			} else {
				b.WriteString(quotePatternString(s.Key))
			}
		case s.Any:
			b.WriteString("[*]")
		default:
			fmt.Fprintf(&b, "[%d]", s.Index)
		}
	}
	return b.String()
}

func plainPropertyName(k string) bool {
	if k == "" || !isIdentStart(k[0]) || patternKeywords[k] || k == "true" || k == "false" {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isIdentPart(k[i]) || k[i] == '-' {
			return false
		}
	}
	return true
}

func literalString(l Literal) string {
	switch l.Kind {
	case LitString:
		return quotePatternString(l.Text)
	case LitBinary:
		return "b'" + l.Text + "'"
	case LitHex:
		return "h'" + l.Text + "'"
	case LitTimestamp:
		return "t'" + l.Text + "'"
	}
	return l.Text
}

// quotePatternString quotes s as a pattern string literal: backslashes and
// single quotes are escaped, nothing else.
func quotePatternString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}

// What ringfence reads from patterns and observables.

// patternValue is an identifier read from a pattern or an observable,
// before normalisation.
type patternValue struct{ kind, raw string }

// ringfenceTypePrefix starts the custom observable types ringfence exports
// for kinds STIX has no object for, e.g. "x-ringfence-id-document:value".
const ringfenceTypePrefix = "x-ringfence-"

// scoAliases maps the observable types that carry identifiers — STIX's
// own and the custom ones in common use (OpenCTI's phone-number,
// cryptocurrency-wallet, bank-account and hostname, and their x- forms)
// — to the type whose properties they share.
var scoAliases = map[string]string{
	"email-addr": "email-addr", "email-message": "email-message",
	"domain-name": "domain-name", "hostname": "domain-name", "x-hostname": "domain-name",
	"url": "url", "ipv4-addr": "ipv4-addr", "ipv6-addr": "ipv6-addr",
	"user-account": "user-account",
	"phone-number": "phone-number", "x-phone-number": "phone-number",
	"cryptocurrency-wallet": "cryptocurrency-wallet", "x-crypto-wallet": "cryptocurrency-wallet",
	"x-cryptocurrency-wallet": "cryptocurrency-wallet",
	"bank-account":            "bank-account", "x-bank-account": "bank-account",
}

// scoQualifiers are properties that do not identify by themselves but say
// how to read an identifier of the same object: the platform of a user
// account, the chain of a wallet, the routing number of an account.
var scoQualifiers = map[string][]string{
	"user-account":          {"account_type"},
	"cryptocurrency-wallet": {"currency", "chain", "symbol"},
	"bank-account":          {"routing_number", "aba_routing_number"},
}

// accountSites maps STIX account_type values to the profile handles the
// url kind understands. A login on any other platform is not an
// identifier ringfence can match (it has no kind for a bare user name),
// so such accounts are counted as unsupported rather than stored.
var accountSites = map[string]string{
	"github": "github", "github.com": "github",
	"linkedin": "linkedin", "linkedin.com": "linkedin",
	"telegram": "telegram", "telegram.org": "telegram", "t.me": "telegram",
}

// scoIdentifier returns the indicator kind and raw value of property prop
// of an object of type typ with value v; quals holds the same object's
// qualifier properties. ok is false when the property identifies nothing
// ringfence screens for.
func scoIdentifier(typ, prop, v string, quals map[string]string) (kind, raw string, ok bool) {
	if k, found := strings.CutPrefix(typ, ringfenceTypePrefix); found {
		k = strings.ReplaceAll(k, "-", "_")
		if prop != "value" || !knownIndicatorKind(k) {
			return "", "", false
		}
		return k, v, true
	}
	switch scoAliases[typ] + ":" + prop {
	case "email-addr:value", "email-message:from_ref.value", "email-message:sender_ref.value":
		return "email", v, true
	case "domain-name:value":
		return "domain", v, true
	case "url:value":
		return "url", v, true
	case "ipv4-addr:value", "ipv6-addr:value":
		return "ip", v, true
	case "phone-number:value":
		return "phone", v, true
	case "cryptocurrency-wallet:value", "cryptocurrency-wallet:address":
		chain := cmp.Or(quals["currency"], quals["chain"], quals["symbol"])
		return "wallet", walletRaw(v, chain), true
	case "bank-account:iban":
		return "bank_account", v, true
	case "bank-account:account_number":
		if routing := cmp.Or(quals["routing_number"], quals["aba_routing_number"]); routing != "" {
			return "bank_account", routing + ":" + v, true
		}
		return "bank_account", v, true
	case "user-account:account_login", "user-account:user_id":
		site := accountSites[strings.ToLower(strings.TrimSpace(quals["account_type"]))]
		if site == "" || prop == "user_id" && allDigits(v) {
			// A numeric user_id is the platform's internal number, not
			// the handle people see.
			return "", "", false
		}
		return "url", site + ":" + strings.TrimPrefix(strings.TrimSpace(v), "@"), true
	}
	return "", "", false
}

// walletRaw writes a wallet address for normalisation: the address alone
// when its chain can be told from it, else "chain:address" so that the
// chain is kept where the address alone is ambiguous.
func walletRaw(addr, chain string) string {
	addr = strings.TrimSpace(addr)
	chain = strings.ToLower(strings.TrimSpace(chain))
	if chain == "" || strings.Contains(addr, ":") {
		return addr
	}
	if _, err := Canonical("wallet", addr); err == nil {
		return addr
	}
	return chain + ":" + addr
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// knownIndicatorKind reports whether Canonical knows kind k.
func knownIndicatorKind(k string) bool {
	switch k {
	case KindBirthDate, KindNationality, KindProgram, KindEntityType, KindSWIFT, "email_domain", "registrable_domain":
		return true
	}
	_, err := normalize.ParseKind(k)
	return err == nil
}

// extraction is what patternValues found in a (sub)expression: the
// identifiers, whether every comparison in it was understood, and the
// object types its identifiers came from.
type extraction struct {
	vals  []patternValue
	ok    bool
	types []string
}

var notUnderstood = extraction{}

// patternValues returns the identifiers a pattern names on its own.
//
// Each equality (or IN, or ISSUBSET on an IP) on an identifier property is
// an identifier. Across OR, every branch names its identifiers on its own,
// so the understood branches are kept and the rest dropped (ok is then
// false). Across AND and FOLLOWEDBY, a conjunct that is not understood
// would narrow the match in a way ringfence cannot check, so keeping the
// other side alone would broaden the indicator: the whole conjunction is
// dropped. Conjunctions of identifiers are kept, one indicator each, since
// ringfence screens identifiers one by one. Qualifier properties in a
// conjunction (account_type, a wallet's currency, a routing number) are
// applied to the identifiers of the same object type; one with nothing to
// qualify makes the conjunction not understood. Observation qualifiers
// (START/STOP, WITHIN, REPEATS) limit when a match counts and are ignored.
func patternValues(p *Pattern) extraction {
	return obsValues(p.Root)
}

func obsValues(e ObservationExpr) extraction {
	switch e := e.(type) {
	case ObservationComparison:
		return compValues(e.Expr, nil)
	case ObservationQualified:
		return obsValues(e.Expr)
	case ObservationBinary:
		l, r := obsValues(e.Left), obsValues(e.Right)
		return join(e.Op == "OR", l, r)
	}
	return notUnderstood
}

func join(or bool, l, r extraction) extraction {
	if !or && !(l.ok && r.ok) {
		return notUnderstood
	}
	return extraction{
		vals:  slices.Concat(l.vals, r.vals),
		ok:    l.ok && r.ok,
		types: slices.Concat(l.types, r.types),
	}
}

func compValues(e ComparisonExpr, quals map[string]map[string]string) extraction {
	switch e := e.(type) {
	case Comparison:
		return leafValues(e, quals)
	case ComparisonBinary:
		if e.Op == "OR" {
			return join(true, compValues(e.Left, quals), compValues(e.Right, quals))
		}
		var conj []ComparisonExpr
		flattenAnd(e, &conj)
		q := map[string]map[string]string{}
		for t, m := range quals {
			q[t] = maps.Clone(m)
		}
		var rest []ComparisonExpr
		var qualTypes []string
		for _, c := range conj {
			typ, prop, v, isQual := qualifierTest(c)
			if !isQual {
				rest = append(rest, c)
				continue
			}
			if q[typ] == nil {
				q[typ] = map[string]string{}
			}
			if old, dup := q[typ][prop]; dup && old != v {
				return notUnderstood // a contradiction matches nothing
			}
			q[typ][prop] = v
			qualTypes = append(qualTypes, typ)
		}
		out := extraction{ok: true}
		for _, c := range rest {
			x := compValues(c, q)
			if !x.ok {
				return notUnderstood
			}
			out = join(false, out, x)
		}
		if len(out.vals) == 0 {
			return notUnderstood
		}
		for _, t := range qualTypes {
			if !slices.Contains(out.types, t) {
				return notUnderstood
			}
		}
		return out
	}
	return notUnderstood
}

func flattenAnd(e ComparisonExpr, out *[]ComparisonExpr) {
	if b, ok := e.(ComparisonBinary); ok && b.Op == "AND" {
		flattenAnd(b.Left, out)
		flattenAnd(b.Right, out)
		return
	}
	*out = append(*out, e)
}

// qualifierTest reports whether c is "type:qualifier = 'v'".
func qualifierTest(e ComparisonExpr) (typ, prop, v string, ok bool) {
	c, isComp := e.(Comparison)
	if !isComp || c.Negated || c.Op != "=" || c.Value.Kind != LitString || len(c.Path.Steps) != 1 {
		return "", "", "", false
	}
	prop = c.Path.Property()
	if !slices.Contains(scoQualifiers[scoAliases[c.Path.Type]], prop) {
		return "", "", "", false
	}
	return c.Path.Type, prop, c.Value.Text, true
}

func leafValues(c Comparison, quals map[string]map[string]string) extraction {
	if c.Negated {
		return notUnderstood
	}
	typ, prop := c.Path.Type, c.Path.Property()
	var lits []Literal
	switch c.Op {
	case "=":
		lits = []Literal{c.Value}
	case "IN":
		lits = c.Set
	case "ISSUBSET":
		// "ipv4-addr:value ISSUBSET '198.51.100.0/24'": the address lies
		// in the range, which is what an ip indicator with a CIDR means.
		if (typ == "ipv4-addr" || typ == "ipv6-addr") && prop == "value" {
			lits = []Literal{c.Value}
		}
	}
	if len(lits) == 0 {
		return notUnderstood
	}
	x := extraction{ok: true, types: []string{typ}}
	for _, l := range lits {
		if l.Kind != LitString {
			return notUnderstood
		}
		kind, raw, ok := scoIdentifier(typ, prop, l.Text, quals[typ])
		if !ok {
			return notUnderstood
		}
		x.vals = append(x.vals, patternValue{kind, raw})
	}
	return x
}
