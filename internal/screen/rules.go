package screen

import (
	"embed"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	"go.yaml.in/yaml/v3"
)

// Rule is one scoring rule: when its condition holds for a fact, the fact
// becomes a hit worth the rule's points.
type Rule struct {
	ID          string   `yaml:"id"`
	Description string   `yaml:"description"`
	On          string   `yaml:"on"`
	When        string   `yaml:"when"`
	Points      any      `yaml:"points"`   // an integer, or a CEL expression giving one
	Severity    string   `yaml:"severity"` // instead of points: info, low, medium, high, critical
	References  []string `yaml:"references"`
	Enabled     *bool    `yaml:"enabled"`

	// File and Line locate the rule, for errors and for `rules list`.
	File string `yaml:"-"`
	Line int    `yaml:"-"`

	when, points cel.Program
	fixed        int
	uses         []string // the signals its expressions read
}

// severityPoints gives the points of a rule that states a severity instead.
var severityPoints = map[string]int{"info": 0, "low": 15, "medium": 40, "high": 75, "critical": 95}

// RuleError is a rule that cannot be used: where it is and why.
type RuleError struct {
	File string
	Line int
	Rule string // the rule's id, when it has one
	Msg  string
}

func (e *RuleError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Rule != "" {
		fmt.Fprintf(&b, ": rule %s", e.Rule)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// ErrRules is matched by every RuleError, so callers can tell bad rules
// (exit code 2) from failures.
var ErrRules = errors.New("invalid rules")

func (e *RuleError) Unwrap() error { return ErrRules }

//go:embed rules/*.yaml
var defaultRules embed.FS

// DefaultRuleFile is the embedded rule pack.
const DefaultRuleFile = "rules/dprk-it-workers.yaml"

// Rules is a compiled rule set, immutable and safe for concurrent use.
type Rules struct {
	list []*Rule
	on   map[string][]*Rule
}

// List returns the enabled rules in evaluation order.
func (rs *Rules) List() []*Rule { return rs.list }

// Rule returns the rule with id, or nil.
func (rs *Rules) Rule(id string) *Rule {
	for _, r := range rs.list {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// ParseRules reads a rule file: YAML with a top-level "rules" list. It
// checks the file's shape, not the expressions (Compile does).
func ParseRules(file string, data []byte) ([]*Rule, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &RuleError{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &RuleError{File: file, Line: doc.Line, Msg: "want a mapping with a rules: list at the top"}
	}
	top := doc.Content[0]
	var seq *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Value != "rules" {
			return nil, &RuleError{File: file, Line: k.Line, Msg: fmt.Sprintf("unknown top-level key %q (want rules)", k.Value)}
		}
		if v.Kind != yaml.SequenceNode {
			return nil, &RuleError{File: file, Line: v.Line, Msg: "rules: must be a list"}
		}
		seq = v
	}
	if seq == nil {
		return nil, &RuleError{File: file, Msg: "no rules: list"}
	}
	var out []*Rule
	seen := map[string]int{}
	for _, n := range seq.Content {
		r := &Rule{File: file, Line: n.Line}
		if n.Kind != yaml.MappingNode {
			return nil, &RuleError{File: file, Line: n.Line, Msg: "a rule must be a mapping (id:, on:, when:, points:, description:)"}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !slices.Contains(ruleKeys, k.Value) {
				return nil, &RuleError{File: file, Line: k.Line, Msg: fmt.Sprintf("unknown key %q (want %s)", k.Value, strings.Join(ruleKeys, ", "))}
			}
		}
		if err := n.Decode(r); err != nil {
			return nil, &RuleError{File: file, Line: n.Line, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		if err := r.check(); err != nil {
			return nil, &RuleError{File: file, Line: r.Line, Rule: r.ID, Msg: err.Error()}
		}
		if prev, dup := seen[r.ID]; dup {
			return nil, &RuleError{File: file, Line: r.Line, Rule: r.ID, Msg: fmt.Sprintf("id repeats the rule on line %d", prev)}
		}
		seen[r.ID] = r.Line
		out = append(out, r)
	}
	return out, nil
}

var ruleKeys = []string{"id", "description", "on", "when", "points", "severity", "references", "enabled"}

var ruleID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

func (r *Rule) check() error {
	if !ruleID.MatchString(r.ID) {
		return fmt.Errorf("id %q: want 1–64 lower-case letters, digits, '.', '_' or '-'", r.ID)
	}
	if r.Enabled != nil && !*r.Enabled {
		return nil // switching a rule off needs only its id
	}
	if r.Severity != "" {
		if _, ok := severityPoints[r.Severity]; !ok {
			return fmt.Errorf("severity: %q is not info, low, medium, high or critical", r.Severity)
		}
		if r.Points != nil {
			return errors.New("give points or severity, not both")
		}
	}
	if !slices.Contains(factTypes, r.On) {
		return fmt.Errorf("on: %q is not a fact type (want one of %s)", r.On, strings.Join(factTypes, ", "))
	}
	if strings.TrimSpace(r.When) == "" {
		return errors.New("when: missing condition")
	}
	if strings.TrimSpace(r.Description) == "" {
		return errors.New("description: missing (say why the rule matters; it is shown with every hit)")
	}
	switch p := r.Points.(type) {
	case nil:
		if r.Severity == "" {
			return errors.New("points: missing (or give a severity: info, low, medium, high, critical)")
		}
		v, ok := severityPoints[r.Severity]
		if !ok {
			return fmt.Errorf("severity: %q is not info, low, medium, high or critical", r.Severity)
		}
		r.fixed = v
	case int:
		if p < 0 || p > 100 {
			return fmt.Errorf("points: %d is outside 0–100", p)
		}
		r.fixed = p
	case float64:
		if !(p >= 0 && p <= 100) {
			return fmt.Errorf("points: %v is outside 0–100", p)
		}
		r.fixed = int(math.Round(p))
	case string:
		if strings.TrimSpace(p) == "" {
			return errors.New("points: empty expression")
		}
	default:
		return fmt.Errorf("points: want a number 0–100 or a CEL expression, not %T", p)
	}
	return nil
}

// Compile compiles the rules of base, then of each further set in order: a
// rule whose id is already present replaces it (enabled: false removes
// it). Every expression is type-checked against the signals; the first
// error names the rule, its file and line, and the position in the
// expression.
func Compile(base []*Rule, more ...[]*Rule) (*Rules, error) {
	env, err := newEnv()
	if err != nil {
		return nil, err
	}
	var order []string
	byID := map[string]*Rule{}
	for _, set := range append([][]*Rule{base}, more...) {
		for _, r := range set {
			if _, ok := byID[r.ID]; !ok {
				order = append(order, r.ID)
			}
			byID[r.ID] = r
		}
	}
	rs := &Rules{on: map[string][]*Rule{}}
	for _, id := range order {
		r := byID[id]
		if r.Enabled != nil && !*r.Enabled {
			continue
		}
		if r.when, err = compileExpr(env, r, "when", r.When, cel.BoolType); err != nil {
			return nil, err
		}
		if s, ok := r.Points.(string); ok {
			if r.points, err = compileExpr(env, r, "points", s, nil); err != nil {
				return nil, err
			}
		}
		rs.list = append(rs.list, r)
		rs.on[r.On] = append(rs.on[r.On], r)
	}
	return rs, nil
}

// DefaultRules returns the embedded rule pack, compiled, with the sets of
// extra applied over it.
func DefaultRules(extra ...[]*Rule) (*Rules, error) {
	base, err := parseDefault()
	if err != nil {
		return nil, err
	}
	return Compile(base, extra...)
}

func parseDefault() ([]*Rule, error) {
	data, err := defaultRules.ReadFile(DefaultRuleFile)
	if err != nil {
		return nil, err
	}
	return ParseRules("(embedded) "+DefaultRuleFile, data)
}

func newEnv() (*cel.Env, error) {
	opts := []cel.EnvOption{ext.Strings(), ext.Math(), ext.Lists(), ext.Sets()}
	for _, s := range signals {
		opts = append(opts, cel.Variable(s.name, s.typ))
	}
	return cel.NewEnv(opts...)
}

// compileExpr compiles one expression of r. A rule may use the subject's
// signals and those of its own fact type only: a link rule reading
// match.source would never fire, so it is an error here, not a silent
// no-op later.
func compileExpr(env *cel.Env, r *Rule, field, expr string, want *cel.Type) (cel.Program, error) {
	fail := func(msg string) error {
		return &RuleError{File: r.File, Line: r.Line, Rule: r.ID, Msg: field + ": " + msg}
	}
	a, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		e := iss.Errors()[0]
		return nil, fail(fmt.Sprintf("%d:%d: %s", e.Location.Line(), e.Location.Column()+1, e.Message))
	}
	if want != nil && !a.OutputType().IsExactType(want) {
		return nil, fail(fmt.Sprintf("gives %s, want %s", a.OutputType(), want))
	}
	if want == nil && !a.OutputType().IsExactType(cel.IntType) && !a.OutputType().IsExactType(cel.DoubleType) {
		return nil, fail(fmt.Sprintf("gives %s, want int or double", a.OutputType()))
	}
	checked, err := cel.AstToCheckedExpr(a)
	if err != nil {
		return nil, fail(err.Error())
	}
	for _, rf := range checked.GetReferenceMap() {
		s, ok := signalByName[rf.GetName()]
		if ok && s.on != OnSubject && s.on != r.On {
			return nil, fail(fmt.Sprintf("%s is a %s signal; a rule on %s cannot see it", s.name, s.on, r.On))
		}
		if ok && !slices.Contains(r.uses, s.name) {
			r.uses = append(r.uses, s.name)
		}
	}
	// In the signal table's order, so a hit's evidence is the same on
	// every run (the reference map is a Go map).
	slices.SortFunc(r.uses, func(a, b string) int {
		return slices.IndexFunc(signals, func(s signal) bool { return s.name == a }) -
			slices.IndexFunc(signals, func(s signal) bool { return s.name == b })
	})
	p, err := env.Program(a, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, fail(err.Error())
	}
	return p, nil
}

// eval runs the rule on one fact: whether it fires and for how many
// points. An evaluation error (a division by zero, say) is reported, not
// taken as false, so a broken rule is noticed.
func (r *Rule) eval(f *facts) (bool, int, error) {
	out, _, err := r.when.Eval(f)
	if err != nil {
		return false, 0, fmt.Errorf("rule %s: when: %w", r.ID, err)
	}
	if out != types.True {
		return false, 0, nil
	}
	if r.points == nil {
		return true, r.fixed, nil
	}
	v, _, err := r.points.Eval(f)
	if err != nil {
		return false, 0, fmt.Errorf("rule %s: points: %w", r.ID, err)
	}
	var p float64
	switch x := v.Value().(type) {
	case int64:
		p = float64(x)
	case float64:
		p = x
	}
	if math.IsNaN(p) {
		p = 0
	}
	return true, int(math.Round(min(max(p, 0), 100))), nil
}
