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
	buf   segmentBuf
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

// against returns the gap the measured boundary opens against neighbour
// n, the overlay's answer.
func (g *gaps) against(n orb.MultiPolygon) (float64, error) {
	a, sure := gapAgainst(g.pieces, n, &g.buf)
	if g.exact || sure && settled(a, 0) {
		return a, nil
	}
	if err := g.overlay(); err != nil {
		return 0, err
	}
	a, _ = gapAgainst(g.pieces, n, &g.buf)
	return a, nil
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

// gapAgainst sums the pieces that share a stretch of boundary with the
// neighbour: some piece edge lies on the neighbour's boundary (both ends
// and its midpoint within touchDist). A piece that only meets the
// neighbour at a corner point opened no gap against it; counting it would
// report the same gap against every plot around a moved corner. Only the
// neighbour's edges near a piece are measured: no other can come within
// touchDist of it. sure is false when some distance it decided on was
// within gapDistMargin of touchDist.
func gapAgainst(pieces []gonePart, n orb.MultiPolygon, buf *segmentBuf) (a float64, sure bool) {
	nb := n.Bound().Pad(touchDist)
	sure = true
	all := buf.all[:0]
	on := func(p orb.Point, near []segment) bool {
		d := nearest(p, near)
		if math.Abs(d-touchDist) <= gapDistMargin {
			sure = false
		}
		return d < touchDist
	}
	for _, p := range pieces {
		if !p.bound.Intersects(nb) {
			continue
		}
		if len(all) == 0 {
			all = appendSegments(all, n)
		}
		pb := p.bound.Pad(touchDist)
		near := buf.near[:0]
		for _, s := range all {
			if s.box.Intersects(pb) {
				near = append(near, s)
			}
		}
		buf.near = near
		for i := 0; i+1 < len(p.pts) && len(near) > 0; i++ {
			u, v := p.pts[i], p.pts[i+1]
			mid := orb.Point{(u[0] + v[0]) / 2, (u[1] + v[1]) / 2}
			if u != v && on(u, near) && on(v, near) && on(mid, near) {
				a += p.area
				break
			}
		}
	}
	buf.all = all
	return a, sure
}

// segment is one boundary edge with its bound.
type segment struct {
	a, b orb.Point
	box  orb.Bound
}

// segmentBuf holds gapAgainst's lists from one neighbour to the next.
type segmentBuf struct{ all, near []segment }

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

// nearest returns the distance from p to the nearest of ss (infinite when
// ss is empty): boundaryDist over the edges near p, the only ones that
// can come within touchDist of it.
func nearest(p orb.Point, ss []segment) float64 {
	d := math.Inf(1)
	for _, s := range ss {
		d = math.Min(d, segDist(p, s.a, s.b))
	}
	return d
}
