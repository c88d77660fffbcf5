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
// the measured boundary that touch a neighbour.
//
// The report is the overlays' (simplefeatures), but an overlay costs
// about a millisecond at 200 vertices, so the areas and the left-out parts
// come from the boundaries first (overlay.SharedArea and
// overlay.DifferencePieces, microseconds), and an overlay runs only where
// that answer is not certain to give the same report: an area within
// areaMargin of MinNeighbourArea or of a rounding step, a distance within
// gapDistMargin of touchDist, boundaries closer than 1e-9 m where the
// overlay may or may not see them meet, parts with holes or pinched
// (TestNeighboursAsOverlay compares with the overlays).
//
// Everything runs on coordinates relative to the stored plot's first
// vertex, which keeps VN-2000 magnitudes (1e6 m) out of the products.
// Neighbours whose bound misses both boundaries are skipped before any of
// it.
func (c *checker) neighbours() error {
	if len(c.in.Neighbours) == 0 {
		return nil
	}
	o := c.in.Stored.Geometry[0][0][0]
	mb := c.in.Measured.Geometry.Bound()
	reach := mb.Union(c.in.Stored.Geometry.Bound()).Pad(touchDist)
	ms := overlay.NewShape(c.in.Measured.Geometry, o)
	var near []Neighbour
	for _, n := range c.in.Neighbours {
		nb := n.Geometry.Bound()
		if n.Key == c.in.Stored.Key || !nb.Intersects(reach) {
			continue
		}
		near = append(near, n)
		// The overlap cannot exceed the overlap of the bounds: a neighbour
		// touching at a corner needs no overlay.
		if overlay.BoundOverlap(nb, mb) > MinNeighbourArea {
			a, err := c.overlap(ms, n, o)
			if err != nil {
				return err
			}
			if a > MinNeighbourArea {
				c.r.Overlaps = append(c.r.Overlaps, NeighbourArea{Key: n.Key, Area: round4(a)})
			}
		}
	}
	if len(near) == 0 {
		return nil
	}
	g, err := c.leftOut(o, ms)
	if err != nil {
		return err
	}
	areas, err := g.attribute(near)
	if err != nil {
		return err
	}
	for i, n := range near {
		if areas[i] > MinNeighbourArea {
			c.r.Gaps = append(c.r.Gaps, NeighbourArea{Key: n.Key, Area: round4(areas[i])})
		}
	}
	return nil
}

// overlap returns the area the measured boundary (ms) shares with n.
func (c *checker) overlap(ms *overlay.Shape, n Neighbour, o orb.Point) (float64, error) {
	a, e := overlay.SharedArea(ms, overlay.NewShape(n.Geometry, o))
	if settled(a, e) {
		return a, nil
	}
	ov, err := sf.Intersection(overlay.Geometry(c.in.Measured.Geometry, o), overlay.Geometry(n.Geometry, o))
	if err != nil {
		return 0, spatial.Wrap(spatial.KindInternal, err, "extract: overlay with neighbour "+n.Key.String()+" failed")
	}
	return ov.Area(), nil
}

// areaMargin (m²) is how far an area computed from the boundaries must
// sit, beyond its own error bound, from MinNeighbourArea and from a
// rounding step of round4 to stand for the overlay's: then both give the
// same report. On generated plots of up to 200 vertices they differ by
// at most about 1e-11 m² (3.6e-15 of the area), four orders of magnitude
// below; about one reported area in 500 falls within the margin and is
// asked of the overlay.
const areaMargin = 1e-7

// settled reports whether an area a (± e) from the boundaries gives the
// same report as the overlay's: the same side of MinNeighbourArea and,
// when above, the same value after round4.
func settled(a, e float64) bool {
	m := e + areaMargin
	if math.Abs(a-MinNeighbourArea) <= m {
		return false
	}
	if a < MinNeighbourArea {
		return true
	}
	x := a * 1e4
	return math.Abs(x-math.Floor(x)-0.5) > m*1e4
}
