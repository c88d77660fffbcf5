package gpkg

import (
	"context"
	"testing"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

// TestPlanSheetWithHandAddedPlot: a plot added to a current table by hand
// (QGIS edits plots_<epsg>; no history row) keeps its sheet from being
// planned as fresh: writing that key gives the plot a new version instead
// of failing on the table's unique key.
func TestPlanSheetWithHandAddedPlot(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	sh := storetest.SheetAt(t, storetest.UnitB, 1, storetest.ZoneA, 601234, 1191876)
	if _, err := s.Write(ctx, &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sh}, Change: change("sheet")}); err != nil {
		t.Fatal(err)
	}
	hand := rectPlot(sh, 5, 10, 10, 20, 20)
	hand.Area = 100
	blob, _, err := encodeGeom(sh.EPSG, hand.Geometry)
	if err != nil {
		t.Fatal(err)
	}
	v := spatial.Version{Version: 1, ValidFrom: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ChangedBy: "qgis", Reason: "drawn by hand"}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO "+plotTable(sh.EPSG)+" ("+plotColumns+") VALUES ("+placeholders(plotColumnCount)+")",
		plotArgs(hand, blob, v)...); err != nil {
		t.Fatal(err)
	}
	res, err := s.Write(ctx, &spatial.Batch{Plots: []*spatial.Plot{rectPlot(sh, 5, 10, 10, 21, 20), rectPlot(sh, 6, 30, 30, 40, 40)}, Change: change("re-measured")})
	if err != nil || res.Changed != 1 || res.Inserted != 1 {
		t.Fatalf("Write: got %+v (err %v), want plot 5 changed and plot 6 inserted", res, err)
	}
	if h := mustPlot(t, s, key(sh, 5)); h.Current.Version.Version != 2 {
		t.Errorf("plot 5: version %d, want 2", h.Current.Version.Version)
	}
}
