package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/blind"
	"github.com/ringfence/ringfence/internal/cases"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/server"
	"github.com/ringfence/ringfence/internal/share"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/web"
)

func serveCommand() command {
	c := command{
		name:    "serve",
		summary: "serve the HTTP API and the analysts' web UI",
		usage: `Usage: ringfence serve [--addr HOST:PORT] [--db DSN] [--rules FILE]… [flags]

Serves the JSON API under /v1 (described at /openapi.json), the web UI at
/, Prometheus metrics at /metrics, and /healthz and /readyz. Logs are JSON
on stderr and carry no PII: the route, the status and the actor, never a
path's subject id or a record's values.

On first run, when the database has no user, it creates the user "admin"
with a random password and prints it once. Manage users and API keys with
'ringfence users' and 'ringfence keys', or as admin in the API.

SIGINT or SIGTERM stops it: it takes no new connections and lets requests in
flight finish (up to 30 s).

Flags:
  --addr HOST:PORT     where to listen (default 127.0.0.1:8080; give
                       0.0.0.0:8080 to listen on every interface, behind
                       TLS termination)
  --db DSN             database: a file path for SQLite or postgres://…
                       (default $RINGFENCE_DB or ringfence.db)
  --rules FILE         add or override screening rules (repeatable)
  --region CC          default country for phone numbers without one
  --rate-limit N       requests per second per API key or user, bursts of
                       2N (default 1000; 0 turns the limit off)
  --max-upload MIB     largest upload in MiB: batch, intelligence file or
                       attachment (default 64)
  --log-level LEVEL    debug, info, warn or error (default info)
  --share-pull-every D pull consortium collections every D (e.g. 1h), as
                       'ringfence share pull' does, and reload the
                       intelligence when something changed; with --hub or
                       --taxii, --key and --collection (see 'ringfence help
                       share'); off by default
  --share-sync-every D sync blinded identity tokens with the hub every D
                       (e.g. 24h), as 'ringfence share sync' does, with
                       --hub, --key and --pin (and --pepper-file); the
                       answers reach screening at once; off by default

Example:
  $ ringfence serve --db ringfence.db
  first run: created user admin with password 3kQ9…; sign in at http://127.0.0.1:8080/
  {"time":"…","level":"INFO","msg":"listening","addr":"127.0.0.1:8080"}

  $ ringfence keys create --name ats --role ingest
  rfk_5f0c1a2b3c4d_…   (shown once)
  $ curl -s -H 'Authorization: Bearer rfk_5f0c1a2b3c4d_…' \
      -d '{"id":"a1","name":"Kim Chol","emails":["kc@example.com"]}' \
      http://127.0.0.1:8080/v1/screen
  {"id":"a1","score":0,"level":"clear","hits":[],"stored":false}
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		addr := fs.String("addr", "127.0.0.1:8080", "listen address")
		dbFlag := fs.String("db", "", "database")
		var ruleFiles stringList
		fs.Var(&ruleFiles, "rules", "rules file")
		region := fs.String("region", "", "default phone region")
		rate := fs.Float64("rate-limit", 1000, "requests per second per principal")
		maxUpload := fs.Int64("max-upload", 64, "largest upload in MiB")
		logLevel := fs.String("log-level", "info", "log level")
		pullEvery := fs.Duration("share-pull-every", 0, "pull consortium collections this often")
		syncEvery := fs.Duration("share-sync-every", 0, "sync blinded tokens this often")
		pin := fs.String("pin", e.getenv("RINGFENCE_HUB_PIN"), "hub public key")
		pepperFile := fs.String("pepper-file", e.getenv("RINGFENCE_HUB_PEPPER_FILE"), "shared secret file")
		hubURL := fs.String("hub", e.getenv("RINGFENCE_HUB_URL"), "hub URL")
		taxiiURL := fs.String("taxii", "", "TAXII URL")
		key := fs.String("key", e.getenv("RINGFENCE_HUB_KEY"), "API key")
		user := fs.String("user", "", "HTTP Basic user")
		collection := fs.String("collection", "", "collections to pull")
		pos, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return usagef("serve takes no arguments (see 'ringfence help serve')")
		}
		var level slog.Level
		if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
			return usagef("--log-level %q: one of debug, info, warn, error", *logLevel)
		}
		if *rate < 0 || *maxUpload <= 0 {
			return usagef("--rate-limit must not be negative and --max-upload must be positive")
		}
		var syncer *tokenSync
		if *syncEvery != 0 {
			switch {
			case *syncEvery < time.Hour:
				return usagef("--share-sync-every %v: at least 1h (each sync evaluates every identifier)", *syncEvery)
			case *hubURL == "", *key == "", *pin == "":
				return usagef("--share-sync-every needs --hub, --key and --pin")
			}
			var pk blind.PublicKey
			if err := pk.UnmarshalText([]byte(strings.TrimSpace(*pin))); err != nil {
				return usagef("--pin: %v", err)
			}
			bc, err := blind.NewClient(pk)
			if err != nil {
				return usagef("--pin: %v", err)
			}
			pepper, err := readPepper(*pepperFile)
			if err != nil {
				return err
			}
			syncer = &tokenSync{hc: &share.HubClient{URL: *hubURL, Key: *key}, bc: bc, pepper: pepper, every: *syncEvery}
		}
		var pulls []share.Remote
		if *pullEvery != 0 {
			switch {
			case *pullEvery < time.Minute:
				return usagef("--share-pull-every %v: at least 1m", *pullEvery)
			case *hubURL == "" && *taxiiURL == "", *key == "", *collection == "":
				return usagef("--share-pull-every needs --hub (or --taxii), --key and --collection")
			}
			for _, coll := range strings.Split(*collection, ",") {
				if coll = strings.TrimSpace(coll); coll != "" {
					pulls = append(pulls, taxiiRemote(*hubURL, *taxiiURL, *key, *user, coll))
				}
			}
		}
		rules, err := loadRules(ruleFiles)
		if err != nil {
			return err
		}
		log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
		st, err := openIntelStore(ctx, e, *dbFlag)
		if err != nil {
			return err
		}
		defer st.Close()
		if pw, err := access.EnsureAdmin(ctx, st); err != nil {
			return err
		} else if pw != "" {
			fmt.Fprintf(e.stderr, "first run: created user admin with password %s; sign in at http://%s/\n", pw, *addr)
		}
		desk := cases.New(st, log)
		eng, err := live.New(ctx, live.Config{Store: st, Desk: desk, Rules: rules,
			Normalize: normalize.Options{Region: *region}, Log: log})
		if err != nil {
			return err
		}
		desk.IndicatorsChanged = eng.Reload
		auth := access.NewAuthenticator(st)
		ui := web.New(web.Deps{Store: st, Engine: eng, Desk: desk, Auth: auth, Log: log})
		srv := server.New(server.Config{Store: st, Engine: eng, Desk: desk, Auth: auth, UI: ui, Log: log,
			RateLimit: *rate, MaxUpload: *maxUpload << 20})
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return usagef("--addr %s: %v", *addr, err)
		}
		ectx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
		defer stopEngine()
		go eng.Run(ectx)
		if syncer != nil {
			go syncer.run(ectx, st, eng.Reload, log)
		}
		if len(pulls) > 0 {
			go pullSchedule(ectx, st, pulls, e.getenv("RINGFENCE_ORG"), *pullEvery, eng.Reload, log)
		}
		log.Info("listening", "addr", ln.Addr().String())
		err = server.Serve(ctx, ln, srv, log)
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		log.Info("stopped")
		return err
	}
	return c
}

// pullSchedule pulls the consortium's collections on a schedule, first at
// start, and reloads the intelligence when one brought something new.
func pullSchedule(ctx context.Context, st store.Store, remotes []share.Remote, org string, every time.Duration, reload func(), log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		changed := false
		for _, r := range remotes {
			res, err := share.Pull(ctx, st, r, share.PullOptions{Actor: "schedule", Org: org})
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				log.Error("share pull", "collection", r.Collection, "err", err)
				continue
			}
			if !res.Unchanged {
				changed = true
				log.Info("share pull", "collection", r.Collection, "objects", res.Objects, "indicators", res.Indicators)
			}
		}
		if changed {
			reload()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tokenSync syncs blinded identity tokens with the hub on a schedule,
// first at start.
type tokenSync struct {
	hc     *share.HubClient
	bc     *blind.Client
	pepper []byte
	every  time.Duration
}

func (ts *tokenSync) run(ctx context.Context, st store.Store, reload func(), log *slog.Logger) {
	t := time.NewTicker(ts.every)
	defer t.Stop()
	for {
		res, err := share.SyncTokens(ctx, st, ts.hc, ts.bc, share.SyncOptions{Pepper: ts.pepper, Log: log})
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			log.Error("share sync", "err", err)
		default:
			log.Info("share sync", "epoch", res.Epoch, "registered", res.Registered, "findings", res.Findings)
			reload()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
