package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/store/postgres/pgtest"
)

const (
	samplePeople = "../../examples/people.jsonl"
	sampleTruth  = "../../examples/people.truth.jsonl"

	// Two valid EVM wallets and a phone for the hand-written rings.
	ringWallet  = "0x098b716b8aaf21512996dc57eb0615e2383e2f96"
	otherWallet = "0x52908400098527886e0f7030069857d2e4169ee7"
)

// clusterEvidence is one evidence item of a cluster line.
type clusterEvidence struct {
	A         string  `json:"a"`
	B         string  `json:"b"`
	Attribute string  `json:"attribute"`
	Value     string  `json:"value"`
	Kind      string  `json:"kind"`
	Holders   int     `json:"holders"`
	Weight    float64 `json:"weight"`
	Linking   bool    `json:"linking"`
}

// clusterLine is one line of 'ringfence cluster --format jsonl'.
type clusterLine struct {
	Cluster    string   `json:"cluster"`
	Members    []string `json:"members"`
	Score      int      `json:"score"`
	Level      string   `json:"level"`
	Identities int      `json:"identities"`
	Names      int      `json:"names"`
	Reasons    []struct {
		Rule        string `json:"rule"`
		Points      int    `json:"points"`
		Explanation string `json:"explanation"`
	} `json:"reasons"`
	Evidence []clusterEvidence `json:"evidence"`
}

// parseClusterLines reads the jsonl output of cluster and checks every
// line against the contract: the fields are there, a cluster has two or
// more distinct members, its level is its score's, its reasons add up to
// its score, every evidence item names two members and what they share,
// and no subject is in two clusters.
func parseClusterLines(t *testing.T, out string) []clusterLine {
	t.Helper()
	var cs []clusterLine
	inCluster := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		line := sc.Text()
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatalf("cluster line %q: %v", line, err)
		}
		for _, f := range []string{"cluster", "members", "score", "level", "evidence", "identities", "names", "reasons"} {
			if _, ok := fields[f]; !ok {
				t.Errorf("cluster line lacks %q: %s", f, line)
			}
		}
		var c clusterLine
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("cluster line %q: %v", line, err)
		}
		if !strings.HasPrefix(c.Cluster, "C") || len(c.Cluster) < 2 {
			t.Errorf("cluster id %q", c.Cluster)
		}
		if len(c.Members) < 2 {
			t.Errorf("%s: %d members, want 2 or more", c.Cluster, len(c.Members))
		}
		if len(slices.Compact(sortedCopy(c.Members))) != len(c.Members) {
			t.Errorf("%s: a member twice: %v", c.Cluster, c.Members)
		}
		for _, m := range c.Members {
			if other, dup := inCluster[m]; dup {
				t.Errorf("%s is in clusters %s and %s", m, other, c.Cluster)
			}
			inCluster[m] = c.Cluster
		}
		if c.Score < 0 || c.Score > 100 || c.Level != risk.LevelOf(c.Score) {
			t.Errorf("%s: score %d, level %q", c.Cluster, c.Score, c.Level)
		}
		sum := 0
		for _, r := range c.Reasons {
			sum += r.Points
			if r.Rule == "" || r.Explanation == "" {
				t.Errorf("%s: reason without rule or explanation: %+v", c.Cluster, r)
			}
		}
		if sum != c.Score {
			t.Errorf("%s: reasons add up to %d, score %d", c.Cluster, sum, c.Score)
		}
		if c.Identities < 1 || c.Identities > len(c.Members) || c.Names < 1 || c.Names > len(c.Members) {
			t.Errorf("%s: %d identities, %d names of %d members", c.Cluster, c.Identities, c.Names, len(c.Members))
		}
		if len(c.Evidence) == 0 {
			t.Errorf("%s: no evidence", c.Cluster)
		}
		for _, e := range c.Evidence {
			if e.A == "" || e.B == "" || e.Attribute == "" || e.Value == "" || e.Kind == "" || e.Holders < 2 {
				t.Errorf("%s: incomplete evidence %+v", c.Cluster, e)
			}
			if e.A == e.B || !slices.Contains(c.Members, e.A) || !slices.Contains(c.Members, e.B) {
				t.Errorf("%s: evidence between %s and %s, who are not two of its members %v", c.Cluster, e.A, e.B, c.Members)
			}
		}
		cs = append(cs, c)
	}
	return cs
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// clusterOf returns the cluster that has member id, or nil.
func clusterOf(cs []clusterLine, id string) *clusterLine {
	for i := range cs {
		if slices.Contains(cs[i].Members, id) {
			return &cs[i]
		}
	}
	return nil
}

// writeLines writes lines to dir/name and returns its path.
func writeLines(t *testing.T, dir, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ringRecord is a persona of a hand-written ring: its own name, the
// ring's wallet and phone.
func ringRecord(id, name, created string) string {
	rec := map[string]any{"id": id, "name": name, "wallets": []string{ringWallet}, "phones": []string{"+12127365000"}}
	if created != "" {
		rec["created_at"] = created
	}
	b, _ := json.Marshal(rec)
	return string(b)
}

// threeRing is a ring of three whose oldest member is m1; the created_at
// values are written three ways.
func threeRing() []string {
	return []string{
		ringRecord("m2", "Mary Jones", "2026-01-02T00:00:00+09:00"), // 2026-01-01T15:00Z
		ringRecord("m1", "John Smith", "2026-01-01"),
		ringRecord("m3", "Wei Zhang", "2026-01-03T08:30:00Z"),
	}
}

// threeRingCSV is threeRing as CSV.
func threeRingCSV() []string {
	return []string{"id,name,wallets,phones,created_at",
		"m2,Mary Jones," + ringWallet + ",+12127365000,2026-01-02T00:00:00+09:00",
		"m1,John Smith," + ringWallet + ",+12127365000,2026-01-01",
		"m3,Wei Zhang," + ringWallet + ",+12127365000,2026-01-03T08:30:00Z"}
}

// TestClusterFindsThePlantedRingsOfTheSample clusters the bundled sample
// against its ground truth: each planted ring is one cluster, high or
// critical; ordinary people are never in a cluster above medium; and the
// output is the same on a second run.
func TestClusterFindsThePlantedRingsOfTheSample(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "rf.db")
	out, errOut, code := ringfenceDB(t, db, "cluster", samplePeople, "--format", "jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	cs := parseClusterLines(t, out)
	if len(cs) == 0 {
		t.Fatal("no clusters")
	}
	if want := fmt.Sprintf("of 400 records into %d clusters", len(cs)); !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}

	present := map[string]bool{}
	people, err := os.ReadFile(samplePeople)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(people)), "\n") {
		var r struct{ ID string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		present[r.ID] = true
	}
	truth, err := os.ReadFile(sampleTruth)
	if err != nil {
		t.Fatal(err)
	}
	type truthRec struct {
		ID      string
		Fraud   bool
		Ring    string
		Overlap string
	}
	byID := map[string]truthRec{}
	rings := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(truth)), "\n") {
		var tr truthRec
		if err := json.Unmarshal([]byte(line), &tr); err != nil {
			t.Fatal(err)
		}
		byID[tr.ID] = tr
		if tr.Fraud && tr.Ring != "" && present[tr.ID] {
			rings[tr.Ring] = append(rings[tr.Ring], tr.ID)
		}
	}
	checked := 0
	for ring, personas := range rings {
		if len(personas) < 2 {
			continue
		}
		checked++
		c := clusterOf(cs, personas[0])
		if c == nil {
			t.Errorf("ring %s: persona %s is in no cluster", ring, personas[0])
			continue
		}
		for _, p := range personas[1:] {
			if !slices.Contains(c.Members, p) {
				t.Errorf("ring %s: %s is not in %s with %s (%v)", ring, p, c.Cluster, personas[0], c.Members)
			}
		}
		if risk.Rank(c.Level) < risk.Rank(risk.High) {
			t.Errorf("ring %s: cluster %s is %s (score %d), want high or critical", ring, c.Cluster, c.Level, c.Score)
		}
	}
	if checked < 2 {
		t.Fatalf("%d rings of two or more personas in the sample; the ground truth has changed", checked)
	}
	for _, c := range cs {
		ringsIn := map[string]bool{}
		var ordinary []string
		for _, m := range c.Members {
			if tr := byID[m]; tr.Fraud {
				ringsIn[tr.Ring] = true
			} else {
				ordinary = append(ordinary, m+" ("+tr.Overlap+")")
			}
		}
		if len(ringsIn) > 1 {
			t.Errorf("%s joins the personas of %d rings: %v", c.Cluster, len(ringsIn), c.Members)
		}
		if len(ringsIn) == 0 && risk.Rank(c.Level) > risk.Rank(risk.Medium) {
			t.Errorf("%s of ordinary people only is %s: %v %+v", c.Cluster, c.Level, ordinary, c.Reasons)
		}
		if len(ringsIn) > 0 && len(ordinary) > 0 && risk.Rank(c.Level) >= risk.Rank(risk.High) {
			t.Errorf("%s is %s and implicates ordinary people %v", c.Cluster, c.Level, ordinary)
		}
	}

	again, _, code := ringfenceDB(t, db, "cluster", samplePeople, "--format", "jsonl")
	if code != 0 || again != out {
		t.Errorf("second run differs (exit %d):\n%s\nfirst:\n%s", code, again, out)
	}
}

// TestClusterOutputIsTheSameEveryRun: every format prints the same bytes
// on a second run, and without --format a pipe gets jsonl.
func TestClusterOutputIsTheSameEveryRun(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "rf.db")
	for _, format := range []string{"", "jsonl", "table", "json", "graphml", "dot"} {
		t.Run("format="+format, func(t *testing.T) {
			args := []string{"cluster", samplePeople}
			if format != "" {
				args = append(args, "--format", format)
			}
			first, errOut, code := ringfenceDB(t, db, args...)
			if code != 0 || first == "" {
				t.Fatalf("exit %d, %d bytes: %s", code, len(first), errOut)
			}
			second, _, _ := ringfenceDB(t, db, args...)
			if second != first {
				t.Errorf("second run differs:\n%s", cmp.Diff(first, second))
			}
			if format == "" {
				parseClusterLines(t, first) // jsonl, not a table, when stdout is no terminal
			}
		})
	}
}

type graphNode struct {
	ID      string `json:"id"`
	Cluster string `json:"cluster"`
	Level   string `json:"cluster_level"`
	Depth   *int   `json:"depth"`
}

// graphJSON is the json format of cluster and graph.
type graphJSON struct {
	Center string      `json:"center"`
	Nodes  []graphNode `json:"nodes"`
	Edges  []struct {
		Source string            `json:"source"`
		Target string            `json:"target"`
		Weight float64           `json:"weight"`
		Joins  bool              `json:"joins"`
		Links  []clusterEvidence `json:"links"`
	} `json:"edges"`
	Truncated *bool `json:"truncated"`
}

func parseGraphJSON(t *testing.T, out string) graphJSON {
	t.Helper()
	var g graphJSON
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatalf("graph json: %v\n%s", err, out)
	}
	if g.Nodes == nil || g.Edges == nil || g.Truncated == nil {
		t.Fatalf("graph json lacks nodes, edges or truncated: %s", out)
	}
	ids := map[string]bool{}
	for _, n := range g.Nodes {
		if n.ID == "" || n.Depth == nil || ids[n.ID] {
			t.Errorf("node without id or depth, or twice: %+v", n)
		}
		ids[n.ID] = true
	}
	for _, e := range g.Edges {
		if !ids[e.Source] || !ids[e.Target] || e.Source == e.Target {
			t.Errorf("edge %s–%s does not join two nodes of the graph", e.Source, e.Target)
		}
		if len(e.Links) == 0 || e.Weight <= 0 {
			t.Errorf("edge %s–%s: weight %v, %d links", e.Source, e.Target, e.Weight, len(e.Links))
		}
		for _, l := range e.Links {
			if l.Attribute == "" || l.Value == "" {
				t.Errorf("edge %s–%s: link without attribute or value: %+v", e.Source, e.Target, l)
			}
			if !(l.A == e.Source && l.B == e.Target || l.A == e.Target && l.B == e.Source) {
				t.Errorf("edge %s–%s carries a link between %s and %s", e.Source, e.Target, l.A, l.B)
			}
		}
	}
	return g
}

// graphML is what a GraphML reader sees.
type graphML struct {
	XMLName xml.Name `xml:"graphml"`
	Keys    []struct {
		ID  string `xml:"id,attr"`
		For string `xml:"for,attr"`
	} `xml:"key"`
	Graph struct {
		EdgeDefault string `xml:"edgedefault,attr"`
		Nodes       []struct {
			ID   string `xml:"id,attr"`
			Data []struct {
				Key   string `xml:"key,attr"`
				Value string `xml:",chardata"`
			} `xml:"data"`
		} `xml:"node"`
		Edges []struct {
			Source string `xml:"source,attr"`
			Target string `xml:"target,attr"`
		} `xml:"edge"`
	} `xml:"graph"`
}

func parseGraphML(t *testing.T, out string) graphML {
	t.Helper()
	var g graphML
	if err := xml.Unmarshal([]byte(out), &g); err != nil {
		t.Fatalf("graphml does not parse: %v\n%s", err, out)
	}
	if g.Graph.EdgeDefault != "undirected" {
		t.Errorf("graphml edgedefault %q", g.Graph.EdgeDefault)
	}
	keys := map[string]bool{}
	for _, k := range g.Keys {
		keys[k.ID] = true
	}
	for _, n := range g.Graph.Nodes {
		for _, d := range n.Data {
			if !keys[d.Key] {
				t.Errorf("node %s: data of undeclared key %q", n.ID, d.Key)
			}
		}
	}
	return g
}

// dotQuoted reads the quoted strings of a DOT line, undoing \" and \\,
// and returns them with what is left outside them. ok is false when a
// string is not closed.
func dotQuoted(line string) (strs []string, rest string, ok bool) {
	var out, cur strings.Builder
	in := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case !in && c == '"':
			in = true
			cur.Reset()
		case in && c == '\\' && i+1 < len(line):
			i++
			switch line[i] {
			case '"', '\\':
				cur.WriteByte(line[i])
			case 'n':
				cur.WriteByte('\n')
			default:
				cur.WriteByte('\\')
				cur.WriteByte(line[i])
			}
		case in && c == '"':
			in = false
			strs = append(strs, cur.String())
		case in:
			cur.WriteByte(c)
		default:
			out.WriteByte(c)
		}
	}
	return strs, out.String(), !in
}

var (
	dotNodeRest = regexp.MustCompile(`^   \[label=(, style=bold)?\];$`)
	dotEdgeRest = regexp.MustCompile(`^   --  \[label=, weight=[0-9.]+, style=(solid|dashed)\];$`)
)

// parseDOT checks every line of a DOT graph is a node or an edge whose
// strings are closed, and returns the node ids and the edges' ends.
func parseDOT(t *testing.T, out string) (nodes []string, edges [][2]string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) < 3 || lines[0] != "graph ringfence {" || lines[1] != "  node [shape=box];" || lines[len(lines)-1] != "}" {
		t.Fatalf("dot:\n%s", out)
	}
	for _, line := range lines[2 : len(lines)-1] {
		strs, rest, ok := dotQuoted(line)
		switch {
		case !ok:
			t.Errorf("dot line with an unclosed string: %s", line)
		case len(strs) == 2 && dotNodeRest.MatchString(rest):
			nodes = append(nodes, strs[0])
		case len(strs) == 3 && dotEdgeRest.MatchString(rest):
			edges = append(edges, [2]string{strs[0], strs[1]})
		default:
			t.Errorf("dot line is neither a node nor an edge (strings %q, outside them %q): %s", strs, rest, line)
		}
	}
	return nodes, edges
}

// TestClusterGraphFormatsDescribeTheClusters: json, graphml and dot hold
// the members of the clusters printed, labelled with their cluster, and
// agree with each other and with the jsonl.
func TestClusterGraphFormatsDescribeTheClusters(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "rf.db")
	for _, minLevel := range []string{"clear", "high"} {
		t.Run("min-level="+minLevel, func(t *testing.T) {
			run := func(format string) string {
				out, errOut, code := ringfenceDB(t, db, "cluster", samplePeople, "--format", format, "--min-level", minLevel)
				if code != 0 {
					t.Fatalf("--format %s: exit %d: %s", format, code, errOut)
				}
				return out
			}
			cs := parseClusterLines(t, run("jsonl"))
			clusterOfMember := map[string]*clusterLine{}
			for i := range cs {
				for _, m := range cs[i].Members {
					clusterOfMember[m] = &cs[i]
				}
			}
			g := parseGraphJSON(t, run("json"))
			if len(g.Nodes) != len(clusterOfMember) {
				t.Errorf("json: %d nodes, want the %d members of the %d clusters", len(g.Nodes), len(clusterOfMember), len(cs))
			}
			for _, n := range g.Nodes {
				c := clusterOfMember[n.ID]
				if c == nil || n.Cluster != c.Cluster || n.Level != c.Level {
					t.Errorf("json: node %+v is not labelled with its cluster", n)
				}
			}
			joining := map[string]bool{}
			for _, e := range g.Edges {
				if clusterOfMember[e.Source] == nil || clusterOfMember[e.Target] == nil {
					t.Errorf("json: edge %s–%s leaves the clusters", e.Source, e.Target)
				}
				if e.Joins {
					joining[e.Source], joining[e.Target] = true, true
				}
			}
			for m := range clusterOfMember {
				if !joining[m] {
					t.Errorf("json: member %s has no joining edge", m)
				}
			}

			gml := parseGraphML(t, run("graphml"))
			if len(gml.Graph.Nodes) != len(g.Nodes) || len(gml.Graph.Edges) != len(g.Edges) {
				t.Errorf("graphml: %d nodes and %d edges; json: %d and %d",
					len(gml.Graph.Nodes), len(gml.Graph.Edges), len(g.Nodes), len(g.Edges))
			}
			for i, n := range gml.Graph.Nodes {
				if i < len(g.Nodes) && n.ID != g.Nodes[i].ID {
					t.Errorf("graphml node %d is %s, json's %s", i, n.ID, g.Nodes[i].ID)
				}
			}

			nodes, edges := parseDOT(t, run("dot"))
			if len(nodes) != len(g.Nodes) || len(edges) != len(g.Edges) {
				t.Errorf("dot: %d nodes and %d edges; json: %d and %d", len(nodes), len(edges), len(g.Nodes), len(g.Edges))
			}

			table := strings.Split(strings.TrimSpace(run("table")), "\n")
			if !strings.HasPrefix(table[0], "CLUSTER ") || len(table) != len(cs)+1 {
				t.Errorf("table: %d rows for %d clusters:\n%s", len(table)-1, len(cs), strings.Join(table, "\n"))
			}
			for i, c := range cs {
				if i+1 < len(table) && !strings.HasPrefix(table[i+1], c.Cluster+" ") {
					t.Errorf("table row %d is not cluster %s: %s", i+1, c.Cluster, table[i+1])
				}
			}
		})
	}
}

// TestClusterMinLevelPrintsExactlyTheClustersAtOrAbove: --min-level drops
// the clusters below it and keeps every one at or above it.
func TestClusterMinLevelPrintsExactlyTheClustersAtOrAbove(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	// The sample's critical rings and clear groups, a high ring (three
	// names, one wallet) and another clear one: a person applying twice.
	in := writeLines(t, dir, "in.jsonl",
		`{"id":"r1","name":"John Smith","wallets":["`+ringWallet+`"]}`,
		`{"id":"r2","name":"Mary Jones","wallets":["`+ringWallet+`"]}`,
		`{"id":"r3","name":"Wei Zhang","wallets":["`+ringWallet+`"]}`,
		`{"id":"twice-1","name":"Ann Lee","birth_date":"1990-02-03","emails":["ann.lee@example.org"]}`,
		`{"id":"twice-2","name":"Ann Lee","birth_date":"1990-02-03","emails":["ann.lee@example.org"]}`)
	out, errOut, code := ringfenceDB(t, db, "cluster", in, samplePeople, "--format", "jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	all := parseClusterLines(t, out)
	seen := map[string]bool{}
	for _, c := range all {
		seen[c.Level] = true
	}
	if !seen[risk.Clear] || !seen[risk.High] || !seen[risk.Critical] {
		t.Fatalf("want clear, high and critical clusters to filter; got %v", seen)
	}
	for _, level := range risk.Levels {
		t.Run(level, func(t *testing.T) {
			out, errOut, code := ringfenceDB(t, db, "cluster", in, samplePeople, "--format", "jsonl", "--min-level", level)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var want []string
			for _, c := range all {
				if risk.Rank(c.Level) >= risk.Rank(level) {
					want = append(want, c.Cluster)
				}
			}
			var got []string
			for _, c := range parseClusterLines(t, out) {
				got = append(got, c.Cluster)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("--min-level %s (-want +got):\n%s", level, diff)
			}
			// The summary counts every cluster, printed or not.
			if s := fmt.Sprintf("into %d clusters", len(all)); !strings.Contains(errOut, s) {
				t.Errorf("stderr lacks %q: %s", s, errOut)
			}
		})
	}
}

// TestClusterIDSurvivesGrowth: a cluster is named by its oldest member, so
// a newcomer joining it later — whose id sorts first, or who has no
// created_at — leaves its id alone, however the newcomer arrives.
func TestClusterIDSurvivesGrowth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		newcomer string
		// how the second run reads the ring and the newcomer
		how string // "one file", "two files", "ring stored", "ring stored from CSV", "newcomer stored"
	}{
		{"a later newcomer whose id sorts first", ringRecord("a0", "Ann Lee", "2026-02-01T10:00:00Z"), "one file"},
		{"a newcomer with a date only", ringRecord("a0", "Ann Lee", "2026-01-04"), "one file"},
		{"a newcomer without created_at", ringRecord("a0", "Ann Lee", ""), "one file"},
		{"a newcomer in a second file", ringRecord("a0", "Ann Lee", "2026-02-01T10:00:00Z"), "two files"},
		{"a newcomer read with the stored ring", ringRecord("a0", "Ann Lee", "2026-02-01T10:00:00Z"), "ring stored"},
		{"a newcomer read with the ring stored from CSV", ringRecord("a0", "Ann Lee", "2026-02-01T10:00:00Z"), "ring stored from CSV"},
		{"the ring read with the stored newcomer", ringRecord("a0", "Ann Lee", "2026-02-01T10:00:00Z"), "newcomer stored"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "rf.db")
			ring := writeLines(t, dir, "ring.jsonl", threeRing()...)
			out, errOut, code := ringfenceDB(t, db, "cluster", ring, "--format", "jsonl")
			cs := parseClusterLines(t, out)
			if code != 0 || len(cs) != 1 || !slices.Equal(sortedCopy(cs[0].Members), []string{"m1", "m2", "m3"}) {
				t.Fatalf("the ring alone: exit %d, %+v\n%s", code, cs, errOut)
			}
			before := cs[0].Cluster

			var args []string
			switch tc.how {
			case "one file":
				args = []string{writeLines(t, dir, "grown.jsonl", append(threeRing(), tc.newcomer)...)}
			case "two files":
				args = []string{ring, writeLines(t, dir, "new.jsonl", tc.newcomer)}
			case "ring stored":
				if _, errOut, code := ringfenceDB(t, db, "import", ring); code != 0 {
					t.Fatalf("import: exit %d: %s", code, errOut)
				}
				args = []string{writeLines(t, dir, "new.jsonl", tc.newcomer), "--stored"}
			case "ring stored from CSV":
				if _, errOut, code := ringfenceDB(t, db, "import", writeLines(t, dir, "ring.csv", threeRingCSV()...)); code != 0 {
					t.Fatalf("import: exit %d: %s", code, errOut)
				}
				args = []string{writeLines(t, dir, "new.jsonl", tc.newcomer), "--stored"}
			case "newcomer stored":
				if _, errOut, code := ringfenceDB(t, db, "import", writeLines(t, dir, "new.jsonl", tc.newcomer)); code != 0 {
					t.Fatalf("import: exit %d: %s", code, errOut)
				}
				args = []string{ring, "--stored"}
			}
			out, errOut, code = ringfenceDB(t, db, append([]string{"cluster", "--format", "jsonl"}, args...)...)
			cs = parseClusterLines(t, out)
			if code != 0 || len(cs) != 1 {
				t.Fatalf("grown: exit %d, %d clusters\n%s%s", code, len(cs), out, errOut)
			}
			if !slices.Equal(sortedCopy(cs[0].Members), []string{"a0", "m1", "m2", "m3"}) {
				t.Errorf("grown cluster has %v, want the newcomer a0 with m1, m2, m3", cs[0].Members)
			}
			if cs[0].Cluster != before {
				t.Errorf("cluster id changed from %s to %s when a0 joined", before, cs[0].Cluster)
			}
		})
	}

	// Whereas the oldest member is what names it: a ring without m1 is
	// another cluster.
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	whole := parseClusterLines(t, first(ringfenceDB(t, db, "cluster", writeLines(t, dir, "a.jsonl", threeRing()...))))
	part := parseClusterLines(t, first(ringfenceDB(t, db, "cluster", writeLines(t, dir, "b.jsonl", threeRing()[0], threeRing()[2]))))
	if len(whole) != 1 || len(part) != 1 || whole[0].Cluster == part[0].Cluster {
		t.Errorf("m1, m2, m3 and m2, m3 are named alike: %+v %+v", whole, part)
	}
}

func first(s string, _ ...any) string { return s }

// normalizedClusters is what two runs over the same subjects must agree
// on, whatever order the subjects were read in.
func normalizedClusters(cs []clusterLine) map[string]clusterLine {
	m := map[string]clusterLine{}
	for _, c := range cs {
		c.Members = sortedCopy(c.Members)
		for i, e := range c.Evidence {
			if e.A > e.B {
				c.Evidence[i].A, c.Evidence[i].B = e.B, e.A
			}
		}
		slices.SortFunc(c.Evidence, func(x, y clusterEvidence) int {
			return strings.Compare(x.Attribute+"\x00"+x.Value+"\x00"+x.A+"\x00"+x.B, y.Attribute+"\x00"+y.Value+"\x00"+y.A+"\x00"+y.B)
		})
		m[c.Cluster] = c
	}
	return m
}

func storeBackend(t *testing.T, backend string) string {
	t.Helper()
	if backend == "postgres" {
		return pgtest.DSN(t) // fails, not skips, under CI=true
	}
	return filepath.Join(t.TempDir(), "rf.db")
}

// TestClusterStoredFindsWhatTheFileDoes: the sample imported and clustered
// with --stored gives the clusters clustering the file gives, and graph
// --stored finds a stored subject — on SQLite and PostgreSQL.
func TestClusterStoredFindsWhatTheFileDoes(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			db := storeBackend(t, backend)
			fromFile, errOut, code := ringfenceDB(t, db, "cluster", samplePeople, "--format", "jsonl")
			if code != 0 {
				t.Fatalf("cluster the file: exit %d: %s", code, errOut)
			}
			if _, errOut, code := ringfenceDB(t, db, "import", samplePeople); code != 0 {
				t.Fatalf("import: exit %d: %s", code, errOut)
			}
			fromStore, errOut, code := ringfenceDB(t, db, "cluster", "--stored", "--format", "jsonl")
			if code != 0 {
				t.Fatalf("cluster --stored: exit %d: %s", code, errOut)
			}
			if !strings.Contains(errOut, "of 400 records") {
				t.Errorf("cluster --stored did not read the 400 stored subjects: %s", errOut)
			}
			want := normalizedClusters(parseClusterLines(t, fromFile))
			if len(want) == 0 {
				t.Fatal("the sample has no clusters")
			}
			if diff := cmp.Diff(want, normalizedClusters(parseClusterLines(t, fromStore))); diff != "" {
				t.Errorf("cluster --stored differs from clustering the file (-file +stored):\n%s", diff)
			}
			// The file over the same stored subjects replaces each: the
			// same clusters, each subject once.
			both, errOut, code := ringfenceDB(t, db, "cluster", samplePeople, "--stored", "--format", "jsonl")
			if code != 0 || !strings.Contains(errOut, "of 400 records") {
				t.Errorf("cluster FILE --stored: exit %d: %s", code, errOut)
			}
			if diff := cmp.Diff(want, normalizedClusters(parseClusterLines(t, both))); diff != "" {
				t.Errorf("cluster FILE --stored differs from clustering the file (-file +both):\n%s", diff)
			}

			out, errOut, code := ringfenceDB(t, db, "graph", "S0000228", "--stored", "--format", "json")
			if code != 0 {
				t.Fatalf("graph --stored: exit %d: %s", code, errOut)
			}
			if g := parseGraphJSON(t, out); g.Center != "S0000228" || len(g.Edges) == 0 {
				t.Errorf("graph --stored of a ring persona: center %q, %d edges", g.Center, len(g.Edges))
			}
		})
	}
}

// TestClusterFileRecordReplacesTheStoredOne: with FILE and --stored, a
// file record stands for the stored subject of its id; the store itself
// is not changed by clustering.
func TestClusterFileRecordReplacesTheStoredOne(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			db := storeBackend(t, backend)
			if _, errOut, code := ringfenceDB(t, db, "import", writeLines(t, dir, "ring.jsonl", threeRing()...)); code != 0 {
				t.Fatalf("import: exit %d: %s", code, errOut)
			}
			out, errOut, code := ringfenceDB(t, db, "cluster", "--stored", "--format", "jsonl")
			stored := parseClusterLines(t, out)
			if code != 0 || len(stored) != 1 || len(stored[0].Members) != 3 {
				t.Fatalf("stored ring: exit %d, %+v: %s", code, stored, errOut)
			}

			// m2 now gives another wallet and phone: it leaves the ring.
			moved := `{"id":"m2","name":"Mary Jones","wallets":["` + otherWallet + `"],"phones":["+12127365999"],"created_at":"2026-01-02T00:00:00+09:00"}`
			file := writeLines(t, dir, "update.jsonl", moved)
			out, errOut, code = ringfenceDB(t, db, "cluster", file, "--stored", "--format", "jsonl")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			cs := parseClusterLines(t, out)
			if len(cs) != 1 || !slices.Equal(sortedCopy(cs[0].Members), []string{"m1", "m3"}) {
				t.Fatalf("want m1 and m3 left in the cluster, m2 gone: %+v", cs)
			}
			if cs[0].Cluster != stored[0].Cluster {
				t.Errorf("the cluster lost m2 and changed id from %s to %s", stored[0].Cluster, cs[0].Cluster)
			}
			for _, e := range cs[0].Evidence {
				if e.A == "m2" || e.B == "m2" {
					t.Errorf("evidence of the replaced stored m2: %+v", e)
				}
			}
			if !strings.Contains(errOut, "of 3 records") {
				t.Errorf("m2 counted twice or not at all: %s", errOut)
			}
			// The graph of m2 reads the file's record too: it links to no one.
			out, errOut, code = ringfenceDB(t, db, "graph", "m2", file, "--stored")
			if g := parseGraphJSON(t, out); code != 0 || len(g.Nodes) != 1 || len(g.Edges) != 0 {
				t.Errorf("graph m2: exit %d, %d nodes, %d edges: %s", code, len(g.Nodes), len(g.Edges), errOut)
			}

			// m4 in the file joins the stored ring.
			joined := ringRecord("m4", "Ann Lee", "2026-02-01")
			out, _, code = ringfenceDB(t, db, "cluster", writeLines(t, dir, "join.jsonl", joined), "--stored", "--format", "jsonl")
			cs = parseClusterLines(t, out)
			if code != 0 || len(cs) != 1 || !slices.Equal(sortedCopy(cs[0].Members), []string{"m1", "m2", "m3", "m4"}) {
				t.Errorf("m4 read with the stored ring: exit %d, %+v", code, cs)
			}

			// Clustering wrote nothing: the store still holds the ring.
			out, _, _ = ringfenceDB(t, db, "cluster", "--stored", "--format", "jsonl")
			if diff := cmp.Diff(normalizedClusters(stored), normalizedClusters(parseClusterLines(t, out))); diff != "" {
				t.Errorf("the store changed after clustering (-before +after):\n%s", diff)
			}
		})
	}
}

// TestClusterReadsEveryInputForm: JSON Lines, CSV, gzip and standard
// input give one cluster, of one id.
func TestClusterReadsEveryInputForm(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	jsonl := writeLines(t, dir, "ring.jsonl", threeRing()...)
	csv := writeLines(t, dir, "ring.csv", threeRingCSV()...)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Join(threeRing(), "\n") + "\n"))
	zw.Close()
	gzPath := filepath.Join(dir, "ring.jsonl.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	stdinRun := func() (string, string, int) {
		var out, errb bytes.Buffer
		getenv := func(k string) string {
			if k == "RINGFENCE_DB" {
				return db
			}
			return ""
		}
		err := run(t.Context(), []string{"cluster", "-", "--format", "jsonl"}, getenv,
			strings.NewReader(strings.Join(threeRing(), "\n")+"\n"), &out, &errb)
		if err != nil {
			errb.WriteString(err.Error())
		}
		return out.String(), errb.String(), exitCode(err)
	}
	var want string
	for _, tc := range []struct {
		name string
		run  func() (string, string, int)
	}{
		{"jsonl", func() (string, string, int) { return ringfenceDB(t, db, "cluster", jsonl, "--format", "jsonl") }},
		{"csv", func() (string, string, int) { return ringfenceDB(t, db, "cluster", csv, "--format", "jsonl") }},
		{"gzip", func() (string, string, int) { return ringfenceDB(t, db, "cluster", gzPath, "--format", "jsonl") }},
		{"stdin", stdinRun},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := tc.run()
			cs := parseClusterLines(t, out)
			if code != 0 || len(cs) != 1 || !slices.Equal(sortedCopy(cs[0].Members), []string{"m1", "m2", "m3"}) ||
				risk.Rank(cs[0].Level) < risk.Rank(risk.High) {
				t.Fatalf("exit %d, %+v: %s", code, cs, errOut)
			}
			if want == "" {
				want = cs[0].Cluster
			} else if cs[0].Cluster != want {
				t.Errorf("cluster %s, jsonl's is %s", cs[0].Cluster, want)
			}
		})
	}
}

// TestGraphShowsTheNeighbourhood runs graph around a ring persona of the
// sample and around an unlinked subject.
func TestGraphShowsTheNeighbourhood(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "rf.db")
	clusters := parseClusterLines(t, first(ringfenceDB(t, db, "cluster", samplePeople, "--format", "jsonl")))
	ring := clusterOf(clusters, "S0000228")
	if ring == nil {
		t.Fatal("S0000228 is in no cluster of the sample")
	}
	inCluster := map[string]bool{}
	for _, c := range clusters {
		for _, m := range c.Members {
			inCluster[m] = true
		}
	}
	for _, tc := range []struct {
		name      string
		id        string
		args      []string
		maxDepth  int
		maxNodes  int  // 0: no bound
		truncated bool // want truncated
	}{
		{"default depth", "S0000228", nil, 2, 0, false},
		{"depth 1", "S0000228", []string{"--depth", "1"}, 1, 0, false},
		{"max 3 nodes", "S0000228", []string{"--max-nodes", "3"}, 2, 3, true},
		{"a subject linked to no one", "S0000001", nil, 0, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"graph", tc.id, samplePeople}, tc.args...)
			out, errOut, code := ringfenceDB(t, db, append(args, "--format", "json")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			g := parseGraphJSON(t, out)
			if g.Center != tc.id || len(g.Nodes) == 0 || g.Nodes[0].ID != tc.id || *g.Nodes[0].Depth != 0 {
				t.Fatalf("center %q, first node %+v; want %s at depth 0", g.Center, g.Nodes[0], tc.id)
			}
			if *g.Truncated != tc.truncated || tc.maxNodes > 0 && len(g.Nodes) > tc.maxNodes {
				t.Errorf("%d nodes, truncated %v", len(g.Nodes), *g.Truncated)
			}
			prev := 0
			for _, n := range g.Nodes {
				if *n.Depth > tc.maxDepth || *n.Depth < prev {
					t.Errorf("node %s at depth %d: want nearest first, at most %d", n.ID, *n.Depth, tc.maxDepth)
				}
				prev = *n.Depth
				if inCluster[n.ID] != (n.Cluster != "") {
					t.Errorf("node %s labelled with cluster %q", n.ID, n.Cluster)
				}
				if n.ID == tc.id && n.Cluster != "" && n.Cluster != ring.Cluster {
					t.Errorf("center in cluster %s, cluster says %s", n.Cluster, ring.Cluster)
				}
			}
			if tc.id == "S0000228" && tc.maxNodes == 0 {
				for _, m := range ring.Members {
					if !slices.ContainsFunc(g.Nodes, func(n graphNode) bool { return n.ID == m }) {
						t.Errorf("the graph of S0000228 lacks %s of its cluster", m)
					}
				}
			}
			if !strings.Contains(errOut, fmt.Sprintf("%s: %d subjects and %d links", tc.id, len(g.Nodes), len(g.Edges))) {
				t.Errorf("stderr lacks the summary: %s", errOut)
			}

			out, errOut, code = ringfenceDB(t, db, append(args, "--format", "graphml")...)
			if code != 0 {
				t.Fatalf("graphml: exit %d: %s", code, errOut)
			}
			gml := parseGraphML(t, out)
			if len(gml.Graph.Nodes) != len(g.Nodes) || len(gml.Graph.Edges) != len(g.Edges) {
				t.Errorf("graphml: %d nodes, %d edges; json: %d, %d", len(gml.Graph.Nodes), len(gml.Graph.Edges), len(g.Nodes), len(g.Edges))
			}
			for _, n := range gml.Graph.Nodes {
				for _, d := range n.Data {
					if d.Key == "center" && (d.Value == "true") != (n.ID == tc.id) {
						t.Errorf("graphml: node %s has center=%s", n.ID, d.Value)
					}
				}
			}

			out, errOut, code = ringfenceDB(t, db, append(args, "--format", "dot")...)
			if code != 0 {
				t.Fatalf("dot: exit %d: %s", code, errOut)
			}
			nodes, edges := parseDOT(t, out)
			if len(nodes) != len(g.Nodes) || len(edges) != len(g.Edges) || len(nodes) > 0 && nodes[0] != tc.id {
				t.Errorf("dot: nodes %q, %d edges; json: %d nodes, %d edges, %s first", nodes, len(edges), len(g.Nodes), len(g.Edges), tc.id)
			}
		})
	}
}

// TestGraphFormatsKeepAwkwardIDsIntact: ids with quotes, backslashes and
// markup come out of json, graphml and dot as they went in, and no DOT
// string is broken open.
func TestGraphFormatsKeepAwkwardIDsIntact(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	ids := []string{`a"1`, `b\2`, `c\" -- "x`, `<d>&amp;`}
	var lines []string
	for i, id := range ids {
		lines = append(lines, ringRecord(id, []string{"John Smith", "Mary Jones", "Wei Zhang", "Ann Lee"}[i], ""))
	}
	in := writeLines(t, dir, "awkward.jsonl", lines...)
	want := sortedCopy(ids)

	out, errOut, code := ringfenceDB(t, db, "cluster", in, "--format", "jsonl")
	if cs := parseClusterLines(t, out); code != 0 || len(cs) != 1 || !slices.Equal(sortedCopy(cs[0].Members), want) {
		t.Fatalf("cluster: exit %d, %+v: %s", code, cs, errOut)
	}
	for _, cmdline := range [][]string{{"graph", ids[0], in}, {"cluster", in}} {
		t.Run(cmdline[0], func(t *testing.T) {
			out, errOut, code := ringfenceDB(t, db, append(cmdline, "--format", "json")...)
			if code != 0 {
				t.Fatalf("json: exit %d: %s", code, errOut)
			}
			g := parseGraphJSON(t, out)
			var got []string
			for _, n := range g.Nodes {
				got = append(got, n.ID)
			}
			if !slices.Equal(sortedCopy(got), want) || len(g.Edges) != 6 {
				t.Errorf("json: nodes %q, %d edges", got, len(g.Edges))
			}

			out, errOut, code = ringfenceDB(t, db, append(cmdline, "--format", "graphml")...)
			if code != 0 {
				t.Fatalf("graphml: exit %d: %s", code, errOut)
			}
			gml := parseGraphML(t, out)
			got = nil
			for _, n := range gml.Graph.Nodes {
				got = append(got, n.ID)
			}
			if !slices.Equal(sortedCopy(got), want) || len(gml.Graph.Edges) != 6 {
				t.Errorf("graphml: nodes %q, %d edges", got, len(gml.Graph.Edges))
			}

			out, errOut, code = ringfenceDB(t, db, append(cmdline, "--format", "dot")...)
			if code != 0 {
				t.Fatalf("dot: exit %d: %s", code, errOut)
			}
			nodes, edges := parseDOT(t, out)
			if !slices.Equal(sortedCopy(nodes), want) || len(edges) != 6 {
				t.Errorf("dot: nodes %q, %d edges:\n%s", nodes, len(edges), out)
			}
			for _, e := range edges {
				if !slices.Contains(ids, e[0]) || !slices.Contains(ids, e[1]) {
					t.Errorf("dot: edge %q–%q between unknown nodes", e[0], e[1])
				}
			}
			if !strings.Contains(out, `"a\"1"`) || !strings.Contains(out, `"b\\2"`) {
				t.Errorf("dot lacks the escaped forms \"a\\\"1\" and \"b\\\\2\":\n%s", out)
			}
		})
	}
}

// TestClusterReportsBadRecordsAndClustersTheRest: a bad line is named by
// file and line on stderr, the good records around it are clustered and
// printed, and the exit code is 2; --strict stops at it.
func TestClusterReportsBadRecordsAndClustersTheRest(t *testing.T) {
	t.Parallel()
	ring := threeRing()
	for _, tc := range []struct {
		name    string
		bad     string
		wantErr string // after "FILE:2"
	}{
		{"a line that is not JSON", `{"id":"x","name":`, ""},
		{"a bad field", `{"id":"x","name":"Bad Date","birth_date":"1990-13-01"}`, ": field birth_date"},
		{"a bad created_at", `{"id":"x","name":"Bad Time","created_at":"yesterday"}`, ": field created_at"},
	} {
		for _, command := range []string{"cluster", "graph"} {
			t.Run(command+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				db := filepath.Join(dir, "rf.db")
				in := writeLines(t, dir, "in.jsonl", ring[0], tc.bad, ring[1], ring[2])
				args := []string{"cluster", in, "--format", "jsonl"}
				if command == "graph" {
					args = []string{"graph", "m1", in}
				}
				out, errOut, code := ringfenceDB(t, db, args...)
				if code != 2 {
					t.Errorf("exit %d, want 2", code)
				}
				if !strings.Contains(errOut, in+":2"+tc.wantErr) {
					t.Errorf("stderr does not name %s:2%s:\n%s", in, tc.wantErr, errOut)
				}
				if command == "cluster" {
					cs := parseClusterLines(t, out)
					if len(cs) != 1 || !slices.Equal(sortedCopy(cs[0].Members), []string{"m1", "m2", "m3"}) {
						t.Errorf("want the ring around the bad line clustered: %+v", cs)
					}
					if !strings.Contains(errOut, "of 3 records") {
						t.Errorf("stderr: %s", errOut)
					}
				} else if g := parseGraphJSON(t, out); len(g.Nodes) != 3 {
					t.Errorf("graph of m1: %d nodes, want the ring's 3", len(g.Nodes))
				}

				out, errOut, code = ringfenceDB(t, db, append(args, "--strict")...)
				if code != 2 || !strings.Contains(errOut, "--strict") || !strings.Contains(errOut, in+":2") {
					t.Errorf("--strict: exit %d: %s", code, errOut)
				}
				if out != "" {
					t.Errorf("--strict printed %q after stopping", out)
				}
			})
		}
	}
}

// TestClusterReportsAStoredRecordThatNoLongerReads: a stored subject whose
// record no longer decodes (edited by hand, written by another version) is
// named on stderr like a bad line; the others are clustered; exit 2.
func TestClusterReportsAStoredRecordThatNoLongerReads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	ring := append(threeRing(), ringRecord("m4", "Ann Lee", "2026-01-04"))
	if _, errOut, code := ringfenceDB(t, db, "import", writeLines(t, dir, "ring.jsonl", ring...)); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = raw.Exec(`UPDATE subjects SET raw = ? WHERE id = 'm2'`,
		[]byte(`{"id":"m2","name":"Mary Jones","birth_date":"1990-13-01","wallets":["`+ringWallet+`"]}`))
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := ringfenceDB(t, db, "cluster", "--stored", "--format", "jsonl")
	if code != 2 || !strings.Contains(errOut, "subject m2") || !strings.Contains(errOut, "birth_date") {
		t.Errorf("exit %d, want 2 and m2's birth_date named: %s", code, errOut)
	}
	cs := parseClusterLines(t, out)
	if len(cs) != 1 || !slices.Equal(sortedCopy(cs[0].Members), []string{"m1", "m3", "m4"}) {
		t.Errorf("want m1, m3 and m4 clustered without m2: %+v", cs)
	}
	if _, errOut, code := ringfenceDB(t, db, "cluster", "--stored", "--strict"); code != 2 || !strings.Contains(errOut, "--strict") {
		t.Errorf("--strict: exit %d: %s", code, errOut)
	}
}

func TestClusterAndGraphUsageMistakesExitTwo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeLines(t, dir, "in.jsonl", threeRing()...)
	for _, tc := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"cluster without FILE or --stored", []string{"cluster"}, "FILE or --stored"},
		{"cluster --format nope", []string{"cluster", in, "--format", "nope"}, `--format "nope"`},
		{"cluster --format csv", []string{"cluster", in, "--format", "csv"}, `--format "csv"`},
		{"cluster --min-level bogus", []string{"cluster", in, "--min-level", "bogus"}, `--min-level "bogus"`},
		{"cluster with an unknown flag", []string{"cluster", in, "--depth", "2"}, "-depth"},
		{"cluster --region Narnia", []string{"cluster", in, "--region", "Narnia"}, "--region"},
		{"graph without ID", []string{"graph"}, "subject ID"},
		{"graph without FILE or --stored", []string{"graph", "m1"}, "FILE or --stored"},
		{"graph --format table", []string{"graph", "m1", in, "--format", "table"}, `--format "table"`},
		{"graph --format jsonl", []string{"graph", "m1", in, "--format", "jsonl"}, `--format "jsonl"`},
		{"graph --depth 0", []string{"graph", "m1", in, "--depth", "0"}, "--depth"},
		{"graph --max-nodes 0", []string{"graph", "m1", in, "--max-nodes", "0"}, "--max-nodes"},
		{"graph of an unknown ID", []string{"graph", "nobody-42", in}, `"nobody-42"`},
		{"graph of an unknown ID with --stored", []string{"graph", "nobody-42", "--stored"}, `"nobody-42"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := ringfenceDB(t, filepath.Join(t.TempDir(), "rf.db"), tc.args...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
			if out != "" {
				t.Errorf("printed %q", out)
			}
		})
	}
}

// A newcomer whose created_at is far in the future (a 9999-12-31
// placeholder is a valid date) is the newest member, not the oldest.
func TestClusterIDSurvivesAFarFutureCreatedAt(t *testing.T) {
	t.Parallel()
	for _, date := range []string{"2300-01-01", "9999-12-31"} {
		t.Run(date, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "rf.db")
			before := parseClusterLines(t, first(ringfenceDB(t, db, "cluster", writeLines(t, dir, "a.jsonl", threeRing()...))))
			after := parseClusterLines(t, first(ringfenceDB(t, db, "cluster",
				writeLines(t, dir, "b.jsonl", append(threeRing(), ringRecord("a0", "Ann Lee", date))...))))
			if len(before) != 1 || len(after) != 1 || after[0].Cluster != before[0].Cluster {
				t.Errorf("a newcomer created %s renamed the cluster", date)
			}
		})
	}
}

// Ids that differ only in control characters would be one GraphML node:
// the reader refuses them, naming the field.
func TestControlCharactersInIDsAreBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeLines(t, dir, "ctl.jsonl",
		`{"id":"a\u0001b","name":"John Smith","wallets":["`+ringWallet+`"]}`,
		`{"id":"a\u0002b","name":"Mary Jones","wallets":["`+ringWallet+`"]}`)
	_, errOut, code := ringfenceDB(t, filepath.Join(dir, "rf.db"), "cluster", in, "--format", "graphml")
	if code != 2 || !strings.Contains(errOut, "ctl.jsonl:1: field id:") {
		t.Errorf("exit %d, stderr %q; want 2 naming ctl.jsonl:1 field id", code, errOut)
	}
}
