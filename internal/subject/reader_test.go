package subject

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// readAll drains a reader, splitting good records from line errors.
func readAll(t *testing.T, r Reader) ([]Record, []*LineError) {
	t.Helper()
	var recs []Record
	var bad []*LineError
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return recs, bad
		}
		var le *LineError
		if errors.As(err, &le) {
			bad = append(bad, le)
			continue
		}
		if err != nil {
			t.Fatalf("Next: unexpected fatal error %v", err)
		}
		recs = append(recs, rec)
	}
}

func TestJSONLReaderReportsBadLinesWithFileLineAndField(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		wantField string
		wantIn    string
	}{
		{"broken JSON is unreadable as a whole", `{"id": "a",`, "", "not valid JSON"},
		{"an array is not a record", `[1,2]`, "", "JSON object"},
		{"null is not a record", `null`, "", "JSON object"},
		{"a record needs an id", `{"name":"A B"}`, "id", "required"},
		{"a blank id is no id", `{"id":"   "}`, "id", "required"},
		{"a numeric id is the wrong type", `{"id":7}`, "id", "must be a string"},
		{"an unknown kind is named", `{"id":"a","kind":"spy"}`, "kind", `"spy" is not one of`},
		{"birth dates are YYYY-MM-DD", `{"id":"a","birth_date":"03/04/1990"}`, "birth_date", "YYYY-MM-DD"},
		{"an impossible date is rejected", `{"id":"a","birth_date":"1990-02-30"}`, "birth_date", "YYYY-MM-DD"},
		{"a birth date before 1900 is rejected", `{"id":"a","birth_date":"1850-01-01"}`, "birth_date", "before 1900"},
		{"nationality must be a country", `{"id":"a","nationality":"Atlantis"}`, "nationality", "ISO 3166"},
		{"a list element of the wrong type is named by index", `{"id":"a","emails":["x@y.com",3]}`, "emails[1]", "must be a string"},
		{"a list field given an object is rejected", `{"id":"a","phones":{"x":1}}`, "phones", "array of strings"},
		{"an address kind outside the contract is rejected", `{"id":"a","addresses":[{"kind":"summer","line1":"1 Main St"}]}`, "addresses[0].kind", "not one of"},
		{"an address without line1 is rejected", `{"id":"a","addresses":[{"city":"Austin"}]}`, "addresses[0].line1", "at least line1"},
		{"an address with an unknown field is rejected", `{"id":"a","addresses":[{"line1":"1 Main St","zipcode":"1"}]}`, "addresses[0]", "unknown field"},
		{"a document type outside the contract is rejected", `{"id":"a","id_documents":[{"type":"library_card","number":"1"}]}`, "id_documents[0].type", "not one of"},
		{"a document needs a number", `{"id":"a","id_documents":[{"type":"passport","country":"KP"}]}`, "id_documents[0].number", "required"},
		{"a document string must be type:country:number", `{"id":"a","id_documents":["passport-123"]}`, "id_documents[0]", "type:country:number"},
		{"created_at must be a time", `{"id":"a","created_at":"yesterday"}`, "created_at", "RFC 3339"},
		{"a NUL byte in a name is rejected", `{"id":"a","name":"A\u0000B"}`, "name", "NUL"},
		{"too many values in one field are rejected", `{"id":"a","ips":[` + strings.Repeat(`"1.1.1.1",`, MaxValues) + `"1.1.1.1"]}`, "ips", "more than"},
		{"an over-long value is rejected", `{"id":"a","emails":["` + strings.Repeat("x", MaxValueBytes+1) + `"]}`, "emails[0]", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := `{"id":"ok1"}` + "\n" + tt.line + "\n" + `{"id":"ok2"}` + "\n"
			recs, bad := readAll(t, NewJSONLReader(strings.NewReader(in), "people.jsonl"))
			if len(recs) != 2 {
				t.Errorf("got %d good records, want 2: a bad line must not stop the rest", len(recs))
			}
			if len(bad) != 1 {
				t.Fatalf("got %d bad lines %v, want 1", len(bad), bad)
			}
			le := bad[0]
			if le.File != "people.jsonl" || le.Line != 2 || le.Field != tt.wantField {
				t.Errorf("got %s:%d field %q, want people.jsonl:2 field %q", le.File, le.Line, le.Field, tt.wantField)
			}
			if !strings.Contains(le.Reason, tt.wantIn) {
				t.Errorf("got reason %q, want it to say %q", le.Reason, tt.wantIn)
			}
		})
	}
}

func TestJSONLReaderKeepsEveryField(t *testing.T) {
	line := `{"id":"a1","kind":"applicant","name":"Jane Roe","aliases":["J. Roe"],"birth_date":"1990-04-01",` +
		`"nationality":"us","emails":"jane@example.com","phones":["+1 212 736 5000"],` +
		`"addresses":[{"kind":"shipping","line1":"1 Main St","city":"Austin","region":"TX","postal_code":"78701","country":"US"},"2 Oak Ave, Dallas, TX 75201, US"],` +
		`"id_documents":[{"type":"SSN","number":"078-05-1121","country":"US"},"passport:KP:745310001"],` +
		`"bank_accounts":["GB82WEST12345698765432"],"wallets":["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"],"ips":["8.8.8.8"],` +
		`"devices":["C02X1234"],"urls":["https://github.com/jroe"],"resume_text":"Go developer","created_at":"2026-01-02T03:04:05Z",` +
		`"ats_stage":"screen","scores":{"a":1}}`
	recs, bad := readAll(t, NewJSONLReader(strings.NewReader(line+"\n"), "x.jsonl"))
	if len(bad) != 0 || len(recs) != 1 {
		t.Fatalf("got %d records and errors %v, want 1 record", len(recs), bad)
	}
	got := recs[0]
	want := Record{
		ID: "a1", Kind: "applicant", Name: "Jane Roe", Aliases: []string{"J. Roe"}, BirthDate: "1990-04-01",
		Nationality: "US", Emails: []string{"jane@example.com"}, Phones: []string{"+1 212 736 5000"},
		Addresses: []Address{
			{Kind: "shipping", Line1: "1 Main St", City: "Austin", Region: "TX", PostalCode: "78701", Country: "US"},
			{Kind: "home", Text: "2 Oak Ave, Dallas, TX 75201, US"},
		},
		IDDocuments:  []IDDocument{{Type: "ssn", Number: "078-05-1121", Country: "US"}, {Type: "passport", Country: "KP", Number: "745310001"}},
		BankAccounts: []string{"GB82WEST12345698765432"}, Wallets: []string{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
		IPs: []string{"8.8.8.8"}, Devices: []string{"C02X1234"}, URLs: []string{"https://github.com/jroe"},
		ResumeText: "Go developer", CreatedAt: "2026-01-02T03:04:05Z",
		Extra: map[string]json.RawMessage{"ats_stage": json.RawMessage(`"screen"`), "scores": json.RawMessage(`{"a":1}`)},
		Raw:   json.RawMessage(line), Line: 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("record mismatch (-want +got):\n%s", diff)
	}
	// Written out again, the unknown fields are still there.
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	again, bad := readAll(t, NewJSONLReader(bytes.NewReader(append(out, '\n')), "again.jsonl"))
	if len(bad) != 0 || len(again) != 1 {
		t.Fatalf("re-reading the written record: %d records, errors %v", len(again), bad)
	}
	if diff := cmp.Diff(got, again[0], cmpopts.IgnoreFields(Record{}, "Raw")); diff != "" {
		t.Errorf("a record written and read again changed (-first +second):\n%s", diff)
	}
}

func TestJSONLReaderRejectsDuplicateIDsNamingTheFirstLine(t *testing.T) {
	in := "{\"id\":\"a\"}\n\n{\"id\":\"b\"}\n{\"id\":\" a \"}\n"
	recs, bad := readAll(t, NewJSONLReader(strings.NewReader(in), "d.jsonl"))
	if len(recs) != 2 || len(bad) != 1 {
		t.Fatalf("got %d records, %d errors; want 2 and 1", len(recs), len(bad))
	}
	if bad[0].Line != 4 || bad[0].Field != "id" || !strings.Contains(bad[0].Reason, "first seen on line 1") {
		t.Errorf("got %v, want line 4, field id, first seen on line 1", bad[0])
	}
}

func TestJSONLReaderSkipsAnOverlongLineAndGoesOn(t *testing.T) {
	in := `{"id":"a"}` + "\n" + `{"id":"b","resume_text":"` + strings.Repeat("x", MaxLineBytes+10) + `"}` + "\n" + `{"id":"c"}` + "\n"
	recs, bad := readAll(t, NewJSONLReader(strings.NewReader(in), "big.jsonl"))
	if len(recs) != 2 || recs[1].ID != "c" || recs[1].Line != 3 {
		t.Fatalf("got records %v, want a and c (line 3)", recs)
	}
	if len(bad) != 1 || bad[0].Line != 2 || !strings.Contains(bad[0].Reason, "longer than") {
		t.Errorf("got errors %v, want line 2 too long", bad)
	}
}

func TestCSVReaderReadsTheContractColumns(t *testing.T) {
	in := "\ufeffid,name,emails,phones,home_address,shipping_address,id_documents,wallets,birth_date,team\n" +
		`c1,Jane Roe,jane@example.com|JANE@example.com,(212) 736-5000,"1 Main St, Austin, TX 78701, US","9 Elm St, Dallas, TX 75201, US",ssn:US:078-05-1121,,1990-04-01,blue` + "\n" +
		"c2,,,,,,,,,\n"
	r, err := NewCSVReader(strings.NewReader(in), "p.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, bad := readAll(t, r)
	if len(bad) != 0 || len(recs) != 2 {
		t.Fatalf("got %d records, errors %v", len(recs), bad)
	}
	got := recs[0]
	got.Raw = nil
	want := Record{ID: "c1", Name: "Jane Roe", Emails: []string{"jane@example.com", "JANE@example.com"},
		Phones: []string{"(212) 736-5000"},
		Addresses: []Address{{Kind: "home", Text: "1 Main St, Austin, TX 78701, US"},
			{Kind: "shipping", Text: "9 Elm St, Dallas, TX 75201, US"}},
		IDDocuments: []IDDocument{{Type: "ssn", Country: "US", Number: "078-05-1121"}},
		BirthDate:   "1990-04-01", Extra: map[string]json.RawMessage{"team": json.RawMessage(`"blue"`)}, Line: 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("record mismatch (-want +got):\n%s", diff)
	}
	var raw map[string]string
	if err := json.Unmarshal(recs[0].Raw, &raw); err != nil || raw["team"] != "blue" || raw["id"] != "c1" {
		t.Errorf("raw row %s: want a JSON object of every cell (err %v)", recs[0].Raw, err)
	}
}

func TestCSVReaderReportsBadRowsAndGoesOn(t *testing.T) {
	tests := []struct {
		name, row, field, reason string
	}{
		{"a row with too few cells", "x1,Only", "", "2 cells, the header has 3"},
		{"a row with a bad date", "x1,A,1990-31-01", "birth_date", "YYYY-MM-DD"},
		{"a row without an id", ",A,1990-01-01", "id", "required"},
		{"a bare quote", "x1,\"A\"B,1990-01-01", "", "malformed CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "id,name,birth_date\nok1,A,1990-01-01\n" + tt.row + "\nok2,B,1991-01-01\n"
			r, err := NewCSVReader(strings.NewReader(in), "p.csv")
			if err != nil {
				t.Fatal(err)
			}
			recs, bad := readAll(t, r)
			if len(recs) != 2 {
				t.Errorf("got %d good records, want 2", len(recs))
			}
			if len(bad) != 1 {
				t.Fatalf("got errors %v, want 1", bad)
			}
			if bad[0].Line != 3 || bad[0].Field != tt.field || !strings.Contains(bad[0].Reason, tt.reason) {
				t.Errorf("got %v, want line 3 field %q saying %q", bad[0], tt.field, tt.reason)
			}
		})
	}
}

func TestCSVReaderRejectsABadHeader(t *testing.T) {
	for name, in := range map[string]string{
		"an empty file":        "",
		"a header without id":  "name,emails\n",
		"a column named twice": "id,name,Name\n",
		"an empty column name": "id,,name\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewCSVReader(strings.NewReader(in), "h.csv")
			var le *LineError
			if !errors.As(err, &le) || le.Line != 1 {
				t.Errorf("got %v, want a line-1 error", err)
			}
		})
	}
}

func TestOpenTellsFormatsApartAndReadsGzip(t *testing.T) {
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "a.data")
	os.WriteFile(jsonl, []byte("\n  {\"id\":\"j1\"}\n"), 0o600)
	csvPath := filepath.Join(dir, "b.data")
	os.WriteFile(csvPath, []byte("id,name\nc1,X\n"), 0o600)
	gz := filepath.Join(dir, "c.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("{\"id\":\"g1\"}\n{\"id\":\"g2\"}\n"))
	zw.Close()
	os.WriteFile(gz, buf.Bytes(), 0o600)
	for path, want := range map[string][]string{jsonl: {"j1"}, csvPath: {"c1"}, gz: {"g1", "g2"}} {
		r, c, err := Open(path, nil)
		if err != nil {
			t.Fatalf("Open(%s): %v", path, err)
		}
		recs, bad := readAll(t, r)
		c.Close()
		var got []string
		for _, r := range recs {
			got = append(got, r.ID)
		}
		if len(bad) != 0 || !cmp.Equal(got, want) {
			t.Errorf("Open(%s): got ids %v errors %v, want %v", filepath.Base(path), got, bad, want)
		}
	}
	r, c, err := Open("-", strings.NewReader(`{"id":"s1"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	recs, _ := readAll(t, r)
	if len(recs) != 1 || recs[0].ID != "s1" {
		t.Errorf("reading standard input: got %v", recs)
	}
}

// FuzzJSONLReader feeds arbitrary bytes to the reader: it must never panic,
// every error must be a LineError with a line number or the end, and every
// record it returns must have an id and survive a write and re-read.
func FuzzJSONLReader(f *testing.F) {
	f.Add([]byte(`{"id":"a","name":"Kim Jong Un","emails":["a@b.co"],"addresses":[{"line1":"1 Main"}]}`))
	f.Add([]byte("{\"id\":\"a\"}\n{\"id\":\"a\"}\n{bad\n"))
	f.Add([]byte(`{"id":"x","id_documents":["ssn:US:078-05-1121"],"extra":{"deep":[1,2,{"x":null}]}}`))
	f.Add([]byte(`{"id":"x","birth_date":"2000-02-29","aliases":"one"}`))
	f.Add([]byte("\ufeff{\"id\":\"bom\"}\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewJSONLReader(bytes.NewReader(data), "fuzz.jsonl")
		for i := 0; i < 10000; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var le *LineError
			if errors.As(err, &le) {
				if le.Line < 1 {
					t.Fatalf("line error without a line: %v", le)
				}
				continue
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if rec.ID == "" {
				t.Fatal("record without id")
			}
			out, err := json.Marshal(rec)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			again, fe := decodeJSON(out)
			if fe == nil {
				fe = validate(&again)
			}
			if fe != nil {
				t.Fatalf("a record the reader accepted does not re-read: %v %s", fe.reason, out)
			}
		}
	})
}

// FuzzCSVReader: no panic, and errors carry lines.
func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("id,name,phones\na,B,1|2\n"))
	f.Add([]byte("id,home_address,id_documents\na,\"1 Main St, X, TX 1, US\",passport:KP:1\n"))
	f.Add([]byte("id\n\"a\nb\"\n"))
	f.Add([]byte("name\nx\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewCSVReader(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var le *LineError
			if errors.As(err, &le) {
				continue
			}
			if err != nil {
				return // unreadable further, reported as such
			}
			if rec.ID == "" {
				t.Fatal("record without id")
			}
		}
	})
}

// FuzzDecodeFast checks the fast path against the slow one: whenever the
// fast path accepts a line, the slow path must read the same record.
func FuzzDecodeFast(f *testing.F) {
	f.Add([]byte(`{"id":"a","emails":"x@y.z","addresses":["1 Main St, X"],"id_documents":["ssn:US:1"]}`))
	f.Add([]byte(`{"id":"a","addresses":[{"kind":"home","line1":"1"}],"id_documents":[{"type":"ssn","number":"1"}]}`))
	f.Add([]byte(`{"ID":"a"}`))
	f.Add([]byte(`{"id":"a","id":"b","name":null}`))
	f.Add([]byte(`{"id":"a1","kind":"applicant","name":"Jane Ro\u00e9","aliases":["J. Roe"],"birth_date":"1990-04-01",` +
		`"nationality":"us","emails":"jane@example.com","phones":["+1 212 736 5000"],` +
		`"addresses":[{"kind":"shipping","line1":"1 Main St","city":"Austin","region":"TX","postal_code":"78701","country":"US"},"2 Oak Ave, Dallas, TX 75201, US"],` +
		`"id_documents":[{"type":"SSN","number":"078-05-1121","country":"US"},"passport:KP:745310001"],` +
		`"bank_accounts":["GB82WEST12345698765432"],"wallets":[],"ips":null,"resume_text":"Go \"dev\"\n\ud83d\ude00",` +
		`"ats_stage":"screen","scores":{"a":[1,2.5e3,true,null,"x]}"]},"n":-0.5}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		fast, ok := decodeFast(line)
		if !ok {
			return
		}
		slow, fe := decodeJSON(line)
		if fe != nil {
			t.Fatalf("fast path accepted what the slow path rejects (%s: %s): %s", fe.field, fe.reason, line)
		}
		if diff := cmp.Diff(slow, fast, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("fast and slow paths differ (-slow +fast):\n%s\nline: %s", diff, line)
		}
	})
}

func TestIDSetFindsEveryDuplicateAcrossGrowth(t *testing.T) {
	s := &ids{}
	const n = 200000
	for i := 1; i <= n; i++ {
		if _, dup := s.add("id-"+strconv.Itoa(i), i); dup {
			t.Fatalf("id-%d reported as a duplicate on first sight", i)
		}
	}
	for i := 1; i <= n; i += 997 {
		first, dup := s.add("id-"+strconv.Itoa(i), n+i)
		if !dup || first != i {
			t.Fatalf("id-%d again: got first=%d dup=%v, want first=%d", i, first, dup, i)
		}
	}
}

// An API request's record reads as the same line of a JSON Lines file would,
// however it is indented, and its Raw reads back to the same record.
func FuzzDecodeRecord(f *testing.F) {
	for _, s := range []string{
		`{"id":"a1","name":"Kim Chol","emails":["kc@example.com"]}`,
		"{\n  \"id\": \"a2\",\n  \"birth_date\": \"1990-01-02\",\n  \"addresses\": [{\"kind\": \"home\", \"city\": \"Seoul\"}]\n}",
		`{"id":"a3","birth_date":"1990-13-45"}`,
		`{"name":"no id"}`,
		`[1,2]`, `"x"`, `null`, `{`, "\xef\xbb\xbf{\"id\":\"bom\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := DecodeRecord(b, "request")
		var le *LineError
		if err != nil {
			if !errors.As(err, &le) || le.File != "request" {
				t.Fatalf("error %v is not a LineError of the request", err)
			}
			return
		}
		if !json.Valid(rec.Raw) || bytes.ContainsAny(rec.Raw, "\n") {
			t.Fatalf("Raw %q is not one line of JSON", rec.Raw)
		}
		line, err := NewJSONLReader(bytes.NewReader(append(bytes.Clone(rec.Raw), '\n')), "f").Next()
		if err != nil || line.ID != rec.ID || line.Name != rec.Name || line.BirthDate != rec.BirthDate {
			t.Fatalf("Raw reads back as %+v, %v; want %+v", line, err, rec)
		}
	})
}
