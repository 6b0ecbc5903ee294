package hub_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/hub"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/taxii"
)

// BenchmarkTAXIIPages reads a hub collection of 10,000 indicators (a tenth
// of them another member's TLP:RED, which the reader must not get) in pages
// of 100 over loopback HTTP, through authentication, the SQLite query and
// the client's decoding: what a member's pull costs the hub.
func BenchmarkTAXIIPages(b *testing.B) {
	f := newHub(b, hub.Options{})
	ctx := b.Context()
	if err := hub.PutCollection(ctx, f.st, store.HubCollection{ID: "c", Title: "bench",
		Rights: []store.HubRight{{Member: "*", Read: true, Write: true}}}); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var objs []store.TAXIIObject
	for i := range 10000 {
		id := fmt.Sprintf("indicator--%08d-0000-4000-8000-%012d", i, i)
		tlp, writer := "green", "acme"
		if i%10 == 0 {
			tlp, writer = "red", "gov-partner"
		}
		raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","pattern":"[email-addr:value = 'p%d@example.com']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"}`, id, i)
		objs = append(objs, store.TAXIIObject{Collection: "c", ID: id, Type: "indicator", SpecVersion: "2.1", Version: at,
			TLP: tlp, Writer: writer, Raw: json.RawMessage(raw)})
	}
	for i := 0; i < len(objs); i += 1000 {
		if _, err := f.st.AddTAXIIObjects(ctx, objs[i:i+1000]); err != nil {
			b.Fatal(err)
		}
	}
	cl := &taxii.Client{BaseURL: f.srv.URL + "/taxii2/", APIKey: f.keys["beta"], HTTP: f.srv.Client()}
	pages, objects := 0, 0
	start := time.Now()
	for b.Loop() {
		if _, err := cl.Objects(ctx, "", "c", taxii.ClientQuery{Limit: 100}, func(page []json.RawMessage) error {
			pages++
			objects += len(page)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start).Seconds()
	if objects != b.N*9000 {
		b.Fatalf("read %d objects in %d passes; want the 9,000 visible ones each time", objects, b.N)
	}
	b.ReportMetric(float64(pages)/el, "pages/s")
	b.ReportMetric(float64(objects)/el, "objects/s")
}
