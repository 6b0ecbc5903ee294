package telemetry

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
)

// Formats in detection order.
const (
	FormatOkta    = "okta"
	FormatOsquery = "osquery"
	FormatJamf    = "jamf"
	FormatIntune  = "intune"
	FormatGeneric = "generic"
)

// Formats lists the format names in detection order.
var Formats = []string{FormatOkta, FormatOsquery, FormatJamf, FormatIntune, FormatGeneric}

// MaxLineBytes bounds one line of JSON Lines, one element of a JSON array
// and one CSV record. A longer one is reported as a problem and skipped, so
// one bad line costs bounded memory.
const MaxLineBytes = 1 << 20

// DefaultMaxProblems is the problem limit when Options.MaxProblems is 0.
const DefaultMaxProblems = 1000

// Options of a read.
type Options struct {
	Format string // "" = detect
	// Problem receives each line that could not be read; the read goes on.
	// Called from one goroutine at a time.
	Problem func(Problem)
	// MaxProblems stops the read with an error after this many problems
	// (0 = DefaultMaxProblems, negative = no limit).
	MaxProblems int
}

// Stats says what a read did.
type Stats struct {
	// Events is how many events were passed to emit.
	Events int
	// Problems is how many records could not be read (each reported once).
	Problems int
	// Lines counts the records read: lines of JSON Lines (blank ones
	// excepted), elements of a JSON array, data rows of a CSV file.
	Lines int
	// Format is the format read.
	Format string
}

// ErrTooManyProblems is wrapped by the error Read returns when the
// problems reach Options.MaxProblems.
var ErrTooManyProblems = errors.New("too many problems")

// ErrUnknownFormat is wrapped by the error Read returns when the format is
// neither given nor detected, or not one of Formats.
var ErrUnknownFormat = errors.New("unknown telemetry format")

// ReadFile opens path ("-" = standard input) and calls Read; the file is
// named by its cleaned path ("stdin" for "-") in problems and events.
func ReadFile(ctx context.Context, path string, opt Options, emit func([]Event) error) (Stats, error) {
	if path == "-" {
		return Read(ctx, os.Stdin, "stdin", opt, emit)
	}
	f, err := os.Open(path)
	if err != nil {
		return Stats{}, fmt.Errorf("read telemetry: %w", err)
	}
	defer f.Close()
	return Read(ctx, f, filepath.Clean(path), opt, emit)
}

// Read reads one input (plain or gzip, detected by magic bytes) and calls
// emit for each batch of events, from one goroutine at a time and in input
// order. The batch is reused after emit returns: callers copy what they
// keep (the pointed-to details of an event are never reused). file names
// the input in problems and Event.File. Read returns how many events were
// read and an error only for a failure that stops the read: I/O, an unknown
// format, emit's error, too many problems, ctx cancelled. A record that
// cannot be read is a Problem and the read goes on.
//
// JSON records are decoded on GOMAXPROCS goroutines; cancelling ctx takes
// effect before the next block of input is read.
func Read(ctx context.Context, r io.Reader, file string, opt Options, emit func([]Event) error) (Stats, error) {
	st := Stats{Format: opt.Format}
	br := bufio.NewReaderSize(r, detectBytes)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return st, fmt.Errorf("%s: bad gzip data: %w", file, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, detectBytes)
	}
	head, err := br.Peek(detectBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return st, fmt.Errorf("%s: %w", file, err)
	}
	// A byte-order mark is not part of any format.
	if bytes.HasPrefix(head, bom) {
		br.Discard(len(bom))
		head = head[len(bom):]
	}
	if st.Format == "" {
		st.Format = Detect(head)
		if st.Format == "" {
			if len(bytes.TrimSpace(head)) == 0 {
				return st, nil // nothing to read
			}
			return st, fmt.Errorf("%s: %w: not Okta System Log, osquery results, a Jamf or Intune inventory or generic JSON Lines (see docs/TELEMETRY.md)", file, ErrUnknownFormat)
		}
	}
	rd := &reader{file: file, opt: opt, emit: emit, st: &st}
	if rd.opt.MaxProblems == 0 {
		rd.opt.MaxProblems = DefaultMaxProblems
	}
	first := firstByte(head)
	switch st.Format {
	case FormatGeneric:
		err = rd.runJSON(ctx, &lineProducer{r: br}, func() decoder { return &genericDecoder{} })
	case FormatOsquery:
		err = rd.runJSON(ctx, &lineProducer{r: br}, func() decoder { return &osqueryDecoder{} })
	case FormatOkta:
		var p producer = &lineProducer{r: br}
		if first == '[' {
			p = &arrayProducer{r: br}
		}
		err = rd.runJSON(ctx, p, func() decoder { return &oktaDecoder{} })
	case FormatJamf:
		if first == '{' || first == '[' {
			err = rd.runJSON(ctx, &arrayProducer{r: br, key: "results"}, func() decoder { return &jamfDecoder{} })
		} else {
			err = rd.runCSV(ctx, br, newJamfCSV)
		}
	case FormatIntune:
		if first == '{' || first == '[' {
			err = rd.runJSON(ctx, &arrayProducer{r: br, key: "value"}, func() decoder { return &intuneDecoder{} })
		} else {
			err = rd.runCSV(ctx, br, newIntuneCSV)
		}
	default:
		return st, fmt.Errorf("%s: %w %q (want one of okta, osquery, jamf, intune, generic)", file, ErrUnknownFormat, st.Format)
	}
	return st, err
}

var bom = []byte("\xef\xbb\xbf")

// detectBytes is how much of an input Detect sees.
const detectBytes = 64 << 10

func firstByte(head []byte) byte {
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

// reader delivers what the decoders produce: problems to Options.Problem,
// events to emit, in input order, from the goroutine that called Read.
type reader struct {
	file string
	opt  Options
	emit func([]Event) error
	st   *Stats
}

// deliver reports a batch's problems and emits its events.
func (rd *reader) deliver(s *sink) error {
	for _, p := range s.problems {
		rd.st.Problems++
		if rd.opt.Problem != nil {
			rd.opt.Problem(p)
		}
		if rd.opt.MaxProblems > 0 && rd.st.Problems >= rd.opt.MaxProblems {
			return fmt.Errorf("%s: %w: stopped after %d", rd.file, ErrTooManyProblems, rd.st.Problems)
		}
	}
	if len(s.events) > 0 {
		if err := rd.emit(s.events); err != nil {
			return err
		}
		rd.st.Events += len(s.events)
	}
	return nil
}

// A record is one line of JSON Lines or one element of a JSON array, held
// in its chunk's buffer. A record the producer could not cut out (too
// long, or the array around it broken) carries its problem instead.
type record struct {
	start, end int
	line       int
	bad        string
}

// A chunk is a block of records on its way from the producer through a
// decoder to the reader; chunks are recycled.
type chunk struct {
	seq  int
	buf  []byte
	recs []record
	out  sink
}

// chunkBytes is how much input a chunk carries: large enough that handing
// it between goroutines costs little per record, small enough that the
// chunks in flight stay a few megabytes.
const chunkBytes = 256 << 10

// A producer cuts records out of the input.
type producer interface {
	// fill appends records to c until it holds about chunkBytes; it returns
	// io.EOF when the input ends.
	fill(c *chunk) error
}

// A decoder turns one record into events and problems. Each decoding
// goroutine has its own.
type decoder interface {
	decode(s *sink, rec []byte, line int)
}

// runJSON reads records on one goroutine, decodes chunks of them on
// GOMAXPROCS goroutines and delivers them in input order on this one.
func (rd *reader) runJSON(ctx context.Context, p producer, newDecoder func() decoder) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	// The chunks in flight are bounded by the pool: the producer waits for
	// a free chunk, the reader frees one after delivering it.
	nchunks := 2*workers + 2
	free := make(chan *chunk, nchunks)
	for range nchunks {
		free <- &chunk{}
	}
	work := make(chan *chunk, nchunks)
	done := make(chan *chunk, nchunks)

	var prodErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(work)
		for seq := 0; ; {
			if ctx.Err() != nil {
				return
			}
			var c *chunk
			select {
			case c = <-free:
			case <-ctx.Done():
				return
			}
			c.buf, c.recs = c.buf[:0], c.recs[:0]
			err := p.fill(c)
			if len(c.recs) > 0 {
				c.seq = seq
				seq++
				work <- c // never blocks: work holds every chunk there is
			} else {
				free <- c
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					prodErr = err
				}
				return
			}
		}
	})
	var dwg sync.WaitGroup
	for range workers {
		dwg.Go(func() {
			dec := newDecoder()
			for c := range work {
				c.out.reset(rd.file)
				if ctx.Err() == nil {
					for _, r := range c.recs {
						if r.bad != "" {
							c.out.problem(r.line, "", r.bad)
							continue
						}
						dec.decode(&c.out, c.buf[r.start:r.end], r.line)
					}
				}
				done <- c // never blocks: done holds every chunk there is
			}
		})
	}
	go func() {
		dwg.Wait()
		close(done)
	}()

	var err error
	pending := make(map[int]*chunk, nchunks)
	next := 0
	for c := range done {
		pending[c.seq] = c
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err == nil && ctx.Err() == nil {
				rd.st.Lines += len(c.recs)
				if err = rd.deliver(&c.out); err != nil {
					cancel()
				}
			}
			c.out.release()
			free <- c
		}
	}
	wg.Wait()
	switch {
	case err != nil:
		return err
	case prodErr != nil:
		return fmt.Errorf("%s: %w", rd.file, prodErr)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", rd.file, context.Cause(ctx))
	}
	return nil
}

// sink collects what decoding a chunk produced.
type sink struct {
	file     string
	events   []Event
	problems []Problem
	// Details are allocated in blocks and never reused, so an event a
	// caller copies keeps its own.
	signins  []SignInInfo
	usbs     []USBDevice
	displays []DisplayDevice
	programs []ProgramInfo
	wifis    []WiFiNetwork
	ships    []ShipmentInfo
}

func (s *sink) reset(file string) {
	s.file = file
	s.events = s.events[:0]
	s.problems = s.problems[:0]
}

// release drops what the events point into, so a recycled chunk does not
// keep old strings alive.
func (s *sink) release() {
	clear(s.events)
	s.events = s.events[:0]
}

func (s *sink) problem(line int, field, reason string) {
	s.problems = append(s.problems, Problem{File: s.file, Line: line, Field: field, Err: reason})
}

// add appends an event and returns it for the decoder to fill.
func (s *sink) add(source, typ string, line int) *Event {
	s.events = append(s.events, Event{Source: source, Type: typ, File: s.file, Line: line})
	return &s.events[len(s.events)-1]
}

// drop removes the last event added (its record turned out bad).
func (s *sink) drop() {
	s.events[len(s.events)-1] = Event{}
	s.events = s.events[:len(s.events)-1]
}

const detailBlock = 64

func (s *sink) signin() *SignInInfo {
	if len(s.signins) == cap(s.signins) {
		s.signins = make([]SignInInfo, 0, detailBlock)
	}
	s.signins = s.signins[:len(s.signins)+1]
	return &s.signins[len(s.signins)-1]
}

func (s *sink) usb() *USBDevice {
	if len(s.usbs) == cap(s.usbs) {
		s.usbs = make([]USBDevice, 0, detailBlock)
	}
	s.usbs = s.usbs[:len(s.usbs)+1]
	return &s.usbs[len(s.usbs)-1]
}

func (s *sink) display() *DisplayDevice {
	if len(s.displays) == cap(s.displays) {
		s.displays = make([]DisplayDevice, 0, detailBlock)
	}
	s.displays = s.displays[:len(s.displays)+1]
	return &s.displays[len(s.displays)-1]
}

func (s *sink) program() *ProgramInfo {
	if len(s.programs) == cap(s.programs) {
		s.programs = make([]ProgramInfo, 0, detailBlock)
	}
	s.programs = s.programs[:len(s.programs)+1]
	return &s.programs[len(s.programs)-1]
}

func (s *sink) wifi() *WiFiNetwork {
	if len(s.wifis) == cap(s.wifis) {
		s.wifis = make([]WiFiNetwork, 0, detailBlock)
	}
	s.wifis = s.wifis[:len(s.wifis)+1]
	return &s.wifis[len(s.wifis)-1]
}

func (s *sink) ship() *ShipmentInfo {
	if len(s.ships) == cap(s.ships) {
		s.ships = make([]ShipmentInfo, 0, detailBlock)
	}
	s.ships = s.ships[:len(s.ships)+1]
	return &s.ships[len(s.ships)-1]
}

// lineProducer cuts JSON Lines into records.
type lineProducer struct {
	r    *bufio.Reader
	line int
}

var msgLineTooLong = "line longer than " + strconv.Itoa(MaxLineBytes) + " bytes"

func (p *lineProducer) fill(c *chunk) error {
	for len(c.buf) < chunkBytes {
		start := len(c.buf)
		tooLong := false
		var err error
		for {
			var frag []byte
			frag, err = p.r.ReadSlice('\n')
			if !tooLong {
				if len(c.buf)-start+len(frag) > MaxLineBytes+2 { // room for "\r\n"
					tooLong = true
					c.buf = c.buf[:start]
				} else {
					c.buf = append(c.buf, frag...)
				}
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			c.buf = c.buf[:start]
			return err
		}
		if len(c.buf) == start && !tooLong && err != nil {
			return io.EOF // the input ended with its last newline
		}
		p.line++
		end := len(c.buf)
		for end > start && (c.buf[end-1] == '\n' || c.buf[end-1] == '\r') {
			end--
		}
		switch {
		case tooLong || end-start > MaxLineBytes:
			c.buf = c.buf[:start]
			c.recs = append(c.recs, record{line: p.line, bad: msgLineTooLong})
		case isBlank(c.buf[start:end]):
			c.buf = c.buf[:start]
		default:
			c.buf = c.buf[:end]
			c.recs = append(c.recs, record{start: start, end: end, line: p.line})
		}
		if err != nil {
			return io.EOF
		}
	}
	return nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}
