// Command cadbench measures the service against the PostGIS baseline on
// the same data in the same run, and prints Markdown for BENCHMARKS.md.
//
//	cadbench ingest --plots 1000000   # cadastre ingest (PostGIS, GeoPackage) vs ogr2ogr -f PostgreSQL
//	cadbench lookup --plots 500000    # index build, in-process and HTTP lookups vs a PostGIS GiST query
//
// Data sets are generated on demand (sampledata, seed 1) under --dir and
// reused; databases are throwaway and dropped at the end. Run it from the
// repository root (it builds ./cmd/cadastre): `make bench-full`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: cadbench ingest|lookup [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("cadbench "+os.Args[1], flag.ExitOnError)
	plots := fs.Int("plots", 500000, "plots in the generated data set")
	dir := fs.String("dir", filepath.Join(os.TempDir(), "cadbench"), "where data sets and the binary go")
	seconds := fs.Int("seconds", 10, "duration of each load phase")
	conns := fs.Int("conns", 16, "concurrent connections of the load generator")
	rounds := fs.Int("rounds", 3, "lookup: the PostGIS and HTTP runs alternate in this many rounds, --seconds in all for each")
	fs.Parse(os.Args[2:])
	b := &bench{plots: *plots, dir: *dir, dur: time.Duration(*seconds) * time.Second, conns: *conns, rounds: max(*rounds, 1)}
	ctx := context.Background()
	var err error
	switch os.Args[1] {
	case "ingest":
		err = b.ingest(ctx)
	case "lookup":
		err = b.lookup(ctx)
	default:
		err = fmt.Errorf("unknown benchmark %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cadbench:", err)
		os.Exit(1)
	}
}

type bench struct {
	plots  int
	dir    string
	dur    time.Duration
	conns  int
	rounds int
	bin    string
}

// machine describes where the figures come from.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), %s, %s/%s, %s", runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02"))
}

// build compiles the cadastre binary once.
func (b *bench) build() error {
	if b.bin != "" {
		return nil
	}
	b.bin = filepath.Join(b.dir, "cadastre")
	os.MkdirAll(b.dir, 0o755)
	out, err := exec.Command("go", "build", "-o", b.bin, "./cmd/cadastre").CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}
