package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"cadastre/sampledata"
	"cadastre/spatial/crs"
)

// runSample writes a generated sample as GeoJSON files into a directory.
func runSample(_ context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := sampledata.DefaultConfig()
	fs := flag.NewFlagSet("cadastre sample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "sample-out", "output directory (units.json, sheets.geojson, plots.geojson)")
	fs.IntVar(&cfg.Plots, "plots", cfg.Plots, "number of plots to generate (stops after the sheet that reaches it)")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "random seed; the same seed gives the same data")
	fs.IntVar(&cfg.EPSG, "epsg", cfg.EPSG, "VN-2000 TM-3 zone of the generated province")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, ok := crs.ZoneByEPSG(cfg.EPSG); !ok {
		return usageError{fmt.Errorf("--epsg %d is not a VN-2000 TM-3 zone", cfg.EPSG)}
	}
	if cfg.Plots <= 0 {
		return usageError{fmt.Errorf("--plots must be positive, got %d", cfg.Plots)}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	start := time.Now()
	if err := sampledata.WriteGeoJSON(cfg, *out); err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Fprintf(stdout, "wrote about %d plots to %s in %v (%.0f plots/s)\n", cfg.Plots, *out, d.Round(time.Millisecond), float64(cfg.Plots)/d.Seconds())
	return nil
}
