package taxii

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Kinds of page a cursor belongs to.
const (
	pageObjects  = "objects"
	pageObject   = "object"
	pageVersions = "versions"
	pageManifest = "manifest"
)

// filters are the match[…] and added_after parameters of a page request,
// normalised: lists sorted without repeats, timestamps in UTC.
type filters struct {
	AddedAfter   time.Time
	IDs          []string
	Types        []string
	Versions     []string // "all", "first", "last" or FormatTime timestamps
	SpecVersions []string
}

func (f filters) equal(g filters) bool {
	return f.AddedAfter.Equal(g.AddedAfter) && slices.Equal(f.IDs, g.IDs) && slices.Equal(f.Types, g.Types) &&
		slices.Equal(f.Versions, g.Versions) && slices.Equal(f.SpecVersions, g.SpecVersions)
}

// versionMatch turns the match[version] values into a VersionMatch; they
// were checked by parseFilters or decodeCursor.
func (f filters) versionMatch() VersionMatch {
	var m VersionMatch
	for _, v := range f.Versions {
		switch v {
		case "all":
			m.All = true
		case "first":
			m.First = true
		case "last":
			m.Last = true
		default:
			if t, err := ParseTime(v); err == nil {
				m.At = append(m.At, t)
			}
		}
	}
	return m
}

// maxFilterValues bounds the values of one filter parameter.
const maxFilterValues = 1000

// parseFilters reads the filters a kind of page takes from a query string,
// and says whether any was given.
func parseFilters(v url.Values, kind string) (filters, bool, error) {
	var f filters
	given := false
	if s := v.Get("added_after"); s != "" {
		t, err := ParseTime(s)
		if err != nil {
			return f, false, fmt.Errorf("added_after %q: want an RFC 3339 timestamp", truncate(s, 40))
		}
		f.AddedAfter, given = t, true
	}
	list := func(name string) ([]string, error) {
		var out []string
		for _, s := range v[name] {
			for part := range strings.SplitSeq(s, ",") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
		if len(out) > maxFilterValues {
			return nil, fmt.Errorf("%s: more than %d values", name, maxFilterValues)
		}
		if len(out) > 0 {
			given = true
		}
		slices.Sort(out)
		return slices.Compact(out), nil
	}
	var err error
	if kind == pageObjects || kind == pageManifest {
		if f.IDs, err = list("match[id]"); err != nil {
			return f, false, err
		}
		if f.Types, err = list("match[type]"); err != nil {
			return f, false, err
		}
	}
	if kind != pageVersions {
		vs, err := list("match[version]")
		if err != nil {
			return f, false, err
		}
		if f.Versions, err = normaliseVersions(vs); err != nil {
			return f, false, err
		}
	}
	if f.SpecVersions, err = list("match[spec_version]"); err != nil {
		return f, false, err
	}
	return f, given, nil
}

// normaliseVersions checks match[version] values and writes timestamps in
// one form.
func normaliseVersions(vs []string) ([]string, error) {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		switch v {
		case "all", "first", "last":
			out = append(out, v)
		default:
			t, err := ParseTime(v)
			if err != nil {
				return nil, fmt.Errorf("match[version] %q: want first, last, all or an RFC 3339 timestamp", truncate(v, 40))
			}
			out = append(out, FormatTime(t))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// cursor is what a next parameter holds: which page it continues, the last
// position served and the filters of the first request.
type cursor struct {
	Kind       string
	Collection string
	Object     string
	After      Position
	Filters    filters
}

// cursorWire is the cursor as encoded: JSON with short names, then
// base64url. Times are Unix nanoseconds so no precision is lost.
type cursorWire struct {
	V  int      `json:"v"`
	K  string   `json:"k"`
	C  string   `json:"c"`
	O  string   `json:"o,omitempty"`
	D  int64    `json:"d"`
	S  int64    `json:"s"`
	A  *int64   `json:"a,omitempty"`
	I  []string `json:"i,omitempty"`
	T  []string `json:"t,omitempty"`
	Ve []string `json:"ve,omitempty"`
	Sv []string `json:"sv,omitempty"`
}

const cursorVersion = 1

// maxCursor bounds the length of a next parameter.
const maxCursor = 64 << 10

var errCursor = errors.New("next is not a cursor this server issued")

func encodeCursor(c cursor) string {
	w := cursorWire{
		V: cursorVersion, K: c.Kind, C: c.Collection, O: c.Object,
		D: c.After.DateAdded.UnixNano(), S: c.After.Seq,
		I: c.Filters.IDs, T: c.Filters.Types, Ve: c.Filters.Versions, Sv: c.Filters.SpecVersions,
	}
	if !c.Filters.AddedAfter.IsZero() {
		a := c.Filters.AddedAfter.UnixNano()
		w.A = &a
	}
	data, _ := json.Marshal(w)
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeCursor(s string) (cursor, error) {
	if len(s) > maxCursor {
		return cursor{}, errCursor
	}
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, errCursor
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w cursorWire
	if err := dec.Decode(&w); err != nil || dec.More() {
		return cursor{}, errCursor
	}
	if w.V != cursorVersion || w.C == "" || w.S < 0 {
		return cursor{}, errCursor
	}
	switch w.K {
	case pageObjects, pageManifest:
		if w.O != "" {
			return cursor{}, errCursor
		}
	case pageObject, pageVersions:
		if w.O == "" || len(w.I) > 0 || len(w.T) > 0 {
			return cursor{}, errCursor
		}
		if w.K == pageVersions && len(w.Ve) > 0 {
			return cursor{}, errCursor
		}
	default:
		return cursor{}, errCursor
	}
	c := cursor{Kind: w.K, Collection: w.C, Object: w.O, After: Position{DateAdded: time.Unix(0, w.D).UTC(), Seq: w.S}}
	if w.A != nil {
		c.Filters.AddedAfter = time.Unix(0, *w.A).UTC()
	}
	for _, l := range [][]string{w.I, w.T, w.Ve, w.Sv} {
		if len(l) > maxFilterValues || !slices.IsSorted(l) || len(slices.Compact(slices.Clone(l))) != len(l) || slices.Contains(l, "") {
			return cursor{}, errCursor
		}
	}
	ve, err := normaliseVersions(w.Ve)
	if err != nil || !slices.Equal(ve, w.Ve) {
		return cursor{}, errCursor
	}
	c.Filters.IDs, c.Filters.Types, c.Filters.Versions, c.Filters.SpecVersions = w.I, w.T, w.Ve, w.Sv
	return c, nil
}
