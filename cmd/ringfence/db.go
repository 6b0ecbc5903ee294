package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/dial"
)

// dsn is the database a command uses: the global --db, else the command's
// own --db, else $RINGFENCE_DB, else ringfence.db in the working directory.
func (e *env) dsn(flagValue string) string {
	switch {
	case e.db != "":
		return e.db
	case flagValue != "":
		return flagValue
	case e.getenv("RINGFENCE_DB") != "":
		return e.getenv("RINGFENCE_DB")
	}
	return "ringfence.db"
}

func redactDSN(dsn string) string { return dial.Redact(dsn) }

// openStore opens the database, migrating it forward; a malformed DSN is a
// usage error.
func openStore(ctx context.Context, e *env, dsn string) (store.Store, error) {
	st, err := dial.Open(ctx, dsn, e.log)
	if errors.Is(err, store.ErrInvalid) {
		return nil, usagef("--db: %v", err)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

func dbCommand() command {
	c := command{
		name:    "db",
		summary: "migrate the database, show its schema version and what it holds",
		usage: `Usage: ringfence db migrate|status|stats [--db DSN] [--top N]

  migrate   bring the database's schema up to this version of ringfence
            (every command does this when it opens an older database)
  status    show the schema version and the migrations applied and
            pending, without changing anything
  stats     count the rows of every table and the identifiers of every
            kind, and list the values the most subjects share

A database migrated by a newer ringfence is refused: upgrade ringfence.

Flags:
  --db DSN   database: a file path for SQLite or postgres://…
             (default $RINGFENCE_DB or ringfence.db)
  --top N    stats: how many shared values to list (default 10)

Example:
  $ ringfence db status --db postgres://ringfence@db.internal/ringfence
  database: ringfence@db.internal/ringfence (postgres)
  schema version: 4 (this ringfence knows up to 4)
    1  0001_subjects_indicators  applied 2026-11-20T10:01:02Z
    2  0002_cases_audit          applied 2026-11-20T10:01:02Z
    3  0003_sync_state           applied 2026-11-20T10:01:02Z
    4  0004_access_cases         applied 2026-11-20T10:01:02Z
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		dbFlag := fs.String("db", "", "database")
		top := fs.Int("top", 10, "shared values to list")
		pos, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("db needs one of migrate, status, stats (see 'ringfence help db')")
		}
		dsn := e.dsn(*dbFlag)
		switch pos[0] {
		case "migrate":
			return dbMigrate(ctx, e, dsn)
		case "status":
			return dbStatus(ctx, e, dsn)
		case "stats":
			if *top < 0 {
				return usagef("--top %d: must not be negative", *top)
			}
			return dbStats(ctx, e, dsn, *top)
		}
		return usagef("db: no subcommand %q: use migrate, status or stats", pos[0])
	}
	return c
}

func dbMigrate(ctx context.Context, e *env, dsn string) error {
	before := 0
	if st, err := dial.Status(ctx, dsn); err == nil {
		before = st.Current
	}
	s, err := openStore(ctx, e, dsn)
	if err != nil {
		return err
	}
	s.Close()
	st, err := dial.Status(ctx, dsn)
	if err != nil {
		return err
	}
	if st.Current == before {
		fmt.Fprintf(e.stdout, "%s is at schema version %d, the latest\n", redactDSN(dsn), st.Current)
		return nil
	}
	fmt.Fprintf(e.stdout, "migrated %s from schema version %d to %d\n", redactDSN(dsn), before, st.Current)
	return nil
}

func dbStatus(ctx context.Context, e *env, dsn string) error {
	d, _, err := dial.Parse(dsn)
	if err != nil {
		return usagef("--db: %v", err)
	}
	if d == dial.SQLite {
		if _, err := os.Stat(dsn); err != nil {
			return fmt.Errorf("no database at %s: run 'ringfence db migrate' or an import to create one", dsn)
		}
	}
	st, err := dial.Status(ctx, dsn)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "database: %s (%s)\n", redactDSN(dsn), d)
	fmt.Fprintf(w, "schema version: %d (this ringfence knows up to %d)\n", st.Current, st.Latest)
	for _, a := range st.Applied {
		fmt.Fprintf(w, "  %d\t%s\tapplied %s\n", a.Version, a.Name, a.AppliedAt.Format("2006-01-02T15:04:05Z"))
	}
	for _, m := range st.Pending {
		fmt.Fprintf(w, "  %d\t%s\tpending\n", m.Version, m.Name)
	}
	w.Flush()
	if st.Current > st.Latest {
		return fmt.Errorf("database schema version %d is newer than this ringfence (%d): upgrade ringfence", st.Current, st.Latest)
	}
	return nil
}

func dbStats(ctx context.Context, e *env, dsn string, top int) error {
	s, err := openStore(ctx, e, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := s.Stats(ctx, top)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "table\trows\t")
	for _, t := range sortedKeys(st.Tables) {
		fmt.Fprintf(w, "%s\t%d\t\n", t, st.Tables[t])
	}
	w.Flush()
	if len(st.Identifiers) > 0 {
		fmt.Fprintln(e.stdout)
		w = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(w, "identifier kind\tvalues\t")
		for _, k := range sortedKeys(st.Identifiers) {
			fmt.Fprintf(w, "%s\t%d\t\n", k, st.Identifiers[k])
		}
		w.Flush()
	}
	if len(st.Shared) > 0 {
		fmt.Fprintln(e.stdout)
		w = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "most shared\tkind\tsubjects")
		for _, v := range st.Shared {
			fmt.Fprintf(w, "%s\t%s\t%d\n", v.Value, v.Kind, v.Subjects)
		}
		w.Flush()
	}
	return nil
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
