// Package storetest is the conformance suite every store.Store
// implementation runs: the same operations, the same answers, to the
// microsecond and the byte. An adapter's test calls Run with a function
// that opens a fresh, empty store.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/store"
)

// Opener opens a fresh, empty store whose clock is now, and closes it when
// the test ends.
type Opener func(t *testing.T, now func() time.Time) store.Store

// clock is a fixed time that tests move by hand; microseconds only, as
// stores keep them.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 1, 9, 30, 0, 123456000, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store, c *clock)
	}{
		{"subjects are stored as given and read back", testSubjectRoundTrip},
		{"putting a subject again updates or leaves it, never duplicates", testSubjectIdempotent},
		{"a changed record replaces its identifiers", testSubjectReplace},
		{"the last of repeated ids in one batch wins", testSubjectRepeats},
		{"a bad batch stores nothing", testSubjectInvalid},
		{"a cancelled put stores nothing", testSubjectCancelled},
		{"missing subjects are not found", testSubjectNotFound},
		{"every subject is read back in id order", testSubjectsAll},
		{"subject pages walk every subject once", testSubjectPage},
		{"identifiers find their subjects", testIdentifierIndex},
		{"identifier counts count subjects", testIdentifierCounts},
		{"large batches store every identifier", testLargeBatch},
		{"concurrent puts store every subject once", testConcurrentPuts},
		{"indicators are replaced per source", testIndicators},
		{"indicators are selected by query", testIndicatorQuery},
		{"a bad feed leaves the old one", testIndicatorsInvalid},
		{"verdicts keep the latest per subject", testVerdicts},
		{"a subject's verdict is written with it", testSubjectWithVerdict},
		{"alerts are added and listed", testAlerts},
		{"cases log their events and apply them", testCases},
		{"case events obey the case's state", testCaseConflicts},
		{"the alert queue filters by state and score and sorts", testAlertQueue},
		{"cases are assigned and decided by events", testCaseDecisions},
		{"attachments keep their bytes and are logged", testAttachments},
		{"suppressions are kept per subject and replaced", testSuppressions},
		{"users are put, replaced and listed", testUsers},
		{"API keys are added, listed and revoked once", testAPIKeys},
		{"sessions keep their token and expire", testSessions},
		{"the audit log is appended and queried", testAudit},
		{"text both databases cannot store is refused", testInvalidText},
		{"stats count tables, kinds and shared values", testStats},
		{"a healthy database passes its check", testCheck},
		{"sync state is kept per URL and replaced", testSyncState},
		{"findings are replaced per source; sources are marked shareable", testFindings},
		{"hub members and collections with rights", testHubMembersCollections},
		{"TAXII objects page without loss and respect TLP", testTAXIIObjects},
		{"hub keys, tokens and usage", testHubTokens},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			s := open(t, c.now)
			tc.fn(t, s, c)
		})
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func subj(id, raw string, ids ...store.Identifier) store.Subject {
	return store.Subject{ID: id, Kind: "applicant", Raw: json.RawMessage(raw), Identifiers: ids}
}

func ident(kind, value, attr string) store.Identifier {
	return store.Identifier{Kind: kind, Value: value, Attribute: attr}
}

func mustPut(t *testing.T, s store.Store, subs ...store.Subject) store.PutResult {
	t.Helper()
	res, err := s.PutSubjects(ctx(t), subs)
	if err != nil {
		t.Fatalf("PutSubjects: %v", err)
	}
	return res
}

func lookup(t *testing.T, s store.Store, kind, value string) []string {
	t.Helper()
	ids, err := s.SubjectsByIdentifier(ctx(t), kind, value)
	if err != nil {
		t.Fatalf("SubjectsByIdentifier(%s, %s): %v", kind, value, err)
	}
	return ids
}

func testSubjectRoundTrip(t *testing.T, s store.Store, c *clock) {
	// Raw is kept byte for byte: key order, spacing and non-ASCII included.
	raw := `{"id":"a1", "name":"Kim Chol","emails":["Kim.Chol@Example.com"],"zz":{"b":1,"a":2},"note":"박철 ✓"}`
	in := subj("a1", raw,
		store.Identifier{Kind: "name", Value: "chol kim", Attribute: "name"},
		store.Identifier{Kind: "email", Value: "kimchol@example.com", Attribute: "emails[0]"},
		store.Identifier{Kind: "email_domain", Value: "example.com", Attribute: "emails[0]"},
		store.Identifier{Kind: "address", Value: "1 main st|springfield|il|62701|us", Attribute: "addresses[0]", Role: "shipping"},
	)
	if got, want := mustPut(t, s, in), (store.PutResult{New: 1}); got != want {
		t.Errorf("PutSubjects = %+v, want %+v", got, want)
	}
	got, err := s.Subject(ctx(t), "a1")
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.UpdatedAt = c.now()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Subject(a1) (-want +got):\n%s", diff)
	}
	if string(got.Raw) != raw {
		t.Errorf("raw = %s, want %s", got.Raw, raw)
	}
	// A subject without identifiers is still a subject.
	mustPut(t, s, subj("bare", `{"id":"bare"}`))
	got, err = s.Subject(ctx(t), "bare")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Identifiers) != 0 || string(got.Raw) != `{"id":"bare"}` {
		t.Errorf("Subject(bare) = %+v", got)
	}
	// An empty batch is no work, not an error.
	if res := mustPut(t, s); res != (store.PutResult{}) {
		t.Errorf("PutSubjects() = %+v, want nothing", res)
	}
}

func testSubjectIdempotent(t *testing.T, s store.Store, c *clock) {
	a := subj("a", `{"id":"a","emails":["x@y.example"]}`, ident("email", "x@y.example", "emails[0]"))
	b := subj("b", `{"id":"b"}`)
	if got, want := mustPut(t, s, a, b), (store.PutResult{New: 2}); got != want {
		t.Errorf("first put = %+v, want %+v", got, want)
	}
	c.advance(time.Hour)
	if got, want := mustPut(t, s, a, b), (store.PutResult{Unchanged: 2}); got != want {
		t.Errorf("same put again = %+v, want %+v", got, want)
	}
	got, err := s.Subject(ctx(t), "a")
	if err != nil {
		t.Fatal(err)
	}
	if want := c.now().Add(-time.Hour); !got.UpdatedAt.Equal(want) {
		t.Errorf("UpdatedAt after an unchanged put = %v, want %v (unchanged)", got.UpdatedAt, want)
	}
	b2 := subj("b", `{"id":"b","kind":"payee"}`)
	if got, want := mustPut(t, s, a, b2, subj("c", `{"id":"c"}`)), (store.PutResult{New: 1, Updated: 1, Unchanged: 1}); got != want {
		t.Errorf("mixed put = %+v, want %+v", got, want)
	}
	got, err = s.Subject(ctx(t), "b")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Raw) != `{"id":"b","kind":"payee"}` || !got.UpdatedAt.Equal(c.now()) {
		t.Errorf("updated subject = raw %s at %v, want the new raw at %v", got.Raw, got.UpdatedAt, c.now())
	}
	// An identifier change alone is a change (a normaliser improved).
	a2 := a
	a2.Identifiers = append(slices.Clone(a.Identifiers), ident("email_domain", "y.example", "emails[0]"))
	if got, want := mustPut(t, s, a2), (store.PutResult{Updated: 1}); got != want {
		t.Errorf("identifiers changed = %+v, want %+v", got, want)
	}
	st, err := s.Stats(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Tables["subjects"]; got != 3 {
		t.Errorf("%d subjects stored, want 3", got)
	}
	// email_domain is kept with the subject but not indexed (store.Indexed).
	if got := st.Tables["subject_identifiers"]; got != 1 {
		t.Errorf("%d identifiers indexed, want 1", got)
	}
	if got, err := s.Subject(ctx(t), "a"); err != nil || len(got.Identifiers) != 2 {
		t.Errorf("Subject(a) has identifiers %v (%v), want 2", got.Identifiers, err)
	}
}

func testSubjectReplace(t *testing.T, s store.Store, c *clock) {
	mustPut(t, s, subj("a", `{"id":"a","phones":["+1 202 555 0100"]}`,
		ident("phone", "+12025550100", "phones[0]"), ident("device", "C02X1234", "devices[0]")))
	mustPut(t, s, subj("a", `{"id":"a","phones":["+1 202 555 0199"]}`,
		ident("phone", "+12025550199", "phones[0]")))
	if got := lookup(t, s, "phone", "+12025550100"); len(got) != 0 {
		t.Errorf("old phone still finds %v", got)
	}
	if got := lookup(t, s, "device", "C02X1234"); len(got) != 0 {
		t.Errorf("old device still finds %v", got)
	}
	if diff := cmp.Diff([]string{"a"}, lookup(t, s, "phone", "+12025550199")); diff != "" {
		t.Errorf("new phone (-want +got):\n%s", diff)
	}
	got, err := s.Subject(ctx(t), "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.Identifier{ident("phone", "+12025550199", "phones[0]")}, got.Identifiers); diff != "" {
		t.Errorf("identifiers (-want +got):\n%s", diff)
	}
}

func testSubjectRepeats(t *testing.T, s store.Store, c *clock) {
	res := mustPut(t, s,
		subj("a", `{"id":"a","v":1}`, ident("device", "AAAA1", "devices[0]")),
		subj("b", `{"id":"b"}`),
		subj("a", `{"id":"a","v":2}`, ident("device", "AAAA2", "devices[0]")),
	)
	if want := (store.PutResult{New: 2}); res != want {
		t.Errorf("PutSubjects = %+v, want %+v", res, want)
	}
	got, err := s.Subject(ctx(t), "a")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Raw) != `{"id":"a","v":2}` {
		t.Errorf("raw = %s, want the last one", got.Raw)
	}
	if got := lookup(t, s, "device", "AAAA1"); len(got) != 0 {
		t.Errorf("identifier of the first a stored: %v", got)
	}
	// The same (kind, value, attribute) twice in one subject is one row.
	mustPut(t, s, subj("c", `{"id":"c"}`, ident("device", "CCCC", "devices[0]"), ident("device", "CCCC", "devices[0]")))
	got, err = s.Subject(ctx(t), "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Identifiers) != 1 {
		t.Errorf("identifiers = %v, want one", got.Identifiers)
	}
}

func testSubjectInvalid(t *testing.T, s store.Store, c *clock) {
	good := subj("good", `{"id":"good"}`, ident("device", "GOOD1", "devices[0]"))
	for _, tc := range []struct {
		name string
		bad  store.Subject
	}{
		{"empty id", subj("", `{"id":""}`)},
		{"raw not an object", subj("x", `["x"]`)},
		{"raw empty", subj("x", ``)},
		{"identifier without kind", subj("x", `{"id":"x"}`, ident("", "v", "a"))},
		{"identifier without value", subj("x", `{"id":"x"}`, ident("device", "", "a"))},
	} {
		_, err := s.PutSubjects(ctx(t), []store.Subject{good, tc.bad})
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: PutSubjects error = %v, want ErrInvalid", tc.name, err)
		}
	}
	if _, err := s.Subject(ctx(t), "good"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("good subject of a bad batch: error = %v, want ErrNotFound", err)
	}
}

func testSubjectCancelled(t *testing.T, s store.Store, c *clock) {
	cctx, cancel := context.WithCancel(ctx(t))
	cancel()
	if _, err := s.PutSubjects(cctx, []store.Subject{subj("a", `{"id":"a"}`)}); err == nil {
		t.Error("PutSubjects with a cancelled context succeeded")
	}
	if _, err := s.Subject(ctx(t), "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Subject after a cancelled put: error = %v, want ErrNotFound", err)
	}
}

func testSubjectNotFound(t *testing.T, s store.Store, c *clock) {
	if _, err := s.Subject(ctx(t), "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Subject(nobody) error = %v, want ErrNotFound", err)
	}
}

// allSubjects drains s.Subjects, failing on an error.
func allSubjects(t *testing.T, s store.Store) []store.Subject {
	t.Helper()
	var out []store.Subject
	for sub, err := range s.Subjects(ctx(t)) {
		if err != nil {
			t.Fatalf("Subjects: %v", err)
		}
		out = append(out, sub)
	}
	return out
}

func testSubjectsAll(t *testing.T, s store.Store, c *clock) {
	if got := allSubjects(t, s); len(got) != 0 {
		t.Fatalf("an empty store yields %d subjects", len(got))
	}
	// More than two pages, put in two batches at different times and not
	// in id order; ids beyond ASCII check both databases order by bytes.
	const n = 2500
	var subs []store.Subject
	for i := range n {
		id := fmt.Sprintf("s%05d", (i*7919)%n)
		var ids []store.Identifier
		if i%3 != 0 {
			ids = []store.Identifier{
				ident("email", id+"@example.com", "emails[0]"),
				{Kind: "address", Value: id + "|springfield", Attribute: "addresses[0]", Role: "home"},
				ident("device", "D"+id, "devices[0]"),
			}
		}
		subs = append(subs, subj(id, `{"id":"`+id+`"}`, ids...))
	}
	for _, id := range []string{"Z", "a", "é", "z", "ß-1"} {
		subs = append(subs, subj(id, `{"id":"`+id+`", "n": 1}`, ident("name", id, "name")))
	}
	// A verdict is written with a subject but never read back with it.
	subs[1].Verdict = &store.Verdict{SubjectID: subs[1].ID, Score: 10, Level: "low"}
	mustPut(t, s, subs[:n/2]...)
	c.advance(time.Minute)
	mustPut(t, s, subs[n/2:]...)

	var wantIDs []string
	for _, sub := range subs {
		wantIDs = append(wantIDs, sub.ID)
	}
	slices.Sort(wantIDs) // byte order, as Go compares strings
	got := allSubjects(t, s)
	var gotIDs []string
	for _, sub := range got {
		gotIDs = append(gotIDs, sub.ID)
	}
	if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
		t.Fatalf("Subjects ids (-want +got):\n%s", diff)
	}
	for _, sub := range got {
		one, err := s.Subject(ctx(t), sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(one, sub); diff != "" {
			t.Fatalf("Subjects differs from Subject(%s) (-Subject +Subjects):\n%s", sub.ID, diff)
		}
	}

	// Breaking early stops the walk and leaves the store usable.
	seen := 0
	for _, err := range s.Subjects(ctx(t)) {
		if err != nil {
			t.Fatal(err)
		}
		if seen++; seen == 10 {
			break
		}
	}
	if seen != 10 {
		t.Errorf("early break after %d subjects, want 10", seen)
	}

	// Writing between yields, as link analysis does, neither blocks nor
	// fails, and the walk still yields each id once.
	seen = 0
	for sub, err := range s.Subjects(ctx(t)) {
		if err != nil {
			t.Fatal(err)
		}
		if seen++; seen%1000 == 1 {
			if _, err := s.PutSubjects(ctx(t), []store.Subject{subj("w"+sub.ID, `{"id":"w"}`)}); err != nil {
				t.Fatalf("PutSubjects while iterating: %v", err)
			}
		}
	}
	if seen < len(wantIDs) {
		t.Errorf("walk with writes yielded %d subjects, want at least %d", seen, len(wantIDs))
	}

	// A cancelled context yields one error, then nothing.
	cctx, cancel := context.WithCancel(ctx(t))
	cancel()
	var errs, yielded int
	for _, err := range s.Subjects(cctx) {
		if err == nil {
			yielded++
			continue
		}
		errs++
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Subjects with a cancelled context: error = %v, want context.Canceled", err)
		}
	}
	if errs != 1 || yielded != 0 {
		t.Errorf("Subjects with a cancelled context yielded %d subjects and %d errors, want 0 and 1", yielded, errs)
	}
	// Cancelled mid-walk: the error comes at the next read, once, last.
	cctx, cancel = context.WithCancel(ctx(t))
	defer cancel()
	errs, yielded = 0, 0
	for _, err := range s.Subjects(cctx) {
		if errs > 0 {
			t.Fatal("Subjects yielded after an error")
		}
		if err != nil {
			errs++
			continue
		}
		if yielded++; yielded == 1 {
			cancel()
		}
	}
	if errs != 1 || yielded >= len(wantIDs) {
		t.Errorf("Subjects cancelled mid-walk yielded %d subjects and %d errors, want fewer than %d and 1", yielded, errs, len(wantIDs))
	}
}

func testSubjectPage(t *testing.T, s store.Store, c *clock) {
	// Ids put out of order, beyond ASCII, with identifiers, a verdict and
	// more than one batch: a page is what Subject returns, in byte order.
	var subs []store.Subject
	for i := range 45 {
		id := fmt.Sprintf("p%03d", (i*17)%45)
		subs = append(subs, subj(id, `{"id":"`+id+`"}`, ident("device", "D"+id, "devices[0]")))
	}
	for _, id := range []string{"Z", "é", "a", "ß"} {
		subs = append(subs, subj(id, `{"id":"`+id+`"}`))
	}
	subs[3].Verdict = &store.Verdict{SubjectID: subs[3].ID, Score: 10, Level: "low"}
	mustPut(t, s, subs[:20]...)
	c.advance(time.Minute)
	mustPut(t, s, subs[20:]...)
	var want []string
	for _, sub := range subs {
		want = append(want, sub.ID)
	}
	slices.Sort(want)

	for _, limit := range []int{1, 7, len(subs), 1000} {
		var got []string
		after, pages := "", 0
		for {
			page, err := s.SubjectPage(ctx(t), after, limit)
			if err != nil {
				t.Fatalf("SubjectPage(%q, %d): %v", after, limit, err)
			}
			if len(page) > limit {
				t.Fatalf("SubjectPage(%q, %d) returned %d subjects", after, limit, len(page))
			}
			if len(page) == 0 {
				break
			}
			pages++
			for _, sub := range page {
				one, err := s.Subject(ctx(t), sub.ID)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(one, sub); diff != "" {
					t.Fatalf("SubjectPage differs from Subject(%s) (-Subject +SubjectPage):\n%s", sub.ID, diff)
				}
				got = append(got, sub.ID)
			}
			after = page[len(page)-1].ID
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pages of %d: ids (-want +got):\n%s", limit, diff)
		}
		if wantPages := (len(subs) + limit - 1) / limit; pages != wantPages {
			t.Errorf("pages of %d: %d pages, want %d", limit, pages, wantPages)
		}
	}
	for _, limit := range []int{0, -1, 1001} {
		if _, err := s.SubjectPage(ctx(t), "", limit); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("SubjectPage with limit %d: error = %v, want ErrInvalid", limit, err)
		}
	}
}

func testIdentifierIndex(t *testing.T, s store.Store, c *clock) {
	// Ids chosen so that byte order (B < a < b) differs from a locale's.
	mustPut(t, s,
		subj("b", `{"id":"b"}`, ident("email", "x@y.example", "emails[0]"), ident("name_key", "chol kim", "name")),
		subj("a", `{"id":"a"}`, ident("email", "x@y.example", "emails[0]"), ident("email", "x@y.example", "emails[1]")),
		subj("B", `{"id":"B"}`, ident("name_key", "chol kim", "name"), ident("email_domain", "y.example", "emails[0]")),
		subj("z", `{"id":"z"}`, ident("phone", "x@y.example", "phones[0]")),
	)
	for _, tc := range []struct {
		kind, value string
		want        []string
	}{
		{"email", "x@y.example", []string{"a", "b"}},
		{"name_key", "chol kim", []string{"B", "b"}},
		{"phone", "x@y.example", []string{"z"}},
		{"email", "X@Y.EXAMPLE", nil},
		{"wallet", "x@y.example", nil},
	} {
		if diff := cmp.Diff(tc.want, lookup(t, s, tc.kind, tc.value)); diff != "" {
			t.Errorf("SubjectsByIdentifier(%s, %s) (-want +got):\n%s", tc.kind, tc.value, diff)
		}
	}
	got, err := s.SubjectsByIdentifiers(ctx(t), "email", []string{"x@y.example", "nobody@y.example", "x@y.example"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]string{"x@y.example": {"a", "b"}}, got); diff != "" {
		t.Errorf("SubjectsByIdentifiers(email) (-want +got):\n%s", diff)
	}
	if _, err := s.SubjectsByIdentifiers(ctx(t), "email_domain", []string{"y.example"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SubjectsByIdentifiers(email_domain): error = %v, want ErrInvalid", err)
	}
	// Several kinds at once, repeated pairs, a value held under one kind
	// asked under another, and more pairs than one query takes.
	pairs := []store.KindValue{{Kind: "email", Value: "x@y.example"}, {Kind: "phone", Value: "x@y.example"}, {Kind: "name_key", Value: "chol kim"},
		{Kind: "email", Value: "x@y.example"}, {Kind: "wallet", Value: "x@y.example"}}
	for i := range 40 {
		pairs = append(pairs, store.KindValue{Kind: "email", Value: fmt.Sprintf("nobody%d@y.example", i)})
	}
	byValues, err := s.SubjectsByValues(ctx(t), pairs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[store.KindValue][]string{{Kind: "email", Value: "x@y.example"}: {"a", "b"}, {Kind: "phone", Value: "x@y.example"}: {"z"},
		{Kind: "name_key", Value: "chol kim"}: {"B", "b"}}
	if diff := cmp.Diff(want, byValues); diff != "" {
		t.Errorf("SubjectsByValues (-want +got):\n%s", diff)
	}
	if _, err := s.SubjectsByValues(ctx(t), []store.KindValue{{Kind: "email", Value: "x@y.example"}, {Kind: "email_domain", Value: "y.example"}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SubjectsByValues(email_domain): error = %v, want ErrInvalid", err)
	}
	// Kinds left out of the index (store.Indexed) are refused, not
	// answered with nobody: an empty answer would say the value is unique.
	if ids, err := s.SubjectsByIdentifier(ctx(t), "email_domain", "y.example"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SubjectsByIdentifier(email_domain) = %v, %v; want ErrInvalid", ids, err)
	}
	if counts, err := s.IdentifierCounts(ctx(t), "email_domain", []string{"y.example"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("IdentifierCounts(email_domain) = %v, %v; want ErrInvalid", counts, err)
	}
}

func testIdentifierCounts(t *testing.T, s store.Store, c *clock) {
	var subs []store.Subject
	for i := range 5 {
		id := fmt.Sprintf("s%d", i)
		ids := []store.Identifier{ident("ip", "203.0.113.7", "ips[0]"), ident("ip", "203.0.113.7", "ips[1]")}
		if i < 2 {
			ids = append(ids, ident("ip", "198.51.100.1", "ips[2]"))
		}
		ids = append(ids, ident("ip", fmt.Sprintf("10.0.0.%d", i), "ips[3]"))
		subs = append(subs, subj(id, `{"id":"`+id+`"}`, ids...))
	}
	mustPut(t, s, subs...)
	values := []string{"203.0.113.7", "198.51.100.1", "10.0.0.3", "192.0.2.1", "203.0.113.7"}
	for i := range 1200 { // more than one statement's worth of values
		values = append(values, fmt.Sprintf("unused-%d", i))
	}
	got, err := s.IdentifierCounts(ctx(t), "ip", values)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"203.0.113.7": 5, "198.51.100.1": 2, "10.0.0.3": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IdentifierCounts (-want +got):\n%s", diff)
	}
	got, err = s.IdentifierCounts(ctx(t), "email", []string{"203.0.113.7"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("counts of another kind = %v, want none", got)
	}
	got, err = s.IdentifierCounts(ctx(t), "ip", nil)
	if err != nil || len(got) != 0 {
		t.Errorf("IdentifierCounts(nil) = %v, %v; want empty, nil", got, err)
	}
}

func testLargeBatch(t *testing.T, s store.Store, c *clock) {
	const n = 2500
	subs := make([]store.Subject, n)
	for i := range subs {
		id := fmt.Sprintf("big%05d", i)
		subs[i] = subj(id, `{"id":"`+id+`"}`,
			ident("device", fmt.Sprintf("DEV%05d", i), "devices[0]"),
			ident("device", fmt.Sprintf("SHARED%d", i%7), "devices[1]"),
			ident("ip", "192.0.2.1", "ips[0]"))
	}
	if got, want := mustPut(t, s, subs...), (store.PutResult{New: n}); got != want {
		t.Errorf("PutSubjects = %+v, want %+v", got, want)
	}
	st, err := s.Stats(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Tables["subject_identifiers"]; got != 3*n {
		t.Errorf("%d identifiers stored, want %d", got, 3*n)
	}
	if got := lookup(t, s, "ip", "192.0.2.1"); len(got) != n {
		t.Errorf("%d subjects share the IP address, want %d", len(got), n)
	}
	if got := lookup(t, s, "device", "DEV01234"); !slices.Equal(got, []string{"big01234"}) {
		t.Errorf("DEV01234 finds %v", got)
	}
	// Changing every tenth record replaces exactly those.
	for i := 0; i < n; i += 10 {
		subs[i].Identifiers = subs[i].Identifiers[:1]
	}
	if got, want := mustPut(t, s, subs...), (store.PutResult{Updated: n / 10, Unchanged: n - n/10}); got != want {
		t.Errorf("second PutSubjects = %+v, want %+v", got, want)
	}
	if got := lookup(t, s, "ip", "192.0.2.1"); len(got) != n-n/10 {
		t.Errorf("%d subjects share the IP address, want %d", len(got), n-n/10)
	}
}

func testConcurrentPuts(t *testing.T, s store.Store, c *clock) {
	Concurrent(t, s, s)
}

// Concurrent has two stores — two pools or two processes' worth of
// connections to one database — put overlapping batches at once, in
// opposite orders, and checks every subject is stored once with its
// identifiers. PostgreSQL would deadlock here if rows were locked in
// input order.
func Concurrent(t *testing.T, a, b store.Store) {
	const n, batch = 2000, 250
	mk := func(prefix string, i int) store.Subject {
		id := fmt.Sprintf("%s%05d", prefix, i)
		return subj(id, `{"id":"`+id+`"}`, ident("device", "D"+id, "devices[0]"), ident("ip", "192.0.2.1", "ips[0]"))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w, s := range []store.Store{a, b} {
		wg.Go(func() {
			for start := 0; start < n; start += batch {
				var subs []store.Subject
				for i := start; i < start+batch; i++ {
					subs = append(subs, mk(fmt.Sprintf("own%d-", w), i))
					// Both write the shared ids, one from the end.
					j := i
					if w == 1 {
						j = n - 1 - i
					}
					subs = append(subs, mk("both-", j))
				}
				if _, err := s.PutSubjects(context.Background(), subs); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent PutSubjects: %v", err)
	}
	st, err := a.Stats(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.Tables["subjects"], int64(3*n); got != want {
		t.Errorf("%d subjects, want %d", got, want)
	}
	if got, want := st.Tables["subject_identifiers"], int64(6*n); got != want {
		t.Errorf("%d identifiers, want %d", got, want)
	}
	counts, err := b.IdentifierCounts(ctx(t), "ip", []string{"192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := counts["192.0.2.1"]; got != 3*n {
		t.Errorf("192.0.2.1 has %d subjects, want %d", got, 3*n)
	}
}

func collect(t *testing.T, s store.Store, q store.IndicatorQuery) []store.Indicator {
	t.Helper()
	var out []store.Indicator
	for in, err := range s.Indicators(ctx(t), q) {
		if err != nil {
			t.Fatalf("Indicators(%+v): %v", q, err)
		}
		out = append(out, in)
	}
	return out
}

var (
	day   = 24 * time.Hour
	first = time.Date(2024, 5, 16, 0, 0, 0, 0, time.UTC)
	last  = time.Date(2026, 10, 1, 12, 0, 0, 654321000, time.UTC)
)

func feedA() []store.Indicator {
	return []store.Indicator{
		{Kind: "wallet", Value: "0xabc", Label: "Lazarus wallet", Severity: "critical", Confidence: 95, SourceRef: "SDN-1",
			TLP: "clear", FirstSeen: first, LastSeen: last},
		{Kind: "email", Value: "bad@example.com", Label: "IT worker", Severity: "high", Confidence: 80, SourceRef: "SDN-2",
			TLP: "green", FirstSeen: first, LastSeen: last, ValidUntil: first.Add(400 * day)},
		{Kind: "email", Value: "a@example.com", Severity: "medium", Confidence: 50},
	}
}

func testIndicators(t *testing.T, s store.Store, c *clock) {
	n, err := s.ReplaceIndicators(ctx(t), "sdn", feedA())
	if err != nil || n != 3 {
		t.Fatalf("ReplaceIndicators(sdn) = %d, %v; want 3, nil", n, err)
	}
	if _, err := s.ReplaceIndicators(ctx(t), "member-1", []store.Indicator{
		{Kind: "phone", Value: "+12025550100", Source: "member-1", TLP: "amber+strict", Confidence: 100},
	}); err != nil {
		t.Fatal(err)
	}
	want := []store.Indicator{
		{Kind: "phone", Value: "+12025550100", Source: "member-1", TLP: "amber+strict", Confidence: 100},
	}
	for _, in := range []store.Indicator{feedA()[2], feedA()[1], feedA()[0]} {
		in.Source = "sdn"
		if in.TLP == "" {
			in.TLP = "clear" // no marking is TLP:CLEAR
		}
		want = append(want, in)
	}
	if diff := cmp.Diff(want, collect(t, s, store.IndicatorQuery{})); diff != "" {
		t.Errorf("all indicators (-want +got):\n%s", diff)
	}
	// Replacing a source replaces its indicators only.
	if n, err := s.ReplaceIndicators(ctx(t), "sdn", feedA()[:1]); err != nil || n != 1 {
		t.Fatalf("ReplaceIndicators(sdn, 1) = %d, %v", n, err)
	}
	if got := collect(t, s, store.IndicatorQuery{}); len(got) != 2 || got[0].Source != "member-1" || got[1].Value != "0xabc" {
		t.Errorf("after replacing sdn: %+v", got)
	}
	// An empty feed empties the source.
	if n, err := s.ReplaceIndicators(ctx(t), "sdn", nil); err != nil || n != 0 {
		t.Fatalf("ReplaceIndicators(sdn, nil) = %d, %v", n, err)
	}
	if got := collect(t, s, store.IndicatorQuery{Source: "sdn"}); len(got) != 0 {
		t.Errorf("sdn after an empty feed: %+v", got)
	}
}

func testIndicatorQuery(t *testing.T, s store.Store, c *clock) {
	if _, err := s.ReplaceIndicators(ctx(t), "sdn", feedA()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceIndicators(ctx(t), "csv", []store.Indicator{{Kind: "email", Value: "c@example.com"}}); err != nil {
		t.Fatal(err)
	}
	values := func(ins []store.Indicator) []string {
		var v []string
		for _, in := range ins {
			v = append(v, in.Source+":"+in.Value)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		q    store.IndicatorQuery
		want []string
	}{
		{"by source", store.IndicatorQuery{Source: "sdn"}, []string{"sdn:a@example.com", "sdn:bad@example.com", "sdn:0xabc"}},
		{"by kind", store.IndicatorQuery{Kind: "email"}, []string{"csv:c@example.com", "sdn:a@example.com", "sdn:bad@example.com"}},
		{"by source and kind", store.IndicatorQuery{Source: "sdn", Kind: "wallet"}, []string{"sdn:0xabc"}},
		{"valid on the last day", store.IndicatorQuery{Kind: "email", ValidAt: first.Add(400 * day)},
			[]string{"csv:c@example.com", "sdn:a@example.com", "sdn:bad@example.com"}},
		{"expired ones left out", store.IndicatorQuery{Kind: "email", ValidAt: first.Add(401 * day)},
			[]string{"csv:c@example.com", "sdn:a@example.com"}},
		{"unknown source", store.IndicatorQuery{Source: "none"}, nil},
	} {
		if diff := cmp.Diff(tc.want, values(collect(t, s, tc.q))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	// Breaking out of the loop early is allowed and leaves the store usable.
	for range s.Indicators(ctx(t), store.IndicatorQuery{}) {
		break
	}
	if got := collect(t, s, store.IndicatorQuery{}); len(got) != 4 {
		t.Errorf("after an early break: %d indicators, want 4", len(got))
	}
}

func testIndicatorsInvalid(t *testing.T, s store.Store, c *clock) {
	if _, err := s.ReplaceIndicators(ctx(t), "sdn", feedA()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		source string
		in     store.Indicator
	}{
		{"empty source", "", store.Indicator{Kind: "email", Value: "x"}},
		{"empty kind", "sdn", store.Indicator{Value: "x"}},
		{"empty value", "sdn", store.Indicator{Kind: "email"}},
		{"unknown TLP", "sdn", store.Indicator{Kind: "email", Value: "x", TLP: "white"}},
		{"confidence over 100", "sdn", store.Indicator{Kind: "email", Value: "x", Confidence: 101}},
		{"negative confidence", "sdn", store.Indicator{Kind: "email", Value: "x", Confidence: -1}},
		{"another source", "sdn", store.Indicator{Kind: "email", Value: "x", Source: "csv"}},
	} {
		_, err := s.ReplaceIndicators(ctx(t), tc.source, []store.Indicator{feedA()[0], tc.in})
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: error = %v, want ErrInvalid", tc.name, err)
		}
	}
	if got := collect(t, s, store.IndicatorQuery{Source: "sdn"}); len(got) != 3 {
		t.Errorf("after bad feeds sdn has %d indicators, want the old 3", len(got))
	}
}

func testVerdicts(t *testing.T, s store.Store, c *clock) {
	if _, err := s.Verdict(ctx(t), "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Verdict before any: error = %v, want ErrNotFound", err)
	}
	v1 := store.Verdict{SubjectID: "a", Score: 85, Level: "high",
		Hits: json.RawMessage(`[{"rule":"sdn-wallet","points":85}]`)}
	v2 := store.Verdict{SubjectID: "b", Score: 0, Level: "clear", ScreenedAt: first}
	if err := s.PutVerdicts(ctx(t), []store.Verdict{v1, v2}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Verdict(ctx(t), "a")
	if err != nil {
		t.Fatal(err)
	}
	v1.ScreenedAt = c.now()
	if diff := cmp.Diff(v1, got); diff != "" {
		t.Errorf("Verdict(a) (-want +got):\n%s", diff)
	}
	got, err = s.Verdict(ctx(t), "b")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v2, got); diff != "" {
		t.Errorf("Verdict(b) (-want +got):\n%s", diff)
	}
	v3 := store.Verdict{SubjectID: "a", Score: 10, Level: "low", Hits: json.RawMessage(`[]`), ScreenedAt: last}
	if err := s.PutVerdicts(ctx(t), []store.Verdict{v3}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Verdict(ctx(t), "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v3, got); diff != "" {
		t.Errorf("Verdict(a) after a new one (-want +got):\n%s", diff)
	}
	if err := s.PutVerdicts(ctx(t), []store.Verdict{{Level: "low"}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("verdict without subject: error = %v, want ErrInvalid", err)
	}
}

func mustAlert(t *testing.T, s store.Store, a store.Alert) store.Alert {
	t.Helper()
	got, err := s.AddAlert(ctx(t), a)
	if err != nil {
		t.Fatalf("AddAlert: %v", err)
	}
	return got
}

func testAlerts(t *testing.T, s store.Store, c *clock) {
	a1 := mustAlert(t, s, store.Alert{SubjectID: "a", Score: 90, Level: "critical", Summary: "SDN wallet",
		Evidence: json.RawMessage(`{"wallet":"0xabc"}`)})
	if a1.ID == 0 || !a1.CreatedAt.Equal(c.now()) {
		t.Errorf("AddAlert = %+v, want an ID and CreatedAt = now", a1)
	}
	a2 := mustAlert(t, s, store.Alert{SubjectID: "b", Score: 60, Level: "high", CreatedAt: first})
	a3 := mustAlert(t, s, store.Alert{SubjectID: "a", Score: 70, Level: "high"})
	if !(a1.ID < a2.ID && a2.ID < a3.ID) {
		t.Errorf("alert ids %d, %d, %d do not increase", a1.ID, a2.ID, a3.ID)
	}
	got, err := s.Alert(ctx(t), a1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a1, got); diff != "" {
		t.Errorf("Alert (-want +got):\n%s", diff)
	}
	if _, err := s.Alert(ctx(t), a3.ID+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Alert(unknown) error = %v, want ErrNotFound", err)
	}
	ids := func(q store.AlertQuery) []int64 {
		as, err := s.Alerts(ctx(t), q)
		if err != nil {
			t.Fatalf("Alerts(%+v): %v", q, err)
		}
		var out []int64
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	if diff := cmp.Diff([]int64{a1.ID, a2.ID, a3.ID}, ids(store.AlertQuery{})); diff != "" {
		t.Errorf("all alerts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{a1.ID, a3.ID}, ids(store.AlertQuery{SubjectID: "a"})); diff != "" {
		t.Errorf("alerts of a (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{a2.ID}, ids(store.AlertQuery{AfterID: a1.ID, Limit: 1})); diff != "" {
		t.Errorf("page after the first (-want +got):\n%s", diff)
	}
	if _, err := s.AddAlert(ctx(t), store.Alert{Level: "high"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("alert without subject: error = %v, want ErrInvalid", err)
	}
	if _, err := s.AddAlert(ctx(t), store.Alert{SubjectID: "a", CaseID: 1}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("alert with a case: error = %v, want ErrInvalid", err)
	}
}

func mustEvent(t *testing.T, s store.Store, ev store.CaseEvent) store.CaseEvent {
	t.Helper()
	got, err := s.AppendCaseEvent(ctx(t), ev)
	if err != nil {
		t.Fatalf("AppendCaseEvent(%+v): %v", ev, err)
	}
	return got
}

func testCases(t *testing.T, s store.Store, c *clock) {
	alert := mustAlert(t, s, store.Alert{SubjectID: "a", Score: 90, Level: "critical"})
	other := mustAlert(t, s, store.Alert{SubjectID: "b", Score: 50, Level: "medium"})
	cs, err := s.OpenCase(ctx(t), store.Case{Title: "Ring around 0xabc", CreatedBy: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	want := store.Case{ID: cs.ID, Title: "Ring around 0xabc", Status: store.CaseOpen, CreatedBy: "ana",
		CreatedAt: c.now(), UpdatedAt: c.now()}
	if diff := cmp.Diff(want, cs); diff != "" {
		t.Errorf("OpenCase (-want +got):\n%s", diff)
	}
	c.advance(time.Minute)
	e1 := mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Actor: "ana", Kind: store.EventAlert, AlertID: alert.ID})
	c.advance(time.Minute)
	e2 := mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Actor: "ana", Kind: store.EventNote, Body: "same payout account as case 3",
		Status: "ignored", AlertID: 99})
	e3 := mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Actor: "bo", Kind: store.EventDecision, Body: "reject applicant", At: last})
	e4 := mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Actor: "bo", Kind: store.EventStatus, Status: store.CaseClosed, At: last})
	gotCase, events, err := s.Case(ctx(t), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	want.Status, want.UpdatedAt = store.CaseClosed, last
	if diff := cmp.Diff(want, gotCase); diff != "" {
		t.Errorf("Case (-want +got):\n%s", diff)
	}
	wantEvents := []store.CaseEvent{
		{ID: e1.ID, CaseID: cs.ID, At: newClock().now().Add(time.Minute), Actor: "ana", Kind: store.EventAlert, AlertID: alert.ID},
		{ID: e2.ID, CaseID: cs.ID, At: newClock().now().Add(2 * time.Minute), Actor: "ana", Kind: store.EventNote,
			Body: "same payout account as case 3"},
		{ID: e3.ID, CaseID: cs.ID, At: last, Actor: "bo", Kind: store.EventDecision, Body: "reject applicant"},
		{ID: e4.ID, CaseID: cs.ID, At: last, Actor: "bo", Kind: store.EventStatus, Status: store.CaseClosed},
	}
	if diff := cmp.Diff(wantEvents, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantEvents[1], e2); diff != "" {
		t.Errorf("AppendCaseEvent result (-want +got):\n%s", diff)
	}
	got, err := s.Alert(ctx(t), alert.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CaseID != cs.ID {
		t.Errorf("alert case = %d, want %d", got.CaseID, cs.ID)
	}
	as, err := s.Alerts(ctx(t), store.AlertQuery{CaseID: cs.ID})
	if err != nil || len(as) != 1 || as[0].ID != alert.ID {
		t.Errorf("Alerts(case) = %v, %v; want the linked alert", as, err)
	}
	as, err = s.Alerts(ctx(t), store.AlertQuery{Unassigned: true})
	if err != nil || len(as) != 1 || as[0].ID != other.ID {
		t.Errorf("Alerts(unassigned) = %v, %v; want the other alert", as, err)
	}
	open2, err := s.OpenCase(ctx(t), store.Case{Title: "second", CreatedAt: first})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    store.CaseQuery
		want []int64
	}{
		{store.CaseQuery{}, []int64{cs.ID, open2.ID}},
		{store.CaseQuery{Status: store.CaseOpen}, []int64{open2.ID}},
		{store.CaseQuery{Status: store.CaseClosed}, []int64{cs.ID}},
		{store.CaseQuery{Limit: 1}, []int64{cs.ID}},
		{store.CaseQuery{AfterID: cs.ID}, []int64{open2.ID}},
		{store.CaseQuery{Newest: true}, []int64{open2.ID, cs.ID}},
		{store.CaseQuery{Newest: true, Limit: 1}, []int64{open2.ID}},
		{store.CaseQuery{Newest: true, Offset: 1, Limit: 5}, []int64{cs.ID}},
		{store.CaseQuery{Offset: 1}, []int64{open2.ID}},
	} {
		cases, err := s.Cases(ctx(t), tc.q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range cases {
			ids = append(ids, c.ID)
		}
		if diff := cmp.Diff(tc.want, ids); diff != "" {
			t.Errorf("Cases(%+v) (-want +got):\n%s", tc.q, diff)
		}
	}
	if _, err := s.Cases(ctx(t), store.CaseQuery{Offset: -1}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Cases with a negative offset: %v, want ErrInvalid", err)
	}
	if _, _, err := s.Case(ctx(t), open2.ID+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Case(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := s.OpenCase(ctx(t), store.Case{Title: " "}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("case without title: error = %v, want ErrInvalid", err)
	}
}

func testCaseConflicts(t *testing.T, s store.Store, c *clock) {
	alert := mustAlert(t, s, store.Alert{SubjectID: "a", Score: 90, Level: "critical"})
	c1, err := s.OpenCase(ctx(t), store.Case{Title: "one"})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := s.OpenCase(ctx(t), store.Case{Title: "two"})
	if err != nil {
		t.Fatal(err)
	}
	mustEvent(t, s, store.CaseEvent{CaseID: c1.ID, Kind: store.EventAlert, AlertID: alert.ID})
	// Linking again to the same case is harmless.
	mustEvent(t, s, store.CaseEvent{CaseID: c1.ID, Kind: store.EventAlert, AlertID: alert.ID})
	for _, tc := range []struct {
		name string
		ev   store.CaseEvent
		want error
	}{
		{"alert in another case", store.CaseEvent{CaseID: c2.ID, Kind: store.EventAlert, AlertID: alert.ID}, store.ErrConflict},
		{"unknown alert", store.CaseEvent{CaseID: c2.ID, Kind: store.EventAlert, AlertID: alert.ID + 100}, store.ErrNotFound},
		{"alert event without alert", store.CaseEvent{CaseID: c2.ID, Kind: store.EventAlert}, store.ErrInvalid},
		{"unknown case", store.CaseEvent{CaseID: c2.ID + 100, Kind: store.EventNote}, store.ErrNotFound},
		{"unknown kind", store.CaseEvent{CaseID: c2.ID, Kind: "edit"}, store.ErrInvalid},
		{"unknown status", store.CaseEvent{CaseID: c2.ID, Kind: store.EventStatus, Status: "done"}, store.ErrInvalid},
	} {
		if _, err := s.AppendCaseEvent(ctx(t), tc.ev); !errors.Is(err, tc.want) {
			t.Errorf("%s: error = %v, want %v", tc.name, err, tc.want)
		}
	}
	mustEvent(t, s, store.CaseEvent{CaseID: c2.ID, Kind: store.EventStatus, Status: store.CaseClosed})
	if _, err := s.AppendCaseEvent(ctx(t), store.CaseEvent{CaseID: c2.ID, Kind: store.EventNote, Body: "late"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("note on a closed case: error = %v, want ErrConflict", err)
	}
	mustEvent(t, s, store.CaseEvent{CaseID: c2.ID, Kind: store.EventStatus, Status: store.CaseOpen})
	mustEvent(t, s, store.CaseEvent{CaseID: c2.ID, Kind: store.EventNote, Body: "reopened"})
	_, events, err := s.Case(ctx(t), c2.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind+":"+e.Status)
	}
	if diff := cmp.Diff([]string{"status:closed", "status:open", "note:"}, kinds); diff != "" {
		t.Errorf("events of case two: failed events must leave no trace (-want +got):\n%s", diff)
	}
}

func testAudit(t *testing.T, s store.Store, c *clock) {
	e1, err := s.AppendAudit(ctx(t), store.AuditEvent{Actor: "ana", Action: "subject.read", Object: "subject:a"})
	if err != nil {
		t.Fatal(err)
	}
	if e1.ID == 0 || !e1.At.Equal(c.now()) {
		t.Errorf("AppendAudit = %+v, want an ID and At = now", e1)
	}
	c.advance(time.Hour)
	e2, err := s.AppendAudit(ctx(t), store.AuditEvent{Actor: "bo", Action: "case.decide", Object: "case:1", Detail: "reject"})
	if err != nil {
		t.Fatal(err)
	}
	e3, err := s.AppendAudit(ctx(t), store.AuditEvent{Actor: "ana", Action: "subject.read", Object: "subject:b", At: last})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		q    store.AuditQuery
		want []store.AuditEvent
	}{
		{"all", store.AuditQuery{}, []store.AuditEvent{e1, e2, e3}},
		{"by actor", store.AuditQuery{Actor: "ana"}, []store.AuditEvent{e1, e3}},
		{"by object", store.AuditQuery{Object: "case:1"}, []store.AuditEvent{e2}},
		{"since", store.AuditQuery{Since: c.now()}, []store.AuditEvent{e2}},
		{"page", store.AuditQuery{AfterID: e1.ID, Limit: 1}, []store.AuditEvent{e2}},
		{"newest", store.AuditQuery{Newest: true}, []store.AuditEvent{e3, e2, e1}},
		{"newest page", store.AuditQuery{Newest: true, Limit: 2}, []store.AuditEvent{e3, e2}},
		{"newest before", store.AuditQuery{Newest: true, BeforeID: e3.ID, Limit: 1}, []store.AuditEvent{e2}},
		{"newest by actor before", store.AuditQuery{Newest: true, Actor: "ana", BeforeID: e3.ID}, []store.AuditEvent{e1}},
	} {
		got, err := s.Audit(ctx(t), tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Audit %s (-want +got):\n%s", tc.name, diff)
		}
	}
	if _, err := s.AppendAudit(ctx(t), store.AuditEvent{Actor: "ana"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("audit without action: error = %v, want ErrInvalid", err)
	}
}

func testInvalidText(t *testing.T, s store.Store, c *clock) {
	bad := "nul\x00byte"
	notUTF8 := "\xff\xfe"
	if _, err := s.PutSubjects(ctx(t), []store.Subject{subj("a", `{"id":"a"}`, ident("device", bad, "devices[0]"))}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("identifier with NUL: error = %v, want ErrInvalid", err)
	}
	if _, err := s.PutSubjects(ctx(t), []store.Subject{subj(notUTF8, `{"id":"a"}`)}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("id not UTF-8: error = %v, want ErrInvalid", err)
	}
	if _, err := s.ReplaceIndicators(ctx(t), "x", []store.Indicator{{Kind: "email", Value: notUTF8}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("indicator not UTF-8: error = %v, want ErrInvalid", err)
	}
	if _, err := s.AppendAudit(ctx(t), store.AuditEvent{Action: "x", Detail: bad}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("audit with NUL: error = %v, want ErrInvalid", err)
	}
	if _, err := s.OpenCase(ctx(t), store.Case{Title: notUTF8}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("case title not UTF-8: error = %v, want ErrInvalid", err)
	}
	// Raw records are bytes and kept as they are, whatever they hold.
	raw := "{\"id\":\"r\",\"x\":\"\xff\"}"
	mustPut(t, s, subj("r", raw))
	got, err := s.Subject(ctx(t), "r")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Raw) != raw {
		t.Errorf("raw = %q, want %q", got.Raw, raw)
	}
}

func testStats(t *testing.T, s store.Store, c *clock) {
	mustPut(t, s,
		subj("a", `{"id":"a"}`, ident("phone", "+1", "phones[0]"), ident("ip", "10.0.0.1", "ips[0]"), ident("ip", "10.0.0.1", "ips[1]")),
		subj("b", `{"id":"b"}`, ident("phone", "+1", "phones[0]"), ident("ip", "10.0.0.1", "ips[0]"), ident("device", "ABCD", "devices[0]")),
		subj("c", `{"id":"c"}`, ident("phone", "+1", "phones[0]"), ident("device", "ABCD", "devices[0]"), ident("device", "EFGH", "devices[1]")),
	)
	if _, err := s.ReplaceIndicators(ctx(t), "sdn", feedA()); err != nil {
		t.Fatal(err)
	}
	if err := s.PutVerdicts(ctx(t), []store.Verdict{{SubjectID: "a", Level: "clear"}}); err != nil {
		t.Fatal(err)
	}
	a := mustAlert(t, s, store.Alert{SubjectID: "a", Level: "high"})
	cs, err := s.OpenCase(ctx(t), store.Case{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Kind: store.EventAlert, AlertID: a.ID})
	if _, err := s.AppendAudit(ctx(t), store.AuditEvent{Action: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		s.PutUser(ctx(t), store.User{Name: "ana", Role: store.RoleAnalyst}),
		s.PutUser(ctx(t), store.User{Name: "bo", Role: store.RoleAdmin}),
		s.AddAPIKey(ctx(t), store.APIKey{ID: "k", Role: store.RoleIngest, SecretHash: "h"}),
		s.AddSession(ctx(t), store.Session{ID: "s", User: "ana", ExpiresAt: c.now().Add(time.Hour)}),
		s.PutSuppression(ctx(t), store.Suppression{SubjectID: "a"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	mustAttach(t, s, store.Attachment{CaseID: cs.ID, Name: "x.txt", Data: []byte("x")})
	got, err := s.Stats(ctx(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	// The index holds a value once per subject however many of its fields
	// have it: a's two IP addresses are one entry. An attachment is logged
	// as a case event.
	want := store.Stats{
		Tables: map[string]int64{"subjects": 3, "subject_identifiers": 8, "indicators": 3, "verdicts": 1,
			"alerts": 1, "cases": 1, "case_events": 2, "audit_log": 1,
			"users": 2, "api_keys": 1, "sessions": 1, "case_attachments": 1, "suppressions": 1},
		Identifiers: map[string]int64{"phone": 3, "ip": 2, "device": 3},
		Shared:      []store.SharedValue{{Kind: "phone", Value: "+1", Subjects: 3}, {Kind: "device", Value: "ABCD", Subjects: 2}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	got, err = s.Stats(ctx(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	want.Shared = append(want.Shared, store.SharedValue{Kind: "ip", Value: "10.0.0.1", Subjects: 2})
	if diff := cmp.Diff(want.Shared, got.Shared); diff != "" {
		t.Errorf("Stats shared, values held by one subject left out (-want +got):\n%s", diff)
	}
}

func testCheck(t *testing.T, s store.Store, c *clock) {
	mustPut(t, s, subj("a", `{"id":"a"}`, ident("device", "ABCD", "devices[0]")))
	if err := s.Check(ctx(t)); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func testSyncState(t *testing.T, s store.Store, c *clock) {
	const url = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ADVANCED.XML"
	if _, err := s.SyncState(ctx(t), url); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SyncState of a URL never fetched: error = %v, want ErrNotFound", err)
	}
	first := store.SyncState{URL: url, ETag: `"abc"`, LastModified: "Wed, 19 Nov 2025 10:00:00 GMT",
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
	if err := s.PutSyncState(ctx(t), first); err != nil {
		t.Fatal(err)
	}
	want := first
	want.FetchedAt = c.now() // zero means now
	got, err := s.SyncState(ctx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SyncState (-want +got):\n%s", diff)
	}
	// A later fetch replaces the state; another URL is not touched.
	second := store.SyncState{URL: url, SHA256: "00", FetchedAt: time.Date(2026, 11, 2, 0, 0, 0, 1000, time.UTC)}
	other := store.SyncState{URL: url + "?other", ETag: "W/\"x\"", FetchedAt: second.FetchedAt}
	for _, st := range []store.SyncState{second, other} {
		if err := s.PutSyncState(ctx(t), st); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []store.SyncState{second, other} {
		got, err := s.SyncState(ctx(t), want.URL)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("SyncState(%s) (-want +got):\n%s", want.URL, diff)
		}
	}
	for _, bad := range []store.SyncState{{}, {URL: "x\x00"}, {URL: "u", ETag: "\xff"}} {
		if err := s.PutSyncState(ctx(t), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PutSyncState(%q): error = %v, want ErrInvalid", bad.URL, err)
		}
	}
}

func testSubjectWithVerdict(t *testing.T, s store.Store, c *clock) {
	a := subj("a", `{"id":"a"}`, store.Identifier{Kind: "phone", Value: "+12125550100", Attribute: "phones[0]"})
	a.Verdict = &store.Verdict{SubjectID: "a", Score: 75, Level: "high", Hits: json.RawMessage(`[{"rule":"r"}]`)}
	b := subj("b", `{"id":"b"}`)
	if _, err := s.PutSubjects(ctx(t), []store.Subject{a, b}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Verdict(ctx(t), "a")
	if err != nil {
		t.Fatal(err)
	}
	want := *a.Verdict
	want.ScreenedAt = c.now()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Verdict(a) (-want +got):\n%s", diff)
	}
	if _, err := s.Verdict(ctx(t), "b"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("b was given no verdict: error = %v, want ErrNotFound", err)
	}
	// Unchanged subject, new verdict: the verdict is replaced all the same.
	a.Verdict = &store.Verdict{SubjectID: "a", Score: 0, Level: "clear", ScreenedAt: last}
	if r, err := s.PutSubjects(ctx(t), []store.Subject{a}); err != nil || r.Unchanged != 1 {
		t.Fatalf("PutSubjects again: %+v, %v", r, err)
	}
	if got, err := s.Verdict(ctx(t), "a"); err != nil || got.Level != "clear" || !got.ScreenedAt.Equal(last) {
		t.Errorf("Verdict(a) after re-screening: %+v, %v", got, err)
	}
	// A verdict of another subject is refused, and nothing is written.
	x := subj("x", `{"id":"x"}`)
	x.Verdict = &store.Verdict{SubjectID: "a", Level: "critical"}
	if _, err := s.PutSubjects(ctx(t), []store.Subject{x}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("verdict of another subject: error = %v, want ErrInvalid", err)
	}
	if _, err := s.Subject(ctx(t), "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("x was stored despite the refusal: %v", err)
	}
}
