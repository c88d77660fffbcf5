package gpkg

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

// rectPlot returns plot number of sheet sh covering the rectangle from
// (de0, dn0) to (de1, dn1) metres off the sheet's south-west corner.
func rectPlot(sh *spatial.Sheet, number int, de0, dn0, de1, dn1 float64) *spatial.Plot {
	f := sh.FrameBound()
	p := storetest.Square(sh.Key.Unit, sh.Key.Number, number, sh.EPSG, 0, 0, 1)
	p.Geometry = orb.MultiPolygon{rect(f.Min[0]+de0, f.Min[1]+dn0, f.Min[0]+de1, f.Min[1]+dn1)}
	return p
}

func key(sh *spatial.Sheet, plot int) spatial.PlotKey {
	return spatial.PlotKey{Unit: sh.Key.Unit, Sheet: sh.Key.Number, Plot: plot}
}

func TestTxOverlaps(t *testing.T) {
	for _, limit := range []int{aroundLimit, 3} {
		t.Run(fmt.Sprintf("around limit %d", limit), func(t *testing.T) { testTxOverlaps(t, limit) })
	}
}

func testTxOverlaps(t *testing.T, limit int) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	shA := storetest.SheetAt(t, storetest.UnitB, 1, storetest.ZoneA, 601234, 1191876)
	// The same plane coordinates in another zone are another place.
	shC := storetest.SheetAt(t, storetest.UnitC, 1, storetest.ZoneC, 601234, 1191876)
	stored := &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{shA, shC}, Plots: []*spatial.Plot{
		rectPlot(shA, 1, 100, 100, 120, 120), // will be overlapped by a new plot
		rectPlot(shA, 2, 200, 200, 210, 210), // stored pair overlapping each other: not this batch's business
		rectPlot(shA, 3, 205, 205, 215, 215),
		rectPlot(shA, 4, 300, 300, 310, 310), // will get a new version that overlaps plot 5
		rectPlot(shA, 5, 310, 305, 320, 315),
	}, Change: change("stored")}
	if _, err := s.Write(ctx, stored); err != nil {
		t.Fatal(err)
	}
	tx := begin(t, s, "overlaps")
	tx.(*writeTx).aroundLimit = limit
	grid := newPlotGrid(t, 2, 601734, 1191876, 2.5, 7) // irregular neighbours sharing edges, over 3 pages
	writeChunk(t, tx, &spatial.Batch{Sheets: []*spatial.Sheet{grid.sheet}, Plots: grid.plots(0, 1200)}, "grid")
	writeChunk(t, tx, &spatial.Batch{Plots: []*spatial.Plot{
		rectPlot(shA, 10, 0, 0, 10, 10), // 10 and 11 overlap by 1 m²
		rectPlot(shA, 11, 9, 9, 19, 19),
		rectPlot(shA, 12, 19, 9, 29, 19),       // shares an edge with 11
		rectPlot(shA, 13, 115, 118, 130, 130),  // 5 x 2 m² over stored plot 1
		rectPlot(shA, 14, 40, 40, 50, 50.0005), // 0.005 m² over 15: below 0.01
		rectPlot(shA, 15, 40, 50, 50, 60),
		rectPlot(shA, 4, 300, 300, 312, 310), // new version of 4: 2 x 5 m² over 5
	}}, "rectangles")
	writeChunk(t, tx, &spatial.Batch{Plots: []*spatial.Plot{
		rectPlot(shC, 10, 0, 0, 10, 10), // same coordinates as A's 10 and 11, other zone
		rectPlot(shC, 11, 9.5, 9.5, 19, 19),
	}}, "zone C")
	got, err := tx.Overlaps(ctx, 0.01)
	if err != nil {
		t.Fatalf("Overlaps: %v", err)
	}
	want := []spatial.Overlap{
		{A: key(shA, 1), B: key(shA, 13), Area: 10},
		{A: key(shA, 4), B: key(shA, 5), Area: 10},
		{A: key(shA, 10), B: key(shA, 11), Area: 1},
		{A: key(shC, 10), B: key(shC, 11), Area: 0.25},
	}
	if len(got) != len(want) {
		t.Fatalf("Overlaps: got %v, want %v", got, want)
	}
	for i, w := range want {
		if g := got[i]; g.A != w.A || g.B != w.B || math.Abs(g.Area-w.Area) > 1e-6 {
			t.Errorf("overlap %d: got %s %s %.9f m², want %s %s %g m²", i, g.A, g.B, g.Area, w.A, w.B, w.Area)
		}
	}
	if all, err := tx.Overlaps(ctx, 0); err != nil || len(all) != 5 {
		t.Errorf("Overlaps(0): got %v (err %v), want the 4 pairs and 14/15", all, err)
	}
}

// TestTxOverlapsAcrossChunks: plots of two chunks overlap, and the pair is
// listed once whichever plot is visited first.
func TestTxOverlapsAcrossChunks(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	sh := storetest.SheetAt(t, storetest.UnitB, 1, storetest.ZoneA, 601234, 1191876)
	tx := begin(t, s, "across chunks")
	writeChunk(t, tx, &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sh},
		Plots: []*spatial.Plot{rectPlot(sh, 9, 0, 0, 10, 10), rectPlot(sh, 2, 50, 50, 60, 60)}}, "chunk 1")
	writeChunk(t, tx, &spatial.Batch{Plots: []*spatial.Plot{rectPlot(sh, 1, 8, 0, 18, 10), rectPlot(sh, 10, 55, 55, 65, 65)}}, "chunk 2")
	got, err := tx.Overlaps(ctx, 0.01)
	want := []spatial.Overlap{{A: key(sh, 1), B: key(sh, 9), Area: 20}, {A: key(sh, 2), B: key(sh, 10), Area: 25}}
	if err != nil || len(got) != 2 || got[0].A != want[0].A || got[0].B != want[0].B || got[1].A != want[1].A || got[1].B != want[1].B ||
		math.Abs(got[0].Area-20) > 1e-6 || math.Abs(got[1].Area-25) > 1e-6 {
		t.Errorf("Overlaps: got %v (err %v), want %v", got, err, want)
	}
}

func rect(e0, n0, e1, n1 float64) orb.Polygon {
	return orb.Polygon{{{e0, n0}, {e1, n0}, {e1, n1}, {e0, n1}, {e0, n0}}}
}

// TestTxOverlapsAcrossSheets: a page holds the plots of two adjacent
// sheets, each sheet's plots fetched around on their own; plots reaching
// over the shared frame edge (the frame extension allows 200 m at 1:1000)
// overlap plots of the other sheet, written in the same page or stored.
func TestTxOverlapsAcrossSheets(t *testing.T) {
	for _, limit := range []int{aroundLimit, 1} {
		t.Run(fmt.Sprintf("around limit %d", limit), func(t *testing.T) {
			s := openTemp(t)
			defer s.Close()
			ctx := context.Background()
			west := storetest.SheetAt(t, storetest.UnitB, 1, storetest.ZoneA, 601234, 1191876)
			w := west.FrameBound()
			east := storetest.SheetAt(t, storetest.UnitB, 2, storetest.ZoneA, w.Max[0]+10, w.Min[1]+10)
			if e := east.FrameBound(); e.Min[0] != w.Max[0] || e.Min[1] != w.Min[1] {
				t.Fatalf("sheets not adjacent: west %v, east %v", w, e)
			}
			width := w.Max[0] - w.Min[0]
			stored := &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{west, east}, Plots: []*spatial.Plot{
				rectPlot(east, 1, 0, 100, 10, 110), // will be overlapped from the west sheet
			}, Change: change("stored")}
			if _, err := s.Write(ctx, stored); err != nil {
				t.Fatal(err)
			}
			tx := begin(t, s, "across sheets")
			tx.(*writeTx).aroundLimit = limit
			writeChunk(t, tx, &spatial.Batch{Plots: []*spatial.Plot{
				rectPlot(west, 7, width-5, 100, width+4, 110), // 4 x 10 m² over the stored east plot 1
				rectPlot(west, 8, width-5, 0, width+3, 10),    // 3 x 10 m² over east plot 9, same page
				rectPlot(east, 9, 0, 0, 10, 10),
			}}, "two sheets")
			got, err := tx.Overlaps(ctx, 0.01)
			want := []spatial.Overlap{{A: key(west, 7), B: key(east, 1), Area: 40}, {A: key(west, 8), B: key(east, 9), Area: 30}}
			if err != nil || len(got) != len(want) {
				t.Fatalf("Overlaps: got %v (err %v), want %v", got, err, want)
			}
			for i, w := range want {
				if g := got[i]; g.A != w.A || g.B != w.B || math.Abs(g.Area-w.Area) > 1e-6 {
					t.Errorf("overlap %d: got %s %s %.9f m², want %s %s %g m²", i, g.A, g.B, g.Area, w.A, w.B, w.Area)
				}
			}
		})
	}
}
