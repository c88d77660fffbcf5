// Command cadastre serves Vietnamese cadastral map sheets and land plots.
//
//	cadastre serve    [flags]   run the HTTP service
//	cadastre migrate  [flags]   apply the PostGIS schema migrations
//	cadastre sample   [flags]   write a generated commune/province as GeoJSON
//	cadastre ingest   [flags] FILE...   store sheets and plots, all or nothing
//	cadastre token create --role R --name N [--expires D] | list | revoke ID
//	cadastre validate FILE --plot U/S/P --scale 1:N
//
// Configuration: defaults, then environment (CADASTRE_*), then flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if path := os.Getenv("CADASTRE_CPUPROFILE"); path != "" {
		// A developer aid for benchmarks: a CPU profile of the whole run.
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	if err := Main(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "cadastre:", err)
		}
		pprof.StopCPUProfile()
		os.Exit(exitCode(err))
	}
}

// usageError marks an error in the command line (exit status 2).
type usageError struct{ error }

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `usage: cadastre <command> [flags]

commands:
  serve     run the HTTP service (GeoPackage ./data/cadastre.gpkg by default,
            PostGIS with --database-url or CADASTRE_DATABASE_URL)
  migrate   apply the PostGIS schema migrations and exit
  sample    write a generated sample (units.json, sheets.geojson, plots.geojson)
  ingest    store units, sheets and plots from files, in one transaction
  token     create (prints the secret once), list or revoke API tokens
  validate  check a surveyed extract against a stored plot, offline
  export    write a commune's offline package: PMTiles or MBTiles of its
            tiles, or a GeoPackage of its plots and sheets (VN-2000)
  audit     the cleaning audit: every problem of the spatial data, per commune
  merge     renumber the units merged into a commune (plan, dry run, --apply)

Run 'cadastre <command> -h' for the flags of a command.
`

// Main runs one subcommand; it is main without os.Exit, so tests can run the
// whole program in-process.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("no command given")}
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stderr)
	case "sample":
		return runSample(ctx, args[1:], stdout, stderr)
	case "ingest":
		return runIngest(ctx, args[1:], stdout, stderr)
	case "token":
		return runToken(ctx, args[1:], stdout, stderr)
	case "validate":
		return runValidate(ctx, args[1:], stdout, stderr)
	case "export":
		return runExport(ctx, args[1:], stdout, stderr)
	case "audit":
		return runAudit(ctx, args[1:], stdout, stderr)
	case "merge":
		return runMerge(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Errorf("unknown command %q", args[0])}
}

// newLogger returns a JSON or text slog logger at the given level.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Errorf("bad log level %q: %v", level, err)}
	}
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
