package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/sqlite"
	"github.com/ringfence/ringfence/internal/store/storetest"
)

func open(t *testing.T, path string, o sqlite.Options) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return open(t, filepath.Join(t.TempDir(), "ringfence.db"), sqlite.Options{Now: now})
	})
}

func TestTwoHandlesOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ringfence.db")
	storetest.Concurrent(t, open(t, path, sqlite.Options{}), open(t, path, sqlite.Options{}))
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "odd ?#% name.db")
	ms := sqlite.Migrations()
	if len(ms) < 2 {
		t.Fatalf("%d migrations; the upgrade test needs two", len(ms))
	}
	if _, err := sqlite.Status(ctx, path); err == nil {
		t.Error("Status of a missing file succeeded")
	}
	s := open(t, path, sqlite.Options{MigrateTo: 1})
	s.Close()
	st, err := sqlite.Status(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Current != 1 || st.Latest != ms[len(ms)-1].Version || len(st.Pending) != len(ms)-1 {
		t.Errorf("status of an old database = %+v", st)
	}
	s = open(t, path, sqlite.Options{})
	if _, err := s.AppendAudit(ctx, store.AuditEvent{Action: "x"}); err != nil {
		t.Errorf("the upgraded database lacks the new tables: %v", err)
	}
	if _, err := s.W.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = sqlite.Open(ctx, path, sqlite.Options{})
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
	path := filepath.Join(t.TempDir(), "ringfence.db")
	old := open(t, path, sqlite.Options{MigrateTo: 3})
	storetest.FromSchema3(t, old.W, func() store.Store {
		old.Close()
		return open(t, path, sqlite.Options{})
	})
}

func TestAppendOnly(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "ringfence.db"), sqlite.Options{})
	ctx := t.Context()
	if _, err := s.AppendAudit(ctx, store.AuditEvent{Action: "x"}); err != nil {
		t.Fatal(err)
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
		`UPDATE case_attachments SET data = x'00'`, `DELETE FROM case_attachments`} {
		if _, err := s.W.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: error = %v, want append-only", q, err)
		}
	}
}

func BenchmarkPutSubjects(b *testing.B) {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchPut(b, s)
}

func BenchmarkSubjectsByIdentifier(b *testing.B) {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchLookup(b, s, 100000)
}
