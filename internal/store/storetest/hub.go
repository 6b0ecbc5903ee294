package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/store"
)

func testFindings(t *testing.T, s store.Store, c *clock) {
	f := func(id, subj string, points int) store.Finding {
		return store.Finding{Source: store.SourceFarm, ID: id, SubjectID: subj, Kind: "farm", Level: "high", Points: points,
			Explanation: "devices of 4 people behind one home IP", Detail: json.RawMessage(`{"ip":"73.12.4.9"}`),
			First: first, Last: last}
	}
	n, err := s.ReplaceFindings(ctx(t), store.SourceFarm, []store.Finding{f("farm-1", "b", 60), f("farm-1", "a", 60), f("kvm-1", "a", 40)})
	if err != nil || n != 3 {
		t.Fatalf("ReplaceFindings = %d, %v", n, err)
	}
	cons := store.Finding{Source: store.SourceConsortium, ID: "id_document", SubjectID: "a", Kind: "active_elsewhere", Points: 30}
	if _, err := s.ReplaceFindings(ctx(t), store.SourceConsortium, []store.Finding{cons}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Findings(ctx(t), store.FindingQuery{SubjectID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, g := range got {
		ids = append(ids, g.Source+"/"+g.ID)
		if !g.UpdatedAt.Equal(c.now().Truncate(time.Microsecond)) {
			t.Errorf("%s UpdatedAt = %v, want the store's clock %v", g.ID, g.UpdatedAt, c.now())
		}
	}
	if diff := cmp.Diff([]string{"consortium/id_document", "farm/farm-1", "farm/kvm-1"}, ids); diff != "" {
		t.Errorf("Findings(subject a) (-want +got):\n%s", diff)
	}
	want := f("farm-1", "a", 60)
	got[1].UpdatedAt = time.Time{}
	if diff := cmp.Diff(want, got[1]); diff != "" {
		t.Errorf("finding read back (-want +got):\n%s", diff)
	}

	// Replacing a source replaces it whole and leaves the other source.
	if _, err := s.ReplaceFindings(ctx(t), store.SourceFarm, []store.Finding{f("farm-2", "c", 70)}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Findings(ctx(t), store.FindingQuery{})
	if err != nil || len(all) != 2 || all[0].Source != store.SourceConsortium || all[1].ID != "farm-2" {
		t.Errorf("after replacing farm findings: %+v, %v", all, err)
	}
	// A bad batch leaves what was stored.
	bad := [][]store.Finding{
		{f("x", "", 1)},
		{{Source: store.SourceConsortium, ID: "x", SubjectID: "a", Kind: "k"}},
		{{Source: store.SourceFarm, ID: "x", SubjectID: "a", Kind: "k", Detail: json.RawMessage(`[1]`)}},
	}
	for i, b := range bad {
		if _, err := s.ReplaceFindings(ctx(t), store.SourceFarm, b); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("bad batch %d: error = %v, want ErrInvalid", i, err)
		}
	}
	if farm, _ := s.Findings(ctx(t), store.FindingQuery{Source: store.SourceFarm}); len(farm) != 1 || farm[0].ID != "farm-2" {
		t.Errorf("a refused batch changed the stored findings: %+v", farm)
	}

	// Shared sources.
	if err := s.ShareSource(ctx(t), store.SharedSource{Source: "case-7", Actor: "ana"}); err != nil {
		t.Fatal(err)
	}
	c.advance(time.Hour)
	if err := s.ShareSource(ctx(t), store.SharedSource{Source: "case-7", Actor: "bo"}); err != nil {
		t.Fatal(err)
	}
	if err := s.ShareSource(ctx(t), store.SharedSource{Source: "case-3", Actor: "bo"}); err != nil {
		t.Fatal(err)
	}
	shared, err := s.SharedSources(ctx(t))
	if err != nil || len(shared) != 2 || shared[0].Source != "case-3" || shared[1].Actor != "ana" {
		t.Errorf("SharedSources = %+v, %v; want case-3 then case-7 marked first by ana", shared, err)
	}
	if err := s.UnshareSource(ctx(t), "case-7"); err != nil {
		t.Fatal(err)
	}
	if err := s.UnshareSource(ctx(t), "case-unknown"); err != nil {
		t.Errorf("unsharing an unmarked source: %v", err)
	}
	if shared, _ := s.SharedSources(ctx(t)); len(shared) != 1 {
		t.Errorf("after unsharing: %+v", shared)
	}
	if err := s.ShareSource(ctx(t), store.SharedSource{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("sharing an empty source: %v", err)
	}

	// The token cache answers per epoch, and a newer epoch drops older ones.
	if err := s.CacheTokens(ctx(t), 1, map[string]string{"h1": "t1", "h2": "t2"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CacheTokens(ctx(t), 1, map[string]string{"h1": "other", "h3": "t3"}); err != nil {
		t.Fatal(err)
	}
	cached, err := s.CachedTokens(ctx(t), 1, []string{"h1", "h3", "h9"})
	if diff := cmp.Diff(map[string]string{"h1": "t1", "h3": "t3"}, cached); err != nil || diff != "" {
		t.Errorf("CachedTokens (-want +got):\n%s%v", diff, err)
	}
	if err := s.CacheTokens(ctx(t), 2, map[string]string{"h1": "u1"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.CachedTokens(ctx(t), 1, []string{"h1", "h2"}); len(got) != 0 {
		t.Errorf("epoch 1 after caching epoch 2: %v", got)
	}
	if err := s.CacheTokens(ctx(t), 2, map[string]string{"": "x"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("empty hash: %v", err)
	}
}

func hubOf(t *testing.T, s store.Store) store.Hub {
	t.Helper()
	h, ok := s.(store.Hub)
	if !ok {
		t.Fatalf("%T does not implement store.Hub", s)
	}
	return h
}

func testHubMembersCollections(t *testing.T, s store.Store, c *clock) {
	h := hubOf(t, s)
	created := c.now().Truncate(time.Microsecond)
	for _, m := range []store.HubMember{{ID: "acme", Name: "Acme", Kind: store.MemberOrg}, {ID: "gov", Kind: store.MemberGuest}} {
		if err := h.PutHubMember(ctx(t), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.PutHubMember(ctx(t), store.HubMember{ID: "x", Kind: "owner"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("unknown member kind: %v", err)
	}
	c.advance(time.Hour)
	if err := h.PutHubMember(ctx(t), store.HubMember{ID: "acme", Name: "Acme Inc", Kind: store.MemberOrg, Disabled: true}); err != nil {
		t.Fatal(err)
	}
	m, err := h.HubMember(ctx(t), "acme")
	if err != nil || m.Name != "Acme Inc" || !m.Disabled || !m.CreatedAt.Equal(created) {
		t.Errorf("HubMember(acme) = %+v, %v; want renamed, disabled, created at %v", m, err, created)
	}
	if _, err := h.HubMember(ctx(t), "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown member: %v", err)
	}
	if ms, _ := h.HubMembers(ctx(t)); len(ms) != 2 || ms[0].ID != "acme" {
		t.Errorf("HubMembers = %+v", ms)
	}

	coll := store.HubCollection{ID: "c1", Title: "Confirmed", Alias: "confirmed", DefaultTLP: "amber", AllowGuests: true,
		Rights: []store.HubRight{{Member: "*", Read: true, Write: true}, {Member: "gov", Read: true}}}
	if err := h.PutHubCollection(ctx(t), coll); err != nil {
		t.Fatal(err)
	}
	coll.Rights = coll.Rights[1:]
	coll.Title = "Confirmed fraud"
	if err := h.PutHubCollection(ctx(t), coll); err != nil {
		t.Fatal(err)
	}
	cs, err := h.HubCollections(ctx(t))
	if err != nil || len(cs) != 1 {
		t.Fatalf("HubCollections = %+v, %v", cs, err)
	}
	coll.CreatedAt = c.now()
	if diff := cmp.Diff(coll, cs[0]); diff != "" {
		t.Errorf("collection read back (-want +got):\n%s", diff)
	}
}

func taxiiObj(coll, id string, version time.Time, tlp, writer string) store.TAXIIObject {
	return store.TAXIIObject{Collection: coll, ID: id, Type: "indicator", SpecVersion: "2.1", Version: version,
		TLP: tlp, Writer: writer, Raw: json.RawMessage(fmt.Sprintf(`{"id":%q,"type":"indicator"}`, id))}
}

func testTAXIIObjects(t *testing.T, s store.Store, c *clock) {
	h := hubOf(t, s)
	// 25 objects added at one time, read in pages of 4: each once, in
	// order, whatever the page boundaries.
	var batch []store.TAXIIObject
	for i := range 25 {
		batch = append(batch, taxiiObj("c1", fmt.Sprintf("indicator--%04d", i), first, "green", "acme"))
	}
	added, err := h.AddTAXIIObjects(ctx(t), batch)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(added); i++ {
		if !added[i].DateAdded.Equal(added[0].DateAdded) || added[i].Seq <= added[i-1].Seq {
			t.Fatalf("one add gave date_added %v/%v, seq %d after %d", added[i].DateAdded, added[0].DateAdded, added[i].Seq, added[i-1].Seq)
		}
	}
	vis := func(reader string, guest bool) ([]string, string) {
		if guest {
			return []string{"clear", "green", ""}, ""
		}
		return []string{"clear", "green", "amber", "amber+strict", ""}, reader
	}
	q := func(reader string, guest bool, qq store.TAXIIQuery) store.TAXIIQuery {
		qq.Levels, qq.Writer = vis(reader, guest)
		return qq
	}
	readAll := func(q store.TAXIIQuery) []string {
		t.Helper()
		var ids []string
		for range 100 {
			page, more, err := h.TAXIIObjects(ctx(t), q)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page {
				ids = append(ids, o.ID)
			}
			if !more {
				return ids
			}
			last := page[len(page)-1]
			q.After = &store.TAXIICursor{DateAdded: last.DateAdded, Seq: last.Seq}
		}
		t.Fatal("pages never end")
		return nil
	}
	got := readAll(q("beta", false, store.TAXIIQuery{Collection: "c1", Limit: 4}))
	var want []string
	for _, o := range batch {
		want = append(want, o.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged read (-want +got):\n%s", diff)
	}

	// Adding a version again returns it as stored; added_after excludes
	// its own instant.
	c.advance(time.Second)
	again, err := h.AddTAXIIObjects(ctx(t), []store.TAXIIObject{batch[0], taxiiObj("c1", "indicator--red", first, "red", "acme"),
		taxiiObj("c1", "indicator--amber", first, "amber", "acme")})
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Seq != added[0].Seq || !again[0].DateAdded.Equal(added[0].DateAdded) {
		t.Errorf("re-adding a version gave seq %d at %v, want the stored %d at %v", again[0].Seq, again[0].DateAdded, added[0].Seq, added[0].DateAdded)
	}
	after := readAll(q("acme", false, store.TAXIIQuery{Collection: "c1", AddedAfter: added[0].DateAdded, Limit: 10}))
	if diff := cmp.Diff([]string{"indicator--red", "indicator--amber"}, after); diff != "" {
		t.Errorf("added_after (-want +got):\n%s", diff)
	}

	// TLP: RED only to its writer, AMBER not to guests.
	for _, tc := range []struct {
		reader string
		guest  bool
		want   []string
	}{
		{"acme", false, []string{"indicator--red", "indicator--amber"}},
		{"beta", false, []string{"indicator--amber"}},
		{"gov", true, nil},
	} {
		got := readAll(q(tc.reader, tc.guest, store.TAXIIQuery{Collection: "c1", AddedAfter: added[0].DateAdded, Limit: 10}))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("reader %s (guest %v) (-want +got):\n%s", tc.reader, tc.guest, diff)
		}
	}

	// Versions: last among those the reader sees.
	v2 := taxiiObj("c1", "indicator--0001", first.Add(time.Hour), "red", "acme")
	v3 := taxiiObj("c1", "indicator--0001", first.Add(2*time.Hour), "green", "acme")
	if _, err := h.AddTAXIIObjects(ctx(t), []store.TAXIIObject{v2, v3}); err != nil {
		t.Fatal(err)
	}
	versions := func(reader string, vs ...string) []time.Time {
		page, _, err := h.TAXIIObjects(ctx(t), q(reader, false, store.TAXIIQuery{Collection: "c1", IDs: []string{"indicator--0001"}, Versions: vs, Limit: 10}))
		if err != nil {
			t.Fatal(err)
		}
		var out []time.Time
		for _, o := range page {
			out = append(out, o.Version)
		}
		return out
	}
	if got := versions("beta", "all"); len(got) != 2 {
		t.Errorf("all versions beta sees: %v, want first and third (not RED)", got)
	}
	if got := versions("acme", "all"); len(got) != 3 {
		t.Errorf("all versions acme sees: %v", got)
	}
	if got := versions("beta"); len(got) != 1 || !got[0].Equal(v3.Version) {
		t.Errorf("last version: %v", got)
	}
	if got := versions("beta", "first"); len(got) != 1 || !got[0].Equal(first) {
		t.Errorf("first version: %v", got)
	}
	if got := versions("beta", v2.Version.Format(time.RFC3339Nano)); len(got) != 0 {
		t.Errorf("beta asked for the RED version by timestamp: %v", got)
	}
	if page, _, err := h.TAXIIObjects(ctx(t), q("beta", false, store.TAXIIQuery{Collection: "c1", Types: []string{"malware"}, Limit: 5})); err != nil || len(page) != 0 {
		t.Errorf("type filter: %v, %v", page, err)
	}
	if _, _, err := h.TAXIIObjects(ctx(t), store.TAXIIQuery{Collection: "c1", Limit: 0}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("limit 0: %v", err)
	}

	// Status resources belong to their member.
	if err := h.PutTAXIIStatus(ctx(t), "s1", "acme", json.RawMessage(`{"status":"complete"}`)); err != nil {
		t.Fatal(err)
	}
	member, body, err := h.TAXIIStatus(ctx(t), "s1")
	if err != nil || member != "acme" || string(body) != `{"status":"complete"}` {
		t.Errorf("TAXIIStatus = %s, %s, %v", member, body, err)
	}
	if _, _, err := h.TAXIIStatus(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown status: %v", err)
	}
}

func testHubTokens(t *testing.T, s store.Store, c *clock) {
	h := hubOf(t, s)
	if err := h.PutHubKey(ctx(t), store.HubKey{Epoch: 1, Secret: []byte{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	if err := h.PutHubKey(ctx(t), store.HubKey{Epoch: 1, Secret: []byte{9}, RetiredAt: last}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("another secret for a stored epoch: %v, want ErrConflict", err)
	}
	if err := h.PutHubKey(ctx(t), store.HubKey{Epoch: 1, Secret: []byte{1, 2, 3}, RetiredAt: last}); err != nil {
		t.Fatal(err)
	}
	keys, err := h.HubKeys(ctx(t))
	if err != nil || len(keys) != 1 || string(keys[0].Secret) != "\x01\x02\x03" || !keys[0].RetiredAt.Equal(last) {
		t.Errorf("HubKeys = %+v, %v; want the first secret kept and the key retired", keys, err)
	}

	for _, m := range []string{"a", "b", "c", "x"} {
		if err := h.PutHubMember(ctx(t), store.HubMember{ID: m, Kind: store.MemberOrg, Disabled: m == "x"}); err != nil {
			t.Fatal(err)
		}
	}
	reg := func(member string, epoch int, toks ...store.HubToken) {
		t.Helper()
		if _, err := h.ReplaceHubTokens(ctx(t), member, epoch, toks); err != nil {
			t.Fatal(err)
		}
	}
	reg("a", 1, store.HubToken{Token: "t1"}, store.HubToken{Token: "t2", Fraud: true})
	reg("b", 1, store.HubToken{Token: "t1"}, store.HubToken{Token: "t1", Fraud: true}, store.HubToken{Token: "t3"})
	reg("c", 1, store.HubToken{Token: "t1"}, store.HubToken{Token: "t2"})
	reg("c", 2, store.HubToken{Token: "t3"})
	// x is disabled: its registrations and fraud marks do not count.
	reg("x", 1, store.HubToken{Token: "t1", Fraud: true}, store.HubToken{Token: "t9", Fraud: true})
	got, err := h.HubTokenCounts(ctx(t), "a", 1, []string{"t1", "t2", "t3", "t9", "t1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.TokenCount{{Members: 2, Fraud: 1}, {Members: 1}, {Members: 1}, {}, {Members: 2, Fraud: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts for a (-want +got):\n%s", diff)
	}
	// Re-registering replaces: b's worker with t1 left.
	reg("b", 1, store.HubToken{Token: "t3"})
	if got, _ := h.HubTokenCounts(ctx(t), "a", 1, []string{"t1"}); got[0] != (store.TokenCount{Members: 1}) {
		t.Errorf("after b re-registered without t1: %+v", got)
	}
	if n, err := h.DropHubTokens(ctx(t), 2); err != nil || n != 7 {
		t.Errorf("DropHubTokens(before 2) = %d, %v; want the 7 rows of epoch 1", n, err)
	}
	if got, _ := h.HubTokenCounts(ctx(t), "a", 2, []string{"t3"}); got[0] != (store.TokenCount{Members: 1}) {
		t.Errorf("epoch 2 after dropping epoch 1: %+v", got)
	}
	if _, err := h.ReplaceHubTokens(ctx(t), "a", 1, []store.HubToken{{}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("empty token: %v", err)
	}

	// Usage: counted per member and day, never past the limit.
	for _, tc := range []struct {
		member, day string
		n, limit    int
		used        int
		ok          bool
	}{
		{"a", "2026-11-01", 600, 1000, 600, true},
		{"a", "2026-11-01", 500, 1000, 600, false},
		{"a", "2026-11-01", 400, 1000, 1000, true},
		{"b", "2026-11-01", 10, 1000, 10, true},
		{"a", "2026-11-02", 10, 1000, 10, true},
	} {
		used, ok, err := h.AddHubUsage(ctx(t), tc.member, tc.day, tc.n, tc.limit)
		if err != nil || used != tc.used || ok != tc.ok {
			t.Errorf("AddHubUsage(%s, %s, %d) = %d, %v, %v; want %d, %v", tc.member, tc.day, tc.n, used, ok, err, tc.used, tc.ok)
		}
	}
}
