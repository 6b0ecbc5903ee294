package graph

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/subject"
)

func rec(id, name, dob string, f func(*subject.Record)) subject.Record {
	r := subject.Record{ID: id, Name: name, BirthDate: dob, CreatedAt: "2026-03-01T10:00:00Z"}
	if f != nil {
		f(&r)
	}
	return r
}

func home(line, city, postal string) subject.Address {
	return subject.Address{Kind: "home", Line1: line, City: city, Region: "TX", PostalCode: postal, Country: "US"}
}

func clustersOf(t *testing.T, recs []subject.Record) map[string]*Cluster {
	t.Helper()
	g := graphOf(t, recs)
	cs := g.Clusters(g.Groups(), nil)
	byMember := map[string]*Cluster{}
	for i := range cs {
		for _, m := range cs[i].Members {
			byMember[m] = &cs[i]
		}
	}
	return byMember
}

const wallet1 = "0x52908400098527886E0F7030069857D2E4169EE7"

// ringA shares a wallet, ringB a payout account; a1 and b1 also share a
// phone, as a reassigned number would make them.
func twoRings(chainPhone bool) []subject.Record {
	recs := []subject.Record{
		rec("a1", "Jin Park", "1990-01-01", func(r *subject.Record) { r.Wallets = []string{wallet1} }),
		rec("a2", "Alex Moore", "1991-02-02", func(r *subject.Record) { r.Wallets = []string{wallet1} }),
		rec("a3", "Sam Lee", "1992-03-03", func(r *subject.Record) { r.Wallets = []string{wallet1} }),
		rec("b1", "Dan Cole", "1980-01-01", func(r *subject.Record) { r.BankAccounts = []string{"US:021000021:123456789"} }),
		rec("b2", "Eve Ross", "1981-02-02", func(r *subject.Record) { r.BankAccounts = []string{"US:021000021:123456789"} }),
		rec("b3", "Fay Kerr", "1982-03-03", func(r *subject.Record) { r.BankAccounts = []string{"US:021000021:123456789"} }),
	}
	if chainPhone {
		recs[0].Phones = []string{"+1 214 632 0142"}
		recs[3].Phones = []string{"+1 (214) 632-0142"}
	}
	return recs
}

func TestOneChanceLinkDoesNotChainTwoRings(t *testing.T) {
	joined := clustersOf(t, twoRings(true))
	a, b := joined["a1"], joined["b1"]
	if a == nil || b == nil {
		t.Fatalf("rings not clustered: %v", joined)
	}
	if a == b {
		t.Fatalf("two rings chained by one phone are one cluster: %v", a.Members)
	}
	if !slices.Equal(a.Members, []string{"a1", "a2", "a3"}) || !slices.Equal(b.Members, []string{"b1", "b2", "b3"}) {
		t.Errorf("clusters %v and %v, want the two rings", a.Members, b.Members)
	}
	// Held by two independent links, the bridge holds.
	recs := twoRings(true)
	recs[0].Emails = []string{"ops.team77@proton.me"}
	recs[3].Emails = []string{"ops.team77@proton.me"}
	joined = clustersOf(t, recs)
	if joined["a1"] != joined["b1"] {
		t.Errorf("rings sharing a phone and an e-mail between two members stay apart")
	}
}

func TestOnePayoutAccountJoinsAPersonaToItsRing(t *testing.T) {
	recs := append(twoRings(false), rec("a4", "Lee Grant", "1993-04-04", func(r *subject.Record) { r.Wallets = []string{wallet1} }))
	joined := clustersOf(t, recs)
	if c := joined["a4"]; c == nil || c != joined["a1"] {
		t.Fatalf("a persona sharing the ring's wallet is not in its cluster: %v", joined)
	}
	c := joined["a1"]
	if risk.Rank(c.Level) < risk.Rank(risk.High) || c.Reasons[0].Rule != "cluster-shared-payout" {
		t.Errorf("ring of four sharing one wallet: %s %+v", c.Level, c.Reasons)
	}
}

func TestOrdinaryGroupsStayLow(t *testing.T) {
	h := home("12 Elm St", "Austin", "78701")
	recs := []subject.Record{
		// A family: one home, one landline, one joint account.
		rec("f1", "Maria Lopez", "1970-05-05", func(r *subject.Record) {
			r.Addresses = []subject.Address{h}
			r.Phones = []string{"+1 512 632 0100"}
			r.BankAccounts = []string{"US:111000025:555000111"}
		}),
		rec("f2", "Jose Lopez", "1968-06-06", func(r *subject.Record) {
			r.Addresses = []subject.Address{h}
			r.Phones = []string{"+1 512 632 0100"}
			r.BankAccounts = []string{"US:111000025:555000111"}
		}),
		// Someone applying twice.
		rec("d1", "Ann Wu", "1995-07-07", func(r *subject.Record) {
			r.Emails = []string{"ann.wu@example.com"}
			r.Phones = []string{"+1 415 632 0199"}
		}),
		rec("d2", "ANN WU", "1995-07-07", func(r *subject.Record) {
			r.Emails = []string{"Ann.Wu@example.com"}
			r.Phones = []string{"+1 415-632-0199"}
		}),
		// Flatmates: a home and a router.
		rec("r1", "Tom Hill", "1999-01-01", func(r *subject.Record) {
			r.Addresses = []subject.Address{home("9 Oak Ave", "Dallas", "75201")}
			r.IPs = []string{"73.12.4.9"}
		}),
		rec("r2", "Ben Fox", "1998-01-01", func(r *subject.Record) {
			r.Addresses = []subject.Address{home("9 Oak Ave", "Dallas", "75201")}
			r.IPs = []string{"73.12.4.9"}
		}),
		// A stolen SSN: the thief and the owner share nothing else.
		rec("s1", "Kyle Dunn", "1985-01-01", func(r *subject.Record) {
			r.IDDocuments = []subject.IDDocument{{Type: "ssn", Country: "US", Number: "123-45-6789"}}
		}),
		rec("s2", "Rob Hart", "1990-01-01", func(r *subject.Record) {
			r.IDDocuments = []subject.IDDocument{{Type: "ssn", Country: "US", Number: "123-45-6789"}}
		}),
	}
	joined := clustersOf(t, recs)
	for _, pair := range [][2]string{{"f1", "f2"}, {"d1", "d2"}} {
		c := joined[pair[0]]
		if c == nil || c != joined[pair[1]] {
			t.Errorf("%s and %s are not one cluster", pair[0], pair[1])
			continue
		}
		if c.Level != risk.Clear {
			t.Errorf("cluster %v is %s: %+v", c.Members, c.Level, c.Reasons)
		}
	}
	for _, id := range []string{"r1", "s1"} {
		if c := joined[id]; c != nil {
			t.Errorf("%s clustered on weak links alone: %v", id, c.Members)
		}
	}
}

func TestCommonValuesShowButDoNotLink(t *testing.T) {
	var recs []subject.Record
	for i := range 30 {
		recs = append(recs, rec(string(rune('A'+i/10))+string(rune('0'+i%10)), "Person "+string(rune('A'+i)), "1990-01-01",
			func(r *subject.Record) { r.IPs = []string{"198.51.100.7"} }))
	}
	recs[0].Phones = []string{"+1 512 632 0177"}
	recs[1].Phones = []string{"+1 512 632 0177"}
	joined := clustersOf(t, recs)
	c := joined[recs[0].ID]
	if c == nil || len(c.Members) != 2 {
		t.Fatalf("want the two sharing a phone clustered, and no one else: %+v", c)
	}
	var sawIP bool
	for _, e := range c.Evidence {
		if e.Kind == "ip" {
			sawIP = true
			if e.Linking || e.Holders != 30 {
				t.Errorf("co-working IP evidence %+v: want shown with its 30 holders, not linking", e)
			}
		}
	}
	if !sawIP {
		t.Errorf("the IP both hold is missing from the evidence: %+v", c.Evidence)
	}
}

// Risks scores as Clusters does, without the evidence.
func TestRisksScoreAsClustersDo(t *testing.T) {
	recs, _ := population(t, 3000, 2)
	g := graphOf(t, recs)
	groups := g.Groups()
	full, bare := g.Clusters(groups, nil), g.Risks(groups, nil)
	if len(full) != len(bare) || len(full) == 0 {
		t.Fatalf("%d clusters with evidence, %d without", len(full), len(bare))
	}
	for i := range full {
		f, b := full[i], bare[i]
		if f.ID != b.ID || f.Score != b.Score || f.Level != b.Level || !slices.Equal(f.Members, b.Members) || len(b.Evidence) != 0 {
			t.Errorf("cluster %d: with evidence %s %d %v, without %s %d %v (%d evidence)", i, f.ID, f.Score, f.Members, b.ID, b.Score, b.Members, len(b.Evidence))
		}
	}
}

// A listed member raises the others of its cluster only across names and
// households: not its relative, nor a namesake of its relative.
func TestListedOthersCountsOtherPeopleOnly(t *testing.T) {
	h := home("12 Elm St", "Austin", "78701")
	recs := []subject.Record{
		rec("listed", "John Smith", "1970-01-01", func(r *subject.Record) {
			r.Addresses = []subject.Address{h}
			r.Phones = []string{"+1 512 632 0100"}
		}),
		rec("relative", "Jane Smith", "1972-02-02", func(r *subject.Record) {
			r.Addresses = []subject.Address{h}
			r.Phones = []string{"+1 512 632 0100"}
			r.Emails = []string{"jane.smith@example.com"}
		}),
		rec("namesake", "Jane Smith", "1990-03-03", func(r *subject.Record) { r.Emails = []string{"jane.smith@example.com"} }),
		rec("persona", "Kevin Brown", "1991-04-04", func(r *subject.Record) { r.Phones = []string{"+1 512 632 0100"} }),
	}
	g := graphOf(t, recs)
	cs := g.Clusters(g.Groups(), map[uint32]string{0: "listed-person"})
	if len(cs) != 1 || len(cs[0].Members) != 4 {
		t.Fatalf("want one cluster of four, got %+v", cs)
	}
	for recno, want := range map[int]int{0: 0, 1: 0, 2: 0, 3: 1} {
		if got := cs[0].ListedOthers(recno); got != want {
			t.Errorf("%s: ListedOthers %d, want %d", recs[recno].ID, got, want)
		}
	}
}

func clusterOfAll(t *testing.T, recs []subject.Record, listed map[uint32]string) Cluster {
	t.Helper()
	g := graphOf(t, recs)
	cs := g.Clusters(g.Groups(), listed)
	if len(cs) != 1 || len(cs[0].Members) != len(recs) {
		t.Fatalf("want one cluster of all %d records, got %+v", len(recs), cs)
	}
	return cs[0]
}

func hasReason(c Cluster, rule string) bool {
	return slices.ContainsFunc(c.Reasons, func(r Reason) bool { return r.Rule == rule })
}

// A record without a name (a payee account) on a ring's wallet neither
// hides the ring nor makes its personas one person.
func TestANamelessRecordDoesNotMergeTheRing(t *testing.T) {
	recs := twoRings(false)[:3]
	recs = append(recs, rec("payee", "", "", func(r *subject.Record) { r.Wallets = []string{wallet1} }))
	c := clusterOfAll(t, recs, map[uint32]string{0: "sanctioned-wallet"})
	if !hasReason(c, "cluster-shared-payout") || c.SharedScore() < 70 {
		t.Errorf("ring with a nameless payee: shared score %d, reasons %+v", c.SharedScore(), c.Reasons)
	}
	if got := c.ListedOthers(1); got != 1 {
		t.Errorf("a ring-mate of the listed persona counts %d listed others, want 1", got)
	}
}

// A "home" that a dozen names give is a farm's address, not a family's.
func TestAHomeManyGiveIsNotAHousehold(t *testing.T) {
	var recs []subject.Record
	for i := range 12 {
		recs = append(recs, rec(string(rune('a'+i)), "Person "+string(rune('A'+i))+" Kim", "1990-01-01", func(r *subject.Record) {
			r.Addresses = []subject.Address{home("7 Farm Rd", "Austin", "78701")}
			r.Wallets = []string{wallet1}
		}))
	}
	c := clusterOfAll(t, recs, nil)
	if c.Names != 12 || c.Level != "critical" {
		t.Errorf("12 names on one wallet and one home: names %d, level %s, reasons %+v", c.Names, c.Level, c.Reasons)
	}
}

// A mother's home that her son ships to is not a laptop farm.
func TestShippingToAMembersHomeIsNotAFarm(t *testing.T) {
	x := home("12 Elm St", "Austin", "78701")
	ship := x
	ship.Kind = "shipping"
	recs := []subject.Record{
		rec("mom", "Mi Park", "1960-01-01", func(r *subject.Record) {
			r.Addresses = []subject.Address{x}
			r.Phones = []string{"+1 512 632 0100"}
		}),
		rec("jin1", "Jin Park", "1990-01-01", func(r *subject.Record) {
			r.Addresses = []subject.Address{home("9 Oak Ave", "Dallas", "75201"), ship}
			r.Phones = []string{"+1 512 632 0100"}
		}),
		rec("jin2", "Jin Park", "1990-01-01", func(r *subject.Record) {
			r.Addresses = []subject.Address{home("9 Oak Ave", "Dallas", "75201"), ship}
			r.Phones = []string{"+1 512 632 0100"}
		}),
	}
	c := clusterOfAll(t, recs, nil)
	if hasReason(c, "cluster-farm-address") {
		t.Errorf("a farm reason for a son shipping to his mother's home: %+v", c.Reasons)
	}
}

// Many shared values of a weak kind do not push a strong one out of an
// edge's weight.
func TestManySharedIPsDoNotHideASharedDevice(t *testing.T) {
	ips := make([]string, 66_000)
	for i := range ips {
		ips[i] = fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)
	}
	recs := []subject.Record{
		rec("a", "Ann Lee", "1990-01-01", func(r *subject.Record) { r.IPs, r.Devices = ips, []string{"C02XK1JHJGH5"} }),
		rec("b", "Bo Kim", "1991-01-01", func(r *subject.Record) { r.IPs, r.Devices = ips, []string{"C02XK1JHJGH5"} }),
	}
	clusterOfAll(t, recs, nil)
}

// The edge clustering cut shows as cut in exports, so an analyst sees why
// two linked subjects are in different clusters.
func TestExportsMarkTheEdgesClusteringCut(t *testing.T) {
	g := graphOf(t, twoRings(true))
	g.Batch().SetClusters(g.Clusters(g.Groups(), nil))
	for _, a := range g.Neighbourhood(0, 1, 0).Edges {
		want := a.Target == "b1" || a.Source == "b1"
		if a.Cut != want {
			t.Errorf("edge %s–%s: cut %v, want %v", a.Source, a.Target, a.Cut, want)
		}
	}
}
