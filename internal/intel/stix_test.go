package intel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ringfence/ringfence/internal/shareddata"
	"github.com/ringfence/ringfence/internal/store"
)

// The -update flag regenerates golden files. Several test files of this
// package may want it, so it is registered only once.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files in testdata")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const stixSchemaDir = "../../../shared/data/stix2-schemas"

// sharedData returns path if it exists; else it fails the test in CI and
// skips it elsewhere.
func sharedData(t testing.TB, path string) string {
	t.Helper()
	return shareddata.Require(t, path)
}

func parseSTIXString(t *testing.T, s string) []*Result {
	t.Helper()
	rs, err := ParseSTIX(context.Background(), strings.NewReader(s), "test.json")
	if err != nil {
		t.Fatalf("ParseSTIX: %v", err)
	}
	return rs
}

func TestParsePattern(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"a single equality reads back as written", `[email-addr:value = 'a@example.com']`, `[email-addr:value = 'a@example.com']`},
		{"== and <> are the same operators as = and !=", `[url:value == 'x' AND url:value <> 'y']`, `[url:value = 'x' AND url:value != 'y']`},
		{"escaped quotes and backslashes survive", `[domain-name:value = 'it\'s\\here']`, `[domain-name:value = 'it\'s\\here']`},
		{"AND binds tighter than OR inside brackets", `[a:b = 1 OR a:c = 2 AND a:d = 3]`, `[a:b = 1 OR (a:c = 2 AND a:d = 3)]`},
		{"observation operators nest FOLLOWEDBY, OR, AND", `[a:b = 1] AND [a:c = 2] OR [a:d = 3] FOLLOWEDBY [a:e = 4]`, `(([a:b = 1] AND [a:c = 2]) OR [a:d = 3]) FOLLOWEDBY [a:e = 4]`},
		{"qualifiers attach to the observation", `([a:b = 1] AND [a:c = 2]) WITHIN 300 SECONDS REPEATS 2 TIMES`, `([a:b = 1] AND [a:c = 2]) WITHIN 300 SECONDS REPEATS 2 TIMES`},
		{"START and STOP take timestamps", `[a:b = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.5Z'`, `[a:b = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.5Z'`},
		{"paths with quoted keys and indexes", `[file:hashes.'SHA-256' = 'ab' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^x' AND x:y[-1] = 2]`, `[(file:hashes.'SHA-256' = 'ab' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^x') AND x:y[-1] = 2]`},
		{"IN takes a set, NOT negates", `[ipv4-addr:value NOT IN ('1.2.3.4', '5.6.7.8')]`, `[ipv4-addr:value NOT IN ('1.2.3.4', '5.6.7.8')]`},
		{"literals of every kind", `[x:a = h'0aFF' OR x:b = b'AAE=' OR x:c > -1.5 OR x:d = true OR x:e <= +3]`, `[(((x:a = h'0aFF' OR x:b = b'AAE=') OR x:c > -1.5) OR x:d = true) OR x:e <= +3]`},
		{"EXISTS and comments", "[EXISTS x:y /* note */ AND x:z = 'a'] // end", `[EXISTS x:y AND x:z = 'a']`},
		{"parentheses group comparisons", `[(a:b = 1 OR a:c = 2) AND a:d = 3]`, `[(a:b = 1 OR a:c = 2) AND a:d = 3]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePattern(tt.in)
			if err != nil {
				t.Fatalf("ParsePattern(%q): %v", tt.in, err)
			}
			if got := p.String(); got != tt.want {
				t.Errorf("ParsePattern(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePatternRejects(t *testing.T) {
	tests := []struct{ name, in string }{
		{"an empty pattern", ``},
		{"a comparison outside brackets", `email-addr:value = 'x'`},
		{"an unclosed bracket", `[email-addr:value = 'x'`},
		{"an unclosed string", `[email-addr:value = 'x]`},
		{"a backslash escaping another character", `[url:value = 'a\nb']`},
		{"lower-case keywords", `[a:b = 'x' or a:c = 'y']`},
		{"a hyphen in an unquoted property", `[file:hashes.SHA-256 = 'x']`},
		{"a path without a property", `[email-addr = 'x']`},
		{"LIKE with a number", `[a:b LIKE 3]`},
		{"a boolean ordered", `[a:b > true]`},
		{"an odd hex literal", `[a:b = h'abc']`},
		{"a bad timestamp", `[a:b = 1] START t'2016-13-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`},
		{"WITHIN without SECONDS", `[a:b = 1] WITHIN 5`},
		{"trailing tokens", `[a:b = 1] [a:c = 2]`},
		{"an integer with a leading zero", `[a:b = 01]`},
		{"nesting beyond the limit", strings.Repeat("(", 200) + "[a:b = 1]" + strings.Repeat(")", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePattern(tt.in)
			var pe *PatternError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePattern(%q) error = %v, want a *PatternError", tt.in, err)
			}
		})
	}
}

func TestPatternValues(t *testing.T) {
	type pv = patternValue
	tests := []struct {
		name   string
		in     string
		want   []pv
		wantOK bool
	}{
		{"an e-mail address", `[email-addr:value = 'x@example.com']`, []pv{{"email", "x@example.com"}}, true},
		{"identifiers joined by OR", `[domain-name:value = 'a.example' OR ipv4-addr:value = '198.51.100.0/24']`, []pv{{"domain", "a.example"}, {"ip", "198.51.100.0/24"}}, true},
		{"observations joined by OR", `[url:value = 'https://a.example/x'] OR [ipv6-addr:value = '2001:db8::1']`, []pv{{"url", "https://a.example/x"}, {"ip", "2001:db8::1"}}, true},
		{"identifiers joined by AND are each kept", `[email-addr:value = 'a@example.com'] AND [domain-name:value = 'b.example']`, []pv{{"email", "a@example.com"}, {"domain", "b.example"}}, true},
		{"an OR branch that is not understood is dropped", `[domain-name:value = 'a.example' OR file:hashes.MD5 = 'ab']`, []pv{{"domain", "a.example"}}, false},
		{"an AND with a part not understood is dropped whole", `[domain-name:value = 'a.example' AND file:name = 'x.exe']`, nil, false},
		{"a hash is not an identifier", `[file:hashes.'SHA-256' = 'ab']`, nil, false},
		{"inequality is not understood", `[email-addr:value != 'x@example.com']`, nil, false},
		{"NOT is not understood", `[email-addr:value NOT IN ('x@example.com')]`, nil, false},
		{"LIKE is not understood", `[domain-name:value LIKE '%.example']`, nil, false},
		{"MATCHES is not understood", `[url:value MATCHES '^https://']`, nil, false},
		{"IN is a set of equalities", `[domain-name:value IN ('a.example', 'b.example')]`, []pv{{"domain", "a.example"}, {"domain", "b.example"}}, true},
		{"ISSUBSET on an IP is a range", `[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, []pv{{"ip", "198.51.100.0/24"}}, true},
		{"a number is not an identifier value", `[ipv4-addr:value = 3]`, nil, false},
		{"qualifiers are ignored", `[email-addr:value = 'x@example.com'] REPEATS 5 TIMES WITHIN 60 SECONDS`, []pv{{"email", "x@example.com"}}, true},
		{"the sender of an e-mail message", `[email-message:from_ref.value = 'boss@example.com']`, []pv{{"email", "boss@example.com"}}, true},
		{"the recipient of an e-mail message is not an identifier", `[email-message:to_refs[*].value = 'victim@example.com']`, nil, false},
		{"a GitHub account becomes a profile handle", `[user-account:account_type = 'github' AND user-account:account_login = 'octo-dev']`, []pv{{"url", "github:octo-dev"}}, true},
		{"an account on an unknown platform is not understood", `[user-account:account_login = 'jdoe']`, nil, false},
		{"an account type on another object qualifies nothing", `[user-account:account_type = 'github' AND email-addr:value = 'a@example.com']`, nil, false},
		{"contradicting account types match nothing", `[user-account:account_type = 'github' AND user-account:account_type = 'linkedin' AND user-account:account_login = 'x']`, nil, false},
		{"a numeric user_id is not a handle", `[user-account:account_type = 'github' AND user-account:user_id = '1234567']`, nil, false},
		{"a phone number", `[phone-number:value = '+12025550143']`, []pv{{"phone", "+12025550143"}}, true},
		{"an x- phone number", `[x-phone-number:value = '+12025550143']`, []pv{{"phone", "+12025550143"}}, true},
		{"a wallet whose chain the address tells", `[cryptocurrency-wallet:value = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4']`, []pv{{"wallet", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}}, true},
		{"a wallet with its currency", `[x-crypto-wallet:address = 'XpESxaUmonkq8RaLLp46Brx2K39ggQe226' AND x-crypto-wallet:currency = 'DASH']`, []pv{{"wallet", "dash:XpESxaUmonkq8RaLLp46Brx2K39ggQe226"}}, true},
		{"an IBAN", `[bank-account:iban = 'GB82WEST12345698765432']`, []pv{{"bank_account", "GB82WEST12345698765432"}}, true},
		{"an account number with its routing number", `[x-bank-account:account_number = '123456789' AND x-bank-account:routing_number = '021000021']`, []pv{{"bank_account", "021000021:123456789"}}, true},
		{"ringfence's own observable types", `[x-ringfence-id-document:value = 'passport:KP:745310001']`, []pv{{"id_document", "passport:KP:745310001"}}, true},
		{"an unknown ringfence type", `[x-ringfence-shoe-size:value = '44']`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePattern(tt.in)
			if err != nil {
				t.Fatalf("ParsePattern(%q): %v", tt.in, err)
			}
			got := patternValues(p)
			if diff := cmp.Diff(tt.want, got.vals, cmp.AllowUnexported(patternValue{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if got.ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", got.ok, tt.wantOK)
			}
		})
	}
}

// TestParseSTIXExamples imports every example bundle OASIS publishes with
// the schemas, and checks the object counts against a plain scan.
func TestParseSTIXExamples(t *testing.T) {
	dir := sharedData(t, filepath.Join(stixSchemaDir, "examples"))
	typeRE := regexp.MustCompile(`"type"\s*:\s*"([a-z0-9-]+)"`)
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		n++
		t.Run(strings.TrimPrefix(path, dir), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := ParseSTIX(context.Background(), bytes.NewReader(data), path)
			if err != nil {
				t.Fatalf("ParseSTIX: %v", err)
			}
			// Every "type" in these files is an object's, and indicators
			// and observables carry no nested objects with types.
			want := map[string]int{}
			for _, m := range typeRE.FindAllSubmatch(data, -1) {
				if string(m[1]) != "bundle" {
					want[string(m[1])]++
				}
			}
			got := map[string]int{}
			entries := 0
			for _, r := range rs {
				entries += r.Entries
				for k, v := range r.Counts {
					if typ, ok := strings.CutPrefix(k, "objects:"); ok {
						got[typ] += v
					}
				}
				for _, in := range r.Indicators {
					if !strings.HasPrefix(in.SourceRef, "indicator--") && !strings.Contains(in.SourceRef, "-addr--") && !strings.HasPrefix(in.SourceRef, "domain-name--") {
						t.Errorf("indicator %s %s refers to %s, not to an indicator or observable", in.Kind, in.Value, in.SourceRef)
					}
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("objects by type (-scan +parser):\n%s", diff)
			}
			total := 0
			for _, v := range want {
				total += v
			}
			if entries != total {
				t.Errorf("entries = %d, want %d", entries, total)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no example bundles found")
	}
}

func TestParseSTIX(t *testing.T) {
	const (
		tlp1Amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
		tlp1White = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
		tlp2Red   = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
		tlp2AS    = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	)
	ind := func(id, pattern string, extra string) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","pattern":%q,"pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"%s}`, id, pattern, extra)
	}
	bundle := func(objs ...string) string {
		return `{"type":"bundle","id":"bundle--1c0a1c76-1a55-4b45-98fe-07fd5dc64fb1","objects":[` + strings.Join(objs, ",") + `]}`
	}
	identity := `{"type":"identity","spec_version":"2.1","id":"identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Example  ISAC"}`
	byISAC := `,"created_by_ref":"identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a"`
	type got struct {
		Source, Kind, Value, Label, Severity, TLP, SourceRef string
		Confidence                                           int
		FirstSeen, ValidUntil                                time.Time
	}
	day := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	tests := []struct {
		name   string
		in     string
		want   []got
		counts map[string]int // checked in the first result
	}{
		{
			name: "an indicator takes its name, confidence, validity and creator",
			in: bundle(identity, ind("00000000-0000-4000-8000-000000000001", `[email-addr:value = 'Recruiter@Example.com']`,
				`,"name":"Fake recruiter","confidence":85,"valid_until":"2025-01-01T00:00:00Z","indicator_types":["malicious-activity"]`+byISAC)),
			want: []got{{"stix:Example ISAC", "email", "recruiter@example.com", "Fake recruiter", "high", "clear", "indicator--00000000-0000-4000-8000-000000000001", 85, day("2024-01-01T00:00:00Z"), day("2025-01-01T00:00:00Z")}},
		},
		{
			name: "TLP 1.0 and 2.0 markings: the most restrictive wins",
			in: bundle(ind("00000000-0000-4000-8000-000000000002", `[domain-name:value = 'a.example']`, `,"object_marking_refs":["`+tlp1White+`","`+tlp2AS+`"]`),
				ind("00000000-0000-4000-8000-000000000003", `[domain-name:value = 'b.example']`, `,"object_marking_refs":["`+tlp1Amber+`"]`),
				ind("00000000-0000-4000-8000-000000000004", `[domain-name:value = 'c.example']`, `,"object_marking_refs":["`+tlp2Red+`"]`)),
			want: []got{
				{"stix:test", "domain", "a.example", "a.example", "medium", "amber+strict", "indicator--00000000-0000-4000-8000-000000000002", 50, day("2024-01-01T00:00:00Z"), time.Time{}},
				{"stix:test", "domain", "b.example", "b.example", "medium", "amber", "indicator--00000000-0000-4000-8000-000000000003", 50, day("2024-01-01T00:00:00Z"), time.Time{}},
				{"stix:test", "domain", "c.example", "c.example", "medium", "red", "indicator--00000000-0000-4000-8000-000000000004", 50, day("2024-01-01T00:00:00Z"), time.Time{}},
			},
		},
		{
			name: "an unknown marking counts as amber, a statement marking as nothing",
			in: bundle(`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--a2b5e1cb-6a3a-4a6f-8d38-3b5ba52b2a11","created":"2024-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright Example"}}`,
				ind("00000000-0000-4000-8000-000000000005", `[domain-name:value = 'a.example']`, `,"object_marking_refs":["marking-definition--a2b5e1cb-6a3a-4a6f-8d38-3b5ba52b2a11"]`),
				ind("00000000-0000-4000-8000-000000000006", `[domain-name:value = 'b.example']`, `,"object_marking_refs":["marking-definition--0c1b2a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","`+tlp1White+`"]`)),
			want: []got{
				{"stix:test", "domain", "a.example", "a.example", "medium", "clear", "indicator--00000000-0000-4000-8000-000000000005", 50, day("2024-01-01T00:00:00Z"), time.Time{}},
				{"stix:test", "domain", "b.example", "b.example", "medium", "amber", "indicator--00000000-0000-4000-8000-000000000006", 50, day("2024-01-01T00:00:00Z"), time.Time{}},
			},
			counts: map[string]int{"unknown_marking": 1},
		},
		{
			name: "the newest version of an indicator counts, and a revoked one is skipped",
			in: bundle(ind("00000000-0000-4000-8000-000000000007", `[domain-name:value = 'old.example']`, ``),
				strings.Replace(ind("00000000-0000-4000-8000-000000000007", `[domain-name:value = 'new.example']`, ``), `"modified":"2024-01-02T03:04:05.000Z"`, `"modified":"2024-02-02T03:04:05.000Z"`, 1),
				ind("00000000-0000-4000-8000-000000000008", `[domain-name:value = 'gone.example']`, `,"revoked":true`)),
			want:   []got{{"stix:test", "domain", "new.example", "new.example", "medium", "clear", "indicator--00000000-0000-4000-8000-000000000007", 50, day("2024-01-01T00:00:00Z"), time.Time{}}},
			counts: map[string]int{"revoked": 1},
		},
		{
			name: "patterns not understood and other pattern languages import nothing",
			in: bundle(ind("00000000-0000-4000-8000-000000000009", `[file:hashes.MD5 = '00112233445566778899aabbccddeeff']`, ``),
				ind("00000000-0000-4000-8000-00000000000a", `rule x { condition: true }`, ``),
				strings.Replace(ind("00000000-0000-4000-8000-00000000000b", `alert tcp any any -> any any`, ``), `"pattern_type":"stix"`, `"pattern_type":"snort"`, 1),
				ind("00000000-0000-4000-8000-00000000000c", `[domain-name:value = 'benign.example']`, `,"indicator_types":["benign"]`)),
			want:   nil,
			counts: map[string]int{"unsupported_pattern": 1, "invalid_pattern": 1, "unsupported_pattern_type:snort": 1, "skipped:benign": 1},
		},
		{
			name: "observables have a lower confidence; recipients of e-mail are skipped",
			in: bundle(`{"type":"email-addr","spec_version":"2.1","id":"email-addr--2d2e6a86-5c2b-5d3f-9a6c-6a5c4d0e8b11","value":"hr@front.example"}`,
				`{"type":"email-addr","spec_version":"2.1","id":"email-addr--3d2e6a86-5c2b-5d3f-9a6c-6a5c4d0e8b11","value":"victim@corp.example"}`,
				`{"type":"email-message","spec_version":"2.1","id":"email-message--4d2e6a86-5c2b-5d3f-9a6c-6a5c4d0e8b11","is_multipart":false,"from_ref":"email-addr--2d2e6a86-5c2b-5d3f-9a6c-6a5c4d0e8b11","to_refs":["email-addr--3d2e6a86-5c2b-5d3f-9a6c-6a5c4d0e8b11"]}`,
				`{"type":"user-account","spec_version":"2.1","id":"user-account--5d2e6a86-5c2b-5d3f-9a6c-6a5c4d0e8b11","account_type":"github","account_login":"Octo-Dev"}`,
				`{"type":"cryptocurrency-wallet","spec_version":"2.1","id":"cryptocurrency-wallet--6d2e6a86-5c2b-5d3f-9a6c-6a5c4d0e8b11","value":"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}`),
			want: []got{
				{"stix:test", "email", "hr@front.example", "hr@front.example", "low", "clear", "email-addr--2d2e6a86-5c2b-5d3f-9a6c-6a5c4d0e8b11", 30, time.Time{}, time.Time{}},
				{"stix:test", "url", "https://github.com/octo-dev", "github:Octo-Dev", "low", "clear", "user-account--5d2e6a86-5c2b-5d3f-9a6c-6a5c4d0e8b11", 30, time.Time{}, time.Time{}},
				{"stix:test", "wallet", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "low", "clear", "cryptocurrency-wallet--6d2e6a86-5c2b-5d3f-9a6c-6a5c4d0e8b11", 30, time.Time{}, time.Time{}},
			},
			counts: map[string]int{"skipped:email_recipient": 1, "observables": 3},
		},
		{
			name: "STIX 2.0 observed-data embeds its observables",
			in:   bundle(`{"type":"observed-data","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf","created":"2016-04-06T19:58:16.000Z","modified":"2016-04-06T19:58:16.000Z","first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":1,"confidence":20,"objects":{"0":{"type":"domain-name","value":"front.example"}}}`),
			want: []got{{"stix:test", "domain", "front.example", "front.example", "low", "clear", "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf/0", 20, day("2016-04-06T19:58:16Z"), time.Time{}}},
		},
		{
			name: "a single object is read like a bundle of one",
			in:   ind("00000000-0000-4000-8000-00000000000d", `[ipv4-addr:value = '198.51.100.7']`, `,"labels":["severity:critical"]`),
			want: []got{{"stix:test", "ip", "198.51.100.7", "198.51.100.7", "critical", "clear", "indicator--00000000-0000-4000-8000-00000000000d", 50, day("2024-01-01T00:00:00Z"), time.Time{}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := parseSTIXString(t, tt.in)
			var gotInds []got
			for _, r := range rs {
				for _, in := range r.Indicators {
					gotInds = append(gotInds, got{in.Source, in.Kind, in.Value, in.Label, in.Severity, in.TLP, in.SourceRef, in.Confidence, in.FirstSeen, in.ValidUntil})
				}
			}
			if diff := cmp.Diff(tt.want, gotInds, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("indicators (-want +got):\n%s", diff)
			}
			for k, want := range tt.counts {
				if got := rs[0].Counts[k]; got != want {
					t.Errorf("count %s = %d, want %d (all: %v)", k, got, want, rs[0].Counts)
				}
			}
		})
	}
}

func TestParseSTIXErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
	}{
		{"not JSON", "hello", 1},
		{"a JSON array", `[1,2]`, 1},
		{"a truncated bundle", "{\"type\":\"bundle\",\n\"id\":\"bundle--1\",\n\"objects\":[{\"type\":\"indicator\"", 0},
		{"an object without a type", "{\"type\":\"bundle\",\"objects\":[\n{\"id\":\"x--1\"}]}", 2},
		{"a property of the wrong type", "{\"type\":\"bundle\",\"objects\":[\n\n{\"type\":\"indicator\",\"id\":\"indicator--1\",\"labels\":\"x\"}]}", 3},
		{"no type at all", `{"id":"x"}`, 0},
		{"objects in something that is not a bundle", `{"type":"report","objects":[]}`, 0},
		{"data after the object", `{"type":"bundle","objects":[]} {}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseSTIX(context.Background(), strings.NewReader(tt.in), "bad.json")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseSTIX error = %v, want a *ParseError", err)
			}
			if rs != nil {
				t.Errorf("ParseSTIX returned %d results along with the error", len(rs))
			}
			if pe.File != "bad.json" {
				t.Errorf("error names file %q, want bad.json", pe.File)
			}
			if tt.line > 0 && pe.Line != tt.line {
				t.Errorf("error at line %d, want %d (%v)", pe.Line, tt.line, err)
			}
		})
	}
}

// exportSample has an indicator of every kind and TLP, with the fields
// ExportSTIX must carry.
func exportSample() []store.Indicator {
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	t1 := time.Date(2024, 6, 1, 8, 30, 0, 0, time.UTC)
	until := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(kind, value, label, sev string, conf int, tlp string) store.Indicator {
		return store.Indicator{Kind: kind, Value: value, Label: label, Severity: sev, Confidence: conf,
			Source: "ringfence-test", SourceRef: "entry-" + kind, TLP: tlp, FirstSeen: t0, LastSeen: t1, ValidUntil: until}
	}
	inds := []store.Indicator{
		mk("email", "recruiter@front.example", "Fake recruiter's address", "critical", 90, "clear"),
		mk("domain", "front.example", "Front company's site", "high", 80, "green"),
		mk("url", "https://github.com/octo-dev", "GitHub profile used by the scheme", "high", 70, "amber"),
		mk("ip", "198.51.100.0/24", "Laptop farm range", "medium", 60, "amber+strict"),
		mk("ip", "2001:db8::1", "VPN exit", "medium", 60, "red"),
		mk("phone", "+12025550143", "Contact number", "high", 75, "green"),
		mk("wallet", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "Payout wallet", "critical", 100, "clear"),
		mk("wallet", "xmr:44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A", "Monero wallet", "critical", 100, "clear"),
		mk("bank_account", "GB82WEST12345698765432", "Mule account", "high", 80, "amber"),
		mk("bank_account", "us:021000021:123456789", "US mule account", "high", 80, "amber"),
		mk("name", "kim chol", "KIM, Chol", "high", 100, "clear"),
		mk("id_document", "passport:KP:745310001", "Passport", "critical", 100, "clear"),
		mk("address", "pyongyang kp", "Pyongyang", "info", 100, "clear"),
		mk("device", "usb:0557:2419", "IP-KVM", "medium", 90, "clear"),
		mk(KindBirthDate, "1985-04-12", "1985-04-12", "info", 100, "clear"),
		mk(KindNationality, "KP", "North Korea", "info", 100, "clear"),
		mk(KindProgram, "DPRK3", "DPRK3", "info", 100, "clear"),
		mk(KindSWIFT, "KKBCKPPY", "Korea Kwangson Banking Corp", "high", 100, "clear"),
		mk("email_domain", "front.example", "Domain of the front's mail", "high", 80, "clear"),
	}
	// Values must be canonical, as in the store.
	for i := range inds {
		v, err := Canonical(inds[i].Kind, inds[i].Value)
		if err != nil {
			panic(fmt.Sprintf("sample %s %q: %v", inds[i].Kind, inds[i].Value, err))
		}
		inds[i].Value = v
	}
	// A second source, and a label with characters JSON and patterns escape.
	inds = append(inds, store.Indicator{Kind: "domain", Value: "it-s.example", Label: `O'Brien "quoted" \ <b>`,
		Severity: "low", Confidence: 0, Source: "stix:Other ISAC", SourceRef: "indicator--x", TLP: "clear"})
	return inds
}

var exportNow = time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)

// stixSchema compiles the OASIS bundle schema from the local copy; the
// schemas' http $ids are mapped to files, and nothing is fetched.
func stixSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	dir := sharedData(t, filepath.Join(stixSchemaDir, "schemas"))
	const prefix = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/"
	c := jsonschema.NewCompiler()
	c.UseLoader(localSchemaLoader{prefix: prefix, dir: dir})
	sch, err := c.Compile(prefix + "common/bundle.json")
	if err != nil {
		t.Fatalf("compile STIX schema: %v", err)
	}
	return sch
}

type localSchemaLoader struct{ prefix, dir string }

func (l localSchemaLoader) Load(url string) (any, error) {
	rel, ok := strings.CutPrefix(url, l.prefix)
	if !ok {
		return nil, fmt.Errorf("refusing to fetch %s: only the local STIX schemas are available", url)
	}
	f, err := os.Open(filepath.Join(l.dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

func validateBundle(t *testing.T, sch *jsonschema.Schema, data []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("exported bundle is not JSON: %v", err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("exported bundle does not validate against the STIX 2.1 schema: %v", err)
	}
	// The bundle schema checks objects only loosely through anyOf; check
	// each object against its own type's schema as well.
	var b struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const prefix = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/"
	c.UseLoader(localSchemaLoader{prefix: prefix, dir: filepath.Join(stixSchemaDir, "schemas")})
	for _, raw := range b.Objects {
		var head struct{ Type string }
		json.Unmarshal(raw, &head)
		path := map[string]string{"indicator": "sdos/indicator.json", "identity": "sdos/identity.json", "marking-definition": "common/marking-definition.json"}[head.Type]
		if path == "" {
			t.Errorf("unexpected object type %q in export", head.Type)
			continue
		}
		s, err := c.Compile(prefix + path)
		if err != nil {
			t.Fatalf("compile %s: %v", path, err)
		}
		doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err := s.Validate(doc); err != nil {
			t.Errorf("%s does not validate against %s: %v", raw, path, err)
		}
	}
}

func TestExportSTIXValidates(t *testing.T) {
	sch := stixSchema(t)
	tests := []struct {
		name string
		inds []store.Indicator
	}{
		{"indicators of every kind and TLP", exportSample()},
		{"no indicators at all", nil},
		{"an indicator without dates, source or severity", []store.Indicator{{Kind: "email", Value: "a@example.com"}}},
		{"an indicator that expired before it was first seen", []store.Indicator{{Kind: "domain", Value: "a.example", FirstSeen: exportNow, ValidUntil: exportNow.Add(-time.Hour)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := ExportSTIX(&buf, tt.inds, exportNow); err != nil {
				t.Fatalf("ExportSTIX: %v", err)
			}
			validateBundle(t, sch, buf.Bytes())
		})
	}
}

func TestExportSTIXRejects(t *testing.T) {
	for _, in := range []store.Indicator{{Kind: "email"}, {Kind: "email", Value: "a@example.com", TLP: "purple"}} {
		if err := ExportSTIX(&bytes.Buffer{}, []store.Indicator{in}, exportNow); err == nil {
			t.Errorf("ExportSTIX(%+v) succeeded, want an error", in)
		}
	}
}

func TestSTIXRoundTrip(t *testing.T) {
	inds := exportSample()
	var buf bytes.Buffer
	if err := ExportSTIX(&buf, inds, exportNow); err != nil {
		t.Fatalf("ExportSTIX: %v", err)
	}
	rs, err := ParseSTIX(context.Background(), &buf, "export.json")
	if err != nil {
		t.Fatalf("ParseSTIX: %v", err)
	}
	type kept struct {
		Source, Kind, Value, Label, Severity, TLP, SourceRef string
		Confidence                                           int
		ValidUntil                                           time.Time
	}
	project := func(in store.Indicator) kept {
		return kept{"", in.Kind, in.Value, in.Label, in.Severity, in.TLP, "", in.Confidence, in.ValidUntil}
	}
	var want, got []kept
	for _, in := range inds {
		want = append(want, project(in))
	}
	sources := map[string]int{}
	for _, r := range rs {
		sources[r.Source] += len(r.Indicators)
		if r.Counts["warnings"] > 0 {
			t.Errorf("%s: warnings on re-import: %v", r.Source, r.Warnings)
		}
		for _, in := range r.Indicators {
			got = append(got, project(in))
		}
	}
	sortKept := cmpopts.SortSlices(func(a, b kept) bool { return a.Kind+"\x00"+a.Value < b.Kind+"\x00"+b.Value })
	if diff := cmp.Diff(want, got, sortKept); diff != "" {
		t.Errorf("round trip (-exported +imported):\n%s", diff)
	}
	wantSources := map[string]int{"stix:ringfence-test": len(inds) - 1, "stix:Other ISAC": 1}
	if diff := cmp.Diff(wantSources, sources); diff != "" {
		t.Errorf("indicators per source (-want +got):\n%s", diff)
	}
}

func TestExportSTIXGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := ExportSTIX(&buf, exportSample(), exportNow); err != nil {
		t.Fatalf("ExportSTIX: %v", err)
	}
	// The same indicators in another order export to the same bytes.
	rev := exportSample()
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	var again bytes.Buffer
	if err := ExportSTIX(&again, rev, exportNow); err != nil {
		t.Fatalf("ExportSTIX: %v", err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Errorf("export depends on the order of the indicators")
	}
	golden := filepath.Join("testdata", "stix_export.golden.json")
	if updateGolden() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestExportSTIXGolden -update)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("export differs from %s (-want +got):\n%s", golden, diff)
	}
}

func TestUUID5(t *testing.T) {
	// RFC 9562 appendix A.4: the DNS namespace and "www.example.com".
	got := uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com")
	if want := "2ed6657d-e927-568b-95e1-2665a8aea6a2"; got != want {
		t.Errorf("uuid5(DNS, www.example.com) = %s, want %s", got, want)
	}
}

// BenchmarkParseSTIX reads a bundle of 10,000 exported indicators.
func BenchmarkParseSTIX(b *testing.B) {
	var inds []store.Indicator
	for i := range 10000 {
		inds = append(inds, store.Indicator{Kind: "domain", Value: fmt.Sprintf("host%d.example", i), Label: "bench",
			Severity: "high", Confidence: 80, Source: "bench", SourceRef: fmt.Sprint(i), TLP: "amber"})
	}
	var buf bytes.Buffer
	if err := ExportSTIX(&buf, inds, exportNow); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for b.Loop() {
		rs, err := ParseSTIX(context.Background(), bytes.NewReader(buf.Bytes()), "bench.json")
		if err != nil || len(rs[0].Indicators) != len(inds) {
			b.Fatalf("ParseSTIX: %v", err)
		}
	}
}

func FuzzSTIXPattern(f *testing.F) {
	for _, s := range []string{
		`[email-addr:value = 'a@example.com']`,
		`[domain-name:value = 'a.example' OR ipv4-addr:value = '198.51.100.0/24']`,
		`[user-account:account_type = 'github' AND user-account:account_login = 'x']`,
		`([a:b = 1] AND [a:c != 'x\'y']) WITHIN 5 SECONDS REPEATS 2 TIMES`,
		`[a:b IN ('x', 2, true)] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`,
		`[file:hashes.'SHA-256' = h'00ff' AND x:y[*].z MATCHES '^a' AND x:w = b'AA==']`,
		`[EXISTS x:y] FOLLOWEDBY [x:z NOT LIKE 'a%']`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil {
			var pe *PatternError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *PatternError", err)
			}
			return
		}
		// The canonical form parses to itself.
		c := p.String()
		p2, err := ParsePattern(c)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", c, s, err)
		}
		if c2 := p2.String(); c2 != c {
			t.Fatalf("canonical form is not stable: %q then %q", c, c2)
		}
		patternValues(p)
	})
}

func FuzzParseSTIX(f *testing.F) {
	var buf bytes.Buffer
	if err := ExportSTIX(&buf, exportSample()[:5], exportNow); err == nil {
		f.Add(buf.Bytes())
	}
	f.Add([]byte(`{"type":"indicator","id":"indicator--1","pattern":"[email-addr:value = 'a@example.com']","pattern_type":"stix","object_marking_refs":["marking-definition--x"]}`))
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"observed-data","id":"observed-data--1","objects":{"0":{"type":"email-message","from_ref":"1"},"1":{"type":"email-addr","value":"a@example.com"}}}]}`))
	if files, _ := filepath.Glob(filepath.Join(stixSchemaDir, "examples", "*.json")); len(files) > 0 {
		for _, p := range files[:min(3, len(files))] {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := ParseSTIX(context.Background(), bytes.NewReader(data), "fuzz.json")
		checkParsed(t, rs, err)
	})
}

// checkParsed holds a parser to its contract on any input: an error is a
// *ParseError and comes without results; results carry only known TLPs and
// canonical values.
func checkParsed(t *testing.T, rs []*Result, err error) {
	t.Helper()
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v is not a *ParseError", err)
		}
		if rs != nil {
			t.Fatal("results returned with an error")
		}
		return
	}
	for _, r := range rs {
		for _, in := range r.Indicators {
			if _, ok := tlpRank[in.TLP]; !ok {
				t.Fatalf("indicator with TLP %q", in.TLP)
			}
			if v, err := Canonical(in.Kind, in.Value); err != nil || v != in.Value {
				t.Fatalf("indicator value %q is not canonical %s (%v)", in.Value, in.Kind, err)
			}
		}
	}
}
