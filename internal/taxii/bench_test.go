package taxii_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/taxii"
)

// BenchmarkObjectsPage measures TAXII pages per second: GETs of pages of
// 100 indicators, following next, from a collection of 10,000 in the
// memory backend, over real HTTP on loopback, decoded by the reader. A
// tenth of the collection is TLP:RED of another member, which the reader
// never sees, so every page is also a TLP decision per object.
func BenchmarkObjectsPage(b *testing.B) {
	const total, batch, limit = 10000, 1000, 100
	m := taxii.NewMemoryBackend()
	if err := m.AddCollection(taxii.CollectionSpec{ID: "bench", Title: "Bench", Readers: []string{"*"}, Writers: []string{"*"}}); err != nil {
		b.Fatal(err)
	}
	reader, other := taxii.Principal{Member: "org-a"}, taxii.Principal{Member: "org-b"}
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := 0; i < total; i += batch {
		var mine, theirs []taxii.Object
		for n := i; n < i+batch; n++ {
			id := fmt.Sprintf("indicator--%08x-0000-4000-8000-%012x", n, n)
			marking, tlp := taxii.MarkingTLP2Green, taxii.TLPGreen
			if n%10 == 0 {
				marking, tlp = taxii.MarkingTLP2Red, taxii.TLPRed
			}
			raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-03-02T09:00:00.000Z","modified":"2026-03-02T09:00:00.000Z","name":"DPRK IT worker persona e-mail","description":"An applicant used this address while posing as a US-based remote developer.","indicator_types":["malicious-activity"],"pattern":"[email-addr:value = 'dev%05d@example.net']","pattern_type":"stix","pattern_version":"2.1","valid_from":"2026-03-02T09:00:00.000Z","labels":["dprk-it-worker"],"confidence":80,"object_marking_refs":[%q]}`, id, n, marking)
			o := taxii.Object{ID: id, Type: "indicator", SpecVersion: "2.1", Modified: t0, TLP: tlp, Raw: json.RawMessage(raw)}
			if tlp == taxii.TLPRed {
				theirs = append(theirs, o)
			} else {
				mine = append(mine, o)
			}
		}
		for _, add := range []struct {
			p    taxii.Principal
			objs []taxii.Object
		}{{reader, mine}, {other, theirs}} {
			if _, err := m.AddObjects(b.Context(), add.p, "bench", add.objs); err != nil {
				b.Fatal(err)
			}
		}
	}
	srv := httptest.NewServer(taxii.NewServer(m, taxii.ServerOptions{
		Authenticate: func(*http.Request) (taxii.Principal, error) { return reader, nil },
	}))
	defer srv.Close()
	client := srv.Client()
	first := fmt.Sprintf("%s/api/collections/bench/objects/?limit=%d", srv.URL, limit)

	pages, objects, next := 0, 0, ""
	for b.Loop() {
		u := first
		if next != "" {
			u += "&next=" + next
		}
		req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, u, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept", taxii.MediaType)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var env taxii.Envelope
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d: %v", resp.StatusCode, err)
		}
		pages++
		objects += len(env.Objects)
		next = env.Next
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(objects)/b.Elapsed().Seconds(), "objects/s")
}
