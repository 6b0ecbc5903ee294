package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/subject"
)

// version is set at build time with -ldflags "-X main.version=…"; builds
// without it report the module version or the VCS revision Go recorded.
var version = ""

// env is what every command gets from the process: streams, environment and
// the logger. Commands take nothing from globals, so tests run them in
// parallel through run.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	log    *slog.Logger
	// db is the --db given before the command, if any.
	db string
}

type command struct {
	name    string
	summary string
	// usage is the full help: synopsis, description, an example.
	usage string
	run   func(ctx context.Context, e *env, args []string) error
}

// commands lists every command. Only commands that work are listed.
func commands() []command {
	return []command{
		screenCommand(),
		serveCommand(),
		usersCommand(),
		keysCommand(),
		shareCommand(),
		hubCommand(),
		clusterCommand(),
		telemetryCommand(),
		farmCommand(),
		graphCommand(),
		rulesCommand(),
		normalizeCommand(),
		checkCommand(),
		genCommand(),
		importCommand(),
		intelCommand(),
		dbCommand(),
		versionCommand(),
	}
}

// usageError is a mistake in how ringfence was called; it exits with 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errBadInput marks a run that finished but met bad input; it exits with 2
// after the good input has been processed.
var errBadInput = errors.New("bad input")

// errHelp is returned after help was printed on request: exit 0, no message.
var errHelp = errors.New("")

// exitCode maps an error to the documented exit codes: 2 for bad usage or
// bad input, 1 for everything else.
func exitCode(err error) int {
	var ue *usageError
	var le *subject.LineError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue), errors.As(err, &le), errors.Is(err, errBadInput), errors.Is(err, normalize.ErrInvalid):
		return 2
	}
	return 1
}

// run is the whole program: main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	global := flag.NewFlagSet("ringfence", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&e.db, "db", "", "database: a file path for SQLite or postgres://… (default $RINGFENCE_DB or ringfence.db)")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout)
			return errHelp
		}
		return usagef("%v (see 'ringfence help')", err)
	}
	args = global.Args()
	if len(args) == 0 {
		printHelp(stderr)
		return usagef("no command given")
	}
	name := args[0]
	if name == "help" {
		if len(args) > 1 {
			if c, ok := lookup(args[1]); ok {
				fmt.Fprint(stdout, c.usage)
				return nil
			}
			return usagef("no command %q (see 'ringfence help')", args[1])
		}
		printHelp(stdout)
		return nil
	}
	if name == "--version" {
		name = "version"
	}
	c, ok := lookup(name)
	if !ok {
		return usagef("no command %q (see 'ringfence help')", name)
	}
	return c.run(ctx, e, args[1:])
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `ringfence keeps North Korean remote IT workers and their facilitators out of
payrolls, platforms and payment flows.

Usage: ringfence [--db DSN] COMMAND [ARGS]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'ringfence help COMMAND' or 'ringfence COMMAND --help' for a command's
arguments and an example.

Exit codes: 0 done, 1 runtime failure, 2 bad usage or bad input.
`)
}

// parseFlags parses flags that may come before, between or after the
// positional arguments ("normalize phone X --region US"); "--" ends flags.
func parseFlags(fs *flag.FlagSet, c command, e *env, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(e.stdout, c.usage)
				return nil, errHelp
			}
			return nil, usagef("%s: %v (see 'ringfence help %s')", c.name, err, c.name)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func versionCommand() command {
	c := command{
		name:    "version",
		summary: "print the version of this binary",
		usage: `Usage: ringfence version

Prints the version, the Go toolchain and the VCS revision the binary was
built from — include it in bug reports.
`,
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		pos, err := parseFlags(fs, c, e, args)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return usagef("version takes no arguments")
		}
		v, goVersion, rev := version, "", ""
		if bi, ok := debug.ReadBuildInfo(); ok {
			goVersion = bi.GoVersion
			if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version
			}
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					if s.Value == "true" {
						rev += "+dirty"
					}
				}
			}
		}
		if v == "" {
			v = "devel"
		}
		line := "ringfence " + v
		if goVersion != "" {
			line += " " + goVersion
		}
		if rev != "" {
			line += " " + rev
		}
		fmt.Fprintln(e.stdout, strings.TrimSpace(line))
		return nil
	}
	return c
}
