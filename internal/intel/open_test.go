package intel

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/shareddata"
	"github.com/ringfence/ringfence/internal/store"
)

// sharedFile is the path of ../shared/data from this package; tests that
// need it fail in CI when it is missing and skip elsewhere.
func sharedFile(t testing.TB, rel string) string {
	t.Helper()
	return shareddata.Path(t, rel)
}

func TestDetectNamesTheFormatFromTheContent(t *testing.T) {
	tests := []struct {
		name, file, head string
		want             Format
	}{
		{"OFAC's advanced XML by its namespace", "x.xml",
			`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<Sanctions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"><DateOfIssue>`,
			FormatOFACAdvanced},
		{"another document with a Sanctions root is not OFAC's", "x.xml", `<Sanctions xmlns="urn:other">`, FormatUnknown},
		{"the UN consolidated list", "x.xml", "\ufeff<?xml version=\"1.0\"?>\n<!-- c -->\n<CONSOLIDATED_LIST dateGenerated=\"2026-02-27\">", FormatUN},
		{"a STIX bundle", "x.json", `{"type": "bundle", "id": "bundle--1", "objects": []}`, FormatSTIX},
		{"a STIX bundle whose type comes after its objects", "x.json", `{"id":"bundle--1","objects":[{"type":"indicator","spec_version":"2.1"}],"type":"bundle"}`, FormatSTIX},
		{"a single STIX object", "x.json", `{"type":"indicator","spec_version":"2.1","id":"indicator--a"}`, FormatSTIX},
		{"a MISP event", "x.json", `{"Event": {"info": "x", "Attribute": []}}`, FormatMISP},
		{"a MISP restSearch answer", "x.json", `{"response": [{"Event": {}}]}`, FormatMISP},
		{"a list of MISP events", "x.json", `[{"Event": {}}]`, FormatMISP},
		{"other JSON", "x.json", `{"hello": "world"}`, FormatUnknown},
		{"an indicator CSV", "x.csv", "type,value,label,severity,source\nemail,a@b.example,,high,x\n", FormatIndicatorCSV},
		{"an indicator CSV with a byte order mark and other case", "x.csv", "\ufeffValue,Type\n", FormatIndicatorCSV},
		{"OFAC's sdn.csv", "sdn.csv", "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", FormatOFACCSV},
		{"OFAC's alt.csv", "alt.csv", "36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n", FormatOFACAlt},
		{"OFAC's add.csv", "add.csv", "36,25,-0- ,\"Havana\",\"Cuba\",-0- \r\n", FormatOFACAdd},
		{"OFAC's sdn_comments.csv", "sdn_comments.csv", "12300,\"Z S.A.S.; Linked To: X\"\r\n", FormatOFACComments},
		{"a wallet list", "w.txt", "# ETH\n0x04DBA1194ee10112fE6C3207C0687DEf0e78baCf\n0x08723392Ed15743cc38513C4925f5e6be5c17243\n", FormatWallets},
		{"a list of words is not a wallet list", "w.txt", "hello world\n", FormatUnknown},
		{"plain text", "x.txt", "Dear analyst,\nplease find attached", FormatUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect(tt.file, []byte(tt.head))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Detect = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := Detect("sdn.xml", []byte(`<?xml version="1.0"?><sdnList xmlns="http://tempuri.org/sdnList.xsd">`)); err == nil {
		t.Error("OFAC's legacy sdn.xml was accepted; want an error saying to use the advanced XML")
	}
}

func TestWalletAssetComesFromTheFileName(t *testing.T) {
	for name, want := range map[string]string{
		"sanctioned_addresses_ETH.txt":           "ETH",
		"/data/sanctioned_addresses_USDT.txt":    "USDT",
		"lists.zip:sanctioned_addresses_XBT.txt": "XBT",
		"wallets.txt":                            "",
		"sanctioned_addresses_eth.txt (lower)":   "",
	} {
		if got := WalletAsset(name); got != want {
			t.Errorf("WalletAsset(%q) = %q, want %q", name, got, want)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gz(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestOpenSourcesGroupsOFACCSVSetsAndDecompresses(t *testing.T) {
	dir := t.TempDir()
	sdn := "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
	alt := "36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n"
	cons := "9639,\"HANIYA, Ismail\",\"individual\",\"NS-PLC\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1962.\"\r\n"
	wallets := "0x04DBA1194ee10112fE6C3207C0687DEf0e78baCf\n"
	// A zip holding the SDN set, a gzip consolidated primary, a wallet list.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for name, body := range map[string]string{"sdn.csv": sdn, "alt.csv": alt} {
		f, _ := zw.Create(name)
		f.Write([]byte(body))
	}
	zw.Close()
	paths := []string{
		writeFile(t, filepath.Join(dir, "sdn_csv.zip"), zb.Bytes()),
		writeFile(t, filepath.Join(dir, "cons_prim.csv.gz"), gz(t, []byte(cons))),
		writeFile(t, filepath.Join(dir, "sanctioned_addresses_ETH.txt"), []byte(wallets)),
	}
	srcs, err := OpenSources(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	defer CloseSources(srcs)
	type got struct {
		Format Format
		Chain  string
		List   string
		Files  int
	}
	var gotSrcs []got
	for _, s := range srcs {
		n := 0
		for _, m := range s.set {
			if m.open != nil {
				n++
			}
		}
		gotSrcs = append(gotSrcs, got{s.Format, s.Chain, s.list, n})
	}
	want := []got{
		{FormatWallets, "ETH", "", 0},
		{FormatOFACCSV, "", "ofac-sdn", 2},
		{FormatOFACCSV, "", "ofac-consolidated", 1},
	}
	if diff := cmp.Diff(want, gotSrcs); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
}

func TestOpenSourcesRefusesWhatItCannotRead(t *testing.T) {
	dir := t.TempDir()
	alt := writeFile(t, filepath.Join(dir, "alt.csv"), []byte("36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n"))
	letter := writeFile(t, filepath.Join(dir, "letter.txt"), []byte("Dear analyst,\nplease find attached\n"))
	empty := writeFile(t, filepath.Join(dir, "empty.csv"), nil)
	twice := writeFile(t, filepath.Join(dir, "twice.gz"), gz(t, gz(t, []byte("x"))))
	for _, tc := range []struct {
		name  string
		paths []string
		file  string
	}{
		{"an alias file without its sdn.csv", []string{alt}, alt},
		{"a file in no known format", []string{letter}, letter},
		{"an empty file", []string{empty}, empty},
		{"a file compressed twice", []string{twice}, twice},
		{"a folder that is not a MISP feed", []string{dir}, dir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenSources(context.Background(), tc.paths)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a *ParseError", err)
			}
			if pe.File != tc.file {
				t.Errorf("ParseError names %q, want %q", pe.File, tc.file)
			}
		})
	}
}

func TestMergeJoinsResultsOfOneSource(t *testing.T) {
	a := &Result{Source: "ofac-sdn", Format: "ofac-advanced-xml", Entries: 2, Counts: map[string]int{"aliases": 1},
		Indicators: []store.Indicator{{Kind: "name", Value: "a", SourceRef: "1"}, {Kind: "name", Value: "b", SourceRef: "2"}}}
	b := &Result{Source: "wallets:ETH", Format: "wallet-list", Indicators: []store.Indicator{{Kind: "wallet", Value: "0x1"}}}
	c := &Result{Source: "ofac-sdn", Format: "ofac-csv", Entries: 1, Counts: map[string]int{"aliases": 2},
		Indicators: []store.Indicator{{Kind: "name", Value: "b", SourceRef: "2"}, {Kind: "name", Value: "c", SourceRef: "3"}}}
	got := Merge([]*Result{a, b, c})
	if len(got) != 2 || got[0].Source != "ofac-sdn" || got[1] != b {
		t.Fatalf("Merge = %+v", got)
	}
	m := got[0]
	if m.Format != "ofac-advanced-xml+ofac-csv" || m.Entries != 3 || m.Counts["aliases"] != 3 || len(m.Indicators) != 3 {
		t.Errorf("merged = format %q, %d entries, counts %v, %d indicators; want the sum with b once", m.Format, m.Entries, m.Counts, len(m.Indicators))
	}
}

// FuzzDetect: any head is named one format or none, never a panic, and
// the same head always gets the same answer.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		`<Sanctions xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML">`,
		`<CONSOLIDATED_LIST>`, `{"type":"bundle"}`, `{"Event":{}}`, `[{"Event":{}}]`, "type,value\n",
		"36,\"X\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", "0x04DBA1194ee10112fE6C3207C0687DEf0e78baCf\n",
		"{", "<", "\xef\xbb\xbf", "",
	} {
		f.Add("x", []byte(s))
	}
	f.Fuzz(func(t *testing.T, name string, head []byte) {
		a, errA := Detect(name, head)
		b, errB := Detect(name, head)
		if a != b || (errA == nil) != (errB == nil) {
			t.Errorf("Detect is not deterministic: %q %v, %q %v", a, errA, b, errB)
		}
	})
}
