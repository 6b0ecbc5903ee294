package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ringfence/ringfence/internal/blind"
	"github.com/ringfence/ringfence/internal/hub"
	"github.com/ringfence/ringfence/internal/server"
	"github.com/ringfence/ringfence/internal/store"
)

func hubCommand() command {
	c := command{
		name:    "hub",
		summary: "run and administer a consortium hub (TAXII 2.1 and blinded identity matching)",
		usage: `Usage: ringfence hub serve [--addr HOST:PORT] [--db DSN] [--daily-limit N]
       ringfence hub members add ID [--name NAME] [--guest | --guest=false]
       ringfence hub members disable|enable ID
       ringfence hub members list
       ringfence hub keys create MEMBER [--name NAME]
       ringfence hub keys revoke ID
       ringfence hub keys list
       ringfence hub collections add ID --title TITLE [--description TEXT]
                 [--read MEMBERS] [--write MEMBERS] [--guests]
       ringfence hub collections list
       ringfence hub pubkey
       ringfence hub rotate

The hub is run by the consortium's operator. Members share indicators over
TAXII 2.1 (discovery at /taxii2/, the API root at /api/) and learn which of
their people's identifiers other members hold through blinded tokens
(/hub/v1/): the hub never sees an identifier, and a member cannot compute a
token without the hub, which limits how many it evaluates per member
(--daily-limit, and 2,000 a second after a burst of 20,000).

TLP is enforced on every read: TLP:RED objects are served only to the member
that wrote them, AMBER and AMBER+STRICT to members (never guests), CLEAR and
GREEN to whoever may read the collection. MEMBERS is a comma-separated list
of member ids, or * for every member. Guests read collections added with
--guests, at CLEAR and GREEN only.

The hub's database is its own (default $RINGFENCE_HUB_DB or hub.db; SQLite
or postgres://…). Keys are shown once, at creation. 'pubkey' prints the
current OPRF public key members pin (--pin of 'ringfence share sync');
'rotate' starts a new key epoch: the old one evaluates for 7 more days while
members pin the new key and sync again. Every change is in the hub's audit
log; its request log names the route, status and member, never a path or a
body.

Examples:
  $ ringfence hub members add acme --name "Acme Corp"
  $ ringfence hub keys create acme
  rfk_1a2b3c4d5e6f_…   (shown once: give it to acme)
  $ ringfence hub collections add confirmed-fraud --title "Confirmed DPRK IT-worker personas" --read '*' --write '*'
  $ ringfence hub pubkey
  epoch 1: AQAAAAJ8…   (members pin this with --pin)
  $ ringfence hub serve --addr 0.0.0.0:9443
  {"time":"…","level":"INFO","msg":"listening","addr":"[::]:9443"}
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		dbFlag := fs.String("db", "", "hub database")
		addr := fs.String("addr", "127.0.0.1:9443", "listen address")
		daily := fs.Int("daily-limit", blind.DefaultDaily, "evaluations per member per day")
		name := fs.String("name", "", "name")
		guest := fs.Bool("guest", false, "a guest reader")
		title := fs.String("title", "", "collection title")
		desc := fs.String("description", "", "collection description")
		read := fs.String("read", "", "members who read")
		write := fs.String("write", "", "members who write")
		guests := fs.Bool("guests", false, "guests may read")
		logLevel := fs.String("log-level", "info", "log level")
		pos, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(pos) == 0 {
			return usagef("hub needs a subcommand (see 'ringfence help hub')")
		}
		dsn := *dbFlag
		switch {
		case e.db != "":
			dsn = e.db
		case dsn != "":
		case e.getenv("RINGFENCE_HUB_DB") != "":
			dsn = e.getenv("RINGFENCE_HUB_DB")
		default:
			dsn = "hub.db"
		}
		want := func(n int, what string) error {
			if len(pos) != n {
				return usagef("hub %s", what)
			}
			return nil
		}
		sub := strings.Join(pos[:min(2, len(pos))], " ")
		switch sub {
		case "members add", "members disable", "members enable":
			if err := want(3, sub+" needs one ID"); err != nil {
				return err
			}
		case "keys create":
			if err := want(3, "keys create needs one MEMBER"); err != nil {
				return err
			}
		case "keys revoke":
			if err := want(3, "keys revoke needs one key ID"); err != nil {
				return err
			}
		case "collections add":
			if err := want(3, "collections add needs one ID"); err != nil {
				return err
			}
			if *title == "" {
				return usagef("hub collections add needs --title")
			}
		case "members list", "keys list", "collections list":
		default:
			if len(pos) != 1 || (pos[0] != "serve" && pos[0] != "pubkey" && pos[0] != "rotate") {
				return usagef("hub: no subcommand %q (see 'ringfence help hub')", strings.Join(pos, " "))
			}
		}
		if *daily < blind.MaxBatch {
			return usagef("--daily-limit must be at least %d, one full batch", blind.MaxBatch)
		}
		var level slog.Level
		if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
			return usagef("--log-level %q: one of debug, info, warn, error", *logLevel)
		}
		st, err := openStore(ctx, e, dsn)
		if err != nil {
			return err
		}
		defer st.Close()
		hs, ok := st.(hub.Store)
		if !ok {
			return fmt.Errorf("the %T store cannot serve as a hub", st)
		}
		switch sub {
		case "members add", "members disable", "members enable":
			m, err := hs.HubMember(ctx, pos[2])
			if errors.Is(err, store.ErrNotFound) {
				if pos[1] != "add" {
					return usagef("hub %s: no member %q", sub, pos[2])
				}
				m = store.HubMember{ID: pos[2]}
			} else if err != nil {
				return err
			}
			switch pos[1] {
			case "add":
				// A known member keeps its kind unless --guest is given
				// explicitly: renaming a guest must not make it a member.
				guestSet := false
				fs.Visit(func(f *flag.Flag) { guestSet = guestSet || f.Name == "guest" })
				switch {
				case guestSet && *guest:
					m.Kind = store.MemberGuest
				case guestSet, m.Kind == "":
					m.Kind = store.MemberOrg
				}
				if *name != "" {
					m.Name = *name
				}
			case "disable":
				m.Disabled = true
			case "enable":
				m.Disabled = false
			}
			if err := hub.PutMember(ctx, hs, m); err != nil {
				if errors.Is(err, store.ErrInvalid) {
					return usagef("hub %s: %v", sub, err)
				}
				return err
			}
			fmt.Fprintf(e.stdout, "%s %s (%s)\n", map[string]string{"add": "added", "disable": "disabled", "enable": "enabled"}[pos[1]], m.ID, m.Kind)
		case "members list":
			ms, err := hs.HubMembers(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tKIND\tDISABLED\tCREATED")
			for _, m := range ms {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", m.ID, m.Name, m.Kind, m.Disabled, m.CreatedAt.UTC().Format(time.RFC3339))
			}
			return tw.Flush()
		case "keys create":
			key, id, err := hub.CreateKey(ctx, hs, pos[2], cmpOr(*name, pos[2]))
			if errors.Is(err, store.ErrNotFound) {
				return usagef("hub keys create: no member %q (add it with 'ringfence hub members add')", pos[2])
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, key)
			fmt.Fprintf(e.stderr, "created key %s for %s; the key above is shown once: give it to the member\n", id, pos[2])
		case "keys revoke":
			if err := hub.RevokeKey(ctx, hs, pos[2]); errors.Is(err, store.ErrNotFound) {
				return usagef("hub keys revoke: no key %q", pos[2])
			} else if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "revoked %s\n", pos[2])
		case "keys list":
			ks, err := hs.APIKeys(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tMEMBER\tNAME\tCREATED\tREVOKED")
			for _, k := range ks {
				rev := "-"
				if !k.RevokedAt.IsZero() {
					rev = k.RevokedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Owner, k.Name, k.CreatedAt.UTC().Format(time.RFC3339), rev)
			}
			return tw.Flush()
		case "collections add":
			coll := store.HubCollection{ID: pos[2], Title: *title, Description: *desc, AllowGuests: *guests}
			rights := map[string]*store.HubRight{}
			for flagName, list := range map[string]string{"read": *read, "write": *write} {
				for _, m := range strings.Split(list, ",") {
					if m = strings.TrimSpace(m); m == "" {
						continue
					}
					r := rights[m]
					if r == nil {
						r = &store.HubRight{Member: m}
						rights[m] = r
					}
					if flagName == "read" {
						r.Read = true
					} else {
						r.Write, r.Read = true, true
					}
				}
			}
			for _, r := range rights {
				coll.Rights = append(coll.Rights, *r)
			}
			if err := hub.PutCollection(ctx, hs, coll); errors.Is(err, store.ErrInvalid) {
				return usagef("hub collections add: %v", err)
			} else if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "collection %s: %d rights, guests %v\n", coll.ID, len(coll.Rights), coll.AllowGuests)
		case "collections list":
			cs, err := hs.HubCollections(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTITLE\tGUESTS\tRIGHTS")
			for _, c := range cs {
				var rs []string
				for _, r := range c.Rights {
					rs = append(rs, r.Member+":"+map[bool]string{true: "rw", false: "r"}[r.Write])
				}
				fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", c.ID, c.Title, c.AllowGuests, strings.Join(rs, " "))
			}
			return tw.Flush()
		}
		if len(pos) != 1 {
			return nil
		}
		log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
		h, err := hub.New(ctx, hs, hub.Options{Logger: log, DailyLimit: *daily})
		if err != nil {
			return err
		}
		switch pos[0] {
		case "pubkey", "rotate":
			pk := h.PublicKey()
			if pos[0] == "rotate" {
				if pk, err = h.Rotate(ctx); err != nil {
					return err
				}
			}
			text, err := pk.MarshalText()
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "epoch %d; members pin this key with --pin (or RINGFENCE_HUB_PIN):\n", pk.Epoch)
			fmt.Fprintln(e.stdout, string(text))
			return nil
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return usagef("--addr %s: %v", *addr, err)
		}
		go h.Run(ctx)
		log.Info("listening", "addr", ln.Addr().String(), "epoch", h.PublicKey().Epoch)
		err = server.Serve(ctx, ln, h.Handler(), log)
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		log.Info("stopped")
		return err
	}
	return c
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
