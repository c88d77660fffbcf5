package tiles

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/spatial"
)

type edge struct{ a, b orb.Point }

func undirected(a, b orb.Point) edge {
	if b[0] < a[0] || (b[0] == a[0] && b[1] < a[1]) {
		a, b = b, a
	}
	return edge{a, b}
}

// sharedEdges returns the plane edges that belong to two plots.
func sharedEdges(plots []*spatial.Plot) map[edge][]int {
	m := map[edge][]int{}
	for _, p := range plots {
		for _, poly := range p.Geometry {
			for _, r := range poly {
				for i := 0; i+1 < len(r); i++ {
					e := undirected(r[i], r[i+1])
					m[e] = append(m[e], p.Key.Plot)
				}
			}
		}
	}
	for e, ps := range m {
		if len(ps) != 2 {
			delete(m, e)
		}
	}
	return m
}

// TestSharedBorders decodes tiles of every zoom from 14 to 20 and checks
// that each border two plots share in the data comes out as the same
// decoded edge (or the same point) in both.
func TestSharedBorders(t *testing.T) {
	v := newVillage(t, 3)
	ix := v.index(t)
	r := NewRenderer(DefaultOptions())
	shared := sharedEdges(v.plots)
	if len(shared) < 1000 {
		t.Fatalf("fixture has %d shared edges", len(shared))
	}
	ce, cn := v.center()
	checked := 0
	for z := maptile.Zoom(14); z <= 20; z++ {
		for _, d := range []orb.Point{{0, 0}, {-200, 150}, {180, -170}} {
			tile := tileAt(z, ce+d[0], cn+d[1])
			gz, _, err := r.Render(ix.Snapshot(), Plots, tile)
			if err != nil {
				t.Fatal(err)
			}
			checked += checkBorders(t, r, tile, decodeEdges(t, gz), shared)
		}
	}
	t.Logf("%d shared borders compared", checked)
	if checked < 1000 {
		t.Errorf("only %d shared borders compared", checked)
	}
}

type decoded struct {
	points map[orb.Point]bool
	edges  map[edge]bool
}

func decodeEdges(t *testing.T, gz []byte) map[int]decoded {
	out := map[int]decoded{}
	for _, f := range decode(t, gz)["plots"] {
		d := decoded{points: map[orb.Point]bool{}, edges: map[edge]bool{}}
		for _, poly := range polygonsOf(t, f) {
			for _, r := range poly {
				for i := 0; i+1 < len(r); i++ {
					d.points[r[i]] = true
					d.edges[undirected(r[i], r[i+1])] = true
				}
			}
		}
		out[plotNumber(f)] = d
	}
	return out
}

// checkBorders returns the number of shared edges compared in one tile.
func checkBorders(t *testing.T, r *Renderer, tile maptile.Tile, got map[int]decoded, shared map[edge][]int) int {
	t.Helper()
	fr := newFrame(tile)
	c := cursor{p: r.proj}
	units := func(p orb.Point) (orb.Point, bool) {
		x, y, _ := c.mercator(vEPSG, p[0], p[1])
		u := fr.unit(x, y)
		in := u.x > 0 && u.y > 0 && u.x < Extent && u.y < Extent
		return orb.Point{float64(u.x), float64(u.y)}, in
	}
	n := 0
	for e, ps := range shared {
		a, inA := units(e.a)
		b, inB := units(e.b)
		if !inA || !inB {
			continue
		}
		n++
		for _, p := range ps {
			d, ok := got[p]
			if !ok {
				t.Fatalf("%s: plot %d missing", tileName(tile), p)
			}
			if a == b && !d.points[a] {
				t.Errorf("%s: plot %d lacks the shared point %v", tileName(tile), p, a)
			}
			if a != b && !d.edges[undirected(a, b)] {
				t.Errorf("%s: plot %d lacks the shared edge %v-%v (plots %v)", tileName(tile), p, a, b, ps)
			}
		}
	}
	return n
}
