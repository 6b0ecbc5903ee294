package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ringfence/ringfence/internal/farm"
	"github.com/ringfence/ringfence/internal/match"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
	"github.com/ringfence/ringfence/internal/telemetry"
)

// farmFlags are the analysis options 'telemetry import' and 'farm report'
// share.
type farmFlags struct {
	dbFlag, inputFormat, sanctioned, egress, region, end string
	window                                               time.Duration
	people, offices                                      stringList
	noStored                                             bool
}

func (f *farmFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dbFlag, "db", "", "database")
	fs.StringVar(&f.inputFormat, "input-format", "", "telemetry format")
	fs.StringVar(&f.sanctioned, "sanctioned-tools", "", "allowed remote-access tools")
	fs.StringVar(&f.egress, "corporate-egress", "", "the organisation's egress CIDRs")
	fs.StringVar(&f.region, "region", "", "default country of addresses")
	fs.StringVar(&f.end, "end", "", "end of the window")
	fs.DurationVar(&f.window, "window", farm.DefaultWindow, "analysis window")
	fs.Var(&f.people, "people", "subject records of the employees")
	fs.Var(&f.offices, "office", "an office or IT depot address")
	fs.BoolVar(&f.noStored, "no-stored", false, "do not read people from the store")
}

const farmFlagsHelp = `  --db DSN              database: stored subjects are the employees events are
                        tied to (default $RINGFENCE_DB or ringfence.db)
  --people FILE         subject records of the employees (JSONL or CSV, as
                        'screen' reads them), besides or instead of the
                        stored ones; repeatable
  --no-stored           do not read employees from the database
  --input-format F      okta, osquery, jamf, intune or generic (default:
                        detected per file, docs/TELEMETRY.md)
  --sanctioned-tools L  remote-access tools the organisation allows, comma
                        separated, e.g. "TeamViewer,Chrome Remote Desktop"
  --corporate-egress L  the organisation's VPN and office egress ranges,
                        comma-separated CIDRs: never a farm
  --office ADDRESS      an office or IT depot laptops are shipped to for
                        pickup ("line1, city, region postal, country");
                        repeatable: shipments there are no farm
  --window D            analysis window ending at the latest event (default
                        720h = 30 days, at most 1512h)
  --end TIME            end of the window (RFC 3339; default the latest event)
  --region CC           country of addresses written without one
`

// analyseTelemetry reads the employees and the telemetry files and runs the
// detectors. Bad lines are printed with file, line and field and counted;
// they never stop the read.
func analyseTelemetry(ctx context.Context, e *env, st store.Store, f *farmFlags, files []string) (*farm.Analyzer, []farm.Finding, int, error) {
	region, err := regionFlag(f.region)
	if err != nil {
		return nil, nil, 0, err
	}
	// Ship-to and home addresses are compared by street line and city
	// (farm's default): records often give a home without the postal
	// code a carrier's ship-to address has.
	cfg := farm.Config{Window: f.window, Offices: f.offices}
	if f.window <= 0 || f.window > farm.MaxWindow {
		return nil, nil, 0, usagef("--window %v: between 1h and %v", f.window, farm.MaxWindow)
	}
	if f.end != "" {
		if cfg.End, err = time.Parse(time.RFC3339, f.end); err != nil {
			return nil, nil, 0, usagef("--end %q: want RFC 3339, e.g. 2026-11-30T00:00:00Z", f.end)
		}
	}
	for _, t := range strings.Split(f.sanctioned, ",") {
		if t = strings.TrimSpace(t); t != "" {
			cfg.SanctionedTools = append(cfg.SanctionedTools, t)
		}
	}
	for _, c := range strings.Split(f.egress, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		p, err := netip.ParsePrefix(c)
		if err != nil {
			if a, aerr := netip.ParseAddr(c); aerr == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			} else {
				return nil, nil, 0, usagef("--corporate-egress %q: not a CIDR or address", c)
			}
		}
		cfg.CorporateEgress = append(cfg.CorporateEgress, p.Masked())
	}
	switch f.inputFormat {
	case "", telemetry.FormatOkta, telemetry.FormatOsquery, telemetry.FormatJamf, telemetry.FormatIntune, telemetry.FormatGeneric:
	default:
		return nil, nil, 0, usagef("--input-format %q: okta, osquery, jamf, intune or generic", f.inputFormat)
	}

	// VPN, proxy and hosting ranges from the loaded intelligence.
	var people []farm.Person
	if st != nil {
		idx, err := match.NewIndex(st.Indicators(ctx, store.IndicatorQuery{Kind: "ip", ValidAt: time.Now()}))
		if err != nil {
			return nil, nil, 0, err
		}
		cfg.IPInfo = farm.IPInfoFrom(idx)
		if !f.noStored {
			if people, err = farm.StoredPeople(st.Subjects(ctx)); err != nil {
				return nil, nil, 0, err
			}
		}
	}
	if len(f.people) > 0 {
		bad := 0
		err := eachRecord(ctx, e, f.people, false, func(*subject.LineError) { bad++ }, func(rec subject.Record, _ string) error {
			ids, _ := subject.Identifiers(&rec, normalize.Options{Region: region})
			people = append(people, farm.PersonOf(&rec, ids))
			return nil
		})
		if err != nil {
			return nil, nil, 0, err
		}
		if bad > 0 {
			return nil, nil, 0, fmt.Errorf("--people: %d bad records: %w", bad, errBadInput)
		}
	}
	fmt.Fprintf(e.stderr, "analysing telemetry of %d %s\n", len(people), plural(len(people), "person", "people"))
	if len(cfg.CorporateEgress) == 0 {
		fmt.Fprintln(e.stderr, "warning: no --corporate-egress: the organisation's VPN and office addresses, where up to 25 people meet, may be reported as farms")
	}

	a := farm.New(cfg, people)
	p := newProgress(e.stderr, "events")
	problems := 0
	for _, file := range files {
		stats, err := telemetry.ReadFile(ctx, file, telemetry.Options{Format: f.inputFormat, MaxProblems: -1,
			Problem: func(pr telemetry.Problem) {
				problems++
				if problems <= 100 {
					p.done()
					fmt.Fprintln(e.stderr, pr.Error())
				}
			}},
			func(evs []telemetry.Event) error {
				a.Add(evs)
				p.add(len(evs))
				return nil
			})
		if err != nil {
			p.done()
			if errors.Is(err, context.Canceled) {
				return nil, nil, problems, err
			}
			return nil, nil, problems, fmt.Errorf("%w: %v", errBadInput, err)
		}
		p.done()
		fmt.Fprintf(e.stderr, "%s: %s, %d events from %d lines, %d bad\n", file, stats.Format, stats.Events, stats.Lines, stats.Problems)
	}
	if problems > 100 {
		fmt.Fprintf(e.stderr, "… and %d more bad lines\n", problems-100)
	}
	start := time.Now()
	findings := a.Findings()
	s := a.Stats()
	fmt.Fprintf(e.stderr, "analysed %d events (%d used) in %.1fs: %d findings\n", s.Events, s.Used, time.Since(start).Seconds(), len(findings))
	if s.Overflow > 0 {
		fmt.Fprintf(e.stderr, "warning: %d events named devices or users past the first %d and were analysed without them\n",
			s.Overflow, farm.DefaultMaxActors)
	}
	return a, findings, problems, nil
}

func telemetryCommand() command {
	c := command{
		name:    "telemetry",
		summary: "import device, identity-provider and VPN telemetry and find laptop farms",
		usage: `Usage: ringfence telemetry import FILE… [flags]

Reads telemetry exports — Okta System Log (JSON or JSONL), osquery results
(usb_devices, connected_displays, programs, apps, wifi_status as the JSON
logger writes them), Jamf Pro and Intune device inventories (CSV or JSON),
and ringfence's generic JSONL (docs/TELEMETRY.md), plain or gzip — ties
events to the employees (stored subjects and --people) by login, e-mail and
device serial, and runs the laptop-farm detectors over the window:

  farm               several employees' laptops behind one residential
                     address on the same days
  ip_kvm             PiKVM, TinyPilot, JetKVM fingerprints; a USB device that
                     is keyboard + absolute pointer + storage
  remote_access      remote-access tools not in --sanctioned-tools
  anonymized_signin  sign-ins through VPN, proxy or hosting ranges
  impossible_travel  sign-ins no one could travel between
  location_mismatch  a laptop located far from the home address
  off_hours          hours that fit UTC+8/+9 (weak: never alone)
  ship_mismatch      a laptop shipped elsewhere than home
  never_enrolled     a serial shipped that never enrolled

The findings replace those of the previous import and become screening
signals (the laptop-farm rules, docs/RULES.md) for the people they name;
'ringfence farm report' shows them by site with a timeline. A bad or partial
line is printed with its file, line and field, and the import goes on; the
exit code is then 2. Import the whole window's exports in one run: the
analysis sees what one run reads.

Flags:
` + farmFlagsHelp + `  --format F            table (default) or jsonl: the findings on stdout

Example:
  $ ringfence telemetry import okta-2026-11.json osquery.results.log jamf-inventory.csv
  analysing telemetry of 1,204 people
  okta-2026-11.json: okta, 182,311 events from 182,311 lines, 0 bad
  …
  analysed 241,950 events (239,877 used) in 0.1s: 7 findings
  LEVEL     KIND           PEOPLE  DEVICES  DAYS  WHERE            EXPLANATION
  critical  farm           4       6        7     ip 73.12.4.9     Managed laptops of 4 people …
  high      ip_kvm         1       1        5                      …
  stored 12 findings about 6 people
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		var f farmFlags
		f.register(fs)
		format := fs.String("format", "table", "output format")
		pos, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(pos) < 2 || pos[0] != "import" {
			return usagef("telemetry import needs one or more FILEs (see 'ringfence help telemetry')")
		}
		if *format != "table" && *format != "jsonl" {
			return usagef("--format %q: table or jsonl", *format)
		}
		st, err := openIntelStore(ctx, e, f.dbFlag)
		if err != nil {
			return err
		}
		defer st.Close()
		_, findings, problems, err := analyseTelemetry(ctx, e, st, &f, pos[1:])
		if err != nil {
			return err
		}
		if err := writeFindings(e, findings, *format); err != nil {
			return err
		}
		rows := farm.StoreFindings(findings)
		n, err := st.ReplaceFindings(ctx, store.SourceFarm, rows)
		if err != nil {
			return err
		}
		people := map[string]bool{}
		for _, r := range rows {
			people[r.SubjectID] = true
		}
		if _, err := st.AppendAudit(ctx, store.AuditEvent{Actor: cliActor, Action: "telemetry.import", Object: "farm",
			Detail: fmt.Sprintf(`{"files":%d,"findings":%d,"bad_lines":%d}`, len(pos)-1, len(findings), problems)}); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "stored %d %s about %d %s\n", n, plural(n, "finding", "findings"), len(people), plural(len(people), "person", "people"))
		if problems > 0 {
			return fmt.Errorf("%d bad telemetry %s (printed above): %w", problems, plural(problems, "line", "lines"), errBadInput)
		}
		return nil
	}
	return c
}

func writeFindings(e *env, findings []farm.Finding, format string) error {
	if format == "jsonl" {
		enc := json.NewEncoder(e.stdout)
		for _, f := range findings {
			if err := enc.Encode(f); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LEVEL\tKIND\tPEOPLE\tDEVICES\tDAYS\tWHERE\tEXPLANATION")
	for _, f := range findings {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", f.Level, f.Kind, len(f.Subjects), len(f.Devices), f.Days, f.Location,
			excerptText(f.Explanation, 100))
	}
	return tw.Flush()
}

func excerptText(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func farmCommand() command {
	c := command{
		name:    "farm",
		summary: "report suspected laptop farms from telemetry, by site with a timeline",
		usage: `Usage: ringfence farm report FILE… [flags]

Analyses telemetry files as 'ringfence telemetry import' does, without
storing anything, and prints the suspected laptop farms: for each site (an
address, Wi-Fi network or map spot several employees' laptops share), its
people and devices, first and last seen, the findings that touch each
device, and a day-by-day timeline of which laptops were online there; then
the people with findings outside any site.

Flags:
` + farmFlagsHelp + `  --format F            text (default) or json

Example:
  $ ringfence farm report okta.json osquery.log jamf.csv
  Suspected laptop farms, 2026-10-28 to 2026-11-26
  Site 1: ip 73.12.4.9 — critical (90)
    4 people, 6 laptops …
    2026-11-20  C02X1 C02X2 C02X3 C02X4 C02X5 C02X6
  …
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		var f farmFlags
		f.register(fs)
		format := fs.String("format", "text", "output format")
		pos, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(pos) < 2 || pos[0] != "report" {
			return usagef("farm report needs one or more telemetry FILEs (see 'ringfence help farm')")
		}
		if !slices.Contains([]string{"text", "json"}, *format) {
			return usagef("--format %q: text or json", *format)
		}
		var st store.Store
		if !f.noStored {
			if st, err = openIntelStore(ctx, e, f.dbFlag); err != nil {
				return err
			}
			defer st.Close()
		}
		a, findings, problems, err := analyseTelemetry(ctx, e, st, &f, pos[1:])
		if err != nil {
			return err
		}
		rep := a.Report(findings)
		if *format == "json" {
			err = rep.WriteJSON(e.stdout)
		} else {
			err = rep.WriteText(e.stdout)
		}
		if err != nil {
			return err
		}
		if problems > 0 {
			return fmt.Errorf("%d bad telemetry %s (printed above): %w", problems, plural(problems, "line", "lines"), errBadInput)
		}
		return nil
	}
	return c
}
