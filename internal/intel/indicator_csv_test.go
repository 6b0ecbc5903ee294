package intel

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ringfence/ringfence/internal/store"
)

func TestParseIndicatorCSV(t *testing.T) {
	const sheet = "\ufeffType,VALUE,label,Severity,source,confidence,tlp,valid_until\r\n" +
		"email,Kim.Chol@Example.COM,IT worker alias,high,fbi-psa,90,TLP:AMBER,2026-12-31\r\n" +
		"email_domain,example.net,,,fbi-psa,,,\r\n" +
		"ip,203.0.113.0/24,,low,,,white,2026-06-01T12:00:00+02:00\r\n" +
		"phone,+1 212 736 5000,,,,,,\r\n" +
		"wallet,0x175d44451403Edf28469dF03A9280c1197ADb92c,,critical,fbi-psa,100,amber+strict,\r\n" +
		"nationality,Korea North,,info,,,,\r\n" +
		"\r\n"
	results, err := ParseIndicatorCSV(context.Background(), strings.NewReader(sheet), "sheets/dprk.csv")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Source, Kind, Value, Label, Severity, TLP, SourceRef string
		Confidence                                           int
		ValidUntil                                           time.Time
	}
	var got []row
	for _, res := range results {
		for _, in := range res.Indicators {
			got = append(got, row{in.Source, in.Kind, in.Value, in.Label, in.Severity, in.TLP, in.SourceRef, in.Confidence, in.ValidUntil})
		}
	}
	want := []row{
		{"fbi-psa", "email", "kim.chol@example.com", "IT worker alias", "high", "amber", "line 2", 90, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"fbi-psa", "email_domain", "example.net", "example.net", "medium", "clear", "line 3", 50, time.Time{}},
		{"fbi-psa", "wallet", "0x175d44451403edf28469df03a9280c1197adb92c", "0x175d44451403Edf28469dF03A9280c1197ADb92c", "critical", "amber+strict", "line 6", 100, time.Time{}},
		{"csv:dprk", "ip", "203.0.113.0/24", "203.0.113.0/24", "low", "clear", "line 4", 50, time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)},
		{"csv:dprk", "phone", "+12127365000", "+1 212 736 5000", "medium", "clear", "line 5", 50, time.Time{}},
		{"csv:dprk", "nationality", "KP", "Korea North", "info", "clear", "line 7", 50, time.Time{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("indicators, grouped by source (-want +got):\n%s", diff)
	}
	if len(results) != 2 || results[0].Entries != 3 || results[1].Entries != 3 {
		t.Errorf("got %d results, want 2 sources of 3 rows each", len(results))
	}
}

func TestParseIndicatorCSVTypesItAccepts(t *testing.T) {
	tests := []struct{ kind, value string }{
		{"name", "KIM, Chol"},
		{"email", "a@example.com"},
		{"email_domain", "example.com"},
		{"domain", "www.example.com"},
		{"url", "https://example.com/jobs"},
		{"phone", "0044 20 7946 0000"},
		{"ip", "2001:db8::1"},
		{"ip", "198.51.100.7"},
		{"wallet", "TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM"},
		{"bank_account", "GB82 WEST 1234 5698 7654 32"},
		{"id_document", "passport:KP:745310001"},
		{"address", "Ibex House, The Minories, London EC3N 1DY, United Kingdom"},
		{"device", "usb:0557:2419"},
		{"birth_date", "1983-11-25"},
		{"nationality", "KP"},
		{"program", "DPRK3"},
	}
	for _, tt := range tests {
		t.Run("a "+tt.kind+" such as "+tt.value+" is read", func(t *testing.T) {
			want, err := Canonical(tt.kind, tt.value)
			if err != nil {
				t.Skipf("the normaliser does not take %q: %v", tt.value, err)
			}
			sheet := "type,value\n" + tt.kind + ",\"" + tt.value + "\"\n"
			results, err := ParseIndicatorCSV(context.Background(), strings.NewReader(sheet), "x.csv")
			if err != nil {
				t.Fatal(err)
			}
			if got := results[0].Indicators[0].Value; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestParseIndicatorCSVRejectsBadRows(t *testing.T) {
	tests := []struct {
		name, sheet, wantField string
		wantLine               int
	}{
		{"a phone without its country code", "type,value\nphone,212 736 5000\n", "value", 2},
		{"an unknown type", "type,value\nemail,a@example.com\nhash,abc\n", "type", 3},
		{"an e-mail address that is none", "type,value\nemail,not-an-address\n", "value", 2},
		{"a severity that is not one", "type,value,severity\nemail,a@example.com,urgent\n", "severity", 2},
		{"a confidence over 100", "type,value,confidence\nemail,a@example.com,101\n", "confidence", 2},
		{"a TLP that is not one", "type,value,tlp\nemail,a@example.com,purple\n", "tlp", 2},
		{"a date in another format", "type,value,valid_until\nemail,a@example.com,31/12/2026\n", "valid_until", 2},
		{"a misspelt column", "type,value,confidnce\n", "confidnce", 1},
		{"a column named twice", "type,value,Type\n", "Type", 1},
		{"no value column", "type,label\n", "value", 1},
		{"a row with a missing cell", "type,value,label\nemail,a@example.com\n", "", 2},
		{"a header and no rows", "type,value\n", "", 2},
		{"an empty file", "", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results, err := ParseIndicatorCSV(context.Background(), strings.NewReader(tt.sheet), "sheet.csv")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *ParseError", results, err)
			}
			if results != nil {
				t.Error("results came back with the error: a bad row must fail the whole file")
			}
			if pe.File != "sheet.csv" || pe.Line != tt.wantLine || pe.Field != tt.wantField {
				t.Errorf("got %+v, want line %d, field %q", pe, tt.wantLine, tt.wantField)
			}
		})
	}
}

func TestCSVTLP(t *testing.T) {
	tests := []struct{ in, want string }{
		{"amber", "amber"}, {"TLP:AMBER", "amber"}, {"TLP: Amber+Strict", "amber+strict"},
		{"white", "clear"}, {"TLP:WHITE", "clear"}, {"CLEAR", "clear"}, {"tlp:red", "red"},
		{"purple", ""}, {"", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q reads as %q", tt.in, tt.want), func(t *testing.T) {
			got, ok := csvTLP(tt.in)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("got %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

// writeIndicatorCSV writes n rows of mixed kinds, as a large member's
// spreadsheet export would hold.
func writeIndicatorCSV(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "type,value,label,severity,source,confidence,tlp,valid_until")
	for i := range n {
		switch i % 8 {
		case 0:
			fmt.Fprintf(w, "email,worker%d@example.com,alias %d,high,bench,80,amber,2027-01-01\n", i, i)
		case 1:
			fmt.Fprintf(w, "domain,front%d.example.org,,medium,bench,,,\n", i)
		case 2:
			fmt.Fprintf(w, "ip,10.%d.%d.0/24,,low,bench,,green,\n", i>>16&255, i>>8&255)
		case 3:
			fmt.Fprintf(w, "phone,+1 212 %03d %04d,,high,bench,,,\n", 200+i%700, i%10000)
		case 4:
			fmt.Fprintf(w, "url,https://front%d.example.org/careers?id=%d,,medium,bench,,,\n", i, i)
		case 5:
			fmt.Fprintf(w, "name,\"KIM, Chol %c%c\",,high,bench,,,\n", 'a'+rune(i%26), 'a'+rune(i/26%26))
		case 6:
			fmt.Fprintf(w, "wallet,0x%040x,,critical,bench,100,,\n", i+1)
		case 7:
			fmt.Fprintf(w, "email_domain,d%d.example.net,,medium,bench,,,\n", i)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkParseIndicatorCSV parses a 1,000,000-row spreadsheet; the
// target is under 20 s an import.
//
//	go test ./internal/intel/ -run '^$' -bench ParseIndicatorCSV -benchtime 1x
func BenchmarkParseIndicatorCSV(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "indicators.csv")
	writeIndicatorCSV(b, path, rows)
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		results, err := ParseIndicatorCSV(context.Background(), f, path)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if n := len(results[0].Indicators); n != rows {
			b.Fatalf("got %d indicators, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func FuzzParseIndicatorCSV(f *testing.F) {
	f.Add([]byte("type,value,label,severity,source\nemail,a@example.com,x,high,s\n"))
	f.Add([]byte("\ufefftype,value,confidence,tlp,valid_until\nip,10.0.0.0/8,5,TLP:WHITE,2026-01-01\nwallet,TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM,,,\n"))
	f.Add([]byte("value,type\n\"KIM, Chol\",name\n"))
	f.Add([]byte("type,value\nphone,+12127365000\n\"unterminated\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		results, err := ParseIndicatorCSV(context.Background(), bytes.NewReader(b), "f.csv")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if results != nil {
				t.Fatal("results came back with the error")
			}
			return
		}
		for _, res := range results {
			for _, in := range res.Indicators {
				if in.Source != res.Source || !slices.Contains(store.TLPs, in.TLP) || !slices.Contains(Severities, in.Severity) || in.Confidence < 0 || in.Confidence > 100 {
					t.Fatalf("indicator the store would refuse: %+v", in)
				}
				if v, err := Canonical(in.Kind, in.Value); err != nil || v != in.Value {
					t.Fatalf("%s %q does not re-canonicalise to itself: %q, %v", in.Kind, in.Value, v, err)
				}
			}
		}
	})
}
