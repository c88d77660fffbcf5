package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
	"cadastre/tiles"
)

// TestExportPackages exports the sample commune as PMTiles, MBTiles and
// GeoPackage and reads each back with readers we did not write: the
// pmtiles npm package (header, TileJSON metadata, sampled tiles' features
// as the service renders them), and GDAL's ogrinfo (MBTiles layers and
// feature counts; the GeoPackage's plots and sheets in their VN-2000
// zone). Bad requests are refused without writing anything.
func TestExportPackages(t *testing.T) {
	store := filepath.Join(t.TempDir(), "c.gpkg")
	if out, err := run(t, append([]string{"ingest", "--gpkg", store}, sampleFiles...)...); err != nil {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	dir := t.TempDir()
	export := func(args ...string) (string, error) {
		return run(t, append([]string{"export", "--store-gpkg", store, "--quiet"}, args...)...)
	}
	// Refused: nothing written.
	for _, args := range [][]string{
		{"--unit", "99999", "--pmtiles", filepath.Join(dir, "none.pmtiles")},
		{"--unit", "27001"},
		{"--unit", "27001", "--pmtiles", filepath.Join(dir, "a.pmtiles"), "--mbtiles", filepath.Join(dir, "a.mbtiles")},
		{"--unit", "27001", "--max-zoom", "23", "--pmtiles", filepath.Join(dir, "b.pmtiles")},
	} {
		if _, err := export(args...); err == nil {
			t.Errorf("export %v: no error", args)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("refused exports left files: %v", ents)
	}

	pm, mb, gp := filepath.Join(dir, "c.pmtiles"), filepath.Join(dir, "c.mbtiles"), filepath.Join(dir, "c.gpkg")
	const maxZoom = 16
	out, err := export("--unit", "27001", "--max-zoom", strconv.Itoa(maxZoom), "--pmtiles", pm)
	if err != nil {
		t.Fatalf("export --pmtiles: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(out))
	m := regexp.MustCompile(`^(\d+) tiles`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("export said %q", out)
	}
	nTiles, _ := strconv.Atoi(m[1])
	if _, err := export("--unit", "27001", "--max-zoom", strconv.Itoa(maxZoom), "--pmtiles", pm); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("export over an existing file: %v", err)
	}
	if out, err := export("--unit", "27001", "--max-zoom", strconv.Itoa(maxZoom), "--mbtiles", mb); err != nil {
		t.Fatalf("export --mbtiles: %v\n%s", err, out)
	}
	if out, err := export("--unit", "27001", "--gpkg", gp); err != nil || !strings.Contains(out, "2366 plots") {
		t.Fatalf("export --gpkg: %v\n%s", err, out)
	}

	// What the tiles must hold: the service's rendering of the sample.
	sample := sampleBatch(t)
	ix := index.New()
	if _, err := ix.Build(context.Background(), exportSource{sample}, quietLog()); err != nil {
		t.Fatal(err)
	}
	r := tiles.NewRenderer(tiles.DefaultOptions())
	type want struct {
		Z        int            `json:"z"`
		X        int            `json:"x"`
		Y        int            `json:"y"`
		Features map[string]int `json:"features"`
	}
	var samples []want
	p := sample.Plots[len(sample.Plots)/2]
	for z := 12; z <= maxZoom; z++ {
		tl := tileOf(t, p, maptile.Zoom(z))
		gz, _, err := r.Render(ix.Snapshot(), tiles.Cadastre, tl)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := mvt.UnmarshalGzipped(gz)
		if err != nil {
			t.Fatal(err)
		}
		w := want{Z: z, X: int(tl.X), Y: int(tl.Y), Features: map[string]int{}}
		for _, l := range ls {
			w.Features[l.Name] = len(l.Features)
		}
		samples = append(samples, w)
	}
	t.Run("pmtiles npm package", func(t *testing.T) {
		node, tdir := nodeTools(t)
		expect := filepath.Join(dir, "expect.json")
		data, _ := json.Marshal(map[string]any{"minzoom": 10, "maxzoom": maxZoom, "tiles": nTiles, "sample": samples})
		if err := os.WriteFile(expect, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(node, "--test", "--test-reporter=spec", "pmtiles.test.js")
		cmd.Dir = tdir
		cmd.Env = append(os.Environ(), "PMTILES_FILE="+pm, "PMTILES_EXPECT="+expect)
		res, err := cmd.CombinedOutput()
		t.Logf("node --test pmtiles.test.js:\n%s", res)
		if err != nil || !strings.Contains(string(res), "pass 1") {
			t.Fatalf("pmtiles reader: %v", err)
		}
	})
	t.Run("ogrinfo", func(t *testing.T) {
		ogr := needTool(t, "ogrinfo")
		// MBTiles: GDAL's MBTiles driver reads the vector tiles at a zoom.
		res, err := exec.Command(ogr, "-ro", "-so", "-oo", "ZOOM_LEVEL=16", mb).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo MBTiles: %v\n%s", err, res)
		}
		for _, l := range []string{"plots", "plot_labels", "sheets"} {
			if !strings.Contains(string(res), ": "+l+" ") {
				t.Errorf("ogrinfo MBTiles lacks layer %s:\n%s", l, res)
			}
		}
		res, err = exec.Command(ogr, "-ro", "-al", "-so", "-oo", "ZOOM_LEVEL=16", mb, "plots").CombinedOutput()
		if n := featureCountOf(string(res)); err != nil || n < 2366 {
			t.Errorf("ogrinfo MBTiles plots at z16: %d features (want at least the 2366 plots, cut at tile edges): %v\n%s", n, err, res)
		}
		// GeoPackage: the plots and sheets in their zone, EPSG:9210.
		res, err = exec.Command(ogr, "-ro", "-so", gp, "plots_9210").CombinedOutput()
		if n := featureCountOf(string(res)); err != nil || n != 2366 || !strings.Contains(string(res), `ID["EPSG",9210]`) {
			t.Errorf("ogrinfo GeoPackage plots_9210: %d features: %v\n%s", n, err, res)
		}
		res, err = exec.Command(ogr, "-ro", "-so", gp, "sheets_9210").CombinedOutput()
		if n := featureCountOf(string(res)); err != nil || n != len(sample.Sheets) {
			t.Errorf("ogrinfo GeoPackage sheets_9210: %d features, want %d: %v\n%s", n, len(sample.Sheets), err, res)
		}
	})
}

func featureCountOf(ogrOut string) int {
	m := regexp.MustCompile(`Feature Count: (\d+)`).FindStringSubmatch(ogrOut)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func tileOf(t *testing.T, p *spatial.Plot, z maptile.Zoom) maptile.Tile {
	t.Helper()
	lp, ok := tiles.LabelPoint(p.Geometry)
	if !ok {
		t.Fatal("no label point")
	}
	zone, _ := crs.ZoneByEPSG(p.EPSG)
	lon, lat := zone.ToWGS84(lp[0], lp[1])
	return maptile.At(orb.Point{lon, lat}, z)
}

func sampleBatch(t *testing.T) *spatial.Batch {
	t.Helper()
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// nodeTools finds node and web/tiletest's installed packages, skipping
// loudly (failing when CADASTRE_REQUIRE_NODE is set) when either is
// missing.
func nodeTools(t *testing.T) (node, dir string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "web", "tiletest"))
	if err != nil {
		t.Fatal(err)
	}
	node, err = exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node not found"
	case func() bool { _, err := os.Stat(filepath.Join(dir, "node_modules", "pmtiles")); return err != nil }():
		missing = "web/tiletest/node_modules/pmtiles missing (run `make tiletest`)"
	}
	if missing != "" {
		if os.Getenv("CADASTRE_REQUIRE_NODE") != "" {
			t.Fatalf("Node test required (CADASTRE_REQUIRE_NODE set): %s", missing)
		}
		t.Skipf("*** Node PMTiles test skipped: %s. Set CADASTRE_REQUIRE_NODE=1 to require it.", missing)
	}
	return node, dir
}
