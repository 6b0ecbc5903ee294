package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/postgres"
	"github.com/ringfence/ringfence/internal/store/postgres/pgtest"
	"github.com/ringfence/ringfence/internal/store/storetest"
)

func open(t *testing.T, dsn string, o postgres.Options) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return open(t, pgtest.DSN(t), postgres.Options{Now: now})
	})
}

// TestTwoPools is two ringfence processes on one database: separate pools,
// overlapping writes in opposite orders.
func TestTwoPools(t *testing.T) {
	dsn := pgtest.DSN(t)
	storetest.Concurrent(t, open(t, dsn, postgres.Options{}), open(t, dsn, postgres.Options{}))
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	ms := postgres.Migrations()
	if len(ms) < 2 {
		t.Fatalf("%d migrations; the upgrade test needs two", len(ms))
	}
	st, err := postgres.Status(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if st.Current != 0 || len(st.Pending) != len(ms) {
		t.Errorf("status of an empty schema = %+v", st)
	}
	s := open(t, dsn, postgres.Options{MigrateTo: 1})
	s.Close()
	st, err = postgres.Status(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if st.Current != 1 || len(st.Pending) != len(ms)-1 {
		t.Errorf("status of an old database = %+v", st)
	}
	s = open(t, dsn, postgres.Options{})
	if _, err := s.AppendAudit(ctx, store.AuditEvent{Action: "x"}); err != nil {
		t.Errorf("the upgraded database lacks the new tables: %v", err)
	}
	cs, err := s.OpenCase(ctx, store.Case{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAttachment(ctx, store.Attachment{CaseID: cs.ID, Name: "x.txt", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit_log SET actor = 'mallory'`, `DELETE FROM audit_log`,
		`UPDATE case_events SET body = ''`, `DELETE FROM case_events`,
		`UPDATE case_attachments SET data = '\x00'`, `DELETE FROM case_attachments`} {
		if _, err := s.W.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: error = %v, want append-only", q, err)
		}
	}
	if _, err := s.W.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = postgres.Open(ctx, dsn, postgres.Options{})
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("opening a newer database: error = %v, want ErrSchemaTooNew", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "9999") || !strings.Contains(msg, fmt.Sprintf("knows up to version %d", ms[len(ms)-1].Version)) {
		t.Errorf("message %q should name both versions", msg)
	}
}

// TestUpgradeFrom3 opens a database a ringfence of schema version 3
// wrote: its cases and alerts survive the migration.
func TestUpgradeFrom3(t *testing.T) {
	dsn := pgtest.DSN(t)
	old := open(t, dsn, postgres.Options{MigrateTo: 3})
	storetest.FromSchema3(t, old.W, func() store.Store {
		old.Close()
		return open(t, dsn, postgres.Options{})
	})
}

// TestConcurrentOpen has several processes' pools open a fresh database at
// once: each migration must be applied exactly once.
func TestConcurrentOpen(t *testing.T) {
	dsn := pgtest.DSN(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := postgres.Open(context.Background(), dsn, postgres.Options{})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Open: %v", err)
		}
	}
	st, err := postgres.Status(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Applied) != len(postgres.Migrations()) {
		t.Errorf("applied %d migrations, want %d", len(st.Applied), len(postgres.Migrations()))
	}
}

func TestBadDSN(t *testing.T) {
	_, err := postgres.Open(t.Context(), "postgres://user:secret@127.0.0.1:1/x?connect_timeout=1", postgres.Options{})
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error %q shows the password", err)
	}
}

func BenchmarkPutSubjects(b *testing.B) {
	s, err := postgres.Open(b.Context(), pgtest.DSN(b), postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchPut(b, s)
}

func BenchmarkSubjectsByIdentifier(b *testing.B) {
	s, err := postgres.Open(b.Context(), pgtest.DSN(b), postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchLookup(b, s, 100000)
}
