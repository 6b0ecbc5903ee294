package taxii

import (
	"encoding/base64"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func sampleCursors() []cursor {
	at := time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)
	return []cursor{
		{Kind: pageObjects, Collection: "0b6c3a52", After: Position{DateAdded: at, Seq: 7}},
		{Kind: pageManifest, Collection: "c", After: Position{DateAdded: at, Seq: 1 << 40}, Filters: filters{
			AddedAfter: at.Add(-time.Hour), IDs: []string{"indicator--a", "indicator--b"}, Types: []string{"indicator"},
			Versions: []string{"2026-03-02T09:00:00.000000Z", "first", "last"}, SpecVersions: []string{"2.1"},
		}},
		{Kind: pageObject, Collection: "c", Object: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", After: Position{DateAdded: at, Seq: 3}, Filters: filters{Versions: []string{"all"}}},
		{Kind: pageVersions, Collection: "c", Object: "indicator--x", After: Position{DateAdded: at, Seq: 3}, Filters: filters{SpecVersions: []string{"2.0", "2.1"}}},
	}
}

var cursorCmp = cmp.Options{cmpopts.EquateEmpty(), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range sampleCursors() {
		s := encodeCursor(c)
		got, err := decodeCursor(s)
		if err != nil {
			t.Fatalf("decodeCursor(encodeCursor(%+v)): %v", c, err)
		}
		if diff := cmp.Diff(c, got, cursorCmp); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

func TestDecodeCursorRejects(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{
		"", "!!!", enc(`{}`),
		enc(`{"v":2,"k":"objects","c":"c","d":1,"s":1}`),
		enc(`{"v":1,"k":"objects","c":"c","d":1,"s":-1}`),
		enc(`{"v":1,"k":"backup","c":"c","d":1,"s":1}`),
		enc(`{"v":1,"k":"object","c":"c","d":1,"s":1}`),
		enc(`{"v":1,"k":"objects","c":"c","o":"indicator--x","d":1,"s":1}`),
		enc(`{"v":1,"k":"objects","c":"c","d":1,"s":1,"x":1}`),
		enc(`{"v":1,"k":"objects","c":"c","d":1,"s":1}{}`),
		enc(`{"v":1,"k":"objects","c":"c","d":1,"s":1,"t":["b","a"]}`),
		enc(`{"v":1,"k":"objects","c":"c","d":1,"s":1,"ve":["newest"]}`),
		enc(`{"v":1,"k":"versions","c":"c","o":"indicator--x","d":1,"s":1,"ve":["all"]}`),
	} {
		if c, err := decodeCursor(s); err == nil {
			t.Errorf("decodeCursor(%q) = %+v, want an error", s, c)
		}
	}
}

func TestParseFilters(t *testing.T) {
	v := url.Values{
		"added_after":         {"2026-03-02T10:00:00+01:00"},
		"match[type]":         {"indicator, identity", "indicator"},
		"match[id]":           {""},
		"match[version]":      {"last,2026-03-02T09:00:00.5Z,first"},
		"match[spec_version]": {"2.1"},
	}
	got, given, err := parseFilters(v, pageObjects)
	if err != nil || !given {
		t.Fatalf("parseFilters: %v, given %v", err, given)
	}
	want := filters{
		AddedAfter:   time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		Types:        []string{"identity", "indicator"},
		Versions:     []string{"2026-03-02T09:00:00.500000Z", "first", "last"},
		SpecVersions: []string{"2.1"},
	}
	if diff := cmp.Diff(want, got, cursorCmp); diff != "" {
		t.Errorf("filters (-want +got):\n%s", diff)
	}
	if m := got.versionMatch(); !m.First || !m.Last || m.All || len(m.At) != 1 {
		t.Errorf("versionMatch = %+v", m)
	}
	// The object endpoints ignore the filters that do not apply to them.
	if got, _, _ := parseFilters(v, pageVersions); len(got.Types) != 0 || len(got.Versions) != 0 {
		t.Errorf("versions filters %+v, want no types or versions", got)
	}
	if _, given, _ := parseFilters(url.Values{"limit": {"5"}}, pageObjects); given {
		t.Error("limit alone counts as a filter")
	}
}

func FuzzDecodeCursor(f *testing.F) {
	for _, c := range sampleCursors() {
		f.Add(encodeCursor(c))
	}
	f.Add("")
	f.Add("e30")
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"v":1,"k":"objects","c":"c","d":1,"s":1,"ve":["2026-03-02T09:00:00Z"]}`)))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err != nil {
			return
		}
		// What decodes encodes to a cursor that decodes the same, and
		// encoding is then stable.
		s2 := encodeCursor(c)
		c2, err := decodeCursor(s2)
		if err != nil {
			t.Fatalf("re-encoded cursor %q does not decode: %v", s2, err)
		}
		if diff := cmp.Diff(c, c2, cursorCmp); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		if s3 := encodeCursor(c2); s3 != s2 {
			t.Fatalf("encoding is not stable: %q then %q", s2, s3)
		}
		_ = c.Filters.versionMatch()
	})
}
