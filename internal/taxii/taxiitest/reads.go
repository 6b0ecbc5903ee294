package taxiitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/taxii"
)

func testDiscovery(t *testing.T, e *env) {
	c := e.client(orgA)
	d, err := c.Discover(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	root := e.srv.URL + "/api/"
	want := taxii.Discovery{
		Title: "ringfence consortium hub", Description: "Conformance test server",
		Contact: "hub-operator@consortium.example", Default: root, APIRoots: []string{root},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("discovery (-want +got):\n%s", diff)
	}

	a, err := c.APIRoot(ctx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(a.Versions, taxii.MediaType) || a.MaxContentLength != maxContentLength || a.Title == "" {
		t.Errorf("API root %+v, want versions with %s and max_content_length %d", a, taxii.MediaType, maxContentLength)
	}
	// A client given the API root itself finds it too.
	byRoot := *c
	byRoot.BaseURL = root
	if a2, err := byRoot.APIRoot(ctx(t), ""); err != nil || a2.MaxContentLength != a.MaxContentLength {
		t.Errorf("API root by its own URL: %+v, %v", a2, err)
	}

	type rights struct{ Read, Write bool }
	for _, tc := range []struct {
		w    who
		want map[string]rights
	}{
		{orgA, map[string]rights{shared.ID: {true, true}, membersOnly.ID: {true, true}, amberDefault.ID: {true, true}, dropbox.ID: {true, false}}},
		{orgB, map[string]rights{shared.ID: {true, true}, membersOnly.ID: {true, true}, amberDefault.ID: {true, true}, dropbox.ID: {false, true}}},
		{orgC, map[string]rights{shared.ID: {true, true}, membersOnly.ID: {true, true}, amberDefault.ID: {true, true}}},
		{guest, map[string]rights{shared.ID: {true, false}, amberDefault.ID: {true, false}}},
	} {
		colls, err := e.client(tc.w).Collections(ctx(t), "")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]rights{}
		for _, col := range colls {
			got[col.ID] = rights{col.CanRead, col.CanWrite}
			if !slices.Contains(col.MediaTypes, taxii.STIXMediaType) || col.Title == "" {
				t.Errorf("collection %s as %s: %+v, want a title and media type %s", col.ID, tc.w.name, col, taxii.STIXMediaType)
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("collections of %s and their rights (-want +got):\n%s", tc.w.name, diff)
		}
		for id, r := range tc.want {
			col, err := e.client(tc.w).Collection(ctx(t), "", id)
			if err != nil {
				t.Fatal(err)
			}
			if col.ID != id || col.CanRead != r.Read || col.CanWrite != r.Write {
				t.Errorf("collection %s as %s: %+v, want rights %+v", id, tc.w.name, col, r)
			}
		}
	}
	got, err := e.client(orgA).Collection(ctx(t), "", shared.ID)
	if err != nil {
		t.Fatal(err)
	}
	// An alias is optional in TAXII; a backend that keeps one keeps it right.
	if got.Title != shared.Title || got.Description != shared.Description || got.Alias != "" && got.Alias != shared.Alias {
		t.Errorf("collection %s: %+v, want the title, description (and alias) of %+v", shared.ID, got, shared)
	}
}

func testRoundTrip(t *testing.T, e *env) {
	objs := []json.RawMessage{
		identity("org-a"),
		marking(taxii.MarkingTLP2Green),
		indicator("round-1", "kim.dev.2024@example.net", taxii.MarkingTLP2Green),
		indicator("round-2", "jsmith.fullstack@example.org", taxii.MarkingTLP2Green),
		indicator("round-3", "remote.rust.eng@example.com", taxii.MarkingTLPGreen),
	}
	st := e.post(t, orgA, shared.ID, objs...)
	if st.ID == "" || st.TotalCount != 5 || st.RequestTimestamp == "" {
		t.Errorf("status %+v, want an id, a request_timestamp and total_count 5", st)
	}
	var wantSuccesses []taxii.StatusDetail
	for _, o := range objs {
		var head struct{ ID, Modified, Created string }
		json.Unmarshal(o, &head)
		v := head.Modified
		if v == "" {
			v = head.Created
		}
		ts, _ := taxii.ParseTime(v)
		wantSuccesses = append(wantSuccesses, taxii.StatusDetail{ID: head.ID, Version: taxii.FormatTime(ts)})
	}
	if diff := cmp.Diff(wantSuccesses, st.Successes); diff != "" {
		t.Errorf("status successes (-want +got):\n%s", diff)
	}
	again, err := e.client(orgA).Status(ctx(t), "", st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(st, again); diff != "" {
		t.Errorf("status read back (-posted +read):\n%s", diff)
	}
	var raw taxii.Status
	e.getJSON(t, orgA, "/api/status/"+st.ID+"/", nil, &raw)

	got := e.objects(t, orgA, shared.ID, nil)
	sameObjects(t, "objects read back", got, objs)

	var read []json.RawMessage
	last, err := e.client(orgB).Objects(ctx(t), "", shared.ID, taxii.ClientQuery{}, func(page []json.RawMessage) error {
		read = append(read, e.serve(t, page)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sameObjects(t, "objects read by the client as org-b", read, objs)

	m := e.manifest(t, orgA, shared.ID, nil)
	if len(m) != len(objs) {
		t.Fatalf("manifest has %d records, want %d", len(m), len(objs))
	}
	for i, r := range m {
		want := taxii.ManifestRecord{ID: wantSuccesses[i].ID, DateAdded: m[0].DateAdded, Version: wantSuccesses[i].Version, MediaType: taxii.STIXMediaType}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("manifest record %d (-want +got):\n%s", i, diff)
		}
	}
	if got := taxii.FormatTime(last); got != m[0].DateAdded {
		t.Errorf("the client's last date added is %s, want %s", got, m[0].DateAdded)
	}
	if _, err := time.Parse(taxii.TimeFormat, m[0].DateAdded); err != nil {
		t.Errorf("date_added %q is not to the microsecond: %v", m[0].DateAdded, err)
	}

	ind := objs[2]
	id := idsOf(ind)[0]
	sameObjects(t, "object by id", e.object(t, orgA, shared.ID, id, nil), []json.RawMessage{ind})
	if diff := cmp.Diff([]string{wantSuccesses[2].Version}, e.versions(t, orgA, shared.ID, id, nil)); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
}

func testInvalidObjects(t *testing.T, e *env) {
	valid := indicator("valid", "valid.applicant@example.net", taxii.MarkingTLP2Green)
	edit := func(name string, f func(m map[string]any)) json.RawMessage {
		var m map[string]any
		json.Unmarshal(indicator(name, name+"@example.net"), &m)
		f(m)
		return mustJSON(m)
	}
	huge := edit("huge", func(m map[string]any) { m["description"] = strings.Repeat("laptop farm ", maxObjectSize/10) })
	bad := []struct {
		obj     json.RawMessage
		id      string
		mention string // a word the failure message must name
	}{
		{json.RawMessage(`42`), "", "object"},
		{json.RawMessage(`["indicator"]`), "", "object"},
		{edit("no-type", func(m map[string]any) { delete(m, "type") }), indicatorID("no-type"), "type"},
		{edit("upper-type", func(m map[string]any) { m["type"] = "Indicator" }), indicatorID("upper-type"), "type"},
		{edit("bad-id", func(m map[string]any) { m["id"] = "indicator--not-a-uuid" }), "indicator--not-a-uuid", "id"},
		{edit("other-type-id", func(m map[string]any) { m["id"] = identityID("org-a") }), identityID("org-a"), "id"},
		{edit("stix-2.0", func(m map[string]any) { m["spec_version"] = "2.0" }), indicatorID("stix-2.0"), "spec_version"},
		{edit("no-spec", func(m map[string]any) { delete(m, "spec_version") }), indicatorID("no-spec"), "spec_version"},
		{edit("no-modified", func(m map[string]any) { delete(m, "modified") }), indicatorID("no-modified"), "modified"},
		{edit("bad-created", func(m map[string]any) { m["created"] = "yesterday" }), indicatorID("bad-created"), "created"},
		{edit("local-time", func(m map[string]any) { m["modified"] = "2026-03-02T10:00:00+09:00" }), indicatorID("local-time"), "modified"},
		{edit("bad-markings", func(m map[string]any) { m["object_marking_refs"] = taxii.MarkingTLP2Red }), indicatorID("bad-markings"), "object_marking_refs"},
		{huge, indicatorID("huge"), "bytes"},
	}
	objs := []json.RawMessage{valid}
	for _, b := range bad {
		objs = append(objs, b.obj)
	}
	body := mustJSON(taxii.Envelope{Objects: objs})
	resp, data := e.request(t, orgA, http.MethodPost, collPath(shared.ID)+"objects/", nil, body, nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST: status %d, want 202: %s", resp.StatusCode, data)
	}
	checkMediaType(t, resp)
	var st taxii.Status
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	if st.Status != taxii.StatusComplete || st.TotalCount != len(objs) || st.SuccessCount != 1 || st.FailureCount != len(bad) || st.PendingCount != 0 {
		t.Fatalf("status %+v, want complete with 1 success and %d failures of %d", st, len(bad), len(objs))
	}
	for i, f := range st.Failures {
		if f.ID != bad[i].id || !strings.Contains(f.Message, bad[i].mention) {
			t.Errorf("failure %d: %+v, want id %q and a message naming %q", i, f, bad[i].id, bad[i].mention)
		}
	}
	sameObjects(t, "objects after a partly invalid post", e.objects(t, orgA, shared.ID, nil), []json.RawMessage{valid})
}

func testSameVersionTwice(t *testing.T, e *env) {
	v1 := indicator("twice", "twice.posted@example.net", taxii.MarkingTLP2Green)
	e.post(t, orgA, shared.ID, v1)
	first := e.manifest(t, orgA, shared.ID, nil)
	time.Sleep(2 * time.Millisecond)
	st := e.post(t, orgA, shared.ID, v1)
	if len(st.Successes) != 1 || st.Successes[0].ID != idsOf(v1)[0] {
		t.Errorf("second post: %+v, want one success", st)
	}
	st = e.post(t, orgA, shared.ID, v1, v1)
	if st.SuccessCount != 2 {
		t.Errorf("one envelope with the version twice: %+v, want two successes", st)
	}
	// Another member posting the same version does not take it over (a
	// backend may accept it as a duplicate or refuse another member's id).
	if _, err := e.client(orgB).AddObjects(ctx(t), "", shared.ID, []json.RawMessage{v1}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, e.manifest(t, orgA, shared.ID, values("match[version]", "all"))); diff != "" {
		t.Errorf("manifest after posting the version again (-first +now):\n%s", diff)
	}
	sameObjects(t, "objects", e.objects(t, orgB, shared.ID, values("match[version]", "all")), []json.RawMessage{v1})
}

func testSharedDateAdded(t *testing.T, e *env) {
	const n = 250
	objs := indicators("batch", n)
	want := idsOf(objs...)
	e.post(t, orgA, shared.ID, objs...)

	m := e.manifest(t, orgA, shared.ID, values("limit", "1000"))
	if len(m) != n {
		t.Fatalf("manifest has %d records, want %d", len(m), n)
	}
	for _, r := range m {
		if r.DateAdded != m[0].DateAdded {
			t.Fatalf("the objects of one post have date_added %s and %s; a backend gives one post one date_added", m[0].DateAdded, r.DateAdded)
		}
	}
	date := m[0].DateAdded

	pages := e.objectPages(t, orgA, shared.ID, values("limit", "7"))
	if len(pages) != (n+6)/7 {
		t.Errorf("%d pages of 7, want %d", len(pages), (n+6)/7)
	}
	var got []string
	for i, p := range pages {
		if len(p.env.Objects) != 7 && i != len(pages)-1 {
			t.Errorf("page %d has %d objects, want 7", i, len(p.env.Objects))
		}
		if p.header.Get(taxii.HeaderDateAddedFirst) != date || p.header.Get(taxii.HeaderDateAddedLast) != date {
			t.Errorf("page %d: date headers %q and %q, want %s", i, p.header.Get(taxii.HeaderDateAddedFirst), p.header.Get(taxii.HeaderDateAddedLast), date)
		}
		got = append(got, ids(p.env.Objects)...)
	}
	sameIDs(t, "objects in pages of 7", got, want)

	var byClient []string
	last, err := e.client(orgB).Objects(ctx(t), "", shared.ID, taxii.ClientQuery{Limit: 7, Types: []string{"indicator"}}, func(page []json.RawMessage) error {
		if len(page) > 7 {
			t.Errorf("a page of %d objects, want at most 7", len(page))
		}
		byClient = append(byClient, ids(e.serve(t, page))...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sameIDs(t, "objects read by the client in pages of 7", byClient, want)
	if taxii.FormatTime(last) != date {
		t.Errorf("client's last date added %s, want %s", taxii.FormatTime(last), date)
	}

	var manifestIDs []string
	for _, r := range e.manifest(t, orgA, shared.ID, values("limit", "7")) {
		manifestIDs = append(manifestIDs, r.ID)
	}
	sameIDs(t, "manifest in pages of 7", manifestIDs, want)

	// A limit over the maximum gets the maximum.
	var env taxii.Envelope
	e.getJSON(t, orgA, collPath(shared.ID)+"objects/", values("limit", "100000"), &env)
	if len(env.Objects) != maxPageSize || !env.More || env.Next == "" {
		t.Errorf("limit 100000: %d objects, more %v, want %d and more", len(env.Objects), env.More, maxPageSize)
	}
	// No limit gets the page size.
	e.getJSON(t, orgA, collPath(shared.ID)+"objects/", nil, &env)
	if len(env.Objects) != pageSize {
		t.Errorf("no limit: %d objects, want %d", len(env.Objects), pageSize)
	}
	// A cursor is for the filters it was issued with.
	resp, body := e.request(t, orgA, http.MethodGet, collPath(shared.ID)+"objects/", values("next", env.Next, "match[type]", "identity"), nil, nil)
	wantError(t, resp, body, http.StatusBadRequest)
	resp, body = e.request(t, orgA, http.MethodGet, collPath(membersOnly.ID)+"objects/", values("next", env.Next), nil, nil)
	wantError(t, resp, body, http.StatusBadRequest)
}

func testConcurrentPosts(t *testing.T, e *env) {
	const posters, each = 4, 25
	var wg sync.WaitGroup
	var want []string
	for i := range posters {
		w := []who{orgA, orgB, orgC, orgA}[i]
		objs := indicatorsBy(fmt.Sprintf("poster%d", i), each, w.p.Member)
		want = append(want, idsOf(objs...)...)
		wg.Go(func() {
			st, err := e.client(w).AddObjects(ctx(t), "", shared.ID, objs)
			if err != nil || st.SuccessCount != each {
				t.Errorf("post %d: %+v, %v", i, st, err)
			}
		})
	}
	wg.Wait()
	var got []string
	for _, p := range e.objectPages(t, orgA, shared.ID, values("limit", "7")) {
		got = append(got, ids(p.env.Objects)...)
	}
	slices.Sort(got)
	slices.Sort(want)
	sameIDs(t, "objects of concurrent posts, sorted", got, want)
}

// dateAdded returns the date_added of an object's one version.
func (e *env) dateAdded(t *testing.T, coll, id string) string {
	t.Helper()
	m := e.manifest(t, orgA, coll, values("match[id]", id, "match[version]", "all"))
	if len(m) != 1 {
		t.Fatalf("manifest of %s: %d records, want 1", id, len(m))
	}
	return m[0].DateAdded
}

func testAddedAfter(t *testing.T, e *env) {
	first := indicator("early", "early.bird@example.net", taxii.MarkingTLP2Green)
	second := indicator("late", "late.comer@example.net", taxii.MarkingTLP2Green)
	e.post(t, orgA, shared.ID, first)
	time.Sleep(2 * time.Millisecond)
	e.post(t, orgA, shared.ID, second)
	d1, d2 := e.dateAdded(t, shared.ID, idsOf(first)[0]), e.dateAdded(t, shared.ID, idsOf(second)[0])
	if d1 == d2 {
		t.Fatalf("two posts 2 ms apart have the same date_added %s", d1)
	}
	t1, _ := taxii.ParseTime(d1)
	for _, tc := range []struct {
		after string
		want  []json.RawMessage
	}{
		{d1, []json.RawMessage{second}},
		{taxii.FormatTime(t1.Add(-time.Microsecond)), []json.RawMessage{first, second}},
		{d2, nil},
	} {
		got := e.objects(t, orgA, shared.ID, values("added_after", tc.after))
		sameIDs(t, "objects added after "+tc.after, ids(got), idsOf(tc.want...))
		var m []string
		for _, r := range e.manifest(t, orgA, shared.ID, values("added_after", tc.after)) {
			m = append(m, r.ID)
		}
		sameIDs(t, "manifest added after "+tc.after, m, idsOf(tc.want...))
	}
	var got []string
	last, err := e.client(orgB).Objects(ctx(t), "", shared.ID, taxii.ClientQuery{AddedAfter: t1}, func(page []json.RawMessage) error {
		got = append(got, ids(page)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sameIDs(t, "client objects added after "+d1, got, idsOf(second))
	if taxii.FormatTime(last) != d2 {
		t.Errorf("client's last date added %s, want %s", taxii.FormatTime(last), d2)
	}
}

func testMatchTypeAndID(t *testing.T, e *env) {
	id := identity("org-a")
	mk := marking(taxii.MarkingTLP2Green)
	i1 := indicator("type-1", "one@example.net", taxii.MarkingTLP2Green)
	i2 := indicator("type-2", "two@example.net", taxii.MarkingTLP2Green)
	e.post(t, orgA, shared.ID, id, mk, i1, i2)
	for _, tc := range []struct {
		q    []string
		want []json.RawMessage
	}{
		{[]string{"match[type]", "indicator"}, []json.RawMessage{i1, i2}},
		{[]string{"match[type]", "identity,marking-definition"}, []json.RawMessage{id, mk}},
		{[]string{"match[type]", "malware"}, nil},
		{[]string{"match[id]", idsOf(i2)[0]}, []json.RawMessage{i2}},
		{[]string{"match[id]", idsOf(i2)[0] + "," + idsOf(id)[0]}, []json.RawMessage{id, i2}},
		{[]string{"match[id]", indicatorID("absent")}, nil},
		{[]string{"match[type]", "indicator", "match[id]", idsOf(id)[0]}, nil},
		{[]string{"match[type]", "indicator", "match[id]", idsOf(i1)[0]}, []json.RawMessage{i1}},
	} {
		what := fmt.Sprint(tc.q)
		sameObjects(t, "objects "+what, e.objects(t, orgB, shared.ID, values(tc.q...)), tc.want)
		var m []string
		for _, r := range e.manifest(t, orgB, shared.ID, values(tc.q...)) {
			m = append(m, r.ID)
		}
		sameIDs(t, "manifest "+what, m, idsOf(tc.want...))
	}
}

func testMatchVersion(t *testing.T, e *env) {
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	v := func(h int) json.RawMessage {
		return ind{name: "versioned", email: "many.versions@example.net", modified: at(h), markings: []string{taxii.MarkingTLP2Green}}.json()
	}
	v1, v2, v3 := v(1), v(2), v(3)
	other := indicator("single", "single.version@example.net", taxii.MarkingTLP2Green)
	e.post(t, orgA, shared.ID, v1)
	e.post(t, orgA, shared.ID, v2, other)
	e.post(t, orgA, shared.ID, v3)
	id := idsOf(v1)[0]
	ts := func(h int) string { return taxii.FormatTime(at(h)) }
	for _, tc := range []struct {
		version string
		want    []json.RawMessage
	}{
		{"", []json.RawMessage{other, v3}},
		{"last", []json.RawMessage{other, v3}},
		{"first", []json.RawMessage{v1, other}},
		{"all", []json.RawMessage{v1, v2, other, v3}},
		{"first,last", []json.RawMessage{v1, other, v3}},
		{ts(2), []json.RawMessage{v2}},
		{stixTime(at(2)), []json.RawMessage{v2}},
		{ts(1) + "," + ts(3), []json.RawMessage{v1, v3}},
		{ts(9), nil},
	} {
		q := values("match[version]", tc.version)
		if tc.version == "" {
			q = nil
		}
		got := e.objects(t, orgB, shared.ID, q)
		sameObjects(t, "objects with match[version]="+tc.version, got, tc.want)
		var m []string
		for _, r := range e.manifest(t, orgB, shared.ID, q) {
			m = append(m, r.ID+" "+r.Version)
		}
		var wantM []string
		for i, o := range tc.want {
			mod, _ := taxii.ParseTime(modifiedOf([]json.RawMessage{o})[0])
			wantM = append(wantM, idsOf(tc.want[i])[0]+" "+taxii.FormatTime(mod))
		}
		if diff := cmp.Diff(wantM, m); diff != "" {
			t.Errorf("manifest with match[version]=%s (-want +got):\n%s", tc.version, diff)
		}
	}
	sameObjects(t, "object by id", e.object(t, orgB, shared.ID, id, nil), []json.RawMessage{v3})
	sameObjects(t, "object by id, first", e.object(t, orgB, shared.ID, id, values("match[version]", "first")), []json.RawMessage{v1})
	sameObjects(t, "object by id, all", e.object(t, orgB, shared.ID, id, values("match[version]", "all", "limit", "2")), []json.RawMessage{v1, v2, v3})
	if diff := cmp.Diff([]string{ts(1), ts(2), ts(3)}, e.versions(t, orgB, shared.ID, id, values("limit", "1"))); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	resp, body := e.request(t, orgB, http.MethodGet, collPath(shared.ID)+"objects/", values("match[version]", "newest"), nil, nil)
	wantError(t, resp, body, http.StatusBadRequest)
}

func testMatchSpecVersion(t *testing.T, e *env) {
	old := statement20("consortium terms")
	cur := indicator("current", "current.stix@example.net", taxii.MarkingTLP2Green)
	e.post(t, orgA, shared.ID, old, cur)
	for _, tc := range []struct {
		spec string
		want []json.RawMessage
	}{
		{"", []json.RawMessage{old, cur}},
		{"2.0", []json.RawMessage{old}},
		{"2.1", []json.RawMessage{cur}},
		{"2.0,2.1", []json.RawMessage{old, cur}},
		{"2.2", nil},
	} {
		q := values("match[spec_version]", tc.spec)
		sameObjects(t, "objects with match[spec_version]="+tc.spec, e.objects(t, orgB, shared.ID, q), tc.want)
	}
	m := e.manifest(t, orgB, shared.ID, nil)
	if len(m) != 2 || m[0].MediaType != "application/stix+json;version=2.0" || m[1].MediaType != taxii.STIXMediaType {
		t.Errorf("manifest %+v, want the media types of STIX 2.0 and 2.1", m)
	}
	if got := e.versions(t, orgB, shared.ID, idsOf(cur)[0], values("match[spec_version]", "2.0")); len(got) != 0 {
		t.Errorf("versions of a 2.1 object with match[spec_version]=2.0: %v, want none", got)
	}
}

func testDateHeaders(t *testing.T, e *env) {
	at := func(h int) json.RawMessage {
		return ind{name: "headed", email: "headers@example.net", modified: base.Add(time.Duration(h) * time.Hour), markings: []string{taxii.MarkingTLP2Green}}.json()
	}
	a, b := indicator("h-a", "a@example.net", taxii.MarkingTLP2Green), at(1)
	c, d := indicator("h-c", "c@example.net", taxii.MarkingTLP2Green), at(2)
	e.post(t, orgA, shared.ID, a, b)
	time.Sleep(2 * time.Millisecond)
	e.post(t, orgA, shared.ID, c, d)
	d1, d2 := e.dateAdded(t, shared.ID, idsOf(a)[0]), e.dateAdded(t, shared.ID, idsOf(c)[0])
	id := idsOf(b)[0]
	for _, tc := range []struct {
		path        string
		q           []string
		first, last string
	}{
		{collPath(shared.ID) + "objects/", []string{"limit", "3", "match[version]", "all"}, d1, d2},
		{collPath(shared.ID) + "objects/", []string{"limit", "3", "match[version]", "all", "added_after", d1}, d2, d2},
		{collPath(shared.ID) + "manifest/", []string{"limit", "3", "match[version]", "all"}, d1, d2},
		{collPath(shared.ID) + "objects/" + id + "/", []string{"match[version]", "all"}, d1, d2},
		{collPath(shared.ID) + "objects/" + id + "/versions/", nil, d1, d2},
		{collPath(shared.ID) + "objects/" + id + "/versions/", []string{"limit", "1"}, d1, d1},
	} {
		var v any
		hdr := e.getJSON(t, orgB, tc.path, values(tc.q...), &v)
		if f, l := hdr.Get(taxii.HeaderDateAddedFirst), hdr.Get(taxii.HeaderDateAddedLast); f != tc.first || l != tc.last {
			t.Errorf("GET %s %v: date headers %q, %q, want %q, %q", tc.path, tc.q, f, l, tc.first, tc.last)
		}
	}
}

func testNotFound(t *testing.T, e *env) {
	e.post(t, orgA, shared.ID, indicator("present", "present@example.net", taxii.MarkingTLP2Green))
	absent := indicatorID("absent")
	for _, path := range []string{
		collPath("3e0b9d4c-0000-4000-8000-000000000000"),
		collPath("3e0b9d4c-0000-4000-8000-000000000000") + "objects/",
		collPath("3e0b9d4c-0000-4000-8000-000000000000") + "manifest/",
		collPath(shared.ID) + "objects/" + absent + "/",
		collPath(shared.ID) + "objects/" + absent + "/versions/",
		"/api/status/5b2c7f0e-0000-4000-8000-000000000000/",
		"/api/nothing-here/",
		"/taxii2/nothing-here/",
	} {
		resp, body := e.request(t, orgA, http.MethodGet, path, nil, nil, nil)
		wantError(t, resp, body, http.StatusNotFound)
	}
	resp, body := e.request(t, orgA, http.MethodDelete, collPath(shared.ID)+"objects/", nil, nil, nil)
	wantError(t, resp, body, http.StatusMethodNotAllowed)
	_, err := e.client(orgA).Collection(ctx(t), "", "3e0b9d4c-0000-4000-8000-000000000000")
	if te, ok := asError(err); !ok || te.HTTPStatus != http.StatusNotFound || te.Title == "" {
		t.Errorf("client, unknown collection: %v, want a TAXII error with 404", err)
	}
}
