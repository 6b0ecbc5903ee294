package subject

import (
	"strings"
	"testing"
)

// A stored record reads back as the record that was read, whether it came
// from JSON Lines or from a CSV row.
func TestDecodeStoredReadsBackWhatWasRead(t *testing.T) {
	const jsonl = `{"id":"a1","name":"Jin Park","birth_date":"1990-01-02","emails":["jin@example.com"],"addresses":[{"kind":"shipping","line1":"5 Main St","city":"Austin","region":"TX","postal_code":"78701","country":"US"}],"id_documents":[{"type":"ssn","country":"US","number":"512-38-4471"}],"resume_text":"Go developer","created_at":"2026-01-05T09:00:00Z"}`
	const csvIn = "id,name,birth_date,emails,shipping_address,id_documents,resume_text,created_at\n" +
		`a1,Jin Park,1990-01-02,jin@example.com,"5 Main St, Austin, TX 78701, US",ssn:US:512-38-4471,Go developer,2026-01-05T09:00:00Z` + "\n"
	jr := NewJSONLReader(strings.NewReader(jsonl+"\n"), "in.jsonl")
	fromJSON, err := jr.Next()
	if err != nil {
		t.Fatal(err)
	}
	cr, err := NewCSVReader(strings.NewReader(csvIn), "in.csv")
	if err != nil {
		t.Fatal(err)
	}
	fromCSV, err := cr.Next()
	if err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]Record{"jsonl": fromJSON, "csv": fromCSV} {
		got, err := DecodeStored(read.Raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.ID != read.ID || got.Name != read.Name || got.BirthDate != read.BirthDate || got.ResumeText != read.ResumeText ||
			got.CreatedAt != read.CreatedAt || len(got.Emails) != 1 || len(got.Addresses) != 1 || got.Addresses[0].Kind != "shipping" ||
			len(got.IDDocuments) != 1 || got.IDDocuments[0].Number != read.IDDocuments[0].Number {
			t.Errorf("%s: read back %+v, want %+v", name, got, read)
		}
	}
	if _, err := DecodeStored([]byte(`{"id":"","name":"x"}`)); err == nil {
		t.Error("a stored record without an id decodes")
	}
	if _, err := DecodeStored([]byte(`[1]`)); err == nil {
		t.Error("a JSON array decodes as a record")
	}
}

// FuzzDecodeStored: whatever a database hands back, decoding neither panics
// nor yields a record without an id.
func FuzzDecodeStored(f *testing.F) {
	for _, s := range []string{`{"id":"a","name":"Jin Park","emails":["a@b.co"]}`, `{"id":"a","home_address":"1 Oak St, Austin, TX 78701, US"}`,
		`{"id":"a","addresses":[{"kind":"home","line1":"x"}]}`, `{"id":"a","emails":"a@b.co|c@d.co"}`, `{}`, `null`, `{"id":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		rec, err := DecodeStored(raw)
		if err == nil && rec.ID == "" {
			t.Errorf("%q decoded without an id", raw)
		}
	})
}

// A CSV row reads back with its columns in their order: its addresses come
// out as they did when the file was read, run after run.
func TestDecodeStoredKeepsTheColumnOrder(t *testing.T) {
	raw := []byte(`{"id":"a","shipping_address":"5 Main St, Austin, TX 78701, US","home_address":"9 Oak Ave, Dallas, TX 75201, US"}`)
	for range 20 {
		rec, err := DecodeStored(raw)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Addresses) != 2 || rec.Addresses[0].Kind != "shipping" || rec.Addresses[1].Kind != "home" {
			t.Fatalf("addresses %+v, want shipping then home", rec.Addresses)
		}
	}
}
