// Command extractbench measures the validation of surveyors' extracts
// (issue 6: p50/p99 for plots of 4 to 200 vertices with their neighbours,
// target p99 under 10 ms) on a generated province.
//
// It generates the province with sampledata (seed 1 by default) straight
// into the in-memory read model (spatial/index, built with Index.Build as
// `cadastre serve` builds it from its store; no files, no database), then
// picks random stored plots and makes a re-measured boundary of each
// vertex class from every one (remeasure: the stored boundary densified
// along its edges to the vertex count, then moved by survey noise), and
// times, one extract after the other on one goroutine, what the service
// does for POST /api/v1/extracts between reading the stored plot and
// storing the report: decode the request, parse and check the boundary
// (Request.Check, Request.Input), find the neighbours in the read model
// (the search of api.(*Server).neighbours), extract.Check, and encode the
// report as JSON. The service reads the stored plot from its store by key
// (one row) and the neighbours from the read model only, so no PostGIS is
// needed; here the stored plot is the read model's entry.
//
// It prints a Markdown section for BENCHMARKS.md. Usage:
//
//	go run ./cmd/extractbench -plots 200000              # quick, about a minute
//	go run ./cmd/extractbench -plots 3300000 -per-class 2000
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
)

// config is every setting of a run.
type config struct {
	Plots      int     // plots to generate
	Seed       int64   // sampledata seed
	PickSeed   uint64  // seed of the plot choice and the noise
	Classes    []int   // vertex counts of the measured boundaries
	PerClass   int     // extracts per class
	Sigma      float64 // survey noise, m (standard deviation per coordinate)
	Profile    string  // tolerance profile
	CPUProfile string  // file for a CPU profile of the timed part
}

func main() {
	c := config{}
	var classes string
	flag.IntVar(&c.Plots, "plots", 200_000, "plots to generate (3300000 for the issue's province)")
	flag.Int64Var(&c.Seed, "seed", 1, "sampledata seed")
	flag.Uint64Var(&c.PickSeed, "pick-seed", 1, "seed of the plot choice and the survey noise")
	flag.StringVar(&classes, "classes", "4,10,20,50,100,200", "vertex counts of the measured boundaries")
	flag.IntVar(&c.PerClass, "per-class", 1000, "extracts per vertex class")
	flag.Float64Var(&c.Sigma, "sigma", 0.02, "survey noise in metres (standard deviation per coordinate, cut at 3 sigma)")
	flag.StringVar(&c.Profile, "profile", "", "tolerance profile (default: the package default)")
	flag.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the timed validations")
	flag.Parse()
	var err error
	if c.Classes, err = parseClasses(classes); err != nil || c.Plots <= 0 || c.PerClass <= 0 {
		fmt.Fprintf(os.Stderr, "extractbench: bad flags (classes %q: %v; plots %d; per-class %d)\n", classes, err, c.Plots, c.PerClass)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, c, log); err != nil {
		fmt.Fprintln(os.Stderr, "extractbench:", err)
		os.Exit(1)
	}
}

func parseClasses(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 3 {
			return nil, fmt.Errorf("want vertex counts of 3 or more, got %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
