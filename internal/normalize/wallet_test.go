package normalize

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ringfence/ringfence/internal/shareddata"
)

type walletCase struct {
	name  string
	in    string
	canon string
	facts map[string]string
}

func wfacts(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

var validWallets = []walletCase{
	// Bitcoin base58check.
	{"the genesis address is a Bitcoin P2PKH address", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
		"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", wfacts("chain", "btc", "type", "p2pkh")},
	{"a btc: prefix and spaces around it are dropped", "  BTC: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa \n",
		"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", wfacts("chain", "btc", "type", "p2pkh")},
	{"a BIP-21 payment URI gives its address", "bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=0.1&label=x",
		"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", wfacts("chain", "btc", "type", "p2pkh")},
	{"a 3 address is Bitcoin P2SH", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
		"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", wfacts("chain", "btc", "type", "p2sh")},
	{"a sanctioned XBT address is Bitcoin P2PKH", "xbt:123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX",
		"123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX", wfacts("chain", "btc", "type", "p2pkh")},
	{"a testnet base58 address is tagged testnet", "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r",
		"mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r", wfacts("chain", "btc", "type", "p2pkh", "network", "testnet")},

	// BIP-350 valid segwit addresses (which include BIP-173's still-valid ones).
	{"an upper-case BIP-173 P2WPKH address is lower-cased", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", wfacts("chain", "btc", "type", "p2wpkh")},
	{"a BIP-173 testnet P2WSH address is tagged testnet", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
		"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", wfacts("chain", "btc", "type", "p2wsh", "network", "testnet")},
	{"a BIP-350 v1 address with a 40-byte program is a future witness version",
		"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
		"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", wfacts("chain", "btc", "type", "witness_v1")},
	{"a BIP-350 v16 address is accepted", "BC1SW50QGDZ25J", "bc1sw50qgdz25j", wfacts("chain", "btc", "type", "witness_v16")},
	{"a BIP-350 v2 address is accepted", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
		"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", wfacts("chain", "btc", "type", "witness_v2")},
	{"a BIP-350 testnet v0 address is P2WSH", "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
		"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy", wfacts("chain", "btc", "type", "p2wsh", "network", "testnet")},
	{"a BIP-350 testnet taproot address is P2TR", "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
		"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", wfacts("chain", "btc", "type", "p2tr", "network", "testnet")},
	{"a BIP-350 mainnet taproot address is P2TR", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", wfacts("chain", "btc", "type", "p2tr")},

	// EIP-55's own test addresses.
	{"an all-caps EVM address is accepted unchecked", "0x52908400098527886E0F7030069857D2E4169EE7",
		"0x52908400098527886e0f7030069857d2e4169ee7", wfacts("chain", "eth", "type", "account")},
	{"a second all-caps EVM address is accepted unchecked", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
		"0x8617e340b3d01fa5f11f306f4090fd50e238070d", wfacts("chain", "eth", "type", "account")},
	{"an all-lower EVM address is accepted unchecked", "0xde709f2102306220921060314715629080e2fb77",
		"0xde709f2102306220921060314715629080e2fb77", wfacts("chain", "eth", "type", "account")},
	{"a second all-lower EVM address is accepted unchecked", "0x27b1fdb04752bbc536007a920d24acb045561c26",
		"0x27b1fdb04752bbc536007a920d24acb045561c26", wfacts("chain", "eth", "type", "account")},
	{"an EIP-55 checksummed address verifies", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", wfacts("chain", "eth", "type", "account")},
	{"a second EIP-55 address verifies", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359", wfacts("chain", "eth", "type", "account")},
	{"a third EIP-55 address verifies", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb", wfacts("chain", "eth", "type", "account")},
	{"a fourth EIP-55 address verifies", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
		"0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb", wfacts("chain", "eth", "type", "account")},
	{"an eth: prefix names the network", "ETH:0x04DBA1194ee10112fE6C3207C0687DEf0e78baCf",
		"0x04dba1194ee10112fe6c3207c0687def0e78bacf", wfacts("chain", "eth", "type", "account", "network", "eth")},
	{"a bsc: prefix is an EVM network", "bsc:0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c",
		"0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c", wfacts("chain", "eth", "type", "account", "network", "bsc")},
	{"an alias of an EVM network is written by its short name", "matic:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", wfacts("chain", "eth", "type", "account", "network", "polygon")},
	{"an unlisted chain with an EVM address is an EVM network", "moonbeam:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", wfacts("chain", "eth", "type", "account", "network", "moonbeam")},
	{"a USDT address on Ethereum is an EVM address", "usdt:0x175d44451403Edf28469dF03A9280c1197ADb92c",
		"0x175d44451403edf28469df03a9280c1197adb92c", wfacts("chain", "eth", "type", "account")},

	// Tron and Litecoin.
	{"a T address is a Tron account", "TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM",
		"TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM", wfacts("chain", "trx", "type", "account")},
	{"a USDT address on Tron is a Tron account", "usdt:TA3941uFAvmVibSkQ6fMJXxmaSNovX86mz",
		"TA3941uFAvmVibSkQ6fMJXxmaSNovX86mz", wfacts("chain", "trx", "type", "account")},
	{"an L address is Litecoin P2PKH", "LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfb",
		"LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfb", wfacts("chain", "ltc", "type", "p2pkh")},
	{"an M address is Litecoin P2SH", "litecoin:M8yFL6SFC6TreATegTyuSYkDfDRbisdpT3",
		"M8yFL6SFC6TreATegTyuSYkDfDRbisdpT3", wfacts("chain", "ltc", "type", "p2sh")},
	{"a 3 address under ltc: is Litecoin's legacy P2SH", "ltc:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
		"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", wfacts("chain", "ltc", "type", "p2sh")},
	{"an ltc1 address is Litecoin segwit", "LTC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KGMN4N9",
		"ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9", wfacts("chain", "ltc", "type", "p2wpkh")},

	// Monero.
	{"a sanctioned Monero address verifies", "XMR:49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL",
		"xmr:49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL", wfacts("chain", "xmr", "type", "standard")},
	{"a bare Monero subaddress is recognised", "84AwzjeFWXNEuhj8LWinXo93AqYr6wS8ZcnaBCoGhrL7EtvBMBovdhiUSV9xLhjrPA8t64hYSaMc8bHtWXoV9129EHUjU62",
		"xmr:84AwzjeFWXNEuhj8LWinXo93AqYr6wS8ZcnaBCoGhrL7EtvBMBovdhiUSV9xLhjrPA8t64hYSaMc8bHtWXoV9129EHUjU62", wfacts("chain", "xmr", "type", "subaddress")},
	{"an XMR identifier that is no address is kept unverified", "monero:5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320",
		"xmr:5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320", wfacts("chain", "xmr")},

	// Chains kept as written.
	{"a Solana address keeps its case and prefix", "SOL:42RLPACwZPx3vYYmxSueqsogfynBDqXK298EDsNoyoHi",
		"sol:42RLPACwZPx3vYYmxSueqsogfynBDqXK298EDsNoyoHi", wfacts("chain", "sol")},
	{"a Zcash transparent address keeps its case", "zcash: t1MMXtBrSp1XG38Lx9cePcNUCJj5vdWfUWL",
		"zec:t1MMXtBrSp1XG38Lx9cePcNUCJj5vdWfUWL", wfacts("chain", "zec")},
	{"a Bitcoin Cash address is not read as Bitcoin", "bch:18M8bJWMzWHDBMxoLqjHHAffdRy4SrzkfB",
		"bch:18M8bJWMzWHDBMxoLqjHHAffdRy4SrzkfB", wfacts("chain", "bch")},
	{"a 0x address of another length is hex and lower-cased", "sui:0x02A212DE6A9DFA3A69E22387ACFBAFBB1A9E591BD9D636E7895DCFC8DE05F331",
		"sui:0x02a212de6a9dfa3a69e22387acfbafbb1a9e591bd9d636e7895dcfc8de05f331", wfacts("chain", "sui")},
}

var invalidWallets = []struct {
	name, in, reason string // reason: a substring the error must contain
}{
	{"an empty string is no address", "", "empty"},
	{"blanks are no address", " \t ", "empty"},
	{"a word is no address", "hello world", "not an address of a chain ringfence recognises"},
	{"one mistyped character breaks the Bitcoin checksum", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "Bitcoin base58check checksum does not match"},
	{"a mistyped Tron address breaks its checksum", "TAYhjpL8pPs8T84FSM329nffQpc6jD8GBN", "Tron base58check checksum"},
	{"a base58 address cannot contain a zero", "1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na", "base58 has no 0"},
	{"a base58 address of an unrecognised version names the fix", "XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2", "version byte 0x4c"},
	{"a Dogecoin address must be written with its chain", "DFpN6QqFfUm3gKNaxN6tNcab1FArL9cZLE", "write it as chain:address"},
	{"a btc: prefix on an EVM address is a contradiction", "btc:0x52908400098527886E0F7030069857D2E4169EE7", "prefix names Bitcoin, but this is an EVM (Ethereum) address"},
	{"an eth: prefix on a Bitcoin address is a contradiction", "eth:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "names an EVM chain"},
	{"an ltc: prefix on a Bitcoin P2PKH address is a contradiction", "ltc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "this is a Bitcoin address"},
	{"a trx: prefix on nonsense says it is not Tron", "trx:hello", "not a Tron address"},
	{"an EIP-55 address with one letter's case flipped fails its checksum", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "EIP-55 checksum does not match"},
	{"an EVM address with 39 digits is too short", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "has 39 digits"},
	{"an EVM address with a non-hex letter is refused", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", "not a hex digit"},
	{"the zero address belongs to nobody", "0x0000000000000000000000000000000000000000", "burn address"},
	{"a mistyped Monero address fails its checksum", "xmr:49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsM", "Monero address checksum"},
	{"a prefix with nothing after it is no address", "xmr: ", "nothing follows"},
	{"another chain's address must be long enough", "sol:abc", "20–120"},
	{"another chain's address must be letters and digits", "sol:42RLPACwZPx3vYYmxSueqs-ogfynBDqXK298", "not used in sol addresses"},
	{"invalid UTF-8 is refused", "1A1z\xff", "UTF-8"},
	{"an over-long input is refused", "sol:" + strings.Repeat("a", 2000), "longer than"},

	// BIP-173 invalid addresses.
	{"BIP-173: an unknown human-readable part is no address", "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", "not an address"},
	{"BIP-173: a bad checksum is refused", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "bech32 checksum does not match"},
	{"BIP-173: witness version 17 does not exist", "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", ""},
	{"BIP-173: a one-byte program is too short", "bc1rw5uspcuh", ""},
	{"BIP-173: a 41-byte program is too long", "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90", ""},
	{"BIP-173: a 16-byte version-0 program is refused", "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", ""},
	{"BIP-173: mixed case is refused", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", "mixes upper and lower case"},
	{"BIP-173: more than 4 padding bits are refused", "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", ""},
	{"BIP-173: non-zero padding is refused", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv", ""},
	{"BIP-173: an empty data part is refused", "bc1gmk9yu", ""},

	// BIP-350 invalid addresses.
	{"BIP-350: an unknown human-readable part is no address", "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", ""},
	{"BIP-350: taproot with a bech32 checksum is refused", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "must use the bech32m checksum"},
	{"BIP-350: testnet v2 with a bech32 checksum is refused", "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", "bech32m"},
	{"BIP-350: v16 with a bech32 checksum is refused", "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", "bech32m"},
	{"BIP-350: version 0 with a bech32m checksum is refused", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "must use the bech32 checksum"},
	{"BIP-350: testnet version 0 with a bech32m checksum is refused", "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", "bech32 checksum"},
	{"BIP-350: a character outside the charset is refused", "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "not used in bech32"},
	{"BIP-350: witness version 17 does not exist", "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "witness version 17"},
	{"BIP-350: a one-byte program is too short", "bc1pw5dgrnzv", "segwit allows 2–40"},
	{"BIP-350: a 41-byte program is too long", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav", "segwit allows 2–40"},
	{"BIP-350: a 16-byte version-0 program is refused", "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "20 or 32 bytes"},
	{"BIP-350: mixed case is refused", "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", "mixes upper and lower case"},
	{"BIP-350: more than 4 padding bits are refused", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "padding"},
	{"BIP-350: non-zero padding is refused", "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", "padding"},
	{"BIP-350: an empty data part is refused", "bc1gmk9yu", ""},
}

func TestWallet(t *testing.T) {
	for _, tc := range validWallets {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Wallet(tc.in)
			if err != nil {
				t.Fatalf("Wallet(%q) error: %v", tc.in, err)
			}
			want := Value{Kind: KindWallet, Canonical: tc.canon, Facts: tc.facts}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Wallet(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
			again, err := Wallet(got.Canonical)
			if err != nil || again.Canonical != got.Canonical {
				t.Errorf("Wallet(%q) = %q, %v; want the canonical form %q back", got.Canonical, again.Canonical, err, got.Canonical)
			}
		})
	}
}

func TestWalletRejects(t *testing.T) {
	for _, tc := range invalidWallets {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Wallet(tc.in)
			if err == nil {
				t.Fatalf("Wallet(%q) = %q, want an error", tc.in, got.Canonical)
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindWallet || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Wallet(%q) error = %#v, want a wallet *Error", tc.in, err)
			}
			if !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("Wallet(%q) reason = %q, want it to contain %q", tc.in, e.Reason, tc.reason)
			}
		})
	}
}

// TestWalletOneTypo changes each character of a Bitcoin address in turn:
// a base58check checksum must catch every single-character typo.
func TestWalletOneTypo(t *testing.T) {
	const addr = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
	for i := 1; i < len(addr); i++ {
		b := []byte(addr)
		j := strings.IndexByte(base58Alphabet, b[i])
		b[i] = base58Alphabet[(j+1)%len(base58Alphabet)]
		_, err := Wallet(string(b))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Wallet(%q) with position %d changed: err = %v, want a checksum error", b, i, err)
			continue
		}
		if !strings.Contains(e.Reason, "checksum") && !strings.Contains(e.Reason, "decodes to") {
			t.Errorf("Wallet(%q) reason = %q, want it to name the checksum", b, e.Reason)
		}
	}
}

// TestWalletSanctionedFiles reads the published sanctioned-address lists
// and checks that every entry normalises under its file's chain, and that
// the bare addresses of the chains ringfence detects are detected as that
// chain.
func TestWalletSanctionedFiles(t *testing.T) {
	dir := shareddata.Path(t, "wallets-2025-11-19")
	// detected maps a file's ticker to the chain bare detection must find.
	detected := map[string]string{"XBT": "btc", "ETH": "eth", "TRX": "trx", "LTC": "ltc", "XMR": "xmr"}
	// mislisted are entries published under the wrong chain.
	mislisted := map[string]bool{
		"XBT:TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq": true, // a Tron address on the XBT list
	}
	files, err := filepath.Glob(filepath.Join(dir, "sanctioned_addresses_*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sanctioned-address files in %s: %v", dir, err)
	}
	total := 0
	for _, f := range files {
		ticker := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "sanctioned_addresses_"), ".txt")
		t.Run("every "+ticker+" entry normalises", func(t *testing.T) {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			sc := bufio.NewScanner(fh)
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if line == "" {
					continue
				}
				total++
				in := strings.ToLower(ticker) + ":" + line
				got, err := Wallet(in)
				if mislisted[ticker+":"+line] {
					if err == nil {
						t.Errorf("Wallet(%q) = %q, want an error for an address on the wrong chain's list", in, got.Canonical)
					}
					continue
				}
				if err != nil {
					t.Errorf("Wallet(%q): %v", in, err)
					continue
				}
				if again, err := Wallet(got.Canonical); err != nil || again.Canonical != got.Canonical {
					t.Errorf("Wallet(%q) = %q, %v; want %q back", got.Canonical, again.Canonical, err, got.Canonical)
				}
				chain, ok := detected[ticker]
				if !ok || (ticker == "XMR" && strings.IndexByte("48", line[0]) < 0) {
					continue
				}
				bare, err := Wallet(line)
				if err != nil {
					t.Errorf("Wallet(%q): %v", line, err)
					continue
				}
				if bare.Facts["chain"] != chain || bare.Canonical != got.Canonical {
					t.Errorf("Wallet(%q) = %q on %q, want %q on %q", line, bare.Canonical, bare.Facts["chain"], got.Canonical, chain)
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
	if total < 500 {
		t.Errorf("read %d sanctioned addresses, want the 750-odd published", total)
	}
}

func FuzzWallet(f *testing.F) {
	for _, tc := range validWallets {
		f.Add(tc.in)
	}
	for _, tc := range invalidWallets {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Wallet(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindWallet {
				t.Fatalf("Wallet(%q) error %v is not a wallet *Error", s, err)
			}
			return
		}
		if v.Kind != KindWallet || v.Canonical == "" || v.Facts["chain"] == "" {
			t.Fatalf("Wallet(%q) = %+v, want kind, canonical form and chain", s, v)
		}
		again, err := Wallet(v.Canonical)
		if err != nil {
			t.Fatalf("Wallet(%q) = %q, but that canonical form is refused: %v", s, v.Canonical, err)
		}
		if again.Canonical != v.Canonical {
			t.Fatalf("Wallet(%q) = %q, but Wallet(%q) = %q", s, v.Canonical, v.Canonical, again.Canonical)
		}
	})
}

func BenchmarkWallet(b *testing.B) {
	inputs := []string{
		"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Wallet(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}
