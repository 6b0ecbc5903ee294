package cases_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/dial"
)

func newDesk(t *testing.T) (*cases.Desk, store.Store) {
	t.Helper()
	st, err := dial.Open(context.Background(), filepath.Join(t.TempDir(), "cases.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return cases.New(st, nil), st
}

// put stores a subject with the given identifiers and returns it.
func put(t *testing.T, st store.Store, id string, raw string, ids ...store.Identifier) store.Subject {
	t.Helper()
	s := store.Subject{ID: id, Raw: []byte(raw), Identifiers: ids}
	if _, err := st.PutSubjects(context.Background(), []store.Subject{s}); err != nil {
		t.Fatal(err)
	}
	return s
}

func verdict(id string, score int, rules ...string) screen.Verdict {
	v := screen.Verdict{ID: id, Score: score, Level: screen.LevelOf(score)}
	for _, r := range rules {
		v.Hits = append(v.Hits, screen.Hit{Rule: r, Points: 40, Explanation: r + " hit"})
	}
	v.Hits = append(v.Hits, screen.Hit{Rule: "context", Points: 0})
	return v
}

var (
	phone  = store.Identifier{Kind: "phone", Value: "+12025550143", Attribute: "phones[0]"}
	wallet = store.Identifier{Kind: "wallet", Value: "0xabc", Attribute: "wallets[0]"}
	phone2 = store.Identifier{Kind: "phone", Value: "+12025550199", Attribute: "phones[1]"}
)

func TestRaiseOnlyWhatNeedsALook(t *testing.T) {
	d, st := newDesk(t)
	ctx := context.Background()
	s := put(t, st, "s1", `{"id":"s1"}`, phone, wallet)

	if r, err := d.Raise(ctx, s, verdict("s1", 60, "shared-phone")); err != nil || r.Alert != nil || r.Skipped != "below" {
		t.Fatalf("medium verdict: %+v, %v", r, err)
	}
	r, err := d.Raise(ctx, s, verdict("s1", 80, "shared-phone", "listed-wallet"))
	if err != nil || r.Alert == nil {
		t.Fatalf("high verdict: %+v, %v", r, err)
	}
	if r.Alert.Summary != "shared-phone (+40), listed-wallet (+40)" || len(cases.Hits(*r.Alert)) != 3 {
		t.Errorf("alert: %q, hits %v", r.Alert.Summary, cases.Hits(*r.Alert))
	}
	// The same data and rules while the alert is worked: no second alert.
	if r, _ := d.Raise(ctx, s, verdict("s1", 80, "listed-wallet")); r.Alert != nil || r.Skipped != "open" {
		t.Errorf("same data again: %+v", r)
	}
	// A new rule is new evidence: a new alert.
	if r, _ := d.Raise(ctx, s, verdict("s1", 95, "shared-phone", "listed-wallet", "sanctions-name")); r.Alert == nil {
		t.Errorf("new evidence raised nothing: %+v", r)
	}
}

func TestClearedSuppressesUntilTheDataChanges(t *testing.T) {
	d, st := newDesk(t)
	ctx := context.Background()
	s := put(t, st, "s1", `{"id":"s1"}`, phone, wallet)
	r, _ := d.Raise(ctx, s, verdict("s1", 80, "shared-phone", "listed-wallet"))
	c, err := d.OpenCase(ctx, "mina", r.Alert.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := d.OpenCase(ctx, "mina", r.Alert.ID, ""); again.ID != c.ID {
		t.Errorf("opening a case for an alert in a case made case %d, want %d", again.ID, c.ID)
	}
	out, err := d.Decide(ctx, "mina", c.ID, cases.Decision{Outcome: store.DecisionCleared, Note: "known contractor"})
	if err != nil || !slices.Equal(out.Suppressed, []string{"s1"}) {
		t.Fatalf("decide: %+v, %v", out, err)
	}
	got, evs, _ := st.Case(ctx, c.ID)
	if got.Status != store.CaseClosed || got.Decision != store.DecisionCleared {
		t.Errorf("case after clearing: %+v", got)
	}
	kinds := []string{}
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	if !slices.Equal(kinds, []string{store.EventAlert, store.EventNote, store.EventDecision, store.EventStatus}) {
		t.Errorf("case log: %v", kinds)
	}
	if r, _ := d.Raise(ctx, s, verdict("s1", 80, "listed-wallet")); r.Skipped != "suppressed" {
		t.Errorf("same data after clearing: %+v", r)
	}
	// A new phone is new data.
	s2 := put(t, st, "s1", `{"id":"s1","phones":["x"]}`, phone, wallet, phone2)
	if r, _ := d.Raise(ctx, s2, verdict("s1", 80, "listed-wallet")); r.Alert == nil {
		t.Errorf("changed data stayed suppressed: %+v", r)
	}
	// Deciding a closed case needs reopening first.
	if _, err := d.Decide(ctx, "mina", c.ID, cases.Decision{Outcome: store.DecisionConfirmed}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("decide a closed case: %v", err)
	}
	audit, _ := st.Audit(ctx, store.AuditQuery{Object: "case:1"})
	if len(audit) < 3 || audit[len(audit)-1].Action != "case.decide" || audit[len(audit)-1].Actor != "mina" {
		t.Errorf("audit: %+v", audit)
	}
}

func TestConfirmedFraudBecomesIndicators(t *testing.T) {
	d, st := newDesk(t)
	ctx := context.Background()
	name := store.Identifier{Kind: "name", Value: "KIM CHOL", Attribute: "name"}
	ip := store.Identifier{Kind: "ip", Value: "203.0.113.7", Attribute: "ips[0]"}
	s := put(t, st, "s1", `{"id":"s1","name":"Kim Chol","birth_date":"1990-01-02","nationality":"kp"}`, name, phone, wallet, ip)
	r, _ := d.Raise(ctx, s, verdict("s1", 90, "listed-wallet"))
	c, _ := d.OpenCase(ctx, "mina", r.Alert.ID, "")
	reloaded := 0
	d.IndicatorsChanged = func() { reloaded++ }

	for _, bad := range []struct {
		dec   cases.Decision
		field string
	}{
		{cases.Decision{Outcome: "maybe"}, "decision"},
		{cases.Decision{Outcome: store.DecisionConfirmed, TLP: "purple"}, "tlp"},
	} {
		var fe *cases.FieldError
		if _, err := d.Decide(ctx, "mina", c.ID, bad.dec); !errors.As(err, &fe) || fe.Field != bad.field || !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+v: %v, want a FieldError on %s", bad.dec, err, bad.field)
		}
	}
	out, err := d.Decide(ctx, "mina", c.ID, cases.Decision{Outcome: store.DecisionConfirmed, TLP: "red"})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for in, err := range st.Indicators(ctx, store.IndicatorQuery{Source: "case-1"}) {
		if err != nil {
			t.Fatal(err)
		}
		if in.TLP != "red" || in.SourceRef != "case:1:s1" {
			t.Errorf("indicator %+v", in)
		}
		kinds = append(kinds, in.Kind+"="+in.Value)
	}
	want := []string{"birth_date=1990-01-02", "name=KIM CHOL", "nationality=KP", "phone=+12025550143", "wallet=0xabc"}
	if !slices.Equal(kinds, want) || out.Indicators != len(want) {
		t.Errorf("indicators %v (%d), want %v: IPs stay out", kinds, out.Indicators, want)
	}
	if reloaded != 1 {
		t.Errorf("match index reloads asked: %d", reloaded)
	}
}

func TestCaseWork(t *testing.T) {
	d, st := newDesk(t)
	ctx := context.Background()
	s := put(t, st, "s1", `{"id":"s1"}`, phone)
	r, _ := d.Raise(ctx, s, verdict("s1", 75, "shared-phone"))
	c, _ := d.OpenCase(ctx, "mina", r.Alert.ID, "")
	var fe *cases.FieldError
	if err := d.Assign(ctx, "mina", c.ID, "ghost"); !errors.As(err, &fe) || fe.Field != "assignee" {
		t.Errorf("assign to an unknown user: %v", err)
	}
	st.PutUser(ctx, store.User{Name: "joe", Role: store.RoleAnalyst, PasswordHash: "x"})
	if err := d.Assign(ctx, "mina", c.ID, "joe"); err != nil {
		t.Fatal(err)
	}
	if err := d.Comment(ctx, "joe", c.ID, "   "); !errors.As(err, &fe) || fe.Field != "body" {
		t.Errorf("empty comment: %v", err)
	}
	if _, err := d.Attach(ctx, "joe", c.ID, "../etc/passwd", "text/plain", []byte("x")); !errors.As(err, &fe) || fe.Field != "name" {
		t.Errorf("attachment with a path: %v", err)
	}
	a, err := d.Attach(ctx, "joe", c.ID, "linkedin.png", "image/png", []byte("\x89PNG..."))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Attachment(ctx, a.ID); string(got.Data) != "\x89PNG..." {
		t.Errorf("attachment data %q", got.Data)
	}
	if _, err := d.Decide(ctx, "joe", c.ID, cases.Decision{Outcome: store.DecisionMoreInfo}); err != nil {
		t.Fatal(err)
	}
	got, _, _ := st.Case(ctx, c.ID)
	if got.Assignee != "joe" || got.Status != store.CaseOpen || got.Decision != store.DecisionMoreInfo {
		t.Errorf("case: %+v", got)
	}
}
