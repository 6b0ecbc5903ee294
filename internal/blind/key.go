package blind

import (
	cryptorand "crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/oprf"
)

// keyFormat is the first byte of serialised keys: it names this package's
// layout and the suite (ristretto255-SHA512, verifiable mode). A new suite
// or layout gets a new byte.
const keyFormat = 1

// Serialised sizes: format byte, big-endian uint32 epoch, then the scalar
// or the element.
const (
	keyLen    = 1 + 4 + 32
	pubKeyLen = 1 + 4 + ElementLen
)

// MaxEpoch is the largest epoch; epochs run from 1.
const MaxEpoch = math.MaxInt32

func checkEpoch(epoch int) error {
	if epoch < 1 || epoch > MaxEpoch {
		return fmt.Errorf("epoch %d: want 1 to %d: %w", epoch, MaxEpoch, ErrInvalidKey)
	}
	return nil
}

// Key is a hub's private key for one epoch. The zero Key is not usable;
// make one with GenerateKey or UnmarshalBinary. A Key is immutable and safe
// for concurrent use.
type Key struct {
	// Epoch numbers the key: tokens of different epochs never match.
	Epoch int

	k   group.Scalar // the secret, non-zero
	pub [ElementLen]byte
}

// GenerateKey returns a new private key for epoch. It reads a 32-byte seed
// from rand (crypto/rand when rand is nil) and derives the key from it with
// RFC 9497's DeriveKeyPair, binding the epoch into the derivation.
func GenerateKey(epoch int, rand io.Reader) (Key, error) {
	if err := checkEpoch(epoch); err != nil {
		return Key{}, err
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	var seed [32]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return Key{}, fmt.Errorf("generate key: read seed: %w", err)
	}
	sk, err := oprf.DeriveKey(suite, oprf.VerifiableMode, seed[:], []byte("ringfence hub key epoch "+strconv.Itoa(epoch)))
	if err != nil {
		return Key{}, fmt.Errorf("generate key: %w", err)
	}
	b, err := sk.MarshalBinary()
	if err != nil {
		return Key{}, fmt.Errorf("generate key: %w", err)
	}
	return newKey(epoch, b)
}

// newKey builds a Key from a serialised non-zero scalar.
func newKey(epoch int, scalar []byte) (Key, error) {
	if err := checkEpoch(epoch); err != nil {
		return Key{}, err
	}
	// circl's unmarshalling rejects unreduced and zero scalars.
	var sk oprf.PrivateKey
	if err := sk.UnmarshalBinary(suite, scalar); err != nil {
		return Key{}, fmt.Errorf("private key: %v: %w", err, ErrInvalidKey)
	}
	k := group.Ristretto255.NewScalar()
	if err := k.UnmarshalBinary(scalar); err != nil {
		return Key{}, fmt.Errorf("private key: %v: %w", err, ErrInvalidKey)
	}
	pub, err := sk.Public().MarshalBinary()
	if err != nil {
		return Key{}, fmt.Errorf("private key: %v: %w", err, ErrInvalidKey)
	}
	key := Key{Epoch: epoch, k: k}
	copy(key.pub[:], pub)
	return key, nil
}

// valid reports whether the key was made by GenerateKey or UnmarshalBinary.
func (k Key) valid() bool { return k.k != nil }

// Public returns the public key that members pin.
func (k Key) Public() PublicKey { return PublicKey{Epoch: k.Epoch, elem: k.pub} }

// MarshalBinary serialises the private key for the hub's key store:
// a format byte, the epoch as a big-endian uint32 and the 32-byte scalar.
// The result is a secret.
func (k Key) MarshalBinary() ([]byte, error) {
	if !k.valid() {
		return nil, fmt.Errorf("marshal zero key: %w", ErrInvalidKey)
	}
	if err := checkEpoch(k.Epoch); err != nil {
		return nil, err
	}
	s, err := k.k.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, keyLen)
	b = append(b, keyFormat)
	b = binary.BigEndian.AppendUint32(b, uint32(k.Epoch))
	return append(b, s...), nil
}

// UnmarshalBinary parses what MarshalBinary wrote. It returns ErrInvalidKey
// for a wrong length or format, an epoch out of range, or a scalar that is
// zero or not reduced.
func (k *Key) UnmarshalBinary(b []byte) error {
	if len(b) != keyLen || b[0] != keyFormat {
		return fmt.Errorf("private key: want %d bytes starting with %d: %w", keyLen, keyFormat, ErrInvalidKey)
	}
	key, err := newKey(int(binary.BigEndian.Uint32(b[1:5])), b[5:])
	if err != nil {
		return err
	}
	*k = key
	return nil
}

// String says which epoch the key is for and nothing of the secret.
func (k Key) String() string { return fmt.Sprintf("blind.Key{Epoch: %d, secret redacted}", k.Epoch) }

// GoString redacts as String does.
func (k Key) GoString() string { return k.String() }

// PublicKey is a hub's public key for one epoch, which members pin in their
// configuration. Its text form is base64url (unpadded) of a format byte, the
// epoch as a big-endian uint32 and the 32-byte ristretto255 element. Public
// keys compare with ==.
type PublicKey struct {
	// Epoch numbers the key.
	Epoch int

	elem [ElementLen]byte
}

// MarshalText returns the base64url form that members put in their
// configuration.
func (p PublicKey) MarshalText() ([]byte, error) {
	if err := checkEpoch(p.Epoch); err != nil {
		return nil, err
	}
	if _, err := p.element(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, pubKeyLen)
	b = append(b, keyFormat)
	b = binary.BigEndian.AppendUint32(b, uint32(p.Epoch))
	b = append(b, p.elem[:]...)
	return base64.RawURLEncoding.AppendEncode(nil, b), nil
}

// UnmarshalText parses what MarshalText wrote. It returns ErrInvalidKey for
// anything else, including padded or non-canonical base64 and the identity
// element.
func (p *PublicKey) UnmarshalText(text []byte) error {
	if len(text) != base64.RawURLEncoding.EncodedLen(pubKeyLen) {
		return fmt.Errorf("public key: want %d base64url characters, got %d: %w",
			base64.RawURLEncoding.EncodedLen(pubKeyLen), len(text), ErrInvalidKey)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(string(text))
	if err != nil {
		return fmt.Errorf("public key: %v: %w", err, ErrInvalidKey)
	}
	if len(b) != pubKeyLen || b[0] != keyFormat {
		return fmt.Errorf("public key: format %d, want %d: %w", b[0], keyFormat, ErrInvalidKey)
	}
	q := PublicKey{Epoch: int(binary.BigEndian.Uint32(b[1:5]))}
	copy(q.elem[:], b[5:])
	if err := checkEpoch(q.Epoch); err != nil {
		return err
	}
	if _, err := q.element(); err != nil {
		return err
	}
	*p = q
	return nil
}

// String returns the text form, or a note that the key is invalid.
func (p PublicKey) String() string {
	t, err := p.MarshalText()
	if err != nil {
		return "invalid public key"
	}
	return string(t)
}

// element returns the key as circl's public key, rejecting the identity.
func (p PublicKey) element() (*oprf.PublicKey, error) {
	if _, err := decodeElement(0, p.elem[:]); err != nil {
		return nil, fmt.Errorf("public key: %s: %w", err.(*ElementError).Reason, ErrInvalidKey)
	}
	var pk oprf.PublicKey
	if err := pk.UnmarshalBinary(suite, p.elem[:]); err != nil {
		return nil, fmt.Errorf("public key: %v: %w", err, ErrInvalidKey)
	}
	return &pk, nil
}
