package intel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// mispGot is what the MISP tests compare of an indicator.
type mispGot struct {
	Kind, Value, TLP, Severity string
	Confidence                 int
}

func mispIndicators(rs []*Result) map[string][]mispGot {
	out := map[string][]mispGot{}
	for _, r := range rs {
		out[r.Source] = []mispGot{}
		for _, in := range r.Indicators {
			out[r.Source] = append(out[r.Source], mispGot{in.Kind, in.Value, in.TLP, in.Severity, in.Confidence})
		}
	}
	return out
}

// countMISPAttributes counts the attributes of a MISP JSON document by
// walking it generically: every element of every "Attribute" array.
func countMISPAttributes(t *testing.T, data []byte) (all, deleted int) {
	t.Helper()
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, sub := range v {
				if arr, ok := sub.([]any); ok && k == "Attribute" {
					for _, a := range arr {
						all++
						if m, ok := a.(map[string]any); ok && m["deleted"] == true {
							deleted++
						}
					}
				}
				walk(sub)
			}
		case []any:
			for _, sub := range v {
				walk(sub)
			}
		}
	}
	walk(doc)
	return all, deleted
}

func TestParseMISPEvent(t *testing.T) {
	data, err := os.ReadFile("testdata/misp/event.json")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ParseMISP(context.Background(), bytes.NewReader(data), "testdata/misp/event.json")
	if err != nil {
		t.Fatalf("ParseMISP: %v", err)
	}
	const h, ids, ctx = "high", mispIDSConfidence, mispContextConfidence
	want := map[string][]mispGot{"misp:Example CERT": {
		{"email", "recruiting@front-it.example", "amber", h, ids}, // the attribute's tlp:amber beats the event's tlp:green
		{"email", "hr@victim.example", "green", h, ctx},           // no to_ids: lower confidence
		{"domain", "front-it.example", "green", h, ids},
		{"domain", "portal.front-it.example", "green", h, ids},
		{"url", "https://front-it.example/careers", "green", h, ids},
		{"ip", "198.51.100.23", "green", h, ids},
		{"ip", "203.0.113.9", "green", h, ids},
		{"domain", "vpn.front-it.example", "green", h, ids},
		{"ip", "192.0.2.44", "green", h, ids},
		{"phone", "+12025550143", "green", h, ctx},
		{"wallet", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "green", h, ids},
		{"wallet", "xmr:44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A", "green", h, ids},
		{"wallet", "dash:XpESxaUmonkq8RaLLp46Brx2K39ggQe226", "green", h, ids}, // the chain is kept where the address does not tell it
		{"bank_account", "GB82WEST12345698765432", "green", h, ids},
		{"url", "https://github.com/octo-dev", "green", h, ids},
		{"email", "registrant@front-it.example", "green", h, ctx},
		{"wallet", "0x52908400098527886e0f7030069857d2e4169ee7", "green", h, ids}, // coin-address object with symbol ETH
		{"bank_account", "us:021000021:123456789", "green", h, ids},               // bank-account object with its routing number
		{KindSWIFT, "DEUTDEFF", "green", h, ctx},
		{"id_document", "passport:KP:745310001", "green", h, ids}, // passport object with its country
	}}
	if diff := cmp.Diff(want, mispIndicators(rs)); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
	all, deleted := countMISPAttributes(t, data)
	r := rs[0]
	if r.Entries != all {
		t.Errorf("entries = %d, want %d attributes", r.Entries, all)
	}
	wantCounts := map[string]int{
		"deleted": deleted, "deleted_objects": 1, "skipped:link": 1, "skipped:passport-number": 1,
		"skipped:bank-account-nr": 1, "unsupported:sha256": 1, "unsupported:text": 1, "events": 1,
	}
	for k, v := range wantCounts {
		if r.Counts[k] != v {
			t.Errorf("count %s = %d, want %d", k, r.Counts[k], v)
		}
	}
	for _, in := range r.Indicators {
		if !strings.HasPrefix(in.Label, "FICTIONAL TEST EVENT") {
			t.Errorf("%s %s: label %q does not start with the event's info", in.Kind, in.Value, in.Label)
		}
		if in.SourceRef == "" || in.FirstSeen.IsZero() || in.LastSeen.Before(in.FirstSeen) {
			t.Errorf("%s %s: ref %q, first seen %v, last seen %v", in.Kind, in.Value, in.SourceRef, in.FirstSeen, in.LastSeen)
		}
	}
	if got := r.Indicators[0].Label; got != "FICTIONAL TEST EVENT - remote IT worker front company — sender of job applications" {
		t.Errorf("label with a comment = %q", got)
	}
}

func TestParseMISPFeed(t *testing.T) {
	rs, err := ParseMISPFeed(context.Background(), os.DirFS("testdata/misp/feed"))
	if err != nil {
		t.Fatalf("ParseMISPFeed: %v", err)
	}
	want := map[string][]mispGot{
		// Distribution 0 (organisation only) without a TLP tag; the URL's
		// own distribution 3 (all communities) makes it green.
		"misp:Example CERT": {
			{"email", "dev.lee@mail.example", "amber+strict", "medium", mispIDSConfidence},
			{"ip", "2001:db8::7", "amber+strict", "medium", mispContextConfidence},
			{"url", "https://freelance.example/u/devlee", "green", "medium", mispIDSConfidence},
		},
		"misp:Other ISAC": {
			{"domain", "payroll-update.example", "red", "low", mispIDSConfidence},
			{"bank_account", "DE89370400440532013000", "red", "low", mispIDSConfidence},
		},
	}
	if diff := cmp.Diff(want, mispIndicators(rs)); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
	for _, r := range rs {
		if r.Format != "misp-feed" {
			t.Errorf("%s: format %q, want misp-feed", r.Source, r.Format)
		}
	}
}

func TestParseMISPForms(t *testing.T) {
	ev := `{"uuid":"a6f2b1c4-3d5e-4f60-8a7b-9c0d1e2f3a4b","info":"x","date":"2024-01-01","distribution":%s,"threat_level_id":%s,"Orgc":{"name":"Org %s"},"Attribute":[{"type":"domain","value":"a.example","to_ids":%s,"uuid":"u1"}]}`
	fill := func(dist, level, org, ids string) string {
		return sprintf4(ev, dist, level, org, ids)
	}
	tests := []struct {
		name string
		in   string
		want map[string][]mispGot
	}{
		{"an event wrapped in Event", `{"Event":` + fill(`"2"`, `"3"`, "A", "true") + `}`,
			map[string][]mispGot{"misp:Org A": {{"domain", "a.example", "green", "low", mispIDSConfidence}}}},
		{"numbers and 0/1 where MISP writes strings and booleans", `{"Event":` + fill(`4`, `1`, "A", `"0"`) + `}`,
			map[string][]mispGot{"misp:Org A": {{"domain", "a.example", "amber", "high", mispContextConfidence}}}},
		{"a list of events from two organisations", `[{"Event":` + fill(`"0"`, `"2"`, "A", "1") + `},{"Event":` + fill(`"3"`, `"4"`, "B", "false") + `}]`,
			map[string][]mispGot{
				"misp:Org A": {{"domain", "a.example", "amber+strict", "medium", mispIDSConfidence}},
				"misp:Org B": {{"domain", "a.example", "green", "medium", mispContextConfidence}},
			}},
		{"a REST search response", `{"response":[{"Event":` + fill(`null`, `"2"`, "A", "true") + `}]}`,
			map[string][]mispGot{"misp:Org A": {{"domain", "a.example", "amber", "medium", mispIDSConfidence}}}},
		{"a bare event", fill(`"1"`, `"2"`, "A", "true"),
			map[string][]mispGot{"misp:Org A": {{"domain", "a.example", "green", "medium", mispIDSConfidence}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseMISP(context.Background(), strings.NewReader(tt.in), "in.json")
			if err != nil {
				t.Fatalf("ParseMISP: %v", err)
			}
			if diff := cmp.Diff(tt.want, mispIndicators(rs), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("indicators (-want +got):\n%s", diff)
			}
		})
	}
}

func sprintf4(format string, a, b, c, d string) string {
	for _, s := range []string{a, b, c, d} {
		format = strings.Replace(format, "%s", s, 1)
	}
	return format
}

func TestTagsTLP(t *testing.T) {
	tests := []struct {
		tags []string
		want string
	}{
		{nil, ""},
		{[]string{"tlp:white"}, "clear"},
		{[]string{"TLP:CLEAR", "osint:source-type=\"blog-post\""}, "clear"},
		{[]string{"tlp:green", "tlp:amber+strict"}, "amber+strict"},
		{[]string{"tlp:ex:chr"}, "red"},
		{[]string{"tlp:unknown-level"}, ""},
	}
	for _, tt := range tests {
		var tags []mispTag
		for _, n := range tt.tags {
			tags = append(tags, mispTag{Name: n})
		}
		if got := tagsTLP(tags); got != tt.want {
			t.Errorf("tagsTLP(%q) = %q, want %q", tt.tags, got, tt.want)
		}
	}
}

func TestParseMISPErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty input", ""},
		{"not JSON", "<html>"},
		{"truncated JSON", `{"Event":{"Attribute":[{"type":"domain"`},
		{"an object that is not an event", `{"type":"bundle"}`},
		{"a list element without Event", `[{"Event":{}},{"x":1}]`},
		{"an attribute value of the wrong type", `{"Event":{"Attribute":[{"type":"domain","value":5}]}}`},
		{"a to_ids that is not a boolean", `{"Event":{"Attribute":[{"type":"domain","value":"a.example","to_ids":"maybe"}]}}`},
		{"data after the event", `{"Event":{}} x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseMISP(context.Background(), strings.NewReader(tt.in), "bad.json")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseMISP error = %v, want a *ParseError", err)
			}
			if rs != nil || pe.File != "bad.json" {
				t.Errorf("results %v, file %q", rs, pe.File)
			}
		})
	}
}

func TestParseMISPFeedErrors(t *testing.T) {
	good := `{"Event":{"uuid":"0b7d4b1e-8f1c-4c0a-9d2e-3f4a5b6c7d8e","Orgc":{"name":"A"},"Attribute":[{"type":"domain","value":"a.example"}]}}`
	tests := []struct {
		name string
		fsys fstest.MapFS
		file string
	}{
		{"no manifest", fstest.MapFS{}, "manifest.json"},
		{"a manifest that is not an object", fstest.MapFS{"manifest.json": {Data: []byte(`[1]`)}}, "manifest.json"},
		{"an event file missing", fstest.MapFS{"manifest.json": {Data: []byte(`{"0b7d4b1e-8f1c-4c0a-9d2e-3f4a5b6c7d8e":{},"c9e8d7f6-a5b4-4c3d-8e2f-1a0b9c8d7e6f":{}}`)},
			"0b7d4b1e-8f1c-4c0a-9d2e-3f4a5b6c7d8e.json": {Data: []byte(good)}}, "c9e8d7f6-a5b4-4c3d-8e2f-1a0b9c8d7e6f.json"},
		{"an event file broken", fstest.MapFS{"manifest.json": {Data: []byte(`{"0b7d4b1e-8f1c-4c0a-9d2e-3f4a5b6c7d8e":{}}`)},
			"0b7d4b1e-8f1c-4c0a-9d2e-3f4a5b6c7d8e.json": {Data: []byte(good[:40])}}, "0b7d4b1e-8f1c-4c0a-9d2e-3f4a5b6c7d8e.json"},
		{"a manifest key that is not a uuid", fstest.MapFS{"manifest.json": {Data: []byte(`{"../etc/passwd":{}}`)}}, "manifest.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseMISPFeed(context.Background(), tt.fsys)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseMISPFeed error = %v, want a *ParseError", err)
			}
			if rs != nil {
				t.Errorf("ParseMISPFeed returned results with its error")
			}
			if pe.File != tt.file {
				t.Errorf("error names %q, want %q", pe.File, tt.file)
			}
		})
	}
}

func FuzzParseMISP(f *testing.F) {
	if data, err := os.ReadFile("testdata/misp/event.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`[{"Event":{"Orgc":{"name":"A"},"Attribute":[{"type":"ip-src|port","value":"2001:db8::1|443","to_ids":1}]}}]`))
	f.Add([]byte(`{"response":[{"Event":{"Tag":[{"name":"tlp:red"}],"Object":[{"name":"bank-account","Attribute":[{"type":"bank-account-nr","value":"1","object_relation":"account"},{"type":"aba-rtn","value":"021000021","object_relation":"aba-rtn"}]}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := ParseMISP(context.Background(), bytes.NewReader(data), "fuzz.json")
		checkParsed(t, rs, err)
	})
}
