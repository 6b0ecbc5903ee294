package subject

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// LineError is a bad record: where it is and what is wrong with it. Readers
// return it for one record and go on with the next.
type LineError struct {
	File   string
	Line   int
	Field  string // empty when the line as a whole is unreadable
	Reason string
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s:%d: field %s: %s", e.File, e.Line, e.Field, e.Reason)
}

// Reader streams subject records. Next returns io.EOF after the last
// record; a *LineError for one bad record, after which reading goes on; any
// other error means the file cannot be read further.
type Reader interface {
	Next() (Record, error)
}

// JSONLReader reads JSON Lines: one record object per line.
type JSONLReader struct {
	file string
	r    *bufio.Reader
	line int
	seen *ids
	buf  []byte
}

// NewJSONLReader reads records from r; file names r in messages.
func NewJSONLReader(r io.Reader, file string) *JSONLReader {
	return &JSONLReader{file: file, r: bufio.NewReaderSize(r, 64<<10), seen: &ids{}}
}

// decode reads and validates one record object.
func decode(obj []byte, file string, line int) (Record, error) {
	rec, ok := decodeFast(obj)
	var fe *fieldError
	if !ok {
		rec, fe = decodeJSON(obj)
	}
	if fe == nil {
		fe = validate(&rec)
	}
	if fe != nil {
		return Record{}, &LineError{File: file, Line: line, Field: fe.field, Reason: fe.reason}
	}
	return rec, nil
}

// DecodeRecord reads one record object on its own, as an API request
// carries it (on one line or pretty-printed), with the checks and errors of
// the JSON Lines reader; file names it in messages. Raw is obj compacted.
func DecodeRecord(obj []byte, file string) (Record, error) {
	if len(obj) > MaxLineBytes*2 {
		return Record{}, &LineError{File: file, Line: 1, Reason: errLineTooLong.Error()}
	}
	var line bytes.Buffer
	if err := json.Compact(&line, obj); err != nil {
		return Record{}, &LineError{File: file, Line: 1, Reason: "not valid JSON: " + err.Error()}
	}
	b := bytes.TrimPrefix(line.Bytes(), []byte("\xef\xbb\xbf"))
	if len(b) > MaxLineBytes {
		return Record{}, &LineError{File: file, Line: 1, Reason: errLineTooLong.Error()}
	}
	rec, err := decode(b, file, 1)
	if err != nil {
		return Record{}, err
	}
	rec.Raw, rec.Line = b, 1
	return rec, nil
}

var errLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)

// readLine returns the next line without its end. A line over the limit is
// skipped to its end and reported, so one bad line costs bounded memory.
func (j *JSONLReader) readLine() ([]byte, error) {
	j.buf = j.buf[:0]
	tooLong := false
	for {
		frag, err := j.r.ReadSlice('\n')
		if !tooLong {
			if len(j.buf)+len(frag) > MaxLineBytes+2 {
				tooLong = true
				j.buf = j.buf[:0]
			} else {
				j.buf = append(j.buf, frag...)
			}
		}
		switch {
		case err == nil:
			if tooLong {
				return nil, errLineTooLong
			}
			return bytes.TrimRight(j.buf, "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if tooLong {
				return nil, errLineTooLong
			}
			if len(j.buf) == 0 {
				return nil, io.EOF
			}
			return bytes.TrimRight(j.buf, "\r\n"), nil
		default:
			return nil, fmt.Errorf("read %s: %w", j.file, err)
		}
	}
}

// Next returns the next record.
func (j *JSONLReader) Next() (Record, error) {
	for {
		line, err := j.readLine()
		if err == io.EOF {
			return Record{}, io.EOF
		}
		j.line++
		if errors.Is(err, errLineTooLong) {
			return Record{}, &LineError{File: j.file, Line: j.line, Reason: err.Error()}
		}
		if err != nil {
			return Record{}, err
		}
		if j.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // a BOM from spreadsheet tools
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rec, err := decode(line, j.file, j.line)
		if err != nil {
			return Record{}, err
		}
		if first, dup := j.seen.add(rec.ID, j.line); dup {
			return Record{}, &LineError{File: j.file, Line: j.line, Field: "id",
				Reason: fmt.Sprintf("duplicate id %q: first seen on line %d", rec.ID, first)}
		}
		rec.Raw = bytes.Clone(line)
		rec.Line = j.line
		return rec, nil
	}
}

// csvColumns maps the contract's CSV column names to how a cell fills a
// record; multi-valued cells are separated by "|".
var csvMulti = map[string]func(*Record, []string){
	"aliases":       func(r *Record, v []string) { r.Aliases = v },
	"emails":        func(r *Record, v []string) { r.Emails = v },
	"phones":        func(r *Record, v []string) { r.Phones = v },
	"bank_accounts": func(r *Record, v []string) { r.BankAccounts = v },
	"wallets":       func(r *Record, v []string) { r.Wallets = v },
	"ips":           func(r *Record, v []string) { r.IPs = v },
	"devices":       func(r *Record, v []string) { r.Devices = v },
	"urls":          func(r *Record, v []string) { r.URLs = v },
}

var csvSingle = map[string]func(*Record, string){
	"id":          func(r *Record, v string) { r.ID = v },
	"kind":        func(r *Record, v string) { r.Kind = v },
	"name":        func(r *Record, v string) { r.Name = v },
	"birth_date":  func(r *Record, v string) { r.BirthDate = v },
	"nationality": func(r *Record, v string) { r.Nationality = v },
	"resume_text": func(r *Record, v string) { r.ResumeText = v },
	"created_at":  func(r *Record, v string) { r.CreatedAt = v },
}

// CSVReader reads records from CSV with a header row of contract field
// names. Addresses come in home_address, shipping_address, mailing_address
// and work_address as one-line addresses; id_documents as
// type:country:number; several values in one cell are separated by "|".
type CSVReader struct {
	file   string
	cr     *csv.Reader
	header []string
	seen   *ids
}

// NewCSVReader reads the header of r and returns a reader for its rows.
func NewCSVReader(r io.Reader, file string) (*CSVReader, error) {
	cr := csv.NewReader(&lineGuard{r: r})
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, &LineError{File: file, Line: 1, Reason: "empty file: a CSV header row is required"}
		}
		return nil, &LineError{File: file, Line: 1, Reason: "unreadable CSV header: " + err.Error()}
	}
	header := make([]string, len(head))
	seen := map[string]bool{}
	hasID := false
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\xef\xbb\xbf")))
		if h == "" {
			return nil, &LineError{File: file, Line: 1, Field: fmt.Sprintf("column %d", i+1), Reason: "empty column name"}
		}
		if seen[h] {
			return nil, &LineError{File: file, Line: 1, Field: h, Reason: "column appears twice"}
		}
		seen[h] = true
		hasID = hasID || h == "id"
		header[i] = h
	}
	if !hasID {
		return nil, &LineError{File: file, Line: 1, Field: "id", Reason: "the header has no id column"}
	}
	cr.FieldsPerRecord = len(header)
	return &CSVReader{file: file, cr: cr, header: header, seen: &ids{}}, nil
}

// Next returns the next record.
func (c *CSVReader) Next() (Record, error) {
	for {
		row, err := c.cr.Read()
		if err == io.EOF {
			return Record{}, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if errors.Is(pe.Err, csv.ErrFieldCount) {
					return Record{}, &LineError{File: c.file, Line: pe.StartLine,
						Reason: fmt.Sprintf("%d cells, the header has %d", len(row), len(c.header))}
				}
				if errors.Is(err, errLineTooLong) {
					return Record{}, fmt.Errorf("%s:%d: %w; cannot read further", c.file, pe.StartLine, errLineTooLong)
				}
				return Record{}, &LineError{File: c.file, Line: pe.StartLine, Reason: "malformed CSV: " + pe.Err.Error()}
			}
			if errors.Is(err, errLineTooLong) {
				return Record{}, fmt.Errorf("%s: %w; cannot read further", c.file, errLineTooLong)
			}
			return Record{}, fmt.Errorf("read %s: %w", c.file, err)
		}
		line, _ := c.cr.FieldPos(0)
		rec, fe := c.decode(row)
		if fe == nil {
			fe = validate(&rec)
		}
		if fe != nil {
			return Record{}, &LineError{File: c.file, Line: line, Field: fe.field, Reason: fe.reason}
		}
		if first, dup := c.seen.add(rec.ID, line); dup {
			return Record{}, &LineError{File: c.file, Line: line, Field: "id",
				Reason: fmt.Sprintf("duplicate id %q: first seen on line %d", rec.ID, first)}
		}
		rec.Line = line
		return rec, nil
	}
}

func (c *CSVReader) decode(row []string) (Record, *fieldError) {
	var rec Record
	raw := bytes.NewBufferString("{")
	for i, h := range c.header {
		cell := row[i]
		if i > 0 {
			raw.WriteByte(',')
		}
		kb, _ := json.Marshal(h)
		vb, _ := json.Marshal(cell)
		raw.Write(kb)
		raw.WriteByte(':')
		raw.Write(vb)
		cell = strings.TrimSpace(cell)
		if set, ok := csvSingle[h]; ok {
			set(&rec, cell)
			continue
		}
		if set, ok := csvMulti[h]; ok {
			set(&rec, splitCell(cell))
			continue
		}
		switch h {
		case "home_address", "shipping_address", "mailing_address", "work_address":
			for _, v := range splitCell(cell) {
				rec.Addresses = append(rec.Addresses, Address{Kind: strings.TrimSuffix(h, "_address"), Text: v})
			}
		case "id_documents":
			for j, v := range splitCell(cell) {
				d, fe := parseDocument(fmt.Sprintf("id_documents[%d]", j), v)
				if fe != nil {
					return rec, fe
				}
				rec.IDDocuments = append(rec.IDDocuments, d)
			}
		default:
			if rec.Extra == nil {
				rec.Extra = make(map[string]json.RawMessage)
			}
			rec.Extra[h] = vb
		}
	}
	raw.WriteByte('}')
	rec.Raw = raw.Bytes()
	return rec, nil
}

func splitCell(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "|")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// lineGuard fails a read once a line grows past MaxLineBytes, because
// encoding/csv would otherwise buffer an endless line whole.
type lineGuard struct {
	r   io.Reader
	run int
}

func (g *lineGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			g.run = 0
		} else if g.run++; g.run > MaxLineBytes {
			return 0, errLineTooLong
		}
	}
	return n, err
}

// Open opens a file of subject records, JSON Lines or CSV, told apart by
// content (a JSON object starts with '{'), and gunzips it when needed.
// "-" reads standard input.
func Open(path string, stdin io.Reader) (Reader, io.Closer, error) {
	var f io.ReadCloser
	if path == "-" {
		f = io.NopCloser(stdin)
	} else {
		o, err := os.Open(path)
		if err != nil {
			return nil, nil, err
		}
		f = o
	}
	name := path
	if path == "-" {
		name = "stdin"
	} else {
		name = filepath.Clean(path)
	}
	r, err := NewReader(f, name)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, f, nil
}

// NewReader reads records from r, JSON Lines or CSV told apart by content,
// gunzipped when needed; name is the file name messages give.
func NewReader(r io.Reader, name string) (Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: bad gzip data: %w", name, err)
		}
		src = bufio.NewReaderSize(zr, 64<<10)
	}
	bsrc := src.(*bufio.Reader)
	if isJSONL(bsrc) {
		return NewJSONLReader(bsrc, name), nil
	}
	return NewCSVReader(bsrc, name)
}

// isJSONL peeks past a BOM and blank space for the first significant byte.
func isJSONL(r *bufio.Reader) bool {
	head, _ := r.Peek(4096)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '{'
}
