package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/ringfence/ringfence/internal/store"
)

// benchSubjects makes n subjects shaped like imported records: 14
// identifiers each, some values shared by many subjects.
func benchSubjects(from, n int) []store.Subject {
	subs := make([]store.Subject, n)
	for k := range subs {
		i := from + k
		id := fmt.Sprintf("s%08d", i)
		raw := fmt.Sprintf(`{"id":%q,"name":"Person %d","emails":["p%d@mail%d.example"],"phones":["+1202555%04d"]}`, id, i, i, i%1000, i%10000)
		subs[k] = store.Subject{ID: id, Kind: "applicant", Raw: json.RawMessage(raw), Identifiers: []store.Identifier{
			{Kind: "name", Value: fmt.Sprintf("person %d", i), Attribute: "name"},
			{Kind: "name_key", Value: fmt.Sprintf("prsn %d", i), Attribute: "name"},
			{Kind: "email", Value: fmt.Sprintf("p%d@mail%d.example", i, i%1000), Attribute: "emails[0]"},
			{Kind: "email_domain", Value: fmt.Sprintf("mail%d.example", i%1000), Attribute: "emails[0]"},
			{Kind: "phone", Value: fmt.Sprintf("+1202555%04d", i%10000), Attribute: "phones[0]"},
			{Kind: "address", Value: fmt.Sprintf("%d main st|springfield|il|62701|us", i%50000), Attribute: "addresses[0]", Role: "home"},
			{Kind: "address_key", Value: fmt.Sprintf("62701 %d main", i%50000), Attribute: "addresses[0]", Role: "home"},
			{Kind: "ip", Value: fmt.Sprintf("10.%d.%d.%d", i%256, (i/256)%256, i%7), Attribute: "ips[0]"},
			{Kind: "device", Value: fmt.Sprintf("SN%08d", i), Attribute: "devices[0]"},
			{Kind: "bank_account", Value: fmt.Sprintf("US:021000021:%010d", i), Attribute: "bank_accounts[0]"},
			{Kind: "id_document", Value: fmt.Sprintf("ssn:US:%09d", i), Attribute: "id_documents[0]", Role: "ssn"},
			{Kind: "url", Value: fmt.Sprintf("https://github.com/p%d", i), Attribute: "urls[0]"},
			{Kind: "github", Value: fmt.Sprintf("p%d", i), Attribute: "urls[0]"},
			{Kind: "registrable_domain", Value: "github.com", Attribute: "urls[0]"},
		}}
	}
	return subs
}

// BenchPut measures PutSubjects of new subjects in batches of 1000, the
// store's share of an import; b.N counts subjects.
func BenchPut(b *testing.B, s store.Store) {
	const batch = 1000
	ctx := context.Background()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		b.StopTimer()
		subs := benchSubjects(done, min(batch, b.N-done))
		b.StartTimer()
		if _, err := s.PutSubjects(ctx, subs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "subjects/s")
}

// BenchLookup loads n subjects and measures SubjectsByIdentifier on
// canonical e-mails from all cores; b.N counts lookups.
func BenchLookup(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	for from := 0; from < n; from += 5000 {
		if _, err := s.PutSubjects(ctx, benchSubjects(from, min(5000, n-from))); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(7919)) % n
			ids, err := s.SubjectsByIdentifier(ctx, "email", fmt.Sprintf("p%d@mail%d.example", i, i%1000))
			if err != nil || len(ids) != 1 {
				b.Fatalf("lookup %d: %v, %v", i, ids, err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
