package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/subject"
)

func checkCommand() command {
	c := command{
		name:    "check",
		summary: "validate subject record files and show their normalised identifiers",
		usage: `Usage: ringfence check FILE... [--strict] [--identifiers] [--region CC]

Reads subject records (JSON Lines or CSV, told apart by content; gzip is
read transparently; "-" is standard input) and reports every bad record
with its file, line and field, and every identifier value that is not
valid for its kind. Bad records are skipped and the command exits with 2
after reading everything; --strict stops at the first one. Invalid values
(an impossible phone number, a mistyped wallet) are warnings: the record
is still usable, the value just cannot match.

Flags:
  --strict        stop at the first bad record
  --identifiers   print each record's normalised identifiers as JSON Lines
  --region CC     country for phone numbers without a country code
                  (default: the country of the record's first address)

Example:
  $ ringfence check applicants.jsonl
  applicants.jsonl:7: field birth_date: "1990-13-01" is not a date written YYYY-MM-DD
  warning: applicants.jsonl:9: field phones[0]: too short for US
  checked 1200 records from 1 file: 1199 good, 1 bad, 1 invalid value
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		strict := fs.Bool("strict", false, "stop at the first bad record")
		showIDs := fs.Bool("identifiers", false, "print normalised identifiers")
		region := fs.String("region", "", "default country for phone numbers")
		files, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return usagef("check needs at least one FILE (see 'ringfence help check')")
		}
		if *region, err = regionFlag(*region); err != nil {
			return err
		}
		opts := normalize.Options{Region: *region}
		enc := json.NewEncoder(e.stdout)
		prog := newProgress(e.stderr, "records checked")
		var good, bad, invalidValues int
		err = eachRecord(ctx, e, files, *strict, func(*subject.LineError) {
			bad++
			prog.done()
		}, func(rec subject.Record, file string) error {
			good++
			prog.add(1)
			ids, problems := subject.Identifiers(&rec, opts)
			for _, p := range problems {
				invalidValues++
				prog.done()
				fmt.Fprintf(e.stderr, "warning: %s:%d: field %s: %s\n", file, rec.Line, p.Attribute, p.Reason)
			}
			if !*showIDs {
				return nil
			}
			return enc.Encode(struct {
				ID          string               `json:"id"`
				Identifiers []subject.Identifier `json:"identifiers"`
				Invalid     []subject.Problem    `json:"invalid,omitempty"`
			}{rec.ID, ids, problems})
		})
		if err != nil {
			prog.done()
			return err
		}
		prog.done()
		fmt.Fprintf(e.stderr, "checked %d records from %d %s: %d good, %d bad, %d invalid %s\n",
			good+bad, len(files), plural(len(files), "file", "files"), good, bad, invalidValues,
			plural(invalidValues, "value", "values"))
		if bad > 0 {
			return fmt.Errorf("%d bad %s skipped: %w", bad, plural(bad, "record", "records"), errBadInput)
		}
		return nil
	}
	return c
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
