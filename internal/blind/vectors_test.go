package blind

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/oprf"
)

// RFC 9497, Appendix A.1.2: test vectors for the VOPRF mode of
// ristretto255-SHA512. Values are hex; batches separate items with commas,
// as the RFC does.
const (
	rfcSeed    = "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3"
	rfcKeyInfo = "74657374206b6579" // "test key"
	rfcSkSm    = "e6f73f344b79b379f1a0dd37e07ff62e38d9f71345ce62ae3a9bc60b04ccd909"
	rfcPkSm    = "c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e"
)

var rfcVectors = []struct {
	name              string
	input             string
	blind             string
	blindedElement    string
	evaluationElement string
	proof             string
	proofRandomScalar string
	output            string
}{
	{
		name:              "A.1.2.1 test vector 1, batch size 1",
		input:             "00",
		blind:             "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706",
		blindedElement:    "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945",
		evaluationElement: "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e",
		proof: "ddef93772692e535d1a53903db24367355cc2cc78de93b3be5a8ffcc6985dd06" +
			"6d4346421d17bf5117a2a1ff0fcb2a759f58a539dfbe857a40bce4cf49ec600d",
		proofRandomScalar: "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
		output: "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d" +
			"a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c",
	},
	{
		name:              "A.1.2.2 test vector 2, batch size 1",
		input:             "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
		blind:             "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706",
		blindedElement:    "cc0b2a350101881d8a4cba4c80241d74fb7dcbfde4a61fde2f91443c2bf9ef0c",
		evaluationElement: "60a59a57208d48aca71e9e850d22674b611f752bed48b36f7a91b372bd7ad468",
		proof: "401a0da6264f8cf45bb2f5264bc31e109155600babb3cd4e5af7d181a2c9dc0a" +
			"67154fabf031fd936051dec80b0b6ae29c9503493dde7393b722eafdf5a50b02",
		proofRandomScalar: "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
		output: "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60" +
			"356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6",
	},
	{
		name:  "A.1.2.3 test vector 3, batch size 2",
		input: "00,5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
		blind: "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706," +
			"222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
		blindedElement: "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945," +
			"90a0145ea9da29254c3a56be4fe185465ebb3bf2a1801f7124bbbadac751e654",
		evaluationElement: "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e," +
			"cc5ac221950a49ceaa73c8db41b82c20372a4c8d63e5dded2db920b7eee36a2a",
		proof: "cc203910175d786927eeb44ea847328047892ddf8590e723c37205cb74600b0a" +
			"5ab5337c8eb4ceae0494c2cf89529dcf94572ed267473d567aeed6ab873dee08",
		proofRandomScalar: "419c4f4f5052c53c45f3da494d2b67b220d02118e0857cdbcf037f9ea84bbe0c",
		output: "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d" +
			"a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c," +
			"8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60" +
			"356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6",
	},
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func unhexList(t testing.TB, s string) [][]byte {
	t.Helper()
	var out [][]byte
	for item := range strings.SplitSeq(s, ",") {
		out = append(out, unhex(t, item))
	}
	return out
}

func scalar(t testing.TB, s string) group.Scalar {
	t.Helper()
	k := group.Ristretto255.NewScalar()
	if err := k.UnmarshalBinary(unhex(t, s)); err != nil {
		t.Fatalf("bad scalar %s: %v", s, err)
	}
	return k
}

// rfcKey derives the vectors' key with DeriveKeyPair from Seed and KeyInfo
// and loads it through the package's own serialisation.
func rfcKey(t testing.TB) Key {
	t.Helper()
	sk, err := oprf.DeriveKey(oprf.SuiteRistretto255, oprf.VerifiableMode, unhex(t, rfcSeed), unhex(t, rfcKeyInfo))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sk.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(s); got != rfcSkSm {
		t.Fatalf("skSm = %s, want %s", got, rfcSkSm)
	}
	k, err := newKey(1, s)
	if err != nil {
		t.Fatal(err)
	}
	// And through the storage format.
	b, err := k.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var k2 Key
	if err := k2.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return k2
}

func TestRFC9497Vectors(t *testing.T) {
	key := rfcKey(t)
	pub := key.Public()
	if got := hex.EncodeToString(pub.elem[:]); got != rfcPkSm {
		t.Fatalf("pkSm = %s, want %s", got, rfcPkSm)
	}
	client, err := NewClient(pub)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range rfcVectors {
		t.Run(v.name, func(t *testing.T) {
			ev, err := NewEvaluator(key)
			if err != nil {
				t.Fatal(err)
			}
			ev.proofScalar = func() group.Scalar { return scalar(t, v.proofRandomScalar) }

			var blinds []oprf.Blind
			for _, b := range strings.Split(v.blind, ",") {
				blinds = append(blinds, scalar(t, b))
			}
			req, err := client.blind(unhexList(t, v.input), blinds)
			if err != nil {
				t.Fatal(err)
			}
			compareList(t, "BlindedElement", req.Blinded, unhexList(t, v.blindedElement))

			evaluated, proof, err := ev.Evaluate(pub.Epoch, req.Blinded)
			if err != nil {
				t.Fatal(err)
			}
			compareList(t, "EvaluationElement", evaluated, unhexList(t, v.evaluationElement))
			if want := unhex(t, v.proof); !bytes.Equal(proof, want) {
				t.Errorf("Proof = %x, want %x", proof, want)
			}

			tokens, err := req.Finalize(evaluated, proof)
			if err != nil {
				t.Fatal(err)
			}
			outs := make([][]byte, len(tokens))
			for i := range tokens {
				outs[i] = tokens[i][:]
			}
			compareList(t, "Output", outs, unhexList(t, v.output))
		})
	}
}

func compareList(t *testing.T, what string, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d items, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("%s[%d] = %x, want %x", what, i, got[i], want[i])
		}
	}
}
