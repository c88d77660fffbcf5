package tiles

import (
	"bytes"
	"context"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"cadastre/internal/pgtest"
)

// TestLowZoomPolicy: below the plots' zoom (z14) a tile shows every plot
// without labels while they fit the budget, else the land-use overview and
// the communes, from z12; the cadastre tileset shows sheets from z10;
// nothing below z10.
func TestLowZoomPolicy(t *testing.T) {
	v := newVillage(t, 4)
	ix := v.index(t)
	r := NewRenderer(DefaultOptions())
	small := DefaultOptions()
	small.Budget = 8000 // the village's plots do not fit: the overview
	rs := NewRenderer(small)
	ce, cn := v.center()
	low := map[string]bool{"plots": false, "plot_labels": false, "landuse": true, "communes": true}
	cases := []struct {
		r     *Renderer
		layer Layer
		z     maptile.Zoom
		want  map[string]bool // layer -> has features
	}{
		{r, Plots, 9, map[string]bool{"plots": false, "plot_labels": false}},
		{r, Plots, 13, map[string]bool{"plots": true, "plot_labels": false, "landuse": false, "communes": false}},
		{r, Plots, 12, map[string]bool{"plots": true, "plot_labels": false, "landuse": false, "communes": false}},
		{rs, Plots, 12, low},
		{rs, Plots, 11, map[string]bool{"plots": false, "plot_labels": false}},
		{r, Plots, 14, map[string]bool{"plots": true, "plot_labels": true}},
		{r, Sheets, 9, map[string]bool{"sheets": false}},
		{r, Sheets, 10, map[string]bool{"sheets": true}},
		{r, Cadastre, 9, map[string]bool{"sheets": false, "plots": false, "plot_labels": false}},
		{r, Cadastre, 12, map[string]bool{"sheets": true, "plots": true, "plot_labels": false, "landuse": false, "communes": false}},
		{rs, Cadastre, 13, map[string]bool{"sheets": true, "plots": false, "plot_labels": false, "landuse": true, "communes": true}},
		{rs, Cadastre, 11, map[string]bool{"sheets": true, "plots": false, "plot_labels": false}},
		{r, Cadastre, 15, map[string]bool{"sheets": true, "plots": true, "plot_labels": true}},
	}
	for _, c := range cases {
		gz, _, err := c.r.Render(ix.Snapshot(), c.layer, tileAt(c.z, ce, cn))
		if err != nil {
			t.Fatal(err)
		}
		got := decode(t, gz)
		if len(got) != len(c.want) {
			t.Errorf("%s z%d budget %d: layers %v, want %v", c.layer, c.z, c.r.opt.Budget, keys(got), c.want)
		}
		for name, has := range c.want {
			if fs, ok := got[name]; !ok || (len(fs) > 0) != has {
				t.Errorf("%s z%d budget %d: layer %s present %v with %d features, want features %v", c.layer, c.z, c.r.opt.Budget, name, ok, len(fs), has)
			}
		}
	}
}

// TestOverviewWatertight: the land-use groups of an overview tile neither
// overlap nor leave gaps: their areas add up to the area of the union of
// the tile's plots (drawn whole, PostGIS ST_Union) and to that of their
// own union; the communes too, and they carry their names.
func TestOverviewWatertight(t *testing.T) {
	pool := pgtest.Pool(t)
	v := newIrregular(t, 2, 30, 30)
	groups := []string{"ONT", "LUC", "CLN", "BHK", "DGT"}
	for i, p := range v.plots {
		p.LandUse = []string{groups[(i/7)%len(groups)]}
		if i%2 == 0 {
			p.Commune = "27003"
		}
	}
	ix := v.index(t)
	r := NewRenderer(DefaultOptions())
	names := map[string]string{"27002": "Xã Thử Nghiệm", "27003": "Xã Bên Cạnh"}
	ce, cn := v.center()
	// areas returns the sum of the areas of the polygons and the area of
	// their union.
	areas := func(fs []*geojson.Feature) (sum, union float64) {
		var ws []string
		for _, f := range fs {
			ws = append(ws, wkt.MarshalString(f.Geometry))
		}
		if err := pool.QueryRow(context.Background(), `SELECT coalesce(sum(ST_Area(g)), 0), coalesce(ST_Area(ST_Union(g)), 0)
			FROM (SELECT ST_GeomFromText(w) g FROM unnest($1::text[]) w) s`, ws).Scan(&sum, &union); err != nil {
			t.Fatal(err)
		}
		return sum, union
	}
	n := 0
	for _, z := range []maptile.Zoom{12, 13} {
		for _, d := range []orb.Point{{0, 0}, {-250, 200}, {230, -260}, {260, 250}} {
			tile := tileAt(z, ce+d[0], cn+d[1])
			whole, st, err := r.Render(ix.Snapshot(), Plots, tile)
			if err != nil {
				t.Fatal(err)
			}
			o := DefaultOptions()
			o.Budget, o.CommuneNames = st.Bytes/2, names // the plots do not fit
			over, _, err := NewRenderer(o).Render(ix.Snapshot(), Plots, tile)
			if err != nil {
				t.Fatal(err)
			}
			ov, pl := decode(t, over), decode(t, whole)
			if len(ov["landuse"]) < 2 || len(ov["communes"]) != 2 || len(ov["plots"]) != 0 || len(pl["plots"]) == 0 {
				t.Fatalf("%s: %d land-use groups, %d communes and %d plots in the overview, %d plots whole", tileName(tile),
					len(ov["landuse"]), len(ov["communes"]), len(ov["plots"]), len(pl["plots"]))
			}
			_, want := areas(pl["plots"])
			for _, layer := range []string{"landuse", "communes"} {
				sum, union := areas(ov[layer])
				if math.Abs(sum-want) > 1e-6*want || math.Abs(union-sum) > 1e-6*want {
					t.Errorf("%s %s: areas add up to %v, their union %v, the plots' union %v", tileName(tile), layer, sum, union, want)
				}
			}
			for _, f := range ov["communes"] {
				if f.Properties["name"] != names[f.Properties.MustString("commune")] {
					t.Errorf("%s: commune %v", tileName(tile), f.Properties)
				}
			}
			n++
		}
	}
	t.Logf("%d overview tiles compared", n)
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestBudget: an oversized tile loses labels first, then the smallest
// plots, fits the budget, says how many it dropped, and is the same every
// time.
func TestBudget(t *testing.T) {
	v := newVillage(t, 5)
	ix := v.index(t)
	ce, cn := v.center()
	tile := tileAt(16, ce, cn)
	full, fst, err := NewRenderer(DefaultOptions()).Render(ix.Snapshot(), Plots, tile)
	if err != nil || fst.Dropped != 0 {
		t.Fatalf("full: %+v %v", fst, err)
	}
	nLabels := len(decode(t, full)["plot_labels"])
	o := DefaultOptions()
	o.Budget = len(full) / 2
	r := NewRenderer(o)
	gz, st, err := r.Render(ix.Snapshot(), Plots, tile)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("full %+v; half budget %+v", fst, st)
	if len(gz) > o.Budget || st.Dropped < nLabels || st.Features+st.Dropped != fst.Features {
		t.Fatalf("budget %d: got %d bytes, %+v (labels %d)", o.Budget, len(gz), st, nLabels)
	}
	got := decode(t, gz)
	if len(got["plot_labels"]) != 0 || len(got["plots"]) == 0 {
		t.Errorf("labels %d plots %d: labels must go first", len(got["plot_labels"]), len(got["plots"]))
	}
	// The plots kept are the largest ones: no dropped plot is larger than
	// a kept one.
	plots := v.byKey()
	kept := map[int]bool{}
	minKept := 1e18
	for _, f := range got["plots"] {
		kept[plotNumber(f)] = true
		minKept = min(minKept, plots[plotNumber(f)].Area)
	}
	for _, f := range decode(t, full)["plots"] {
		if n := plotNumber(f); !kept[n] && plots[n].Area > minKept {
			t.Errorf("plot %d (%.1f m²) dropped while a plot of %.1f m² was kept", n, plots[n].Area, minKept)
		}
	}
	again, _, _ := r.Render(ix.Snapshot(), Plots, tile)
	if !bytes.Equal(gz, again) {
		t.Error("two renders of the same tile differ")
	}
}

// TestCollapsedAndHoles: a 5 cm plot collapses at z14 (counted, left out)
// but not at z22; the plot with a hole keeps it, with the hole wound the
// other way; the two-part plot has two polygons.
func TestCollapsedAndHoles(t *testing.T) {
	v := newVillage(t, 6)
	ix := v.index(t)
	r := NewRenderer(DefaultOptions())
	plots := v.byKey()
	tiny := plots[9004].Geometry[0][0][0]
	for _, c := range []struct {
		z       maptile.Zoom
		present bool
	}{{14, false}, {22, true}} {
		gz, st, err := r.Render(ix.Snapshot(), Plots, tileAt(c.z, tiny[0]+0.02, tiny[1]+0.02))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range decode(t, gz)["plots"] {
			found = found || plotNumber(f) == 9004
		}
		if found != c.present || (st.Collapsed > 0) == c.present {
			t.Errorf("z%d: tiny plot present %v, collapsed %d; want present %v", c.z, found, st.Collapsed, c.present)
		}
	}
	holed := plots[9001].Geometry[0][0][0]
	gz, _, err := r.Render(ix.Snapshot(), Plots, tileAt(17, holed[0]+20, holed[1]+20))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range decode(t, gz)["plots"] {
		polys := polygonsOf(t, f)
		switch plotNumber(f) {
		case 9001:
			if len(polys) != 1 || len(polys[0]) != 2 || ringArea(polys[0][1]) >= 0 {
				t.Errorf("holed plot: %d polygons, rings %d", len(polys), len(polys[0]))
			}
		case 9003:
			if len(polys) != 2 {
				t.Errorf("two-part plot: %d polygons", len(polys))
			}
		}
	}
}

// TestClipAndBadAddress: coordinates stay inside the buffer; addresses
// outside the pyramid are invalid.
func TestClipAndBadAddress(t *testing.T) {
	v := newVillage(t, 7)
	ix := v.index(t)
	r := NewRenderer(DefaultOptions())
	ce, cn := v.center()
	gz, _, err := r.Render(ix.Snapshot(), Cadastre, tileAt(19, ce, cn))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fs := range decode(t, gz) {
		for _, f := range fs {
			for _, p := range points(f.Geometry) {
				n++
				if p[0] < lo || p[0] > hi || p[1] < lo || p[1] > hi {
					t.Fatalf("%v: point %v outside the buffer", f.Properties, p)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("nothing decoded")
	}
	for _, tile := range []maptile.Tile{{X: 1, Y: 0, Z: 0}, {X: 0, Y: 4, Z: 2}, {X: 0, Y: 0, Z: 23}} {
		if _, _, err := r.Render(ix.Snapshot(), Plots, tile); err == nil {
			t.Errorf("%s: no error", tileName(tile))
		}
	}
}

func points(g orb.Geometry) []orb.Point {
	var ps []orb.Point
	switch g := g.(type) {
	case orb.Point:
		ps = append(ps, g)
	case orb.Polygon:
		for _, r := range g {
			ps = append(ps, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			ps = append(ps, points(p)...)
		}
	}
	return ps
}
