package blind

import (
	"crypto/rand"
	"fmt"
	"slices"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/zk/dleq"
)

// Evaluator is the hub's side of the token function: it evaluates blinded
// elements under the key of the epoch a member asks for, and proves it did.
// It holds the keys it was built with and nothing else; to rotate, build a
// new Evaluator and swap it in. An Evaluator is safe for concurrent use.
//
// Evaluate does not count: the hub calls Quota.Allow before it.
type Evaluator struct {
	keys    map[int]Key
	current int

	// proofScalar returns the proof's random nonce; tests set it to replay
	// RFC 9497's vectors. Nil means a fresh random non-zero scalar.
	proofScalar func() group.Scalar
}

// NewEvaluator returns an Evaluator that accepts the given keys: the
// current epoch's and, during a grace period after a rotation, previous
// ones. The highest epoch is the current one. It returns ErrInvalidKey for
// no keys, a zero Key, or two keys of one epoch.
func NewEvaluator(keys ...Key) (*Evaluator, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("evaluator: no keys: %w", ErrInvalidKey)
	}
	e := &Evaluator{keys: make(map[int]Key, len(keys))}
	for _, k := range keys {
		if !k.valid() {
			return nil, fmt.Errorf("evaluator: zero key: %w", ErrInvalidKey)
		}
		if err := checkEpoch(k.Epoch); err != nil {
			return nil, err
		}
		if _, dup := e.keys[k.Epoch]; dup {
			return nil, fmt.Errorf("evaluator: two keys for epoch %d: %w", k.Epoch, ErrInvalidKey)
		}
		e.keys[k.Epoch] = k
		e.current = max(e.current, k.Epoch)
	}
	return e, nil
}

// Current returns the public key of the current (highest) epoch, the one
// members should pin.
func (e *Evaluator) Current() PublicKey { return e.keys[e.current].Public() }

// Epochs returns the epochs the Evaluator accepts, in ascending order.
func (e *Evaluator) Epochs() []int {
	out := make([]int, 0, len(e.keys))
	for ep := range e.keys {
		out = append(out, ep)
	}
	slices.Sort(out)
	return out
}

// PublicKey returns the public key of epoch, or ErrUnknownEpoch.
func (e *Evaluator) PublicKey(epoch int) (PublicKey, error) {
	k, ok := e.keys[epoch]
	if !ok {
		return PublicKey{}, fmt.Errorf("epoch %d: %w", epoch, ErrUnknownEpoch)
	}
	return k.Public(), nil
}

// Evaluate multiplies each blinded element by the private key of epoch and
// returns the results with one batched DLEQ proof (RFC 9497 section 3.3.2,
// BlindEvaluate in verifiable mode) that they were all computed with the
// key whose public half members pin.
//
// It returns ErrUnknownEpoch for an epoch it holds no key for, ErrBatch for
// an empty batch or one larger than MaxBatch, and an *ElementError matching
// ErrInvalidElement for the first element that is not ElementLen bytes, not
// a canonical ristretto255 encoding, or the identity element. (Evaluating
// the identity would return the identity and prove nothing; circl does not
// check for it.)
func (e *Evaluator) Evaluate(epoch int, blinded [][]byte) (evaluated [][]byte, proof []byte, err error) {
	k, ok := e.keys[epoch]
	if !ok {
		return nil, nil, fmt.Errorf("epoch %d: %w", epoch, ErrUnknownEpoch)
	}
	bs, err := decodeElements(blinded)
	if err != nil {
		return nil, nil, err
	}
	zs := make([]group.Element, len(bs))
	for i, b := range bs {
		zs[i] = group.Ristretto255.NewElement().Mul(b, k.k)
	}
	pub := group.Ristretto255.NewElement()
	if err := pub.UnmarshalBinary(k.pub[:]); err != nil {
		return nil, nil, fmt.Errorf("evaluate: public key: %w", err)
	}
	var r group.Scalar
	if e.proofScalar != nil {
		r = e.proofScalar()
	} else {
		r = group.Ristretto255.RandomNonZeroScalar(rand.Reader)
	}
	p, err := dleq.Prover{Params: dleqParams()}.ProveBatchWithRandomnessRFC9497(k.k, pub, bs, zs, r)
	if err != nil {
		return nil, nil, fmt.Errorf("evaluate: prove: %w", err)
	}
	if proof, err = p.MarshalBinary(); err != nil {
		return nil, nil, fmt.Errorf("evaluate: %w", err)
	}
	if evaluated, err = encodeElements(zs); err != nil {
		return nil, nil, fmt.Errorf("evaluate: %w", err)
	}
	return evaluated, proof, nil
}
