package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/shareddata"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/dial"
)

// sharedData is ../shared/data seen from this package; tests that need it
// fail in CI when it is missing and skip elsewhere.
func sharedData(t *testing.T, rel string) string {
	t.Helper()
	return shareddata.Path(t, rel)
}

// ringfenceEnv runs the CLI with the given environment.
func ringfenceEnv(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errb)
	if err != nil && err.Error() != "" {
		errb.WriteString("ringfence: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), exitCode(err)
}

func TestIntelImportLoadsFilesAndSearchFindsThem(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rf.db")
	eth := sharedData(t, "wallets-2025-11-19/sanctioned_addresses_ETH.txt")
	un := sharedData(t, "un/consolidated.xml")
	out, errOut, code := ringfenceDB(t, db, "intel", "import", eth, un)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"wallets:ETH (", "un-consolidated ("} {
		if !strings.Contains(out, want) {
			t.Errorf("import printed no line for %s:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "starter pack") {
		t.Errorf("the first run did not say it loaded the starter pack:\n%s", errOut)
	}
	// The first ETH address, typed in lower case, is found.
	data, _ := os.ReadFile(eth)
	first := strings.ToLower(strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[0]))
	out, errOut, code = ringfenceDB(t, db, "intel", "search", first)
	if code != 0 || !strings.Contains(out, "wallets:ETH") {
		t.Errorf("search %s: exit %d, out:\n%s%s", first, code, out, errOut)
	}
	// Names match by their romanisation key, whatever the spelling.
	out, _, _ = ringfenceDB(t, db, "intel", "search", "Yun Ho Jin")
	out2, _, _ := ringfenceDB(t, db, "intel", "search", "윤호진")
	if !strings.Contains(out, "un-consolidated") || out != out2 {
		t.Errorf("search for one name in two spellings:\n%s\n---\n%s", out, out2)
	}
	// The starter pack answers with its citation.
	out, _, _ = ringfenceDB(t, db, "intel", "search", "upworksell")
	if !strings.Contains(out, "starter-pack") || !strings.Contains(out, "U.S. Department of Justice") {
		t.Errorf("search upworksell:\n%s", out)
	}
	out, errOut, code = ringfenceDB(t, db, "intel", "stats")
	if code != 0 {
		t.Fatalf("stats: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"wallets:ETH", "un-consolidated", "starter-pack", "program", "wallet"} {
		if !strings.Contains(out, want) {
			t.Errorf("stats lacks %q:\n%s", want, out)
		}
	}
}

func TestIntelImportOfAMalformedFileLoadsNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	eth := sharedData(t, "wallets-2025-11-19/sanctioned_addresses_ETH.txt")
	bad := filepath.Join(dir, "team.csv")
	os.WriteFile(bad, []byte("type,value,label,severity,source\nemail,a@example.com,,high,team\nphone,not a phone,,high,team\n"), 0o644)
	_, errOut, code := ringfenceDB(t, db, "intel", "import", eth, bad)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut, "team.csv:3") {
		t.Errorf("the error does not name the file and line:\n%s", errOut)
	}
	out, _, _ := ringfenceDB(t, db, "intel", "stats")
	if strings.Contains(out, "wallets:ETH") {
		t.Errorf("the good file was loaded beside the bad one:\n%s", out)
	}
	_, errOut, code = ringfenceDB(t, db, "intel", "import", filepath.Join(dir, "missing.xml"))
	if code != 1 || !strings.Contains(errOut, "missing.xml") {
		t.Errorf("a missing file: exit %d, %s", code, errOut)
	}
}

func TestIntelExportRoundTripsThroughTheIndicatorCSV(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	eth := sharedData(t, "wallets-2025-11-19/sanctioned_addresses_ETH.txt")
	if _, errOut, code := ringfenceDB(t, db, "intel", "import", eth); code != 0 {
		t.Fatal(errOut)
	}
	csvPath := filepath.Join(dir, "out.csv")
	if _, errOut, code := ringfenceDB(t, db, "intel", "export", "--format", "csv", "--source", "wallets:ETH", "--out", csvPath); code != 0 {
		t.Fatal(errOut)
	}
	db2 := filepath.Join(dir, "rf2.db")
	out, errOut, code := ringfenceDB(t, db2, "intel", "import", csvPath)
	if code != 0 {
		t.Fatalf("re-import: %s", errOut)
	}
	a, _, _ := ringfenceDB(t, db, "intel", "stats")
	b, _, _ := ringfenceDB(t, db2, "intel", "stats")
	line := func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "wallets:ETH") {
				return strings.Join(strings.Fields(l)[:2], " ")
			}
		}
		return ""
	}
	if line(a) == "" || line(a) != line(b) {
		t.Errorf("before export %q, after re-import %q\n%s", line(a), line(b), out)
	}
	out, errOut, code = ringfenceDB(t, db, "intel", "export", "--format", "stix", "--source", "wallets:ETH")
	var bundle struct{ Type string }
	if code != 0 || json.Unmarshal([]byte(out), &bundle) != nil || bundle.Type != "bundle" {
		t.Errorf("export stix: exit %d, %s, type %q", code, errOut, bundle.Type)
	}
	if _, _, code := ringfenceDB(t, db, "intel", "export", "--format", "xml"); code != 2 {
		t.Errorf("export --format xml: exit %d, want 2", code)
	}
}

func TestIntelSyncFetchesConfiguredURLsConditionally(t *testing.T) {
	un, err := os.ReadFile(sharedData(t, "un/consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var inm []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inm = append(inm, r.Header.Get("If-None-Match"))
		if r.URL.Path == "/broken.xml" {
			w.Write([]byte("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>"))
			return
		}
		if r.Header.Get("If-None-Match") == `"un-1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"un-1"`)
		w.Write(un)
	}))
	defer ts.Close()
	env := map[string]string{"RINGFENCE_DB": filepath.Join(t.TempDir(), "rf.db"), "RINGFENCE_SYNC_URLS": "un=" + ts.URL + "/consolidated.xml"}
	out, errOut, code := ringfenceEnv(t, env, "intel", "sync")
	if code != 0 || !strings.Contains(out, "un: imported") || !strings.Contains(out, "un-consolidated (") {
		t.Fatalf("first sync: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = ringfenceEnv(t, env, "intel", "sync")
	if code != 0 || !strings.Contains(out, "un: unchanged (not modified)") || inm[1] != `"un-1"` {
		t.Errorf("second sync: exit %d, If-None-Match %q\n%s%s", code, inm, out, errOut)
	}
	out, errOut, code = ringfenceEnv(t, env, "intel", "sync", "--url", "broken="+ts.URL+"/broken.xml")
	if code != 2 || !strings.Contains(out, "broken: failed, previous list kept") {
		t.Errorf("a malformed list: exit %d, want 2\n%s%s", code, out, errOut)
	}
	if _, _, code := ringfenceEnv(t, env, "intel", "sync", "--url", "nonsense"); code != 2 {
		t.Errorf("--url nonsense: exit %d, want 2", code)
	}
}

// TestIntelSTIXExportReimportsIntoAFreshDatabaseUnchanged is the issue's
// round trip: indicators of every kind exported as STIX and imported into
// a fresh database come back with the same kind, value, label, severity,
// confidence, TLP and expiry. Source and ref change by design: the
// re-import's source is the STIX identity, its ref the STIX object id.
func TestIntelSTIXExportReimportsIntoAFreshDatabaseUnchanged(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "feed.csv")
	os.WriteFile(feed, []byte(`type,value,label,severity,source,confidence,tlp,valid_until
email,j.doe+x@gmail.com,recruiter persona,high,feed,90,amber,2027-01-31
email_domain,front-company.example,front company mail domain,high,feed,80,green,
domain,upwork-staffing.example,look-alike staffing site,medium,feed,70,clear,
url,https://github.com/some-persona,persona GitHub,medium,feed,60,green,
phone,+1 212 736 5000,shared persona phone,high,feed,85,amber+strict,
ip,203.0.113.0/24,VPN egress range,low,feed,40,clear,
ip,198.51.100.7,laptop farm egress,high,feed,90,red,
wallet,0x52908400098527886E0F7030069857D2E4169EE7,payout wallet,critical,feed,100,amber,
wallet,1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa,BTC payout,critical,feed,100,green,
bank_account,GB82 WEST 1234 5698 7654 32,mule account,high,feed,75,amber,
id_document,passport:KP:745310001,reused passport,high,feed,95,amber,
address,"350 Fifth Ave, New York, NY 10118, US",shipping address of a laptop farm,high,feed,70,amber,
device,C02X1234JGH5,serial seen on several personas,medium,feed,60,green,
name,Kim Chol Su,persona name,low,feed,30,clear,
`), 0o600)
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	if _, errOut, code := ringfenceDB(t, a, "intel", "import", feed); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	bundle := filepath.Join(dir, "bundle.json")
	if _, errOut, code := ringfenceDB(t, a, "intel", "export", "--format", "stix", "--source", "feed", "--out", bundle); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	if _, errOut, code := ringfenceDB(t, b, "intel", "import", bundle); code != 0 {
		t.Fatalf("re-import into a fresh database: %s", errOut)
	}
	read := func(db, source string) []store.Indicator {
		t.Helper()
		st, err := dial.Open(context.Background(), db, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var out []store.Indicator
		for in, err := range st.Indicators(context.Background(), store.IndicatorQuery{Source: source}) {
			if err != nil {
				t.Fatal(err)
			}
			in.Source, in.SourceRef, in.FirstSeen, in.LastSeen = "", "", time.Time{}, time.Time{}
			out = append(out, in)
		}
		return out
	}
	want := read(a, "feed")
	got := read(b, "stix:feed")
	if len(want) != 14 {
		t.Fatalf("the feed loaded %d indicators, want 14", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("indicators changed on the way through STIX (-before +after):\n%s", diff)
	}
}
