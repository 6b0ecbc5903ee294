package intel

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/ringfence/ringfence/internal/store"
)

// Format is an input format ringfence recognises by its content.
type Format string

// The formats Detect tells apart. The OFAC CSV set is four kinds of file
// joined on the entity number; each is recognised by its shape.
const (
	FormatUnknown      Format = ""
	FormatOFACAdvanced Format = "ofac-advanced-xml" // sdn_advanced.xml, cons_advanced.xml
	FormatOFACCSV      Format = "ofac-csv"          // sdn.csv, cons_prim.csv: 12 columns
	FormatOFACAlt      Format = "ofac-csv-alt"      // alt.csv, cons_alt.csv: 5 columns, a.k.a. type
	FormatOFACAdd      Format = "ofac-csv-add"      // add.csv, cons_add.csv: 6 columns
	FormatOFACComments Format = "ofac-csv-comments" // sdn_comments.csv, cons_comments.csv: 2 columns
	FormatUN           Format = "un-xml"            // the UN Security Council consolidated list
	FormatWallets      Format = "wallets"           // one address a line
	FormatIndicatorCSV Format = "indicator-csv"     // header type,value,…
	FormatSTIX         Format = "stix"              // a STIX 2.1 bundle or object
	FormatMISP         Format = "misp"              // a MISP event, or a list of them
	FormatMISPFeed     Format = "misp-feed"         // a folder (or zip) with manifest.json
)

// headSize is how much of a file Detect sees: enough for the root element
// of an XML file, the first keys of a JSON object and a few dozen lines.
const headSize = 64 << 10

// advancedXMLNamespace is the namespace of OFAC's advanced XML, SDN and
// consolidated alike.
const advancedXMLNamespace = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"

// Detect names the format of a file from the first bytes of its
// (decompressed) content. name is used only where the content cannot
// decide: whether an OFAC CSV belongs to the SDN or the consolidated list
// is said by its name alone (cons_*.csv). It returns FormatUnknown when
// nothing matches, and an error for a format recognised but not read
// (OFAC's legacy sdn.xml).
func Detect(name string, head []byte) (Format, error) {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeftFunc(head, unicode.IsSpace)
	if len(trimmed) == 0 {
		return FormatUnknown, nil
	}
	switch trimmed[0] {
	case '<':
		return detectXML(trimmed)
	case '{', '[':
		return detectJSON(trimmed), nil
	}
	if f := detectCSV(name, head); f != FormatUnknown {
		return f, nil
	}
	if isWalletList(head) {
		return FormatWallets, nil
	}
	return FormatUnknown, nil
}

func detectXML(head []byte) (Format, error) {
	d := xml.NewDecoder(bytes.NewReader(head))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		tok, err := d.RawToken()
		if err != nil {
			return FormatUnknown, nil
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		ns := se.Name.Space
		for _, a := range se.Attr {
			if a.Name.Space == "" && a.Name.Local == "xmlns" {
				ns = a.Value
			}
		}
		switch {
		case se.Name.Local == "Sanctions" && strings.EqualFold(strings.TrimSuffix(ns, "/"), advancedXMLNamespace):
			return FormatOFACAdvanced, nil
		case se.Name.Local == "CONSOLIDATED_LIST":
			return FormatUN, nil
		case se.Name.Local == "sdnList":
			return FormatUnknown, errors.New("OFAC's legacy sdn.xml is not read: use sdn_advanced.xml or the CSV files")
		}
		return FormatUnknown, nil
	}
}

var (
	stixBundleRE = regexp.MustCompile(`"type"\s*:\s*"bundle"`)
	stixSpecRE   = regexp.MustCompile(`"spec_version"\s*:\s*"2\.`)
	mispEventRE  = regexp.MustCompile(`"Event"\s*:\s*\{`)
)

// detectJSON reads the top-level keys of an object as far as the head
// goes, then falls back to looking for the keys anywhere in the head (an
// "objects" array may come before "type").
func detectJSON(head []byte) Format {
	d := json.NewDecoder(bytes.NewReader(head))
	tok, err := d.Token()
	if err != nil {
		return FormatUnknown
	}
	if tok == json.Delim('[') {
		// A MISP export may be a list of {"Event": …}.
		if d.More() {
			if t, err := d.Token(); err == nil && t == json.Delim('{') {
				if k, err := d.Token(); err == nil && k == "Event" {
					return FormatMISP
				}
			}
		}
		return FormatUnknown
	}
	stixType := false
	for d.More() {
		k, err := d.Token()
		if err != nil {
			break
		}
		key, _ := k.(string)
		switch key {
		case "Event", "response":
			return FormatMISP
		case "type":
			var v string
			if err := d.Decode(&v); err != nil {
				return FormatUnknown
			}
			if v == "bundle" {
				return FormatSTIX
			}
			stixType = true
			continue
		case "spec_version":
			return FormatSTIX
		case "id":
			var v string
			if err := d.Decode(&v); err != nil {
				return FormatUnknown
			}
			if stixType && strings.Contains(v, "--") {
				return FormatSTIX
			}
			continue
		}
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			break
		}
	}
	switch {
	case stixBundleRE.Match(head), stixSpecRE.Match(head):
		return FormatSTIX
	case mispEventRE.Match(head):
		return FormatMISP
	}
	return FormatUnknown
}

// detectCSV recognises the indicator CSV by its header and OFAC's CSV
// files by their shape: no header, an entity number first, "-0-" for
// empty fields, a fixed number of columns per file.
func detectCSV(name string, head []byte) Format {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	cols := strings.Split(strings.ToLower(strings.TrimSpace(string(line))), ",")
	for i := range cols {
		cols[i] = strings.Trim(strings.TrimSpace(cols[i]), `"`)
	}
	if slices.Contains(cols, "type") && slices.Contains(cols, "value") {
		return FormatIndicatorCSV
	}
	r := csv.NewReader(bytes.NewReader(head))
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil || len(rec) < 2 {
		return FormatUnknown
	}
	if _, err := strconv.Atoi(strings.TrimSpace(rec[0])); err != nil {
		return FormatUnknown
	}
	null := bytes.Contains(head, []byte("-0-"))
	switch {
	case len(rec) == 12 && null:
		return FormatOFACCSV
	case len(rec) == 5 && null && slices.Contains([]string{"aka", "fka", "nka"}, strings.ToLower(strings.TrimSpace(rec[2]))):
		return FormatOFACAlt
	case len(rec) == 6 && null:
		return FormatOFACAdd
	case len(rec) == 2:
		base := strings.ToLower(path.Base(filepath.ToSlash(name)))
		if strings.Contains(base, "comments") || null {
			return FormatOFACComments
		}
	}
	return FormatUnknown
}

// isWalletList reports whether every line of head that is not blank or a
// comment is a single token that could be an address: letters and digits
// (and the ':' of prefixes such as "bitcoincash:"), 20 to 120 of them.
func isWalletList(head []byte) bool {
	lines := bytes.Split(head, []byte("\n"))
	if len(head) == headSize && len(lines) > 1 {
		lines = lines[:len(lines)-1] // the last may be cut
	}
	n := 0
	for _, l := range lines {
		l = bytes.TrimSpace(l)
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		if len(l) < 20 || len(l) > 120 {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':') {
				return false
			}
		}
		n++
	}
	return n > 0
}

// walletAssetRE finds the asset in a file name like
// sanctioned_addresses_ETH.txt, as the lists derived from the SDN list
// name their files.
var walletAssetRE = regexp.MustCompile(`[_-]([A-Z0-9]{2,10})\.(?:txt|csv|lst|list)$`)

// WalletAsset returns the asset a wallet list's file name gives, or "".
func WalletAsset(name string) string {
	if m := walletAssetRE.FindStringSubmatch(path.Base(filepath.ToSlash(name))); m != nil {
		return m[1]
	}
	return ""
}

// Source is one input ready to parse: a file, an entry of a zip file, a
// set of OFAC CSV files read together, or a MISP feed.
type Source struct {
	// Name says where the input is, for messages: a path, "a.zip:sdn.csv",
	// or the files of a CSV set joined with "+".
	Name   string
	Format Format
	// Chain is the asset a wallet list's file name gives, e.g. "ETH".
	Chain string
	// list is the source an OFAC CSV set loads into.
	list string
	// Size is the number of bytes to read from disk, 0 when unknown.
	Size int64
	// OnRead, when set, is told how many bytes were read from disk as
	// parsing goes, for progress reports.
	OnRead func(n int)

	file     member    // single-file formats
	set      [4]member // OFAC CSV: primary, alt, add, comments
	fsys     fs.FS     // MISP feed
	closeFns []func() error
}

// member is one file of an input, opened (and decompressed) on demand so
// that detecting a format and parsing it each read from the start.
type member struct {
	name string
	size int64
	open func() (io.ReadCloser, error)
}

// Close releases the files a source holds open (a zip archive).
func (s *Source) Close() error {
	var errs []error
	for _, f := range s.closeFns {
		errs = append(errs, f())
	}
	s.closeFns = nil
	return errors.Join(errs...)
}

// CloseSources closes every source.
func CloseSources(srcs []*Source) {
	for _, s := range srcs {
		s.Close()
	}
}

// OpenSources detects the format of every path and groups what belongs
// together: the files of an OFAC CSV set, given as several paths or inside
// one zip, become one source per list (SDN or consolidated). A path may be
// plain, gzip, bzip2 or zip, detected from its content, or a MISP feed
// folder. An unrecognised file is a *ParseError naming it. Close the
// sources when done.
func OpenSources(ctx context.Context, paths []string) ([]*Source, error) {
	var out []*Source
	var files []member
	var formats []Format
	fail := func(err error) ([]*Source, error) {
		CloseSources(out)
		return nil, err
	}
	var holders []func() error
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		fi, err := os.Stat(p)
		if err != nil {
			return fail(fmt.Errorf("open %s: %w", p, err))
		}
		if fi.IsDir() {
			if _, err := os.Stat(filepath.Join(p, "manifest.json")); err != nil {
				return fail(&ParseError{File: p, Reason: "a folder is read only as a MISP feed, and it has no manifest.json"})
			}
			out = append(out, &Source{Name: p, Format: FormatMISPFeed, fsys: os.DirFS(p)})
			continue
		}
		kind, err := compressionOf(p)
		if err != nil {
			return fail(err)
		}
		if kind == "zip" {
			zr, err := zip.OpenReader(p)
			if err != nil {
				return fail(&ParseError{File: p, Reason: "not a readable zip file: " + err.Error()})
			}
			if dir, ok := zipFeedRoot(&zr.Reader); ok {
				sub, err := fs.Sub(zr, dir)
				if err != nil {
					zr.Close()
					return fail(err)
				}
				out = append(out, &Source{Name: p, Format: FormatMISPFeed, fsys: sub, closeFns: []func() error{zr.Close}})
				continue
			}
			holders = append(holders, zr.Close)
			for _, f := range zr.File {
				base := path.Base(f.Name)
				if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") || strings.HasPrefix(base, ".") {
					continue
				}
				f := f
				files = append(files, member{name: p + ":" + f.Name, size: int64(f.CompressedSize64),
					open: func() (io.ReadCloser, error) { return openZipEntry(f) }})
			}
			continue
		}
		p := p
		files = append(files, member{name: p, size: fi.Size(), open: func() (io.ReadCloser, error) { return openFile(p) }})
	}
	for _, m := range files {
		f, err := detectMember(m)
		if err != nil {
			for _, h := range holders {
				h()
			}
			return fail(err)
		}
		formats = append(formats, f)
	}
	// Single files become sources; OFAC CSV files are gathered per list.
	type csvSet struct {
		set   [4]member
		found [4]bool
	}
	sets := map[string]*csvSet{}
	var lists []string
	role := map[Format]int{FormatOFACCSV: 0, FormatOFACAlt: 1, FormatOFACAdd: 2, FormatOFACComments: 3}
	for i, m := range files {
		r, isCSV := role[formats[i]]
		if !isCSV {
			src := &Source{Name: m.name, Format: formats[i], Size: m.size, file: m}
			if src.Format == FormatWallets {
				src.Chain = WalletAsset(m.name)
			}
			out = append(out, src)
			continue
		}
		list := "sdn"
		if strings.HasPrefix(strings.ToLower(path.Base(filepath.ToSlash(m.name))), "cons_") {
			list = "consolidated"
		}
		s := sets[list]
		if s == nil {
			s = &csvSet{}
			sets[list] = s
			lists = append(lists, list)
		}
		if s.found[r] {
			for _, h := range holders {
				h()
			}
			return fail(&ParseError{File: m.name, Reason: fmt.Sprintf("a second %s file of the OFAC %s list in one import (the first is %s)",
				formats[i], list, s.set[r].name)})
		}
		s.set[r], s.found[r] = m, true
	}
	for _, list := range lists {
		s := sets[list]
		if !s.found[0] {
			var names []string
			for r := range s.set {
				if s.found[r] {
					names = append(names, s.set[r].name)
				}
			}
			for _, h := range holders {
				h()
			}
			return fail(&ParseError{File: names[0], Reason: fmt.Sprintf("OFAC %s companion files need their main file (sdn.csv or cons_prim.csv) in the same import", list)})
		}
		var names []string
		var size int64
		for r := range s.set {
			if s.found[r] {
				names = append(names, s.set[r].name)
				size += s.set[r].size
			}
		}
		src := &Source{Name: strings.Join(names, "+"), Format: FormatOFACCSV, Size: size, set: s.set, list: "ofac-sdn"}
		if list == "consolidated" {
			src.list = "ofac-consolidated"
		}
		out = append(out, src)
	}
	if len(holders) > 0 && len(out) > 0 {
		// The zip archives stay open until the last source is closed.
		last := out[len(out)-1]
		last.closeFns = append(last.closeFns, holders...)
	}
	return out, nil
}

// zipFeedRoot finds the folder of a zip that holds a MISP feed's
// manifest.json.
func zipFeedRoot(zr *zip.Reader) (string, bool) {
	for _, f := range zr.File {
		if path.Base(f.Name) == "manifest.json" && !strings.HasPrefix(f.Name, "__MACOSX/") {
			return path.Dir(f.Name), true
		}
	}
	return "", false
}

// compressionOf reads a file's magic number: "gzip", "bzip2", "zip" or "".
func compressionOf(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	var b [4]byte
	n, _ := io.ReadFull(f, b[:])
	return compression(b[:n]), nil
}

func compression(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return "gzip"
	case bytes.HasPrefix(b, []byte("BZh")):
		return "bzip2"
	case bytes.HasPrefix(b, []byte("PK\x03\x04")), bytes.HasPrefix(b, []byte("PK\x05\x06")):
		return "zip"
	}
	return ""
}

// readCloser pairs a reader with what closes its layers.
type readCloser struct {
	io.Reader
	closers []io.Closer
}

func (r *readCloser) Close() error {
	var errs []error
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i].Close())
	}
	return errors.Join(errs...)
}

func openFile(p string) (io.ReadCloser, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	rc, err := decompress(p, f, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return rc, nil
}

func openZipEntry(f *zip.File) (io.ReadCloser, error) {
	r, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s in zip: %w", f.Name, err)
	}
	rc, err := decompress(f.Name, r, r)
	if err != nil {
		r.Close()
		return nil, err
	}
	return rc, nil
}

// decompress undoes gzip or bzip2, found by their magic numbers, so a
// list is read the same whichever way it was downloaded. A zip inside a
// compressed stream is refused: unzip it first.
func decompress(name string, r io.Reader, c io.Closer) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(4)
	out := &readCloser{Reader: br, closers: []io.Closer{c}}
	switch compression(magic) {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &ParseError{File: name, Reason: "not a readable gzip file: " + err.Error()}
		}
		zr.Multistream(true)
		out.Reader, out.closers = zr, append(out.closers, zr)
	case "bzip2":
		out.Reader = bzip2.NewReader(br)
	case "zip":
		return nil, &ParseError{File: name, Reason: "a zip file inside a compressed file or a zip: unpack it first"}
	}
	return out, nil
}

// detectMember reads the head of one file and names its format.
func detectMember(m member) (Format, error) {
	rc, err := m.open()
	if err != nil {
		return FormatUnknown, err
	}
	defer rc.Close()
	head := make([]byte, headSize)
	n, err := io.ReadFull(rc, head)
	head = head[:n]
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return FormatUnknown, &ParseError{File: m.name, Reason: "cannot read: " + err.Error()}
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return FormatUnknown, &ParseError{File: m.name, Reason: "the file is empty"}
	}
	if compression(head) != "" {
		return FormatUnknown, &ParseError{File: m.name, Reason: "compressed twice: unpack it first"}
	}
	f, err := Detect(m.name, head)
	if err != nil {
		return FormatUnknown, &ParseError{File: m.name, Reason: err.Error()}
	}
	if f == FormatUnknown {
		return FormatUnknown, &ParseError{File: m.name, Reason: "format not recognised: expected OFAC advanced XML or CSV, " +
			"the UN consolidated list, a wallet list, a STIX 2.1 bundle, MISP JSON, or an indicator CSV with a type,value,… header"}
	}
	return f, nil
}

// countingReader tells OnRead how much was read.
type countingReader struct {
	r  io.Reader
	fn func(int)
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.fn(n)
	}
	return n, err
}

func (s *Source) openMember(m member) (io.ReadCloser, error) {
	rc, err := m.open()
	if err != nil {
		return nil, err
	}
	if s.OnRead == nil {
		return rc, nil
	}
	return &readCloser{Reader: countingReader{r: rc, fn: s.OnRead}, closers: []io.Closer{rc}}, nil
}

// Merge joins results that name one source (a CSV set split over files,
// the SDN list given as XML and as CSV in one import) so that the source
// is replaced once, with each (kind, value, ref) once. Sources keep the
// order they first appear in.
func Merge(results []*Result) []*Result {
	var order []string
	by := map[string][]*Result{}
	for _, r := range results {
		if r == nil {
			continue
		}
		if _, ok := by[r.Source]; !ok {
			order = append(order, r.Source)
		}
		by[r.Source] = append(by[r.Source], r)
	}
	out := make([]*Result, 0, len(order))
	for _, src := range order {
		rs := by[src]
		if len(rs) == 1 {
			out = append(out, rs[0])
			continue
		}
		m := &Result{Source: src}
		var formats []string
		seen := map[[3]string]bool{}
		for _, r := range rs {
			if !slices.Contains(formats, r.Format) {
				formats = append(formats, r.Format)
			}
			m.Entries += r.Entries
			for k, v := range r.Counts {
				m.Count(k, v)
			}
			for _, w := range r.Warnings {
				if len(m.Warnings) < 100 {
					m.Warnings = append(m.Warnings, w)
				}
			}
			for _, in := range r.Indicators {
				k := [3]string{in.Kind, in.Value, in.SourceRef}
				if !seen[k] {
					seen[k] = true
					m.Indicators = append(m.Indicators, in)
				}
			}
		}
		m.Format = strings.Join(formats, "+")
		out = append(out, m)
	}
	return out
}

// Load stores results, one transaction per source: each source's previous
// indicators are replaced as a whole, so a list's dropped entries stop
// matching. Everything is validated before anything is written; a result
// the store would refuse stops the load with nothing stored. It returns
// the merged results, one per source, in the order stored.
func Load(ctx context.Context, st store.Store, results []*Result) ([]*Result, error) {
	merged := Merge(results)
	for _, r := range merged {
		if err := store.CheckIndicators(r.Source, r.Indicators); err != nil {
			return nil, fmt.Errorf("load %s: %w", r.Source, err)
		}
	}
	for i, r := range merged {
		if _, err := st.ReplaceIndicators(ctx, r.Source, r.Indicators); err != nil {
			if i > 0 {
				return merged[:i], fmt.Errorf("load %s (stored before it: %s): %w", r.Source, sourceNames(merged[:i]), err)
			}
			return nil, fmt.Errorf("load %s: %w", r.Source, err)
		}
	}
	return merged, nil
}

func sourceNames(rs []*Result) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Source
	}
	return strings.Join(names, ", ")
}
