package postgis_test

import (
	"cmp"
	"math"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"cadastre/internal/pgtest"
	"cadastre/spatial"
	"cadastre/spatial/store/postgis"
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

// TestPostGISTxOverlapsAgreeWithPostGIS writes more plots than one page of
// the overlap search (two sheets of irregular neighbours sharing edges,
// changed versions of stored plots, extra plots laid over others) and
// compares what Overlaps finds in Go with PostGIS's own ST_Intersection
// over every pair of current plots the transaction touched.
func TestPostGISTxOverlapsAgreeWithPostGIS(t *testing.T) {
	url := pgtest.New(t)
	s, err := postgis.Open(ctx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g1 := storetest.NewPlotGrid(t, 1, 601234, 1191876, 2.5, 1)
	g2 := storetest.NewPlotGrid(t, 2, 601734, 1191876, 2.5, 2) // east of g1, sharing its border
	n := storetest.GridSide * storetest.GridSide
	if _, err := s.Write(ctx(t), &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{g1.Sheet},
		Plots: g1.Plots(0, n), Change: spatial.Change{By: "t", Reason: "stored"}}); err != nil {
		t.Fatal(err)
	}
	tx := begin(t, s)
	for from := 0; from < n; from += 1000 {
		b := &spatial.Batch{Plots: g2.Plots(from, min(from+1000, n))}
		if from == 0 {
			b.Sheets = []*spatial.Sheet{g2.Sheet}
		}
		writeChunk(t, tx, b)
	}
	// New versions of stored plots: one pushes a corner into its
	// neighbours, one on the eastern border into g2's first column.
	push := func(g storetest.PlotGrid, k int, dx, dy float64) *spatial.Plot {
		p := g.Plot(k)
		r := p.Geometry[0][0]
		r[2] = orb.Point{r[2][0] + dx, r[2][1] + dy}
		return p
	}
	extra := func(g storetest.PlotGrid, number, k int, side float64) *spatial.Plot {
		i, j := k%storetest.GridSide, k/storetest.GridSide
		a, c := g.Vertex(i, j), g.Vertex(i+1, j+1)
		m := orb.Point{(a[0] + c[0]) / 2, (a[1] + c[1]) / 2}
		return storetest.Square(g.Sheet.Key.Unit, g.Sheet.Key.Number, number, g.Sheet.EPSG, m[0]-side/2, m[1]-side/2, side)
	}
	writeChunk(t, tx, &spatial.Batch{Plots: []*spatial.Plot{
		push(g1, 60, 1, 1),
		push(g1, 2*storetest.GridSide-1, 0.5, 0.5), // the last cell of the second row, on the border with g2
		extra(g2, n+1, 7, 2),                       // over a cell of the first page
		extra(g2, n+2, n-3, 2),                     // over a cell of the second page
		extra(g2, n+3, 1200, 0.05),                 // 0.0025 m²: below the threshold
	}})
	got, err := tx.Overlaps(ctx(t), 0.01)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx(t)); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx(t))
	rows, err := conn.Query(ctx(t), `SELECT a.unit, a.sheet, a.plot, b.unit, b.sheet, b.plot, ST_Area(ST_Intersection(a.geom, b.geom))
		FROM plots a JOIN plots b ON b.geom && a.geom AND b.epsg = a.epsg AND b.id <> a.id
		WHERE a.change_seq = (SELECT max(seq) FROM changes) AND a.valid_to IS NULL AND NOT a.retired
			AND b.valid_to IS NULL AND NOT b.retired
			AND (b.change_seq <> a.change_seq OR a.id < b.id)
			AND ST_Area(ST_Intersection(a.geom, b.geom)) > 0.01`)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (spatial.Overlap, error) {
		var o spatial.Overlap
		err := row.Scan(&o.A.Unit, &o.A.Sheet, &o.A.Plot, &o.B.Unit, &o.B.Sheet, &o.B.Plot, &o.Area)
		if o.B.Unit < o.A.Unit || o.B.Unit == o.A.Unit && (o.B.Sheet < o.A.Sheet || o.B.Sheet == o.A.Sheet && o.B.Plot < o.A.Plot) {
			o.A, o.B = o.B, o.A
		}
		return o, err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(want, func(x, y spatial.Overlap) int {
		return cmp.Or(cmp.Compare(x.A.Unit, y.A.Unit), cmp.Compare(x.A.Sheet, y.A.Sheet), cmp.Compare(x.A.Plot, y.A.Plot),
			cmp.Compare(x.B.Unit, y.B.Unit), cmp.Compare(x.B.Sheet, y.B.Sheet), cmp.Compare(x.B.Plot, y.B.Plot))
	})
	if len(want) < 5 {
		t.Fatalf("PostGIS finds only %d overlaps: the test data lost its overlaps: %v", len(want), want)
	}
	if !sameOverlaps(got, want) {
		t.Errorf("Overlaps found in Go differ from PostGIS's:\n got  %v\n want %v", got, want)
	}
}
