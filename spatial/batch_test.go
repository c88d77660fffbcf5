package spatial

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial/grid"
)

func testSheet(t *testing.T) *Sheet {
	t.Helper()
	num, f, err := grid.SheetAt(grid.Scale1000, e0, n0)
	if err != nil {
		t.Fatal(err)
	}
	return &Sheet{Key: SheetKey{Unit: "90001", Number: 3}, GridNumber: num, Scale: grid.Scale1000, EPSG: 9210,
		Frame: orb.MultiPolygon{{sq(f.MinE, f.MinN, f.MaxE-f.MinE, f.MaxN-f.MinN)}}}
}

func testPlot(s *Sheet, n int, de, dn float64) *Plot {
	b := s.Frame.Bound()
	return &Plot{Key: PlotKey{Unit: "90001", Sheet: 3, Plot: n}, Commune: "90002", EPSG: 9210,
		Geometry: orb.MultiPolygon{{rev(sq(b.Min[0]+de, b.Min[1]+dn, 10, 12))}}, LandUse: []string{"LUC"}, LegalArea: 120}
}

func TestBatchCheckGood(t *testing.T) {
	s := testSheet(t)
	p := testPlot(s, 1, 5, 5)
	b := &Batch{Units: []AdminUnit{{Code: "90001", EPSG: 9210, Successor: "90002"}}, Sheets: []*Sheet{s}, Plots: []*Plot{p}}
	if err := b.Check(nil); err != nil {
		t.Fatalf("good batch: %v", err)
	}
	if p.Area != 120 || RingArea(p.Geometry[0][0]) <= 0 {
		t.Errorf("normalise: area %v, shell area %v; want 120, counter-clockwise", p.Area, RingArea(p.Geometry[0][0]))
	}
	// A plot may stick out of the frame by the 200 m extension at 1:1000, not more.
	out := testPlot(s, 2, -195, 5)
	if err := (&Batch{Sheets: []*Sheet{s}, Plots: []*Plot{out}}).Check(nil); err != nil {
		t.Errorf("plot 195 m out of a 1:1000 frame: %v", err)
	}
}

func TestBatchCheckProblems(t *testing.T) {
	s := testSheet(t)
	badSheet := testSheet(t)
	badSheet.Key.Number = 4
	badSheet.GridNumber = "725 500-6-d"
	far := testPlot(s, 2, -215, 5)
	unknown := testPlot(s, 3, 30, 5)
	unknown.LandUse = []string{"LUC", "XXX"}
	noSheet := testPlot(s, 4, 50, 5)
	noSheet.Key.Sheet = 9
	wrongZone := testPlot(s, 5, 70, 5)
	wrongZone.EPSG = 5897
	neg := testPlot(s, 6, 90, 5)
	neg.LegalArea = -1
	dup := testPlot(s, 6, 110, 5)
	axes := testPlot(s, 7, 130, 5)
	for i, pt := range axes.Geometry[0][0] {
		axes.Geometry[0][0][i] = orb.Point{pt[1], pt[0]} // northing, easting: swapped
	}
	badKey := testPlot(s, 0, 150, 5)
	b := &Batch{Sheets: []*Sheet{s, badSheet}, Plots: []*Plot{testPlot(s, 1, 5, 5), far, unknown, noSheet, wrongZone, neg, dup, axes, badKey}}
	err := b.Check(func(SheetKey) (*Sheet, bool) { return nil, false })
	if KindOf(err) != KindInvalid {
		t.Fatalf("got %v, want KindInvalid", err)
	}
	want := []struct {
		feature, field, reason string
	}{
		{"sheet 90001/4", "sheets[1].grid_number", "does not match"},
		{"90001/3/2", "geometry", "frame extension"},
		{"90001/3/3", "land_use", `"XXX"`},
		{"90001/9/4", "sheet", "neither stored"},
		{"90001/3/5", "epsg", "EPSG:5897"},
		{"90001/3/6", "legal_area", "positive"},
		{"90001/3/6", "key", "duplicate plot key"},
		{"90001/3/7", "geometry", "axis order"},
		{"90001/3/0", "key", "bad plot key"},
	}
	probs := ProblemsOf(err)
	for _, w := range want {
		found := false
		for _, p := range probs {
			if p.Feature == w.feature && p.Field == w.field && strings.Contains(p.Reason, w.reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing problem %+v in:\n%v", w, probs)
		}
	}
	if len(probs) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(probs), len(want), probs)
	}
}
