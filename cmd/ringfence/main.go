// Command ringfence screens applicants, workers and payees for North Korean
// IT-worker fraud and shares what it finds with a consortium. Run
// "ringfence help" for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "ringfence:", msg)
		}
		os.Exit(exitCode(err))
	}
}
