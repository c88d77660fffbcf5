package audit

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/grid"
	"cadastre/spatial/index"
)

// The hand-made sheet: 1:1000 at EPSG:9210, frame 600000..600500 E,
// 1192000..1192500 N; plots are 10 m squares of a grid from (600100,
// 1192100), numbered in reading order.

const e0, n0 = 600100.0, 1192100.0

func testSheet(num int) *index.Sheet {
	f := orb.Ring{{600000, 1192000}, {600500, 1192000}, {600500, 1192500}, {600000, 1192500}, {600000, 1192000}}
	return &index.Sheet{Key: spatial.SheetKey{Unit: "27001", Number: num}, GridNumber: "test", Scale: grid.Scale(1000), EPSG: 9210, Frame: orb.MultiPolygon{{f}}}
}

func rect(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

func plot(sheet, num int, g orb.MultiPolygon) *index.Plot {
	a := spatial.RoundArea(spatial.PlaneArea(g))
	return &index.Plot{Key: spatial.PlotKey{Unit: "27001", Sheet: sheet, Plot: num}, Commune: "27001", LandUse: []string{"LUC"},
		LegalArea: a, Area: a, EPSG: 9210, Geometry: g}
}

// grid3 returns the nine plots of a 3x3 grid of 10 m cells, plot 5 in the middle.
func grid3() []*index.Plot {
	var ps []*index.Plot
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			x, y := e0+10*float64(c), n0+10*float64(2-r)
			ps = append(ps, plot(1, len(ps)+1, rect(x, y, x+10, y+10)))
		}
	}
	return ps
}

func run(t *testing.T, in Input) *Report {
	t.Helper()
	o, err := DefaultOptions()
	if err != nil {
		t.Fatal(err)
	}
	if in.Units == nil {
		in.Units = []spatial.AdminUnit{{Code: "27001", Name: "test", EPSG: 9210}}
	}
	r, err := Run(context.Background(), in, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

func kinds(r *Report) map[Kind]int {
	m := map[Kind]int{}
	for _, p := range r.Problems {
		m[p.Kind]++
	}
	return m
}

func describe(r *Report) string {
	s := ""
	for _, p := range r.Problems {
		s += fmt.Sprintf("\n  %s %s/%d/%d %v %g %s", p.Kind, p.Unit, p.Sheet, p.Plot, p.Others, p.Measure, p.Detail)
	}
	return s
}

func TestCleanGrid(t *testing.T) {
	ps := grid3()
	// plot 10 spans the bottom edges of plots 7 and 8: a T-junction at (e0+10, n0).
	ps = append(ps, plot(1, 10, rect(e0, n0-10, e0+20, n0)))
	r := run(t, Input{Sheets: []*index.Sheet{testSheet(1)}, Plots: ps})
	if len(r.Problems) != 0 {
		t.Fatalf("clean grid: got %d problems, want none:%s", len(r.Problems), describe(r))
	}
	if s := r.Communes[0]; s.Plots != 10 || s.CleanPlots != 10 || s.CleanShare != 1 || s.Sheets != 1 {
		t.Errorf("summary: got %+v, want 10 plots, all clean, 1 sheet", s)
	}
}

// TestEachRule breaks the clean grid in one way per case and wants exactly
// that problem, on the right plot, with the right measure.
func TestEachRule(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(ps []*index.Plot) []*index.Plot
		retired map[int]bool
		want    Kind
		plot    int
		measure float64
		others  int
	}{
		{name: "invalid bow-tie", want: InvalidGeometry, plot: 5, measure: 1, edit: func(ps []*index.Plot) []*index.Plot {
			ps[4].Geometry = orb.MultiPolygon{{{{e0 + 10, n0 + 10}, {e0 + 20, n0 + 20}, {e0 + 20, n0 + 10}, {e0 + 10, n0 + 20}, {e0 + 10, n0 + 10}}}}
			return ps
		}},
		{name: "overlap", want: Overlap, plot: 5, measure: 10, others: 1, edit: func(ps []*index.Plot) []*index.Plot {
			ps[4].Geometry = rect(e0+10, n0+10, e0+21, n0+20) // 1 m into plot 6
			ps[4].Area, ps[4].LegalArea = 110, 110
			return ps
		}},
		{name: "gap", want: Gap, measure: 100, others: 4, edit: func(ps []*index.Plot) []*index.Plot {
			return append(ps[:4:4], ps[5:]...) // the middle plot is gone (number 5 retired)
		}, retired: map[int]bool{5: true}},
		{name: "sliver", want: Sliver, measure: 1, others: 4, edit: func(ps []*index.Plot) []*index.Plot {
			ps[4].Geometry = rect(e0+10, n0+10, e0+19.9, n0+20) // 10 cm short of plot 6
			ps[4].Area, ps[4].LegalArea = 99, 99
			return ps
		}},
		{name: "area mismatch", want: AreaMismatch, plot: 2, measure: -10, edit: func(ps []*index.Plot) []*index.Plot {
			ps[1].LegalArea = 110
			return ps
		}},
		{name: "outside frame", want: OutsideFrame, plot: 10, measure: 310, edit: func(ps []*index.Plot) []*index.Plot {
			return append(ps, plot(1, 10, rect(600800, 1192100, 600810, 1192110)))
		}},
		{name: "duplicate number", want: DuplicateNumber, plot: 9, measure: 2, others: 1, edit: func(ps []*index.Plot) []*index.Plot {
			return append(ps, plot(1, 9, rect(e0+40, n0, e0+50, n0+10)))
		}},
		{name: "missing number", want: MissingNumber, plot: 10, measure: 1, edit: func(ps []*index.Plot) []*index.Plot {
			return append(ps, plot(1, 11, rect(e0+40, n0, e0+50, n0+10)))
		}},
		{name: "unknown land use", want: UnknownLandUse, plot: 3, measure: 1, edit: func(ps []*index.Plot) []*index.Plot {
			ps[2].LandUse = []string{"LUC", "XYZ"}
			return ps
		}},
		{name: "outdated land use", want: OutdatedLandUse, plot: 3, measure: 1, edit: func(ps []*index.Plot) []*index.Plot {
			ps[2].LandUse = []string{"SMN"}
			ps[2].LegalArea = 0 // still needs papers? SMN is no landuse.csv code: no exemption
			return ps
		}},
		{name: "no legal area", want: NoLegalArea, plot: 4, measure: 100, edit: func(ps []*index.Plot) []*index.Plot {
			ps[3].LegalArea = 0
			ps[2].LegalArea, ps[2].LandUse = 0, []string{"DGT"} // a road: no papers, no problem
			return ps
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Sheets: []*index.Sheet{testSheet(1)}, Plots: c.edit(grid3())}
			in.Retired = func(_ context.Context, k spatial.PlotKey) (bool, error) { return c.retired[k.Plot], nil }
			r := run(t, in)
			got := kinds(r)
			if got[c.want] != 1 {
				t.Fatalf("got %v, want one %s:%s", got, c.want, describe(r))
			}
			for _, p := range r.Problems {
				if p.Kind != c.want {
					if c.want == OutdatedLandUse && p.Kind == NoLegalArea {
						continue
					}
					t.Errorf("also found %s on %s/%d/%d: %s", p.Kind, p.Unit, p.Sheet, p.Plot, p.Detail)
					continue
				}
				if p.Plot != c.plot || math.Abs(p.Measure-c.measure) > 1e-6 || len(p.Others) != c.others {
					t.Errorf("got plot %d measure %g others %v, want plot %d measure %g with %d others", p.Plot, p.Measure, p.Others, c.plot, c.measure, c.others)
				}
				if p.Kind != MissingNumber && p.Geometry == nil {
					t.Errorf("%s has no geometry", p.Kind)
				}
				if p.Detail == "" {
					t.Errorf("%s has no detail", p.Kind)
				}
			}
			if s := r.Communes[0]; s.CleanPlots == s.Plots && c.want != MissingNumber && c.want != Gap {
				t.Errorf("summary says all %d plots clean despite a %s", s.Plots, c.want)
			}
		})
	}
}

func TestEmptySheet(t *testing.T) {
	r := run(t, Input{Sheets: []*index.Sheet{testSheet(1), testSheet(2)}, Plots: grid3()})
	if got := kinds(r); len(r.Problems) != 1 || got[EmptySheet] != 1 || r.Problems[0].Sheet != 2 {
		t.Fatalf("got %v, want one empty sheet 2:%s", got, describe(r))
	}
	if r.Communes[0].Sheets != 2 || r.Communes[0].CleanShare != 1 {
		t.Errorf("summary: got %+v, want 2 sheets, all plots clean", r.Communes[0])
	}
	// A sheet a merger renumbered keeps no plots: that is history.
	in := Input{Sheets: []*index.Sheet{testSheet(1), testSheet(2)}, Plots: grid3(),
		Renumbered: func(_ context.Context, k spatial.SheetKey) (bool, error) { return k.Number == 2, nil }}
	if r := run(t, in); len(r.Problems) != 0 || r.Communes[0].Sheets != 1 {
		t.Errorf("renumbered sheet: got%s and %d sheets, want nothing and 1 sheet", describe(r), r.Communes[0].Sheets)
	}
}

func TestMissingNumberRetired(t *testing.T) {
	ps := append(grid3(), plot(1, 11, rect(e0+40, n0, e0+50, n0+10)))
	in := Input{Sheets: []*index.Sheet{testSheet(1)}, Plots: ps,
		Retired: func(_ context.Context, k spatial.PlotKey) (bool, error) { return k.Plot == 10, nil }}
	if r := run(t, in); len(r.Problems) != 0 {
		t.Fatalf("a retired number is not missing: got%s", describe(r))
	}
}

// TestMissingNumberRun: a number far beyond the others (a typo) gives one
// problem for the run, not one per number.
func TestMissingNumberRun(t *testing.T) {
	ps := append(grid3(), plot(1, 90001, rect(e0+40, n0, e0+50, n0+10)))
	r := run(t, Input{Sheets: []*index.Sheet{testSheet(1)}, Plots: ps})
	if len(r.Problems) != 1 || r.Problems[0].Kind != MissingNumber || r.Problems[0].Plot != 10 || r.Problems[0].Measure != 89991 {
		t.Fatalf("got%s, want one missing run 10..90000 of 89991 numbers", describe(r))
	}
}

func TestOverlapReportedOnce(t *testing.T) {
	ps := grid3()
	ps = append(ps, plot(1, 10, ps[4].Geometry.Clone())) // plot 5 digitised twice
	r := run(t, Input{Sheets: []*index.Sheet{testSheet(1)}, Plots: ps})
	if got := kinds(r); got[Overlap] != 1 || len(r.Problems) != 1 {
		t.Fatalf("got %v, want one overlap:%s", got, describe(r))
	}
	if p := r.Problems[0]; p.Measure != 100 || p.Plot != 5 || p.Others[0].Plot != 10 {
		t.Errorf("got %s/%d with %v, %g m²; want plot 5 with 27001/1/10, 100 m²", p.Unit, p.Plot, p.Others, p.Measure)
	}
	if s := r.Communes[0]; s.CleanPlots != 8 {
		t.Errorf("clean plots: got %d, want 8 (both plots of the overlap count)", s.CleanPlots)
	}
}
