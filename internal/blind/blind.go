// Package blind computes blinded identity tokens, so that consortium members
// can learn "this identity is also employed at N other members" without
// anyone, the hub included, seeing raw PII.
//
// A token is the output of a verifiable oblivious pseudorandom function
// (VOPRF, RFC 9497, suite ristretto255-SHA512) keyed by the hub:
//
//	member (Client)                              hub (Evaluator)
//	req := client.Blind([Input(kind, value)…])
//	                        req.Blinded, epoch -->
//	                                             quota.Allow(member, n, now)
//	                                             evaluated, proof := Evaluate(epoch, blinded)
//	                        <-- evaluated, proof
//	tokens := req.Finalize(evaluated, proof)
//
// The hub sees only blinded group elements, which are uniformly random and
// unlinkable to the input. The member learns the token, but only by asking
// the hub, because the token depends on the hub's private key: no member can
// compute tokens offline, so no member can build a dictionary of tokens for
// phone numbers or e-mail addresses without the hub counting every entry
// (see Quota). The DLEQ proof lets the member check that the hub used the
// key whose public half the member pinned in its configuration, so the hub
// cannot give one member tokens under a different key to partition or
// trace it.
//
// What this does not protect against: the hub holds the key, so the hub
// itself can compute the token of any value it guesses and test it against
// the registrations it stores. Values from small spaces (phone numbers,
// national ID numbers) are exposed to a curious hub in this way; keeping
// them from the hub needs the inputs keyed with a secret the members share
// and the hub does not know, or the key split across several hubs.
//
// # Epochs and key rotation
//
// Every hub key carries an epoch, and tokens of the same input under
// different epochs are unrelated. When the hub starts a new epoch it
// publishes the new public key; members pin it, re-register all their
// tokens under the new epoch, and the hub drops the registrations of an
// epoch once it retires that epoch's key. During the grace period the hub
// builds its Evaluator with the current and the previous keys, so members
// that have not yet switched keep working. Matching only ever compares tokens
// of the same epoch.
//
// # Handling tokens
//
// A token is a pseudonym for a person's identifier: never log it. Token's
// String, GoString and LogValue print a redacted prefix only; use t[:] to
// put a token on the wire.
package blind

import (
	"crypto"
	_ "crypto/sha512" // the suite's hash
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"
)

// Limits on what one request may carry. Sizes are bounded everywhere
// (DESIGN.md, "Bad input").
const (
	// MaxBatch is the largest number of elements in one evaluation request:
	// 1000 elements are 32 KB on the wire and about 0.15 s of one hub core
	// (BenchmarkEvaluate).
	MaxBatch = 1000
	// MaxInputLen is the longest input Blind accepts, in bytes. RFC 9497
	// allows up to 2^16-1; canonical identifiers are far shorter.
	MaxInputLen = 4096
	// ElementLen is the length of an encoded ristretto255 element, which is
	// what blinded and evaluated elements are on the wire.
	ElementLen = 32
	// ProofLen is the length of an encoded DLEQ proof.
	ProofLen = 64
	// TokenLen is the length of a token, the output size of SHA-512.
	TokenLen = 64
)

// Errors returned by this package; test them with errors.Is.
var (
	// ErrUnknownEpoch means the hub holds no key for the requested epoch:
	// the member must fetch and pin the hub's current public key.
	ErrUnknownEpoch = errors.New("unknown key epoch")
	// ErrBatch means a request was empty, larger than MaxBatch, or an answer
	// did not have one element per request element.
	ErrBatch = errors.New("bad batch size")
	// ErrInvalidElement means an element is not a canonical encoding of a
	// ristretto255 element other than the identity. The error is an
	// *ElementError naming the index.
	ErrInvalidElement = errors.New("invalid group element")
	// ErrProof means the hub's answer does not prove that it was computed
	// with the pinned key: a wrong key, a forged or reordered evaluation, or
	// a malformed proof.
	ErrProof = errors.New("evaluation proof does not verify")
	// ErrInvalidKey means a serialised private or public key is malformed.
	ErrInvalidKey = errors.New("invalid key")
	// ErrInput means an input to Blind, or a token's bytes, are malformed.
	ErrInput = errors.New("invalid input")
)

// ElementError says which element of a batch was rejected and why.
// It matches ErrInvalidElement with errors.Is.
type ElementError struct {
	Index  int    // position in the batch, from 0
	Reason string // what was wrong, e.g. "the identity element"
}

// Error names the index and the reason.
func (e *ElementError) Error() string {
	return fmt.Sprintf("element %d: %s: %v", e.Index, e.Reason, ErrInvalidElement)
}

// Unwrap returns ErrInvalidElement.
func (e *ElementError) Unwrap() error { return ErrInvalidElement }

// inputTag separates ringfence tokens from any other use of a hub key and
// versions the input encoding.
const inputTag = "ringfence-token-v1"

// Input encodes an identifier as the input of the token function:
//
//	"ringfence-token-v1" || uint32(len(kind)) || kind || uint32(len(canonical)) || canonical
//
// with big-endian lengths, so that no two (kind, canonical) pairs share an
// encoding: (phone, x) and (email, x) differ, and no split of a
// concatenation is ambiguous. kind is a ringfence identifier kind
// (id_document, phone, email, bank_account, wallet, address, device) or
// "identity" for a document bound to a birth date, such as
// "ssn:US:123456789|1990-01-02". canonical must be the normalised value
// (internal/normalize): tokens only match when members feed the same bytes.
// Never tokenise an empty value: all empty values of a kind would match.
func Input(kind, canonical string) []byte {
	b := make([]byte, 0, len(inputTag)+8+len(kind)+len(canonical))
	b = append(b, inputTag...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(kind)))
	b = append(b, kind...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(canonical)))
	b = append(b, canonical...)
	return b
}

// Token is a blinded identity token: the VOPRF output for one input under
// one epoch's hub key. Members register tokens at the hub; equal tokens of
// the same epoch mean the same identifier.
type Token [TokenLen]byte

// TokenFromBytes returns the token whose bytes are b, for a hub reading
// registrations. It returns ErrInput unless len(b) is TokenLen.
func TokenFromBytes(b []byte) (Token, error) {
	var t Token
	if len(b) != TokenLen {
		return t, fmt.Errorf("token: want %d bytes, got %d: %w", TokenLen, len(b), ErrInput)
	}
	copy(t[:], b)
	return t, nil
}

// String prints a redacted prefix, enough to tell tokens apart in a
// debugging session and too short to serve as the token.
func (t Token) String() string { return fmt.Sprintf("token:%x…", t[:2]) }

// GoString redacts as String does, so %#v does not print the token.
func (t Token) GoString() string { return t.String() }

// LogValue redacts as String does, so slog does not print the token.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// The suite: ristretto255 with SHA-512, in verifiable mode.
var suite = oprf.SuiteRistretto255

// dleqParams returns the parameters of the DLEQ proofs of RFC 9497 section
// 2.2 for the suite in verifiable mode: the context string is
// "OPRFV1-" || I2OSP(mode, 1) || "-" || identifier.
func dleqParams() dleq.Params {
	return dleq.Params{
		G:   group.Ristretto255,
		H:   crypto.SHA512,
		DST: []byte("OPRFV1-\x01-" + suite.Identifier()),
	}
}

// decodeElement parses a blinded or evaluated element. RFC 9497 section 3.3
// requires DeserializeElement to reject the identity; circl's evaluation
// does not check it, so every element from the wire passes through here.
// The ristretto255 decoder rejects non-canonical encodings (RFC 9496
// section 4.3.1).
func decodeElement(i int, b []byte) (group.Element, error) {
	if len(b) != ElementLen {
		return nil, &ElementError{Index: i, Reason: fmt.Sprintf("want %d bytes, got %d", ElementLen, len(b))}
	}
	e := group.Ristretto255.NewElement()
	if err := e.UnmarshalBinary(b); err != nil {
		return nil, &ElementError{Index: i, Reason: "not a canonical ristretto255 encoding"}
	}
	if e.IsIdentity() {
		return nil, &ElementError{Index: i, Reason: "the identity element"}
	}
	return e, nil
}

// decodeElements parses a batch of elements, checking its size.
func decodeElements(bs [][]byte) ([]group.Element, error) {
	if len(bs) == 0 || len(bs) > MaxBatch {
		return nil, fmt.Errorf("%d elements, want 1 to %d: %w", len(bs), MaxBatch, ErrBatch)
	}
	es := make([]group.Element, len(bs))
	for i, b := range bs {
		e, err := decodeElement(i, b)
		if err != nil {
			return nil, err
		}
		es[i] = e
	}
	return es, nil
}

// encodeElements serialises elements for the wire.
func encodeElements(es []group.Element) ([][]byte, error) {
	out := make([][]byte, len(es))
	for i, e := range es {
		b, err := e.MarshalBinaryCompress()
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}
