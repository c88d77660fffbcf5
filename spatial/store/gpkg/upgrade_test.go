package gpkg

import (
	"context"
	"database/sql"
	"testing"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

// TestUpgradeSheetTables: a file written before off-grid sheets (POLYGON
// sheet tables, Polygon frames, no off_grid column) is brought up to date
// when opened: its sheets read back as they were, not off-grid, and it
// takes an off-grid sheet of two parts (issue 13).
func TestUpgradeSheetTables(t *testing.T) {
	s := openTemp(t)
	writeFixture(t, s)
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Make the file as the old version wrote it.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, table := range []string{sheetTable(storetest.ZoneA), sheetVersionTable(storetest.ZoneA)} {
		rows, err := db.QueryContext(ctx, `SELECT fid, geom FROM "`+table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		polys := map[int64][]byte{}
		for rows.Next() {
			var fid int64
			var blob []byte
			if err := rows.Scan(&fid, &blob); err != nil {
				t.Fatal(err)
			}
			mp, err := decodeMultiPolygon(blob)
			if err != nil {
				t.Fatal(err)
			}
			if polys[fid], _, err = encodeGeom(storetest.ZoneA, mp[0]); err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
		for fid, blob := range polys {
			if _, err := db.ExecContext(ctx, `UPDATE "`+table+`" SET geom = ? WHERE fid = ?`, blob, fid); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{`ALTER TABLE "` + table + `" DROP COLUMN off_grid`,
			`UPDATE gpkg_geometry_columns SET geometry_type_name = 'POLYGON' WHERE table_name = '` + table + `'`} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	db.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("opening the old file: %v", err)
	}
	defer s.Close()
	sheets, err := s.Sheets(ctx, "")
	if err != nil || len(sheets) != 2 {
		t.Fatalf("sheets of the old file: %d (%v), want 2", len(sheets), err)
	}
	for _, sh := range sheets {
		if sh.OffGrid || len(sh.Frame) != 1 || len(sh.Frame[0][0]) != 5 {
			t.Errorf("sheet %s of the old file: off-grid %v, frame %v; want a grid cell", sh.Key, sh.OffGrid, sh.Frame)
		}
	}
	og := storetest.OffGridSheet(8, 603000, 1191000)
	if _, err := s.Write(ctx, &spatial.Batch{Sheets: []*spatial.Sheet{og}, Change: change("off-grid sheet")}); err != nil {
		t.Fatalf("off-grid sheet into the upgraded file: %v", err)
	}
	got, err := s.Sheet(ctx, og.Key)
	if err != nil || !got.OffGrid || len(got.Frame) != 2 {
		t.Errorf("off-grid sheet read back: %+v %v, want two parts, off-grid", got, err)
	}
	var typ string
	if err := s.db.QueryRowContext(ctx, `SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = ?`, sheetTable(storetest.ZoneA)).Scan(&typ); err != nil || typ != "MULTIPOLYGON" {
		t.Errorf("registered geometry type: %q (%v), want MULTIPOLYGON", typ, err)
	}
}
