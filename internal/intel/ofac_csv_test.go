package intel

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ringfence/ringfence/internal/shareddata"
	"github.com/ringfence/ringfence/internal/store"
)

const ofacDataDir = "../../../shared/data/ofac/"

// listsData returns a file of ../shared/data, failing in CI when it is
// missing and skipping elsewhere.
func listsData(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(shareddata.Require(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scanLegacyCSV splits OFAC's legacy CSV into records and fields with a
// plain quote-aware byte scan, independently of encoding/csv, so that the
// parser's counts are checked against a second reading of the file.
func scanLegacyCSV(b []byte) [][]string {
	var recs [][]string
	var rec []string
	var field []byte
	inQuote := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inQuote && c == '"':
			inQuote = false
		case inQuote:
			field = append(field, c)
		case c == '"':
			inQuote = true
		case c == ',':
			rec = append(rec, string(field))
			field = field[:0]
		case c == '\r':
		case c == '\n':
			recs = append(recs, append(rec, string(field)))
			rec, field = nil, field[:0]
		default:
			field = append(field, c)
		}
	}
	if len(rec) > 0 || strings.Trim(string(field), "\x1a") != "" {
		recs = append(recs, append(rec, string(field)))
	}
	return recs
}

// legacySet opens the files of a CSV set from ofacDataDir; "" leaves one
// out.
func legacySet(t testing.TB, dir, sdn, alt, add, comments string) (CSVSet, map[string][]byte) {
	t.Helper()
	raw := map[string][]byte{}
	nr := func(name string) NamedReader {
		if name == "" {
			return NamedReader{}
		}
		b := listsData(t, ofacDataDir+dir+"/"+name)
		raw[name] = b
		return NamedReader{Name: name, R: bytes.NewReader(b)}
	}
	return CSVSet{SDN: nr(sdn), Alt: nr(alt), Add: nr(add), Comments: nr(comments)}, raw
}

func TestParseOFACCSVRealFilesMatchAnIndependentScan(t *testing.T) {
	dprkProgram := regexp.MustCompile(`(^|\] \[)DPRK`)
	tests := []struct {
		name, dir               string
		sdn, alt, add, comments string
		wantSource              string
	}{
		{"the 2024 SDN capture, primary file only, with cut remarks", "sdn-csv-2024-05-03", "sdn.csv", "", "", "", "ofac-sdn"},
		{"the 2021 SDN set with aliases, addresses and remark continuations", "sdn-csv-2021-07-07", "sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv", "ofac-sdn"},
		{"the consolidated non-SDN list", "consolidated-csv", "cons_prim.csv", "cons_alt.csv", "cons_add.csv", "", "ofac-consolidated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, raw := legacySet(t, tt.dir, tt.sdn, tt.alt, tt.add, tt.comments)
			results, err := ParseOFACCSV(context.Background(), set)
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != 1 {
				t.Fatalf("got %d results, want 1", len(results))
			}
			res := results[0]
			if res.Source != tt.wantSource {
				t.Errorf("source: got %q, want %q", res.Source, tt.wantSource)
			}

			// The independent reading.
			comments := map[string]string{}
			if tt.comments != "" {
				for _, rec := range scanLegacyCSV(raw[tt.comments]) {
					comments[rec[0]] += rec[1]
				}
			}
			var rows, dprk, akas, dcas, cut int
			for _, rec := range scanLegacyCSV(raw[tt.sdn]) {
				if len(rec) != 12 {
					t.Fatalf("independent scan: a record of %d fields: %q", len(rec), rec)
				}
				rows++
				if dprkProgram.MatchString(rec[3]) {
					dprk++
				}
				remarks := rec[11]
				if c, ok := comments[rec[0]]; ok {
					remarks += c
				} else if len(rec[11]) == 1000 {
					cut++
				}
				akas += strings.Count(remarks, "a.k.a. ")
				dcas += strings.Count(remarks, "Digital Currency Address - ")
			}
			if tt.alt != "" {
				akas += len(scanLegacyCSV(raw[tt.alt]))
			}

			for _, c := range []struct {
				what      string
				got, want int
			}{
				{"entries", res.Entries, rows},
				{"entries with a DPRK programme", res.Counts["entries_dprk"], dprk},
				{"aliases, read or cut off", res.Counts["aliases"] + res.Counts["cut:aliases"], akas},
				{"digital-currency addresses, read or cut off", res.Counts["digital_currency_addresses"] + res.Counts["cut:digital_currency_addresses"], dcas},
				{"cut remarks", res.Counts["remarks_cut"], cut},
			} {
				if c.got != c.want {
					t.Errorf("%s: got %d, want %d (independent scan)", c.what, c.got, c.want)
				}
			}
			if rows == 0 || (tt.sdn == "sdn.csv" && dprk == 0) {
				t.Errorf("the independent scan found %d rows and %d DPRK rows: has the layout changed?", rows, dprk)
			}
			// Every digital-currency address read is a wallet indicator
			// or was skipped with a reason.
			wallets := 0
			for _, in := range res.Indicators {
				if in.Kind == "wallet" {
					wallets++
				}
			}
			if got, want := wallets+res.Counts["skipped:wallet"], res.Counts["digital_currency_addresses"]; got > want || (want > 0 && got == 0) {
				t.Errorf("wallets %d + skipped %d, want at most the %d addresses read (duplicates within an entry merge)", wallets, res.Counts["skipped:wallet"], want)
			}
			listsCheckIndicators(t, res)
		})
	}
}

// listsCheckIndicators checks what the store would refuse.
func listsCheckIndicators(t *testing.T, res *Result) {
	t.Helper()
	for _, in := range res.Indicators {
		if in.Source != res.Source || in.Kind == "" || in.Value == "" || in.SourceRef == "" ||
			in.Confidence < 0 || in.Confidence > 100 || !slices.Contains(store.TLPs, in.TLP) || !slices.Contains(Severities, in.Severity) {
			t.Fatalf("indicator the store would refuse: %+v", in)
		}
	}
}

// listsEntry returns kind → values of one entry.
// entryHas checks that an entry (as listsEntry gives it) holds every
// wanted value; wanted values are written as the list writes them and
// normalised here.
func entryHas(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for kind, values := range want {
		for _, raw := range values {
			v, err := Canonical(kind, raw)
			if err != nil {
				t.Fatalf("wanted %s %q does not normalise: %v", kind, raw, err)
			}
			if !slices.Contains(got[kind], v) {
				t.Errorf("%s %q missing; the entry has %s: %q", kind, v, kind, got[kind])
			}
		}
	}
}

func listsEntry(res *Result, ref string) map[string][]string {
	m := map[string][]string{}
	for _, in := range res.Indicators {
		if in.SourceRef == ref {
			m[in.Kind] = append(m[in.Kind], in.Value)
		}
	}
	return m
}

func TestParseOFACCSVKnownEntries(t *testing.T) {
	set24, _ := legacySet(t, "sdn-csv-2024-05-03", "sdn.csv", "", "", "")
	r24, err := ParseOFACCSV(context.Background(), set24)
	if err != nil {
		t.Fatal(err)
	}
	set21, _ := legacySet(t, "sdn-csv-2021-07-07", "sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
	r21, err := ParseOFACCSV(context.Background(), set21)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		res       *Result
		ref       string
		want      map[string][]string // values that must be present
		wantNotIn map[string][]string // values that must be absent
	}{
		{
			name: "SIM Hyon Sop, an IT-worker financier listed only under NPWMD, has his wallet, passport and birth date",
			res:  r24[0], ref: "42498",
			want: map[string][]string{
				"name":          {"sim hyon sop"},
				KindProgram:     {"NPWMD"},
				KindEntityType:  {"INDIVIDUAL"},
				KindBirthDate:   {"1983-11-25"},
				KindNationality: {"KP"},
				"wallet":        {"0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"},
				"id_document":   {"passport:KP:109484100"},
			},
		},
		{
			name: "a front company of the Chinyong IT-worker network has its aliases and Russian tax id",
			res:  r24[0], ref: "48260",
			want: map[string][]string{
				"name":        {"limited liability company alis", "alias llc", "alis llc"},
				KindProgram:   {"DPRK2"},
				"id_document": {"tax_id:RU:2543103179"},
			},
		},
		{
			name: "the Lazarus Group's remark cut at 1,000 characters keeps its whole aliases and drops the cut one",
			res:  r24[0], ref: "27307",
			want: map[string][]string{
				"name": {"lazarus group", "guardians of peace", "the new romantic cyber army team"},
			},
			wantNotIn: map[string][]string{"name": {"whois hackin", "whois hackin'"}},
		},
		{
			name: "Korea Daesong Bank has its SWIFT code, e-mail and DPRK phone",
			res:  r24[0], ref: "12312",
			want: map[string][]string{
				KindSWIFT: {"KDBKKPPY"},
				"email":   {"kdb@co.chesin.com"},
				"phone":   {"+85023818221"},
			},
		},
		{
			name: "a remark continued in sdn_comments.csv is read to its end",
			res:  r21[0], ref: "28264",
			want: map[string][]string{
				"name":   {"li jiadong"},
				"phone":  {"+8613314257947", "+8618004121000"},
				"wallet": {"1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyE"},
			},
		},
		{
			name: "an alias from alt.csv and a street address from add.csv join their entry",
			res:  r21[0], ref: "306",
			want: map[string][]string{
				"name":    {"banco nacional de cuba", "national bank of cuba", "bnc"},
				"address": {"Zweierstrasse 35, Zurich CH-8022, Switzerland"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := listsEntry(tt.res, tt.ref)
			entryHas(t, got, tt.want)
			for kind, values := range tt.wantNotIn {
				for _, v := range values {
					if slices.Contains(got[kind], v) {
						t.Errorf("%s %q should not be there: it is cut off", kind, v)
					}
				}
			}
		})
	}
}

func TestParseOFACCSVSmallSets(t *testing.T) {
	ctx := context.Background()
	const row = "7,\"KIM, Chol\",\"individual\",\"DPRK3] [DPRK4\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB circa 1980; alt. DOB 1975 to 1977; nationality Korea, North; a.k.a. 'KIM, Cheol'; Email Address kim@example.com; Website www.example.org; Digital Currency Address - XBT TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq.\"\r\n\x1a"
	results, err := ParseOFACCSV(ctx, CSVSet{SDN: NamedReader{Name: "sdn.csv", R: strings.NewReader(row)}})
	if err != nil {
		t.Fatal(err)
	}
	res := results[0]
	var got []string
	for _, in := range res.Indicators {
		got = append(got, in.Kind+" "+in.Value+" "+in.Severity)
	}
	want := []string{
		"name kim chol high",
		"entity_type INDIVIDUAL info",
		"program DPRK3 info",
		"program DPRK4 info",
		"birth_date 1980 info",
		"birth_date 1975 info",
		"birth_date 1976 info",
		"birth_date 1977 info",
		"nationality KP info",
		"name kim cheol high",
		"email kim@example.com critical",
		"url https://www.example.org/ critical",
		"wallet TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq critical",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
	if res.Counts["chain_mismatch"] != 1 {
		t.Errorf("a Tron address listed under XBT: chain_mismatch %d, want 1", res.Counts["chain_mismatch"])
	}
	if got := OFACCSVSource(CSVSet{SDN: NamedReader{Name: "data/cons_prim.csv"}}); got != "ofac-consolidated" {
		t.Errorf("source of cons_prim.csv: got %q, want ofac-consolidated", got)
	}
	if got := OFACCSVSource(CSVSet{SDN: NamedReader{Name: "cons_prim.csv"}, Source: "x"}); got != "x" {
		t.Errorf("an explicit source: got %q, want x", got)
	}

	head, tail := "a.k.a. 'WHOLE'; Organization Type: ", "; a.k.a. 'PART"
	remark := head + strings.Repeat("x", 1000-len(head)-len(tail)) + tail
	cut := "8,\"ACME\",-0- ,\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"" + remark + "\"\r\n"
	results, err = ParseOFACCSV(ctx, CSVSet{SDN: NamedReader{Name: "sdn.csv", R: strings.NewReader(cut)}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"acme", "whole"}, listsEntry(results[0], "8")["name"]); diff != "" {
		t.Errorf("names of an entry whose remark is cut (-want +got):\n%s", diff)
	}
	if results[0].Counts["remarks_cut"] != 1 || results[0].Counts["cut:aliases"] != 1 {
		t.Errorf("counts: got %v, want remarks_cut 1 and cut:aliases 1", results[0].Counts)
	}
	results, err = ParseOFACCSV(ctx, CSVSet{
		SDN:      NamedReader{Name: "sdn.csv", R: strings.NewReader(cut)},
		Comments: NamedReader{Name: "sdn_comments.csv", R: strings.NewReader("8,\"IAL'.\"\r\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if names := listsEntry(results[0], "8")["name"]; !slices.Contains(names, "partial") {
		t.Errorf("with its continuation the alias is whole: got %q, want it to contain \"partial\"", names)
	}
}

func TestParseOFACCSVRejectsMalformedFiles(t *testing.T) {
	tests := []struct {
		name, sdn, wantField string
		wantLine             int
	}{
		{"a row with too few fields", "1,\"A\",-0- ,\"X\"\r\n", "", 1},
		{"an entity number that is not a number", "1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\nx,\"B\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", "ent_num", 2},
		{"an entry without a name", "1,-0- ,-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", "SDN_Name", 1},
		{"an unterminated quote", "1,\"A,-0- ,\"X\"\r\n", "", 1},
		{"an empty file", "\x1a", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ParseOFACCSV(context.Background(), CSVSet{SDN: NamedReader{Name: "sdn.csv", R: strings.NewReader(tt.sdn)}})
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *ParseError", res, err)
			}
			if res != nil {
				t.Errorf("a partial result came back with the error")
			}
			if pe.File != "sdn.csv" || pe.Field != tt.wantField || (tt.wantLine > 0 && pe.Line != tt.wantLine) {
				t.Errorf("got %+v, want file sdn.csv, line %d, field %q", pe, tt.wantLine, tt.wantField)
			}
		})
	}
}

func FuzzParseOFACCSV(f *testing.F) {
	f.Add([]byte("36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a"))
	f.Add([]byte("42498,\"SIM, Hyon Sop\",\"individual\",\"NPWMD\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 25 Nov 1983; nationality Korea, North; Digital Currency Address - ETH 0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c; Passport 109484100 (Korea, North) expires 24 Dec 2024.\"\r\n"))
	f.Add([]byte("1,\"A\",-0- ,\"DPRK3] [DPRK4\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. ''X''; DOB 1960 to 1962; Phone 850 2 381 8221/4188; SWIFT/BIC KDBKKPPY\"\r\n"))
	f.Add([]byte("1,\"A\"\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		results, err := ParseOFACCSV(context.Background(), CSVSet{SDN: NamedReader{Name: "sdn.csv", R: bytes.NewReader(b)}})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if results != nil {
				t.Fatal("a result came back with the error")
			}
			return
		}
		for _, in := range results[0].Indicators {
			if v, err := Canonical(in.Kind, in.Value); err != nil || v != in.Value {
				t.Fatalf("indicator %s %q does not re-canonicalise to itself: %q, %v", in.Kind, in.Value, v, err)
			}
		}
	})
}
