package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ringfence runs the CLI in-process, as main would, and returns what it
// printed and its exit code.
func ringfence(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(string) string { return "" }
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errb)
	if err != nil && err.Error() != "" {
		errb.WriteString("ringfence: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), exitCode(err)
}

func TestNormalizeCommandPrintsTheCanonicalForm(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // first line of stdout
	}{
		{"a US number written locally with --region after it", []string{"normalize", "phone", "(212) 736-5000", "--region", "US"}, "+12127365000"},
		{"a number written with its country code needs no region", []string{"normalize", "phone", "+1 212.736.5000"}, "+12127365000"},
		{"a region given before the kind", []string{"normalize", "--region", "us", "phone", "212-736-5000"}, "+12127365000"},
		{"googlemail dots and tags", []string{"normalize", "email", "John.Doe+jobs@GoogleMail.com"}, "johndoe@gmail.com"},
		{"a device serial", []string{"normalize", "device", "c02x-1234"}, "C02X1234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := ringfence(t, "", tt.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if got := strings.SplitN(out, "\n", 2)[0]; got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalizeCommandGivesKoreanSpellingsOneKey(t *testing.T) {
	key := func(name string) string {
		out, errOut, code := ringfence(t, "", "normalize", "name", name, "--json")
		if code != 0 {
			t.Fatalf("normalize name %q: exit %d: %s", name, code, errOut)
		}
		var v struct {
			Keys []struct{ Kind, Value string }
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		for _, k := range v.Keys {
			if k.Kind == "name_key" {
				return k.Value
			}
		}
		t.Fatalf("normalize name %q printed no name_key: %s", name, out)
		return ""
	}
	if a, b := key("Hyeon-seop Shim"), key("SIM, Hyon Sop"); a != b {
		t.Errorf("Hyeon-seop Shim has key %q, SIM, Hyon Sop has %q: want one key", a, b)
	}
}

func TestNormalizeCommandExplainsInvalidValuesAndExitsTwo(t *testing.T) {
	// The genesis block address with its last character changed.
	out, errOut, code := ringfence(t, "", "normalize", "wallet", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if out != "" {
		t.Errorf("printed %q on stdout for an invalid value", out)
	}
	if !strings.Contains(errOut, "checksum") {
		t.Errorf("stderr %q does not say the checksum is wrong", errOut)
	}
}

func TestNormalizeCommandReadsValuesFromStdin(t *testing.T) {
	out, errOut, code := ringfence(t, "8.8.8.8\n\n::ffff:1.2.3.4\nnot-an-ip\n", "normalize", "ip", "-")
	if code != 2 {
		t.Errorf("exit %d, want 2 for one invalid value", code)
	}
	if !strings.Contains(out, "8.8.8.8\n") || !strings.Contains(out, "1.2.3.4\n") {
		t.Errorf("stdout %q lacks the canonical addresses", out)
	}
	if !strings.Contains(errOut, "1 of 3 values invalid") {
		t.Errorf("stderr %q lacks the count", errOut)
	}
}

func TestUsageMistakesExitTwo(t *testing.T) {
	for name, args := range map[string][]string{
		"no command":          nil,
		"an unknown command":  {"frobnicate"},
		"an unknown kind":     {"normalize", "shoe", "x"},
		"a missing value":     {"normalize", "phone"},
		"an unknown flag":     {"normalize", "--colour", "phone", "1"},
		"a bad region":        {"normalize", "phone", "1", "--region", "Narnia"},
		"gen without --n":     {"gen"},
		"check without files": {"check"},
	} {
		t.Run(name, func(t *testing.T) {
			_, errOut, code := ringfence(t, "", args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, errOut)
			}
			if !strings.Contains(errOut, "ringfence:") {
				t.Errorf("stderr %q does not say what is wrong", errOut)
			}
		})
	}
}

func TestHelpListsEveryCommandAndEachHasAnExample(t *testing.T) {
	out, _, code := ringfence(t, "", "help")
	if code != 0 {
		t.Fatalf("help exited %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(out, "  "+c.name+" ") {
			t.Errorf("help does not list %s", c.name)
		}
		u, _, code := ringfence(t, "", c.name, "--help")
		if code != 0 || !strings.Contains(u, "Usage: ringfence "+c.name) {
			t.Errorf("%s --help: exit %d, %q", c.name, code, u)
		}
		if c.name != "version" && !strings.Contains(u, "Example") {
			t.Errorf("%s --help has no example", c.name)
		}
	}
}

func TestVersionPrintsOneLine(t *testing.T) {
	out, _, code := ringfence(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "ringfence ") || strings.Count(out, "\n") != 1 {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

func TestCheckReportsBadLinesSkipsThemAndExitsTwo(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "people.jsonl")
	os.WriteFile(path, []byte(`{"id":"a","name":"Jane Roe","phones":["(212) 736-5000"],"addresses":[{"line1":"1 Main St","city":"New York","region":"NY","postal_code":"10001","country":"US"}]}
{"id":"b","birth_date":"1990-13-01"}
{"id":"c","phones":["12"]}
`), 0o600)
	out, errOut, code := ringfence(t, "", "check", path, "--identifiers")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut, "people.jsonl:2: field birth_date:") {
		t.Errorf("stderr %q does not name file, line and field of the bad record", errOut)
	}
	if !strings.Contains(errOut, "warning: "+path+":3: field phones[0]") {
		t.Errorf("stderr %q does not warn about the invalid phone", errOut)
	}
	if !strings.Contains(errOut, "2 good, 1 bad") {
		t.Errorf("stderr %q lacks the summary", errOut)
	}
	if !strings.Contains(out, `"canonical":"+12127365000"`) {
		t.Errorf("stdout %q lacks record a's phone, read in its address's country", out)
	}
	_, errOut, code = ringfence(t, "", "check", "--strict", path)
	if code != 2 || strings.Contains(errOut, "field phones[0]") {
		t.Errorf("--strict: exit %d, stderr %q; want exit 2 before record c", code, errOut)
	}
}

func TestGenWritesRecordsAndTruthThatCheckAccepts(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "pop.jsonl")
	_, errOut, code := ringfence(t, "", "gen", "--n", "500", "--seed", "5", "--out", out)
	if code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errOut)
	}
	truth, err := os.ReadFile(filepath.Join(dir, "pop.truth.jsonl"))
	if err != nil {
		t.Fatalf("no ground truth beside the records: %v", err)
	}
	if n := bytes.Count(truth, []byte("\n")); n != 500 {
		t.Errorf("truth has %d lines, want 500", n)
	}
	_, errOut, code = ringfence(t, "", "check", out)
	if code != 0 || !strings.Contains(errOut, "500 good, 0 bad, 0 invalid") {
		t.Errorf("check of generated records: exit %d, %s", code, errOut)
	}
}
