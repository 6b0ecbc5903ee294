package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/store"
)

// cliActor is who the audit log names for changes made with the CLI: whoever
// can run it can open the database anyway.
const cliActor = "cli"

func usersCommand() command {
	c := command{
		name:    "users",
		summary: "add, change and list the people who sign in to the web UI",
		usage: `Usage: ringfence users add NAME --role ROLE [--password-stdin]
       ringfence users set NAME [--role ROLE] [--disable|--enable] [--password-stdin]
       ringfence users list

Roles: admin (everything, users and keys included), analyst (screen, read
subjects, work cases, import intelligence, read the audit log), viewer
(read subjects, alerts, cases and intelligence), ingest (screen only: for
programs, usually as an API key).

A new user without --password-stdin gets a random password, printed once.
Passwords are stored as Argon2id hashes and need 12 characters or more.
Every change is in the audit log (actor "cli").

Flags:
  --db DSN            database (default $RINGFENCE_DB or ringfence.db)
  --role ROLE         admin, analyst, viewer or ingest
  --password-stdin    read the password from the first line of stdin
  --disable           stop the user signing in (sessions end at once)
  --enable            let a disabled user sign in again

Example:
  $ ringfence users add mina --role analyst
  created analyst mina with password Yx3…  (shown once)
  $ ringfence users list
  NAME   ROLE     DISABLED  CREATED
  admin  admin    no        2026-11-25T10:00:00Z
  mina   analyst  no        2026-11-25T10:05:00Z
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		dbFlag := fs.String("db", "", "database")
		role := fs.String("role", "", "role")
		pwStdin := fs.Bool("password-stdin", false, "read the password from stdin")
		disable := fs.Bool("disable", false, "disable the user")
		enable := fs.Bool("enable", false, "enable the user")
		pos, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(pos) == 0 {
			return usagef("users needs add, set or list (see 'ringfence help users')")
		}
		if *role != "" && !access.ValidRole(*role) {
			return usagef("--role %q: one of %s", *role, strings.Join(access.Roles, ", "))
		}
		if *disable && *enable {
			return usagef("--disable and --enable contradict each other")
		}
		st, err := openStore(ctx, e, e.dsn(*dbFlag))
		if err != nil {
			return err
		}
		defer st.Close()
		password := func() (string, error) {
			if !*pwStdin {
				return "", nil
			}
			line, err := bufio.NewReader(e.stdin).ReadString('\n')
			if err != nil && line == "" {
				return "", usagef("--password-stdin: no password on stdin")
			}
			return strings.TrimRight(line, "\r\n"), nil
		}
		switch pos[0] {
		case "list":
			us, err := st.Users(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tDISABLED\tCREATED")
			for _, u := range us {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, yesNo(u.Disabled), u.CreatedAt.UTC().Format(time.RFC3339))
			}
			return tw.Flush()
		case "add", "set":
			if len(pos) != 2 {
				return usagef("users %s needs one NAME", pos[0])
			}
			name := pos[1]
			if !access.ValidUserName(name) {
				return usagef("user name %q: 1–64 letters, digits, '.', '_', '-' or '@'", name)
			}
			u, err := st.User(ctx, name)
			switch {
			case pos[0] == "add" && err == nil:
				return usagef("user %s exists; change it with 'ringfence users set'", name)
			case pos[0] == "add" && errors.Is(err, store.ErrNotFound):
				if *role == "" {
					return usagef("users add needs --role")
				}
				u = store.User{Name: name}
			case pos[0] == "set" && errors.Is(err, store.ErrNotFound):
				return usagef("no user %s; add it with 'ringfence users add'", name)
			case err != nil:
				return err
			}
			pw, err := password()
			if err != nil {
				return err
			}
			shown := ""
			if pos[0] == "add" && pw == "" {
				pw = access.Token()[:24]
				shown = pw
			}
			if pw != "" {
				if u.PasswordHash, err = access.HashPassword(pw); err != nil {
					return usagef("password: %v", err)
				}
			}
			if *role != "" {
				u.Role = *role
			}
			if *disable {
				u.Disabled = true
			}
			if *enable {
				u.Disabled = false
			}
			if err := st.PutUser(ctx, u); err != nil {
				return err
			}
			detail := fmt.Sprintf("role=%s disabled=%t password_changed=%t", u.Role, u.Disabled, pw != "")
			if _, err := st.AppendAudit(ctx, store.AuditEvent{Actor: cliActor, Action: "user.put", Object: "user:" + name, Detail: detail}); err != nil {
				return err
			}
			if shown != "" {
				fmt.Fprintf(e.stdout, "created %s %s with password %s  (shown once)\n", u.Role, name, shown)
			} else {
				fmt.Fprintf(e.stdout, "%s %s: %s\n", map[bool]string{true: "created", false: "updated"}[pos[0] == "add"], name, detail)
			}
			return nil
		}
		return usagef("users: no subcommand %q: use add, set or list", pos[0])
	}
	return c
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func keysCommand() command {
	c := command{
		name:    "keys",
		summary: "create, list and revoke API keys for programs",
		usage: `Usage: ringfence keys create --name NAME --role ROLE
       ringfence keys list
       ringfence keys revoke ID

An API key is given to a program (an applicant-tracking system, a sign-up
flow) as "Authorization: Bearer rfk_<id>_<secret>". Only the secret's
SHA-256 is stored, so the key is printed once, at creation. A revoked key
stops working at once in the server that revoked it and within 10 s in
others. Every change is in the audit log (actor "cli").

Flags:
  --db DSN      database (default $RINGFENCE_DB or ringfence.db)
  --name NAME   what the key is for, e.g. "greenhouse-prod"
  --role ROLE   ingest (screen only; the usual one), viewer, analyst, admin

Example:
  $ ringfence keys create --name greenhouse-prod --role ingest
  rfk_5f0c1a2b3c4d_Qm9…  (shown once: store it in the program's secrets)
  $ ringfence keys list
  ID            NAME             ROLE    OWNER  CREATED               REVOKED
  5f0c1a2b3c4d  greenhouse-prod  ingest  cli    2026-11-25T10:07:00Z  -
  $ ringfence keys revoke 5f0c1a2b3c4d
  revoked 5f0c1a2b3c4d
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		dbFlag := fs.String("db", "", "database")
		name := fs.String("name", "", "what the key is for")
		role := fs.String("role", "", "role")
		pos, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(pos) == 0 {
			return usagef("keys needs create, list or revoke (see 'ringfence help keys')")
		}
		switch pos[0] {
		case "create":
			if *name == "" || len(*name) > 100 {
				return usagef("keys create needs --name (1–100 bytes)")
			}
			if !access.ValidRole(*role) {
				return usagef("keys create needs --role: one of %s", strings.Join(access.Roles, ", "))
			}
		case "revoke":
			if len(pos) != 2 {
				return usagef("keys revoke needs one ID")
			}
		case "list":
		default:
			return usagef("keys: no subcommand %q: use create, list or revoke", pos[0])
		}
		st, err := openStore(ctx, e, e.dsn(*dbFlag))
		if err != nil {
			return err
		}
		defer st.Close()
		audit := func(action, object, detail string) error {
			_, err := st.AppendAudit(ctx, store.AuditEvent{Actor: cliActor, Action: action, Object: object, Detail: detail})
			return err
		}
		switch pos[0] {
		case "create":
			key, id, hash := access.NewKey()
			if err := st.AddAPIKey(ctx, store.APIKey{ID: id, Name: *name, Role: *role, Owner: cliActor, SecretHash: hash,
				CreatedAt: time.Now().UTC()}); err != nil {
				return err
			}
			if err := audit("key.create", "key:"+id, "role="+*role); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, key)
			fmt.Fprintf(e.stderr, "created %s key %s (%s); the key above is shown once: store it in the program's secrets\n", *role, id, *name)
		case "list":
			ks, err := st.APIKeys(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tROLE\tOWNER\tCREATED\tREVOKED")
			for _, k := range ks {
				rev := "-"
				if !k.RevokedAt.IsZero() {
					rev = k.RevokedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Role, k.Owner, k.CreatedAt.UTC().Format(time.RFC3339), rev)
			}
			return tw.Flush()
		case "revoke":
			id := pos[1]
			if err := st.RevokeAPIKey(ctx, id, time.Now().UTC()); errors.Is(err, store.ErrNotFound) {
				return usagef("no key %s ('ringfence keys list' shows them)", id)
			} else if err != nil {
				return err
			}
			if err := audit("key.revoke", "key:"+id, ""); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "revoked %s\n", id)
		}
		return nil
	}
	return c
}
