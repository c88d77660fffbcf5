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
	irregular := fs.Bool("irregular", false, "write the irregular test set instead: hand-drawn plots, slivers, spikes, invalid rings, overlapping neighbours, off-grid sheets (--plots and --epsg do not apply)")
	clean := fs.Bool("clean", false, "with --irregular: leave out what an ingest must refuse (only overlaps and a plot past its frame remain)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *irregular {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		exp, err := sampledata.WriteIrregular(sampledata.IrregularConfig{Seed: cfg.Seed, Clean: *clean}, *out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote the irregular set to %s: %d sheets (%d off-grid), %d plots; an ingest must report %d invalid rings, %d plots off their sheet, %d grid numbers, %d overlapping pairs, and warn about %d plot(s) past their frame\n",
			*out, exp.Sheets, exp.SheetsOffGrid, exp.Plots, exp.InvalidGeometry, exp.OutsideFrame, exp.GridNumber, exp.OverlapPairs, exp.FrameWarnings)
		return nil
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
