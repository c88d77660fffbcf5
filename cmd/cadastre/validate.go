package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"cadastre/spatial"
	"cadastre/spatial/extract"
)

// validateFlags are the flags of `cadastre validate`.
type validateFlags struct {
	plot, scale, profile, crs, svg string
	agricultural, asJSON           bool
	statedArea                     float64
}

// runValidate handles `cadastre validate FILE --plot U/S/P --scale 1:1000`:
// the same check as POST /api/v1/extracts, offline, nothing stored. FILE
// is GeoJSON (.geojson, .json) or a coordinate table (point,x,y[,length]).
// Neighbours are not compared here (the store has no spatial query
// outside the server's read model).
func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	cfg.fromEnv()
	fs := flag.NewFlagSet("cadastre validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.flags(fs)
	var f validateFlags
	fs.StringVar(&f.plot, "plot", "", "plot key UNIT/SHEET/PLOT, e.g. 27001/12/45 (required)")
	fs.StringVar(&f.scale, "scale", "", "map scale, e.g. 1:1000 (required)")
	fs.StringVar(&f.profile, "profile", extract.DefaultProfile, "tolerance profile: "+strings.Join(extract.ProfileNames(), ", "))
	fs.StringVar(&f.crs, "crs", "", "zone of the file's coordinates, e.g. EPSG:9210; default the plot's")
	fs.StringVar(&f.svg, "svg", "", "also write the drawing to this SVG file")
	fs.BoolVar(&f.agricultural, "agricultural", false, "agricultural or unused land (1.5x / 1.2x allowances)")
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fs.Float64Var(&f.statedArea, "stated-area", 0, "the area the surveyor states, m²")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || f.plot == "" || f.scale == "" {
		return usageError{errors.New("usage: cadastre validate FILE --plot UNIT/SHEET/PLOT --scale 1:N [--profile P] [--crs EPSG:N] [--json] [--svg OUT]")}
	}
	q, err := f.request(fs.Arg(0))
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		// gpkg.Open would create a missing file: a read-only command must not.
		if _, err := os.Stat(cfg.GPKGPath); err != nil {
			return fmt.Errorf("no GeoPackage store at %s (--gpkg, or --database-url for PostGIS): %w", cfg.GPKGPath, err)
		}
	}
	log, err := newLogger(io.Discard, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, stored, err := validateOffline(ctx, store, q)
	if err != nil {
		return printExtractProblems(stderr, err)
	}
	if f.svg != "" {
		if err := writeSVG(f.svg, rep, stored); err != nil {
			return err
		}
	}
	return printExtractReport(stdout, rep, f.asJSON)
}

// request builds the extract request from the flags and the file.
func (f *validateFlags) request(path string) (*extract.Request, error) {
	key, err := parseExtractPlotKey(f.plot)
	if err != nil {
		return nil, usageError{err}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	scale, err := json.Marshal(f.scale)
	if err != nil {
		return nil, err
	}
	q := &extract.Request{Plot: key, Scale: scale, Agricultural: f.agricultural, StatedArea: f.statedArea, Profile: f.profile, CRS: f.crs}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".geojson", ".json":
		q.Boundary = b
	default:
		q.Table = string(b)
	}
	return q, nil
}

func parseExtractPlotKey(s string) (spatial.PlotKey, error) {
	parts := strings.Split(s, "/")
	if len(parts) == 3 {
		sheet, err1 := strconv.Atoi(parts[1])
		plot, err2 := strconv.Atoi(parts[2])
		if k := (spatial.PlotKey{Unit: parts[0], Sheet: sheet, Plot: plot}); err1 == nil && err2 == nil && k.Valid() {
			return k, nil
		}
	}
	return spatial.PlotKey{}, fmt.Errorf("bad plot key %q: want UNIT/SHEET/PLOT, e.g. 27001/12/45", s)
}

// validateOffline runs the check of POST /api/v1/extracts against the
// store, without neighbours and without storing anything.
func validateOffline(ctx context.Context, store spatial.Store, q *extract.Request) (*extract.Report, *spatial.Plot, error) {
	st, err := q.Check()
	if err != nil {
		return nil, nil, err
	}
	h, err := store.Plot(ctx, q.Plot)
	if err != nil {
		return nil, nil, err
	}
	if h.Current.Retired {
		return nil, nil, spatial.Errorf(spatial.KindConflict, "plot %s is retired", q.Plot)
	}
	in, err := q.Input(st, h.Current, nil)
	if err != nil {
		return nil, nil, err
	}
	rep, err := extract.Check(in, st.Profile)
	return rep, h.Current, err
}

// printExtractProblems prints the input problems one a line and returns err.
func printExtractProblems(w io.Writer, err error) error {
	for _, p := range spatial.ProblemsOf(err) {
		fmt.Fprintln(w, "  "+p.String())
	}
	return err
}

func writeSVG(path string, rep *extract.Report, stored *spatial.Plot) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := extract.RenderSVG(f, extract.Drawing{Report: rep, Stored: stored.Geometry}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// printExtractReport writes the verdict, the reasons and the edge table.
func printExtractReport(w io.Writer, rep *extract.Report, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(w, "plot %s v%d, 1:%d, %s: %s\n", rep.Plot, rep.PlotVersion, rep.Scale, rep.Profile, rep.Verdict)
	for _, r := range rep.Reasons {
		fmt.Fprintln(w, "  - "+r)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "edge\tpoints\tstored m\tmeasured m\tdiff m\tallowed m\t\t")
	for _, e := range rep.Edges {
		ok := "ok"
		if !e.Pass {
			ok = "FAIL"
		}
		fmt.Fprintf(tw, "%d-%d\t%s-%s\t%.3f\t%.3f\t%+.3f\t%.3f\t%s\t\n", e.From, e.To, e.FromPoint, e.ToPoint, e.StoredLength, e.MeasuredLength, e.Difference, e.Allowed, ok)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	a := rep.Area
	_, err := fmt.Fprintf(w, "area: measured %.1f m², %s %.1f m², difference %+.1f m², allowed %.2f m²\n", a.Measured, a.Reference, a.Measured-a.Difference, a.Difference, a.Allowed)
	return err
}
