package screen

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/subject"
)

// Staging: the first pass writes each record in the form the second pass
// needs — the fields screening reads and the normalised identifiers — so
// the second pass neither re-reads the input (which may be standard input)
// nor normalises anything twice. The encoding is private to one run: a
// length-prefixed sequence of uvarints and strings.

// resumeKept bounds the resume text staged, in characters: the second pass
// shows an excerpt; the signature was taken in the first.
const resumeKept = 60

// Staged is one record as the first pass staged it.
type Staged struct {
	Rec      subject.Record
	IDs      []subject.Identifier
	Problems []subject.Problem
	Shingles []uint64
}

// AppendStaged appends rec, its identifiers, problems and resume shingles
// to buf. The raw record is kept only when keepRaw (storing subjects needs
// it).
func AppendStaged(buf []byte, rec *subject.Record, ids []subject.Identifier, problems []subject.Problem, shingles []uint64, keepRaw bool) []byte {
	resume := excerpt(rec.ResumeText, resumeKept)
	raw := ""
	if keepRaw {
		raw = string(rec.Raw)
	}
	// Shingles first: the resume pass reads only them.
	buf = binary.AppendUvarint(buf, uint64(len(shingles)))
	for _, h := range shingles {
		buf = binary.LittleEndian.AppendUint64(buf, h)
	}
	for _, s := range []string{rec.ID, rec.Kind, rec.Name, rec.BirthDate, rec.Nationality, resume, raw} {
		buf = appendString(buf, s)
	}
	buf = binary.AppendUvarint(buf, uint64(rec.Line))
	buf = binary.AppendUvarint(buf, uint64(len(ids)))
	for i := range ids {
		id := &ids[i]
		buf = appendString(buf, id.Attribute)
		buf = appendString(buf, id.Role)
		buf = appendString(buf, string(id.Kind))
		buf = appendString(buf, id.Canonical)
		buf = binary.AppendUvarint(buf, uint64(len(id.Keys)))
		for _, k := range id.Keys {
			buf = appendString(buf, k.Kind)
			buf = appendString(buf, k.Value)
		}
		buf = binary.AppendUvarint(buf, uint64(len(id.Facts)))
		for k, v := range id.Facts {
			buf = appendString(buf, k)
			buf = appendString(buf, v)
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(problems)))
	for _, p := range problems {
		buf = appendString(buf, p.Attribute)
		buf = appendString(buf, p.Value)
		buf = appendString(buf, p.Reason)
	}
	return buf
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

var errStaged = errors.New("corrupt staged record")

// stageReader reads a staged record from one string: the fields it returns
// are substrings of it, so decoding allocates the string once rather than
// once a field.
type stageReader struct {
	s   string
	err error
}

func (r *stageReader) uvarint() uint64 {
	var x uint64
	for i := 0; i < len(r.s) && i < binary.MaxVarintLen64; i++ {
		c := r.s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break
			}
			r.s = r.s[i+1:]
			return x | uint64(c)<<(7*i)
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	r.err = errStaged
	return 0
}

func (r *stageReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.s)) { // every element takes at least a byte
		r.err = errStaged
		return 0
	}
	return int(n)
}

func (r *stageReader) str() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.s)) {
		r.err = errStaged
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

// shingles reads the shingles, or skips them when skip is set.
func (r *stageReader) shingles(skip bool) []uint64 {
	n := r.count()
	if r.err != nil || n == 0 {
		return nil
	}
	if n*8 > len(r.s) {
		r.err = errStaged
		return nil
	}
	var out []uint64
	if !skip {
		out = make([]uint64, n)
		for i := range out {
			out[i] = binary.LittleEndian.Uint64([]byte(r.s[8*i : 8*i+8]))
		}
	}
	r.s = r.s[8*n:]
	return out
}

// StagedShingles reads only the resume shingles of a staged record.
func StagedShingles(b []byte) ([]uint64, error) {
	r := stageReader{s: string(b)}
	sh := r.shingles(false)
	if r.err != nil {
		return nil, fmt.Errorf("%w (%d bytes)", r.err, len(b))
	}
	return sh, nil
}

// DecodeStaged reads what AppendStaged wrote. The shingles are read only
// when withShingles is set.
func DecodeStaged(b []byte, withShingles bool) (Staged, error) {
	r := stageReader{s: string(b)}
	shingles := r.shingles(!withShingles)
	var rec subject.Record
	rec.ID, rec.Kind, rec.Name, rec.BirthDate, rec.Nationality, rec.ResumeText = r.str(), r.str(), r.str(), r.str(), r.str(), r.str()
	if raw := r.str(); raw != "" {
		rec.Raw = []byte(raw)
	}
	rec.Line = int(r.uvarint())
	ids := make([]subject.Identifier, r.count())
	for i := range ids {
		id := &ids[i]
		id.Attribute, id.Role, id.Kind, id.Canonical = r.str(), r.str(), normalize.Kind(r.str()), r.str()
		if n := r.count(); n > 0 {
			id.Keys = make([]normalize.Key, n)
			for k := range id.Keys {
				id.Keys[k] = normalize.Key{Kind: r.str(), Value: r.str()}
			}
		}
		if n := r.count(); n > 0 {
			id.Facts = make(map[string]string, n)
			for range n {
				k := r.str()
				id.Facts[k] = r.str()
			}
		}
	}
	var problems []subject.Problem
	if n := r.count(); n > 0 {
		problems = make([]subject.Problem, n)
		for i := range problems {
			problems[i] = subject.Problem{Attribute: r.str(), Value: r.str(), Reason: r.str()}
		}
	}
	if r.err == nil && len(r.s) != 0 {
		r.err = errStaged
	}
	if r.err != nil {
		return Staged{}, fmt.Errorf("%w (%d bytes)", r.err, len(b))
	}
	return Staged{Rec: rec, IDs: ids, Problems: problems, Shingles: shingles}, nil
}
