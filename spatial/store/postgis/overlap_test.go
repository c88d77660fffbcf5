package postgis_test

import (
	"math"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

// rectPlot is plot number of sheet sh covering [e0, e1] x [n0, n1] metres
// from the sheet's south-west corner.
func rectPlot(sh *spatial.Sheet, number int, e0, n0, e1, n1 float64) *spatial.Plot {
	f := sh.Frame.Bound()
	x, y := f.Min[0], f.Min[1]
	ring := orb.Ring{{x + e0, y + n0}, {x + e1, y + n0}, {x + e1, y + n1}, {x + e0, y + n1}, {x + e0, y + n0}}
	return &spatial.Plot{
		Key: spatial.PlotKey{Unit: sh.Key.Unit, Sheet: sh.Key.Number, Plot: number}, Commune: storetest.UnitB,
		EPSG: sh.EPSG, Geometry: orb.MultiPolygon{{ring}}, LandUse: []string{"ONT"},
		LegalArea: math.Round((e1-e0)*(n1-n0)*10) / 10,
	}
}

// TestPostGISTxOverlaps lists overlaps between plots of the transaction and
// with stored neighbours, once per pair, with their area; not neighbours
// sharing an edge, plots of another zone at the same plane coordinates,
// retired plots, or stored pairs the transaction did not touch.
func TestPostGISTxOverlaps(t *testing.T) {
	s := open(t)
	s1 := txSheet(t, 1)
	other := storetest.SheetAt(t, storetest.UnitC, 50, 9209, s1.Frame.Bound().Min[0]+1, s1.Frame.Bound().Min[1]+1)
	stored := &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{s1, other}, Plots: []*spatial.Plot{
		rectPlot(s1, 1, 100, 0, 120, 10), // N, overlapped by the new version of 2
		rectPlot(s1, 2, 200, 0, 210, 10),
		rectPlot(s1, 3, 0, 5, 10, 15),                                      // overlaps 10, but is retired by the transaction
		rectPlot(s1, 4, 300, 0, 310, 10), rectPlot(s1, 5, 305, 0, 315, 10), // an old overlap, untouched
	}, Change: spatial.Change{By: "t", Reason: "t"}}
	if _, err := s.Write(ctx(t), stored); err != nil {
		t.Fatal(err)
	}
	tx := begin(t, s)
	writeChunk(t, tx, &spatial.Batch{Retire: []spatial.PlotKey{stored.Plots[2].Key}, Plots: []*spatial.Plot{
		rectPlot(s1, 10, 0, 0, 10, 10),
		rectPlot(s1, 11, 9.9, 0, 19.9, 10), // overlaps 10 by 0.1 x 10 m
		rectPlot(s1, 12, 0, 10, 10, 20),    // shares an edge with 10, a corner segment with 11
		rectPlot(s1, 13, 400, 0, 410, 10),
		rectPlot(s1, 14, 409.9995, 0, 419.9995, 10), // overlaps 13 by 0.005 m²
	}})
	writeChunk(t, tx, &spatial.Batch{Plots: []*spatial.Plot{
		rectPlot(s1, 2, 119.8, 0, 129.8, 10), // changed: overlaps 1 by 0.2 x 10 m
		rectPlot(other, 1, -1, -1, 9, 9),     // the plane square of 10, in EPSG:9209
	}})
	key := func(n int) spatial.PlotKey { return spatial.PlotKey{Unit: storetest.UnitA, Sheet: 1, Plot: n} }
	cases := []struct {
		minArea float64
		want    []spatial.Overlap
	}{
		{0.01, []spatial.Overlap{{A: key(1), B: key(2), Area: 2}, {A: key(10), B: key(11), Area: 1}}},
		{1.5, []spatial.Overlap{{A: key(1), B: key(2), Area: 2}}},
		{0, []spatial.Overlap{{A: key(1), B: key(2), Area: 2}, {A: key(10), B: key(11), Area: 1}, {A: key(13), B: key(14), Area: 0.005}}},
	}
	for _, c := range cases {
		got, err := tx.Overlaps(ctx(t), c.minArea)
		if err != nil {
			t.Fatalf("Overlaps(%v): %v", c.minArea, err)
		}
		if !sameOverlaps(got, c.want) {
			t.Errorf("Overlaps(%v): got %v, want %v", c.minArea, got, c.want)
		}
	}
}

func sameOverlaps(got, want []spatial.Overlap) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].A != want[i].A || got[i].B != want[i].B || math.Abs(got[i].Area-want[i].Area) > 1e-6 {
			return false
		}
	}
	return true
}
