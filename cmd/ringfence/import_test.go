package main

import (
	"strconv"

	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/store/sqlite"

	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/dial"
	"github.com/ringfence/ringfence/internal/store/postgres/pgtest"
	_ "modernc.org/sqlite"
)

// ringfenceDB runs the CLI with RINGFENCE_DB set, as a deployment would.
func ringfenceDB(t *testing.T, db string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "RINGFENCE_DB" {
			return db
		}
		return ""
	}
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errb)
	if err != nil && err.Error() != "" {
		errb.WriteString("ringfence: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), exitCode(err)
}

// writeRecords writes n small records with device and e-mail identifiers,
// the kinds whose normalisers are settled; every tenth shares a device.
func writeRecords(t *testing.T, path string, from, n int, tag string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := from; i < from+n; i++ {
		fmt.Fprintf(w, `{"id":"p%07d","kind":"applicant","emails":["user%d@example.org"],"devices":["SN-%07d","FARM-%d"],"note":%q}`+"\n",
			i, i, i, i%10, tag)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func openDB(t *testing.T, dsn string) store.Store {
	t.Helper()
	s, err := dial.Open(t.Context(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func stats(t *testing.T, dsn string) store.Stats {
	t.Helper()
	st, err := openDB(t, dsn).Stats(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestImportStoresRecordsOnceAndReplacesChangedOnes(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "rf.db")
			if backend == "postgres" {
				db = pgtest.DSN(t)
			}
			recs := filepath.Join(dir, "people.jsonl")
			writeRecords(t, recs, 0, 250, "v1")
			_, errOut, code := ringfenceDB(t, db, "import", recs, "--chunk", "100")
			if code != 0 {
				t.Fatalf("first import: exit %d: %s", code, errOut)
			}
			if !strings.Contains(errOut, "imported 250 records from 1 file") || !strings.Contains(errOut, "250 new, 0 updated, 0 unchanged, 0 bad") {
				t.Errorf("summary of the first import: %q", errOut)
			}
			_, errOut, code = ringfenceDB(t, db, "import", recs)
			if code != 0 || !strings.Contains(errOut, "0 new, 0 updated, 250 unchanged") {
				t.Errorf("second import: exit %d: %q", code, errOut)
			}
			// Records 200–249 change: new devices replace the old ones.
			changed := filepath.Join(dir, "changed.jsonl")
			f, _ := os.Create(changed)
			for i := 200; i < 260; i++ {
				fmt.Fprintf(f, `{"id":"p%07d","devices":["NEW-%07d"]}`+"\n", i, i)
			}
			f.Close()
			_, errOut, code = ringfenceDB(t, db, "import", changed)
			if code != 0 || !strings.Contains(errOut, "10 new, 50 updated, 0 unchanged") {
				t.Errorf("changed import: exit %d: %q", code, errOut)
			}
			s := openDB(t, db)
			if ids, _ := s.SubjectsByIdentifier(t.Context(), "device", "SN0000210"); len(ids) != 0 {
				t.Errorf("the replaced device still finds %v", ids)
			}
			if ids, _ := s.SubjectsByIdentifier(t.Context(), "device", "NEW0000210"); len(ids) != 1 {
				t.Errorf("the new device finds %v", ids)
			}
			if ids, _ := s.SubjectsByIdentifier(t.Context(), "email", "user7@example.org"); len(ids) != 1 {
				t.Errorf("user7@example.org finds %v, want one subject", ids)
			}
			// Keys are stored with the subject, and those store.Indexed
			// names indexed; e-mail domains are not (shared by too many).
			sub, err := s.Subject(t.Context(), "p0000007")
			if err != nil || !slices.Contains(sub.Identifiers, store.Identifier{Kind: "email_domain", Value: "example.org", Attribute: "emails[0]"}) {
				t.Errorf("p0000007 has identifiers %v (%v), want its e-mail domain among them", sub.Identifiers, err)
			}
			st := stats(t, db)
			if got := st.Tables["subjects"]; got != 260 {
				t.Errorf("%d subjects, want 260", got)
			}
			out, errOut, code := ringfenceDB(t, db, "db", "stats", "--top", "3")
			if code != 0 || !strings.Contains(out, "subjects") || !strings.Contains(out, "most shared") {
				t.Errorf("db stats: exit %d: %s%s", code, out, errOut)
			}
			out, errOut, code = ringfenceDB(t, db, "db", "status")
			ms := sqlite.Migrations()
			latest := strconv.Itoa(ms[len(ms)-1].Version)
			if code != 0 || !strings.Contains(out, "schema version: "+latest+" (this ringfence knows up to "+latest+")") {
				t.Errorf("db status: exit %d: %s%s", code, out, errOut)
			}
		})
	}
}

func TestImportNeverStoresABadRecord(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	recs := filepath.Join(dir, "mixed.jsonl")
	os.WriteFile(recs, []byte(`{"id":"a","devices":["SN-0001"]}
{"id":"b","birth_date":"1990-13-01","devices":["SN-0002"]}
{"id":"c","devices":["SN-0003"]}
not json
{"id":"d","devices":["SN-0004"]}
`), 0o600)
	_, errOut, code := ringfenceDB(t, db, "import", recs)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{"mixed.jsonl:2: field birth_date:", "mixed.jsonl:4:", "3 new", "2 bad"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	s := openDB(t, db)
	for id, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		_, err := s.Subject(t.Context(), id)
		if got := err == nil; got != want {
			t.Errorf("subject %s stored = %v, want %v (%v)", id, got, want, err)
		}
	}
	if ids, _ := s.SubjectsByIdentifier(t.Context(), "device", "SN0002"); len(ids) != 0 {
		t.Errorf("an identifier of the bad record was stored: %v", ids)
	}

	// --strict stores what came before the first bad record and stops.
	db2 := filepath.Join(dir, "strict.db")
	_, errOut, code = ringfenceDB(t, db2, "import", recs, "--strict")
	if code != 2 || !strings.Contains(errOut, "--strict") {
		t.Errorf("strict: exit %d: %s", code, errOut)
	}
	if got := stats(t, db2).Tables["subjects"]; got != 1 {
		t.Errorf("strict import stored %d subjects, want 1", got)
	}
}

func TestImportUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"import"}, "at least one FILE"},
		{"bad chunk", []string{"import", "x.jsonl", "--chunk", "0"}, "--chunk"},
		{"unknown scheme", []string{"--db", "mysql://x", "import", "x.jsonl"}, "unknown scheme"},
		{"db without subcommand", []string{"db"}, "migrate, status, stats"},
		{"db unknown subcommand", []string{"db", "drop"}, "no subcommand"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := ringfenceDB(t, filepath.Join(t.TempDir(), "rf.db"), tc.args...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
		})
	}
}

func TestDBMigrateAndStatus(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rf.db")
	if _, errOut, code := ringfenceDB(t, db, "db", "status"); code != 1 || !strings.Contains(errOut, "no database") {
		t.Errorf("status of a missing database: exit %d: %s", code, errOut)
	}
	ms := sqlite.Migrations()
	latest := strconv.Itoa(ms[len(ms)-1].Version)
	out, errOut, code := ringfenceDB(t, db, "db", "migrate")
	if code != 0 || !strings.Contains(out, "from schema version 0 to "+latest) {
		t.Errorf("migrate: exit %d: %s%s", code, out, errOut)
	}
	out, _, code = ringfenceDB(t, db, "db", "migrate")
	if code != 0 || !strings.Contains(out, "at schema version "+latest+", the latest") {
		t.Errorf("migrate again: exit %d: %s", code, out)
	}
	// A database from the future is refused by every command.
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations VALUES (99, '0099_future', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, errOut, code = ringfenceDB(t, db, "import", "-")
	if code != 1 || !strings.Contains(errOut, "version 99") || !strings.Contains(errOut, "up to version "+latest) {
		t.Errorf("import into a newer database: exit %d: %s", code, errOut)
	}
	out, errOut, code = ringfenceDB(t, db, "db", "status")
	if code != 1 || !strings.Contains(out, "99  0099_future") {
		t.Errorf("status of a newer database: exit %d: %s%s", code, out, errOut)
	}
}

// TestImportsFromTwoProcessesIntoPostgres runs two ringfence processes'
// imports of different files at once against one PostgreSQL database.
func TestImportsFromTwoProcessesIntoPostgres(t *testing.T) {
	db := pgtest.DSN(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	writeRecords(t, a, 0, 20000, "a")
	writeRecords(t, b, 20000, 20000, "b")
	bin := buildRingfence(t)
	var cmds []*exec.Cmd
	for _, f := range []string{a, b} {
		cmd := exec.Command(bin, "--db", db, "import", f, "--chunk", "500")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s: %s", f, errb.String())
			}
		})
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("import: %v", err)
		}
	}
	st := stats(t, db)
	if got := st.Tables["subjects"]; got != 40000 {
		t.Errorf("%d subjects, want 40000", got)
	}
	if got := st.Identifiers["device"]; got != 80000 {
		t.Errorf("%d device identifiers, want 80000", got)
	}
	counts, err := openDB(t, db).IdentifierCounts(t.Context(), "device", []string{"FARM3"})
	if err != nil || counts["FARM3"] != 4000 {
		t.Errorf("FARM3 shared by %v (%v), want 4000", counts, err)
	}
}

func buildRingfence(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "ringfence")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestImportKilledMidwayLeavesWholeChunks kills an import with SIGKILL
// after some chunks have committed: the database must open, pass its
// integrity check and hold whole chunks only; importing again completes it.
func TestImportKilledMidwayLeavesWholeChunks(t *testing.T) {
	const n, chunk = 200000, 1000
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	recs := filepath.Join(dir, "big.jsonl")
	writeRecords(t, recs, 0, n, "big")
	bin := buildRingfence(t)
	cmd := exec.Command(bin, "--db", db, "import", recs, "--chunk", fmt.Sprint(chunk))
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Poll the row count from another connection until a few chunks are in.
	var seen int64
	deadline := time.Now().Add(60 * time.Second)
	for seen < 5*chunk {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no progress after 60s: %d rows; %s", seen, errb.String())
		}
		select {
		case err := <-exited:
			t.Fatalf("import ended before it was killed (%v); make the file larger", err)
		case <-time.After(20 * time.Millisecond):
		}
		seen = countSubjects(t, db)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	s := openDB(t, db)
	if err := s.Check(t.Context()); err != nil {
		t.Fatalf("after SIGKILL: %v", err)
	}
	st, err := s.Stats(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := st.Tables["subjects"]
	if got == n {
		t.Fatalf("the import finished before SIGKILL; make the file larger")
	}
	if got%chunk != 0 {
		t.Errorf("%d subjects after SIGKILL: not whole chunks of %d", got, chunk)
	}
	// Each record has an e-mail and two devices indexed; its e-mail domain
	// is kept with it but not indexed (store.Indexed).
	if ids := st.Tables["subject_identifiers"]; ids != 3*got {
		t.Errorf("%d identifiers for %d subjects, want %d: a subject was stored without all its identifiers", ids, got, 3*got)
	}
	s.Close()
	t.Logf("killed after %d of %d records", got, n)

	_, errOut, code := ringfenceDB(t, db, "import", recs, "--chunk", fmt.Sprint(chunk))
	if code != 0 {
		t.Fatalf("import again: exit %d: %s", code, errOut)
	}
	if want := fmt.Sprintf("%d new, 0 updated, %d unchanged", n-got, got); !strings.Contains(errOut, want) {
		t.Errorf("second import: %q, want %q", errOut, want)
	}
	st = stats(t, db)
	if st.Tables["subjects"] != n || st.Tables["subject_identifiers"] != 3*n {
		t.Errorf("after completing: %d subjects, %d identifiers; want %d, %d",
			st.Tables["subjects"], st.Tables["subject_identifiers"], n, 3*n)
	}
}

func countSubjects(t *testing.T, path string) int64 {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(`SELECT COUNT(*) FROM subjects`).Scan(&n); err != nil {
		return 0 // not migrated yet
	}
	return n
}
