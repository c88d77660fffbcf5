package gpkg

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// TestExport writes a problem layer (a polygon and a row without
// geometry) and has GDAL read and validate the file.
func TestExport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "problems.gpkg")
	l := ExportLayer{Name: "problems_9210", Description: "audit problems", EPSG: 9210,
		Columns: []ExportColumn{{"kind", "TEXT"}, {"sheet", "INTEGER"}, {"measure", "REAL"}},
		Rows: []ExportRow{
			{Geometry: orb.Polygon{{{600000, 1192000}, {600010, 1192000}, {600010, 1192010}, {600000, 1192000}}}, Values: []any{"gap", 3, 50.0}},
			{Values: []any{"missing_number", 3, 1.0}},
		}}
	if err := Export(context.Background(), path, []ExportLayer{l}); err != nil {
		t.Fatal(err)
	}
	if err := Export(context.Background(), path, []ExportLayer{l}); err == nil {
		t.Error("a second export over the file: want a refusal")
	}
	_, err := exec.LookPath("ogrinfo")
	requireGDAL(t, "ogrinfo", err == nil)
	out := ogrinfo(t, "-al", path)
	for _, want := range []string{"Feature Count: 2", "kind (String) = gap", "kind (String) = missing_number", "POLYGON ((600000 1192000", "TM-3 105-45"} {
		if !strings.Contains(out, want) {
			t.Errorf("ogrinfo lacks %q:\n%s", want, out)
		}
	}
	python, script := gdalValidator()
	requireGDAL(t, "validate_gpkg.py with a python3 that imports osgeo", script != "")
	if out, err := exec.Command(python, script, "--extra", "--warning-as-error", path).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("validate_gpkg.py: %v\n%s", err, out)
	}
}

// TestLineageTablesAddedOnOpen: a file made before issue 18 (no lineage
// tables) gains them when opened, and answers "no successor".
func TestLineageTablesAddedOnOpen(t *testing.T) {
	s := openTemp(t)
	writeFixture(t, s)
	for _, q := range []string{"DROP TABLE plot_lineage", "DROP TABLE sheet_lineage",
		"DELETE FROM gpkg_contents WHERE table_name IN ('plot_lineage', 'sheet_lineage')"} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), s.Path())
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM gpkg_contents WHERE table_name IN ('plot_lineage', 'sheet_lineage')`).Scan(&n); err != nil || n != 2 {
		t.Errorf("lineage tables registered after reopen: %d (%v), want 2", n, err)
	}
	if _, err := s.Successor(context.Background(), keyMoved); spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("Successor on the reopened file: %v, want not found", err)
	}
}
