package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/graph"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/subject"
)

func clusterCommand() command {
	c := command{
		name:    "cluster",
		summary: "find the rings behind many personas: clusters of linked subjects, scored, with evidence",
		usage: `Usage: ringfence cluster [FILE...] [--stored] [--format table|jsonl|json|graphml|dot]
                         [--min-level LEVEL] [--rules FILE]... [--strict] [--region CC] [--db DSN]

Links the subjects of the input (JSON Lines or CSV, gzip read transparently,
"-" is standard input) and, with --stored, every subject in the database, by
the identifier values they share, and prints the clusters of two or more:
one operator behind many personas, or an ordinary group (a family, a person
applying twice) whose risk says so.

A link weighs what its value says: a payout account, wallet, phone, e-mail,
device or laptop shipping address held by few joins two subjects on its own;
a resume, profile, home address, IP or another's identity document needs a
second link of another kind. The more subjects share a value, the less it
weighs; past a cap per kind (a co-working IP, a payroll provider's account)
it links no one but is still shown. A chain held by one link between two
groups is cut there. docs/LINKS.md has the weights.

A cluster's score (0–100, levelled like verdicts) comes from what people of
different names share in it — a household's or a person's own values do not
count — and from members that match the loaded intelligence on their own: a
sanctioned wallet or listed person raises the whole cluster. Its id names
its oldest member (created_at, then id), so a cluster that gains members
keeps its id on the next run.

Flags:
  --stored        cluster the stored subjects too (with FILEs, a record of
                  a FILE replaces the stored subject of its id)
  --format F      table (default on a terminal), jsonl (one cluster per
                  line, the default otherwise), json (the clusters' graph for
                  the web UI), graphml or dot (the same graph for Gephi,
                  yEd, Cytoscape or Graphviz)
  --min-level L   only clusters at level L or above (default clear)
  --rules FILE    a rule file to add (repeatable): which intelligence
                  matches count as "listed"
  --strict        stop at the first bad record
  --region CC     country for phone numbers without a country code
  --db DSN        database: a file path for SQLite or postgres://…

Example:
  $ ringfence cluster examples/people.jsonl --min-level high --format table
  CLUSTER        LEVEL     SCORE  SIZE  NAMES  WHY
  Cee9371719b98  critical    100     7      7  wallet 1LjGwMssNPkkVaS4KabMB1HWTbPyeWZL1m is the payout detail of 5 people of different names (+4 more)
  C265bbf463bf3  critical    100     5      5  wallet 1EBJearwqty2toQ3ZmNf5hCM4hudoL6Bq5 is the payout detail of 5 people of different names (+5 more)
  clustered 24 of 400 records into 8 clusters in 0.2s: 2 critical, 0 high, 0 medium, 0 low, 6 clear
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		o := addGraphFlags(fs)
		format := fs.String("format", "", "table, jsonl, json, graphml or dot")
		minLevel := fs.String("min-level", risk.Clear, "lowest level printed")
		files, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(files) == 0 && !o.stored {
			return usagef("cluster needs a FILE or --stored (see 'ringfence help cluster')")
		}
		if *format == "" {
			*format = "jsonl"
			if isTerminal(e.stdout) {
				*format = "table"
			}
		}
		if !slices.Contains([]string{"table", "jsonl", "json", "graphml", "dot"}, *format) {
			return usagef("--format %q: want table, jsonl, json, graphml or dot", *format)
		}
		if risk.Rank(*minLevel) < 0 {
			return usagef("--min-level %q: want one of %s", *minLevel, strings.Join(risk.Levels, ", "))
		}
		start := time.Now()
		la, err := o.analyse(ctx, e, files)
		if err != nil {
			return err
		}
		defer la.close()
		var shown []graph.Cluster
		perLevel := make([]int, len(risk.Levels))
		clustered := 0
		for _, cl := range la.clusters {
			perLevel[risk.Rank(cl.Level)]++
			clustered += len(cl.Members)
			if risk.Rank(cl.Level) >= risk.Rank(*minLevel) {
				shown = append(shown, cl)
			}
		}
		if err := writeClusters(e, *format, la.g, shown); err != nil {
			return err
		}
		var lv []string
		for i := len(risk.Levels) - 1; i >= 0; i-- {
			lv = append(lv, fmt.Sprintf("%d %s", perLevel[i], risk.Levels[i]))
		}
		fmt.Fprintf(e.stderr, "clustered %d of %d records into %d clusters in %.1fs: %s\n", clustered, la.stg.batch.Len(),
			len(la.clusters), time.Since(start).Seconds(), strings.Join(lv, ", "))
		return la.badInput()
	}
	return c
}

func writeClusters(e *env, format string, g *graph.Graph, cs []graph.Cluster) error {
	out := bufio.NewWriterSize(e.stdout, 1<<16)
	var err error
	switch format {
	case "table":
		fmt.Fprintf(out, "%-13s  %-8s  %5s  %4s  %5s  %s\n", "CLUSTER", "LEVEL", "SCORE", "SIZE", "NAMES", "WHY")
		for _, c := range cs {
			why := "-"
			if len(c.Reasons) > 0 {
				why = c.Reasons[0].Explanation
				if len(c.Reasons) > 1 {
					why = oneLine(why, 100) + fmt.Sprintf(" (+%d more)", len(c.Reasons)-1)
				}
			}
			fmt.Fprintf(out, "%-13s  %-8s  %5d  %4d  %5d  %s\n", c.ID, c.Level, c.Score, len(c.Members), c.Names, why)
		}
	case "jsonl":
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		for _, c := range cs {
			if err = enc.Encode(c); err != nil {
				break
			}
		}
	default:
		sg := g.ClusterGraph(cs)
		err = writeSubgraph(out, format, &sg)
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	return err
}

func writeSubgraph(w *bufio.Writer, format string, sg *graph.Subgraph) error {
	switch format {
	case "graphml":
		return sg.WriteGraphML(w)
	case "dot":
		return sg.WriteDOT(w)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(sg)
}

func graphCommand() command {
	c := command{
		name:    "graph",
		summary: "show one subject's neighbourhood: who it is linked to, by what",
		usage: `Usage: ringfence graph ID [FILE...] [--stored] [--depth N] [--max-nodes N]
                       [--format json|graphml|dot] [--rules FILE]... [--strict] [--region CC] [--db DSN]

Links the input (and with --stored the database) as 'ringfence cluster'
does, and prints the subjects within --depth links of subject ID, every
link among them with each value shared (attribute, value, how many subjects
hold it, its weight) and each subject's cluster: JSON for the web UI (the
default), GraphML for Gephi, yEd or Cytoscape, or DOT for Graphviz, where
links strong enough to join a cluster are solid and weaker ones dashed.

Flags:
  --depth N       links to follow from ID (default 2)
  --max-nodes N   subjects shown at most, nearest first (default 200)
  --stored, --format, --rules, --strict, --region, --db: as for cluster

Example:
  $ ringfence graph S0000228 examples/people.jsonl --format dot | dot -Tsvg > ring.svg
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		o := addGraphFlags(fs)
		format := fs.String("format", "json", "json, graphml or dot")
		depth := fs.Int("depth", 2, "links to follow")
		maxNodes := fs.Int("max-nodes", 200, "subjects shown at most")
		rest, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(rest) == 0 {
			return usagef("graph needs a subject ID (see 'ringfence help graph')")
		}
		id, files := rest[0], rest[1:]
		if len(files) == 0 && !o.stored {
			return usagef("graph needs a FILE or --stored to find %s in", id)
		}
		if !slices.Contains([]string{"json", "graphml", "dot"}, *format) {
			return usagef("--format %q: want json, graphml or dot", *format)
		}
		if *depth < 1 || *maxNodes < 1 {
			return usagef("--depth and --max-nodes must be at least 1")
		}
		la, err := o.analyse(ctx, e, files)
		if err != nil {
			return err
		}
		defer la.close()
		recno, ok := la.stg.batch.Index(id)
		if !ok {
			return usagef("subject %q is not in the input", id)
		}
		// The neighbourhood's own shared values are read back first:
		// the batch noted only the cluster members'.
		sg := la.g.Neighbourhood(recno, *depth, *maxNodes)
		in := make(map[uint32]bool, len(sg.Nodes))
		for _, n := range sg.Nodes {
			if r, ok := la.stg.batch.Index(n.ID); ok {
				in[uint32(r)] = true
			}
		}
		if err := la.sc.readBack(ctx, la.stg, func(r uint32) bool { return in[r] }, nil, nil); err != nil {
			return err
		}
		sg = la.g.Neighbourhood(recno, *depth, *maxNodes)
		out := bufio.NewWriter(e.stdout)
		err = writeSubgraph(out, *format, &sg)
		if ferr := out.Flush(); err == nil {
			err = ferr
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "%s: %d subjects and %d links within %d of it%s\n", id, len(sg.Nodes), len(sg.Edges), *depth,
			map[bool]string{true: fmt.Sprintf(" (cut at %d subjects)", *maxNodes)}[sg.Truncated])
		return la.badInput()
	}
	return c
}

// graphFlags are what cluster and graph read their input with.
type graphFlags struct {
	db        *string
	stored    bool
	ruleFiles stringList
	strict    *bool
	region    *string
}

func addGraphFlags(fs *flag.FlagSet) *graphFlags {
	o := &graphFlags{db: fs.String("db", "", "database"), strict: fs.Bool("strict", false, "stop at the first bad record"),
		region: fs.String("region", "", "default country for phone numbers")}
	fs.BoolVar(&o.stored, "stored", false, "cluster the stored subjects too")
	fs.Var(&o.ruleFiles, "rules", "rule file")
	return o
}

// analysis is an input staged, linked and clustered.
type analysis struct {
	sc       *screening
	stg      *staging
	g        *graph.Graph
	clusters []graph.Cluster
	closeDB  func() error
}

func (a *analysis) close() {
	a.stg.close()
	a.closeDB()
}

func (a *analysis) badInput() error {
	if a.sc.bad > 0 {
		return fmt.Errorf("%d bad %s skipped: %w", a.sc.bad, plural(a.sc.bad, "record", "records"), errBadInput)
	}
	return nil
}

// analyse reads files (and with --stored the stored subjects), stages them
// and clusters them.
func (o *graphFlags) analyse(ctx context.Context, e *env, files []string) (*analysis, error) {
	region, err := regionFlag(*o.region)
	if err != nil {
		return nil, err
	}
	s, st, err := openScreener(ctx, e, *o.db, o.ruleFiles, region, false)
	if err != nil {
		return nil, err
	}
	sc := &screening{e: e, s: s, st: st, strict: *o.strict, opts: normalize.Options{Region: region}}
	if o.stored {
		sc.seen = map[string]string{}
	}
	stg, err := sc.stage(ctx, func(send func(*screenJob) error) error {
		bt := &batcher{send: send}
		if err := sc.readAll(ctx, files, bt); err != nil {
			return err
		}
		if o.stored {
			if err := sc.readStored(ctx, bt); err != nil {
				return err
			}
		}
		return bt.flush()
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	g, cs, err := sc.clusters(ctx, stg, true)
	if err != nil {
		stg.close()
		st.Close()
		return nil, err
	}
	return &analysis{sc: sc, stg: stg, g: g, clusters: cs, closeDB: st.Close}, nil
}

// readStored sends every stored subject that no file record replaces.
func (sc *screening) readStored(ctx context.Context, bt *batcher) error {
	for sub, err := range sc.st.Subjects(ctx) {
		if err != nil {
			return fmt.Errorf("read stored subjects: %w", err)
		}
		if _, inFile := sc.seen[sub.ID]; inFile {
			continue
		}
		sc.read++
		rec, err := subject.DecodeStored(sub.Raw)
		if err != nil {
			// A stored record that no longer reads (written by another
			// version, edited by hand) is reported like a bad line.
			sc.bad++
			sc.prog.done()
			fmt.Fprintf(sc.e.stderr, "store: subject %s: %v\n", sub.ID, err)
			if sc.strict {
				return errStrict
			}
			continue
		}
		if err := bt.add(rec); err != nil {
			return err
		}
	}
	return nil
}
