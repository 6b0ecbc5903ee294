// Command ringfence screens applicants, workers and payees for North Korean
// IT-worker fraud and shares what it finds with a consortium. Run
// "ringfence help" for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// RINGFENCE_CPUPROFILE=FILE writes a CPU profile of the run, for the
	// measurements in docs/BENCHMARKS.md.
	if path := os.Getenv("RINGFENCE_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	pprof.StopCPUProfile()
	if err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "ringfence:", msg)
		}
		os.Exit(exitCode(err))
	}
}
