// Package normalize turns identifiers as people type them into canonical
// values, so that two spellings of one value compare equal and two different
// values do not. Every kind has one canonicaliser; each returns the canonical
// value or an *Error saying why the input is not a value of that kind.
package normalize

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// Kind names a kind of identifier. The names are part of the subject-record,
// indicator and CLI contracts: append, never rename.
type Kind string

// The identifier kinds ringfence understands.
const (
	KindName        Kind = "name"
	KindEmail       Kind = "email"
	KindPhone       Kind = "phone"
	KindAddress     Kind = "address"
	KindIP          Kind = "ip"
	KindBankAccount Kind = "bank_account"
	KindWallet      Kind = "wallet"
	KindIDDocument  Kind = "id_document"
	KindURL         Kind = "url"
	KindDomain      Kind = "domain"
	KindDevice      Kind = "device"
)

// Kinds lists every kind in a stable order, for help texts and tests.
var kinds = []Kind{KindName, KindEmail, KindPhone, KindAddress, KindIP, KindBankAccount,
	KindWallet, KindIDDocument, KindURL, KindDomain, KindDevice}

// Kinds returns every kind in a stable order.
func Kinds() []Kind { return slices.Clone(kinds) }

// ParseKind returns the Kind named s, accepting the contract's names only.
func ParseKind(s string) (Kind, error) {
	for _, k := range kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown identifier kind %q", s)
}

// Value is a canonical identifier.
type Value struct {
	Kind Kind `json:"kind"`
	// Canonical is the one spelling of the value; equal values have equal
	// Canonical strings.
	Canonical string `json:"canonical"`
	// Keys are further matching keys derived from the value: the registrable
	// domain of an e-mail address, the romanisation key of a name, a GitHub
	// handle in a URL. Matching may use them; they are weaker than Canonical.
	Keys []Key `json:"keys,omitempty"`
	// Facts are what the canonicaliser learnt on the way: a phone's country
	// and line type, a wallet's chain. They never affect equality.
	Facts map[string]string `json:"facts,omitempty"`
}

// Key is a secondary matching key of a Value.
type Key struct {
	// Kind says what the key is, e.g. "email_domain", "name_key", "github".
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// Key returns the value of the key of kind k, or "".
func (v Value) Key(k string) string {
	for _, kv := range v.Keys {
		if kv.Kind == k {
			return kv.Value
		}
	}
	return ""
}

// ErrInvalid is matched by every *Error, so callers can ask
// errors.Is(err, normalize.ErrInvalid) without caring about the kind.
var ErrInvalid = errors.New("invalid value")

// Error says why an input is not a valid value of a kind.
type Error struct {
	Kind   Kind
	Input  string
	Reason string
}

func (e *Error) Error() string {
	in := e.Input
	if len(in) > 80 {
		in = in[:77] + "..."
	}
	return fmt.Sprintf("not a valid %s: %q: %s", e.Kind, in, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true for every *Error.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

func invalid(k Kind, input, format string, args ...any) *Error {
	return &Error{Kind: k, Input: input, Reason: fmt.Sprintf(format, args...)}
}

// MaxInput bounds the length in bytes of any single identifier. Longer
// inputs are hostile or broken; rejecting them bounds the work per value.
const MaxInput = 1024

// checkInput rejects what no kind accepts: empty, over-long or not UTF-8.
func checkInput(k Kind, s string) error {
	switch {
	case len(s) > MaxInput:
		return invalid(k, s, "longer than %d bytes", MaxInput)
	case !utf8.ValidString(s):
		return invalid(k, s, "not valid UTF-8")
	}
	return nil
}

// Options tunes canonicalisers whose input can be ambiguous.
type Options struct {
	// Region is the ISO 3166 alpha-2 country assumed for phone numbers
	// written without a country code, and for addresses without a country.
	Region string
}

// Normalize canonicalises s as a value of kind k.
func Normalize(k Kind, s string, o Options) (Value, error) {
	switch k {
	case KindName:
		return Name(s)
	case KindEmail:
		return Email(s)
	case KindPhone:
		return Phone(s, o.Region)
	case KindAddress:
		return Address(s, o.Region)
	case KindIP:
		return IP(s)
	case KindBankAccount:
		return BankAccount(s)
	case KindWallet:
		return Wallet(s)
	case KindIDDocument:
		return IDDocument(s)
	case KindURL:
		return URL(s)
	case KindDomain:
		return Domain(s)
	case KindDevice:
		return Device(s)
	}
	return Value{}, fmt.Errorf("unknown identifier kind %q", k)
}
