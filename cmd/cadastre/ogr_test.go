package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needTool finds a command line tool, skipping loudly when it is missing
// unless CADASTRE_REQUIRE_GDAL is set (CI), then failing.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CADASTRE_REQUIRE_GDAL") != "" {
			t.Fatalf("%s required (CADASTRE_REQUIRE_GDAL set) but not found: install gdal-bin", name)
		}
		t.Skipf("*** %s not found: skipped (install gdal-bin)", name)
	}
	return p
}

// TestOgr2ogrShapefileRecipe runs the README's recipe for Shapefiles: a
// shapefile made from the sample is converted back with
// `ogr2ogr -f GeoJSON -a_srs EPSG:9210 out.geojson in.shp` and ingested.
func TestOgr2ogrShapefileRecipe(t *testing.T) {
	ogr := needTool(t, "ogr2ogr")
	dir := t.TempDir()
	shp := filepath.Join(dir, "plots.shp")
	// Make the shapefile the way a land office would have one: land-use
	// codes in one text field (GDAL writes the list as "(2:ONT,CLN)").
	if out, err := exec.Command(ogr, "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-mapFieldType", "StringList=String", shp, sampleFiles[2]).CombinedOutput(); err != nil {
		t.Fatalf("make shapefile: %v\n%s", err, out)
	}
	gj := filepath.Join(dir, "plots.geojson")
	if out, err := exec.Command(ogr, "-f", "GeoJSON", "-a_srs", "EPSG:9210", gj, shp).CombinedOutput(); err != nil {
		t.Fatalf("the recipe: %v\n%s", err, out)
	}
	flags := storeKinds[0].flag(t)
	out, err := run(t, append(append([]string{"ingest"}, flags...), sampleFiles[0], sampleFiles[1], gj)...)
	if err != nil || !strings.Contains(out, "inserted 2366") {
		t.Fatalf("ingest of the converted shapefile: %v\n%s", err, out)
	}
	s := storeKinds[0].open(t, flags)
	defer s.Close()
	got := allPlots(t, s)
	for k, p := range allPlotsOfSample(t) {
		if q := got[k]; q == nil || q.Area != p.Area || strings.Join(q.LandUse, "+") != strings.Join(p.LandUse, "+") {
			t.Fatalf("plot %s after the shapefile round trip: got %+v, want area %v use %v", k, q, p.Area, p.LandUse)
		}
	}
}
