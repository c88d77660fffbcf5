package ogc_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// needTool skips without the GDAL command, or fails when
// CADASTRE_REQUIRE_GDAL is set (as in CI).
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CADASTRE_REQUIRE_GDAL") != "" {
			t.Fatalf("%s required (CADASTRE_REQUIRE_GDAL set) but not found", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// GDAL's OAPIF driver, a real client: the collections and their counts,
// and a full download through paging.
func TestGDALOAPIF(t *testing.T) {
	ogrinfo, ogr2ogr := needTool(t, "ogrinfo"), needTool(t, "ogr2ogr")
	f := newFixture(t)
	conn := "OAPIF:" + f.srv.URL + "/ogc"
	t.Run("ogrinfo lists the collections with their counts", func(t *testing.T) {
		out, err := exec.Command(ogrinfo, "-ro", "-so", conn, "plots", "plot-versions", "sheets", "units").CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo: %v\n%s", err, out)
		}
		re := regexp.MustCompile(`Layer name: (\S+)[\s\S]*?Feature Count: (\d+)`)
		got := map[string]int{}
		for _, m := range re.FindAllStringSubmatch(string(out), -1) {
			got[m[1]], _ = strconv.Atoi(m[2])
		}
		units, err := f.store.Units(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"plots": f.total, "plot-versions": f.versions, "sheets": f.ix.Snapshot().Sheets(), "units": len(units)}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("ogrinfo: %s has %d features, the store %d\n%s", k, got[k], v, out)
			}
		}
		if !regexp.MustCompile(`ID\["EPSG",4326\]`).Match(out) {
			t.Errorf("ogrinfo shows no WGS 84 layer CRS:\n%s", out)
		}
	})
	t.Run("ogr2ogr downloads every plot through paging", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "plots.geojson")
		if out, err := exec.Command(ogr2ogr, "-f", "GeoJSON", dst, conn, "plots").CombinedOutput(); err != nil {
			t.Fatalf("ogr2ogr: %v\n%s", err, out)
		}
		b, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		var fc struct {
			Features []struct{ Properties map[string]any }
		}
		if err := json.Unmarshal(b, &fc); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, ft := range fc.Features {
			seen[ft.Properties["id"].(string)] = true
		}
		if len(fc.Features) != f.total || len(seen) != f.total {
			t.Errorf("ogr2ogr wrote %d plots (%d distinct), the store has %d", len(fc.Features), len(seen), f.total)
		}
	})
}
