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

// resumeKept bounds the resume text staged: the second pass shows an
// excerpt; the signature was taken in the first.
const resumeKept = 240

// AppendStaged appends rec, its identifiers and problems to buf. The raw
// record is kept only when keepRaw (storing subjects needs it).
func AppendStaged(buf []byte, rec *subject.Record, ids []subject.Identifier, problems []subject.Problem, keepRaw bool) []byte {
	resume := rec.ResumeText
	if len(resume) > resumeKept {
		resume = resume[:resumeKept]
	}
	raw := ""
	if keepRaw {
		raw = string(rec.Raw)
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

type stageReader struct {
	b   []byte
	err error
}

func (r *stageReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errStaged
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *stageReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) { // every element takes at least a byte
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
	if n > uint64(len(r.b)) {
		r.err = errStaged
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// DecodeStaged reads what AppendStaged wrote.
func DecodeStaged(b []byte) (subject.Record, []subject.Identifier, []subject.Problem, error) {
	r := stageReader{b: b}
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
	if r.err == nil && len(r.b) != 0 {
		r.err = errStaged
	}
	if r.err != nil {
		return subject.Record{}, nil, nil, fmt.Errorf("%w (%d bytes)", r.err, len(b))
	}
	return rec, ids, problems, nil
}
