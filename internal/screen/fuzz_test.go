package screen

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/subject"
)

// FuzzParseRules: any bytes give rules or a RuleError, never a panic, and
// parsed rules compile or fail with a RuleError.
func FuzzParseRules(f *testing.F) {
	data, err := defaultRules.ReadFile(DefaultRuleFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("rules:\n  - {id: a, on: link, description: d, points: 1, when: 'link.others > 0'}\n"))
	f.Add([]byte("rules:\n  - {id: a, on: match, description: d, points: 'match.confidence / 0', when: 'true'}\n"))
	f.Add([]byte("rules: [\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("rules:\n  - id: x\n    points: 1e400\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := ParseRules("f.yaml", data)
		if err != nil {
			if !errors.Is(err, ErrRules) {
				t.Fatalf("error %v is not a RuleError", err)
			}
			return
		}
		if _, err := Compile(rules); err != nil && !errors.Is(err, ErrRules) {
			t.Fatalf("compile error %v is not a RuleError", err)
		}
	})
}

func FuzzParseRuleTests(f *testing.F) {
	f.Add([]byte("tests:\n  - name: x\n    records: '{\"id\":\"a\"}'\n    expect: {a: '>=high r !s'}\n"))
	f.Add([]byte("tests: []\n"))
	f.Add([]byte("tests:\n  - name: x\n    records: '{}'\n    expect: {a: ''}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ParseRuleTests("t.yaml", data); err != nil && !errors.Is(err, ErrRules) {
			t.Fatalf("error %v is not a RuleError", err)
		}
	})
}

// FuzzStaged: what AppendStaged writes, DecodeStaged reads back equal; any
// other bytes are an error, never a panic or a huge allocation.
func FuzzStaged(f *testing.F) {
	rec := subject.Record{ID: "a", Kind: "applicant", Name: "Kim Chol-su", BirthDate: "1990-01-02",
		Emails: []string{"Kim.Cholsu@Gmail.com"}, Phones: []string{"+1 512 412 7788"},
		IDDocuments: []subject.IDDocument{{Type: "ssn", Country: "US", Number: "666-00-1234"}},
		URLs:        []string{"https://github.com/kimcs"}, ResumeText: "Senior developer", Raw: []byte(`{"id":"a"}`)}
	ids, problems := subject.Identifiers(&rec, normalize.Options{})
	f.Add(AppendStaged(nil, &rec, ids, problems, []uint64{1, 2, 1 << 63}, true))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		s1, err := DecodeStaged(data, true)
		if err != nil {
			return
		}
		again := AppendStaged(nil, &s1.Rec, s1.IDs, s1.Problems, s1.Shingles, true)
		s2, err := DecodeStaged(again, true)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if diff := cmp.Diff([]any{s1.Rec.ID, s1.Rec.Name, s1.Rec.BirthDate, s1.Rec.Raw, s1.IDs, s1.Problems, s1.Shingles},
			[]any{s2.Rec.ID, s2.Rec.Name, s2.Rec.BirthDate, s2.Rec.Raw, s2.IDs, s2.Problems, s2.Shingles}); diff != "" {
			t.Fatalf("round trip differs: %s", diff)
		}
	})
}
