package screen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/match"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// A rule test file says, for fixture records, what verdicts the rules must
// give: analysts propose a rule together with the cases it must catch and
// the ones it must leave alone. docs/RULES.md describes the format:
//
//	tests:
//	  - name: one payout account, two unrelated names
//	    intel: |                  # optional: indicator CSV
//	      type,value,label,severity,source
//	      wallet,0x…,Lazarus Group wallet,critical,test
//	    records: |                # JSON Lines, as ringfence screen reads them
//	      {"id":"a","name":"John Smith","bank_accounts":["021000021:12345678"]}
//	      {"id":"b","name":"Mary Jones","bank_accounts":["021000021:12345678"]}
//	    expect:
//	      a: high shared-payout-account      # level, then rules that must hit
//	      b: ">=high shared-payout-account !shared-phone"
//
// An expectation is a level (exact, or with >=, <=, > or <) followed by
// rule ids that must be among the hits, and !rule ids that must not.
type RuleTest struct {
	Name    string `yaml:"name"`
	Intel   string `yaml:"intel"`
	Records string `yaml:"records"`
	// Findings are other analyses' findings about the records, one JSON
	// object a line: {"subject", "source", "id", "kind", "level", "points",
	// "explanation", "detail": {…}} (store.Finding, screen.Finding).
	Findings string            `yaml:"findings"`
	Expect   map[string]string `yaml:"expect"`
	Line     int               `yaml:"-"`
}

// TestResult is the outcome of one test: failures say what differed.
type TestResult struct {
	File, Name string
	Line       int
	Failures   []string
}

// ParseRuleTests reads a rule test file.
func ParseRuleTests(file string, data []byte) ([]RuleTest, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &RuleError{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode ||
		len(doc.Content[0].Content) != 2 || doc.Content[0].Content[0].Value != "tests" ||
		doc.Content[0].Content[1].Kind != yaml.SequenceNode {
		return nil, &RuleError{File: file, Line: doc.Line, Msg: "want a mapping with one key, tests:, holding a list"}
	}
	var out []RuleTest
	for _, n := range doc.Content[0].Content[1].Content {
		var t RuleTest
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k := n.Content[i]; !slices.Contains([]string{"name", "intel", "records", "findings", "expect"}, k.Value) {
					return nil, &RuleError{File: file, Line: k.Line, Msg: fmt.Sprintf("unknown key %q (want name, intel, records, expect)", k.Value)}
				}
			}
		}
		if err := n.Decode(&t); err != nil {
			return nil, &RuleError{File: file, Line: n.Line, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		t.Line = n.Line
		if t.Name == "" || strings.TrimSpace(t.Records) == "" || len(t.Expect) == 0 {
			return nil, &RuleError{File: file, Line: n.Line, Msg: "a test needs name:, records: and expect:"}
		}
		for id, e := range t.Expect {
			if _, err := parseExpectation(e); err != nil {
				return nil, &RuleError{File: file, Line: n.Line, Msg: fmt.Sprintf("test %q: expect %s: %v", t.Name, id, err)}
			}
		}
		out = append(out, t)
	}
	return out, nil
}

type expectation struct {
	op, level string
	must, not []string
}

func parseExpectation(s string) (expectation, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return expectation{}, fmt.Errorf("empty: want a level, then rules")
	}
	var e expectation
	lv := f[0]
	for _, op := range []string{">=", "<=", ">", "<"} {
		if strings.HasPrefix(lv, op) {
			e.op, lv = op, lv[len(op):]
			break
		}
	}
	if LevelRank(lv) < 0 {
		return e, fmt.Errorf("%q is not a level (%s, optionally after >=, <=, > or <)", f[0], strings.Join(Levels, ", "))
	}
	e.level = lv
	for _, r := range f[1:] {
		if strings.HasPrefix(r, "!") {
			e.not = append(e.not, r[1:])
		} else {
			e.must = append(e.must, r)
		}
	}
	return e, nil
}

func (e expectation) check(v Verdict) []string {
	var fails []string
	got, want := LevelRank(v.Level), LevelRank(e.level)
	ok := map[string]bool{"": got == want, ">=": got >= want, "<=": got <= want, ">": got > want, "<": got < want}[e.op]
	if !ok {
		fails = append(fails, fmt.Sprintf("level %s (score %d), want %s%s", v.Level, v.Score, e.op, e.level))
	}
	fired := map[string]bool{}
	for _, h := range v.Hits {
		fired[h.Rule] = true
	}
	for _, r := range e.must {
		if !fired[r] {
			fails = append(fails, fmt.Sprintf("rule %s did not hit", r))
		}
	}
	for _, r := range e.not {
		if fired[r] {
			fails = append(fails, fmt.Sprintf("rule %s hit, want it not to", r))
		}
	}
	return fails
}

// RunRuleTests runs the tests of one file with rules and returns a result
// per test. An error is a test that cannot run (bad fixture records or
// intelligence), not a failing expectation.
func RunRuleTests(ctx context.Context, file string, tests []RuleTest, rules *Rules) ([]TestResult, error) {
	var out []TestResult
	for _, t := range tests {
		res := TestResult{File: file, Name: t.Name, Line: t.Line}
		var inds []store.Indicator
		if strings.TrimSpace(t.Intel) != "" {
			rs, err := intel.ParseIndicatorCSV(ctx, strings.NewReader(t.Intel), fmt.Sprintf("%s:%d: test %q: intel", file, t.Line, t.Name))
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				inds = append(inds, r.Indicators...)
			}
		}
		rd := subject.NewJSONLReader(strings.NewReader(t.Records), fmt.Sprintf("%s:%d: test %q: records", file, t.Line, t.Name))
		var recs []subject.Record
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			recs = append(recs, rec)
		}
		findings, err := parseTestFindings(t.Findings, fmt.Sprintf("%s:%d: test %q: findings", file, t.Line, t.Name))
		if err != nil {
			return nil, err
		}
		s, err := New(Config{Intel: match.NewIndexFromSlice(inds), Rules: rules, Findings: findings})
		if err != nil {
			return nil, err
		}
		vs, err := s.ScreenAll(ctx, recs)
		if err != nil {
			return nil, err
		}
		byID := map[string]Verdict{}
		for _, v := range vs {
			byID[v.ID] = v
		}
		ids := make([]string, 0, len(t.Expect))
		for id := range t.Expect {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			v, ok := byID[id]
			if !ok {
				res.Failures = append(res.Failures, fmt.Sprintf("%s: no such record", id))
				continue
			}
			e, _ := parseExpectation(t.Expect[id])
			for _, f := range e.check(v) {
				res.Failures = append(res.Failures, id+": "+f)
			}
		}
		out = append(out, res)
	}
	return out, nil
}

// parseTestFindings reads a rule test's findings.
func parseTestFindings(text, where string) (map[string][]Finding, error) {
	out := map[string][]Finding{}
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var w struct {
			Subject     string          `json:"subject"`
			Source      string          `json:"source"`
			ID          string          `json:"id"`
			Kind        string          `json:"kind"`
			Level       string          `json:"level"`
			Points      int             `json:"points"`
			Explanation string          `json:"explanation"`
			Detail      json.RawMessage `json:"detail"`
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&w); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", where, i+1, err)
		}
		if w.Subject == "" || w.Source == "" || w.Kind == "" {
			return nil, fmt.Errorf("%s line %d: subject, source and kind are required", where, i+1)
		}
		f, err := FindingOf(store.Finding{Source: w.Source, ID: w.ID, SubjectID: w.Subject, Kind: w.Kind, Level: w.Level,
			Points: w.Points, Explanation: w.Explanation, Detail: w.Detail})
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", where, i+1, err)
		}
		out[w.Subject] = append(out[w.Subject], f)
	}
	return out, nil
}
