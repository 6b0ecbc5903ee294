package graph

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/internal/subject"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/export")

// exportFixture is two rings chained by a phone (split apart by
// clustering), and a1 sharing a home and an IP with n1, who is in no
// cluster: a weak edge (0.3 + 0.3) that does not join.
func exportFixture() []subject.Record {
	recs := twoRings(true)
	h := home("12 Elm St", "Austin", "78701")
	recs[0].Addresses = []subject.Address{h}
	recs[0].IPs = []string{"73.12.4.9"}
	return append(recs, rec("n1", "Kim Ward", "1975-05-05", func(r *subject.Record) {
		r.Addresses = []subject.Address{h}
		r.IPs = []string{"73.12.4.9"}
	}))
}

// clustered builds the graph of recs with its clusters set on the batch,
// so nodes carry their cluster.
func clustered(t testing.TB, recs []subject.Record) (*Graph, []Cluster) {
	t.Helper()
	g := graphOf(t, recs)
	cs := g.Clusters(g.Groups(), nil)
	g.Batch().SetClusters(cs)
	return g, cs
}

func recnoOf(t testing.TB, g *Graph, id string) int {
	t.Helper()
	r, ok := g.Batch().Index(id)
	if !ok {
		t.Fatalf("no record %q", id)
	}
	return r
}

// exports renders the fixture's outputs, by golden file name.
func exports(t *testing.T) map[string][]byte {
	t.Helper()
	g, cs := clustered(t, exportFixture())
	nb := g.Neighbourhood(recnoOf(t, g, "a1"), 2, 0)
	out := map[string][]byte{}
	js, err := json.MarshalIndent(nb, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out["neighbourhood_a1_depth2.json"] = append(js, '\n')
	var b bytes.Buffer
	if err := nb.WriteDOT(&b); err != nil {
		t.Fatal(err)
	}
	out["neighbourhood_a1_depth2.dot"] = slices.Clone(b.Bytes())
	b.Reset()
	if err := nb.WriteGraphML(&b); err != nil {
		t.Fatal(err)
	}
	out["neighbourhood_a1_depth2.graphml"] = slices.Clone(b.Bytes())
	cg := g.ClusterGraph(cs)
	b.Reset()
	if err := cg.WriteGraphML(&b); err != nil {
		t.Fatal(err)
	}
	out["clusters.graphml"] = slices.Clone(b.Bytes())
	return out
}

func TestExportGolden(t *testing.T) {
	got := exports(t)
	// Built afresh, the graph (whose resume pass runs on every core) and
	// the neighbourhood (gathered in a map) export byte for byte the same.
	for range 4 {
		again := exports(t)
		for name, b := range got {
			if !bytes.Equal(b, again[name]) {
				t.Fatalf("%s differs between two runs:\n%s\n----\n%s", name, b, again[name])
			}
		}
	}
	names := make([]string, 0, len(got))
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "export", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got[name], 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestExportGolden -update ./internal/graph to write it)", err)
			}
			if !bytes.Equal(got[name], want) {
				t.Errorf("%s differs from %s (if the change is intended, rerun with -update):\ngot:\n%s", name, path, got[name])
			}
		})
	}
}

// TestExportFixtureIsSensible pins what the golden files show, so that an
// -update that changes their meaning fails here.
func TestExportFixtureIsSensible(t *testing.T) {
	g, cs := clustered(t, exportFixture())
	nb := g.Neighbourhood(recnoOf(t, g, "a1"), 2, 0)
	if nb.Center != "a1" || nb.Truncated || len(nb.Nodes) != 7 {
		t.Fatalf("neighbourhood of a1: center %q, truncated %v, %d nodes; want a1, false, 7", nb.Center, nb.Truncated, len(nb.Nodes))
	}
	depth := map[string]int{}
	cluster := map[string]string{}
	for _, n := range nb.Nodes {
		depth[n.ID], cluster[n.ID] = n.Depth, n.Cluster
		if (n.Cluster == "") != (n.Level == "") {
			t.Errorf("node %s: cluster %q with level %q", n.ID, n.Cluster, n.Level)
		}
	}
	wantDepth := map[string]int{"a1": 0, "a2": 1, "a3": 1, "b1": 1, "n1": 1, "b2": 2, "b3": 2}
	for id, d := range wantDepth {
		if got, ok := depth[id]; !ok || got != d {
			t.Errorf("node %s at depth %d (present %v), want %d", id, got, ok, d)
		}
	}
	if cluster["a1"] == "" || cluster["a1"] != cluster["a2"] || cluster["b1"] == "" || cluster["b1"] == cluster["a1"] || cluster["n1"] != "" {
		t.Errorf("node clusters %v: want the two rings apart and n1 in none", cluster)
	}
	arcs := map[[2]string]Arc{}
	for _, a := range nb.Edges {
		arcs[[2]string{a.Source, a.Target}] = a
		if len(a.Links) == 0 {
			t.Errorf("edge %s--%s has no links", a.Source, a.Target)
		}
		for _, l := range a.Links {
			if l.Attribute == "" || l.Value == "" || l.A != a.Source || l.B != a.Target || l.Weight <= 0 {
				t.Errorf("edge %s--%s: link %+v", a.Source, a.Target, l)
			}
		}
		if a.Joins != (a.Weight >= Join) {
			t.Errorf("edge %s--%s weighs %v, joins %v", a.Source, a.Target, a.Weight, a.Joins)
		}
	}
	// Three wallet edges, three bank-account edges, the phone and the
	// household.
	if len(nb.Edges) != 8 {
		t.Errorf("%d edges, want 8: %+v", len(nb.Edges), nb.Edges)
	}
	if a, ok := arcs[[2]string{"a1", "n1"}]; !ok || a.Joins || a.Weight != 0.6 || len(a.Links) != 2 {
		t.Errorf("a1--n1 (home and IP): %+v, want weight 0.6, not joining, two links", a)
	} else if a.label() != "addresses 12 ELM ST, AUSTIN, TX 78701, US; ips 73.12.4.9" {
		t.Errorf("a1--n1 label %q", a.label())
	}
	if a, ok := arcs[[2]string{"a1", "b1"}]; !ok || !a.Joins || a.Weight != 1 || len(a.Links) != 1 || a.Links[0].Attribute != "phones" {
		t.Errorf("a1--b1 (phone): %+v, want weight 1, joining, one phone", a)
	}
	if a, ok := arcs[[2]string{"b2", "b3"}]; !ok || !a.Joins || a.Links[0].Attribute != "bank_accounts" {
		t.Errorf("b2--b3 (depth 2 to depth 2) missing or wrong: %+v", a)
	}

	cg := g.ClusterGraph(cs)
	if cg.Center != "" || cg.Truncated || len(cg.Nodes) != 6 || len(cg.Edges) != 7 {
		t.Errorf("cluster graph: center %q truncated %v, %d nodes, %d edges; want 6 members and 7 edges (two triangles and the phone)",
			cg.Center, cg.Truncated, len(cg.Nodes), len(cg.Edges))
	}
	for _, n := range cg.Nodes {
		if n.Cluster == "" || n.ID == "n1" {
			t.Errorf("cluster graph node %+v", n)
		}
	}
}

// The shape of GraphML (http://graphml.graphdrawing.org/xmlns), as far as
// WriteGraphML uses it. No XSD validator is at hand: the checks are
// structural.
type gmlData struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

type gmlDoc struct {
	XMLName xml.Name `xml:"http://graphml.graphdrawing.org/xmlns graphml"`
	Keys    []struct {
		ID   string `xml:"id,attr"`
		For  string `xml:"for,attr"`
		Name string `xml:"attr.name,attr"`
		Type string `xml:"attr.type,attr"`
	} `xml:"key"`
	Graphs []struct {
		ID          string `xml:"id,attr"`
		EdgeDefault string `xml:"edgedefault,attr"`
		Nodes       []struct {
			ID   string    `xml:"id,attr"`
			Data []gmlData `xml:"data"`
		} `xml:"node"`
		Edges []struct {
			Source string    `xml:"source,attr"`
			Target string    `xml:"target,attr"`
			Data   []gmlData `xml:"data"`
		} `xml:"edge"`
	} `xml:"graph"`
}

// checkGraphML parses out and checks it is well-formed GraphML holding sg.
func checkGraphML(t *testing.T, out []byte, sg *Subgraph) {
	t.Helper()
	if !bytes.HasPrefix(out, []byte(xml.Header)) {
		t.Errorf("GraphML does not start with the XML declaration: %.60q", out)
	}
	// Well-formed: a strict token pass over the whole document.
	dec := xml.NewDecoder(bytes.NewReader(out))
	for {
		_, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("GraphML is not well-formed XML: %v", err)
			}
			break
		}
	}
	var doc gmlDoc
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("GraphML does not parse: %v\n%s", err, out)
	}
	types := map[string]string{} // key id: attr.type
	keyFor := map[string]string{}
	for _, k := range doc.Keys {
		if k.ID == "" || types[k.ID] != "" {
			t.Errorf("key id %q empty or declared twice", k.ID)
		}
		if !slices.Contains([]string{"node", "edge", "graph", "graphml", "all"}, k.For) {
			t.Errorf("key %s for %q", k.ID, k.For)
		}
		if !slices.Contains([]string{"boolean", "int", "long", "float", "double", "string"}, k.Type) {
			t.Errorf("key %s attr.type %q", k.ID, k.Type)
		}
		types[k.ID], keyFor[k.ID] = k.Type, k.For
	}
	if len(doc.Graphs) != 1 {
		t.Fatalf("%d graphs, want 1", len(doc.Graphs))
	}
	gr := doc.Graphs[0]
	if gr.EdgeDefault != "undirected" {
		t.Errorf("edgedefault %q", gr.EdgeDefault)
	}
	checkData := func(what, elem string, data []gmlData) {
		seen := map[string]bool{}
		for _, d := range data {
			typ, ok := types[d.Key]
			switch {
			case !ok:
				t.Errorf("%s: data key %q is not declared", what, d.Key)
				continue
			case keyFor[d.Key] != elem && keyFor[d.Key] != "all":
				t.Errorf("%s: data key %q is declared for %s", what, d.Key, keyFor[d.Key])
			case seen[d.Key]:
				t.Errorf("%s: data key %q twice", what, d.Key)
			}
			seen[d.Key] = true
			var err error
			switch typ {
			case "int", "long":
				_, err = strconv.ParseInt(d.Value, 10, 64)
			case "float", "double":
				_, err = strconv.ParseFloat(d.Value, 64)
			case "boolean":
				if d.Value != "true" && d.Value != "false" {
					err = fmt.Errorf("not a boolean")
				}
			}
			if err != nil {
				t.Errorf("%s: data %s=%q is not a %s: %v", what, d.Key, d.Value, typ, err)
			}
		}
	}
	if len(gr.Nodes) != len(sg.Nodes) || len(gr.Edges) != len(sg.Edges) {
		t.Fatalf("GraphML has %d nodes and %d edges, the subgraph %d and %d", len(gr.Nodes), len(gr.Edges), len(sg.Nodes), len(sg.Edges))
	}
	ids := map[string]bool{}
	for i, n := range gr.Nodes {
		if ids[n.ID] {
			t.Errorf("node id %q declared twice", n.ID)
		}
		ids[n.ID] = true
		if n.ID != sg.Nodes[i].ID {
			t.Errorf("node %d: id %q, want %q", i, n.ID, sg.Nodes[i].ID)
		}
		checkData("node "+n.ID, "node", n.Data)
	}
	for i, e := range gr.Edges {
		what := "edge " + e.Source + "--" + e.Target
		if !ids[e.Source] || !ids[e.Target] {
			t.Errorf("%s: an end is not a declared node", what)
		}
		if e.Source != sg.Edges[i].Source || e.Target != sg.Edges[i].Target {
			t.Errorf("edge %d: %s, want %s--%s", i, what, sg.Edges[i].Source, sg.Edges[i].Target)
		}
		checkData(what, "edge", e.Data)
		for _, d := range e.Data {
			if d.Key == "links" && d.Value != sg.Edges[i].label() {
				t.Errorf("%s: links %q, want %q", what, d.Value, sg.Edges[i].label())
			}
		}
	}
}

func TestGraphMLIsValid(t *testing.T) {
	g, cs := clustered(t, exportFixture())
	check := func(name string, sg Subgraph) {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := sg.WriteGraphML(&b); err != nil {
				t.Fatal(err)
			}
			checkGraphML(t, b.Bytes(), &sg)
		})
	}
	for d := range 3 {
		check(fmt.Sprintf("neighbourhood depth %d", d), g.Neighbourhood(recnoOf(t, g, "a1"), d, 0))
	}
	check("truncated", g.Neighbourhood(recnoOf(t, g, "a1"), 2, 3))
	check("clusters", g.ClusterGraph(cs))
	check("empty", g.ClusterGraph(nil))
	g, cs = clustered(t, nastyFixture())
	check("nasty ids", g.ClusterGraph(cs))
	check("nasty values", nastySubgraph())
}

// nastyIDs are record ids that DOT and XML must quote. The reader refuses
// ids with a line break, but the graph takes whatever it is given.
var nastyIDs = []string{`q"1`, `bs\2`, "nl\n3", `br}4`, `tail\`, `\"5`, `<x&y>`, "tab\t6", "cr\r7", "node"}

// nastyFixture is one ring of nastyIDs sharing a wallet and an e-mail of
// the characters normalisation lets through ({, }, '). The device serials
// hold ", \, a line break and }: normalisation refuses them, so they link
// no one and appear nowhere.
func nastyFixture() []subject.Record {
	var recs []subject.Record
	for i, id := range nastyIDs {
		recs = append(recs, rec(id, fmt.Sprintf("Person %c", 'A'+i), fmt.Sprintf("19%02d-01-01", 50+i), func(r *subject.Record) {
			r.Wallets = []string{wallet1}
			r.Emails = []string{"o'brien{x}@example.com"}
			r.Devices = []string{"SER\"IAL\\9}\n2"}
		}))
	}
	return recs
}

// nastySubgraph holds the values the record checks keep out of the graph
// today, as WriteDOT and WriteGraphML must stand them anyway.
func nastySubgraph() Subgraph {
	v := "SER\"IAL\\9}\n2\r\"\\"
	return Subgraph{
		Center: `c"}`,
		Nodes:  []Node{{ID: `c"}`, Cluster: `C"\`, Level: "hi}\ngh"}, {ID: "d\\", Depth: 1}},
		Edges: []Arc{{Source: `c"}`, Target: "d\\", Weight: 1.5, Joins: true, Links: []Evidence{
			{A: `c"}`, B: "d\\", Attribute: "devices", Value: v}, {A: `c"}`, B: "d\\", Attribute: `e"mails`, Value: "x}@y\\"}}}},
	}
}

// dotToken is a token of the DOT language: an identifier or numeral, a
// quoted string (text unescaped as dotQuote escapes), punctuation or the
// undirected edge operator.
type dotToken struct {
	kind byte // 'a' bare atom, 'q' quoted string, '-' for "--", else the punctuation
	text string
}

// lexDOT splits out into tokens as Graphviz's scanner does, and fails on
// anything WriteDOT should not produce: a quoted string that is not closed
// on its line, a raw line break in one, a character outside the grammar.
func lexDOT(out string) ([]dotToken, error) {
	var toks []dotToken
	isIDStart := func(c byte) bool { return c == '_' || c >= 0x80 || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	for i := 0; i < len(out); {
		c := out[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(out) {
					return nil, fmt.Errorf("offset %d: quoted string not closed", i)
				}
				if out[j] == '\n' || out[j] == '\r' {
					return nil, fmt.Errorf("offset %d: raw line break in quoted string %q", i, out[i:j])
				}
				if out[j] == '"' {
					break
				}
				if out[j] == '\\' {
					// Graphviz reads \" and \\ as pairs; any other backslash
					// stands for itself, and what follows it is read as
					// usual — the same as skipping it here, since it is
					// neither a quote nor a backslash.
					if j+1 >= len(out) {
						return nil, fmt.Errorf("offset %d: quoted string ends in a backslash", i)
					}
					j++
					switch out[j] {
					case '"', '\\':
						b.WriteByte(out[j])
					case 'n':
						b.WriteByte('\n')
					case '\n':
						return nil, fmt.Errorf("offset %d: escaped line break in quoted string", i)
					default:
						return nil, fmt.Errorf("offset %d: escape \\%c that dotQuote does not make", i, out[j])
					}
					continue
				}
				b.WriteByte(out[j])
			}
			toks = append(toks, dotToken{'q', b.String()})
			i = j + 1
		case c == '-' && i+1 < len(out) && out[i+1] == '-':
			toks = append(toks, dotToken{'-', "--"})
			i += 2
		case strings.IndexByte("{}[];,=", c) >= 0:
			toks = append(toks, dotToken{c, string(c)})
			i++
		case isIDStart(c):
			j := i + 1
			for j < len(out) && (isIDStart(out[j]) || isDigit(out[j])) {
				j++
			}
			toks = append(toks, dotToken{'a', out[i:j]})
			i = j
		case isDigit(c) || c == '.' || c == '-':
			j := i
			if out[j] == '-' {
				j++
			}
			for j < len(out) && (isDigit(out[j]) || out[j] == '.') {
				j++
			}
			num := out[i:j]
			if _, err := strconv.ParseFloat(num, 64); err != nil || strings.Count(num, ".") > 1 {
				return nil, fmt.Errorf("offset %d: bad numeral %q", i, num)
			}
			if j < len(out) && isIDStart(out[j]) {
				return nil, fmt.Errorf("offset %d: numeral %q runs into a name", i, num)
			}
			toks = append(toks, dotToken{'a', num})
			i = j
		default:
			return nil, fmt.Errorf("offset %d: character %q outside the DOT grammar", i, c)
		}
	}
	return toks, nil
}

// dotGraph is what parseDOT reads back.
type dotGraph struct {
	nodes []string // ids of node statements, in order
	edges [][2]string
	attrs []map[string]string // per node statement, then per edge statement
}

// parseDOT parses WriteDOT's subset of the language: graph ID { stmt* }
// with node defaults, node statements and single-edge statements, each
// ending in ';'.
func parseDOT(out string) (*dotGraph, error) {
	toks, err := lexDOT(out)
	if err != nil {
		return nil, err
	}
	p := 0
	peek := func() dotToken {
		if p < len(toks) {
			return toks[p]
		}
		return dotToken{0, "EOF"}
	}
	expect := func(kind byte, text string) error {
		tk := peek()
		if tk.kind != kind || (text != "" && tk.text != text) {
			return fmt.Errorf("token %d: %q, want %c %q", p, tk.text, kind, text)
		}
		p++
		return nil
	}
	id := func() (string, error) {
		tk := peek()
		if tk.kind != 'a' && tk.kind != 'q' {
			return "", fmt.Errorf("token %d: %q, want an id", p, tk.text)
		}
		p++
		return tk.text, nil
	}
	attrList := func() (map[string]string, error) {
		m := map[string]string{}
		if peek().kind != '[' {
			return m, nil
		}
		p++
		for peek().kind != ']' {
			k, err := id()
			if err != nil {
				return nil, err
			}
			if err := expect('=', ""); err != nil {
				return nil, err
			}
			v, err := id()
			if err != nil {
				return nil, err
			}
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("attribute %s twice", k)
			}
			m[k] = v
			if peek().kind == ',' {
				p++
			}
		}
		p++
		return m, nil
	}
	g := &dotGraph{}
	var edgeAttrs []map[string]string
	if err := expect('a', "graph"); err != nil {
		return nil, err
	}
	if _, err := id(); err != nil {
		return nil, err
	}
	if err := expect('{', ""); err != nil {
		return nil, err
	}
	for peek().kind != '}' {
		if tk := peek(); tk.kind == 'a' && tk.text == "node" {
			p++
			if _, err := attrList(); err != nil {
				return nil, err
			}
		} else {
			a, err := id()
			if err != nil {
				return nil, err
			}
			if peek().kind == '-' {
				p++
				b, err := id()
				if err != nil {
					return nil, err
				}
				m, err := attrList()
				if err != nil {
					return nil, err
				}
				g.edges = append(g.edges, [2]string{a, b})
				edgeAttrs = append(edgeAttrs, m)
			} else {
				m, err := attrList()
				if err != nil {
					return nil, err
				}
				g.nodes = append(g.nodes, a)
				g.attrs = append(g.attrs, m)
			}
		}
		if err := expect(';', ""); err != nil {
			return nil, err
		}
	}
	p++
	if p != len(toks) {
		return nil, fmt.Errorf("%d tokens after the closing brace", len(toks)-p)
	}
	g.attrs = append(g.attrs, edgeAttrs...)
	return g, nil
}

// checkDOT checks out is DOT that holds sg, every string read back as it
// was.
func checkDOT(t *testing.T, out string, sg *Subgraph) {
	t.Helper()
	if !strings.HasPrefix(out, "graph ringfence {\n") || !strings.HasSuffix(out, "\n}\n") {
		t.Errorf("DOT does not open with the graph and close with }: %q", out)
	}
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		// Each statement is on its own line: its quotes, once \\ and \"
		// pairs are dropped, pair up.
		bare := strings.NewReplacer(`\\`, "", `\"`, "").Replace(line)
		if strings.Count(bare, `"`)%2 != 0 {
			t.Errorf("line %d has an unpaired quote: %q", i+1, line)
		}
	}
	g, err := parseDOT(out)
	if err != nil {
		t.Fatalf("DOT does not parse: %v\n%s", err, out)
	}
	if len(g.nodes) != len(sg.Nodes) || len(g.edges) != len(sg.Edges) {
		t.Fatalf("DOT has %d nodes and %d edges, the subgraph %d and %d:\n%s", len(g.nodes), len(g.edges), len(sg.Nodes), len(sg.Edges), out)
	}
	noCR := func(s string) string { return strings.ReplaceAll(s, "\r", "") }
	for i, n := range sg.Nodes {
		label := n.ID
		if n.Cluster != "" {
			label += "\n" + n.Cluster + " (" + n.Level + ")"
		}
		if g.nodes[i] != noCR(n.ID) || g.attrs[i]["label"] != noCR(label) {
			t.Errorf("node %d read back as %q label %q, want %q label %q", i, g.nodes[i], g.attrs[i]["label"], n.ID, label)
		}
		if bold := g.attrs[i]["style"] == "bold"; bold != (n.ID == sg.Center) {
			t.Errorf("node %q bold %v, center %q", n.ID, bold, sg.Center)
		}
	}
	for i, a := range sg.Edges {
		m := g.attrs[len(sg.Nodes)+i]
		if g.edges[i] != [2]string{noCR(a.Source), noCR(a.Target)} || m["label"] != noCR(a.label()) {
			t.Errorf("edge %d read back as %q label %q, want %s--%s label %q", i, g.edges[i], m["label"], a.Source, a.Target, a.label())
		}
		// dot wants integer weights: tenths.
		if w, err := strconv.Atoi(m["weight"]); err != nil || w != int(math.Round(a.Weight*10)) {
			t.Errorf("edge %d weight %q, want %v in tenths", i, m["weight"], a.Weight)
		}
		want := map[bool]string{true: "solid", false: "dashed"}[a.Joins]
		if a.Cut {
			want = "dotted"
		}
		if m["style"] != want {
			t.Errorf("edge %d style %q, want %s", i, m["style"], want)
		}
	}
}

func TestDOTQuotesWhatRecordsHold(t *testing.T) {
	g, cs := clustered(t, exportFixture())
	check := func(name string, sg Subgraph) {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := sg.WriteDOT(&b); err != nil {
				t.Fatal(err)
			}
			checkDOT(t, b.String(), &sg)
		})
	}
	check("fixture", g.Neighbourhood(recnoOf(t, g, "a1"), 2, 0))
	check("empty", g.ClusterGraph(nil))
	g, cs = clustered(t, nastyFixture())
	if len(cs) != 1 || len(cs[0].Members) != len(nastyIDs) {
		t.Fatalf("nasty ring: %d clusters, want one of %d", len(cs), len(nastyIDs))
	}
	sg := g.Neighbourhood(recnoOf(t, g, `q"1`), 1, 0)
	if len(sg.Edges) == 0 || !strings.Contains(sg.Edges[0].label(), "o'brien{x}@example.com") {
		t.Fatalf("nasty ring edges do not carry the e-mail: %+v", sg.Edges)
	}
	for _, a := range sg.Edges {
		for _, l := range a.Links {
			if l.Attribute == "devices" {
				t.Errorf("device serial %q linked: normalisation let it through", l.Value)
			}
		}
	}
	check("nasty ids", sg)
	check("nasty cluster", g.ClusterGraph(cs))
	check("nasty values", nastySubgraph())
}

// checkDotQuote checks the properties of dotQuote(s) that keep any s
// inside its quotes.
func checkDotQuote(t *testing.T, s string) {
	t.Helper()
	if err := quoteProblem(s, dotQuote(s)); err != nil {
		t.Fatal(err)
	}
}

// quoteProblem says what is wrong with q as the DOT quoting of s.
func quoteProblem(s, q string) error {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return fmt.Errorf("%q quoted as %q: not in quotes", s, q)
	}
	if strings.ContainsAny(q, "\n\r") {
		return fmt.Errorf("%q quoted as %q: a raw line break", s, q)
	}
	// A quote inside is escaped — an odd run of backslashes before it —
	// and the closing one is not: an even run, possibly empty.
	run := 0
	for i := 1; i < len(q); i++ {
		switch q[i] {
		case '\\':
			run++
			continue
		case '"':
			if i < len(q)-1 && run%2 == 0 {
				return fmt.Errorf("%q quoted as %q: unescaped quote at %d", s, q, i)
			}
			if i == len(q)-1 && run%2 == 1 {
				return fmt.Errorf("%q quoted as %q: the closing quote is escaped", s, q)
			}
		}
		run = 0
	}
	// Read back as a DOT string, q is one token that gives s back (less
	// carriage returns, which dotQuote drops).
	toks, err := lexDOT(q)
	if err != nil || len(toks) != 1 || toks[0].kind != 'q' {
		return fmt.Errorf("%q quoted as %q does not read back as one string: %v %v", s, q, toks, err)
	}
	if want := strings.ReplaceAll(s, "\r", ""); toks[0].text != want {
		return fmt.Errorf("%q quoted as %q reads back as %q", s, q, toks[0].text)
	}
	return nil
}

// TestDOTCheckersCatchBadQuoting shows the checks above fail on the
// quoting mistakes they are there to catch.
func TestDOTCheckersCatchBadQuoting(t *testing.T) {
	naive := func(s string) string { return `"` + s + `"` }
	quotesOnly := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
	noNewline := func(s string) string { return `"` + strings.NewReplacer(`"`, `\"`, `\`, `\\`).Replace(s) + `"` }
	for _, c := range []struct {
		s     string
		quote func(string) string
	}{
		{`a"b`, naive}, {`a\`, quotesOnly}, {`a\"b`, quotesOnly}, {"a\nb", noNewline}, {`a\nb`, naive},
	} {
		if err := quoteProblem(c.s, c.quote(c.s)); err == nil {
			t.Errorf("%q quoted as %q passes", c.s, c.quote(c.s))
		}
	}
	for _, out := range []string{
		"graph ringfence {\n  \"a\"b\" [label=\"x\"];\n}\n",
		"graph ringfence {\n  \"a\\\" [label=\"x\"];\n}\n",
		"graph ringfence {\n  \"a\nb\" [label=\"x\"];\n}\n",
		"graph ringfence {\n  \"a\" [label=x}];\n}\n",
		"graph ringfence {\n  \"a\" [label=\"x\"];\n",
		"graph ringfence {\n  \"a\" [label=\"x\"];\n}\n}\n",
		"graph ringfence {\n  \"a\" -- [label=\"x\"];\n}\n",
	} {
		if _, err := parseDOT(out); err == nil {
			t.Errorf("parseDOT accepts %q", out)
		}
	}
}

func TestDotQuote(t *testing.T) {
	for s, want := range map[string]string{
		"":          `""`,
		"a1":        `"a1"`,
		`"`:         `"\""`,
		`\`:         `"\\"`,
		`\"`:        `"\\\""`,
		"x\ny":      `"x\ny"`,
		"x\r\ny":    `"x\ny"`,
		`}`:         `"}"`,
		`a\nb`:      `"a\\nb"`,
		"ü\xff\x00": "\"ü\xff\x00\"",
	} {
		if got := dotQuote(s); got != want {
			t.Errorf("dotQuote(%q) = %s, want %s", s, got, want)
		}
		checkDotQuote(t, s)
	}
}

func FuzzDotQuote(f *testing.F) {
	for _, s := range []string{"", `"`, `\`, `\"`, `\\"`, "\n", "\r\n", "}", "a\\", `"}\` + "\n{", "ü", "\xff", nastyIDs[0]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkDotQuote(t, s)
	})
}

// neighbourhoodFixture extends exportFixture with n2 (a profile shared
// with n1: depth 2 from a1) and n3 (another shared with n2: depth 3).
func neighbourhoodFixture() []subject.Record {
	recs := exportFixture()
	recs[len(recs)-1].URLs = []string{"https://github.com/kimward"}
	return append(recs,
		rec("n2", "Lou Tate", "1976-06-06", func(r *subject.Record) {
			r.URLs = []string{"https://github.com/kimward", "https://linkedin.com/in/loutate"}
		}),
		rec("n3", "Max Vale", "1977-07-07", func(r *subject.Record) { r.URLs = []string{"https://linkedin.com/in/loutate"} }))
}

func nodeIDs(sg Subgraph) []string {
	ids := make([]string, len(sg.Nodes))
	for i, n := range sg.Nodes {
		ids[i] = n.ID
	}
	return ids
}

func TestNeighbourhoodLimits(t *testing.T) {
	g, _ := clustered(t, neighbourhoodFixture())
	a1 := recnoOf(t, g, "a1")
	byDepth := [][]string{
		{"a1"},
		{"a1", "a2", "a3", "b1", "n1"},
		{"a1", "a2", "a3", "b1", "n1", "b2", "b3", "n2"},
		{"a1", "a2", "a3", "b1", "n1", "b2", "b3", "n2", "n3"},
	}
	for d, want := range byDepth {
		sg := g.Neighbourhood(a1, d, 0)
		if got := nodeIDs(sg); !slices.Equal(got, want) || sg.Truncated {
			t.Errorf("depth %d: nodes %v truncated %v, want %v", d, got, sg.Truncated, want)
		}
		checkSubgraph(t, g, sg, d, 0)
	}
	if got := nodeIDs(g.Neighbourhood(a1, 9, 0)); !slices.Equal(got, byDepth[3]) {
		t.Errorf("depth 9: %v, want the whole component %v", got, byDepth[3])
	}
	full := byDepth[3]
	for limit := 1; limit <= len(full)+1; limit++ {
		sg := g.Neighbourhood(a1, 3, limit)
		want := full[:min(limit, len(full))]
		if got := nodeIDs(sg); !slices.Equal(got, want) || sg.Truncated != (limit < len(full)) {
			t.Errorf("maxNodes %d: nodes %v truncated %v, want %v truncated %v", limit, got, sg.Truncated, want, limit < len(full))
		}
		checkSubgraph(t, g, sg, 3, limit)
	}
	// The center comes first whoever it is, at any size.
	for r := range g.Batch().Len() {
		for _, limit := range []int{0, 1, 2} {
			sg := g.Neighbourhood(r, 2, limit)
			id := g.Batch().Person(r).ID
			if sg.Center != id || len(sg.Nodes) == 0 || sg.Nodes[0].ID != id || sg.Nodes[0].Depth != 0 {
				t.Errorf("neighbourhood of %s (maxNodes %d): center %q, nodes %+v", id, limit, sg.Center, sg.Nodes)
			}
		}
	}
}

// checkSubgraph checks a neighbourhood against the graph: nodes nearest
// first then by id, depths the true distances (a node's shortest path runs
// through nearer nodes, all kept unless truncated), every graph edge among
// the nodes present once, and none to a node left out.
func checkSubgraph(t *testing.T, g *Graph, sg Subgraph, depth, maxNodes int) {
	t.Helper()
	in := map[string]int{}
	for i, n := range sg.Nodes {
		if _, dup := in[n.ID]; dup {
			t.Errorf("node %s twice", n.ID)
		}
		in[n.ID] = n.Depth
		if n.Depth > depth {
			t.Errorf("node %s at depth %d past %d", n.ID, n.Depth, depth)
		}
		if i > 0 {
			p := sg.Nodes[i-1]
			if cmp.Or(cmp.Compare(p.Depth, n.Depth), cmp.Compare(p.ID, n.ID)) >= 0 {
				t.Errorf("nodes out of order: %s (%d) before %s (%d)", p.ID, p.Depth, n.ID, n.Depth)
			}
		}
	}
	if maxNodes > 0 && len(sg.Nodes) > maxNodes {
		t.Errorf("%d nodes past maxNodes %d", len(sg.Nodes), maxNodes)
	}
	var want [][2]string
	for _, e := range g.edges {
		a, b := g.b.people[e.A].ID, g.b.people[e.B].ID
		_, okA := in[a]
		_, okB := in[b]
		if okA && okB {
			want = append(want, [2]string{a, b})
			if d := in[a] - in[b]; d > 1 || d < -1 {
				t.Errorf("edge %s--%s joins depths %d and %d", a, b, in[a], in[b])
			}
		}
	}
	var got [][2]string
	for _, a := range sg.Edges {
		got = append(got, [2]string{a.Source, a.Target})
	}
	slices.SortFunc(want, func(x, y [2]string) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	if !slices.Equal(got, want) {
		t.Errorf("edges %v, want %v", got, want)
	}
	if sg.Truncated {
		return
	}
	// Depths are the distances within the subgraph itself.
	dist := map[string]int{sg.Center: 0}
	queue := []string{sg.Center}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, a := range sg.Edges {
			o := ""
			switch v {
			case a.Source:
				o = a.Target
			case a.Target:
				o = a.Source
			default:
				continue
			}
			if _, seen := dist[o]; !seen {
				dist[o] = dist[v] + 1
				queue = append(queue, o)
			}
		}
	}
	for id, d := range in {
		if dist[id] != d {
			t.Errorf("node %s at depth %d, %d edges from the center", id, d, dist[id])
		}
	}
}

// TestNeighbourhoodOnPopulation checks the same properties on generated
// subjects, rings and ordinary overlaps, around many centers.
func TestNeighbourhoodOnPopulation(t *testing.T) {
	recs, _ := population(t, 3000, 7)
	g, _ := clustered(t, recs)
	checked := 0
	for r := range recs {
		if len(g.edgesOf(uint32(r))) == 0 || checked >= 300 {
			continue
		}
		checked++
		for _, depth := range []int{1, 2, 3} {
			sg := g.Neighbourhood(r, depth, 0)
			checkSubgraph(t, g, sg, depth, 0)
			// Truncation keeps a prefix of the full list.
			for _, limit := range []int{1, 2, len(sg.Nodes) / 2} {
				if limit < 1 {
					continue
				}
				cut := g.Neighbourhood(r, depth, limit)
				if n := min(limit, len(sg.Nodes)); !slices.Equal(nodeIDs(cut), nodeIDs(sg)[:n]) || cut.Truncated != (limit < len(sg.Nodes)) {
					t.Errorf("record %d depth %d maxNodes %d: %v (truncated %v), want the first %d of %v", r, depth, limit, nodeIDs(cut), cut.Truncated, n, nodeIDs(sg))
				}
				checkSubgraph(t, g, cut, depth, limit)
			}
		}
		if t.Failed() {
			break
		}
	}
	if checked < 20 {
		t.Errorf("only %d linked centers checked", checked)
	}
	t.Logf("%d centers checked", checked)
}
