package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/ringfence/ringfence/internal/normalize"
)

func normalizeCommand() command {
	var kinds []string
	for _, k := range normalize.Kinds() {
		kinds = append(kinds, string(k))
	}
	c := command{
		name:    "normalize",
		summary: "print the canonical form of an identifier, or why it is not one",
		usage: `Usage: ringfence normalize KIND VALUE... [--region CC] [--json]

Prints the canonical form of each VALUE as ringfence compares it, then its
matching keys and what was learnt on the way. A VALUE of "-" reads values
from standard input, one a line. An invalid value prints the reason and the
command exits with 2. This is how to check why two values did or did not
match, and what to paste into a bug report.

KIND is one of: ` + strings.Join(kinds, ", ") + `

Flags:
  --region CC   country (ISO 3166 alpha-2) for phone numbers without a
                country code and addresses without a country
  --json        one JSON object per value instead of text

Examples:
  $ ringfence normalize phone "(212) 736-5000" --region US
  +12127365000
    fact country: US
    fact line_type: fixed_line_or_mobile

  $ ringfence normalize email "John.Doe+jobs@GoogleMail.com"
  johndoe@gmail.com
    key email_domain: gmail.com
    ...

  $ ringfence normalize wallet 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb
  ringfence: 1 of 1 values invalid
  invalid: not a valid wallet: "1A1zP…": Bitcoin base58check checksum does not match ...
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		region := fs.String("region", "", "default country for phones and addresses")
		asJSON := fs.Bool("json", false, "JSON output")
		pos, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(pos) < 2 {
			return usagef("normalize needs a KIND and at least one VALUE (see 'ringfence help normalize')")
		}
		kind, err := normalize.ParseKind(pos[0])
		if err != nil {
			return usagef("%v; KIND is one of: %s", err, strings.Join(kinds, ", "))
		}
		if *region, err = regionFlag(*region); err != nil {
			return err
		}
		opts := normalize.Options{Region: *region}
		values := pos[1:]
		if len(values) == 1 && values[0] == "-" {
			values = nil
			sc := bufio.NewScanner(e.stdin)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				if line := strings.TrimSpace(sc.Text()); line != "" {
					values = append(values, line)
				}
			}
			if err := sc.Err(); err != nil {
				return fmt.Errorf("read standard input: %w", err)
			}
		}
		bad := 0
		enc := json.NewEncoder(e.stdout)
		for _, in := range values {
			if err := ctx.Err(); err != nil {
				return err
			}
			v, err := normalize.Normalize(kind, in, opts)
			if err != nil {
				if !errors.Is(err, normalize.ErrInvalid) {
					return err
				}
				bad++
				if *asJSON {
					enc.Encode(map[string]string{"input": in, "kind": string(kind), "error": err.(*normalize.Error).Reason})
				} else {
					fmt.Fprintf(e.stderr, "invalid: %v\n", err)
				}
				continue
			}
			if *asJSON {
				if err := enc.Encode(struct {
					Input string `json:"input"`
					normalize.Value
				}{in, v}); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintln(e.stdout, v.Canonical)
			for _, k := range v.Keys {
				fmt.Fprintf(e.stdout, "  key %s: %s\n", k.Kind, k.Value)
			}
			facts := make([]string, 0, len(v.Facts))
			for f := range v.Facts {
				facts = append(facts, f)
			}
			sort.Strings(facts)
			for _, f := range facts {
				fmt.Fprintf(e.stdout, "  fact %s: %s\n", f, v.Facts[f])
			}
		}
		if bad > 0 {
			return fmt.Errorf("%d of %d values invalid: %w", bad, len(values), errBadInput)
		}
		return nil
	}
	return c
}
