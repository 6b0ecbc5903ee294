package normalize

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"
	"strings"

	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/btcutil/bech32"
	"golang.org/x/crypto/sha3"
)

// Wallet canonicalises a cryptocurrency address, written bare or as
// chain:address ("eth:0x…", "btc:bc1…", "xmr:4…"; the chain is not case
// sensitive).
//
// Bitcoin (base58check and bech32/bech32m), Litecoin, Tron, Monero and EVM
// addresses are recognised and their checksums verified, because a mistyped
// address that matches nothing is worse than a rejected one. Their canonical
// form is the address alone, so "eth:0xAB…" and "0xab…" meet: base58 keeps
// its case (it carries meaning), bech32 and EVM hex are lower-cased (they
// carry none, and EIP-55 mixed case is only a checksum). Every EVM network
// (bsc:, polygon:, arb:, …) shares one address space, so each validates as
// EVM with facts chain=eth and network=<the prefix>.
//
// Other chains must be written chain:address; they are kept as
// "chain:address" with the chain lower-cased and the address's case kept,
// after checking that the address is 20–120 letters and digits.
//
// Facts: chain (btc, ltc, trx, eth, xmr, or the given chain), type (p2pkh,
// p2sh, p2wpkh, p2wsh, p2tr, witness_vN, account, standard, subaddress,
// integrated), and network where it is not the main one or an EVM prefix
// named it.
func Wallet(s string) (Value, error) {
	if err := checkInput(KindWallet, s); err != nil {
		return Value{}, err
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return Value{}, invalid(KindWallet, s, "empty")
	}
	name, addr, prefixed := cutChain(t)
	if !prefixed {
		w, reason := detectWallet(t)
		if reason != "" {
			return Value{}, invalid(KindWallet, s, "%s", reason)
		}
		if w.chain == "" {
			return Value{}, invalid(KindWallet, s, "%s", unrecognisedWallet)
		}
		return w.value(), nil
	}
	if q := strings.IndexByte(addr, '?'); q >= 0 {
		// A payment URI (BIP-21 "bitcoin:1…?amount=…", EIP-681) names the
		// address before its parameters; only the address identifies.
		addr = strings.TrimSpace(addr[:q])
	}
	if addr == "" {
		return Value{}, invalid(KindWallet, s, "nothing follows the %q chain prefix", name)
	}
	if network, ok := evmNetworks[name]; ok {
		w, reason := evmAddress(addr)
		if reason != "" {
			return Value{}, invalid(KindWallet, s, "the %s: prefix names an EVM chain, but %s", name, reason)
		}
		w.network = network
		return w.value(), nil
	}
	chain := name
	if c, ok := chainAliases[name]; ok {
		chain = c
	}
	switch chain {
	case "btc", "ltc", "trx":
		w, reason := detectWallet(addr)
		if reason != "" {
			return Value{}, invalid(KindWallet, s, "%s", reason)
		}
		if chain == "ltc" && w.chain == "btc" && w.typ == "p2sh" && w.network == "" {
			// Litecoin's legacy P2SH addresses share Bitcoin's version
			// byte 0x05; only the prefix tells them apart. The canonical
			// address is the same string either way.
			w.chain = "ltc"
		}
		if w.chain == "" {
			return Value{}, invalid(KindWallet, s, "the %s: prefix names %s, but this is not %s address", name, chainNames[chain], withArticle(chainNames[chain]))
		}
		if w.chain != chain {
			return Value{}, invalid(KindWallet, s, "the %s: prefix names %s, but this is %s address", name, chainNames[chain], withArticle(chainNames[w.chain]))
		}
		return w.value(), nil
	case "xmr":
		if looksMonero(addr) {
			w, reason := moneroAddress(addr)
			if reason != "" {
				return Value{}, invalid(KindWallet, s, "%s", reason)
			}
			return w.value(), nil
		}
		// OFAC lists, under XMR, identifiers that are not addresses (a
		// 64-hex-digit string); they are kept unverified like any chain's.
	case "usdt", "usdc":
		// A token, not a chain: the address says which chain it lives on.
		w, reason := detectWallet(addr)
		if reason != "" {
			return Value{}, invalid(KindWallet, s, "%s", reason)
		}
		if w.chain != "" {
			return w.value(), nil
		}
	}
	if isEVMShaped(addr) {
		// Every chain with 0x + 40-hex-digit accounts is an EVM chain; one
		// key controls the same address on all of them.
		w, reason := evmAddress(addr)
		if reason != "" {
			return Value{}, invalid(KindWallet, s, "%s", reason)
		}
		w.network = chain
		return w.value(), nil
	}
	return otherChain(s, chain, addr)
}

const unrecognisedWallet = "not an address of a chain ringfence recognises: expected Bitcoin (1…, 3…, bc1…), " +
	"Litecoin (L…, M…, ltc1…), Tron (T…), Monero (4…, 8…) or EVM (0x and 40 hex digits), " +
	"or chain:address for any other chain (e.g. sol:…, zec:t1…)"

// detectedWallet is an address found by detection, before it becomes a Value.
type detectedWallet struct {
	canonical string
	chain     string // btc, ltc, trx, eth, xmr
	typ       string
	network   string // "" for the main network
}

func (w detectedWallet) value() Value {
	facts := map[string]string{"chain": w.chain, "type": w.typ}
	if w.network != "" {
		facts["network"] = w.network
	}
	return Value{Kind: KindWallet, Canonical: w.canonical, Facts: facts}
}

var chainNames = map[string]string{
	"btc": "Bitcoin", "ltc": "Litecoin", "trx": "Tron", "eth": "EVM (Ethereum)", "xmr": "Monero",
}

func withArticle(name string) string {
	if strings.IndexByte("AEIOU", name[0]) >= 0 {
		return "an " + name
	}
	return "a " + name
}

// chainAliases maps the names people write for a chain to the ticker used
// in canonical values, so "monero:4…" and "xmr:4…" meet.
var chainAliases = map[string]string{
	"bitcoin": "btc", "xbt": "btc", "litecoin": "ltc", "tron": "trx", "trc20": "trx",
	"monero": "xmr", "solana": "sol", "zcash": "zec", "ripple": "xrp", "dogecoin": "doge",
	"bitcoincash": "bch", "bitcoin-cash": "bch", "cardano": "ada", "polkadot": "dot",
	"tether": "usdt",
}

// evmNetworks maps EVM chain prefixes to the network name kept as a fact.
var evmNetworks = map[string]string{
	"eth": "eth", "ethereum": "eth", "erc20": "eth", "evm": "evm",
	"etc": "etc", "ethereumclassic": "etc",
	"bsc": "bsc", "bep20": "bsc", "bnbsmartchain": "bsc",
	"polygon": "polygon", "matic": "polygon", "pol": "polygon",
	"arb": "arb", "arbitrum": "arb", "op": "op", "optimism": "op", "base": "base",
	"avax": "avax", "avaxc": "avax", "avalanche": "avax", "ftm": "ftm", "fantom": "ftm",
	"gnosis": "gnosis", "xdai": "gnosis", "celo": "celo", "cronos": "cronos",
	"linea": "linea", "zksync": "zksync", "scroll": "scroll", "blast": "blast", "mantle": "mantle",
}

// cutChain splits "chain:address". A chain name is 2–20 letters, digits,
// '-' or '_' starting with a letter; anything else before a colon is not a
// prefix, and the whole string is then read as a bare address.
func cutChain(t string) (name, addr string, ok bool) {
	i := strings.IndexByte(t, ':')
	if i < 0 {
		return "", "", false
	}
	name = strings.ToLower(strings.TrimSpace(t[:i]))
	if len(name) < 2 || len(name) > 20 || name[0] < 'a' || name[0] > 'z' {
		return "", "", false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", "", false
		}
	}
	return name, strings.TrimSpace(t[i+1:]), true
}

// detectWallet recognises a bare address. It returns a reason when the
// address has the shape of a known chain but is broken, and a zero wallet
// with no reason when it has the shape of no known chain.
func detectWallet(t string) (detectedWallet, string) {
	lower := strings.ToLower(t)
	switch {
	case strings.HasPrefix(lower, "0x"):
		return evmAddress(t)
	case strings.HasPrefix(lower, "bc1"):
		return segwitAddress(t, "bc", "btc", "")
	case strings.HasPrefix(lower, "tb1"):
		return segwitAddress(t, "tb", "btc", "testnet")
	case strings.HasPrefix(lower, "ltc1"):
		return segwitAddress(t, "ltc", "ltc", "")
	case strings.HasPrefix(lower, "tltc1"):
		return segwitAddress(t, "tltc", "ltc", "testnet")
	case looksMonero(t):
		return moneroAddress(t)
	}
	return base58Address(t)
}

func isEVMShaped(t string) bool {
	return len(t) == 42 && (t[:2] == "0x" || t[:2] == "0X") && allHexDigits(t[2:])
}

func allHexDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexByte(s[i]) {
			return false
		}
	}
	return true
}

func isHexByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// evmAddress checks 0x + 40 hex digits and, when the digits mix cases, the
// EIP-55 checksum the case encodes. All-lower and all-upper addresses carry
// no checksum and are accepted as typed.
func evmAddress(t string) (detectedWallet, string) {
	if len(t) < 2 || (t[:2] != "0x" && t[:2] != "0X") {
		return detectedWallet{}, "an EVM address starts with 0x"
	}
	h := t[2:]
	if len(h) != 40 {
		return detectedWallet{}, fmt.Sprintf("an EVM address is 0x and 40 hex digits; this has %d digits", len(h))
	}
	hasLower, hasUpper := false, false
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'f':
			hasLower = true
		case c >= 'A' && c <= 'F':
			hasUpper = true
		case c >= '0' && c <= '9':
		default:
			return detectedWallet{}, fmt.Sprintf("character %q is not a hex digit (0–9, a–f)", rune(c))
		}
	}
	lower := strings.ToLower(h)
	if hasLower && hasUpper && !eip55Valid(h, lower) {
		return detectedWallet{}, "EVM address mixes upper and lower case but its EIP-55 checksum does not match: a character is mistyped"
	}
	if strings.Trim(lower, "0") == "" {
		return detectedWallet{}, "the zero address is a burn address that nobody controls"
	}
	return detectedWallet{canonical: "0x" + lower, chain: "eth", typ: "account"}, ""
}

// eip55Valid reports whether the case of each letter in h matches EIP-55:
// upper-case exactly where the Keccak-256 of the lower-case hex has a
// nibble of 8 or more.
func eip55Valid(h, lower string) bool {
	k := sha3.NewLegacyKeccak256()
	k.Write([]byte(lower))
	sum := k.Sum(nil)
	for i := 0; i < len(h); i++ {
		nibble := sum[i/2] >> 4
		if i%2 == 1 {
			nibble = sum[i/2] & 0x0f
		}
		c := h[i]
		switch {
		case c >= 'a' && c <= 'f' && nibble >= 8:
			return false
		case c >= 'A' && c <= 'F' && nibble < 8:
			return false
		}
	}
	return true
}

// segwitAddress decodes a bech32 (witness v0, BIP-173) or bech32m (v1+,
// BIP-350) address with the human-readable part hrp.
func segwitAddress(t, hrp, chain, network string) (detectedWallet, string) {
	name := chainNames[chain]
	got, data, version, err := bech32.DecodeGeneric(t)
	if err != nil {
		var (
			mixed    bech32.ErrMixedCase
			checksum bech32.ErrInvalidChecksum
			badChar  bech32.ErrNonCharsetChar
			ctrlChar bech32.ErrInvalidCharacter
			length   bech32.ErrInvalidLength
			sep      bech32.ErrInvalidSeparatorIndex
		)
		switch {
		case errors.As(err, &mixed):
			return detectedWallet{}, fmt.Sprintf("%s bech32 address mixes upper and lower case", name)
		case errors.As(err, &checksum):
			return detectedWallet{}, fmt.Sprintf("%s bech32 checksum does not match: a character is mistyped", name)
		case errors.As(err, &badChar):
			return detectedWallet{}, fmt.Sprintf("character %q is not used in bech32 addresses (1, b, i and o never appear after the separator)", rune(badChar))
		case errors.As(err, &ctrlChar):
			return detectedWallet{}, fmt.Sprintf("character %q is not used in bech32 addresses", rune(ctrlChar))
		case errors.As(err, &length) && len(t) > 90:
			return detectedWallet{}, fmt.Sprintf("%s bech32 address has %d characters; the limit is 90", name, len(t))
		case errors.As(err, &length), errors.As(err, &sep):
			return detectedWallet{}, fmt.Sprintf("%s bech32 address is too short to hold a witness program and checksum", name)
		}
		return detectedWallet{}, fmt.Sprintf("not a well-formed %s bech32 address", name)
	}
	if got != hrp {
		return detectedWallet{}, fmt.Sprintf("%s bech32 address must start %s1, not %s1", name, hrp, got)
	}
	if len(data) == 0 {
		return detectedWallet{}, fmt.Sprintf("%s bech32 address carries no witness program", name)
	}
	wv := data[0]
	if wv > 16 {
		return detectedWallet{}, fmt.Sprintf("witness version %d does not exist (0–16)", wv)
	}
	prog, err := bech32.ConvertBits(data[1:], 5, 8, false)
	if err != nil {
		return detectedWallet{}, fmt.Sprintf("%s bech32 address has invalid padding: it was not produced by a wallet", name)
	}
	switch {
	case len(prog) < 2 || len(prog) > 40:
		return detectedWallet{}, fmt.Sprintf("witness program of %d bytes; segwit allows 2–40", len(prog))
	case wv == 0 && len(prog) != 20 && len(prog) != 32:
		return detectedWallet{}, fmt.Sprintf("version-0 witness program must be 20 or 32 bytes, not %d", len(prog))
	case wv == 0 && version != bech32.Version0:
		return detectedWallet{}, "witness version 0 must use the bech32 checksum, not bech32m (BIP-350)"
	case wv != 0 && version != bech32.VersionM:
		return detectedWallet{}, fmt.Sprintf("witness version %d must use the bech32m checksum (BIP-350), not the older bech32", wv)
	}
	typ := fmt.Sprintf("witness_v%d", wv)
	switch {
	case wv == 0 && len(prog) == 20:
		typ = "p2wpkh"
	case wv == 0:
		typ = "p2wsh"
	case wv == 1 && len(prog) == 32:
		typ = "p2tr"
	}
	return detectedWallet{canonical: strings.ToLower(t), chain: chain, typ: typ, network: network}, ""
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func allBase58(t string) bool {
	for i := 0; i < len(t); i++ {
		if strings.IndexByte(base58Alphabet, t[i]) < 0 {
			return false
		}
	}
	return true
}

// base58Versions maps the version byte of a 25-byte base58check address to
// its chain. Litecoin's legacy P2SH (0x05) is Bitcoin's; bare, it reads as
// Bitcoin.
var base58Versions = map[byte]detectedWallet{
	0x00: {chain: "btc", typ: "p2pkh"},
	0x05: {chain: "btc", typ: "p2sh"},
	0x6f: {chain: "btc", typ: "p2pkh", network: "testnet"},
	0xc4: {chain: "btc", typ: "p2sh", network: "testnet"},
	0x30: {chain: "ltc", typ: "p2pkh"},
	0x32: {chain: "ltc", typ: "p2sh"},
	0x41: {chain: "trx", typ: "account"},
}

// base58Address checks a base58check address of Bitcoin, Litecoin or Tron.
func base58Address(t string) (detectedWallet, string) {
	// Lengths of 25-byte payloads in base58 are 26–35 characters (34 for
	// nearly all); shorter or longer strings are some other chain's.
	if len(t) < 25 || len(t) > 36 {
		return detectedWallet{}, ""
	}
	var name string
	switch t[0] {
	case '1', '3', 'm', 'n', '2':
		name = "Bitcoin"
	case 'L', 'M':
		name = "Litecoin"
	case 'T':
		name = "Tron"
	}
	if !allBase58(t) {
		if name == "" {
			return detectedWallet{}, ""
		}
		for _, r := range t {
			if r >= 0x80 || strings.IndexByte(base58Alphabet, byte(r)) < 0 {
				return detectedWallet{}, fmt.Sprintf("character %q is not used in %s addresses (base58 has no 0, O, I or l)", r, name)
			}
		}
	}
	b := base58.Decode(t)
	if len(b) != 25 {
		if name == "" {
			return detectedWallet{}, ""
		}
		return detectedWallet{}, fmt.Sprintf("decodes to %d bytes, not the 25 of a %s address; for another chain write chain:address", len(b), name)
	}
	sum := sha256d(b[:21])
	if !bytes.Equal(sum[:4], b[21:]) {
		if name == "" {
			name = "base58check"
		}
		return detectedWallet{}, fmt.Sprintf("%s base58check checksum does not match: a character is mistyped", name)
	}
	w, ok := base58Versions[b[0]]
	if !ok {
		return detectedWallet{}, fmt.Sprintf("base58check address with version byte 0x%02x belongs to no chain ringfence recognises; write it as chain:address (e.g. doge:…, dash:…)", b[0])
	}
	w.canonical = t
	return w, ""
}

func sha256d(b []byte) [32]byte {
	h := sha256.Sum256(b)
	return sha256.Sum256(h[:])
}

// Monero addresses are base58 in 8-byte blocks (11 characters each, the
// last block shorter) with a 4-byte Keccak-256 checksum: 95 characters for
// standard addresses and subaddresses, 106 for integrated ones.
func looksMonero(t string) bool {
	return (len(t) == 95 || len(t) == 106) && strings.IndexByte("48579AB", t[0]) >= 0 && allBase58(t)
}

var moneroPrefixes = map[byte]struct{ typ, network string }{
	18: {"standard", ""}, 19: {"integrated", ""}, 42: {"subaddress", ""},
	53: {"standard", "testnet"}, 54: {"integrated", "testnet"}, 63: {"subaddress", "testnet"},
	24: {"standard", "stagenet"}, 25: {"integrated", "stagenet"}, 36: {"subaddress", "stagenet"},
}

func moneroAddress(t string) (detectedWallet, string) {
	b, ok := moneroDecode(t)
	if !ok || len(b) < 5 {
		return detectedWallet{}, "not a Monero address: its base58 blocks do not decode"
	}
	k := sha3.NewLegacyKeccak256()
	k.Write(b[:len(b)-4])
	if !bytes.Equal(k.Sum(nil)[:4], b[len(b)-4:]) {
		return detectedWallet{}, "Monero address checksum does not match: a character is mistyped"
	}
	p, ok := moneroPrefixes[b[0]]
	if !ok || (p.typ == "integrated") != (len(t) == 106) {
		return detectedWallet{}, fmt.Sprintf("Monero address with network byte %d is no standard, integrated or subaddress form", b[0])
	}
	return detectedWallet{canonical: "xmr:" + t, chain: "xmr", typ: p.typ, network: p.network}, ""
}

// moneroBlockBytes maps the character count of a final base58 block to the
// bytes it holds; -1 marks counts no block encodes to.
var moneroBlockBytes = [12]int{0, -1, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8}

func moneroDecode(t string) ([]byte, bool) {
	out := make([]byte, 0, len(t)/11*8+8)
	for len(t) > 0 {
		n := min(11, len(t))
		size := moneroBlockBytes[n]
		if size <= 0 {
			return nil, false
		}
		var v uint64
		for i := 0; i < n; i++ {
			d := uint64(strings.IndexByte(base58Alphabet, t[i]))
			hi, lo := bits.Mul64(v, 58)
			if hi != 0 || lo+d < lo {
				return nil, false // overflows 64 bits
			}
			v = lo + d
		}
		if size < 8 && v>>(8*size) != 0 {
			return nil, false // more than the block's bytes
		}
		for i := size - 1; i >= 0; i-- {
			out = append(out, byte(v>>(8*i)))
		}
		t = t[n:]
	}
	return out, true
}

// otherChain keeps an address of a chain ringfence does not decode as
// "chain:address", checking only that it could be an address at all.
func otherChain(s, chain, addr string) (Value, error) {
	if len(addr) < 20 || len(addr) > 120 {
		return Value{}, invalid(KindWallet, s, "an address on the %s chain must be 20–120 letters and digits; this has %d characters", chain, len(addr))
	}
	for _, r := range addr {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return Value{}, invalid(KindWallet, s, "character %q is not used in %s addresses (letters and digits only)", r, chain)
		}
	}
	if len(addr) > 2 && (addr[:2] == "0x" || addr[:2] == "0X") && allHexDigits(addr[2:]) {
		// Hex carries no case; Sui and Aptos write 0x + 64 digits.
		addr = strings.ToLower(addr)
	}
	return Value{Kind: KindWallet, Canonical: chain + ":" + addr, Facts: map[string]string{"chain": chain}}, nil
}
