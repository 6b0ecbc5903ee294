package telemetry

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// csvReader reads CSV (RFC 4180) record by record, bounding each record's
// size and knowing the line each starts on. It is lenient where exports
// are sloppy: a quote inside an unquoted field is a character, text after a
// closing quote joins the field, rows may be short or long. The delimiter
// is a comma, a semicolon or a tab, whichever the header has most of
// (Jamf Pro also exports tab-delimited text; spreadsheets in many locales
// write semicolons).
type csvReader struct {
	r     *bufio.Reader
	delim byte
	line  int // lines read

	buf    []byte
	ends   []int
	fields [][]byte
	long   []byte
}

// next returns the next non-empty record's fields (valid until the next
// call) and the line it starts on; bad is set, and fields nil, for a record
// that cannot be read. It returns io.EOF at the end.
func (c *csvReader) next() (fields [][]byte, line int, bad string, err error) {
	for {
		fields, line, bad, err = c.record()
		if err != nil || bad != "" || len(fields) > 1 || (len(fields) == 1 && len(fields[0]) > 0) {
			return fields, line, bad, err
		}
		// An empty line.
	}
}

func (c *csvReader) record() ([][]byte, int, string, error) {
	c.buf, c.ends = c.buf[:0], c.ends[:0]
	start := c.line + 1
	over := false
	appendField := func(b []byte) {
		if over {
			return
		}
		if len(c.buf)+len(b) > MaxLineBytes {
			over = true
			return
		}
		c.buf = append(c.buf, b...)
	}
	l, err := c.readLine()
	if err != nil {
		return nil, start, "", err
	}
	for i := 0; ; {
		// The start of a field.
		if i < len(l) && l[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(l[i:], '"')
				if j < 0 {
					// The field goes on past the line.
					appendField(trimEOL(l[i:]))
					if n := len(l); n > 0 && l[n-1] == '\n' {
						appendField([]byte{'\n'})
					}
					if l, err = c.readLine(); err != nil {
						if errors.Is(err, io.EOF) {
							return nil, start, "a quoted field is not closed before the end of the input", nil
						}
						return nil, start, "", err
					}
					i = 0
					continue
				}
				appendField(l[i : i+j])
				i += j + 1
				if i < len(l) && l[i] == '"' {
					appendField([]byte{'"'})
					i++
					continue
				}
				break
			}
		}
		// An unquoted field, or what follows a closing quote.
		j := i
		for j < len(l) && l[j] != c.delim && l[j] != '\n' {
			j++
		}
		appendField(trimEOL(l[i:j]))
		c.ends = append(c.ends, len(c.buf))
		if j < len(l) && l[j] == c.delim {
			i = j + 1
			continue
		}
		break
	}
	if over {
		return nil, start, "record longer than " + strconv.Itoa(MaxLineBytes) + " bytes", nil
	}
	c.fields = c.fields[:0]
	prev := 0
	for _, e := range c.ends {
		c.fields = append(c.fields, c.buf[prev:e])
		prev = e
	}
	return c.fields, start, "", nil
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// readLine returns the next line with its newline; a line over the limit
// comes back cut short, which makes its record too long.
func (c *csvReader) readLine() ([]byte, error) {
	l, err := c.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		c.long = append(c.long[:0], l...)
		// What is cut off may close a quoted field: its quotes are
		// counted, so that the kept part closes as the whole did and the
		// rows after it are read as rows.
		skippedQuotes, cut := 0, false
		for errors.Is(err, bufio.ErrBufferFull) {
			l, err = c.r.ReadSlice('\n')
			if len(c.long) <= MaxLineBytes {
				c.long = append(c.long, l...)
				continue
			}
			cut = true
			skippedQuotes += bytes.Count(l, []byte{'"'})
		}
		if cut {
			c.long = bytes.TrimRight(c.long, "\r\n")
			if skippedQuotes%2 == 1 {
				c.long = append(c.long, '"')
			}
			c.long = append(c.long, '\n')
		}
		l = c.long
	}
	if len(l) == 0 && err != nil {
		return nil, err
	}
	c.line++
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return l, nil
}

// csvDelimiter picks the delimiter of a header line.
func csvDelimiter(head []byte) byte {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	best, n := byte(','), bytes.Count(head, []byte{','})
	for _, d := range []byte{';', '\t'} {
		if m := bytes.Count(head, []byte{d}); m > n {
			best, n = d, m
		}
	}
	return best
}

// foldColumn makes a column name comparable across exports: lower case,
// letters and digits only ("Last Check-in" and "last_checkin" meet).
func foldColumn(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			sb.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			sb.WriteByte(c + 'a' - 'A')
		}
	}
	return sb.String()
}

// A csvDecoder turns the rows of one export into events.
type csvDecoder interface {
	decodeRow(s *sink, row [][]byte, line int)
}

// csvColumns finds columns by their folded names.
type csvColumns struct {
	idx  map[string]int
	name []string // as the header writes them
}

func newCSVColumns(header [][]byte) csvColumns {
	c := csvColumns{idx: make(map[string]int, len(header))}
	for i, h := range header {
		name := strings.TrimSpace(string(h))
		c.name = append(c.name, name)
		if k := foldColumn(h); k != "" {
			if _, dup := c.idx[k]; !dup {
				c.idx[k] = i
			}
		}
	}
	return c
}

// find returns the index of the first of the names present, or -1.
func (c csvColumns) find(names ...string) int {
	for _, n := range names {
		if i, ok := c.idx[n]; ok {
			return i
		}
	}
	return -1
}

// field returns a column's header text for problems.
func (c csvColumns) field(i int) string {
	if i < 0 {
		return ""
	}
	return c.name[i]
}

func cell(row [][]byte, i int) []byte {
	if i < 0 || i >= len(row) {
		return nil
	}
	return bytes.TrimSpace(row[i])
}

// runCSV reads a CSV export on this goroutine: inventories are small.
func (rd *reader) runCSV(ctx context.Context, br *bufio.Reader, newDecoder func(csvColumns) (csvDecoder, error)) error {
	head, _ := br.Peek(64 << 10)
	cr := &csvReader{r: br, delim: csvDelimiter(head)}
	var header [][]byte
	for header == nil {
		fields, line, bad, err := cr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", rd.file, err)
		}
		if bad != "" {
			return fmt.Errorf("%s:%d: header: %s", rd.file, line, bad)
		}
		header = fields
	}
	dec, err := newDecoder(newCSVColumns(header))
	if err != nil {
		return fmt.Errorf("%s:%d: %w", rd.file, 1, err)
	}
	var s sink
	s.reset(rd.file)
	flush := func() error {
		err := rd.deliver(&s)
		s.release()
		s.reset(rd.file)
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: %w", rd.file, context.Cause(ctx))
		}
		fields, line, bad, err := cr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return ferr
			}
			return fmt.Errorf("%s: %w", rd.file, err)
		}
		rd.st.Lines++
		if bad != "" {
			s.problem(line, "", bad)
		} else {
			dec.decodeRow(&s, fields, line)
		}
		if len(s.events) >= 1024 || len(s.problems) > 0 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// mdmCSV reads a device inventory export, by column.
type mdmCSV struct {
	in   interner
	cols csvColumns
	m    mdmDevice

	serial, name, email, username, ip1, ip2, seen, inventory, enrolled, entered int
}

func (d *mdmCSV) decodeRow(s *sink, row [][]byte, line int) {
	m := &d.m
	source := m.source
	*m = mdmDevice{
		source:         source,
		serial:         cell(row, d.serial),
		name:           cell(row, d.name),
		email:          cell(row, d.email),
		username:       cell(row, d.username),
		ip1:            cell(row, d.ip1),
		ip2:            cell(row, d.ip2),
		seen:           cell(row, d.seen),
		inventory:      cell(row, d.inventory),
		enrolled:       cell(row, d.enrolled),
		entered:        cell(row, d.entered),
		serialField:    d.cols.field(max(d.serial, d.name)),
		ip1Field:       d.cols.field(d.ip1),
		ip2Field:       d.cols.field(d.ip2),
		seenField:      d.cols.field(max(d.seen, d.inventory, d.enrolled)),
		inventoryField: d.cols.field(d.inventory),
		enrolledField:  d.cols.field(d.enrolled),
		enteredField:   d.cols.field(d.entered),
	}
	if d.seen >= 0 {
		m.seenField = d.cols.field(d.seen)
	}
	if d.serial >= 0 {
		m.serialField = d.cols.field(d.serial)
	}
	m.add(s, &d.in, line)
}

// Jamf Pro's computer inventory export (an advanced computer search, or
// Computers > Inventory, exported as CSV or tab-delimited text): the
// columns are the inventory attributes' display names
// (https://docs.jamf.com/10.28.0/jamf-pro/administrator-guide/Computer_Inventory_Information_Reference.html).
// Dates are written "2025-09-30 17:37:30", in UTC when no zone is given.
var jamfColumns = struct {
	serial, name, email, username, ip, reportedIP, checkin, inventory, enrolled, entered []string
}{
	serial:     []string{"serialnumber"},
	name:       []string{"computername", "name"},
	email:      []string{"emailaddress", "email"},
	username:   []string{"username", "user"},
	ip:         []string{"ipaddress", "lastipaddress"},
	reportedIP: []string{"lastreportedipaddress", "reportedipaddress", "lastreportedip"},
	checkin:    []string{"lastcheckin", "lastcontacttime", "lastcheckintime"},
	inventory:  []string{"lastinventoryupdate", "reportdate"},
	enrolled:   []string{"lastenrollment", "lastenrolleddate", "enrollmentdate", "enrolleddate"},
	entered:    []string{"initialentrydate"},
}

func newJamfCSV(c csvColumns) (csvDecoder, error) {
	j := jamfColumns
	d := &mdmCSV{
		cols: c, m: mdmDevice{source: FormatJamf},
		serial: c.find(j.serial...), name: c.find(j.name...), email: c.find(j.email...), username: c.find(j.username...),
		ip1: c.find(j.ip...), ip2: c.find(j.reportedIP...),
		seen: c.find(j.checkin...), inventory: c.find(j.inventory...), enrolled: c.find(j.enrolled...), entered: c.find(j.entered...),
	}
	if d.serial < 0 && d.name < 0 {
		return nil, errors.New("a Jamf Pro inventory needs a \"Serial Number\" or \"Computer Name\" column")
	}
	if d.seen < 0 && d.inventory < 0 && d.enrolled < 0 && d.entered < 0 {
		return nil, errors.New("a Jamf Pro inventory needs a \"Last Check-in\", \"Last Inventory Update\" or \"Last Enrollment\" column")
	}
	return d, nil
}

// Microsoft Intune's device export (Devices > All devices > Export; the
// DevicesWithInventory report of the Graph export API,
// https://learn.microsoft.com/mem/intune-service/fundamentals/reports-export-graph-available-reports)
// and CSV made from Graph's managedDevice properties. There is no public
// address.
var intuneColumns = struct {
	serial, name, email, username, checkin, enrolled []string
}{
	serial:   []string{"serialnumber"},
	name:     []string{"devicename", "managementname", "deviceid"},
	email:    []string{"primaryuseremailaddress", "emailaddress"},
	username: []string{"primaryuserupn", "userprincipalname", "upn"},
	checkin:  []string{"lastcheckin", "lastsyncdatetime", "lastcontact"},
	enrolled: []string{"enrollmentdate", "enrolleddatetime", "enrolleddate"},
}

func newIntuneCSV(c csvColumns) (csvDecoder, error) {
	n := intuneColumns
	d := &mdmCSV{
		cols: c, m: mdmDevice{source: FormatIntune},
		serial: c.find(n.serial...), name: c.find(n.name...), email: c.find(n.email...), username: c.find(n.username...),
		ip1: -1, ip2: -1,
		seen: c.find(n.checkin...), inventory: -1, enrolled: c.find(n.enrolled...), entered: -1,
	}
	if d.serial < 0 && d.name < 0 {
		return nil, errors.New("an Intune device export needs a \"Serial number\" or \"Device name\" column")
	}
	if d.seen < 0 && d.enrolled < 0 {
		return nil, errors.New("an Intune device export needs a \"Last check-in\" or \"Enrollment date\" column")
	}
	return d, nil
}
