package gpkg

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

// fixtureCounts are the rows each table holds after writeFixture.
var fixtureCounts = map[string]int{
	"plots_9210": 2, "plot_versions_9210": 5, "sheets_9210": 1, "sheet_versions_9210": 1,
	"plots_5897": 1, "plot_versions_5897": 1, "sheets_5897": 1, "sheet_versions_5897": 1,
	"admin_units": 3, "changes": 4, "tokens": 0, "token_uses": 0, "token_extract_bytes": 0, "plot_lineage": 0, "sheet_lineage": 0,
}

// writeFixture writes the storetest fixture over two zones in four
// batches: a sheet of unit A with three plots (one with a hole, one in two
// parts), a sheet and plot of unit C in another zone, a re-measured plot
// and a retired one.
func writeFixture(t testing.TB, s spatial.Store) {
	t.Helper()
	ctx := context.Background()
	shA := storetest.SheetAt(t, storetest.UnitA, 7, storetest.ZoneA, 601234, 1191876)
	f := shA.Frame.Bound()
	e0, n0 := f.Min[0]+10.123, f.Min[1]+10.456
	p1 := storetest.Square(storetest.UnitA, 7, 1, storetest.ZoneA, e0, n0, 20.25)
	p2 := storetest.Square(storetest.UnitA, 7, 2, storetest.ZoneA, e0+30, n0, 40)
	p2.Geometry[0] = append(p2.Geometry[0], orb.Ring{{e0 + 40, n0 + 10}, {e0 + 40, n0 + 20}, {e0 + 50, n0 + 20}, {e0 + 50, n0 + 10}, {e0 + 40, n0 + 10}})
	p3 := storetest.Square(storetest.UnitA, 7, 3, storetest.ZoneA, e0, n0+60, 10)
	p3.Geometry = append(p3.Geometry, orb.Polygon{{{e0 + 20, n0 + 60}, {e0 + 25.5, n0 + 60}, {e0 + 25.5, n0 + 65.25}, {e0 + 20, n0 + 65.25}, {e0 + 20, n0 + 60}}})
	shC := storetest.SheetAt(t, storetest.UnitC, 3, storetest.ZoneC, 585432, 2330456)
	fc := shC.Frame.Bound()
	pc := storetest.Square(storetest.UnitC, 3, 1, storetest.ZoneC, fc.Min[0]+1.5, fc.Min[1]+2.5, 15)
	pc.Commune = storetest.UnitC
	moved := storetest.Square(storetest.UnitA, 7, 1, storetest.ZoneA, e0+0.37, n0, 20.25)
	batches := []*spatial.Batch{
		{Units: storetest.Units(), Sheets: []*spatial.Sheet{shA}, Plots: []*spatial.Plot{p1, p2, p3}, Change: change("initial load")},
		{Sheets: []*spatial.Sheet{shC}, Plots: []*spatial.Plot{pc}, Change: change("other province")},
		{Plots: []*spatial.Plot{moved}, Change: change("re-measured")},
		{Retire: []spatial.PlotKey{p3.Key}, Change: change("merged")},
	}
	for i, b := range batches {
		if _, err := s.Write(ctx, b); err != nil {
			t.Fatalf("fixture batch %d: %v", i, err)
		}
	}
}

func change(reason string) spatial.Change {
	return spatial.Change{By: "gpkg-test", Reason: reason, Source: "fixture_test.go"}
}
