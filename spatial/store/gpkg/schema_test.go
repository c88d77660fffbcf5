package gpkg

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"cadastre/spatial"
	"cadastre/spatial/crs"
)

// openRaw opens a GeoPackage with plain SQLite, read-only.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	u := url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestFileIdentity(t *testing.T) {
	db := openRaw(t, fixtureFile(t))
	if got := queryInt(t, db, "PRAGMA application_id"); got != 0x47504B47 {
		t.Errorf("application_id: got %#x, want 0x47504B47", got)
	}
	if got := queryInt(t, db, "PRAGMA user_version"); got != 10300 {
		t.Errorf("user_version: got %d, want 10300", got)
	}
	for _, id := range []int{-1, 0, 4326} {
		if queryInt(t, db, "SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id = ?", id) != 1 {
			t.Errorf("gpkg_spatial_ref_sys: required row %d missing", id)
		}
	}
	for _, epsg := range []int{9210, 5897} {
		zone, _ := crs.ZoneByEPSG(epsg)
		var org, def, name string
		var code int
		err := db.QueryRow("SELECT organization, organization_coordsys_id, definition, srs_name FROM gpkg_spatial_ref_sys WHERE srs_id = ?", epsg).Scan(&org, &code, &def, &name)
		if err != nil || org != "EPSG" || code != epsg || def != zone.WKT() || name != zone.Name() {
			t.Errorf("srs %d: got %q %d %q (err %v), want EPSG %d %q with the zone's WKT", epsg, org, code, name, err, epsg, zone.Name())
		}
	}
	if got := queryInt(t, db, "SELECT count(*) FROM gpkg_spatial_ref_sys"); got != 5 {
		t.Errorf("gpkg_spatial_ref_sys: got %d rows, want 3 required + 2 zones in use", got)
	}
	checkContents(t, db)
}

func checkContents(t *testing.T, db *sql.DB) {
	t.Helper()
	for table, n := range fixtureCounts {
		if got := queryInt(t, db, `SELECT count(*) FROM "`+table+`"`); got != n {
			t.Errorf("%s: got %d rows, want %d", table, got, n)
		}
		var dataType string
		var srs sql.NullInt64
		if err := db.QueryRow("SELECT data_type, srs_id FROM gpkg_contents WHERE table_name = ?", table).Scan(&dataType, &srs); err != nil {
			t.Errorf("gpkg_contents row of %s: %v", table, err)
			continue
		}
		geomCols := queryInt(t, db, "SELECT count(*) FROM gpkg_geometry_columns WHERE table_name = ? AND column_name = 'geom' AND srs_id = ?", table, srs)
		if dataType == "attributes" {
			if srs.Valid || geomCols != 0 {
				t.Errorf("attributes table %s: srs %v, %d geometry columns", table, srs, geomCols)
			}
			continue
		}
		if dataType != "features" || !srs.Valid || geomCols != 1 {
			t.Errorf("feature table %s: data_type %q, srs %v, %d geometry columns", table, dataType, srs, geomCols)
		}
	}
	if got := queryInt(t, db, "SELECT count(*) FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index' AND column_name = 'geom'"); got != 4 {
		t.Errorf("rtree extension rows: got %d, want 4 (current plots and sheets of two zones)", got)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM rtree_plots_9210_geom"); got != fixtureCounts["plots_9210"] {
		t.Errorf("rtree_plots_9210_geom: got %d entries, want %d", got, fixtureCounts["plots_9210"])
	}
	// The extent covers every stored geometry.
	bad := queryInt(t, db, `SELECT count(*) FROM rtree_plots_9210_geom r, gpkg_contents c
WHERE c.table_name = 'plots_9210' AND (r.minx < c.min_x - 1 OR r.maxx > c.max_x + 1 OR r.miny < c.min_y - 1 OR r.maxy > c.max_y + 1)`)
	if bad != 0 {
		t.Errorf("gpkg_contents extent of plots_9210 misses %d plots", bad)
	}
}

func TestOpenRefusesOtherSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(context.Background(), path)
	if spatial.KindOf(err) != spatial.KindInvalid {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open on a non-GeoPackage: got %v, want KindInvalid", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the refused file must stay: %v", err)
	}
}
