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
	"strings"
	"text/tabwriter"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/extract"
)

// validateFlags are the flags of `cadastre validate`.
type validateFlags struct {
	plot, scale, profile, crs, svg  string
	scaleReason, agriculturalReason string
	agricultural, asJSON            bool
	noNeighbours                    bool
	statedArea                      float64
}

// runValidate handles `cadastre validate FILE --plot U/S/P --scale 1:1000`
// (flags before or after FILE): the same check as POST /api/v1/extracts
// (extract.Request.Validate: the sheet's scale, the land use, the
// neighbours read from the store), offline, nothing stored. FILE is
// GeoJSON (.geojson, .json) or a coordinate table (point,x,y[,length]).
func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("cadastre validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := cfg.register(fs); err != nil {
		return err
	}
	var f validateFlags
	fs.StringVar(&f.plot, "plot", "", "plot key UNIT/SHEET/PLOT, e.g. 27001/12/45 (required)")
	fs.StringVar(&f.scale, "scale", "", "map scale, e.g. 1:1000 (required)")
	fs.StringVar(&f.profile, "profile", extract.DefaultProfile, "tolerance profile: "+strings.Join(extract.ProfileNames(), ", "))
	fs.StringVar(&f.crs, "crs", "", "zone of the file's coordinates, e.g. EPSG:9210; default the plot's")
	fs.StringVar(&f.svg, "svg", "", "also write the drawing to this SVG file")
	fs.BoolVar(&f.agricultural, "agricultural", false, "agricultural or unused land (1.5x / 1.2x allowances)")
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fs.Float64Var(&f.statedArea, "stated-area", 0, "the area the surveyor states, m²")
	fs.StringVar(&f.scaleReason, "scale-reason", "", "why the extract is at another scale than the plot's sheet")
	fs.StringVar(&f.agriculturalReason, "agricultural-reason", "", "why the agricultural allowance applies to land recorded otherwise")
	fs.BoolVar(&f.noNeighbours, "no-neighbours", false, "do not compare with the neighbouring plots (reading them scans the store)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 || f.plot == "" || f.scale == "" {
		return usageError{errors.New("usage: cadastre validate FILE --plot UNIT/SHEET/PLOT --scale 1:N [--profile P] [--crs EPSG:N] [--json] [--svg OUT]")}
	}
	q, err := f.request(files[0])
	if err != nil {
		return err
	}
	log, err := newLogger(io.Discard, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	store, err := openExistingStore(ctx, cfg, log, "--gpkg")
	if err != nil {
		return err
	}
	defer store.Close()
	rep, stored, ns, err := validateOffline(ctx, store, q, !f.noNeighbours)
	if err != nil {
		return printExtractProblems(stderr, err)
	}
	if f.svg != "" {
		if err := writeSVG(f.svg, rep, stored, ns); err != nil {
			return err
		}
	}
	return printExtractReport(stdout, rep, f.asJSON)
}

// request builds the extract request from the flags and the file.
func (f *validateFlags) request(path string) (*extract.Request, error) {
	key, err := spatial.ParsePlotKey(f.plot)
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
	q := &extract.Request{Plot: key, Scale: scale, Agricultural: f.agricultural, StatedArea: f.statedArea, Profile: f.profile, CRS: f.crs,
		ScaleReason: f.scaleReason, AgriculturalReason: f.agriculturalReason}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".geojson", ".json":
		q.Boundary = b
	default:
		q.Table = string(b)
	}
	return q, nil
}

// parseInterspersed parses flags wherever they stand among the
// arguments (the README writes the file first) and returns the others.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		rest, args = append(rest, args[0]), args[1:]
	}
}

// validateOffline runs the check of POST /api/v1/extracts against the
// store (extract.Request.Validate, with the sheet's scale and, when
// withNeighbours, the neighbours read from the store), storing nothing.
func validateOffline(ctx context.Context, store spatial.Store, q *extract.Request, withNeighbours bool) (*extract.Report, *spatial.Plot, []extract.Neighbour, error) {
	st, err := q.Check()
	if err != nil {
		return nil, nil, nil, err
	}
	h, err := store.Plot(ctx, q.Plot)
	if err != nil {
		return nil, nil, nil, err
	}
	if h.Current.Retired {
		return nil, nil, nil, spatial.Errorf(spatial.KindConflict, "plot %s is retired", q.Plot)
	}
	sh, err := store.Sheet(ctx, q.Plot.SheetKey())
	if err != nil {
		return nil, nil, nil, err
	}
	var ns []extract.Neighbour
	var around func(orb.MultiPolygon) ([]extract.Neighbour, error)
	if withNeighbours {
		around = func(m orb.MultiPolygon) ([]extract.Neighbour, error) {
			ns, err = extract.NeighboursFrom(ctx, store, h.Current, m)
			return ns, err
		}
	}
	rep, err := q.Validate(st, h.Current, sh.Scale, around)
	return rep, h.Current, ns, err
}

// printExtractProblems prints the input problems one a line and returns err.
func printExtractProblems(w io.Writer, err error) error {
	for _, p := range spatial.ProblemsOf(err) {
		fmt.Fprintln(w, "  "+p.String())
	}
	return err
}

func writeSVG(path string, rep *extract.Report, stored *spatial.Plot, ns []extract.Neighbour) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := extract.RenderSVG(f, extract.Drawing{Report: rep, Stored: stored.Geometry, Neighbours: ns}); err != nil {
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
	if err := printPoints(w, rep); err != nil {
		return err
	}
	a := rep.Area
	if _, err := fmt.Fprintf(w, "area: measured %.1f m², stored map %.1f m², difference %+.1f m², allowed %.2f m²\n", a.Measured, a.Stored, a.Difference, a.Allowed); err != nil {
		return err
	}
	if a.Legal > 0 {
		if _, err := fmt.Fprintf(w, "legal area %.1f m² (measured - legal %+.1f m², for the registrar, not a tolerance check)\n", a.Legal, a.MeasuredMinusLegal); err != nil {
			return err
		}
	}
	return nil
}

// printPoints writes the point table the surveyor's way: point number, X
// (northing) then Y (easting), the move dX, dY, to the millimetre; a point
// without a stored counterpart shows its distance to the stored boundary.
func printPoints(w io.Writer, rep *extract.Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "point\tvertex\tX m\tY m\tdX m\tdY m\tmoved m\tallowed m\t\t")
	for _, v := range rep.Vertices {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%+.3f\t%+.3f\t%.3f\t%.3f\t%s\t\n", v.Point, v.Stored, v.MeasuredXY[1], v.MeasuredXY[0], v.DN, v.DE, v.Displacement, v.Allowed, okText(v.Pass))
	}
	for _, u := range rep.Unmatched {
		if u.Side != "measured" {
			continue
		}
		fmt.Fprintf(tw, "%s\t-\t%.3f\t%.3f\t\t\t%.3f\t%.3f\t%s\t\n", u.Vertex, u.XY[1], u.XY[0], u.Distance, u.Allowed, okText(u.Collinear))
	}
	return tw.Flush()
}

func okText(pass bool) string {
	if pass {
		return "ok"
	}
	return "FAIL"
}
