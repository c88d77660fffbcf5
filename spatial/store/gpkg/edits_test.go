package gpkg

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

// WatchEdits stays quiet for the store's own writes, made through another
// handle on the file (a CLI ingest), one of them into a new zone, and
// speaks when GDAL's writer (what QGIS edits with) adds a row to a plots
// table.
func TestGPKGWatchEdits(t *testing.T) {
	ogr2ogr, err := exec.LookPath("ogr2ogr")
	requireGDAL(t, "ogr2ogr", err == nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "edits.gpkg")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	edits := make(chan struct{}, 16)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.WatchEdits(wctx, func() { edits <- struct{}{} }) }()
	defer func() { stop(); <-done }()
	time.Sleep(2 * watchEvery) // the watcher has its first stamps

	sa := storetest.SheetAt(t, storetest.UnitB, 1, storetest.ZoneA, 601234, 1191876)
	fa := sa.FrameBound()
	sc := storetest.SheetAt(t, storetest.UnitC, 1, storetest.ZoneC, 585432, 2330456)
	fc := sc.FrameBound()
	pc := storetest.Square(storetest.UnitC, 1, 1, storetest.ZoneC, fc.Min[0]+10, fc.Min[1]+10, 20)
	pc.Commune = storetest.UnitC
	for _, batch := range []*spatial.Batch{
		{Units: storetest.Units(), Sheets: []*spatial.Sheet{sa}, Plots: []*spatial.Plot{storetest.Square(storetest.UnitB, 1, 1, storetest.ZoneA, fa.Min[0]+10, fa.Min[1]+10, 20)}},
		{Sheets: []*spatial.Sheet{sc}}, // a new zone: four new tables, two of them not written
		{Plots: []*spatial.Plot{pc}},
	} {
		batch.Change = spatial.Change{By: "t", Reason: "ingest"}
		if _, err := b.Write(ctx, batch); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * watchEvery) // each write seen on its own
	}
	select {
	case <-edits:
		t.Fatal("the store's own writes were taken for an outside edit")
	case <-time.After(5 * watchEvery):
	}
	copyRow := `SELECT geom, unit, sheet, plot + 1000 AS plot, commune, land_use, legal_area, area, address, version, valid_from,
		changed_by, reason, source FROM plots_9210 WHERE plot < 1000`
	if out, err := exec.Command(ogr2ogr, "-update", "-append", path, path, "-dialect", "SQLite", "-sql", copyRow, "-nln", "plots_9210").CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	select {
	case <-edits:
	case <-time.After(10 * time.Second):
		t.Fatal("GDAL's edit of plots_9210 not noticed within 10 s")
	}
}
