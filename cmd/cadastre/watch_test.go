package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/sampledata"
	"cadastre/spatial/crs"
	"cadastre/spatial/grid"
)

// A `cadastre ingest` into the GeoPackage a running server holds: the
// server notices the commit (PRAGMA data_version, polled) and within a
// few seconds answers the new plot, finds it by coordinate, and its tile
// changes. (Before, the CLI write succeeded and the server never saw it
// until restarted.)
func TestServeSeesCLIIngestIntoItsGeoPackage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cadastre.gpkg")
	base, stop, logs := startServe(t, "--gpkg", path)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v\n%s", err, logs)
		}
	}()
	// A sheet and a plot of commune 27001 well away from the sample.
	num, f, err := grid.SheetAt(grid.Scale1000, 630100, 1200100)
	if err != nil {
		t.Fatal(err)
	}
	e0, n0 := f.MinE+100, f.MinN+100
	file := filepath.Join(t.TempDir(), "new.geojson")
	doc := fmt.Sprintf(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:9210"}},"features":[
{"type":"Feature","properties":{"unit":"27001","sheet":900,"grid_number":%q,"scale":1000},"geometry":{"type":"Polygon","coordinates":[[[%[2]g,%[3]g],[%[4]g,%[3]g],[%[4]g,%[5]g],[%[2]g,%[5]g],[%[2]g,%[3]g]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":900,"plot":1,"land_use":"LUC","legal_area":600},"geometry":{"type":"Polygon","coordinates":[[[%[6]g,%[7]g],[%[8]g,%[7]g],[%[8]g,%[9]g],[%[6]g,%[9]g],[%[6]g,%[7]g]]]}}]}`,
		num, f.MinE, f.MinN, f.MaxE, f.MaxN, e0, n0, e0+20, n0+30)
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	z, _ := crs.ZoneByEPSG(9210)
	lon, lat := z.ToWGS84(e0+10, n0+15)
	tile := fmt.Sprintf("%s/tiles/plots/%s.mvt", base, tilePathAt(lon, lat, 18))
	at := fmt.Sprintf("%s/api/v1/plots/at?x=%.3f&y=%.3f&crs=EPSG:9210", base, e0+10, n0+15)
	if code, _ := httpGet(t, base+"/api/v1/plots/27001/900/1"); code != http.StatusNotFound {
		t.Fatalf("before the ingest: plot 27001/900/1 answered %d, want 404", code)
	}
	_, before := httpGet(t, tile)

	out, err := run(t, "ingest", "--gpkg", path, file)
	if err != nil || !strings.Contains(out, "inserted 1") || !strings.Contains(out, "(stored)") {
		t.Fatalf("CLI ingest into the served file: %v\n%s", err, out)
	}
	start := time.Now()
	for {
		code, _ := httpGet(t, base+"/api/v1/plots/27001/900/1")
		_, found := httpGet(t, at)
		_, after := httpGet(t, tile)
		if code == http.StatusOK && strings.Contains(string(found), `"sheet":900`) && !bytes.Equal(before, after) {
			t.Logf("the server saw the CLI ingest after %v", time.Since(start).Round(time.Millisecond))
			time.Sleep(500 * time.Millisecond)
			if strings.Contains(logs.String(), "edited outside cadastre") {
				t.Errorf("the CLI ingest, a write with its version and change, was taken for an outside edit:\n%s", logs)
			}
			return
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("10 s after the CLI ingest: plot %d, lookup %s, tile changed %v\n%s", code, found, !bytes.Equal(before, after), logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tilePathAt is "z/x/y" of the tile holding lon, lat.
func tilePathAt(lon, lat float64, zoom maptile.Zoom) string {
	tl := maptile.At(orb.Point{lon, lat}, zoom)
	return fmt.Sprintf("%d/%d/%d", tl.Z, tl.X, tl.Y)
}

func httpGet(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// A plot added to the served GeoPackage by GDAL's own writer (as QGIS
// adds one: straight into plots_9210, no version, no changes row) reaches
// the read model within a few seconds: the server notices the outside
// edit and reconciles, and says so in its log.
func TestServeFollowsOutsideEditOfItsGeoPackage(t *testing.T) {
	ogr2ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		msg := "ogr2ogr not found: install gdal-bin"
		if os.Getenv("CADASTRE_REQUIRE_GDAL") != "" {
			t.Fatal(msg + ", and CADASTRE_REQUIRE_GDAL is set")
		}
		fmt.Fprintf(os.Stderr, "SKIP %s: %s; set CADASTRE_REQUIRE_GDAL=1 to fail instead\n", t.Name(), msg)
		t.Skip(msg)
	}
	path := filepath.Join(t.TempDir(), "cadastre.gpkg")
	base, stop, logs := startServe(t, "--gpkg", path)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v\n%s", err, logs)
		}
	}()
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	p := b.Plots[0]
	c := p.Geometry.Bound().Center()
	at := fmt.Sprintf("%s/api/v1/plots/at?x=%.3f&y=%.3f&crs=EPSG:9210", base, c[0], c[1])
	newPlot := fmt.Sprintf(`"plot":%d`, p.Key.Plot+100000)
	if _, body := httpGet(t, at); strings.Contains(string(body), newPlot) {
		t.Fatalf("before the edit the lookup already has the copy: %s", body)
	}
	// A copy of the plot under another number, as a QGIS user would draw it.
	sqlCopy := fmt.Sprintf(`SELECT geom, unit, sheet, plot + 100000 AS plot, commune, land_use, legal_area, area, address, version, valid_from,
		changed_by, reason, source FROM plots_9210 WHERE unit = '%s' AND sheet = %d AND plot = %d`, p.Key.Unit, p.Key.Sheet, p.Key.Plot)
	if out, err := exec.Command(ogr2ogr, "-update", "-append", path, path, "-dialect", "SQLite", "-sql", sqlCopy, "-nln", "plots_9210").CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	start := time.Now()
	for {
		if _, body := httpGet(t, at); strings.Contains(string(body), newPlot) {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("10 s after the outside edit the lookup has no plot %d\n%s", p.Key.Plot+100000, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the server followed the outside edit after %v", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(logs.String(), "edited outside cadastre") {
		t.Errorf("the outside edit is not logged:\n%s", logs)
	}
}
