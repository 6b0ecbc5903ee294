package blind

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"
)

// hub is a key and an Evaluator for it; tests make several to play
// different hubs or epochs.
type hub struct {
	key Key
	ev  *Evaluator
}

func newHub(t testing.TB, epoch int) hub {
	t.Helper()
	k, err := GenerateKey(epoch, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := NewEvaluator(k)
	if err != nil {
		t.Fatal(err)
	}
	return hub{k, ev}
}

func newClient(t testing.TB, pub PublicKey) *Client {
	t.Helper()
	c, err := NewClient(pub)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tokens runs the whole protocol for inputs.
func tokens(t testing.TB, c *Client, ev *Evaluator, inputs ...[]byte) []Token {
	t.Helper()
	req, err := c.Blind(inputs)
	if err != nil {
		t.Fatal(err)
	}
	evaluated, proof, err := ev.Evaluate(req.Epoch, req.Blinded)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := req.Finalize(evaluated, proof)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

func TestInputSeparatesKindsAndValues(t *testing.T) {
	pairs := [][2]string{
		{"phone", "+14155550100"},
		{"email", "+14155550100"},
		{"phone", "+1415555010"},
		{"phone", ""},
		{"", "phone"},
		{"ph", "one+14155550100"},
		{"phone+", "14155550100"},
		{"identity", "ssn:US:123456789|1990-01-02"},
		{"id_document", "ssn:US:123456789"},
		{"id_document", "ssn:US:123456789|1990-01-02"},
		{"identity", "ssn:US:123456789|1990-01-03"},
	}
	seen := map[string][2]string{}
	for _, p := range pairs {
		in := string(Input(p[0], p[1]))
		if prev, dup := seen[in]; dup {
			t.Errorf("Input%q and Input%q collide", prev, p)
		}
		seen[in] = p
		kind, value, ok := parseInput([]byte(in))
		if !ok || kind != p[0] || value != p[1] {
			t.Errorf("Input%q parses back as (%q, %q, %v)", p, kind, value, ok)
		}
	}
	if got, want := hex.EncodeToString(Input("email", "a@b.c")),
		hex.EncodeToString([]byte("ringfence-token-v1\x00\x00\x00\x05email\x00\x00\x00\x05a@b.c")); got != want {
		t.Errorf("Input(email, a@b.c) = %s, want %s", got, want)
	}
}

// parseInput inverts Input; that it can is what makes Input unambiguous.
func parseInput(b []byte) (kind, value string, ok bool) {
	rest, found := bytes.CutPrefix(b, []byte(inputTag))
	if !found {
		return "", "", false
	}
	field := func() (string, bool) {
		if len(rest) < 4 {
			return "", false
		}
		n := binary.BigEndian.Uint32(rest)
		rest = rest[4:]
		if uint64(n) > uint64(len(rest)) {
			return "", false
		}
		s := string(rest[:n])
		rest = rest[n:]
		return s, true
	}
	kind, ok1 := field()
	value, ok2 := field()
	return kind, value, ok1 && ok2 && len(rest) == 0
}

func TestTokensMatchAcrossMembers(t *testing.T) {
	h := newHub(t, 1)
	a := newClient(t, h.key.Public())
	b := newClient(t, h.key.Public())
	in := Input("phone", "+14155550100")
	ta := tokens(t, a, h.ev, in, Input("email", "x@example.com"))
	tb := tokens(t, b, h.ev, Input("email", "y@example.com"), in)
	if ta[0] != tb[1] {
		t.Errorf("two members got different tokens for one input: %v and %v", ta[0], tb[1])
	}
	if ta[1] == tb[0] {
		t.Errorf("two e-mail addresses got one token")
	}
}

func TestTokensDependOnTheHubKey(t *testing.T) {
	in := Input("phone", "+14155550100")
	h1, h2 := newHub(t, 1), newHub(t, 2)
	t1 := tokens(t, newClient(t, h1.key.Public()), h1.ev, in)
	t2 := tokens(t, newClient(t, h2.key.Public()), h2.ev, in)
	if t1[0] == t2[0] {
		t.Errorf("two hub keys gave one token %v", t1[0])
	}

	// Across a rotation, one Evaluator serves both epochs, with different
	// tokens.
	ev, err := NewEvaluator(h1.key, h2.key)
	if err != nil {
		t.Fatal(err)
	}
	if got := ev.Current(); got != h2.key.Public() {
		t.Errorf("Current() = epoch %d, want 2", got.Epoch)
	}
	if got, want := fmt.Sprint(ev.Epochs()), "[1 2]"; got != want {
		t.Errorf("Epochs() = %s, want %s", got, want)
	}
	old := tokens(t, newClient(t, h1.key.Public()), ev, in)
	cur := tokens(t, newClient(t, h2.key.Public()), ev, in)
	if old[0] != t1[0] || cur[0] != t2[0] {
		t.Errorf("a two-key Evaluator gave other tokens than one-key ones")
	}
}

func TestMemberCannotComputeTokensWithoutTheHub(t *testing.T) {
	hubA := newHub(t, 1)
	c := newClient(t, hubA.key.Public())
	in := [][]byte{Input("phone", "+14155550100"), Input("email", "x@example.com")}

	// The member plays hub with its own key: a valid proof, for the wrong key.
	own := newHub(t, 1)
	// Nor is a key derived from the pinned public key: anything but the
	// hub's secret fails.
	guessed, err := GenerateKey(1, bytes.NewReader(hubA.key.pub[:]))
	if err != nil {
		t.Fatal(err)
	}
	guessedEv, err := NewEvaluator(guessed)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		answer func(req *Request) (evaluated [][]byte, proof []byte)
	}{
		{"evaluating with the member's own key", func(req *Request) ([][]byte, []byte) {
			e, p, err := own.ev.Evaluate(1, req.Blinded)
			if err != nil {
				t.Fatal(err)
			}
			return e, p
		}},
		{"evaluating with a guessed key", func(req *Request) ([][]byte, []byte) {
			e, p, err := guessedEv.Evaluate(1, req.Blinded)
			if err != nil {
				t.Fatal(err)
			}
			return e, p
		}},
		{"echoing the blinded elements with a made-up proof", func(req *Request) ([][]byte, []byte) {
			return req.Blinded, bytes.Repeat([]byte{1}, ProofLen)
		}},
		{"the hub's evaluation with another request's proof", func(req *Request) ([][]byte, []byte) {
			e, _, err := hubA.ev.Evaluate(1, req.Blinded)
			if err != nil {
				t.Fatal(err)
			}
			other, err := c.Blind(in)
			if err != nil {
				t.Fatal(err)
			}
			_, p, err := hubA.ev.Evaluate(1, other.Blinded)
			if err != nil {
				t.Fatal(err)
			}
			return e, p
		}},
		{"the hub's evaluation reordered", func(req *Request) ([][]byte, []byte) {
			e, p, err := hubA.ev.Evaluate(1, req.Blinded)
			if err != nil {
				t.Fatal(err)
			}
			e[0], e[1] = e[1], e[0]
			return e, p
		}},
		{"the hub's evaluation with one element replaced by the member's", func(req *Request) ([][]byte, []byte) {
			e, p, err := hubA.ev.Evaluate(1, req.Blinded)
			if err != nil {
				t.Fatal(err)
			}
			mine, _, err := own.ev.Evaluate(1, req.Blinded)
			if err != nil {
				t.Fatal(err)
			}
			e[1] = mine[1]
			return e, p
		}},
		{"a proof of the wrong length", func(req *Request) ([][]byte, []byte) {
			e, p, err := hubA.ev.Evaluate(1, req.Blinded)
			if err != nil {
				t.Fatal(err)
			}
			return e, p[:ProofLen-1]
		}},
		{"a proof with an unreduced scalar", func(req *Request) ([][]byte, []byte) {
			e, _, err := hubA.ev.Evaluate(1, req.Blinded)
			if err != nil {
				t.Fatal(err)
			}
			return e, bytes.Repeat([]byte{0xff}, ProofLen)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" fails verification", func(t *testing.T) {
			req, err := c.Blind(in)
			if err != nil {
				t.Fatal(err)
			}
			e, p := tt.answer(req)
			toks, err := req.Finalize(e, p)
			if !errors.Is(err, ErrProof) {
				t.Errorf("Finalize = %v, %v; want ErrProof", toks, err)
			}
		})
	}

	t.Run("a hub answer for the other epoch fails verification", func(t *testing.T) {
		hubB := newHub(t, 2)
		ev, err := NewEvaluator(hubA.key, hubB.key)
		if err != nil {
			t.Fatal(err)
		}
		req, err := newClient(t, hubB.key.Public()).Blind(in)
		if err != nil {
			t.Fatal(err)
		}
		e, p, err := ev.Evaluate(1, req.Blinded) // not req.Epoch
		if err != nil {
			t.Fatal(err)
		}
		if _, err := req.Finalize(e, p); !errors.Is(err, ErrProof) {
			t.Errorf("Finalize = %v; want ErrProof", err)
		}
	})
}

func TestFinalizeRejectsMalformedAnswers(t *testing.T) {
	h := newHub(t, 1)
	c := newClient(t, h.key.Public())
	req, err := c.Blind([][]byte{Input("phone", "+14155550100"), Input("phone", "+14155550101")})
	if err != nil {
		t.Fatal(err)
	}
	e, p, err := h.ev.Evaluate(1, req.Blinded)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := req.Finalize(e[:1], p); !errors.Is(err, ErrBatch) {
		t.Errorf("one element for two: %v, want ErrBatch", err)
	}
	identity := make([]byte, ElementLen)
	var ee *ElementError
	if _, err := req.Finalize([][]byte{e[0], identity}, p); !errors.As(err, &ee) || ee.Index != 1 {
		t.Errorf("identity at 1: %v, want an ElementError at index 1", err)
	}
	// The real answer still works after the bad ones.
	if _, err := req.Finalize(e, p); err != nil {
		t.Errorf("Finalize after rejected answers: %v", err)
	}
}

// RFC 9496, Appendix A.2: encodings that a ristretto255 decoder must reject.
var badEncodings = []struct{ why, hex string }{
	{"non-canonical field encoding", "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
	{"non-canonical field encoding", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"non-canonical field encoding", "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"non-canonical field encoding", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"negative field element", "0100000000000000000000000000000000000000000000000000000000000000"},
	{"negative field element", "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"negative field element", "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20"},
	{"non-square x^2", "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371"},
	{"non-square x^2", "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f"},
	{"negative xy", "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e"},
	{"negative xy", "a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220"},
	{"s = -1, so y = 0", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
}

func TestEvaluateRejectsInvalidElements(t *testing.T) {
	h := newHub(t, 1)
	good, err := group.Ristretto255.Generator().MarshalBinaryCompress()
	if err != nil {
		t.Fatal(err)
	}

	type bad struct {
		name    string
		element []byte
		reason  string
	}
	cases := []bad{
		{"the identity element", make([]byte, ElementLen), "the identity element"},
		{"an empty element", nil, "want 32 bytes, got 0"},
		{"31 bytes", good[:31], "want 32 bytes, got 31"},
		{"33 bytes", append(append([]byte{}, good...), 0), "want 32 bytes, got 33"},
		{"64 bytes", bytes.Repeat(good, 2), "want 32 bytes, got 64"},
	}
	for _, b := range badEncodings {
		cases = append(cases, bad{b.why + " " + b.hex[:8], unhex(t, b.hex), "not a canonical ristretto255 encoding"})
	}
	// Random 32-byte strings decode about one time in eight; find ones that
	// do not, deterministically.
	for i, found := byte(0), 0; found < 3; i++ {
		b := bytes.Repeat([]byte{i}, ElementLen)
		b[31] &= 0x7f
		if err := group.Ristretto255.NewElement().UnmarshalBinary(b); err != nil {
			cases = append(cases, bad{fmt.Sprintf("32 bytes of %#x that do not decode", i), b, "not a canonical ristretto255 encoding"})
			found++
		}
	}

	for _, tc := range cases {
		t.Run(tc.name+" is rejected at its index", func(t *testing.T) {
			for _, at := range []int{0, 2} {
				batch := [][]byte{good, good, good}
				batch[at] = tc.element
				e, p, err := h.ev.Evaluate(1, batch)
				var ee *ElementError
				if !errors.Is(err, ErrInvalidElement) || !errors.As(err, &ee) {
					t.Fatalf("Evaluate = %d elements, %d-byte proof, %v; want ErrInvalidElement", len(e), len(p), err)
				}
				if ee.Index != at || ee.Reason != tc.reason {
					t.Errorf("error %q: index %d reason %q, want %d %q", err, ee.Index, ee.Reason, at, tc.reason)
				}
			}
		})
	}

	t.Run("the generator is accepted", func(t *testing.T) {
		if _, _, err := h.ev.Evaluate(1, [][]byte{good}); err != nil {
			t.Error(err)
		}
	})
}

func TestEvaluateRejectsBadRequests(t *testing.T) {
	h := newHub(t, 3)
	g, _ := group.Ristretto255.Generator().MarshalBinaryCompress()
	tests := []struct {
		name    string
		epoch   int
		blinded [][]byte
		want    error
	}{
		{"an unknown epoch", 2, [][]byte{g}, ErrUnknownEpoch},
		{"epoch zero", 0, [][]byte{g}, ErrUnknownEpoch},
		{"no elements", 3, nil, ErrBatch},
		{"an empty batch", 3, [][]byte{}, ErrBatch},
		{"MaxBatch+1 elements", 3, slicesRepeat(g, MaxBatch+1), ErrBatch},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			if _, _, err := h.ev.Evaluate(tt.epoch, tt.blinded); !errors.Is(err, tt.want) {
				t.Errorf("Evaluate = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("MaxBatch elements are accepted", func(t *testing.T) {
		e, p, err := h.ev.Evaluate(3, slicesRepeat(g, MaxBatch))
		if err != nil || len(e) != MaxBatch || len(p) != ProofLen {
			t.Errorf("Evaluate = %d elements, %d-byte proof, %v", len(e), len(p), err)
		}
	})
}

func slicesRepeat(b []byte, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

func TestBlindRejectsBadInputs(t *testing.T) {
	c := newClient(t, newHub(t, 1).key.Public())
	long := make([]byte, MaxInputLen+1)
	tests := []struct {
		name   string
		inputs [][]byte
		want   error
	}{
		{"no inputs", nil, ErrBatch},
		{"MaxBatch+1 inputs", slicesRepeat([]byte("x"), MaxBatch+1), ErrBatch},
		{"an input longer than MaxInputLen", [][]byte{[]byte("x"), long}, ErrInput},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			if _, err := c.Blind(tt.inputs); !errors.Is(err, tt.want) {
				t.Errorf("Blind = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := c.Blind([][]byte{long[:MaxInputLen]}); err != nil {
		t.Errorf("Blind(MaxInputLen bytes) = %v", err)
	}
}

// The package interoperates with circl's own VOPRF client and server in
// both directions: our Evaluator's answers verify in circl's client, and
// circl's server's answers verify in our Request.
func TestInteroperatesWithCircl(t *testing.T) {
	h := newHub(t, 1)
	scalarBytes, err := h.key.k.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var sk oprf.PrivateKey
	if err := sk.UnmarshalBinary(oprf.SuiteRistretto255, scalarBytes); err != nil {
		t.Fatal(err)
	}
	inputs := [][]byte{Input("phone", "+14155550100"), Input("email", "x@example.com")}

	t.Run("circl's client accepts our evaluation", func(t *testing.T) {
		cc := oprf.NewVerifiableClient(oprf.SuiteRistretto255, sk.Public())
		fin, req, err := cc.Blind(inputs)
		if err != nil {
			t.Fatal(err)
		}
		blinded, err := encodeElements(req.Elements)
		if err != nil {
			t.Fatal(err)
		}
		e, p, err := h.ev.Evaluate(1, blinded)
		if err != nil {
			t.Fatal(err)
		}
		zs, err := decodeElements(e)
		if err != nil {
			t.Fatal(err)
		}
		proof := new(dleq.Proof)
		if err := proof.UnmarshalBinary(group.Ristretto255, p); err != nil {
			t.Fatal(err)
		}
		outs, err := cc.Finalize(fin, &oprf.Evaluation{Elements: zs, Proof: proof})
		if err != nil {
			t.Fatal(err)
		}
		want := tokens(t, newClient(t, h.key.Public()), h.ev, inputs...)
		for i := range outs {
			if !bytes.Equal(outs[i], want[i][:]) {
				t.Errorf("circl output %d = %x, want %x", i, outs[i], want[i][:])
			}
		}
	})

	t.Run("our client accepts circl's evaluation", func(t *testing.T) {
		srv := oprf.NewVerifiableServer(oprf.SuiteRistretto255, &sk)
		req, err := newClient(t, h.key.Public()).Blind(inputs)
		if err != nil {
			t.Fatal(err)
		}
		bs, err := decodeElements(req.Blinded)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := srv.Evaluate(&oprf.EvaluationRequest{Elements: bs})
		if err != nil {
			t.Fatal(err)
		}
		e, err := encodeElements(ev.Elements)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ev.Proof.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		ours, _, err := h.ev.Evaluate(1, req.Blinded)
		if err != nil {
			t.Fatal(err)
		}
		compareList(t, "circl's evaluated elements", e, ours)
		if _, err := req.Finalize(e, p); err != nil {
			t.Errorf("Finalize(circl's answer) = %v", err)
		}
	})
}

func TestKeySerialisation(t *testing.T) {
	k, err := GenerateKey(7, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var k2 Key
	if err := k2.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if k2.Epoch != 7 || k2.Public() != k.Public() {
		t.Errorf("round trip: epoch %d public %v, want 7 %v", k2.Epoch, k2.Public(), k.Public())
	}

	zero := append([]byte{}, b...)
	clear(zero[5:])
	unreduced := append([]byte{}, b...)
	for i := 5; i < len(unreduced); i++ {
		unreduced[i] = 0xff
	}
	badEpoch := append([]byte{}, b...)
	binary.BigEndian.PutUint32(badEpoch[1:], 0)
	hugeEpoch := append([]byte{}, b...)
	binary.BigEndian.PutUint32(hugeEpoch[1:], math.MaxUint32)
	otherFormat := append([]byte{}, b...)
	otherFormat[0] = 2
	for name, bad := range map[string][]byte{
		"empty":             nil,
		"short":             b[:len(b)-1],
		"long":              append(append([]byte{}, b...), 0),
		"a zero scalar":     zero,
		"unreduced scalar":  unreduced,
		"epoch 0":           badEpoch,
		"epoch above int32": hugeEpoch,
		"another format":    otherFormat,
	} {
		var k3 Key
		if err := k3.UnmarshalBinary(bad); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("UnmarshalBinary(%s) = %v, want ErrInvalidKey", name, err)
		}
	}

	if _, err := (Key{}).MarshalBinary(); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("zero Key MarshalBinary = %v, want ErrInvalidKey", err)
	}
	if _, err := NewEvaluator(Key{Epoch: 1}); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("NewEvaluator(zero Key) = %v, want ErrInvalidKey", err)
	}
	if _, err := NewEvaluator(k, k2); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("NewEvaluator(two keys of epoch 7) = %v, want ErrInvalidKey", err)
	}
	if _, err := NewEvaluator(); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("NewEvaluator() = %v, want ErrInvalidKey", err)
	}
	for _, epoch := range []int{0, -1, MaxEpoch + 1} {
		if _, err := GenerateKey(epoch, nil); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("GenerateKey(%d) = %v, want ErrInvalidKey", epoch, err)
		}
	}
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k)} {
		if strings.Contains(s, hex.EncodeToString(b[5:])) || !strings.Contains(s, "redacted") {
			t.Errorf("a Key prints as %q", s)
		}
	}
}

func TestGenerateKeyUsesTheGivenRandomness(t *testing.T) {
	seed := bytes.Repeat([]byte{0xa3}, 32)
	k1, err := GenerateKey(1, bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	k2, err := GenerateKey(1, bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	k3, err := GenerateKey(2, bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	if k1.Public() != k2.Public() {
		t.Error("one seed gave two keys")
	}
	if k1.pub == k3.pub {
		t.Error("one seed gave one key for two epochs")
	}
	if _, err := GenerateKey(1, bytes.NewReader(seed[:31])); err == nil {
		t.Error("GenerateKey with 31 bytes of randomness succeeded")
	}
}

func TestPublicKeyText(t *testing.T) {
	k := rfcKey(t)
	k.Epoch = 258
	pub := k.Public()
	text, err := pub.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	// Format 1, epoch 258, then pkSm from RFC 9497 A.1.2.
	if want := "AQAAAQLIA-LMawX8FQZFSbWSBlnKSneyzKbwT2s1cAkzVHatTg"; string(text) != want {
		t.Errorf("MarshalText = %s, want %s", text, want)
	}
	var got PublicKey
	if err := got.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	if got != pub {
		t.Errorf("round trip = %v, want %v", got, pub)
	}
	if pub.String() != string(text) {
		t.Errorf("String() = %s, want %s", pub.String(), text)
	}

	identity := PublicKey{Epoch: 1}
	identityText := "AQAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	bad := map[string]string{
		"empty":                       "",
		"padded":                      string(text) + "==",
		"standard base64":             strings.ReplaceAll(string(text), "-", "+"),
		"one character short":         string(text[:len(text)-1]),
		"non-canonical trailing bits": string(text[:len(text)-1]) + "h",
		"the identity element":        identityText,
		"epoch 0":                     "AQAAAADIA-LMawX8FQZFSbWSBlnKSneyzKbwT2s1cAkzVHatTg",
		"format 2":                    "AgAAAQLIA-LMawX8FQZFSbWSBlnKSneyzKbwT2s1cAkzVHatTg",
		"a non-canonical element":     "AQAAAAH_________________________________________fw",
	}
	for name, s := range bad {
		var p PublicKey
		if err := p.UnmarshalText([]byte(s)); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("UnmarshalText(%s %q) = %v, want ErrInvalidKey", name, s, err)
		}
	}
	if _, err := identity.MarshalText(); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("MarshalText(identity) = %v, want ErrInvalidKey", err)
	}
	if _, err := NewClient(PublicKey{}); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("NewClient(zero PublicKey) = %v, want ErrInvalidKey", err)
	}
	if _, err := NewClient(identity); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("NewClient(identity) = %v, want ErrInvalidKey", err)
	}
}

func TestTokensAreNotPrinted(t *testing.T) {
	var tok Token
	for i := range tok {
		tok[i] = byte(0xa0 + i%16)
	}
	full := hex.EncodeToString(tok[:])
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "token", tok)
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "token", tok)
	for _, s := range []string{
		fmt.Sprint(tok), fmt.Sprintf("%v %s %x %q", tok, tok, tok, tok), fmt.Sprintf("%#v", tok),
		fmt.Sprint([]Token{tok}), logged.String(),
	} {
		if strings.Contains(s, full[4:20]) || strings.Contains(s, hex.EncodeToString([]byte(full[4:20]))) {
			t.Errorf("token printed in full: %s", s)
		}
	}
	if got, want := tok.String(), "token:a0a1…"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	got, err := TokenFromBytes(tok[:])
	if err != nil || got != tok {
		t.Errorf("TokenFromBytes = %v, %v", got, err)
	}
	if _, err := TokenFromBytes(tok[:63]); !errors.Is(err, ErrInput) {
		t.Errorf("TokenFromBytes(63 bytes) = %v, want ErrInput", err)
	}
}

// Evaluator, Client and Quota are shared by request handlers; run with
// -race.
func TestConcurrentUse(t *testing.T) {
	h := newHub(t, 1)
	c := newClient(t, h.key.Public())
	q := NewQuota(QuotaOptions{})
	in := Input("email", "x@example.com")
	want := tokens(t, c, h.ev, in)[0]
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 5 {
				q.Allow(fmt.Sprint("member", i), 1, t0)
				req, err := c.Blind([][]byte{in})
				if err != nil {
					t.Error(err)
					return
				}
				e, p, err := h.ev.Evaluate(1, req.Blinded)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := req.Finalize(e, p)
				if err != nil || got[0] != want {
					t.Errorf("Finalize = %v, %v; want %v", got, err, want)
				}
			}
		})
	}
	wg.Wait()
}
