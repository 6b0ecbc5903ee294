package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/ringfence/ringfence/internal/screen"
)

func rulesCommand() command {
	c := command{
		name:    "rules",
		summary: "list, check and test screening rules",
		usage: `Usage: ringfence rules list [--rules FILE]...
       ringfence rules signals
       ringfence rules test TESTFILE... [--rules FILE]...

Screening rules are data: a YAML file of rules, each an id, a description
(shown with every hit), the fact type it looks at (on: subject, match, link
or resume), a CEL condition over the signals 'ringfence rules signals'
lists, points (a number or a CEL expression) and references. The embedded
DPRK IT-worker pack is always loaded; --rules files add rules or replace the
pack's rule of the same id (enabled: false switches one off). docs/RULES.md
is the reference.

  list     prints the rules in effect, with their points and where they come
           from; a rule that does not compile is reported with its file,
           line and position, and the command exits with 2
  signals  prints every signal a condition may use, with its type
  test     runs rule test files: fixture records and the verdicts they must
           get (level, rules that must and must not hit); exits with 1 when
           a test fails

Example:
  $ ringfence rules test rules/tests/payout.yaml --rules rules/ours.yaml
  ok    payout.yaml:3  one payout account, two unrelated names
  FAIL  payout.yaml:14 a couple's joint account
        b: level high (score 75), want <high
  1 of 2 tests failed
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		if len(args) > 0 && strings.HasPrefix(args[0], "-") {
			// --help before a subcommand
			if _, err := parseFlags(flag.NewFlagSet("rules", flag.ContinueOnError), c, e, args); err != nil {
				return err
			}
		}
		if len(args) == 0 {
			return usagef("rules needs a subcommand: list, signals or test (see 'ringfence help rules')")
		}
		sub, args := args[0], args[1:]
		fs := flag.NewFlagSet("rules "+sub, flag.ContinueOnError)
		var ruleFiles stringList
		fs.Var(&ruleFiles, "rules", "rule file")
		files, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		switch sub {
		case "list":
			rules, err := loadRules(ruleFiles)
			if err != nil {
				return err
			}
			for _, r := range rules.List() {
				pts := fmt.Sprint(r.Points)
				if r.Points == nil {
					pts = r.Severity
				}
				fmt.Fprintf(e.stdout, "%-30s %-8s %-40s %s:%d\n", r.ID, r.On, oneLine(pts, 40), r.File, r.Line)
			}
			return nil
		case "signals":
			for _, s := range screen.Signals() {
				fmt.Fprintf(e.stdout, "%-28s %-7s %-13s %s\n", s[0], s[1], s[2], s[3])
			}
			return nil
		case "test":
			if len(files) == 0 {
				return usagef("rules test needs at least one TESTFILE")
			}
			rules, err := loadRules(ruleFiles)
			if err != nil {
				return err
			}
			total, failed := 0, 0
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					return usagef("%v", err)
				}
				tests, err := screen.ParseRuleTests(f, data)
				if err != nil {
					return &inputError{err}
				}
				results, err := screen.RunRuleTests(ctx, f, tests, rules)
				if err != nil {
					return &inputError{err}
				}
				for _, r := range results {
					total++
					status := "ok  "
					if len(r.Failures) > 0 {
						status = "FAIL"
						failed++
					}
					fmt.Fprintf(e.stdout, "%s  %s:%d  %s\n", status, r.File, r.Line, r.Name)
					for _, f := range r.Failures {
						fmt.Fprintf(e.stdout, "      %s\n", f)
					}
				}
			}
			if failed > 0 {
				fmt.Fprintf(e.stdout, "%d of %d %s failed\n", failed, total, plural(total, "test", "tests"))
				return fmt.Errorf("%d rule %s failed", failed, plural(failed, "test", "tests"))
			}
			fmt.Fprintf(e.stdout, "all %d %s passed\n", total, plural(total, "test", "tests"))
			return nil
		}
		return usagef("rules: unknown subcommand %q (want list, signals or test)", sub)
	}
	return c
}
