package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
)

// Prepared is a batch of subjects checked and ready to write: the last of
// each id kept, each with the fingerprint adapters compare to tell an
// unchanged record from a changed one.
type Prepared struct {
	Subjects     []Subject
	Fingerprints []int64
}

// Prepare validates subjects for PutSubjects and keeps the last of each id,
// in the order of their ids so that concurrent writers lock rows in the same
// order and cannot deadlock.
func Prepare(subjects []Subject) (Prepared, error) {
	last := make(map[string]int, len(subjects))
	for i, s := range subjects {
		if s.ID == "" {
			return Prepared{}, fmt.Errorf("subject %d: empty id: %w", i, ErrInvalid)
		}
		if !storable(s.ID) || !storable(s.Kind) {
			return Prepared{}, fmt.Errorf("subject %d: id or kind is not UTF-8 text: %w", i, ErrInvalid)
		}
		raw := bytes.TrimSpace(s.Raw)
		if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
			return Prepared{}, fmt.Errorf("subject %q: raw record is not a JSON object: %w", s.ID, ErrInvalid)
		}
		for j, id := range s.Identifiers {
			if id.Kind == "" || id.Value == "" {
				return Prepared{}, fmt.Errorf("subject %q: identifier %d: empty kind or value: %w", s.ID, j, ErrInvalid)
			}
			if !storable(id.Kind) || !storable(id.Value) || !storable(id.Attribute) || !storable(id.Role) {
				return Prepared{}, fmt.Errorf("subject %q: identifier %d is not UTF-8 text: %w", s.ID, j, ErrInvalid)
			}
		}
		last[s.ID] = i
	}
	p := Prepared{Subjects: make([]Subject, 0, len(last))}
	for i, s := range subjects {
		if last[s.ID] == i {
			p.Subjects = append(p.Subjects, s)
		}
	}
	slices.SortFunc(p.Subjects, func(a, b Subject) int { return strings.Compare(a.ID, b.ID) })
	p.Fingerprints = make([]int64, len(p.Subjects))
	for i := range p.Subjects {
		p.Subjects[i].Identifiers = uniqueIdentifiers(p.Subjects[i].Identifiers)
		p.Fingerprints[i] = fingerprint(&p.Subjects[i])
	}
	return p, nil
}

// uniqueIdentifiers drops repeats of one (kind, value, attribute): the
// index stores each once.
func uniqueIdentifiers(ids []Identifier) []Identifier {
	type k struct{ kind, value, attr string }
	seen := make(map[k]bool, len(ids))
	out := make([]Identifier, 0, len(ids))
	for _, id := range ids {
		key := k{id.Kind, id.Value, id.Attribute}
		if !seen[key] {
			seen[key] = true
			out = append(out, id)
		}
	}
	return out
}

// fingerprint hashes what is stored of a subject: the raw record, its kind
// and its identifiers. Identifiers are part of it so that a record
// re-imported after a normaliser changed gets its new identifiers. xxhash is
// stable across processes and versions, unlike hash/maphash.
func fingerprint(s *Subject) int64 {
	h := xxhash.New()
	var n [8]byte
	field := func(b []byte) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	str := func(s string) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.WriteString(s)
	}
	field(s.Raw)
	str(s.Kind)
	for _, id := range s.Identifiers {
		str(id.Kind)
		str(id.Value)
		str(id.Attribute)
		str(id.Role)
	}
	return int64(h.Sum64())
}

// Micros is how adapters store a time: microseconds since 1970 in UTC,
// 0 for the zero time. One integer representation in both dialects keeps
// their results identical to the microsecond.
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// FromMicros is the inverse of Micros.
func FromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// CheckIndicators validates a feed for ReplaceIndicators.
func CheckIndicators(source string, inds []Indicator) error {
	if source == "" || !storable(source) {
		return fmt.Errorf("replace indicators: empty or non-UTF-8 source: %w", ErrInvalid)
	}
	for i, in := range inds {
		switch {
		case in.Kind == "" || in.Value == "":
			return fmt.Errorf("indicator %d of %s: empty kind or value: %w", i, source, ErrInvalid)
		case !storable(in.Kind) || !storable(in.Value) || !storable(in.Label) || !storable(in.Severity) || !storable(in.SourceRef):
			return fmt.Errorf("indicator %d of %s: a field is not UTF-8 text: %w", i, source, ErrInvalid)
		case in.Source != "" && in.Source != source:
			return fmt.Errorf("indicator %d of %s: source is %q: %w", i, source, in.Source, ErrInvalid)
		case in.Confidence < 0 || in.Confidence > 100:
			return fmt.Errorf("indicator %d of %s: confidence %d outside 0-100: %w", i, source, in.Confidence, ErrInvalid)
		case in.TLP != "" && !slices.Contains(TLPs, in.TLP):
			return fmt.Errorf("indicator %d of %s: TLP %q is not one of %s: %w", i, source, in.TLP, strings.Join(TLPs, ", "), ErrInvalid)
		}
	}
	return nil
}

// storable reports whether s is text both databases store unchanged:
// PostgreSQL refuses invalid UTF-8 and NUL in text columns and SQLite does
// not, so the store refuses them in both rather than differ.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// ValidText reports whether every field is text both databases store
// unchanged; adapters refuse others with ErrInvalid.
func ValidText(fields ...string) bool {
	for _, f := range fields {
		if !storable(f) {
			return false
		}
	}
	return true
}
