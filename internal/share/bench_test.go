package share_test

import (
	"crypto/rand"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cloudflare/circl/oprf"

	"github.com/ringfence/ringfence/internal/blind"
	"github.com/ringfence/ringfence/internal/hub"
	"github.com/ringfence/ringfence/internal/share"
	"github.com/ringfence/ringfence/internal/store"
)

// BenchmarkTokens measures tokens per second through the whole round trip a
// member makes — blind, HTTP to the hub (authentication, quota kept in the
// database, evaluation with its proof), verify and finalise — for 10,000
// inputs in batches of 1,000 (two in flight), against circl's own
// verifiable evaluation of one batch of 1,000 on its own: what the
// protocol costs beyond the group arithmetic.
func BenchmarkTokens(b *testing.B) {
	inputs := make([][]byte, 10*blind.MaxBatch)
	for i := range inputs {
		inputs[i] = blind.Input("phone", "+1415555"+strconv.Itoa(100000+i))
	}
	b.Run("round-trip", func(b *testing.B) {
		st := openStore(b, filepath.Join(b.TempDir(), "hub.db"))
		h, err := hub.New(b.Context(), st, hub.Options{DailyLimit: 1 << 40,
			Quota: blind.QuotaOptions{Rate: 1 << 30, Burst: 1 << 30, Daily: 1 << 30}})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(h.Handler())
		defer srv.Close()
		if err := hub.PutMember(b.Context(), st, store.HubMember{ID: "acme", Kind: store.MemberOrg}); err != nil {
			b.Fatal(err)
		}
		key, _, err := hub.CreateKey(b.Context(), st, "acme", "")
		if err != nil {
			b.Fatal(err)
		}
		hc := &share.HubClient{URL: srv.URL, Key: key, HTTP: srv.Client()}
		bc, _ := blind.NewClient(h.PublicKey())
		start := time.Now()
		for b.Loop() {
			if _, err := share.Tokens(b.Context(), hc, bc, inputs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(inputs))/time.Since(start).Seconds(), "tokens/s")
	})
	b.Run("circl-evaluate", func(b *testing.B) {
		sk, err := oprf.GenerateKey(oprf.SuiteRistretto255, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		srv := oprf.NewVerifiableServer(oprf.SuiteRistretto255, sk)
		cl := oprf.NewVerifiableClient(oprf.SuiteRistretto255, sk.Public())
		_, req, err := cl.Blind(inputs[:blind.MaxBatch])
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for b.Loop() {
			if _, err := srv.Evaluate(req); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*blind.MaxBatch)/time.Since(start).Seconds(), "elements/s")
	})
}
