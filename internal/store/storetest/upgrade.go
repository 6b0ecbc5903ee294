package storetest

import (
	"database/sql"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/store"
)

// schema3 is what a ringfence of schema version 3 wrote of cases and
// alerts, as SQL both dialects run: literal values, ids from the database,
// rows found by their text.
var schema3 = []string{
	`INSERT INTO cases (title, status, created_by, created_at, updated_at)
		VALUES ('ring around 0xabc', 'open', 'ana', 1762000000000000, 1762000120000000)`,
	`INSERT INTO cases (title, status, created_by, created_at, updated_at)
		VALUES ('done', 'closed', 'bo', 1762000000000001, 1762000000000002)`,
	`INSERT INTO alerts (subject_id, score, level, summary, created_at, case_id)
		SELECT 'a', 90, 'critical', 'SDN wallet', 1761999999000000, id FROM cases WHERE title = 'ring around 0xabc'`,
	`INSERT INTO alerts (subject_id, score, level, summary, created_at, case_id)
		SELECT 'b', 60, 'high', '', 1761999999000001, id FROM cases WHERE title = 'done'`,
	`INSERT INTO alerts (subject_id, score, level, summary, created_at) VALUES ('c', 30, 'low', '', 1761999999000002)`,
	`INSERT INTO case_events (case_id, at, actor, kind, body, status, alert_id)
		SELECT c.id, 1762000060000000, 'ana', 'alert', '', '', a.id FROM cases c, alerts a
		WHERE c.title = 'ring around 0xabc' AND a.subject_id = 'a'`,
	`INSERT INTO case_events (case_id, at, actor, kind, body, status, alert_id)
		SELECT id, 1762000120000000, 'ana', 'decision', 'reject applicant', '', 0 FROM cases WHERE title = 'ring around 0xabc'`,
	`INSERT INTO case_events (case_id, at, actor, kind, body, status, alert_id)
		SELECT id, 1762000000000002, 'bo', 'status', '', 'closed', 0 FROM cases WHERE title = 'done'`,
}

// FromSchema3 proves an upgrade keeps what was stored: it writes cases,
// their events and alerts into old, a database at schema version 3, as a
// ringfence of that version did; reopen closes it and opens it again
// migrated to the latest version. Everything must read back as it was,
// the new fields empty, and take the new kinds of events.
func FromSchema3(t *testing.T, old *sql.DB, reopen func() store.Store) {
	t.Helper()
	for _, q := range schema3 {
		if _, err := old.ExecContext(ctx(t), q); err != nil {
			t.Fatalf("write at schema 3: %v\n%s", err, q)
		}
	}
	s := reopen()
	at := func(us int64) time.Time { return time.UnixMicro(us).UTC() }

	cases, err := s.Cases(ctx(t), store.CaseQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 {
		t.Fatalf("after the upgrade: %d cases, want 2", len(cases))
	}
	ring, done := cases[0].ID, cases[1].ID
	wantCases := []store.Case{
		{ID: ring, Title: "ring around 0xabc", Status: store.CaseOpen, CreatedBy: "ana",
			CreatedAt: at(1762000000000000), UpdatedAt: at(1762000120000000)},
		{ID: done, Title: "done", Status: store.CaseClosed, CreatedBy: "bo",
			CreatedAt: at(1762000000000001), UpdatedAt: at(1762000000000002)},
	}
	if diff := cmp.Diff(wantCases, cases); diff != "" {
		t.Errorf("cases after the upgrade (-want +got):\n%s", diff)
	}

	alerts, err := s.Alerts(ctx(t), store.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 3 {
		t.Fatalf("after the upgrade: %d alerts, want 3", len(alerts))
	}
	wantAlerts := []store.Alert{
		{ID: alerts[0].ID, SubjectID: "a", Score: 90, Level: "critical", Summary: "SDN wallet", CreatedAt: at(1761999999000000),
			CaseID: ring, CaseStatus: store.CaseOpen},
		{ID: alerts[1].ID, SubjectID: "b", Score: 60, Level: "high", CreatedAt: at(1761999999000001),
			CaseID: done, CaseStatus: store.CaseClosed},
		{ID: alerts[2].ID, SubjectID: "c", Score: 30, Level: "low", CreatedAt: at(1761999999000002)},
	}
	if diff := cmp.Diff(wantAlerts, alerts); diff != "" {
		t.Errorf("alerts after the upgrade (-want +got):\n%s", diff)
	}
	byScore, err := s.Alerts(ctx(t), store.AlertQuery{Sort: store.SortScore, Status: store.AlertNew})
	if err != nil || len(byScore) != 1 || byScore[0].SubjectID != "c" {
		t.Errorf("new alerts by score after the upgrade = %+v, %v; want c's", byScore, err)
	}

	_, events, err := s.Case(ctx(t), ring)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("after the upgrade: %d events, want 2", len(events))
	}
	wantEvents := []store.CaseEvent{
		{ID: events[0].ID, CaseID: ring, At: at(1762000060000000), Actor: "ana", Kind: store.EventAlert, AlertID: alerts[0].ID},
		{ID: events[1].ID, CaseID: ring, At: at(1762000120000000), Actor: "ana", Kind: store.EventDecision, Body: "reject applicant"},
	}
	if diff := cmp.Diff(wantEvents, events); diff != "" {
		t.Errorf("events after the upgrade (-want +got):\n%s", diff)
	}

	// The old case takes the new events, and new cases are numbered after
	// the old ones.
	mustEvent(t, s, store.CaseEvent{CaseID: ring, Kind: store.EventAssign, Body: "bo"})
	mustEvent(t, s, store.CaseEvent{CaseID: ring, Kind: store.EventDecision, Decision: store.DecisionConfirmed, TLP: "amber"})
	mustAttach(t, s, store.Attachment{CaseID: ring, Name: "kyc.pdf", Data: []byte("%PDF-1.7")})
	got, events, err := s.Case(ctx(t), ring)
	if err != nil {
		t.Fatal(err)
	}
	if got.Assignee != "bo" || got.Decision != store.DecisionConfirmed || len(events) != 5 {
		t.Errorf("old case after new events: assignee %q, decision %q, %d events; want bo, %s, 5",
			got.Assignee, got.Decision, len(events), store.DecisionConfirmed)
	}
	if c := mustCase(t, s, store.Case{Title: "new"}); c.ID <= done {
		t.Errorf("new case has id %d, not after the old ones (%d)", c.ID, done)
	}
	if a := mustAlert(t, s, store.Alert{SubjectID: "d"}); a.ID <= alerts[2].ID {
		t.Errorf("new alert has id %d, not after the old ones (%d)", a.ID, alerts[2].ID)
	}
	if err := s.Check(ctx(t)); err != nil {
		t.Errorf("Check after the upgrade: %v", err)
	}
}
