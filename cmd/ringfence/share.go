package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ringfence/ringfence/internal/blind"
	"github.com/ringfence/ringfence/internal/share"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/taxii"
)

func shareCommand() command {
	c := command{
		name:    "share",
		summary: "share with the consortium: push and pull indicators, sync blinded identity tokens",
		usage: `Usage: ringfence share mark CASE|SOURCE     (and: unmark CASE|SOURCE, list)
       ringfence share push --collection ID --org NAME [hub flags]
       ringfence share pull --collection ID[,ID…] [--force] [hub flags]
       ringfence share sync --pin KEY [hub flags]

What a member shares with its consortium hub, or with any TAXII 2.1 server:

  mark      marks a case's confirmed indicators (source case-<id>) shareable;
            so does "share" when an analyst decides a case in the UI or API.
  push      publishes the marked sources' indicators to a collection as STIX
            2.1, under --org's identity. Case and subject ids are replaced
            by opaque references; TLP:RED indicators and identity documents
            never leave (documents are matched through tokens instead).
  pull      imports collections into local intelligence: source
            hub:<collection>:<author>, with each object's TLP. It reads only
            when something was added since the last pull. 'ringfence serve
            --share-pull-every' does it on a schedule.
  sync      turns every stored person's identifiers (documents, document +
            birth date, phones, e-mails, payout accounts, wallets, devices,
            home and shipping addresses) into blinded tokens through the
            hub, verifying each answer against the pinned --pin key;
            registers those of active people (employees, contractors,
            freelancers, accounts, payees) and of subjects a case confirmed
            fraudulent; and stores what the hub says of each: how many other
            members hold it and how many confirmed it fraud. Screening turns
            these into the consortium-* rules. Only blinded values leave.

Hub flags (or the environment):
  --hub URL          the hub's base URL ($RINGFENCE_HUB_URL); TAXII discovery
                     is at URL/taxii2/
  --taxii URL        another TAXII 2.1 server's discovery or API root URL
                     (push and pull only; default the hub's)
  --key KEY          the member's API key ($RINGFENCE_HUB_KEY), sent as a
                     bearer token
  --user NAME        send --key with HTTP Basic as NAME instead (TAXII
                     servers that want Basic)
  --pin KEY          the hub's OPRF public key as 'ringfence hub pubkey'
                     prints it ($RINGFENCE_HUB_PIN)
  --pepper-file F    a secret all members share and the hub does not know
                     ($RINGFENCE_HUB_PEPPER_FILE): values are keyed with it
                     before blinding, so even the hub cannot test guesses
                     against registered tokens; all members must use it

Examples:
  $ ringfence share mark 12
  case-12 is shareable
  $ ringfence share push --hub https://hub.example.org --key rfk_… --collection confirmed-fraud --org "Acme Corp"
  pushed 6 indicators (9 objects) to confirmed-fraud; 1 kept home (TLP:RED or identity document)
  $ ringfence share pull --hub https://hub.example.org --key rfk_… --collection confirmed-fraud
  confirmed-fraud: 14 objects, 6 indicators in hub:confirmed-fraud:Acme Corp
  $ ringfence share sync --hub https://hub.example.org --key rfk_… --pin AQAAAAJ8…
  epoch 1: 3 people, 9 identifiers, 7 tokens registered, 2 findings
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		dbFlag := fs.String("db", "", "database")
		hubURL := fs.String("hub", e.getenv("RINGFENCE_HUB_URL"), "hub URL")
		taxiiURL := fs.String("taxii", "", "TAXII URL")
		key := fs.String("key", e.getenv("RINGFENCE_HUB_KEY"), "API key")
		user := fs.String("user", "", "HTTP Basic user name")
		pin := fs.String("pin", e.getenv("RINGFENCE_HUB_PIN"), "hub public key")
		collection := fs.String("collection", "", "collection id(s)")
		org := fs.String("org", e.getenv("RINGFENCE_ORG"), "member name")
		force := fs.Bool("force", false, "read even when nothing was added")
		pepperFile := fs.String("pepper-file", e.getenv("RINGFENCE_HUB_PEPPER_FILE"), "shared secret file")
		pos, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(pos) == 0 {
			return usagef("share needs mark, unmark, list, push, pull or sync (see 'ringfence help share')")
		}
		sub := pos[0]
		switch sub {
		case "mark", "unmark":
			if len(pos) != 2 {
				return usagef("share %s needs one CASE id or source", sub)
			}
		case "list":
		case "push", "pull", "sync":
			if len(pos) != 1 {
				return usagef("share %s takes no arguments", sub)
			}
			if *key == "" {
				return usagef("share %s needs --key (or RINGFENCE_HUB_KEY)", sub)
			}
			if sub == "sync" && *hubURL == "" || sub != "sync" && *hubURL == "" && *taxiiURL == "" {
				return usagef("share %s needs --hub (or RINGFENCE_HUB_URL)%s", sub, map[bool]string{true: "", false: " or --taxii"}[sub == "sync"])
			}
			if sub != "sync" && *collection == "" {
				return usagef("share %s needs --collection", sub)
			}
			if sub == "push" && *org == "" {
				return usagef("share push needs --org, the name other members see (or RINGFENCE_ORG)")
			}
			if sub == "sync" && *pin == "" {
				return usagef("share sync needs --pin, the hub's public key from the operator (or RINGFENCE_HUB_PIN)")
			}
		default:
			return usagef("share: no subcommand %q (see 'ringfence help share')", sub)
		}
		var pk blind.PublicKey
		var pepper []byte
		if sub == "sync" {
			if err := pk.UnmarshalText([]byte(strings.TrimSpace(*pin))); err != nil {
				return usagef("--pin: %v", err)
			}
			var err error
			if pepper, err = readPepper(*pepperFile); err != nil {
				return err
			}
		}
		st, err := openStore(ctx, e, e.dsn(*dbFlag))
		if err != nil {
			return err
		}
		defer st.Close()
		remote := func(coll string) share.Remote { return taxiiRemote(*hubURL, *taxiiURL, *key, *user, coll) }
		switch sub {
		case "mark", "unmark":
			source := pos[1]
			if n, err := strconv.ParseInt(source, 10, 64); err == nil {
				if _, _, err := st.Case(ctx, n); errors.Is(err, store.ErrNotFound) {
					return usagef("share %s: no case %d", sub, n)
				} else if err != nil {
					return err
				}
				source = "case-" + source
			}
			if sub == "mark" && (strings.HasPrefix(source, "hub:") || strings.HasPrefix(source, "stix:") || strings.HasPrefix(source, "misp:")) {
				return usagef("share mark %s: that is other organisations' intelligence; only your own findings may be shared", source)
			}
			if sub == "mark" {
				if err := st.ShareSource(ctx, store.SharedSource{Source: source, Actor: cliActor}); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s is shareable\n", source)
			} else {
				if err := st.UnshareSource(ctx, source); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s is no longer shareable\n", source)
			}
			_, err := st.AppendAudit(ctx, store.AuditEvent{Actor: cliActor, Action: "share." + sub, Object: source})
			return err
		case "list":
			ss, err := st.SharedSources(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SOURCE\tMARKED BY\tAT")
			for _, s := range ss {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Source, s.Actor, s.CreatedAt.UTC().Format(time.RFC3339))
			}
			return tw.Flush()
		case "push":
			res, err := share.Push(ctx, st, remote(*collection), share.PushOptions{Org: *org, Actor: cliActor})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "pushed %d indicators (%d objects) to %s, %d withdrawn as revoked; %d kept home (TLP:RED, identity documents, names)\n",
				res.Indicators, res.Objects, *collection, res.Revoked, res.Withheld)
			for _, f := range res.Failures {
				fmt.Fprintf(e.stderr, "refused: %s\n", f)
			}
			if res.Refused > 0 {
				return fmt.Errorf("the server refused %d objects", res.Refused)
			}
		case "pull":
			for _, coll := range strings.Split(*collection, ",") {
				if coll = strings.TrimSpace(coll); coll == "" {
					continue
				}
				res, err := share.Pull(ctx, st, remote(coll), share.PullOptions{Actor: cliActor, Force: *force, Org: *org})
				if err != nil {
					return err
				}
				if res.Unchanged {
					fmt.Fprintf(e.stdout, "%s: nothing new\n", coll)
					continue
				}
				fmt.Fprintf(e.stdout, "%s: %d objects, %d indicators in %s\n", coll, res.Objects, res.Indicators, strings.Join(res.Sources, ", "))
				for _, w := range res.Warnings {
					fmt.Fprintf(e.stderr, "warning: %s\n", w)
				}
			}
		case "sync":
			bc, err := blind.NewClient(pk)
			if err != nil {
				return usagef("--pin: %v", err)
			}
			p := newProgress(e.stderr, "consortium")
			res, err := share.SyncTokens(ctx, st, &share.HubClient{URL: *hubURL, Key: *key}, bc, share.SyncOptions{
				Log:    e.log,
				Pepper: pepper,
				Progress: func(phase string, done, total int) {
					p.update(phase, done, total)
				},
			})
			p.done()
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "epoch %d: %d people, %d identifiers (%d evaluated, the rest cached), %d tokens registered (%d fraud), %d findings\n",
				res.Epoch, res.Subjects, res.Inputs, res.Evaluated, res.Registered, res.Fraud, res.Findings)
		}
		return nil
	}
	return c
}

// readPepper reads the consortium's shared secret ("" reads none).
func readPepper(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--pepper-file: %v", err)
	}
	if b = bytes.TrimSpace(b); len(b) < 16 {
		return nil, usagef("--pepper-file %s: at least 16 bytes of secret, e.g. from 'openssl rand -hex 32'", path)
	}
	return b, nil
}

// taxiiRemote is a collection on the hub (its discovery under hubURL) or on
// another TAXII server (taxiiURL), reached with key as a bearer token, or
// with HTTP Basic as user when user is given.
func taxiiRemote(hubURL, taxiiURL, key, user, collection string) share.Remote {
	base := taxiiURL
	if base == "" {
		base = strings.TrimSuffix(hubURL, "/") + taxii.DiscoveryPath
	}
	cl := &taxii.Client{BaseURL: base, APIKey: key}
	if user != "" {
		cl.APIKey, cl.Username, cl.Password = "", user, key
	}
	return share.Remote{Client: cl, Collection: collection}
}
