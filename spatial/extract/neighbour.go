package extract

import (
	"math"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"

	"cadastre/spatial"
	"cadastre/spatial/overlay"
)

// MinNeighbourArea is the smallest overlap or gap reported, m² (issue 6).
const MinNeighbourArea = 0.01

// neighbours measures the overlap of the measured boundary with each
// neighbour and the gaps it opens: parts of the stored plot left out by
// the measured boundary that touch a neighbour. The overlay runs on
// coordinates relative to the stored plot's first vertex, which keeps
// VN-2000 magnitudes (1e6 m) out of the products. Neighbours whose bound
// misses both boundaries are skipped before any overlay.
func (c *checker) neighbours() error {
	if len(c.in.Neighbours) == 0 {
		return nil
	}
	o := c.in.Stored.Geometry[0][0][0]
	mb := c.in.Measured.Geometry.Bound()
	reach := mb.Union(c.in.Stored.Geometry.Bound()).Pad(touchDist)
	meas := overlay.Geometry(c.in.Measured.Geometry, o)
	gone, err := sf.Difference(overlay.Geometry(c.in.Stored.Geometry, o), meas)
	if err != nil {
		return spatial.Wrap(spatial.KindInternal, err, "extract: overlay of stored and measured boundaries failed")
	}
	pieces := goneParts(gone, o)
	for _, n := range c.in.Neighbours {
		nb := n.Geometry.Bound()
		if n.Key == c.in.Stored.Key || !nb.Intersects(reach) {
			continue
		}
		// The overlap cannot exceed the overlap of the bounds: a neighbour
		// touching at a corner needs no overlay.
		if boundOverlap(nb, mb) > MinNeighbourArea {
			ov, err := sf.Intersection(meas, overlay.Geometry(n.Geometry, o))
			if err != nil {
				return spatial.Wrap(spatial.KindInternal, err, "extract: overlay with neighbour "+n.Key.String()+" failed")
			}
			if a := ov.Area(); a > MinNeighbourArea {
				c.r.Overlaps = append(c.r.Overlaps, NeighbourArea{Key: n.Key, Area: round4(a)})
			}
		}
		if a := gapAgainst(pieces, n.Geometry); a > MinNeighbourArea {
			c.r.Gaps = append(c.r.Gaps, NeighbourArea{Key: n.Key, Area: round4(a)})
		}
	}
	return nil
}

// boundOverlap returns the area shared by two bounds.
func boundOverlap(a, b orb.Bound) float64 {
	w := math.Min(a.Max[0], b.Max[0]) - math.Max(a.Min[0], b.Min[0])
	h := math.Min(a.Max[1], b.Max[1]) - math.Max(a.Min[1], b.Min[1])
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// touchDist is how close a gap must come to a neighbour to be a gap
// against it: a millimetre, the precision of stored coordinates.
const touchDist = 0.001

// gonePart is one piece of the stored plot the measured boundary left
// out, back on the plane.
type gonePart struct {
	area  float64
	bound orb.Bound
	pts   []orb.Point
}

func goneParts(gone sf.Geometry, o orb.Point) []gonePart {
	var out []gonePart
	for _, piece := range gone.Dump() {
		a := piece.Area()
		if a <= 0 {
			continue
		}
		seq := piece.DumpCoordinates()
		gp := gonePart{area: a}
		for i := 0; i < seq.Length(); i++ {
			xy := seq.GetXY(i)
			pt := orb.Point{xy.X + o[0], xy.Y + o[1]}
			gp.pts = append(gp.pts, pt)
			gp.bound = gp.bound.Extend(pt)
			if i == 0 {
				gp.bound = orb.Bound{Min: pt, Max: pt}
			}
		}
		out = append(out, gp)
	}
	return out
}

// gapAgainst sums the pieces that share a stretch of boundary with the
// neighbour: some piece edge lies on the neighbour's boundary (both ends
// and its midpoint within touchDist). A piece that only meets the
// neighbour at a corner point opened no gap against it; counting it would
// report the same gap against every plot around a moved corner.
func gapAgainst(pieces []gonePart, n orb.MultiPolygon) float64 {
	nb := n.Bound().Pad(touchDist)
	var a float64
	for _, p := range pieces {
		if !p.bound.Intersects(nb) {
			continue
		}
		for i := 0; i+1 < len(p.pts); i++ {
			u, v := p.pts[i], p.pts[i+1]
			mid := orb.Point{(u[0] + v[0]) / 2, (u[1] + v[1]) / 2}
			if u != v && boundaryDist(u, n) < touchDist && boundaryDist(v, n) < touchDist && boundaryDist(mid, n) < touchDist {
				a += p.area
				break
			}
		}
	}
	return a
}
