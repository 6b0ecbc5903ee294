package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
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
		if s.Verdict != nil {
			if s.Verdict.SubjectID != s.ID {
				return Prepared{}, fmt.Errorf("subject %q: verdict of %q: %w", s.ID, s.Verdict.SubjectID, ErrInvalid)
			}
			if err := CheckVerdicts([]Verdict{*s.Verdict}); err != nil {
				return Prepared{}, err
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

// Indexed reports whether identifiers of kind go into the index from
// values to subjects, which SubjectsByIdentifier and IdentifierCounts read.
// Every identifier is stored with its subject (Subject returns them all);
// this decides only which are indexed, in one place for both databases.
//
// The index serves "who else has this value": link analysis and screening
// against stored subjects. Indexed are the canonical values of every kind
// and the keys that link people: name_key (romanisation- and order-
// insensitive names), address_key, and the profile handles (github,
// linkedin, telegram), as is any kind not listed below, so that a new key
// is findable until someone decides it is not worth its cost. Not indexed:
//
//   - name_tokens: the sorted words of the name, the same value as name_key
//     for every name that is not Korean, and a coarser match than name_key
//     (which is already order-insensitive) for those that are;
//   - email_domain and registrable_domain: shared by hundreds of thousands
//     of subjects (gmail.com, linkedin.com), so they link nobody, and
//     screening matches domain indicators against the record in memory;
//   - email_as_written: the address before canonicalisation, which finds
//     nobody the canonical e-mail does not.
//
// Leaving them out shrinks the index, the largest structure and the cost
// of an import, by a fifth.
func Indexed(kind string) bool {
	switch kind {
	case "name_tokens", "email_domain", "registrable_domain", "email_as_written":
		return false
	}
	return true
}

// EncodeIdentifiers is how adapters store a subject's identifiers beside
// its raw record: a JSON array of [kind, value, attribute] or [kind, value,
// attribute, role] arrays, in their order, compact because every import
// writes one per record. Keeping them in the subject's row, not only in the
// index, lets the index hold just (kind, value, subject) and leave out what
// it does not need to find subjects.
func EncodeIdentifiers(ids []Identifier) []byte {
	b := make([]byte, 0, 64*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = appendJSONString(b, id.Kind)
		b = append(b, ',')
		b = appendJSONString(b, id.Value)
		b = append(b, ',')
		b = appendJSONString(b, id.Attribute)
		if id.Role != "" {
			b = append(b, ',')
			b = appendJSONString(b, id.Role)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

// appendJSONString appends s as a JSON string: the common case, printable
// ASCII without quotes or backslashes, as it is; anything else through
// encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, err := json.Marshal(s)
			if err != nil {
				panic(err) // a string always marshals
			}
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// DecodeIdentifiers is the inverse of EncodeIdentifiers; nil for none.
func DecodeIdentifiers(b []byte) ([]Identifier, error) {
	var in [][]string
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("stored identifiers: %w", err)
	}
	if len(in) == 0 {
		return nil, nil
	}
	ids := make([]Identifier, len(in))
	for i, f := range in {
		if len(f) < 3 || len(f) > 4 {
			return nil, fmt.Errorf("stored identifiers: entry %d has %d fields, want 3 or 4", i, len(f))
		}
		ids[i] = Identifier{Kind: f[0], Value: f[1], Attribute: f[2]}
		if len(f) == 4 {
			ids[i].Role = f[3]
		}
	}
	return ids, nil
}

// IndexKey is one entry of the identifier index: a value and the subject,
// by the adapter's integer key, that has it.
type IndexKey struct {
	Kind, Value string
	Subject     int64
}

// IndexKeys appends the index entries of a subject's identifiers: those of
// indexed kinds, each (kind, value) once however many fields hold it.
func IndexKeys(dst []IndexKey, subject int64, ids []Identifier) []IndexKey {
	start := len(dst)
	// A record has a dozen identifiers: scanning what is kept is cheaper
	// than a map, until a record has many.
	var seen map[[2]string]bool
	if len(ids) > 64 {
		seen = make(map[[2]string]bool, len(ids))
	}
	for _, id := range ids {
		if !Indexed(id.Kind) {
			continue
		}
		dup := false
		if seen != nil {
			k := [2]string{id.Kind, id.Value}
			dup, seen[k] = seen[k], true
		} else {
			for _, k := range dst[start:] {
				if k.Kind == id.Kind && k.Value == id.Value {
					dup = true
					break
				}
			}
		}
		if !dup {
			dst = append(dst, IndexKey{Kind: id.Kind, Value: id.Value, Subject: subject})
		}
	}
	return dst
}

// SortIndexKeys sorts entries in index order, so that a chunk's inserts
// walk the index once from start to end instead of jumping about it.
func SortIndexKeys(keys []IndexKey) {
	slices.SortFunc(keys, func(a, b IndexKey) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		if c := strings.Compare(a.Value, b.Value); c != 0 {
			return c
		}
		return cmp.Compare(a.Subject, b.Subject)
	})
}

// VerdictsOf returns the verdicts carried by subjects, for adapters to
// write in the transaction that writes the subjects.
func VerdictsOf(subjects []Subject) []Verdict {
	var out []Verdict
	for i := range subjects {
		if v := subjects[i].Verdict; v != nil {
			out = append(out, *v)
		}
	}
	return out
}

// CheckVerdicts refuses a verdict without a subject id or with text that
// is not UTF-8.
func CheckVerdicts(vs []Verdict) error {
	for _, v := range vs {
		if v.SubjectID == "" || !storable(v.SubjectID) || !storable(v.Level) {
			return fmt.Errorf("verdict: empty or non-UTF-8 subject id or level: %w", ErrInvalid)
		}
	}
	return nil
}
