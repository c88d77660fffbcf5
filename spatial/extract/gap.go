package extract

import (
	"math"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"

	"cadastre/spatial"
	"cadastre/spatial/overlay"
)

// touchDist is how close a gap must come to a neighbour to be a gap
// against it: a millimetre, the precision of stored coordinates.
const touchDist = 0.001

// gapDistMargin (m) is how far from touchDist a distance measured on
// parts computed from the boundaries must be to decide as the overlay's
// parts would: their crossing vertices differ from the overlay's by float
// rounding (overlay.DifferencePieces trusts no crossing flatter than
// 1e-6 rad, so by far less than this).
const gapDistMargin = 1e-9

// gaps holds the parts of the stored plot the measured boundary left out,
// for the gap against each neighbour.
type gaps struct {
	c      *checker
	o      orb.Point
	pieces []gonePart
	// exact: pieces are the overlay's; otherwise they come from
	// overlay.DifferencePieces and an uncertain answer is asked again of
	// the overlay's.
	exact bool
}

// gonePart is one piece of the stored plot the measured boundary left
// out, back on the plane.
type gonePart struct {
	area  float64
	bound orb.Bound
	pts   []orb.Point
}

// leftOut returns the pieces of the stored plot outside the measured
// boundary (ms): none when all of them together stay below
// MinNeighbourArea (no neighbour can then have a gap to report), else
// from the boundaries when overlay.DifferencePieces answers, else from
// the overlay.
func (c *checker) leftOut(o orb.Point, ms *overlay.Shape) (*gaps, error) {
	g := &gaps{c: c, o: o, exact: true}
	st := c.in.Stored.Geometry
	ss := overlay.NewShape(st, o)
	kept, e := overlay.SharedArea(ss, ms)
	if gone := spatial.PlaneArea(st) - kept; gone+e+areaMargin < MinNeighbourArea {
		return g, nil
	}
	if ps, ok := overlay.DifferencePieces(ss, ms); ok {
		g.exact = false
		for _, p := range ps {
			g.pieces = append(g.pieces, gonePartOf(p.Area, len(p.Ring), func(i int) orb.Point { return p.Ring[i] }, o))
		}
		return g, nil
	}
	return g, g.overlay()
}

// overlay replaces the pieces by the overlay's.
func (g *gaps) overlay() error {
	st := g.c.in.Stored.Geometry
	gone, err := sf.Difference(overlay.Geometry(st, g.o), overlay.Geometry(g.c.in.Measured.Geometry, g.o))
	if err != nil {
		return spatial.Wrap(spatial.KindInternal, err, "extract: overlay of stored and measured boundaries failed")
	}
	g.pieces, g.exact = goneParts(gone, g.o), true
	return nil
}

// attribute shares the left-out pieces among the neighbours (the
// overlay's pieces when the boundaries' answer is not certain): a piece
// runs along some stretch of the stored plot's boundary, and each
// neighbour takes the share of its area that its own boundary makes of
// that stretch. No area is counted twice, a piece touching a neighbour at
// a corner point gives it nothing, and a sliver along a road that touches
// a neighbour for a few centimetres gives it a few centimetres' share;
// the share along no stored neighbour is not attributed.
func (g *gaps) attribute(ns []Neighbour) ([]float64, error) {
	segs := make([][]segment, len(ns))
	bounds := make([]orb.Bound, len(ns))
	for i, n := range ns {
		segs[i] = appendSegments(nil, n.Geometry)
		bounds[i] = n.Geometry.Bound().Pad(touchDist)
	}
	own := appendSegments(nil, g.c.in.Stored.Geometry)
	areas, sure := shareByLength(g.pieces, own, segs, bounds)
	if g.exact {
		return areas, nil
	}
	for _, a := range areas {
		sure = sure && settled(a, 0)
	}
	if sure {
		return areas, nil
	}
	if err := g.overlay(); err != nil {
		return nil, err
	}
	areas, _ = shareByLength(g.pieces, own, segs, bounds)
	return areas, nil
}

// shareByLength returns, for each neighbour (its edges and padded bound),
// its share of the pieces' area: the length of a piece's boundary along
// the neighbour over its length along the stored plot's boundary (own).
// sure is false when some distance it decided on was within
// gapDistMargin of touchDist.
func shareByLength(pieces []gonePart, own []segment, segs [][]segment, bounds []orb.Bound) (areas []float64, sure bool) {
	areas, sure = make([]float64, len(segs)), true
	lengths := make([]float64, len(segs))
	along := func(p gonePart, ss []segment) float64 {
		pb := p.bound.Pad(touchDist)
		var l float64
		for _, s := range ss {
			if !s.box.Intersects(pb) {
				continue
			}
			for k := 0; k+1 < len(p.pts); k++ {
				d, ok := sharedLength(p.pts[k], p.pts[k+1], s)
				sure = sure && ok
				l += d
			}
		}
		return l
	}
	for _, p := range pieces {
		var sum float64
		for i := range segs {
			lengths[i] = 0
			if p.bound.Intersects(bounds[i]) {
				lengths[i] = along(p, segs[i])
			}
			sum += lengths[i]
		}
		if sum <= 0 {
			continue // the piece borders no stored neighbour (a road, the edge of the data)
		}
		// The neighbours' stretches lie on the stored boundary; the max
		// only absorbs rounding.
		total := math.Max(along(p, own), sum)
		for i := range segs {
			areas[i] += p.area * lengths[i] / total
		}
	}
	return areas, sure
}

// sharedLength returns how much of the piece edge uv runs along the
// neighbour edge s, within touchDist. ok is false when a distance decided
// on was within gapDistMargin of touchDist.
func sharedLength(u, v orb.Point, s segment) (l float64, ok bool) {
	d := dist(u, v)
	if d == 0 {
		return 0, true
	}
	dx, dy := (v[0]-u[0])/d, (v[1]-u[1])/d
	t0 := (s.a[0]-u[0])*dx + (s.a[1]-u[1])*dy
	t1 := (s.b[0]-u[0])*dx + (s.b[1]-u[1])*dy
	if t0 > t1 {
		t0, t1 = t1, t0
	}
	t0, t1 = math.Max(t0, 0), math.Min(t1, d)
	if t1-t0 <= touchDist {
		return 0, true // a point of contact, not a stretch of boundary
	}
	// The distance to a segment is convex along a line: both ends of the
	// common stretch within touchDist put all of it within.
	ok = true
	for _, t := range []float64{t0, t1} {
		e := segDist(orb.Point{u[0] + t*dx, u[1] + t*dy}, s.a, s.b)
		if math.Abs(e-touchDist) <= gapDistMargin {
			ok = false
		}
		if e >= touchDist {
			return 0, ok
		}
	}
	return t1 - t0, ok
}

func goneParts(gone sf.Geometry, o orb.Point) []gonePart {
	var out []gonePart
	for _, piece := range gone.Dump() {
		a := piece.Area()
		if a <= 0 {
			continue
		}
		seq := piece.DumpCoordinates()
		out = append(out, gonePartOf(a, seq.Length(), func(i int) orb.Point {
			xy := seq.GetXY(i)
			return orb.Point{xy.X, xy.Y}
		}, o))
	}
	return out
}

// gonePartOf makes a piece of n points given in local coordinates.
func gonePartOf(area float64, n int, at func(int) orb.Point, o orb.Point) gonePart {
	gp := gonePart{area: area, pts: make([]orb.Point, 0, n)}
	for i := 0; i < n; i++ {
		xy := at(i)
		pt := orb.Point{xy[0] + o[0], xy[1] + o[1]}
		gp.pts = append(gp.pts, pt)
		if i == 0 {
			gp.bound = orb.Bound{Min: pt, Max: pt}
		} else {
			gp.bound = gp.bound.Extend(pt)
		}
	}
	return gp
}

// segment is one boundary edge with its bound.
type segment struct {
	a, b orb.Point
	box  orb.Bound
}

// appendSegments appends the boundary edges of mp to out.
func appendSegments(out []segment, mp orb.MultiPolygon) []segment {
	for _, poly := range mp {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				out = append(out, segment{r[i], r[i+1], orb.Bound{Min: r[i], Max: r[i]}.Extend(r[i+1])})
			}
		}
	}
	return out
}
