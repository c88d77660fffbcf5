// Package overlapfind finds the plots written by a write transaction that
// overlap other current plots, for the stores' Tx.Overlaps. The stores page
// through the plots their transaction wrote and fetch the current plots
// around each page; this package measures the pairs in Go: a box test, then
// the area the two boundaries share (overlay.SharedArea: neighbours on a
// cadastral map share edges, and their shared area comes out 0 in
// microseconds), and an exact overlay only when that area is within its
// error bound of the threshold. Its memory grows with the overlaps found,
// not with the plots visited.
//
// Hand-written around spatial/overlay because no library pages a store's
// rows; PostGIS's own ST_Intersection on every edge-sharing pair was the
// slowest part of a province-sized ingest.
package overlapfind

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"cadastre/spatial"
	"cadastre/spatial/overlay"
)

// Plot is one current plot row: its key, its bound, whether the
// transaction wrote it (it is then visited itself), and its encoded
// geometry, decoded on first use.
type Plot struct {
	Key     spatial.PlotKey
	Bound   orb.Bound
	Written bool
	Raw     []byte // the store's encoding; Finder.Decode reads it
	mp      orb.MultiPolygon
	shape   *overlay.Shape // relative to shapeAt
	shapeAt orb.Point
}

// Finder collects the overlapping pairs.
type Finder struct {
	MinArea float64                                // pairs sharing more than this, m² (negative counts as 0)
	Decode  func([]byte) (orb.MultiPolygon, error) // decodes Plot.Raw
	found   map[pair]float64
}

// New returns a finder of overlaps above minArea m².
func New(minArea float64, decode func([]byte) (orb.MultiPolygon, error)) *Finder {
	return &Finder{MinArea: math.Max(0, minArea), Decode: decode, found: map[pair]float64{}}
}

// Page is a bound around plots, for the store's query of the plots around
// a page.
func Page(page []*Plot) orb.Bound {
	b := page[0].Bound
	for _, p := range page[1:] {
		b = b.Union(p.Bound)
	}
	return b
}

// VisitPage measures the overlaps of a page of written plots with around,
// the current plots whose bounds meet the page's (the page's plots among
// them, as the store reads them back), indexed here in memory.
func (f *Finder) VisitPage(page, around []*Plot) error {
	var idx rtree.RTreeG[*Plot]
	for _, c := range around {
		idx.Insert(c.Bound.Min, c.Bound.Max, c)
	}
	var cands []*Plot
	origin := Page(page).Min // one origin for the page: each plot's shape is made once
	for _, p := range page {
		cands = cands[:0]
		idx.Search(p.Bound.Min, p.Bound.Max, func(_, _ [2]float64, c *Plot) bool {
			cands = append(cands, c)
			return true
		})
		if err := f.visit(p, cands, origin); err != nil {
			return err
		}
	}
	return nil
}

// Visit measures the overlaps of written plot p with the plots whose
// bounds meet its own. A neighbour the transaction wrote is visited
// itself, so that pair is left to whichever of the two has the smaller key.
func (f *Finder) Visit(p *Plot, cands []*Plot) error {
	return f.visit(p, cands, p.Bound.Min)
}

// visit is Visit with the origin of the local coordinates: within a few
// kilometres of the plots, so that subtracting it is exact (Sterbenz).
func (f *Finder) visit(p *Plot, cands []*Plot, origin orb.Point) error {
	var ps *side // p decoded on the first neighbour worth measuring
	for _, q := range cands {
		if q.Key == p.Key || q.Written && compareKeys(q.Key, p.Key) < 0 {
			continue
		}
		pr := newPair(p.Key, q.Key)
		if _, done := f.found[pr]; done || overlay.BoundOverlap(p.Bound, q.Bound) <= f.MinArea {
			continue // the overlap cannot exceed the boxes' overlap
		}
		var err error
		if ps == nil {
			if ps, err = f.newSide(p, origin); err != nil {
				return err
			}
		}
		area, err := f.measure(ps, q)
		if err != nil {
			return fmt.Errorf("overlap of plots %s and %s: %w", p.Key, q.Key, err)
		}
		if area > f.MinArea {
			f.found[pr] = area
		}
	}
	return nil
}

// Result returns the pairs found, each once, A before B by key, sorted.
func (f *Finder) Result() []spatial.Overlap {
	out := make([]spatial.Overlap, 0, len(f.found))
	for _, pr := range slices.SortedFunc(maps.Keys(f.found), func(x, y pair) int {
		return cmp.Or(compareKeys(x.a, y.a), compareKeys(x.b, y.b))
	}) {
		out = append(out, spatial.Overlap{A: pr.a, B: pr.b, Area: f.found[pr]})
	}
	return out
}

// decoded returns the plot's geometry, decoding it on first use (a plot
// around a page is the neighbour of several of the page's plots).
func (f *Finder) decoded(p *Plot) (orb.MultiPolygon, error) {
	if p.mp == nil {
		mp, err := f.Decode(p.Raw)
		if err != nil {
			return nil, fmt.Errorf("plot %s geometry: %w", p.Key, err)
		}
		p.mp = mp
	}
	return p.mp, nil
}

// side is a written plot decoded once for all its neighbours: its geometry
// and its shape relative to origin.
type side struct {
	origin orb.Point
	geom   orb.MultiPolygon
	shape  *overlay.Shape
}

func (f *Finder) newSide(p *Plot, origin orb.Point) (*side, error) {
	g, err := f.decoded(p)
	if err != nil {
		return nil, err
	}
	return &side{origin: origin, geom: g, shape: f.shape(p, g, origin)}, nil
}

// shape returns p's shape relative to origin, made once per origin.
func (f *Finder) shape(p *Plot, g orb.MultiPolygon, origin orb.Point) *overlay.Shape {
	if p.shape == nil || p.shapeAt != origin {
		p.shape, p.shapeAt = overlay.NewShape(g, origin), origin
	}
	return p.shape
}

// measure returns the area shared by p and q: from their boundaries
// (SharedArea), or from an overlay when that answer is within its error
// bound (and a margin) of the threshold.
func (f *Finder) measure(p *side, q *Plot) (float64, error) {
	qg, err := f.decoded(q)
	if err != nil {
		return 0, err
	}
	area, bound := overlay.SharedArea(p.shape, f.shape(q, qg, p.origin))
	if math.Abs(area-f.MinArea) > bound+1e-7 {
		return area, nil
	}
	return overlay.IntersectionArea(p.geom, qg, p.origin)
}

// pair is two keys, the smaller first.
type pair struct{ a, b spatial.PlotKey }

func newPair(p, q spatial.PlotKey) pair {
	if compareKeys(q, p) < 0 {
		p, q = q, p
	}
	return pair{p, q}
}

func compareKeys(a, b spatial.PlotKey) int {
	return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Sheet, b.Sheet), cmp.Compare(a.Plot, b.Plot))
}
