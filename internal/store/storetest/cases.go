package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/store"
)

func mustCase(t *testing.T, s store.Store, c store.Case) store.Case {
	t.Helper()
	got, err := s.OpenCase(ctx(t), c)
	if err != nil {
		t.Fatalf("OpenCase(%+v): %v", c, err)
	}
	return got
}

func mustAttach(t *testing.T, s store.Store, a store.Attachment) store.Attachment {
	t.Helper()
	got, err := s.AddAttachment(ctx(t), a)
	if err != nil {
		t.Fatalf("AddAttachment(%q): %v", a.Name, err)
	}
	return got
}

func testAlertQueue(t *testing.T, s store.Store, c *clock) {
	a1 := mustAlert(t, s, store.Alert{SubjectID: "a", Score: 40, Level: "medium"})
	a2 := mustAlert(t, s, store.Alert{SubjectID: "b", Score: 90, Level: "critical"})
	a3 := mustAlert(t, s, store.Alert{SubjectID: "c", Score: 70, Level: "high"})
	a4 := mustAlert(t, s, store.Alert{SubjectID: "d", Score: 90, Level: "critical"})
	a5 := mustAlert(t, s, store.Alert{SubjectID: "e", Score: 10, Level: "low"})
	open := mustCase(t, s, store.Case{Title: "open"})
	closed := mustCase(t, s, store.Case{Title: "closed"})
	mustEvent(t, s, store.CaseEvent{CaseID: open.ID, Kind: store.EventAlert, AlertID: a2.ID})
	mustEvent(t, s, store.CaseEvent{CaseID: closed.ID, Kind: store.EventAlert, AlertID: a3.ID})
	mustEvent(t, s, store.CaseEvent{CaseID: closed.ID, Kind: store.EventStatus, Status: store.CaseClosed})

	// Reads say which state each alert's case is in.
	got, err := s.Alert(ctx(t), a2.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := a2
	want.CaseID, want.CaseStatus = open.ID, store.CaseOpen
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Alert in an open case (-want +got):\n%s", diff)
	}
	all, err := s.Alerts(ctx(t), store.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, a := range all {
		states = append(states, a.CaseStatus)
	}
	if diff := cmp.Diff([]string{"", store.CaseOpen, store.CaseClosed, "", ""}, states); diff != "" {
		t.Errorf("CaseStatus of every alert (-want +got):\n%s", diff)
	}

	ids := func(q store.AlertQuery) []int64 {
		t.Helper()
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
	for _, tc := range []struct {
		name string
		q    store.AlertQuery
		want []int64
	}{
		{"all, oldest first", store.AlertQuery{}, []int64{a1.ID, a2.ID, a3.ID, a4.ID, a5.ID}},
		{"new: in no case", store.AlertQuery{Status: store.AlertNew}, []int64{a1.ID, a4.ID, a5.ID}},
		{"open: in an open case", store.AlertQuery{Status: store.AlertOpen}, []int64{a2.ID}},
		{"closed: in a closed case", store.AlertQuery{Status: store.AlertClosed}, []int64{a3.ID}},
		{"newest first", store.AlertQuery{Sort: store.SortNewest}, []int64{a5.ID, a4.ID, a3.ID, a2.ID, a1.ID}},
		{"highest score first, the newer of equal scores first", store.AlertQuery{Sort: store.SortScore},
			[]int64{a4.ID, a2.ID, a3.ID, a1.ID, a5.ID}},
		{"at least a score", store.AlertQuery{MinScore: 70}, []int64{a2.ID, a3.ID, a4.ID}},
		{"new ones scoring at least 50 by score", store.AlertQuery{Status: store.AlertNew, MinScore: 50, Sort: store.SortScore},
			[]int64{a4.ID}},
		{"a page of the newest, skipping one", store.AlertQuery{Sort: store.SortNewest, Offset: 1, Limit: 2}, []int64{a4.ID, a3.ID}},
		{"an offset without a limit", store.AlertQuery{Offset: 3}, []int64{a4.ID, a5.ID}},
		{"the last by score", store.AlertQuery{Sort: store.SortScore, Offset: 4}, []int64{a5.ID}},
		{"an offset past the end", store.AlertQuery{Sort: store.SortScore, Offset: 5}, nil},
		{"a page after an id", store.AlertQuery{AfterID: a2.ID, Limit: 2}, []int64{a3.ID, a4.ID}},
		{"a subject's alerts in a state", store.AlertQuery{SubjectID: "b", Status: store.AlertNew}, nil},
	} {
		if diff := cmp.Diff(tc.want, ids(tc.q)); diff != "" {
			t.Errorf("%s: Alerts(%+v) (-want +got):\n%s", tc.name, tc.q, diff)
		}
	}

	// Reopening the case moves its alert back to the open ones.
	mustEvent(t, s, store.CaseEvent{CaseID: closed.ID, Kind: store.EventStatus, Status: store.CaseOpen})
	if diff := cmp.Diff([]int64{a2.ID, a3.ID}, ids(store.AlertQuery{Status: store.AlertOpen})); diff != "" {
		t.Errorf("open alerts after reopening (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name string
		q    store.AlertQuery
	}{
		{"unknown status", store.AlertQuery{Status: "pending"}},
		{"a case status that is no queue state", store.AlertQuery{Status: "Open"}},
		{"unknown sort", store.AlertQuery{Sort: "oldest"}},
		{"an id cursor in score order", store.AlertQuery{Sort: store.SortScore, AfterID: a1.ID}},
		{"negative offset", store.AlertQuery{Offset: -1}},
	} {
		if as, err := s.Alerts(ctx(t), tc.q); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: Alerts = %d alerts, %v; want ErrInvalid", tc.name, len(as), err)
		}
	}
}

func testCaseDecisions(t *testing.T, s store.Store, c *clock) {
	start := c.now()
	cs := mustCase(t, s, store.Case{Title: "IT worker", SubjectID: "a", CreatedBy: "ana"})
	other := mustCase(t, s, store.Case{Title: "ring", CreatedBy: "ana"})
	if cs.SubjectID != "a" {
		t.Errorf("OpenCase SubjectID = %q, want a", cs.SubjectID)
	}
	for _, bad := range []store.Case{{Title: "t", Assignee: "bo"}, {Title: "t", Decision: store.DecisionCleared}} {
		if _, err := s.OpenCase(ctx(t), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("OpenCase(%+v): error = %v, want ErrInvalid (assign and decide by events)", bad, err)
		}
	}

	c.advance(time.Minute)
	e1 := mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Actor: "ana", Kind: store.EventAssign, Body: "bo"})
	mustEvent(t, s, store.CaseEvent{CaseID: other.ID, Actor: "ana", Kind: store.EventAssign, Body: "cy"})
	c.advance(time.Minute)
	e2 := mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Actor: "bo", Kind: store.EventDecision, Body: "the documents check out",
		Decision: store.DecisionCleared, TLP: "amber"})
	c.advance(time.Minute)
	// A free-text decision, as before decisions had names, keeps the
	// case's decision; fields of other kinds are dropped from a note.
	e3 := mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Actor: "bo", Kind: store.EventDecision, Body: "call the employer"})
	e4 := mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Actor: "bo", Kind: store.EventNote, Body: "n",
		Decision: store.DecisionConfirmed, TLP: "red"})

	got, events, err := s.Case(ctx(t), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Case{ID: cs.ID, Title: "IT worker", Status: store.CaseOpen, SubjectID: "a", Assignee: "bo",
		Decision: store.DecisionCleared, CreatedBy: "ana", CreatedAt: start, UpdatedAt: c.now()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Case after assigning and deciding (-want +got):\n%s", diff)
	}
	wantEvents := []store.CaseEvent{
		{ID: e1.ID, CaseID: cs.ID, At: start.Add(time.Minute), Actor: "ana", Kind: store.EventAssign, Body: "bo"},
		{ID: e2.ID, CaseID: cs.ID, At: start.Add(2 * time.Minute), Actor: "bo", Kind: store.EventDecision,
			Body: "the documents check out", Decision: store.DecisionCleared, TLP: "amber"},
		{ID: e3.ID, CaseID: cs.ID, At: c.now(), Actor: "bo", Kind: store.EventDecision, Body: "call the employer"},
		{ID: e4.ID, CaseID: cs.ID, At: c.now(), Actor: "bo", Kind: store.EventNote, Body: "n"},
	}
	if diff := cmp.Diff(wantEvents, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantEvents[3], e4); diff != "" {
		t.Errorf("AppendCaseEvent result (-want +got):\n%s", diff)
	}

	// A later decision replaces the case's; refused events change nothing.
	mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Actor: "bo", Kind: store.EventDecision, Decision: store.DecisionConfirmed})
	for _, tc := range []struct {
		name string
		ev   store.CaseEvent
	}{
		{"unknown decision", store.CaseEvent{Kind: store.EventDecision, Decision: "guilty"}},
		{"decision spelled otherwise", store.CaseEvent{Kind: store.EventDecision, Decision: "Cleared"}},
		{"unknown TLP", store.CaseEvent{Kind: store.EventDecision, Decision: store.DecisionCleared, TLP: "white"}},
		{"attachment event without a file", store.CaseEvent{Kind: store.EventAttachment, Body: "x.pdf"}},
	} {
		tc.ev.CaseID = cs.ID
		if _, err := s.AppendCaseEvent(ctx(t), tc.ev); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: error = %v, want ErrInvalid", tc.name, err)
		}
	}
	got, after, err := s.Case(ctx(t), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Decision != store.DecisionConfirmed || len(after) != len(events)+1 {
		t.Errorf("after refused events: decision %q and %d events, want %q and %d", got.Decision, len(after),
			store.DecisionConfirmed, len(events)+1)
	}

	for _, tc := range []struct {
		q    store.CaseQuery
		want []int64
	}{
		{store.CaseQuery{Assignee: "bo"}, []int64{cs.ID}},
		{store.CaseQuery{Assignee: "cy", Status: store.CaseOpen}, []int64{other.ID}},
		{store.CaseQuery{Assignee: "dee"}, nil},
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

	// An empty assignee unassigns; a closed case takes neither.
	mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Kind: store.EventAssign})
	mustEvent(t, s, store.CaseEvent{CaseID: cs.ID, Kind: store.EventStatus, Status: store.CaseClosed})
	if got, _, err := s.Case(ctx(t), cs.ID); err != nil || got.Assignee != "" {
		t.Errorf("Case after unassigning: assignee %q, %v; want none", got.Assignee, err)
	}
	for _, ev := range []store.CaseEvent{
		{CaseID: cs.ID, Kind: store.EventAssign, Body: "bo"},
		{CaseID: cs.ID, Kind: store.EventDecision, Decision: store.DecisionCleared},
	} {
		if _, err := s.AppendCaseEvent(ctx(t), ev); !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s on a closed case: error = %v, want ErrConflict", ev.Kind, err)
		}
	}
}

// evidence is bytes no text column would keep: NUL, invalid UTF-8, CR LF,
// and more than a page of them.
func evidence(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i/256)
	}
	return append(b, 0, 0xff, 0xfe, '\r', '\n')
}

func testAttachments(t *testing.T, s store.Store, c *clock) {
	cs := mustCase(t, s, store.Case{Title: "ring"})
	other := mustCase(t, s, store.Case{Title: "other"})
	c.advance(time.Minute)
	data := evidence(70000)
	a := mustAttach(t, s, store.Attachment{CaseID: cs.ID, Name: "evidence.pdf", ContentType: "application/pdf",
		Data: data, AddedBy: "ana"})
	sum := sha256.Sum256(data)
	want := store.Attachment{ID: a.ID, CaseID: cs.ID, Name: "evidence.pdf", ContentType: "application/pdf",
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), AddedBy: "ana", AddedAt: c.now()}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("AddAttachment (-want +got):\n%s", diff)
	}
	got, err := s.Attachment(ctx(t), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, data) {
		t.Errorf("Attachment returned %d bytes that differ from the %d stored", len(got.Data), len(data))
	}
	got.Data = nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Attachment (-want +got):\n%s", diff)
	}

	// The file is in the case's log, by whom and when it was added.
	cse, events, err := s.Case(ctx(t), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("case has %d events, want the attachment's", len(events))
	}
	if e := events[0]; e.Kind != store.EventAttachment || e.Actor != "ana" || !e.At.Equal(c.now()) ||
		!strings.Contains(e.Body, "evidence.pdf") {
		t.Errorf("attachment event = %+v, want kind attachment by ana at %v naming evidence.pdf", e, c.now())
	}
	if !cse.UpdatedAt.Equal(c.now()) {
		t.Errorf("case updated at %v, want %v", cse.UpdatedAt, c.now())
	}

	// An empty file is a file; a given size and digest that match are
	// taken, in either case of hex.
	empty := sha256.Sum256(nil)
	e := mustAttach(t, s, store.Attachment{CaseID: cs.ID, Name: "empty.txt", AddedAt: last})
	e2 := mustAttach(t, s, store.Attachment{CaseID: cs.ID, Name: "again.pdf", Data: data, Size: int64(len(data)),
		SHA256: strings.ToUpper(want.SHA256)})
	if e.Size != 0 || e.SHA256 != hex.EncodeToString(empty[:]) || !e.AddedAt.Equal(last) || e2.SHA256 != want.SHA256 {
		t.Errorf("empty file = %+v, again = %+v", e, e2)
	}
	if got, err := s.Attachment(ctx(t), e.ID); err != nil || got.Data == nil || len(got.Data) != 0 {
		t.Errorf("Attachment(empty) data = %v, %v; want empty", got.Data, err)
	}
	list, err := s.Attachments(ctx(t), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantE2 := want
	wantE2.ID, wantE2.Name, wantE2.ContentType, wantE2.AddedBy = e2.ID, "again.pdf", "", ""
	if diff := cmp.Diff([]store.Attachment{want, e, wantE2}, list); diff != "" {
		t.Errorf("Attachments, without data (-want +got):\n%s", diff)
	}

	mustEvent(t, s, store.CaseEvent{CaseID: other.ID, Kind: store.EventStatus, Status: store.CaseClosed})
	for _, tc := range []struct {
		name string
		a    store.Attachment
		want error
	}{
		{"empty name", store.Attachment{CaseID: cs.ID, Data: data}, store.ErrInvalid},
		{"blank name", store.Attachment{CaseID: cs.ID, Name: " ", Data: data}, store.ErrInvalid},
		{"name not UTF-8", store.Attachment{CaseID: cs.ID, Name: "\xff.pdf", Data: data}, store.ErrInvalid},
		{"another file's digest", store.Attachment{CaseID: cs.ID, Name: "x", Data: data, SHA256: hex.EncodeToString(empty[:])}, store.ErrInvalid},
		{"another file's size", store.Attachment{CaseID: cs.ID, Name: "x", Data: data, Size: 5}, store.ErrInvalid},
		{"unknown case", store.Attachment{CaseID: other.ID + 100, Name: "x", Data: data}, store.ErrNotFound},
		{"closed case", store.Attachment{CaseID: other.ID, Name: "x", Data: data}, store.ErrConflict},
	} {
		if _, err := s.AddAttachment(ctx(t), tc.a); !errors.Is(err, tc.want) {
			t.Errorf("%s: error = %v, want %v", tc.name, err, tc.want)
		}
	}
	// Refused files leave no trace.
	for _, id := range []int64{cs.ID, other.ID} {
		list, err := s.Attachments(ctx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		_, events, err := s.Case(ctx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for _, e := range events {
			if e.Kind == store.EventAttachment {
				n++
			}
		}
		if n != len(list) || (id == cs.ID && n != 3) || (id == other.ID && n != 0) {
			t.Errorf("case %d has %d attachments and %d attachment events after refusals", id, len(list), n)
		}
	}
	if _, err := s.Attachment(ctx(t), e2.ID+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Attachment(unknown) error = %v, want ErrNotFound", err)
	}
}

func testSuppressions(t *testing.T, s store.Store, c *clock) {
	if _, err := s.Suppression(ctx(t), "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Suppression before any: error = %v, want ErrNotFound", err)
	}
	first := store.Suppression{SubjectID: "a", Fingerprint: "f1", Rules: []string{"sdn-wallet", `odd "rule"` + "\n<&>"},
		CaseID: 3, Actor: "ana"}
	other := store.Suppression{SubjectID: "b", Fingerprint: "f9", CreatedAt: last}
	for _, sp := range []store.Suppression{first, other} {
		if err := s.PutSuppression(ctx(t), sp); err != nil {
			t.Fatal(err)
		}
	}
	want := first
	want.CreatedAt = c.now()
	for _, want := range []store.Suppression{want, other} {
		got, err := s.Suppression(ctx(t), want.SubjectID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Suppression(%s) (-want +got):\n%s", want.SubjectID, diff)
		}
	}
	// A later decision replaces the subject's suppression whole.
	c.advance(time.Hour)
	second := store.Suppression{SubjectID: "a", Fingerprint: "f2", Rules: []string{}, CaseID: 4, Actor: "bo"}
	if err := s.PutSuppression(ctx(t), second); err != nil {
		t.Fatal(err)
	}
	got, err := s.Suppression(ctx(t), "a")
	if err != nil {
		t.Fatal(err)
	}
	want = second
	want.Rules, want.CreatedAt = nil, c.now() // no rules read back as nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Suppression(a) replaced (-want +got):\n%s", diff)
	}
	for _, bad := range []store.Suppression{{Fingerprint: "f"}, {SubjectID: "a", Rules: []string{"\xff"}}} {
		if err := s.PutSuppression(ctx(t), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PutSuppression(%+v): error = %v, want ErrInvalid", bad, err)
		}
	}
}
