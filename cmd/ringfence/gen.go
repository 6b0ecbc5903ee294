package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/farm"
	"github.com/ringfence/ringfence/internal/subject"
	"github.com/ringfence/ringfence/internal/synth"
	"github.com/ringfence/ringfence/internal/telemetry"
)

func genCommand() command {
	c := command{
		name:    "gen",
		summary: "write a synthetic population with planted fraud rings and its ground truth",
		usage: `Usage: ringfence gen --n N [--seed S] [--out FILE] [--truth FILE] [--fraud-share F]
       ringfence gen --indicators N [--seed S] [--out FILE]
       ringfence gen --telemetry N [--seed S] [--out FILE] [--employees FILE]

Writes N synthetic subject records as JSON Lines: ordinary applicants and
workers, planted DPRK IT-worker rings whose personas share phones, e-mail
accounts, payout accounts, wallets, laptop shipping addresses, devices and
near-identical resumes, and the ordinary overlaps a real population has:
families at one address (some with a joint account), roommates, a
co-working IP, the same person applying twice, VPN users, Korean-American
applicants, and the real owners of stolen SSNs. The ground truth (one JSON
object per record: id, fraud, ring, overlap, group) is written beside it.
The same seed always gives the same files. No real person's data is used.

Flags:
  --n N             number of records (required)
  --seed S          population seed (default 1)
  --out FILE        records file (default: standard output)
  --truth FILE      ground truth file (default: FILE with .truth.jsonl
                    in place of its extension; none when writing to
                    standard output unless given)
  --fraud-share F   share of records that are ring personas (default 0.03)
  --indicators N    write N indicator CSV rows (e-mail, domain, IP, range,
                    wallet, phone, name, bank account; for load tests)
                    instead of records
  --telemetry N     write N telemetry events in the generic format
                    (docs/TELEMETRY.md) of a simulated fleet over 30 days,
                    with a planted laptop farm (six laptops of four
                    employees, two PiKVMs, AnyDesk, Astrill sign-ins),
                    households, travellers, VPN users and a helpdesk;
                    the employees go to --employees (default FILE with
                    .employees.jsonl in place of its extension). The
                    fleet's corporate egress is 203.0.113.0/24.

Example:
  $ ringfence gen --n 20000 --seed 7 --out people.jsonl
  wrote 20000 records to people.jsonl (602 ring personas in 110 rings);
  ground truth in people.truth.jsonl
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		n := fs.Int("n", -1, "number of records")
		seed := fs.Uint64("seed", 1, "seed")
		out := fs.String("out", "-", "records file")
		truthPath := fs.String("truth", "", "ground truth file")
		share := fs.Float64("fraud-share", 0.03, "share of ring personas")
		indicators := fs.Int("indicators", 0, "write an indicator CSV of N rows instead")
		events := fs.Int("telemetry", 0, "write N telemetry events instead")
		employees := fs.String("employees", "", "employees file of --telemetry")
		pos, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return usagef("gen takes no arguments, only flags (see 'ringfence help gen')")
		}
		if *events > 0 {
			return genTelemetry(ctx, e, *events, int64(*seed), *out, *employees)
		}
		if *indicators > 0 {
			w, commit, err := createAtomic(*out, e.stdout)
			if err != nil {
				return err
			}
			defer commit(false)
			bw := bufio.NewWriterSize(w, 256<<10)
			if err := synth.WriteIndicators(bw, *indicators, *seed); err != nil {
				return fmt.Errorf("gen: %w", err)
			}
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("gen: write %s: %w", *out, err)
			}
			if err := commit(true); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "wrote %d indicators to %s\n", *indicators, *out)
			return nil
		}
		if *n < 0 {
			return usagef("gen needs --n, the number of records")
		}
		if *share <= 0 || *share > 0.5 {
			return usagef("--fraud-share %v must be above 0 and at most 0.5", *share)
		}
		if *truthPath == "" && *out != "-" {
			*truthPath = strings.TrimSuffix(*out, filepath.Ext(*out)) + ".truth.jsonl"
		}
		recW, commitRec, err := createAtomic(*out, e.stdout)
		if err != nil {
			return err
		}
		defer commitRec(false)
		var truthW io.Writer = io.Discard
		commitTruth := func(bool) error { return nil }
		if *truthPath != "" {
			if truthW, commitTruth, err = createAtomic(*truthPath, e.stdout); err != nil {
				return err
			}
			defer commitTruth(false)
		}
		rb, tb := bufio.NewWriterSize(recW, 256<<10), bufio.NewWriterSize(truthW, 64<<10)
		renc, tenc := json.NewEncoder(rb), json.NewEncoder(tb)
		renc.SetEscapeHTML(false)
		prog := newProgress(e.stderr, "records written")
		rings := map[string]bool{}
		personas := 0
		err = synth.Generate(ctx, synth.Options{N: *n, Seed: *seed, FraudShare: *share},
			func(rec subject.Record, t synth.Truth) error {
				if t.Fraud {
					personas++
					rings[t.Ring] = true
				}
				prog.add(1)
				if err := renc.Encode(rec); err != nil {
					return err
				}
				return tenc.Encode(t)
			})
		prog.done()
		if err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		if err := rb.Flush(); err != nil {
			return fmt.Errorf("gen: write %s: %w", *out, err)
		}
		if err := tb.Flush(); err != nil {
			return fmt.Errorf("gen: write %s: %w", *truthPath, err)
		}
		if err := commitRec(true); err != nil {
			return err
		}
		if err := commitTruth(true); err != nil {
			return err
		}
		where := *out
		if where == "-" {
			where = "standard output"
		}
		fmt.Fprintf(e.stderr, "wrote %d records to %s (%d ring personas in %d rings)", *n, where, personas, len(rings))
		if *truthPath != "" {
			fmt.Fprintf(e.stderr, "; ground truth in %s", *truthPath)
		}
		fmt.Fprintln(e.stderr)
		return nil
	}
	return c
}

// createAtomic opens path for writing through a temporary file in the same
// folder, renamed into place only when commit(true) is called, so an
// interrupted run never leaves a truncated file where a good one was. "-"
// writes to stdout.
func createAtomic(path string, stdout io.Writer) (io.Writer, func(ok bool) error, error) {
	if path == "-" {
		return stdout, func(bool) error { return nil }, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, nil, err
	}
	done := false
	commit := func(ok bool) error {
		if done {
			return nil
		}
		done = true
		if !ok {
			f.Close()
			os.Remove(f.Name())
			return nil
		}
		if err := f.Close(); err != nil {
			os.Remove(f.Name())
			return err
		}
		if err := os.Rename(f.Name(), path); err != nil {
			os.Remove(f.Name())
			return err
		}
		return nil
	}
	return f, commit, nil
}

// genTelemetry writes n events of a simulated fleet in the generic format,
// and its employees as subject records.
func genTelemetry(ctx context.Context, e *env, n int, seed int64, out, employees string) error {
	if out == "-" && employees == "" {
		return usagef("gen --telemetry to standard output needs --employees FILE")
	}
	if employees == "" {
		employees = strings.TrimSuffix(out, filepath.Ext(out)) + ".employees.jsonl"
	}
	const days, perDay = 30, 12
	fleet := max(20, n/(days*perDay*6/5))
	opt := farm.SimOptions{Employees: fleet, Days: days, EventsPerDeviceDay: perDay,
		Start:      time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -days),
		Farms:      []farm.SimFarm{{Laptops: 6, Employees: 4, PiKVM: 2, AnyDesk: 1, Astrill: true}},
		Households: max(1, fleet/100), CorporateVPN: fleet / 20, ConsumerVPN: fleet / 50, Travellers: fleet / 50,
		Helpdesk: fleet / 100, DevBoards: fleet / 200, Unenrolled: fleet / 500, Cafes: fleet / 200}
	sim := farm.NewSimulator(seed, opt)

	pw, commitPeople, err := createAtomic(employees, e.stdout)
	if err != nil {
		return err
	}
	defer commitPeople(false)
	pb := bufio.NewWriter(pw)
	enc := json.NewEncoder(pb)
	for _, p := range sim.People() {
		rec := map[string]any{"id": p.ID, "kind": "employee", "name": p.Name, "emails": p.Emails, "devices": p.Devices,
			"addresses": []map[string]string{{"kind": "home", "line1": p.Home.Line, "city": p.Home.City,
				"region": p.Home.Region, "country": p.Home.Country}}}
		if len(p.HomeIPs) > 0 {
			var ips []string
			for _, a := range p.HomeIPs {
				ips = append(ips, a.String())
			}
			rec["ips"] = ips
		}
		if err := enc.Encode(rec); err != nil {
			return err
		}
	}
	if err := pb.Flush(); err != nil {
		return err
	}

	w, commit, err := createAtomic(out, e.stdout)
	if err != nil {
		return err
	}
	defer commit(false)
	bw := bufio.NewWriterSize(w, 1<<20)
	prog := newProgress(e.stderr, "events written")
	buf := make([]telemetry.Event, 4096)
	var line []byte
	written := 0
	for written < n {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := sim.Next(buf[:min(len(buf), n-written)])
		if k == 0 {
			break
		}
		for i := range buf[:k] {
			line = telemetry.AppendGeneric(line[:0], &buf[i])
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
		written += k
		prog.add(k)
	}
	prog.done()
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := commit(true); err != nil {
		return err
	}
	if err := commitPeople(true); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %d events of %d employees (%d laptops) to %s; employees in %s\n",
		written, fleet, sim.Devices(), out, employees)
	return nil
}
