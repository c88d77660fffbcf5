package index

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// memSource is a Source over slices: the index does not care where plots
// come from (the stores have their own contract suite).
type memSource struct {
	plots  []*spatial.Plot
	sheets []*spatial.Sheet
}

func (m memSource) EachPlot(_ context.Context, fn func(*spatial.Plot) error) error {
	for _, p := range m.plots {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (m memSource) Sheets(context.Context, string) ([]*spatial.Sheet, error) { return m.sheets, nil }

// fixture: plots 1 and 2 share an edge; plot 3 has a hole that plot 4 fills.
func fixture(t *testing.T) (memSource, orb.Bound) {
	sh := storetest.SheetAt(t, storetest.UnitA, 7, 9210, 601234, 1191876)
	f := sh.Frame.Bound()
	e, n := f.Min[0]+10, f.Min[1]+10
	p1 := storetest.Square(storetest.UnitA, 7, 1, 9210, e, n, 20)
	p2 := storetest.Square(storetest.UnitA, 7, 2, 9210, e+20, n, 20)
	p3 := storetest.Square(storetest.UnitA, 7, 3, 9210, e, n+50, 40)
	hole := orb.Ring{{e + 10, n + 60}, {e + 10, n + 70}, {e + 20, n + 70}, {e + 20, n + 60}, {e + 10, n + 60}}
	p3.Geometry[0] = append(p3.Geometry[0], hole)
	p4 := storetest.Square(storetest.UnitA, 7, 4, 9210, e+10, n+60, 10)
	p4.Geometry = orb.MultiPolygon{{orb.Ring{{e + 10, n + 60}, {e + 20, n + 60}, {e + 20, n + 70}, {e + 10, n + 70}, {e + 10, n + 60}}}}
	b := &spatial.Batch{Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{p1, p2, p3, p4}}
	if err := b.Check(nil); err != nil {
		t.Fatal(err)
	}
	return memSource{plots: b.Plots, sheets: b.Sheets}, orb.Bound{Min: orb.Point{e, n}}
}

func keysAt(s *Snapshot, q Point) map[int]Location {
	out := map[int]Location{}
	s.At(q, func(h Hit) bool { out[h.Plot.Key.Plot] = h.Location; return true })
	return out
}

func TestAt(t *testing.T) {
	src, o := fixture(t)
	ix := New()
	if ix.Ready() {
		t.Fatal("ready before build")
	}
	st, err := ix.Build(context.Background(), src, quiet)
	if err != nil || st.Plots != 4 || st.Sheets != 1 || !ix.Ready() {
		t.Fatalf("build: %+v %v", st, err)
	}
	z, _ := crs.ZoneByEPSG(9210)
	e, n := o.Min[0], o.Min[1]
	cases := []struct {
		name string
		de   float64
		dn   float64
		want map[int]Location
	}{
		{"inside 1", 5, 5, map[int]Location{1: Inside}},
		{"shared edge", 20, 10, map[int]Location{1: Boundary, 2: Boundary}},
		{"shared vertex", 20, 0, map[int]Location{1: Boundary, 2: Boundary}},
		{"in the hole", 15, 65, map[int]Location{4: Inside}},
		{"on the hole edge", 10, 65, map[int]Location{3: Boundary, 4: Boundary}},
		{"in 3 beside the hole", 5, 65, map[int]Location{3: Inside}},
		{"outside", 45, 5, map[int]Location{}},
	}
	for _, c := range cases {
		got := keysAt(ix.Snapshot(), Plane(z, e+c.de, n+c.dn))
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			continue
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
	}
	// The same point as WGS 84 lon/lat finds plot 1 too.
	lon, lat := z.ToWGS84(e+5, n+5)
	if got := keysAt(ix.Snapshot(), LonLat(lon, lat)); got[1] != Inside || len(got) != 1 {
		t.Errorf("lon/lat: got %v", got)
	}
	// And from another zone's plane.
	z2, _ := crs.ZoneByEPSG(9211)
	e2, n2 := z2.FromWGS84(lon, lat)
	if got := keysAt(ix.Snapshot(), Plane(z2, e2, n2)); got[1] != Inside {
		t.Errorf("other zone: got %v", got)
	}
	var sheets []string
	ix.Snapshot().SheetsAt(Plane(z, e+5, n+5), func(s *Sheet) bool { sheets = append(sheets, s.GridNumber); return true })
	if len(sheets) != 1 || sheets[0] != src.sheets[0].GridNumber {
		t.Errorf("sheets at: got %v", sheets)
	}
}

func TestNearest(t *testing.T) {
	src, o := fixture(t)
	ix := New()
	ix.Build(context.Background(), src, quiet)
	z, _ := crs.ZoneByEPSG(9210)
	q := Plane(z, o.Min[0]+45, o.Min[1]+5) // 5 m east of plot 2
	near, ok := ix.Snapshot().Nearest(q, 10)
	if !ok || near.Plot.Key.Plot != 2 || near.Distance < 4.999 || near.Distance > 5.001 {
		t.Errorf("nearest: got %+v %v, want plot 2 at 5 m", near, ok)
	}
	if _, ok := ix.Snapshot().Nearest(q, 4); ok {
		t.Error("nearest within 4 m found something 5 m away")
	}
}

func TestApplySnapshots(t *testing.T) {
	src, o := fixture(t)
	ix := New()
	ix.Build(context.Background(), src, quiet)
	z, _ := crs.ZoneByEPSG(9210)
	before := ix.Snapshot()
	moved := *src.plots[0]
	moved.Geometry = orb.MultiPolygon{{orb.Ring{{o.Min[0] + 100, o.Min[1]}, {o.Min[0] + 110, o.Min[1]}, {o.Min[0] + 110, o.Min[1] + 10}, {o.Min[0] + 100, o.Min[1]}}}}
	moved.Version.Version = 2
	touched := ix.Apply(context.Background(), Change{Seq: 7, Plots: []*spatial.Plot{&moved}, Retire: []spatial.PlotKey{src.plots[1].Key}})
	if len(touched) != 2 || touched[0].Old == nil || touched[0].New == nil || touched[1].New != nil {
		t.Fatalf("touched: %+v", touched)
	}
	after := ix.Snapshot()
	if after.Seq() != 7 || after.Len() != 3 || before.Len() != 4 {
		t.Errorf("lens: before %d after %d seq %d", before.Len(), after.Len(), after.Seq())
	}
	at := func(s *Snapshot, de, dn float64) map[int]Location {
		return keysAt(s, Plane(z, o.Min[0]+de, o.Min[1]+dn))
	}
	if got := at(before, 5, 5); got[1] != Inside {
		t.Errorf("old snapshot lost plot 1: %v", got)
	}
	if got := at(after, 5, 5); len(got) != 0 {
		t.Errorf("new snapshot still has plot 1 at its old place: %v", got)
	}
	if got := at(after, 108, 2); got[1] != Inside {
		t.Errorf("new snapshot lacks plot 1 at its new place: %v", got)
	}
	if got := at(after, 25, 5); len(got) != 0 {
		t.Errorf("retired plot 2 still found: %v", got)
	}
	if p, ok := after.Plot(src.plots[0].Key); !ok || p.Version != 2 {
		t.Errorf("by key: %+v", p)
	}
}

func TestInBoxPaging(t *testing.T) {
	src, _ := fixture(t)
	ix := New()
	ix.Build(context.Background(), src, quiet)
	box := orb.Bound{Min: orb.Point{-2e7, -2e7}, Max: orb.Point{2e7, 2e7}}
	var got []int
	after := spatial.PlotKey{}
	for {
		var page []*Plot
		ix.Snapshot().InBox(box, after, func(p *Plot) bool { page = append(page, p); return len(page) < 3 })
		if len(page) == 0 {
			break
		}
		for _, p := range page {
			got = append(got, p.Key.Plot)
		}
		after = page[len(page)-1].Key
	}
	if len(got) != 4 || got[0] != 1 || got[3] != 4 {
		t.Errorf("paged: got %v, want 1..4", got)
	}
}

// TestHoldUnits: an index holding one unit leaves the other unit's plots
// and sheets out of the build and out of later changes, and still applies
// its own unit's.
func TestHoldUnits(t *testing.T) {
	src, o := fixture(t)
	shB := storetest.SheetAt(t, storetest.UnitB, 3, 9210, 601234, 1191876)
	f := shB.Frame.Bound()
	pB := storetest.Square(storetest.UnitB, 3, 1, 9210, f.Min[0]+10, f.Min[1]+10, 20)
	b := &spatial.Batch{Sheets: []*spatial.Sheet{shB}, Plots: []*spatial.Plot{pB}}
	if err := b.Check(nil); err != nil {
		t.Fatal(err)
	}
	src.plots = append(src.plots, pB)
	src.sheets = append(src.sheets, shB)

	ix := New()
	ix.Hold([]string{storetest.UnitA})
	st, err := ix.Build(context.Background(), src, quiet)
	if err != nil || st.Plots != 4 || st.Sheets != 1 {
		t.Fatalf("build holding %s: %+v %v, want 4 plots and 1 sheet", storetest.UnitA, st, err)
	}
	if _, ok := ix.Snapshot().Plot(pB.Key); ok || ix.Holds(storetest.UnitB) {
		t.Fatalf("the index holds %s, which it was not given", pB.Key)
	}
	if got := ix.Held(); len(got) != 1 || got[0] != storetest.UnitA {
		t.Fatalf("Held() = %v", got)
	}
	p5 := storetest.Square(storetest.UnitA, 7, 5, 9210, o.Min[0]+100, o.Min[1]+100, 10)
	touched := ix.Apply(context.Background(), Change{Plots: []*spatial.Plot{pB, p5}, Retire: []spatial.PlotKey{{Unit: storetest.UnitB, Sheet: 3, Plot: 1}}})
	if len(touched) != 1 || touched[0].New == nil || touched[0].New.Key != p5.Key {
		t.Fatalf("a change to both units touched %+v, want only %s", touched, p5.Key)
	}
	if n := ix.Snapshot().Len(); n != 5 {
		t.Fatalf("after the change the index has %d plots, want 5", n)
	}
	all := New()
	if st, err := all.Build(context.Background(), src, quiet); err != nil || st.Plots != 5 || all.Held() != nil {
		t.Fatalf("an index holding every unit built %+v %v, held %v", st, err, all.Held())
	}
}

// TestBox32: the plots' R-tree keeps float32 boxes rounded outward, and
// searches answer by the exact float64 bound: a box touching a plot's
// bound finds it, a box a micrometre beyond it does not (a float32 box
// alone would).
func TestBox32(t *testing.T) {
	for _, x := range []float64{0, 1e-9, -1e-9, 11_800_000.123456, -11_800_000.123456, 1_400_000.5, 20037508.34} {
		mn, mx := box32(orb.Bound{Min: orb.Point{x, x}, Max: orb.Point{x, x}})
		if float64(mn[0]) > x || float64(mx[0]) < x || float64(mn[1]) > x || float64(mx[1]) < x {
			t.Fatalf("box32(%v) = %v %v does not cover it", x, mn, mx)
		}
	}
	src, _ := fixture(t)
	ix := New()
	if _, err := ix.Build(context.Background(), src, quiet); err != nil {
		t.Fatal(err)
	}
	snap := ix.Snapshot()
	p, _ := snap.Plot(src.plots[0].Key)
	found := func(box orb.Bound) bool {
		hit := false
		snap.SearchPlots(box, func(q *Plot) bool { hit = hit || q == p; return true })
		return hit
	}
	edge := p.Merc.Max
	if !found(orb.Bound{Min: edge, Max: orb.Point{edge[0] + 10, edge[1] + 10}}) {
		t.Fatal("a box touching the plot's bound at its corner does not find it")
	}
	beyond := orb.Point{edge[0] + 1e-6, edge[1] + 1e-6}
	if found(orb.Bound{Min: beyond, Max: orb.Point{edge[0] + 10, edge[1] + 10}}) {
		t.Fatal("a box beyond the plot's bound finds it")
	}
	mn, mx := box32(p.Merc)
	if float64(mx[0]) <= beyond[0] && float64(mx[1]) <= beyond[1] {
		t.Logf("float32 box %v %v already excludes the point beyond; the exact check is not exercised here", mn, mx)
	}
}
