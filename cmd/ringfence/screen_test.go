package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store/postgres/pgtest"
)

type verdictOut struct {
	ID    string       `json:"id"`
	Score *int         `json:"score"`
	Level string       `json:"level"`
	Hits  []screen.Hit `json:"hits"`
}

func parseVerdicts(t *testing.T, out string) map[string]verdictOut {
	t.Helper()
	vs := map[string]verdictOut{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v verdictOut
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("verdict line %q: %v", sc.Text(), err)
		}
		if v.ID == "" || v.Score == nil || screen.LevelRank(v.Level) < 0 || v.Hits == nil {
			t.Fatalf("verdict line lacks id, score, level or hits: %s", sc.Text())
		}
		vs[v.ID] = v
	}
	return vs
}

// TestScreenFlagsThePlantedRingsOfTheSample screens the bundled sample,
// whose ground truth is beside it: every ring persona is high or
// critical, and every hit carries its evidence.
func TestScreenFlagsThePlantedRingsOfTheSample(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rf.db")
	out, errOut, code := ringfenceDB(t, db, "screen", "../../examples/people.jsonl", "--format", "jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	vs := parseVerdicts(t, out)
	if len(vs) != 400 {
		t.Fatalf("%d verdicts, want 400 (one per record)", len(vs))
	}
	for _, v := range vs {
		sum := 0
		for _, h := range v.Hits {
			sum += h.Points
			if h.Rule == "" || h.Attribute == "" || h.Value == "" || h.Matched == "" || h.Source == "" || h.Explanation == "" {
				t.Errorf("%s: hit lacks evidence: %+v", v.ID, h)
			}
		}
		if sum != *v.Score {
			t.Errorf("%s: hit points sum to %d, score %d", v.ID, sum, *v.Score)
		}
	}
	truth, err := os.ReadFile("../../examples/people.truth.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rings, flagged := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(truth)), "\n") {
		var tr struct {
			ID      string
			Fraud   bool
			Overlap string
		}
		if err := json.Unmarshal([]byte(line), &tr); err != nil {
			t.Fatal(err)
		}
		high := screen.LevelRank(vs[tr.ID].Level) >= screen.LevelRank(screen.High)
		switch {
		case tr.Fraud:
			rings++
			if high {
				flagged++
			} else {
				t.Errorf("ring persona %s is %s", tr.ID, vs[tr.ID].Level)
			}
		case high:
			t.Errorf("ordinary %s (%s) is %s: %+v", tr.ID, tr.Overlap, vs[tr.ID].Level, vs[tr.ID].Hits)
		}
	}
	if rings == 0 {
		t.Fatal("the sample has no ring personas")
	}
	for _, w := range []string{"loaded", "screened 400 records", "critical", "top rules:"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

func TestScreenFormatsAndLevelFilter(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rf.db")
	out, errOut, code := ringfenceDB(t, db, "screen", "../../examples/people.jsonl", "--format", "csv", "--min-level", "high")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || strings.Join(rows[0], ",") != "id,score,level,rules,evidence" {
		t.Fatalf("csv: %q", out)
	}
	for _, r := range rows[1:] {
		if r[2] != "high" && r[2] != "critical" {
			t.Errorf("--min-level high printed a %s verdict: %v", r[2], r)
		}
	}
	out, _, code = ringfenceDB(t, db, "screen", "../../examples/people.jsonl", "--format", "table", "--min-level", "critical")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || !strings.HasPrefix(lines[0], "ID ") || len(lines) < 2 || !strings.Contains(lines[1], "critical") {
		t.Errorf("table: exit %d\n%s", code, out)
	}
	if _, errOut, code := ringfenceDB(t, db, "screen", "x.jsonl", "--format", "xml"); code != 2 || !strings.Contains(errOut, "--format") {
		t.Errorf("--format xml: exit %d, %s", code, errOut)
	}
}

// TestScreenReportsBadRecordsAndScreensTheRest: the bad line is named
// with file, line and field; the good records before and after it are
// screened and linked to each other; the exit code is 2.
func TestScreenReportsBadRecordsAndScreensTheRest(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	os.WriteFile(in, []byte(`{"id":"a","name":"John Smith","bank_accounts":["021000021:12345678"]}
{"id":"b","name":"Bad Date","birth_date":"1990-13-01"}
{"id":"c","name":"Mary Jones","bank_accounts":["021000021:12345678"]}
`), 0o644)
	out, errOut, code := ringfenceDB(t, filepath.Join(dir, "rf.db"), "screen", in, "--format", "jsonl")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut, "in.jsonl:2: field birth_date") {
		t.Errorf("stderr does not name file, line and field:\n%s", errOut)
	}
	vs := parseVerdicts(t, out)
	if len(vs) != 2 || vs["a"].Level != "high" || vs["c"].Level != "high" {
		t.Errorf("want a and c high, linked by their account: %+v", vs)
	}
	_, errOut, code = ringfenceDB(t, filepath.Join(dir, "rf.db"), "screen", in, "--strict")
	if code != 2 || !strings.Contains(errOut, "--strict") {
		t.Errorf("--strict: exit %d, %s", code, errOut)
	}
}

// TestScreenStoreLinksLaterRuns: with --store a run's subjects stay, and a
// later input's persona sharing a payout account with one of them is
// flagged with the stored subject as evidence — on SQLite and PostgreSQL.
func TestScreenStoreLinksLaterRuns(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "rf.db")
			if backend == "postgres" {
				db = pgtest.DSN(t)
			}
			first := filepath.Join(dir, "monday.jsonl")
			os.WriteFile(first, []byte(`{"id":"a","name":"John Smith","bank_accounts":["021000021:12345678"]}`+"\n"), 0o644)
			out, errOut, code := ringfenceDB(t, db, "screen", first, "--store", "--format", "jsonl")
			if code != 0 || parseVerdicts(t, out)["a"].Level != "clear" {
				t.Fatalf("first run: exit %d, %s %s", code, out, errOut)
			}
			second := filepath.Join(dir, "tuesday.jsonl")
			os.WriteFile(second, []byte(`{"id":"b","name":"Mary Jones","bank_accounts":["021000021:12345678"]}`+"\n"), 0o644)
			out, errOut, code = ringfenceDB(t, db, "screen", second, "--format", "jsonl")
			if code != 0 {
				t.Fatalf("second run: exit %d, %s", code, errOut)
			}
			v := parseVerdicts(t, out)["b"]
			if v.Level != "high" || len(v.Hits) == 0 || v.Hits[0].Rule != "shared-payout-account" ||
				v.Hits[0].Source != "store" || v.Hits[0].Matched != "a" {
				t.Errorf("b: %+v", v)
			}
			if !strings.Contains(errOut, "linking to 1 stored subject") {
				t.Errorf("stderr: %s", errOut)
			}
			st := openDB(t, db)
			if v, err := st.Verdict(t.Context(), "a"); err != nil || v.Level != "clear" {
				t.Errorf("verdict of a not stored: %+v %v", v, err)
			}
		})
	}
}

func TestScreenReadsStandardInput(t *testing.T) {
	dir := t.TempDir()
	var out, errb strings.Builder
	in := `{"id":"a","name":"John Smith","wallets":["0x098b716b8aaf21512996dc57eb0615e2383e2f96"]}` + "\n" +
		`{"id":"b","name":"Mary Jones","wallets":["0x098B716B8Aaf21512996dC57EB0615e2383E2f96"]}` + "\n"
	err := run(t.Context(), []string{"screen", "-", "--format", "jsonl", "--db", filepath.Join(dir, "rf.db")},
		func(string) string { return "" }, strings.NewReader(in), &out, &errb)
	if err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	vs := parseVerdicts(t, out.String())
	if vs["a"].Level != "high" || vs["b"].Level != "high" {
		t.Errorf("two names paid into one wallet, read from stdin: %+v", vs)
	}
}

func TestScreenRefusesBadRulesBeforeReading(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "ours.yaml")
	os.WriteFile(rules, []byte("rules:\n  - id: typo\n    on: link\n    description: d\n    points: 10\n    when: link.holdrs > 2\n"), 0o644)
	_, errOut, code := ringfenceDB(t, filepath.Join(dir, "rf.db"), "screen", "does-not-exist.jsonl", "--rules", rules)
	if code != 2 || !strings.Contains(errOut, "ours.yaml:2: rule typo: when: 1:5: undeclared reference to 'link.holdrs'") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if strings.Contains(errOut, "does-not-exist") {
		t.Errorf("the input was opened before the rules were checked: %s", errOut)
	}
}

func TestRulesCommand(t *testing.T) {
	out, errOut, code := ringfence(t, "", "rules", "list")
	if code != 0 || !strings.Contains(out, "shared-payout-account") || !strings.Contains(out, "dprk-it-workers.yaml:") {
		t.Errorf("rules list: exit %d %s %s", code, out, errOut)
	}
	out, _, code = ringfence(t, "", "rules", "signals")
	if code != 0 || !strings.Contains(out, "link.unrelated") {
		t.Errorf("rules signals: exit %d %s", code, out)
	}
	out, errOut, code = ringfence(t, "", "rules", "test", "../../internal/screen/testdata/ruletests/links.yaml")
	if code != 0 || !strings.Contains(out, "passed") {
		t.Errorf("rules test: exit %d %s %s", code, out, errOut)
	}
	dir := t.TempDir()
	failing := filepath.Join(dir, "t.yaml")
	os.WriteFile(failing, []byte("tests:\n  - name: wrong\n    records: '{\"id\":\"a\",\"name\":\"Al Bo\"}'\n    expect: {a: critical}\n"), 0o644)
	out, _, code = ringfence(t, "", "rules", "test", failing)
	if code != 1 || !strings.Contains(out, "FAIL") || !strings.Contains(out, "a: level clear (score 0), want critical") {
		t.Errorf("failing rule test: exit %d %s", code, out)
	}
}

// TestScreenLinksToSubjectsStoredFromCSV: a subject stored from a CSV row
// is linked by its normalised identifiers, household included.
func TestScreenLinksToSubjectsStoredFromCSV(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	in := filepath.Join(dir, "workers.csv")
	os.WriteFile(in, []byte("id,name,birth_date,bank_accounts,id_documents,home_address\n"+
		"c1,John Smith,1980-01-01,021000021:12345678,,\"1 Oak St, Austin, TX 78701, US\"\n"), 0o644)
	if _, errOut, code := ringfenceDB(t, db, "screen", in, "--store", "--format", "jsonl"); code != 0 {
		t.Fatalf("store from CSV: exit %d: %s", code, errOut)
	}
	// Screened one at a time: together they would share the account
	// with each other, which is a finding of its own.
	verdict := func(line string) verdictOut {
		f := filepath.Join(dir, "next.jsonl")
		os.WriteFile(f, []byte(line+"\n"), 0o644)
		out, errOut, code := ringfenceDB(t, db, "screen", f, "--format", "jsonl")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, v := range parseVerdicts(t, out) {
			return v
		}
		t.Fatal("no verdict")
		return verdictOut{}
	}
	if v := verdict(`{"id":"spouse","name":"Mary Smith","bank_accounts":["021000021:12345678"],"addresses":[{"kind":"home","line1":"1 Oak Street","city":"Austin","region":"TX","postal_code":"78701","country":"US"}]}`); v.Level != "clear" {
		t.Errorf("the stored worker's spouse at the same home: %+v", v)
	}
	if v := verdict(`{"id":"stranger","name":"Wei Zhang","bank_accounts":["021000021:12345678"],"addresses":[{"kind":"home","line1":"5 Pine St","city":"Seattle","region":"WA","postal_code":"98101","country":"US"}]}`); v.Level != "high" {
		t.Errorf("a stranger paid into the stored worker's account: %+v", v)
	}
}

func TestScreenRefusesAnIDRepeatedInAnotherFile(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	os.WriteFile(a, []byte(`{"id":"x","name":"John Smith","bank_accounts":["021000021:12345678"]}`+"\n"), 0o644)
	os.WriteFile(b, []byte(`{"id":"y","name":"Ann Lee"}`+"\n"+`{"id":"x","name":"Mary Jones","bank_accounts":["021000021:12345678"]}`+"\n"), 0o644)
	out, errOut, code := ringfenceDB(t, filepath.Join(dir, "rf.db"), "screen", a, b, "--format", "jsonl")
	if code != 2 || !strings.Contains(errOut, `b.jsonl:2: field id: "x" is the id of the record at `+a+`:1 already`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
	vs := parseVerdicts(t, out)
	if len(vs) != 2 || vs["x"].Level != "clear" {
		t.Errorf("want x (first file) and y screened once each, x unlinked to the refused record: %+v", vs)
	}
}
