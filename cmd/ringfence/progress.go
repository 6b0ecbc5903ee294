package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress reports a running count on stderr: redrawn in place on a
// terminal, a line every few seconds otherwise (logs of CI jobs and cron
// runs should show life without flooding). It never writes to stdout, which
// carries results.
type progress struct {
	w     io.Writer
	what  string
	tty   bool
	start time.Time
	mu    sync.Mutex
	n     int64
	last  time.Time
	every time.Duration
	drawn bool
}

func newProgress(w io.Writer, what string) *progress {
	p := &progress{w: w, what: what, start: time.Now(), every: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
			p.every = 200 * time.Millisecond
		}
	}
	p.last = p.start
	return p
}

// add counts n more items and redraws when it is time.
func (p *progress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += int64(n)
	if now := time.Now(); now.Sub(p.last) >= p.every {
		p.last = now
		p.draw(now)
	}
}

func (p *progress) draw(now time.Time) {
	el := now.Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.n) / el
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r%s: %d (%.0f/s)   ", p.what, p.n, rate)
		p.drawn = true
	} else {
		fmt.Fprintf(p.w, "%s: %d (%.0f/s)\n", p.what, p.n, rate)
	}
}

// done clears the progress line so the summary starts on a clean line.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// update sets the count of a phased job ("tokens 3000/9000") and redraws
// when it is time or the phase changed.
func (p *progress) update(phase string, n, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	what := phase
	if total > 0 {
		what = fmt.Sprintf("%s of %d", phase, total)
	}
	changed := what != p.what
	p.what, p.n = what, int64(n)
	if now := time.Now(); changed || now.Sub(p.last) >= p.every {
		p.last = now
		p.draw(now)
	}
}
