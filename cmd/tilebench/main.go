// Command tilebench measures the vector tiles of issue 5 against PostGIS
// in one run: it generates a province with sampledata, loads it into a
// throwaway PostGIS database (store Write in chunks, sheets first), builds
// the read model from the store as `cadastre serve` does, and then
//
//   - requests random uncached tiles at z15-17 (never one tile twice) over
//     HTTP on loopback, from a load generator with keep-alive connections;
//   - renders the same tiles in PostGIS with the SQL of pg_tileserv
//     (ST_AsMVT(ST_AsMVTGeom(ST_Transform(geom, 3857), envelope, 4096,
//     256)) over the GiST-indexed WGS 84 column);
//   - requests the rendered tiles again (cached) for a fixed time;
//   - reports the largest tile of each zoom and its render time.
//
// It prints a Markdown section for BENCHMARKS.md. Usage:
//
//	go run ./cmd/tilebench -plots 500000
//	go run ./cmd/tilebench -plots 3300000   # takes a while
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"
)

// config is every setting of a run.
type config struct {
	Plots      int           // plots to generate
	Seed       int64         // sampledata seed
	AdminURL   string        // PostgreSQL server (a database is created and dropped)
	Tiles      int           // uncached tiles per zoom over HTTP
	Conc       int           // concurrent connections of the load generator and of PostGIS
	CachedConc int           // concurrent connections for the cached run
	CachedFor  time.Duration // length of the cached run
	Keep       bool          // keep the database
	DB         string        // reuse this loaded database (from an earlier run with -keep) instead of creating one
	CPUProfile string        // file for a CPU profile of the uncached rounds
	CachedProf string        // file for a CPU profile of the cached run
}

func main() {
	c := config{}
	flag.IntVar(&c.Plots, "plots", 500_000, "plots to generate")
	flag.Int64Var(&c.Seed, "seed", 1, "sampledata seed")
	flag.StringVar(&c.AdminURL, "pg", envOr("CADASTRE_TEST_PG", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL admin URL")
	flag.IntVar(&c.Tiles, "tiles", 700, "uncached tiles per zoom (z15, z16, z17) requested over HTTP")
	flag.IntVar(&c.Conc, "conc", 4, "concurrent requests (HTTP and PostGIS), uncached runs")
	flag.IntVar(&c.CachedConc, "cached-conc", 8, "concurrent connections, cached run")
	flag.DurationVar(&c.CachedFor, "cached-for", 5*time.Second, "length of the cached run")
	flag.BoolVar(&c.Keep, "keep", false, "keep the benchmark database")
	flag.StringVar(&c.DB, "db", "", "reuse a database loaded by an earlier run with -keep (its URL; -plots is then ignored)")
	flag.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of this process during the uncached rounds")
	flag.StringVar(&c.CachedProf, "cachedprofile", "", "write a CPU profile of this process during the cached run")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, c, log); err != nil {
		fmt.Fprintln(os.Stderr, "tilebench:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
