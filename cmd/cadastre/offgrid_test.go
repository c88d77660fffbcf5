package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// offGridFile has an off-grid sheet of two parts at 1:2500 without a grid
// number, a plot inside it, one on its island, and a river plot running
// 700 m out of its east edge (the extension at 1:2500 is 500 m) with its
// label point inside the frame.
const offGridFile = `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:9210"}},"features":[
{"type":"Feature","properties":{"unit":"27001","sheet":77,"scale":"1:2500","off_grid":true,"survey_year":1994},"geometry":{"type":"MultiPolygon","coordinates":[
 [[[610000,1195000],[611000,1195050],[611100,1195800],[610400,1196100],[609950,1195600],[610000,1195000]]],
 [[[613500,1195000],[613700,1195000],[613700,1195200],[613500,1195200],[613500,1195000]]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":77,"plot":1,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[610200,1195200],[610300,1195200],[610300,1195300],[610200,1195300],[610200,1195200]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":77,"plot":2,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[613550,1195050],[613600,1195050],[613600,1195100],[613550,1195100],[613550,1195050]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":77,"plot":3,"land_use":"SON"},"geometry":{"type":"Polygon","coordinates":[[[610100,1195400],[611800,1195400],[611800,1195460],[610100,1195460],[610100,1195400]]]}}
]}`

// TestIngestOffGridSheet: an off-grid sheet goes in from GeoJSON on both
// stores, with the river plot as a warning naming its distance, and is
// answered marked off-grid by the sheet lookup, TileJSON's fields and the
// GeoPackage table (issue 13). Before, the sheet was refused: no grid
// number, a scale outside the six, a frame of two parts.
func TestIngestOffGridSheet(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			flags := k.flag(t)
			path := filepath.Join(t.TempDir(), "old-survey.geojson")
			if err := os.WriteFile(path, []byte(offGridFile), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := run(t, append(append([]string{"ingest"}, flags...), sampleFiles[0], path)...)
			if err != nil || !strings.Contains(out, "inserted 3") || !strings.Contains(out, "WARNINGS") {
				t.Fatalf("off-grid ingest: %v\n%s", err, out)
			}
			// The river runs from E 611,100 (the frame's edge near N 1,195,430) to 611,800.
			if !reportHas(strings.ReplaceAll(out, "old-survey.geojson", "bad.geojson"), "#3", "27001/77/3", "sticks out of its sheet 27001/77 frame by") {
				t.Errorf("no warning with the distance for the river plot:\n%s", out)
			}
			base, stop, _ := startServe(t, append(flags, "--load-sample=false")...)
			var at struct {
				Sheets []struct {
					Sheet      int    `json:"sheet"`
					GridNumber string `json:"grid_number"`
					Scale      int    `json:"scale"`
					OffGrid    bool   `json:"off_grid"`
					Geometry   struct {
						Type string `json:"type"`
					} `json:"geometry"`
				} `json:"sheets"`
			}
			getJSON(t, base+"/api/v1/sheets/at?x=613600&y=1195150&crs=EPSG:9210", &at)
			if len(at.Sheets) != 1 || !at.Sheets[0].OffGrid || at.Sheets[0].Sheet != 77 || at.Sheets[0].Scale != 2500 ||
				at.Sheets[0].GridNumber != "" || at.Sheets[0].Geometry.Type != "MultiPolygon" {
				t.Errorf("sheet at the island: got %+v, want sheet 77, off-grid, 1:2500, a MultiPolygon", at.Sheets)
			}
			var tj struct {
				VectorLayers []struct {
					ID     string            `json:"id"`
					Fields map[string]string `json:"fields"`
				} `json:"vector_layers"`
			}
			getJSON(t, base+"/tiles/sheets.json", &tj)
			if len(tj.VectorLayers) != 1 || tj.VectorLayers[0].Fields["off_grid"] == "" {
				t.Errorf("TileJSON of sheets: %+v, want an off_grid field", tj.VectorLayers)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if k.name == "GPKG" {
				db, err := sql.Open("sqlite", flags[1])
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				var off int
				var typ string
				if err := db.QueryRowContext(context.Background(), `SELECT off_grid FROM sheets_9210 WHERE number = 77`).Scan(&off); err != nil || off != 1 {
					t.Errorf("sheets_9210.off_grid of sheet 77: %d %v, want 1", off, err)
				}
				db.QueryRow(`SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = 'sheets_9210'`).Scan(&typ)
				if typ != "MULTIPOLYGON" {
					t.Errorf("sheets_9210 geometry type %q, want MULTIPOLYGON", typ)
				}
			}
		})
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, b)
	}
}
