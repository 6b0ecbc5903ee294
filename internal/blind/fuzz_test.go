package blind

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/zk/dleq"
)

// FuzzEvaluate feeds arbitrary bytes to the hub as a batch of blinded
// elements, cut into elements of the lengths the fuzzer chooses. Properties:
// no panic; a refusal is ErrBatch or an ElementError at a real index; an
// answer has one 32-byte element per input and a proof that verifies under
// the hub's public key.
func FuzzEvaluate(f *testing.F) {
	g, _ := group.Ristretto255.Generator().MarshalBinaryCompress()
	f.Add(g, uint8(32))
	f.Add(append(append([]byte{}, g...), g...), uint8(32))
	f.Add(make([]byte, 32), uint8(32)) // identity
	for _, b := range badEncodings {
		f.Add(unhex(f, b.hex), uint8(32))
	}
	f.Add(bytes.Repeat([]byte{0xff}, 64), uint8(32))
	f.Add(g[:31], uint8(31))
	f.Add([]byte{}, uint8(0))

	key, err := GenerateKey(1, bytes.NewReader(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		f.Fatal(err)
	}
	ev, err := NewEvaluator(key)
	if err != nil {
		f.Fatal(err)
	}
	pub := group.Ristretto255.NewElement()
	if err := pub.UnmarshalBinary(key.pub[:]); err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		var blinded [][]byte
		if size == 0 {
			if len(data) > 0 {
				blinded = [][]byte{data}
			}
		} else {
			for len(data) > 0 {
				n := min(int(size), len(data))
				blinded = append(blinded, data[:n])
				data = data[n:]
			}
		}
		evaluated, proof, err := ev.Evaluate(1, blinded)
		if err != nil {
			var ee *ElementError
			switch {
			case errors.As(err, &ee):
				if ee.Index < 0 || ee.Index >= len(blinded) || !errors.Is(err, ErrInvalidElement) {
					t.Fatalf("bad ElementError %v for %d elements", err, len(blinded))
				}
			case errors.Is(err, ErrBatch):
				if len(blinded) != 0 && len(blinded) <= MaxBatch {
					t.Fatalf("ErrBatch for %d elements", len(blinded))
				}
			default:
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(evaluated) != len(blinded) || len(proof) != ProofLen {
			t.Fatalf("%d evaluated for %d blinded, %d-byte proof", len(evaluated), len(blinded), len(proof))
		}
		bs, err := decodeElements(blinded)
		if err != nil {
			t.Fatalf("accepted elements do not decode: %v", err)
		}
		zs, err := decodeElements(evaluated)
		if err != nil {
			t.Fatalf("evaluated elements do not decode: %v", err)
		}
		p := new(dleq.Proof)
		if err := p.UnmarshalBinary(group.Ristretto255, proof); err != nil {
			t.Fatal(err)
		}
		if !(dleq.Verifier{Params: dleqParams()}).VerifyBatchRFC9497(pub, bs, zs, p) {
			t.Fatal("proof does not verify")
		}
	})
}

// FuzzPublicKeyUnmarshalText: no panic; accepted text is canonical (it
// marshals back to itself) and makes a working Client.
func FuzzPublicKeyUnmarshalText(f *testing.F) {
	f.Add("AQAAAQLIA-LMawX8FQZFSbWSBlnKSneyzKbwT2s1cAkzVHatTg")
	f.Add("AQAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("AQAAAAH_________________________________________fw")
	f.Add("AQAAAQLIA-LMawX8FQZFSbWSBlnKSneyzKbwT2s1cAkzVHatTh")
	f.Add("AQAAAQLIA+LMawX8FQZFSbWSBlnKSneyzKbwT2s1cAkzVHatTg==")
	f.Add("")
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, text string) {
		var p PublicKey
		if err := p.UnmarshalText([]byte(text)); err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("error %v is not ErrInvalidKey", err)
			}
			return
		}
		out, err := p.MarshalText()
		if err != nil {
			t.Fatalf("accepted key does not marshal: %v", err)
		}
		if string(out) != text {
			t.Fatalf("UnmarshalText(%q) marshals as %q", text, out)
		}
		if _, err := NewClient(p); err != nil {
			t.Fatalf("accepted key makes no client: %v", err)
		}
	})
}

// FuzzInput: distinct (kind, value) pairs never share an encoding, and the
// encoding parses back to its pair.
func FuzzInput(f *testing.F) {
	f.Add("phone", "+14155550100", "email", "+14155550100")
	f.Add("ph", "one1", "phone", "1")
	f.Add("identity", "ssn:US:123456789|1990-01-02", "id_document", "ssn:US:123456789")
	f.Add("", "", "", "\x00")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		a, b := Input(k1, v1), Input(k2, v2)
		if (k1 != k2 || v1 != v2) && bytes.Equal(a, b) {
			t.Fatalf("Input(%q, %q) == Input(%q, %q)", k1, v1, k2, v2)
		}
		if k, v, ok := parseInput(a); !ok || k != k1 || v != v1 {
			t.Fatalf("Input(%q, %q) parses as (%q, %q, %v)", k1, v1, k, v, ok)
		}
	})
}
