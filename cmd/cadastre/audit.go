package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"cadastre/spatial/audit"
	"cadastre/spatial/index"
)

// runAudit handles `cadastre audit [--unit CODE] [--out DIR]`: the
// cleaning audit of issue 18 on the read model built from the store. It
// prints the counts per commune; with --out it writes problems.csv
// (UTF-8 with BOM), problems.geojson (WGS 84, QGIS opens it) and
// communes.csv there. Exit status 0 even when problems are found: they
// are the report, not a failure of the command.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	cfg.fromEnv()
	fs := flag.NewFlagSet("cadastre audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.flags(fs)
	unit := fs.String("unit", "", "audit one commune (a current code, with its former units) or one survey unit; default all")
	out := fs.String("out", "", "write problems.csv, problems.geojson and communes.csv into this directory")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{errors.New("usage: cadastre audit [--unit CODE] [--out DIR]")}
	}
	if cfg.DatabaseURL == "" {
		// gpkg.Open would create a missing file: a read-only command must not.
		if _, err := os.Stat(cfg.GPKGPath); err != nil {
			return fmt.Errorf("no GeoPackage store at %s (--gpkg, or --database-url for PostGIS): %w", cfg.GPKGPath, err)
		}
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	units, err := store.Units(ctx)
	if err != nil {
		return err
	}
	if err := audit.CheckUnit(units, *unit); err != nil {
		return usageError{err}
	}
	ix := index.New()
	if _, err := ix.Build(ctx, store, log); err != nil {
		return fmt.Errorf("build the read model: %w", err)
	}
	o, err := audit.DefaultOptions()
	if err != nil {
		return err
	}
	rep, err := audit.Run(ctx, audit.FromSnapshot(ix.Snapshot(), units, *unit, store), o)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := writeAuditFiles(*out, rep); err != nil {
			return err
		}
	}
	return printAuditSummary(stdout, rep)
}

func writeAuditFiles(dir string, rep *audit.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, write := range map[string]func(io.Writer, *audit.Report) error{
		"problems.csv": audit.WriteCSV, "problems.geojson": audit.WriteGeoJSON, "communes.csv": audit.WriteSummaryCSV,
	} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := write(f, rep); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

func printAuditSummary(w io.Writer, rep *audit.Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "commune\tsheets\tplots\tclean\tclean %\t")
	for _, k := range audit.Kinds() {
		fmt.Fprintf(tw, "%s\t", k)
	}
	fmt.Fprintln(tw)
	for _, s := range rep.Communes {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f\t", s.Commune, s.Sheets, s.Plots, s.CleanPlots, 100*s.CleanShare)
		for _, k := range audit.Kinds() {
			fmt.Fprintf(tw, "%d\t", s.ByKind[k])
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d problems\n", len(rep.Problems))
	return err
}
