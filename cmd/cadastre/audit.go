package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"cadastre/spatial/audit"
	"cadastre/spatial/index"
	"cadastre/spatial/store/gpkg"
)

// auditLayers groups the problems by zone into GeoPackage layers
// (problems_<epsg>, plane coordinates: what QGIS opens).
func auditLayers(rep *audit.Report) []gpkg.ExportLayer {
	cols := []gpkg.ExportColumn{{Name: "kind", Type: "TEXT"}, {Name: "commune", Type: "TEXT"}, {Name: "unit", Type: "TEXT"},
		{Name: "sheet", Type: "INTEGER"}, {Name: "plot", Type: "INTEGER"}, {Name: "measure", Type: "REAL"},
		{Name: "measure_unit", Type: "TEXT"}, {Name: "others", Type: "TEXT"}, {Name: "detail", Type: "TEXT"}}
	byZone := map[int]*gpkg.ExportLayer{}
	var layers []*gpkg.ExportLayer
	for _, p := range rep.Problems {
		if p.EPSG == 0 {
			continue // no zone known (a sheet of a plot whose sheet is missing): in the CSV only
		}
		l := byZone[p.EPSG]
		if l == nil {
			l = &gpkg.ExportLayer{Name: fmt.Sprintf("problems_%d", p.EPSG), Description: "cleaning audit problems (issue 18)", EPSG: p.EPSG, Columns: cols}
			byZone[p.EPSG] = l
			layers = append(layers, l)
		}
		others := make([]string, len(p.Others))
		for i, k := range p.Others {
			others[i] = k.String()
		}
		l.Rows = append(l.Rows, gpkg.ExportRow{Geometry: p.Geometry, Values: []any{string(p.Kind), p.Commune, p.Unit, p.Sheet, p.Plot,
			p.Measure, p.MeasureUnit, strings.Join(others, " "), p.Detail}})
	}
	out := make([]gpkg.ExportLayer, len(layers))
	for i, l := range layers {
		out[i] = *l
	}
	return out
}

// runAudit handles `cadastre audit [--unit CODE] [--out DIR]`: the
// cleaning audit of issue 18 on the read model built from the store. It
// prints the counts per commune; with --out it writes problems.csv
// (UTF-8 with BOM), problems.geojson (WGS 84), problems.gpkg (one layer a
// zone, plane coordinates; QGIS opens both) and communes.csv there. Exit status 0 even when problems are found: they
// are the report, not a failure of the command.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("cadastre audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := cfg.register(fs); err != nil {
		return err
	}
	unit := fs.String("unit", "", "audit one commune (a current code, with its former units) or one survey unit; default all")
	out := fs.String("out", "", "write problems.csv, problems.geojson and communes.csv into this directory")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{errors.New("usage: cadastre audit [--unit CODE] [--out DIR]")}
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	store, err := openExistingStore(ctx, cfg, log, "--gpkg")
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
		if err := gpkg.Export(ctx, filepath.Join(*out, "problems.gpkg"), auditLayers(rep)); err != nil {
			return fmt.Errorf("write problems.gpkg: %w", err)
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
