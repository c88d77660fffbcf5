package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/spatial"
	"cadastre/spatial/index"
	"cadastre/spatial/store/gpkg"
	"cadastre/tiles"
	"cadastre/tiles/offline"
)

// runExport handles `cadastre export --unit CODE (--pmtiles | --mbtiles |
// --gpkg) FILE`: an offline package of one commune (its code, or the code
// of the survey unit that numbered its sheets). PMTiles and MBTiles hold
// the commune's tiles of the cadastre tileset, as the service renders
// them, for field maps; the GeoPackage holds its unit, sheets and plots in
// their VN-2000 zone (the store's own format: measurement grade, which MVT
// coordinates are not). The store is the one serve uses (--store-gpkg or
// --database-url); FILE must not exist, and is written whole or not at all.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	// The store's two settings only (its --gpkg is the output): the
	// variables serve reads for them.
	if v, ok := os.LookupEnv("CADASTRE_DATABASE_URL"); ok {
		cfg.DatabaseURL = v
	}
	if v, ok := os.LookupEnv("CADASTRE_GPKG"); ok {
		cfg.GPKGPath = v
	}
	fs := flag.NewFlagSet("cadastre export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostGIS connection URL; empty: the GeoPackage store (CADASTRE_DATABASE_URL)")
	fs.StringVar(&cfg.GPKGPath, "store-gpkg", cfg.GPKGPath, "GeoPackage file of the embedded store (CADASTRE_GPKG)")
	var unit, pmPath, mbPath, gpPath string
	var minZoom, maxZoom int
	var quiet bool
	fs.StringVar(&unit, "unit", "", "commune code, or survey unit code, to export (required)")
	fs.StringVar(&pmPath, "pmtiles", "", "write a PMTiles v3 archive of the commune's tiles")
	fs.StringVar(&mbPath, "mbtiles", "", "write an MBTiles 1.3 file of the commune's tiles")
	fs.StringVar(&gpPath, "gpkg", "", "write a GeoPackage of the commune's unit, sheets and plots (VN-2000)")
	fs.IntVar(&minZoom, "min-zoom", 10, "first zoom of the tiles")
	fs.IntVar(&maxZoom, "max-zoom", 18, "last zoom of the tiles (at most 22)")
	fs.BoolVar(&quiet, "quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	outs := 0
	for _, p := range []string{pmPath, mbPath, gpPath} {
		if p != "" {
			outs++
		}
	}
	if unit == "" || outs != 1 || fs.NArg() != 0 || minZoom < 0 || maxZoom > 22 || minZoom > maxZoom {
		return usageError{errors.New("usage: cadastre export --unit CODE (--pmtiles FILE | --mbtiles FILE | --gpkg FILE) [--min-zoom 10] [--max-zoom 18] [--store-gpkg STORE | --database-url URL]")}
	}
	out := pmPath + mbPath + gpPath
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("export: %s exists: choose a new file", out)
	}
	log, err := newLogger(io.Discard, "error", "text")
	if err != nil {
		return err
	}
	store, err := openExistingStore(ctx, cfg, log, "--store-gpkg")
	if err != nil {
		return err
	}
	defer store.Close()
	b, err := communeBatch(ctx, store, unit)
	if err != nil {
		return err
	}
	// Everything goes to a part file renamed at the end: an interrupted
	// export leaves no file that looks whole.
	part := filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".part")
	os.Remove(part)
	defer os.Remove(part)
	bar := &exportBar{w: stderr, quiet: quiet}
	switch {
	case gpPath != "":
		err = exportGPKG(ctx, part, b)
	default:
		var ts []offline.Tile
		var meta offline.Meta
		if ts, meta, err = renderCommune(ctx, log, b, minZoom, maxZoom, bar); err != nil {
			return err
		}
		if pmPath != "" {
			err = writeFile(part, func(w io.Writer) error { return offline.WritePMTiles(w, ts, meta) })
		} else {
			err = offline.WriteMBTiles(ctx, part, ts, meta)
		}
		if err == nil {
			fmt.Fprintf(stdout, "%d tiles, z%d-%d, ", len(ts), minZoom, maxZoom)
		}
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", out, err)
	}
	if err := os.Rename(part, out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d plots and %d sheets of %s written to %s\n", len(b.Plots), len(b.Sheets), unit, out)
	return nil
}

// communeBatch reads the current plots of a commune (by commune code or
// survey unit code), the sheets of their survey units and the units.
func communeBatch(ctx context.Context, store spatial.Store, code string) (*spatial.Batch, error) {
	b := &spatial.Batch{}
	surveyUnits := map[string]bool{}
	if err := store.EachPlot(ctx, func(p *spatial.Plot) error {
		if p.Commune == code || p.Key.Unit == code {
			b.Plots = append(b.Plots, p)
			surveyUnits[p.Key.Unit] = true
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(b.Plots) == 0 {
		return nil, spatial.Errorf(spatial.KindNotFound, "export: no plot of commune or survey unit %q in the store", code)
	}
	for u := range surveyUnits {
		ss, err := store.Sheets(ctx, u)
		if err != nil {
			return nil, err
		}
		b.Sheets = append(b.Sheets, ss...)
	}
	units, err := store.Units(ctx)
	if err != nil {
		return nil, err
	}
	communes := map[string]bool{}
	for _, p := range b.Plots {
		communes[p.Commune] = true
	}
	for _, u := range units {
		if surveyUnits[u.Code] || communes[u.Code] {
			b.Units = append(b.Units, u)
		}
	}
	return b, nil
}

// exportGPKG writes the batch into a new GeoPackage in the store's format
// (tables per VN-2000 zone, readable by GDAL and QGIS).
func exportGPKG(ctx context.Context, path string, b *spatial.Batch) error {
	s, err := gpkg.Open(ctx, path)
	if err != nil {
		return err
	}
	// Who, why and from where, as every stored version says.
	b.Change = spatial.Change{By: "cadastre export", Reason: "offline package of the commune", Source: "export of the store", Untracked: true}
	if _, err := s.Write(ctx, b); err != nil {
		s.Close()
		return err
	}
	return s.Close()
}

type exportSource struct{ b *spatial.Batch }

func (s exportSource) EachPlot(_ context.Context, fn func(*spatial.Plot) error) error {
	for _, p := range s.b.Plots {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (s exportSource) Sheets(context.Context, string) ([]*spatial.Sheet, error) {
	return s.b.Sheets, nil
}

// renderCommune renders every tile of the cadastre tileset over the
// commune from minZoom to maxZoom that has a feature.
func renderCommune(ctx context.Context, log *slog.Logger, b *spatial.Batch, minZoom, maxZoom int, bar *exportBar) ([]offline.Tile, offline.Meta, error) {
	ix := index.New()
	if _, err := ix.Build(ctx, exportSource{b}, log); err != nil {
		return nil, offline.Meta{}, err
	}
	o := tiles.DefaultOptions()
	o.CommuneNames = map[string]string{}
	for _, u := range b.Units {
		o.CommuneNames[u.Code] = u.Name
	}
	r := tiles.NewRenderer(o)
	snap := ix.Snapshot()
	version := fmt.Sprintf("export %s", time.Now().UTC().Format(time.RFC3339))
	tj := o.Describe(tiles.Cadastre, snap, "", version)
	tj.Tiles = nil
	tj.MinZoom, tj.MaxZoom = max(minZoom, tj.MinZoom), maxZoom
	gdalRaw, err := o.GDALMetadata(tiles.Cadastre, snap, version)
	if err != nil {
		return nil, offline.Meta{}, err
	}
	meta := offline.Meta{TileJSON: tj}
	if err := json.Unmarshal(gdalRaw, &meta.GDAL); err != nil {
		return nil, offline.Meta{}, err
	}
	meta.GDAL["minzoom"], meta.GDAL["maxzoom"] = fmt.Sprint(tj.MinZoom), fmt.Sprint(maxZoom)
	bd := tj.Bounds
	var addrs []maptile.Tile
	for z := tj.MinZoom; z <= maxZoom; z++ {
		t0 := maptile.At(orb.Point{bd[0], bd[3]}, maptile.Zoom(z))
		t1 := maptile.At(orb.Point{bd[2], bd[1]}, maptile.Zoom(z))
		for x := t0.X; x <= t1.X; x++ {
			for y := t0.Y; y <= t1.Y; y++ {
				addrs = append(addrs, maptile.New(x, y, maptile.Zoom(z)))
			}
		}
	}
	var ts []offline.Tile
	bar.start("rendering tiles", len(addrs))
	for i, a := range addrs {
		if err := ctx.Err(); err != nil {
			return nil, offline.Meta{}, err
		}
		gz, st, err := r.Render(snap, tiles.Cadastre, a)
		if err != nil {
			return nil, offline.Meta{}, err
		}
		if st.Features > 0 {
			ts = append(ts, offline.Tile{Z: uint8(a.Z), X: a.X, Y: a.Y, Data: gz})
		}
		bar.set(i + 1)
	}
	bar.done()
	return ts, meta, nil
}

func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// exportBar shows the progress of the rendering: a bar on a terminal,
// else a line every five seconds.
type exportBar struct {
	w     io.Writer
	quiet bool
	bar   *progressbar.ProgressBar
	n     int
	last  time.Time
	begin time.Time
}

func (p *exportBar) start(what string, n int) {
	p.n, p.begin, p.last = n, time.Now(), time.Now()
	if fh, ok := p.w.(*os.File); ok && !p.quiet && term.IsTerminal(int(fh.Fd())) {
		p.bar = progressbar.NewOptions(n, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(what),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionShowCount())
	}
}

func (p *exportBar) set(i int) {
	switch {
	case p.bar != nil:
		p.bar.Set(i)
	case !p.quiet && time.Since(p.last) >= 5*time.Second:
		p.last = time.Now()
		fmt.Fprintf(p.w, "rendering tiles: %d/%d, %s\n", i, p.n, time.Since(p.begin).Round(time.Second))
	}
}

func (p *exportBar) done() {
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}
