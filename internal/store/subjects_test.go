package store

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIndexed(t *testing.T) {
	for kind, want := range map[string]bool{
		"email": true, "phone": true, "name": true, "address": true, "wallet": true,
		"name_key": true, "address_key": true, "github": true, "linkedin": true, "telegram": true,
		"a_key_added_later": true,
		"name_tokens":       false, "email_domain": false, "registrable_domain": false, "email_as_written": false,
	} {
		if got := Indexed(kind); got != want {
			t.Errorf("Indexed(%q) = %v, want %v", kind, got, want)
		}
	}
}

func TestIdentifiersEncodeAndDecodeBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []Identifier
	}{
		{"none", nil},
		{"plain values, role only where given", []Identifier{
			{Kind: "email", Value: "kimchol@example.com", Attribute: "emails[0]"},
			{Kind: "address", Value: "1 main st|springfield|il|62701|us", Attribute: "addresses[0]", Role: "home"},
		}},
		{"values JSON must escape", []Identifier{
			{Kind: "name", Value: `quote " backslash \ <tag> & 박철 ✓ ` + "\x01\t\x7f", Attribute: "name"},
		}},
		{"empty attribute", []Identifier{{Kind: "device", Value: "SN1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := EncodeIdentifiers(tc.ids)
			if !json.Valid(b) {
				t.Fatalf("EncodeIdentifiers wrote invalid JSON: %s", b)
			}
			got, err := DecodeIdentifiers(b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.ids, got); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzIdentifiersRoundTrip(f *testing.F) {
	f.Add("email", "a@b.example", "emails[0]", "")
	f.Add("address", "1 main|x", "addresses[0]", "home")
	f.Add("name", "\"\\<>&\u2028", "", "r")
	f.Fuzz(func(t *testing.T, kind, value, attr, role string) {
		// The store refuses text that is not UTF-8 before it encodes.
		if !ValidText(kind, value, attr, role) {
			t.Skip()
		}
		in := []Identifier{{Kind: kind, Value: value, Attribute: attr, Role: role}, {Kind: "k", Value: "v"}}
		got, err := DecodeIdentifiers(EncodeIdentifiers(in))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(in, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	})
}

func TestIndexKeysKeepIndexedKindsOncePerValue(t *testing.T) {
	ids := []Identifier{
		{Kind: "email", Value: "a@b.example", Attribute: "emails[0]"},
		{Kind: "email_domain", Value: "b.example", Attribute: "emails[0]"},
		{Kind: "email", Value: "a@b.example", Attribute: "emails[1]"},
		{Kind: "phone", Value: "+12025550100", Attribute: "phones[0]"},
	}
	got := IndexKeys([]IndexKey{{Kind: "email", Value: "a@b.example", Subject: 1}}, 2, ids)
	SortIndexKeys(got)
	want := []IndexKey{
		{Kind: "email", Value: "a@b.example", Subject: 1},
		{Kind: "email", Value: "a@b.example", Subject: 2},
		{Kind: "phone", Value: "+12025550100", Subject: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IndexKeys (-want +got):\n%s", diff)
	}
}

func TestIndexKeysOfARecordWithManyIdentifiers(t *testing.T) {
	var ids []Identifier
	for i := range 200 {
		ids = append(ids, Identifier{Kind: "ip", Value: string(rune('a' + i%50))})
	}
	if got := IndexKeys(nil, 1, ids); len(got) != 50 {
		t.Errorf("%d entries, want 50: each value once", len(got))
	}
}
