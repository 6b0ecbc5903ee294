package screen

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultRulesCompileAndCiteTheirSources(t *testing.T) {
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.List()) < 15 {
		t.Errorf("default pack has %d rules, want the DPRK IT-worker pack (at least 15)", len(rs.List()))
	}
	for _, r := range rs.List() {
		if len(r.References) == 0 {
			t.Errorf("rule %s cites no source", r.ID)
		}
	}
}

func TestRuleErrorsNameTheRuleFileLineAndPosition(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"undeclared signal", "rules:\n  - id: x\n    on: link\n    description: d\n    points: 10\n    when: link.kind == 'phone' &&\n      lnk.others > 1\n",
			[]string{"rules.yaml:2", "rule x", "when: 1:28:", "undeclared reference to 'lnk.others'"}},
		{"not a boolean", "rules:\n  - id: y\n    on: link\n    description: d\n    points: 10\n    when: link.others\n",
			[]string{"rules.yaml:2", "rule y", "when: gives int, want bool"}},
		{"signal of another fact", "rules:\n  - id: z\n    on: link\n    description: d\n    points: 10\n    when: match.sanctions\n",
			[]string{"rule z", "match.sanctions is a match signal; a rule on link cannot see it"}},
		{"points expression of the wrong type", "rules:\n  - id: p\n    on: link\n    description: d\n    points: \"'ten'\"\n    when: link.others > 0\n",
			[]string{"rule p", "points: gives string, want int or double"}},
		{"points out of range", "rules:\n  - id: q\n    on: link\n    description: d\n    points: 140\n    when: link.others > 0\n",
			[]string{"rules.yaml:2", "rule q", "points: 140 is outside 0–100"}},
		{"unknown fact type", "rules:\n  - id: r\n    on: links\n    description: d\n    points: 1\n    when: 'true'\n",
			[]string{"rule r", `on: "links" is not a fact type`}},
		{"unknown key", "rules:\n  - id: s\n    on: link\n    descripton: d\n",
			[]string{"rules.yaml:4", `unknown key "descripton"`}},
		{"repeated id", "rules:\n  - {id: t, on: link, description: d, points: 1, when: 'true'}\n  - {id: t, on: link, description: d, points: 1, when: 'true'}\n",
			[]string{"rules.yaml:3", "rule t", "repeats the rule on line 2"}},
		{"not YAML", "rules: [\n", []string{"rules.yaml"}},
		{"points and severity", "rules:\n  - {id: u, on: link, description: d, points: 10, severity: high, when: 'true'}\n",
			[]string{"rule u", "give points or severity, not both"}},
		{"unknown severity", "rules:\n  - {id: v, on: link, description: d, severity: severe, when: 'true'}\n",
			[]string{"rule v", `severity: "severe"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := ParseRules("rules.yaml", []byte(tc.yaml))
			if err == nil {
				_, err = DefaultRules(rules)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrRules) {
				t.Errorf("error %v does not match ErrRules", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestExtraRulesAddReplaceAndDisable(t *testing.T) {
	extra, err := ParseRules("ours.yaml", []byte(`rules:
  - id: shared-phone
    on: link
    description: our own threshold
    when: link.kind == "phone" && link.different_names >= 1
    points: 60
  - id: shared-ip
    enabled: false
  - id: half-points
    on: link
    description: fractional points round
    when: link.kind == "phone"
    points: 12.5
  - id: payee-without-birth-date
    on: subject
    description: payees must give a birth date
    when: subject.kind == "payee" && !subject.has_birth_date
    severity: low
`))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := DefaultRules(extra)
	if err != nil {
		t.Fatal(err)
	}
	if r := rs.Rule("shared-phone"); r == nil || r.File != "ours.yaml" || r.fixed != 60 {
		t.Errorf("shared-phone was not replaced: %+v", r)
	}
	if rs.Rule("shared-ip") != nil {
		t.Error("shared-ip is still enabled")
	}
	if r := rs.Rule("half-points"); r == nil || r.fixed != 13 {
		t.Errorf("points 12.5: %+v", r)
	}
	if r := rs.Rule("payee-without-birth-date"); r == nil || r.fixed != 15 {
		t.Errorf("new rule missing or severity low not 15 points: %+v", r)
	}
}

// TestRuleTestFiles runs the rule tests kept with the default pack: the
// cases each rule must catch and the benign look-alikes it must leave.
func TestRuleTestFiles(t *testing.T) {
	rules, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/ruletests/*.yaml")
	if len(files) == 0 {
		t.Fatal("no rule tests in testdata/ruletests")
	}
	ran := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tests, err := ParseRuleTests(f, data)
		if err != nil {
			t.Fatal(err)
		}
		results, err := RunRuleTests(context.Background(), f, tests, rules)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			ran++
			for _, fl := range r.Failures {
				t.Errorf("%s:%d %s: %s", r.File, r.Line, r.Name, fl)
			}
		}
	}
	t.Logf("%d rule tests", ran)
}

func TestRuleTestExpectationsCanFail(t *testing.T) {
	rules, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	tests, err := ParseRuleTests("t.yaml", []byte(`tests:
  - name: wrong on purpose
    records: |
      {"id":"a","name":"John Smith","phones":["+1 512 412 7788"]}
      {"id":"b","name":"Mary Jones","phones":["+1 512-412-7788"]}
    expect:
      a: critical shared-wallet
      b: "<medium !shared-phone"
      c: clear
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunRuleTests(context.Background(), "t.yaml", tests, rules)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(res[0].Failures, "\n")
	for _, w := range []string{"a: level medium (score 45), want critical", "a: rule shared-wallet did not hit",
		"b: level medium (score 45), want <medium", "b: rule shared-phone hit, want it not to", "c: no such record"} {
		if !strings.Contains(got, w) {
			t.Errorf("failures do not say %q:\n%s", w, got)
		}
	}
	if _, err := ParseRuleTests("t.yaml", []byte("tests:\n  - name: x\n    records: '{}'\n    expect: {a: severe}\n")); err == nil ||
		!strings.Contains(err.Error(), `"severe" is not a level`) {
		t.Errorf("bad level: got %v", err)
	}
}

// TestRulesDocDescribesEverySignalAndRule keeps docs/RULES.md, the
// reference analysts write rules from, in step with the code.
func TestRulesDocDescribesEverySignalAndRule(t *testing.T) {
	doc, err := os.ReadFile("../../docs/RULES.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Signals() {
		row := "| `" + s[0] + "` | " + s[1] + " | " + s[2] + " | " + s[3] + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/RULES.md lacks the row %s", row)
		}
	}
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs.List() {
		if !strings.Contains(string(doc), "`"+r.ID+"`") {
			t.Errorf("docs/RULES.md does not describe rule %s", r.ID)
		}
	}
}
