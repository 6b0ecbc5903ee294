package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/store"
)

func intelCommand() command {
	c := command{
		name:    "intel",
		summary: "import, sync, search and export sanctions lists and indicators",
		usage: `Usage: ringfence intel import FILE... [--starter-pack]
       ringfence intel stats
       ringfence intel search TEXT [--limit N]
       ringfence intel export --format stix|csv [--source S] [--out FILE]
       ringfence intel sync [--url NAME=URL]... [--dry-run] [--timeout D] [--max-size BYTES]

  import   load intelligence files, the format of each detected from its
           content: OFAC's SDN and consolidated lists (advanced XML, or the
           CSV set sdn.csv, alt.csv, add.csv, sdn_comments.csv), the UN
           consolidated list, wallet lists, STIX 2.1 bundles, MISP events
           and feed folders, and indicator CSV (type,value,label,…). Plain,
           gzip, bzip2 or zip. Each source replaces its previous indicators
           as a whole, in one transaction; if any file is malformed nothing
           is loaded and the command exits with 2, naming file, line and
           field. --starter-pack (re)loads the cited DPRK IT-worker starter
           pack compiled into ringfence; it is also loaded on first use.
  stats    count indicators per source, per kind, and listed entries per
           sanctions programme
  search   find indicators whose value or label contains TEXT (any case),
           and listed names that read the same as TEXT once romanised
           (Kim Jong Un, KIM, Jong-un, 김정은): "is X on a list?"
  export   write indicators as a STIX 2.1 bundle with TLP markings, or as
           indicator CSV
  sync     download OFAC's advanced XML files and the UN list, asking the
           server only for what changed since the last sync (ETag,
           Last-Modified), and import the files that changed. URLs come from
           --url (repeatable) or $RINGFENCE_SYNC_URLS ("NAME=URL NAME=URL"),
           else the official ones. A failed, cut-short or malformed
           download leaves the previous list in place.

Flags:
  --db DSN          database (default $RINGFENCE_DB or ringfence.db)
  --starter-pack    import: load the starter pack
  --limit N         search: most matches to print (default 50)
  --format F        export: stix or csv
  --source S        export: only this source
  --out FILE        export: write to FILE instead of standard output
  --url NAME=URL    sync: a list to fetch (repeatable)
  --dry-run         sync: say what changed, import nothing
  --timeout D       sync: time allowed per download (default 10m)
  --max-size BYTES  sync: largest download accepted (default 536870912)

Example:
  $ ringfence intel import sdn_advanced.xml.bz2 sanctioned_addresses_ETH.txt
  ofac-sdn (ofac-advanced-xml): 18367 entries, 161204 indicators, aliases 20114, …
  wallets:ETH (wallet-list): 0 entries, 129 indicators
  $ ringfence intel search "Kim Jong Un"
  source    ref    kind  value         label
  ofac-sdn  20293  name  jong un kim   KIM, Jong Un
  $ ringfence intel sync
  ofac-sdn: unchanged (304)
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 {
			return usagef("intel needs a subcommand: import, stats, search, export or sync (see 'ringfence help intel')")
		}
		switch args[0] {
		case "import":
			return intelImport(ctx, c, e, args[1:])
		case "stats":
			return intelStats(ctx, c, e, args[1:])
		case "search":
			return intelSearch(ctx, c, e, args[1:])
		case "export":
			return intelExport(ctx, c, e, args[1:])
		case "sync":
			return intelSync(ctx, c, e, args[1:])
		case "-h", "--help", "-help":
			fmt.Fprint(e.stdout, c.usage)
			return errHelp
		}
		return usagef("intel: no subcommand %q: use import, stats, search, export or sync", args[0])
	}
	return c
}

// inputError is malformed input (intelligence, rules, rule tests): it
// prints as the parser's message (file, line, field) and exits with 2.
type inputError struct{ err error }

func (e *inputError) Error() string   { return e.err.Error() }
func (e *inputError) Unwrap() []error { return []error{e.err, errBadInput} }

func asInputError(err error) error {
	var pe *intel.ParseError
	if errors.As(err, &pe) {
		return &inputError{err: err}
	}
	return err
}

// openIntelStore opens the database and loads the starter pack when this
// version of it was never loaded (first run, or an upgrade).
func openIntelStore(ctx context.Context, e *env, dbFlag string) (store.Store, error) {
	st, err := openStore(ctx, e, e.dsn(dbFlag))
	if err != nil {
		return nil, err
	}
	loaded, err := intel.EnsureStarterPack(ctx, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	if loaded {
		fmt.Fprintln(e.stderr, "loaded the DPRK IT-worker starter pack (source starter-pack; 'ringfence intel search' shows its citations)")
	}
	return st, nil
}

func intelImport(ctx context.Context, c command, e *env, args []string) error {
	fs := flag.NewFlagSet("intel import", flag.ContinueOnError)
	dbFlag := fs.String("db", "", "database")
	starter := fs.Bool("starter-pack", false, "load the starter pack")
	files, err := parseFlags(fs, c, e, args)
	if err != nil {
		return err
	}
	if len(files) == 0 && !*starter {
		return usagef("intel import needs at least one FILE, or --starter-pack (see 'ringfence help intel')")
	}
	// Detect every file before opening the database: a typo in a path
	// should not create an empty database.
	srcs, err := intel.OpenSources(ctx, files)
	if err != nil {
		return asInputError(err)
	}
	defer intel.CloseSources(srcs)
	st, err := openIntelStore(ctx, e, *dbFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	var results []*intel.Result
	if *starter {
		res, err := intel.LoadStarterPack(ctx, st)
		if err != nil {
			return err
		}
		printResult(e, res)
	}
	for _, src := range srcs {
		var prog *progress
		if src.Size > 8<<20 {
			prog = newProgress(e.stderr, "bytes of "+src.Name+" read")
			src.OnRead = prog.add
		}
		rs, err := intel.Parse(ctx, src)
		if prog != nil {
			prog.done()
		}
		if err != nil {
			return asInputError(err)
		}
		results = append(results, rs...)
	}
	loaded, err := intel.Load(ctx, st, results)
	for _, r := range loaded {
		printResult(e, r)
	}
	if err != nil {
		return err
	}
	if len(files) > 0 {
		n := 0
		for _, r := range loaded {
			n += len(r.Indicators)
		}
		fmt.Fprintf(e.stderr, "loaded %d indicators into %d %s from %d %s into %s in %.1fs\n", n, len(loaded),
			plural(len(loaded), "source", "sources"), len(files), plural(len(files), "file", "files"),
			redactDSN(e.dsn(*dbFlag)), time.Since(start).Seconds())
	}
	return nil
}

// printResult writes a source's summary on stdout and its first warnings
// on stderr.
func printResult(e *env, r *intel.Result) {
	fmt.Fprintln(e.stdout, r.Summary())
	const show = 10
	for i, w := range r.Warnings {
		if i == show {
			fmt.Fprintf(e.stderr, "warning: %s: %d more warnings\n", r.Source, r.Counts["warnings"]-show)
			break
		}
		fmt.Fprintln(e.stderr, "warning:", w)
	}
}

func intelStats(ctx context.Context, c command, e *env, args []string) error {
	fs := flag.NewFlagSet("intel stats", flag.ContinueOnError)
	dbFlag := fs.String("db", "", "database")
	pos, err := parseFlags(fs, c, e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("intel stats takes no arguments")
	}
	st, err := openIntelStore(ctx, e, *dbFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	type srcStats struct {
		indicators int
		refs       map[string]bool
	}
	sources := map[string]*srcStats{}
	kinds := map[string]int{}
	programs := map[string]map[[2]string]bool{} // programme → (source, ref)
	for in, err := range st.Indicators(ctx, store.IndicatorQuery{}) {
		if err != nil {
			return err
		}
		s := sources[in.Source]
		if s == nil {
			s = &srcStats{refs: map[string]bool{}}
			sources[in.Source] = s
		}
		s.indicators++
		s.refs[in.SourceRef] = true
		kinds[in.Kind]++
		if in.Kind == intel.KindProgram {
			if programs[in.Value] == nil {
				programs[in.Value] = map[[2]string]bool{}
			}
			programs[in.Value][[2]string{in.Source, in.SourceRef}] = true
		}
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "source\tindicators\tentries\t")
	for _, name := range slices.Sorted(maps.Keys(sources)) {
		fmt.Fprintf(w, "%s\t%d\t%d\t\n", name, sources[name].indicators, len(sources[name].refs))
	}
	w.Flush()
	fmt.Fprintln(e.stdout)
	w = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "kind\tindicators\t")
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		fmt.Fprintf(w, "%s\t%d\t\n", k, kinds[k])
	}
	w.Flush()
	if len(programs) > 0 {
		fmt.Fprintln(e.stdout)
		w = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(w, "program\tentries\t")
		for _, p := range slices.Sorted(maps.Keys(programs)) {
			fmt.Fprintf(w, "%s\t%d\t\n", p, len(programs[p]))
		}
		w.Flush()
	}
	return nil
}

func intelSearch(ctx context.Context, c command, e *env, args []string) error {
	fs := flag.NewFlagSet("intel search", flag.ContinueOnError)
	dbFlag := fs.String("db", "", "database")
	limit := fs.Int("limit", 50, "most matches to print")
	pos, err := parseFlags(fs, c, e, args)
	if err != nil {
		return err
	}
	text := strings.TrimSpace(strings.Join(pos, " "))
	if text == "" {
		return usagef("intel search needs TEXT (see 'ringfence help intel')")
	}
	if *limit < 1 {
		return usagef("--limit %d: must be at least 1", *limit)
	}
	st, err := openIntelStore(ctx, e, *dbFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	lower := strings.ToLower(text)
	// A name is matched by its romanisation key too, so "Kim Jong-un" finds
	// "KIM, Jong Un": the key is what screening matches names by.
	var key string
	if v, err := normalize.Normalize(normalize.KindName, text, normalize.Options{}); err == nil {
		key = v.Key("name_key")
	}
	keys := map[string]string{}
	var hits []store.Indicator
	for in, err := range st.Indicators(ctx, store.IndicatorQuery{}) {
		if err != nil {
			return err
		}
		match := strings.Contains(strings.ToLower(in.Value), lower) || strings.Contains(strings.ToLower(in.Label), lower)
		if !match && key != "" && in.Kind == string(normalize.KindName) {
			k, ok := keys[in.Value]
			if !ok {
				if v, err := normalize.Normalize(normalize.KindName, in.Value, normalize.Options{}); err == nil {
					k = v.Key("name_key")
				}
				keys[in.Value] = k
			}
			match = k == key
		}
		if match {
			hits = append(hits, in)
		}
	}
	if len(hits) == 0 {
		fmt.Fprintf(e.stdout, "no indicator matches %q\n", text)
		return nil
	}
	slices.SortStableFunc(hits, func(a, b store.Indicator) int {
		return strings.Compare(a.Source+"\x00"+a.SourceRef, b.Source+"\x00"+b.SourceRef)
	})
	var cites map[string]intel.Citation
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "source\tref\tkind\tvalue\tseverity\tlabel")
	for i, in := range hits {
		if i == *limit {
			break
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", in.Source, in.SourceRef, in.Kind, in.Value, in.Severity, oneLine(in.Label, 80))
	}
	w.Flush()
	if len(hits) > *limit {
		fmt.Fprintf(e.stdout, "… %d more (use --limit)\n", len(hits)-*limit)
	}
	// Starter-pack entries are only as good as their sources: name them.
	printed := map[string]bool{}
	for i, in := range hits {
		if i == *limit {
			break
		}
		if in.Source != intel.StarterSource || printed[in.SourceRef] {
			continue
		}
		if cites == nil {
			if cites, err = intel.StarterCitations(); err != nil {
				return err
			}
		}
		if c, ok := cites[in.SourceRef]; ok {
			printed[in.SourceRef] = true
			fmt.Fprintf(e.stdout, "%s: %s\n", in.SourceRef, c)
		}
	}
	return nil
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func intelExport(ctx context.Context, c command, e *env, args []string) error {
	fs := flag.NewFlagSet("intel export", flag.ContinueOnError)
	dbFlag := fs.String("db", "", "database")
	format := fs.String("format", "", "stix or csv")
	source := fs.String("source", "", "only this source")
	out := fs.String("out", "", "output file")
	pos, err := parseFlags(fs, c, e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("intel export takes no arguments, only flags (see 'ringfence help intel')")
	}
	if *format != "stix" && *format != "csv" {
		return usagef("intel export needs --format stix or --format csv")
	}
	st, err := openIntelStore(ctx, e, *dbFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	var inds []store.Indicator
	for in, err := range st.Indicators(ctx, store.IndicatorQuery{Source: *source}) {
		if err != nil {
			return err
		}
		inds = append(inds, in)
	}
	if *source != "" && len(inds) == 0 {
		return usagef("--source %q: no such source (see 'ringfence intel stats')", *source)
	}
	var w io.Writer = e.stdout
	var f *os.File
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	switch *format {
	case "stix":
		err = intel.ExportSTIX(w, inds, time.Now().UTC())
	case "csv":
		var skipped map[string]int
		skipped, err = intel.ExportCSV(w, inds)
		for _, k := range slices.Sorted(maps.Keys(skipped)) {
			fmt.Fprintf(e.stderr, "left out %d %s indicators: the indicator CSV has no type for them\n", skipped[k], k)
		}
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "exported %d indicators to %s\n", len(inds), *out)
	}
	return nil
}

// urlFlags collects repeated --url NAME=URL.
type urlFlags []intel.SyncTarget

func (u *urlFlags) String() string { return "" }
func (u *urlFlags) Set(s string) error {
	t, err := intel.ParseSyncTarget(s)
	if err != nil {
		return err
	}
	*u = append(*u, t)
	return nil
}

func intelSync(ctx context.Context, c command, e *env, args []string) error {
	fs := flag.NewFlagSet("intel sync", flag.ContinueOnError)
	dbFlag := fs.String("db", "", "database")
	var urls urlFlags
	fs.Var(&urls, "url", "NAME=URL to fetch")
	dryRun := fs.Bool("dry-run", false, "import nothing")
	timeout := fs.Duration("timeout", 10*time.Minute, "time per download")
	maxSize := fs.Int64("max-size", intel.DefaultMaxSize, "largest download")
	pos, err := parseFlags(fs, c, e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("intel sync takes no arguments; give lists with --url NAME=URL")
	}
	if *timeout <= 0 || *maxSize <= 0 {
		return usagef("--timeout and --max-size must be positive")
	}
	targets := []intel.SyncTarget(urls)
	if len(targets) == 0 {
		if env := e.getenv("RINGFENCE_SYNC_URLS"); strings.TrimSpace(env) != "" {
			if targets, err = intel.ParseSyncTargets(env); err != nil {
				return usagef("RINGFENCE_SYNC_URLS: %v", err)
			}
		} else {
			targets = intel.DefaultSyncTargets
		}
	}
	st, err := openIntelStore(ctx, e, *dbFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	s := &intel.Syncer{Store: st, Client: &http.Client{Timeout: *timeout}, MaxSize: *maxSize}
	var failed, bad int
	for _, t := range targets {
		prog := newProgress(e.stderr, "bytes of "+t.Name+" downloaded")
		s.OnRead = prog.add
		o := s.Sync(ctx, t, *dryRun)
		prog.done()
		switch o.Status {
		case intel.SyncUnchanged:
			how := "not modified"
			if o.Bytes > 0 {
				how = "same content"
			}
			fmt.Fprintf(e.stdout, "%s: unchanged (%s)\n", t.Name, how)
		case intel.SyncChanged:
			fmt.Fprintf(e.stdout, "%s: changed, %d bytes (dry run: not imported)\n", t.Name, o.Bytes)
		case intel.SyncImported:
			fmt.Fprintf(e.stdout, "%s: imported %d bytes\n", t.Name, o.Bytes)
			for _, r := range o.Results {
				printResult(e, r)
			}
		case intel.SyncFailed:
			failed++
			var pe *intel.ParseError
			if errors.As(o.Err, &pe) {
				bad++
			}
			fmt.Fprintf(e.stdout, "%s: failed, previous list kept\n", t.Name)
			fmt.Fprintf(e.stderr, "%s: %v\n", t.Name, o.Err)
		}
	}
	switch {
	case failed == 0:
		return nil
	case bad == failed:
		return fmt.Errorf("%d of %d lists malformed: %w", bad, len(targets), errBadInput)
	}
	return fmt.Errorf("%d of %d lists failed", failed, len(targets))
}
