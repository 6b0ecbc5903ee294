package graph

import (
	"bufio"
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Subgraph is part of the graph as analysts' tools and the web UI read it:
// subjects, the edges between them and, on every edge, each value shared.
type Subgraph struct {
	// Center is the subject asked about, when there is one.
	Center string `json:"center,omitempty"`
	Nodes  []Node `json:"nodes"`
	Edges  []Arc  `json:"edges"`
	// Truncated says nodes were left out past the size asked for.
	Truncated bool `json:"truncated"`
}

// Node is one subject.
type Node struct {
	ID      string `json:"id"`
	Cluster string `json:"cluster,omitempty"`
	Level   string `json:"cluster_level,omitempty"`
	// Depth is the number of edges from the center.
	Depth int `json:"depth"`
}

// Arc is an edge between two subjects.
type Arc struct {
	Source string  `json:"source"`
	Target string  `json:"target"`
	Weight float64 `json:"weight"`
	// Joins says the edge is strong enough to join the two in a cluster;
	// Cut, that it does but clustering cut it (a weakly held bridge or a
	// thin value between two groups), so the two are in different clusters
	// or none.
	Joins bool       `json:"joins"`
	Cut   bool       `json:"cut"`
	Links []Evidence `json:"links"`
}

// Neighbourhood returns the subjects within depth edges of record recno,
// with every edge among them, at most maxNodes subjects (nearest first,
// then by id). Clusters set on the batch label the nodes.
func (g *Graph) Neighbourhood(recno, depth, maxNodes int) Subgraph {
	sg := Subgraph{Center: g.b.people[recno].ID}
	dist := map[uint32]int{uint32(recno): 0}
	frontier := []uint32{uint32(recno)}
	for d := 1; d <= depth && len(frontier) > 0; d++ {
		var next []uint32
		for _, r := range frontier {
			for _, ei := range g.edgesOf(r) {
				o := g.edges[ei].other(r)
				if _, seen := dist[o]; !seen {
					dist[o] = d
					next = append(next, o)
				}
			}
		}
		frontier = next
	}
	recs := make([]uint32, 0, len(dist))
	for r := range dist {
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b uint32) int {
		return cmp.Or(cmp.Compare(dist[a], dist[b]), cmp.Compare(g.b.people[a].ID, g.b.people[b].ID))
	})
	if maxNodes > 0 && len(recs) > maxNodes {
		recs, sg.Truncated = recs[:maxNodes], true
	}
	return g.subgraph(sg, recs, func(r uint32) int { return dist[r] })
}

// ClusterGraph returns the members of clusters and the edges among them.
func (g *Graph) ClusterGraph(cs []Cluster) Subgraph {
	var recs []uint32
	for i := range cs {
		recs = append(recs, cs[i].recs...)
	}
	return g.subgraph(Subgraph{}, recs, func(uint32) int { return 0 })
}

func (g *Graph) subgraph(sg Subgraph, recs []uint32, depth func(uint32) int) Subgraph {
	in := make(map[uint32]bool, len(recs))
	for _, r := range recs {
		in[r] = true
		n := Node{ID: g.b.people[r].ID, Depth: depth(r)}
		if c := g.b.ClusterOf(int(r)); c != nil {
			n.Cluster, n.Level = c.ID, c.Level
		}
		sg.Nodes = append(sg.Nodes, n)
	}
	for _, r := range recs {
		for _, ei := range g.edgesOf(r) {
			e := &g.edges[ei]
			if e.A != r || !in[e.B] {
				continue
			}
			a := Arc{Source: g.b.people[e.A].ID, Target: g.b.people[e.B].ID, Weight: round2(e.Weight), Joins: e.Weight >= Join}
			if a.Joins && g.b.clusters != nil {
				ca, cb := g.b.ClusterOf(int(e.A)), g.b.ClusterOf(int(e.B))
				a.Cut = ca == nil || ca != cb
			}
			for li := e.first; li < e.first+uint32(e.n); li++ {
				a.Links = append(a.Links, g.evidence(e, &g.links[li]))
			}
			sg.Edges = append(sg.Edges, a)
		}
	}
	slices.SortFunc(sg.Edges, func(x, y Arc) int { return cmp.Or(cmp.Compare(x.Source, y.Source), cmp.Compare(x.Target, y.Target)) })
	if sg.Nodes == nil {
		sg.Nodes = []Node{}
	}
	if sg.Edges == nil {
		sg.Edges = []Arc{}
	}
	return sg
}

// label is an edge's shared values in one line: "phones +12145550142;
// wallets 0x…".
func (a *Arc) label() string {
	parts := make([]string, len(a.Links))
	for i, l := range a.Links {
		parts[i] = l.Attribute + " " + l.Value
	}
	return strings.Join(parts, "; ")
}

// WriteDOT writes the subgraph in Graphviz's DOT language: undirected,
// joining edges solid, weaker ones dashed, edges clustering cut dotted.
func (sg *Subgraph) WriteDOT(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "graph ringfence {")
	fmt.Fprintln(bw, "  node [shape=box];")
	for _, n := range sg.Nodes {
		label := n.ID
		if n.Cluster != "" {
			label += "\n" + n.Cluster + " (" + n.Level + ")"
		}
		attrs := "label=" + dotQuote(label)
		if n.ID == sg.Center {
			attrs += ", style=bold"
		}
		fmt.Fprintf(bw, "  %s [%s];\n", dotQuote(n.ID), attrs)
	}
	for _, a := range sg.Edges {
		style := "solid"
		switch {
		case a.Cut:
			style = "dotted"
		case !a.Joins:
			style = "dashed"
		}
		// dot reads weight as an integer: tenths, so 0.6 is 6, not 0.
		fmt.Fprintf(bw, "  %s -- %s [label=%s, weight=%d, style=%s];\n", dotQuote(a.Source), dotQuote(a.Target),
			dotQuote(a.label()), int(math.Round(a.Weight*10)), style)
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// dotQuote quotes s as a DOT string: quotes and backslashes escaped, line
// breaks kept as DOT's \n, so no value read from a record can break out
// of it.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`) // a line break in the label
		case '\r':
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// WriteGraphML writes the subgraph as GraphML (http://graphml.graphdrawing.org),
// which Gephi, yEd, Cytoscape and NetworkX read: nodes with their cluster,
// edges with weight, whether they join, and the values shared.
func (sg *Subgraph) WriteGraphML(w io.Writer) error {
	type data struct {
		Key   string `xml:"key,attr"`
		Value string `xml:",chardata"`
	}
	type node struct {
		ID   string `xml:"id,attr"`
		Data []data `xml:"data"`
	}
	type edge struct {
		Source string `xml:"source,attr"`
		Target string `xml:"target,attr"`
		Data   []data `xml:"data"`
	}
	type key struct {
		ID   string `xml:"id,attr"`
		For  string `xml:"for,attr"`
		Name string `xml:"attr.name,attr"`
		Type string `xml:"attr.type,attr"`
	}
	type graph struct {
		ID          string `xml:"id,attr"`
		EdgeDefault string `xml:"edgedefault,attr"`
		Nodes       []node `xml:"node"`
		Edges       []edge `xml:"edge"`
	}
	type graphml struct {
		XMLName xml.Name `xml:"graphml"`
		XMLNS   string   `xml:"xmlns,attr"`
		Keys    []key    `xml:"key"`
		Graph   graph    `xml:"graph"`
	}
	doc := graphml{XMLNS: "http://graphml.graphdrawing.org/xmlns",
		Keys: []key{
			{"cluster", "node", "cluster", "string"},
			{"cluster_level", "node", "cluster_level", "string"},
			{"depth", "node", "depth", "int"},
			{"center", "node", "center", "boolean"},
			{"weight", "edge", "weight", "double"},
			{"joins", "edge", "joins", "boolean"},
			{"cut", "edge", "cut", "boolean"},
			{"links", "edge", "links", "string"},
		},
		Graph: graph{ID: "ringfence", EdgeDefault: "undirected"}}
	for _, n := range sg.Nodes {
		doc.Graph.Nodes = append(doc.Graph.Nodes, node{ID: n.ID, Data: []data{
			{"cluster", n.Cluster}, {"cluster_level", n.Level}, {"depth", strconv.Itoa(n.Depth)},
			{"center", strconv.FormatBool(n.ID == sg.Center)}}})
	}
	for _, a := range sg.Edges {
		doc.Graph.Edges = append(doc.Graph.Edges, edge{Source: a.Source, Target: a.Target, Data: []data{
			{"weight", strconv.FormatFloat(a.Weight, 'f', -1, 64)}, {"joins", strconv.FormatBool(a.Joins)},
			{"cut", strconv.FormatBool(a.Cut)}, {"links", a.label()}}})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
