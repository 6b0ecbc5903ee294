package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/subject"
)

// errStrict stops a read at the first bad record (--strict).
var errStrict = fmt.Errorf("stopped at the first bad record (--strict): %w", errBadInput)

// eachRecord reads the records of files in order ("-" is standard input).
// A bad record is passed to bad, then printed to stderr with its file,
// line and field; with strict the read then stops with errStrict. Every good
// record goes to good, which may stop the read with an error.
func eachRecord(ctx context.Context, e *env, files []string, strict bool,
	bad func(*subject.LineError), good func(rec subject.Record, file string) error) error {
	for _, file := range files {
		r, closer, err := subject.Open(file, e.stdin)
		if err != nil {
			var le *subject.LineError
			if errors.As(err, &le) {
				return err
			}
			return fmt.Errorf("read %s: %w", file, err)
		}
		for {
			if err = ctx.Err(); err != nil {
				break
			}
			var rec subject.Record
			rec, err = r.Next()
			if err == io.EOF {
				err = nil
				break
			}
			var le *subject.LineError
			if errors.As(err, &le) {
				err = nil
				bad(le) // first: it may clear a progress line
				fmt.Fprintln(e.stderr, le)
				if strict {
					err = errStrict
					break
				}
				continue
			}
			if err != nil {
				break
			}
			if err = good(rec, file); err != nil {
				break
			}
		}
		closer.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// regionFlag reads --region: empty, or a country as ISO 3166 (any case,
// alpha-2 or alpha-3), returned as alpha-2.
func regionFlag(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	cc, ok := normalize.Country(s)
	if !ok {
		return "", usagef("--region %q is not an ISO 3166 country code", s)
	}
	return cc, nil
}
