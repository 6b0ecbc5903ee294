package intel

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const walletsDir = "../../../shared/data/wallets-2025-11-19"

func TestParseWalletsImportsEveryRealList(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(walletsDir, "sanctioned_addresses_*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		listsData(t, filepath.Join(walletsDir, "sanctioned_addresses_XBT.txt")) // fails in CI, skips elsewhere
		t.Fatalf("no wallet lists in %s", walletsDir)
	}
	total := 0
	for _, path := range files {
		name := filepath.Base(path)
		asset := strings.TrimSuffix(strings.TrimPrefix(name, "sanctioned_addresses_"), ".txt")
		t.Run("the "+asset+" list imports every address", func(t *testing.T) {
			b := listsData(t, path)
			lines := 0
			for l := range strings.SplitSeq(string(b), "\n") {
				if strings.TrimSpace(l) != "" {
					lines++
				}
			}
			total += lines
			res, err := ParseWallets(context.Background(), bytes.NewReader(b), name, asset)
			if err != nil {
				t.Fatal(err)
			}
			if res.Source != "wallets:"+asset {
				t.Errorf("source: got %q, want wallets:%s", res.Source, asset)
			}
			if res.Entries != lines {
				t.Errorf("entries: got %d, want %d non-empty lines", res.Entries, lines)
			}
			// Every line is imported, or explained: a duplicate, or an
			// address that is not one (there is none in these lists).
			if got := len(res.Indicators) + res.Counts["duplicates"]; got != lines {
				t.Errorf("imported %d + duplicates %d, want the %d lines", len(res.Indicators), res.Counts["duplicates"], lines)
			}
			if n := res.Counts["skipped:wallet"]; n != 0 {
				t.Errorf("%d addresses skipped: %q", n, res.Warnings)
			}
			// An address filed under the wrong asset is imported as the
			// chain it is, with a warning.
			if res.Counts["chain_mismatch"] != len(res.Warnings) {
				t.Errorf("warnings %q, want one per chain mismatch (%d)", res.Warnings, res.Counts["chain_mismatch"])
			}
			for _, in := range res.Indicators {
				if in.Kind != "wallet" || in.Severity != "critical" || in.Confidence != 100 {
					t.Fatalf("got %+v, want a critical wallet with confidence 100", in)
				}
			}
			listsCheckIndicators(t, res)
		})
	}
	if total == 0 {
		t.Error("the wallet lists hold no addresses: has the format changed?")
	}
}

func TestParseWallets(t *testing.T) {
	tests := []struct {
		name, file, chain, input string
		wantSource               string
		want                     []string // canonical values
		wantCounts               map[string]int
	}{
		{
			name: "a Bitcoin list with a comment, a blank line, an inline comment and a DOS end-of-file byte",
			file: "sanctioned_addresses_XBT.txt", chain: "XBT",
			input:      "# OFAC SDN\n\n123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX\r\nbc1qdt3gml5z5n50y5hm04u2yjdphefkm0fl2zdj68 # SUEX\n\x1a",
			wantSource: "wallets:XBT",
			want:       []string{"123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX", "bc1qdt3gml5z5n50y5hm04u2yjdphefkm0fl2zdj68"},
			wantCounts: map[string]int{"wallets": 2},
		},
		{
			name: "a Tron address filed under XBT is still imported, as Tron, with a warning",
			file: "x.txt", chain: "XBT",
			input:      "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq\n",
			wantSource: "wallets:XBT",
			want:       []string{"TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"},
			wantCounts: map[string]int{"wallets": 1, "chain_mismatch": 1, "warnings": 1},
		},
		{
			name: "Tether lives on Ethereum and Tron, and the address says which",
			file: "usdt.txt", chain: "usdt",
			input:      "0x175d44451403Edf28469dF03A9280c1197ADb92c\nTAYhjpL8pPs8T84FSM329nffQpc6jD8GBM\n",
			wantSource: "wallets:USDT",
			want:       []string{"0x175d44451403edf28469df03a9280c1197adb92c", "TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM"},
			wantCounts: map[string]int{"wallets": 2},
		},
		{
			name: "an EIP-55 address and its lower-case spelling are one wallet",
			file: "eth.txt", chain: "ETH",
			input:      "0x175d44451403Edf28469dF03A9280c1197ADb92c\n0x175d44451403edf28469df03a9280c1197adb92c\n",
			wantSource: "wallets:ETH",
			want:       []string{"0x175d44451403edf28469df03a9280c1197adb92c"},
			wantCounts: map[string]int{"wallets": 1, "duplicates": 1},
		},
		{
			name: "a chain ringfence does not decode is kept as asset:address",
			file: "dash.txt", chain: "DASH",
			input:      "XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2\n",
			wantSource: "wallets:DASH",
			want:       []string{"dash:XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2"},
			wantCounts: map[string]int{"wallets": 1},
		},
		{
			name: "without a chain each line is detected, and the file names the source",
			file: "lists/mixed.txt", chain: "",
			input:      "0x175d44451403Edf28469dF03A9280c1197ADb92c\nsol:42RLPACwZPx3vYYmxSueqsogfynBDqXK298EDsNoyoHi\n",
			wantSource: "wallets:mixed",
			want:       []string{"0x175d44451403edf28469df03a9280c1197adb92c", "sol:42RLPACwZPx3vYYmxSueqsogfynBDqXK298EDsNoyoHi"},
			wantCounts: map[string]int{"wallets": 2},
		},
		{
			name: "a line that is no address is skipped with a warning, not a failure",
			file: "x.txt", chain: "ETH",
			input:      "0x1234\n0x175d44451403Edf28469dF03A9280c1197ADb92c\n",
			wantSource: "wallets:ETH",
			want:       []string{"0x175d44451403edf28469df03a9280c1197adb92c"},
			wantCounts: map[string]int{"wallets": 1, "skipped:wallet": 1, "warnings": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ParseWallets(context.Background(), strings.NewReader(tt.input), tt.file, tt.chain)
			if err != nil {
				t.Fatal(err)
			}
			if res.Source != tt.wantSource {
				t.Errorf("source: got %q, want %q", res.Source, tt.wantSource)
			}
			var got []string
			for _, in := range res.Indicators {
				got = append(got, in.Value)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("wallets (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCounts, res.Counts); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseWalletsRejectsWhatIsNoList(t *testing.T) {
	tests := []struct {
		name, input string
		wantLine    int
	}{
		{"a binary file", "1abc\n\x00\x01\x02", 2},
		{"text that is not UTF-8", "\xff\xfe\n", 1},
		{"a line of 5,000 characters", strings.Repeat("a", 5000), 1},
		{"an empty file", "# nothing here\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ParseWallets(context.Background(), strings.NewReader(tt.input), "w.txt", "XBT")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *ParseError", res, err)
			}
			if pe.File != "w.txt" || pe.Line != tt.wantLine {
				t.Errorf("got %+v, want file w.txt line %d", pe, tt.wantLine)
			}
		})
	}
}

func FuzzParseWallets(f *testing.F) {
	for _, name := range []string{"sanctioned_addresses_XMR.txt", "sanctioned_addresses_BCH.txt"} {
		if b, err := os.ReadFile(filepath.Join(walletsDir, name)); err == nil {
			f.Add(b, "XMR")
		}
	}
	f.Add([]byte("TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq\n# c\n\nbc1qdt3gml5z5n50y5hm04u2yjdphefkm0fl2zdj68 # x\n"), "XBT")
	f.Add([]byte("0x175d44451403Edf28469dF03A9280c1197ADb92c\n"), "")
	f.Add([]byte("eth:0x175d44451403Edf28469dF03A9280c1197ADb92c\n"), "USDT")
	f.Fuzz(func(t *testing.T, b []byte, chain string) {
		res, err := ParseWallets(context.Background(), bytes.NewReader(b), "w.txt", chain)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		if got := len(res.Indicators) + res.Counts["duplicates"] + res.Counts["skipped:wallet"]; got != res.Entries {
			t.Fatalf("%d lines read, but %d imported, skipped or duplicate", res.Entries, got)
		}
		for _, in := range res.Indicators {
			if v, err := Canonical(in.Kind, in.Value); err != nil || v != in.Value {
				t.Fatalf("wallet %q does not re-canonicalise to itself: %q, %v", in.Value, v, err)
			}
		}
	})
}
