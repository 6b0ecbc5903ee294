package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// genericCorpus generates n events of the generic format as a farm's
// telemetry looks: a few thousand devices and users, sign-ins from a few
// thousand addresses, USB devices, displays, programs and networks.
func genericCorpus(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	t0 := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	vendors := []struct{ vid, pid, vendor, product string }{
		{"046d", "c31c", "Logitech, Inc.", "USB Keyboard"},
		{"046d", "c077", "Logitech, Inc.", "M105 Optical Mouse"},
		{"1d6b", "0104", "PiKVM", "PiKVM Composite Device"},
		{"05ac", "0267", "Apple Inc.", "Magic Keyboard"},
		{"0781", "5583", "SanDisk", "Ultra Fit"},
	}
	programs := []struct{ name, version, publisher string }{
		{"AnyDesk", "ad 9.0.4", "AnyDesk Software GmbH"},
		{"Zoom Workplace (64-bit)", "6.2.5 (51223)", "Zoom Communications, Inc."},
		{"Slack", "4.41.97", "Slack Technologies"},
		{"Google Chrome", "129.0.6668.90", "Google LLC"},
	}
	cities := []struct{ city, region, country string }{
		{"Columbus", "Ohio", "US"}, {"Dallas", "Texas", "US"}, {"Shenyang", "Liaoning", "CN"}, {"Amsterdam", "North Holland", "NL"},
	}
	for i := range n {
		t := t0.Add(time.Duration(i) * 250 * time.Millisecond).Format(time.RFC3339)
		dev := fmt.Sprintf("C02F%06d", rng.IntN(5000))
		user := fmt.Sprintf("user%04d@example.com", rng.IntN(5000))
		ip := fmt.Sprintf("198.51.%d.%d", rng.IntN(16), rng.IntN(256))
		switch rng.IntN(8) {
		case 0, 1, 2:
			c := cities[rng.IntN(len(cities))]
			fmt.Fprintf(&b, `{"time":%q,"type":"signin","user":%q,"ip":%q,"location":{"city":%q,"region":%q,"country":%q,"lat":%.4f,"lon":%.4f},"signin":{"outcome":"SUCCESS","is_proxy":%t,"asn":7922,"as_org":"Comcast Cable Communications, LLC","device_token":"dt%05d","user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15"}}`+"\n",
				t, user, ip, c.city, c.region, c.country, rng.Float64()*180-90, rng.Float64()*360-180, rng.IntN(10) == 0, rng.IntN(5000))
		case 3, 4:
			fmt.Fprintf(&b, `{"time":%q,"type":"seen","user":%q,"device":%q,"ip":%q}`+"\n", t, user, dev, ip)
		case 5:
			v := vendors[rng.IntN(len(vendors))]
			fmt.Fprintf(&b, `{"time":%q,"type":"usb","user":%q,"device":%q,"usb":{"vendor_id":%q,"product_id":%q,"vendor":%q,"product":%q,"serial":"%08X","class":"3","subclass":"1","protocol":"1"}}`+"\n",
				t, user, dev, v.vid, v.pid, v.vendor, v.product, rng.Uint32())
		case 6:
			p := programs[rng.IntN(len(programs))]
			fmt.Fprintf(&b, `{"time":%q,"type":"program","user":%q,"device":%q,"program":{"name":%q,"version":%q,"publisher":%q}}`+"\n",
				t, user, dev, p.name, p.version, p.publisher)
		case 7:
			fmt.Fprintf(&b, `{"time":%q,"type":"wifi","device":%q,"wifi":{"ssid":"HomeNet-%d","bssid":"a4:2b:b0:11:22:%02x"}}`+"\n", t, dev, rng.IntN(300), rng.IntN(256))
		}
	}
	return b.Bytes()
}

var benchCorpus = sync.OnceValue(func() []byte { return genericCorpus(200_000) })

func benchRead(b *testing.B, data []byte, lines int) {
	b.Helper()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	events := 0
	for b.Loop() {
		st, err := Read(context.Background(), bytes.NewReader(data), "bench", Options{}, func(evs []Event) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		if st.Problems != 0 {
			b.Fatalf("%d problems", st.Problems)
		}
		events += st.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkReadGeneric reads 200,000 generated generic events per op.
func BenchmarkReadGeneric(b *testing.B) {
	data := benchCorpus()
	benchRead(b, data, bytes.Count(data, []byte{'\n'}))
}

// BenchmarkReadOkta reads Okta System Log lines (the fixture's sign-ins,
// repeated) as JSON Lines.
func BenchmarkReadOkta(b *testing.B) {
	data := repeatFixture(b, "testdata/okta_logs.jsonl", 20_000)
	benchRead(b, data, bytes.Count(data, []byte{'\n'}))
}

// BenchmarkReadOsquery reads osquery results (the fixture repeated).
func BenchmarkReadOsquery(b *testing.B) {
	data := repeatFixture(b, "testdata/osqueryd.results.log", 10_000)
	benchRead(b, data, bytes.Count(data, []byte{'\n'}))
}

func repeatFixture(b *testing.B, path string, n int) []byte {
	b.Helper()
	f, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return []byte(strings.Repeat(string(f), n))
}
