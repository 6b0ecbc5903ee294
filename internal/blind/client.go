package blind

import (
	"errors"
	"fmt"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"
)

// Client is a member's side of the token function, bound to the hub public
// key the member pinned. A Client is safe for concurrent use.
type Client struct {
	pub PublicKey
	vc  oprf.VerifiableClient
}

// NewClient returns a Client that accepts only evaluations proven under
// pub. It returns ErrInvalidKey for the zero PublicKey or an invalid one.
func NewClient(pub PublicKey) (*Client, error) {
	if err := checkEpoch(pub.Epoch); err != nil {
		return nil, err
	}
	pk, err := pub.element()
	if err != nil {
		return nil, err
	}
	return &Client{pub: pub, vc: oprf.NewVerifiableClient(suite, pk)}, nil
}

// Epoch returns the epoch of the pinned key, which the member sends with
// each request.
func (c *Client) Epoch() int { return c.pub.Epoch }

// Request is one blinded batch: send Blinded and Epoch to the hub, then pass
// its answer to Finalize. The Request holds the blinding secrets; it never
// leaves the member.
type Request struct {
	// Epoch is the epoch of the key the tokens will be under.
	Epoch int
	// Blinded holds one ElementLen-byte element per input, in input order.
	Blinded [][]byte

	c   *Client
	fin *oprf.FinalizeData
}

// Blind blinds inputs (usually built with Input) with fresh random scalars.
// It returns ErrBatch for no inputs or more than MaxBatch, and ErrInput for
// an input longer than MaxInputLen.
func (c *Client) Blind(inputs [][]byte) (*Request, error) { return c.blind(inputs, nil) }

// blind blinds inputs with the given scalars, or random ones when blinds is
// nil; tests pass RFC 9497's.
func (c *Client) blind(inputs [][]byte, blinds []oprf.Blind) (*Request, error) {
	if len(inputs) == 0 || len(inputs) > MaxBatch {
		return nil, fmt.Errorf("blind: %d inputs, want 1 to %d: %w", len(inputs), MaxBatch, ErrBatch)
	}
	for i, in := range inputs {
		if len(in) > MaxInputLen {
			return nil, fmt.Errorf("blind: input %d: %d bytes, want at most %d: %w", i, len(in), MaxInputLen, ErrInput)
		}
	}
	var (
		fin *oprf.FinalizeData
		req *oprf.EvaluationRequest
		err error
	)
	if blinds == nil {
		fin, req, err = c.vc.Blind(inputs)
	} else {
		fin, req, err = c.vc.DeterministicBlind(inputs, blinds)
	}
	if err != nil {
		// Only a zero blind or an input hashing to the identity, both of
		// negligible probability.
		return nil, fmt.Errorf("blind: %v: %w", err, ErrInput)
	}
	bs, err := encodeElements(req.Elements)
	if err != nil {
		return nil, fmt.Errorf("blind: %w", err)
	}
	return &Request{Epoch: c.pub.Epoch, Blinded: bs, c: c, fin: fin}, nil
}

// Finalize checks the hub's answer against the pinned key and returns one
// token per input, in input order. It returns ErrBatch when the answer does
// not have one element per input, an *ElementError matching
// ErrInvalidElement for a malformed element, and ErrProof when the proof is
// malformed or does not show that the hub used the pinned key on exactly
// these blinded elements in this order.
func (r *Request) Finalize(evaluated [][]byte, proof []byte) ([]Token, error) {
	if len(evaluated) != len(r.Blinded) {
		return nil, fmt.Errorf("finalize: %d evaluated elements for %d blinded: %w", len(evaluated), len(r.Blinded), ErrBatch)
	}
	zs, err := decodeElements(evaluated)
	if err != nil {
		return nil, fmt.Errorf("finalize: %w", err)
	}
	p := new(dleq.Proof)
	if err := p.UnmarshalBinary(group.Ristretto255, proof); err != nil {
		return nil, fmt.Errorf("finalize: %v: %w", err, ErrProof)
	}
	outs, err := r.c.vc.Finalize(r.fin, &oprf.Evaluation{Elements: zs, Proof: p})
	if errors.Is(err, oprf.ErrInvalidProof) {
		return nil, fmt.Errorf("finalize: epoch %d: %w", r.Epoch, ErrProof)
	}
	if err != nil {
		return nil, fmt.Errorf("finalize: %w", err)
	}
	tokens := make([]Token, len(outs))
	for i, o := range outs {
		if len(o) != TokenLen {
			return nil, fmt.Errorf("finalize: output %d: %d bytes, want %d", i, len(o), TokenLen)
		}
		copy(tokens[i][:], o)
	}
	return tokens, nil
}
