package intel

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ringfence/ringfence/internal/store"
)

// walletAssetChains maps the asset codes OFAC writes after "Digital Currency
// Address -" (and that wallet-list files are named by, e.g.
// sanctioned_addresses_XBT.txt) to the chain prefixes normalize.Wallet
// reads. Most codes are the chain's ticker already; the map documents the
// ones OFAC uses and the few that differ. A token (USDT, USDC) names no
// chain: normalize.Wallet detects it from the address, since OFAC lists
// Tether on both Ethereum and Tron under the one code. An unknown code is
// lower-cased and kept as "code:address".
var walletAssetChains = map[string]string{
	"XBT": "btc", "BTC": "btc", "ETH": "eth", "ETC": "etc", "ARB": "arb", "BSC": "bsc",
	"USDT": "usdt", "USDC": "usdc", "TRX": "trx", "LTC": "ltc", "XMR": "xmr",
	"BCH": "bch", "BSV": "bsv", "BTG": "btg", "ZEC": "zec", "DASH": "dash",
	"XVG": "xvg", "SOL": "sol", "XRP": "xrp", "BNB": "bnb",
}

// walletAssetChain returns the normalize.Wallet prefix for an OFAC asset code.
func walletAssetChain(asset string) string {
	a := strings.ToUpper(strings.TrimSpace(asset))
	if c, ok := walletAssetChains[a]; ok {
		return c
	}
	return strings.ToLower(a)
}

// walletForAsset returns the canonical value of addr listed under an OFAC
// asset code. When the address is not one of that asset's chain but is
// recognisably another's (the SDN list files a Tron address under XBT), it
// returns the detected value and a note saying so: the address is still
// sanctioned, and dropping it would let it through.
func walletForAsset(asset, addr string) (value, note string, err error) {
	addr = strings.TrimSpace(addr)
	if asset == "" {
		v, err := Canonical("wallet", addr)
		return v, "", err
	}
	v, err := Canonical("wallet", walletAssetChain(asset)+":"+addr)
	if err == nil {
		return v, "", nil
	}
	if d, derr := Canonical("wallet", addr); derr == nil {
		return d, "listed under " + strings.ToUpper(asset) + " but " + err.Error() + "; imported as detected (" + d + ")", nil
	}
	return "", "", err
}

// maxWalletLine bounds a line of a wallet list; the longest addresses
// (Monero integrated) are 106 characters, so anything near this is not a
// wallet list at all.
const maxWalletLine = 4096

// ParseWallets reads a list of sanctioned digital-currency addresses, one a
// line, as published by the brave-intl/ofac-sanctioned-digital-currency-addresses
// project from the SDN list (sanctioned_addresses_<ASSET>.txt). Blank lines
// and lines starting with '#' are skipped, as is anything after " #".
//
// chain is the OFAC asset code the file lists (XBT, ETH, USDT, …); "" means
// each line is detected on its own, and may be written chain:address. The
// source is "wallets:<ASSET>", or "wallets:<file base name>" without one.
//
// A line that is not an address is skipped with a warning and counted
// ("skipped:wallet"); an address of another chain than the file's is
// imported as the chain it is, with a warning ("chain_mismatch"). A
// repeated address is counted ("duplicates") and kept once. Only input
// that is not a text list at all (a NUL byte, invalid UTF-8, a line over
// 4 KiB) or holds no address at all is a *ParseError.
func ParseWallets(ctx context.Context, r io.Reader, file, chain string) (*Result, error) {
	source := "wallets:" + strings.ToUpper(strings.TrimSpace(chain))
	if strings.TrimSpace(chain) == "" {
		base := filepath.Base(file)
		source = "wallets:" + strings.TrimSuffix(base, filepath.Ext(base))
	}
	res := &Result{Source: source, Format: "wallet-list"}
	b := NewBuilder(res, store.Indicator{Severity: "critical", Confidence: 100})
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, maxWalletLine), maxWalletLine)
	line := 0
	for sc.Scan() {
		line++
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		raw := sc.Bytes()
		if line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		}
		if bytes.IndexByte(raw, 0) >= 0 {
			return nil, &ParseError{File: file, Line: line, Reason: "a NUL byte: this is not a text list of addresses"}
		}
		if !utf8.Valid(raw) {
			return nil, &ParseError{File: file, Line: line, Reason: "not valid UTF-8: this is not a text list of addresses"}
		}
		s := string(raw)
		if i := strings.Index(s, " #"); i >= 0 {
			s = s[:i]
		}
		// A DOS end-of-file byte (0x1A) ends files written on Windows.
		s = strings.TrimSpace(strings.TrimRight(s, "\x1a"))
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		res.Entries++
		ref := "line " + strconv.Itoa(line)
		value, note, err := walletForAsset(chain, s)
		if err != nil {
			res.Count("skipped:wallet", 1)
			res.Warn("%s:%d: not an address: %v", file, line, err)
			continue
		}
		if note != "" {
			res.Count("chain_mismatch", 1)
			res.Warn("%s:%d: %s", file, line, note)
		}
		if seen[value] {
			res.Count("duplicates", 1)
			continue
		}
		seen[value] = true
		b.Add("wallet", value, ref, func(in *store.Indicator) { in.Label = s })
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ParseError{File: file, Line: line + 1, Reason: "a line longer than 4 KiB: this is not a list of addresses"}
		}
		return nil, err
	}
	if res.Entries == 0 {
		// An empty list would unlist every address on import: a broken
		// download, not a list.
		return nil, &ParseError{File: file, Reason: "no addresses: the list is empty or truncated"}
	}
	res.Count("wallets", len(res.Indicators))
	return res, nil
}
