package blind

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/oprf"
)

// benchInputs returns n distinct phone-number inputs.
func benchInputs(n int) [][]byte {
	in := make([][]byte, n)
	for i := range in {
		in[i] = Input("phone", "+1415555"+fmt.Sprintf("%04d", i))
	}
	return in
}

// perElement reports the cost per element and the elements per second of
// a benchmark whose iterations each handle n elements.
func perElement(b *testing.B, n int, unit string) {
	elems := float64(b.N) * float64(n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/elems, "ns/"+unit)
	b.ReportMetric(elems/b.Elapsed().Seconds(), unit+"s/s")
}

// BenchmarkCirclEvaluate is the raw cost of circl's VOPRF server on a full
// batch: scalar multiplications and the batched DLEQ proof, nothing else.
func BenchmarkCirclEvaluate(b *testing.B) {
	h := newHub(b, 1)
	s, err := h.key.k.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	var sk oprf.PrivateKey
	if err := sk.UnmarshalBinary(oprf.SuiteRistretto255, s); err != nil {
		b.Fatal(err)
	}
	srv := oprf.NewVerifiableServer(oprf.SuiteRistretto255, &sk)
	req, err := newClient(b, h.key.Public()).Blind(benchInputs(MaxBatch))
	if err != nil {
		b.Fatal(err)
	}
	bs, err := decodeElements(req.Blinded)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := srv.Evaluate(&oprf.EvaluationRequest{Elements: bs}); err != nil {
			b.Fatal(err)
		}
	}
	perElement(b, MaxBatch, "element")
}

// BenchmarkEvaluate is the hub's cost per request through this package:
// decoding and checking the elements, evaluating, proving, encoding.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{1, 100, MaxBatch} {
		b.Run("batch="+strconv.Itoa(n), func(b *testing.B) {
			h := newHub(b, 1)
			req, err := newClient(b, h.key.Public()).Blind(benchInputs(n))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, _, err := h.ev.Evaluate(1, req.Blinded); err != nil {
					b.Fatal(err)
				}
			}
			perElement(b, n, "element")
		})
	}
}

// BenchmarkClient is a member's cost per element: Blind and Finalize
// (which verifies the proof), with the hub's evaluation outside the timer.
func BenchmarkClient(b *testing.B) {
	h := newHub(b, 1)
	c := newClient(b, h.key.Public())
	in := benchInputs(MaxBatch)
	for b.Loop() {
		req, err := c.Blind(in)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		e, p, err := h.ev.Evaluate(1, req.Blinded)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := req.Finalize(e, p); err != nil {
			b.Fatal(err)
		}
	}
	perElement(b, MaxBatch, "element")
}

// BenchmarkEndToEnd is blind, evaluate and finalize in one process, the
// ceiling for tokens per second before the network: serially, and with
// GOMAXPROCS requests in flight.
func BenchmarkEndToEnd(b *testing.B) {
	h := newHub(b, 1)
	c := newClient(b, h.key.Public())
	in := benchInputs(MaxBatch)
	round := func() error {
		req, err := c.Blind(in)
		if err != nil {
			return err
		}
		e, p, err := h.ev.Evaluate(req.Epoch, req.Blinded)
		if err != nil {
			return err
		}
		_, err = req.Finalize(e, p)
		return err
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := round(); err != nil {
				b.Fatal(err)
			}
		}
		perElement(b, MaxBatch, "token")
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := round(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		perElement(b, MaxBatch, "token")
	})
}

// BenchmarkDecodeElement is the cost of checking one wire element.
func BenchmarkDecodeElement(b *testing.B) {
	g, _ := group.Ristretto255.RandomElement(nil).MarshalBinaryCompress()
	for b.Loop() {
		if _, err := decodeElement(0, g); err != nil {
			b.Fatal(err)
		}
	}
}
