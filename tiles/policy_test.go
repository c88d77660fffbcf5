package tiles

import (
	"bytes"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TestLowZoomPolicy: below a layer's minimum zoom the layer is in the tile
// but empty; the cadastre tileset shows sheets from z10 and plots from z14.
func TestLowZoomPolicy(t *testing.T) {
	v := newVillage(t, 4)
	ix := v.index(t)
	r := NewRenderer(DefaultOptions())
	ce, cn := v.center()
	cases := []struct {
		layer Layer
		z     maptile.Zoom
		want  map[string]bool // layer -> has features
	}{
		{Plots, 13, map[string]bool{"plots": false, "plot_labels": false}},
		{Plots, 14, map[string]bool{"plots": true, "plot_labels": true}},
		{Sheets, 9, map[string]bool{"sheets": false}},
		{Sheets, 10, map[string]bool{"sheets": true}},
		{Cadastre, 9, map[string]bool{"sheets": false, "plots": false, "plot_labels": false}},
		{Cadastre, 12, map[string]bool{"sheets": true, "plots": false, "plot_labels": false}},
		{Cadastre, 15, map[string]bool{"sheets": true, "plots": true, "plot_labels": true}},
	}
	for _, c := range cases {
		gz, _, err := r.Render(ix.Snapshot(), c.layer, tileAt(c.z, ce, cn))
		if err != nil {
			t.Fatal(err)
		}
		got := decode(t, gz)
		if len(got) != len(c.want) {
			t.Errorf("%s z%d: layers %v, want %v", c.layer, c.z, keys(got), c.want)
		}
		for name, has := range c.want {
			if fs, ok := got[name]; !ok || (len(fs) > 0) != has {
				t.Errorf("%s z%d: layer %s present %v with %d features, want features %v", c.layer, c.z, name, ok, len(fs), has)
			}
		}
	}
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
