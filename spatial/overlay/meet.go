package overlay

import (
	"math"
	"slices"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// Most pairs of neighbouring plots share edges: their boxes overlap but
// their interiors do not. An overlay (simplefeatures) proves that in about
// 30 µs per pair, too slow for a million plots with a handful of
// neighbours each. InteriorsMeet answers the same question in a
// microsecond or two, and the overlay runs only for pairs that do meet.
//
// The test: cut every Edge of A where the boundary of B touches or crosses
// it; A's and B's interiors share area exactly when some piece of an Edge
// of A (or of B) lies strictly inside the other, or runs along an Edge of
// the other in the same direction (both interiors on the same side). It
// needs every Edge directed with its polygon's interior on its left, which
// LocalEdges ensures.

// touchTol is the distance (m) under which a point counts as on a line:
// far above float rounding at local coordinates, far below survey
// precision.
const touchTol = 1e-9

// Edge is a directed boundary segment in local plane coordinates (metres
// from an origin near the pair), with its polygon's interior on its left.
type Edge struct{ a, b orb.Point }

// LocalEdges appends the edges of mp, shifted by -o, shells
// counter-clockwise and holes clockwise whatever the stored orientation.
// Subtracting an origin within a factor of two of the coordinates is exact
// (Sterbenz), and it keeps the arithmetic below at metre scale.
func LocalEdges(buf []Edge, mp orb.MultiPolygon, o orb.Point) []Edge {
	for _, p := range mp {
		for ri, r := range p {
			reverse := (ri == 0) != (spatial.RingArea(r) > 0)
			for i := 0; i+1 < len(r); i++ {
				a := orb.Point{r[i][0] - o[0], r[i][1] - o[1]}
				b := orb.Point{r[i+1][0] - o[0], r[i+1][1] - o[1]}
				if reverse {
					a, b = b, a
				}
				if a != b {
					buf = append(buf, Edge{a, b})
				}
			}
		}
	}
	return buf
}

// InteriorsMeet reports whether two polygonal geometries given as edges
// share area.
func InteriorsMeet(a, b []Edge) bool {
	return entersInterior(a, b) || entersInterior(b, a)
}

// entersInterior reports whether a piece of an Edge of a lies strictly
// inside b, or along an Edge of b in the same direction.
func entersInterior(a, b []Edge) bool {
	bb := edgesBound(b).Pad(touchTol)
	var cuts []float64
	for _, e := range a {
		if !bb.Intersects(orb.Bound{Min: e.a, Max: e.a}.Extend(e.b)) {
			continue // wholly outside b
		}
		cuts = cutsAlong(cuts[:0], e, b)
		slices.Sort(cuts)
		d := sub(e.b, e.a)
		length := math.Hypot(d[0], d[1])
		for i := 1; i < len(cuts); i++ {
			if (cuts[i]-cuts[i-1])*length <= 2*touchTol {
				continue // a piece too short to carry area
			}
			t := (cuts[i-1] + cuts[i]) / 2
			if insideOrAlong(orb.Point{e.a[0] + t*d[0], e.a[1] + t*d[1]}, d, b) {
				return true
			}
		}
	}
	return false
}

// cutsAlong appends to cuts the positions (0 to 1) along e where the
// boundary of b touches or crosses it, and e's own ends. Between two
// consecutive cuts a piece of e is wholly inside b, outside it, or on its
// boundary.
func cutsAlong(cuts []float64, e Edge, b []Edge) []float64 {
	cuts = append(cuts, 0, 1)
	d := sub(e.b, e.a)
	len2 := dot(d, d)
	for _, f := range b {
		if distToSegment(f.a, e) <= touchTol {
			cuts = append(cuts, clamp01(dot(sub(f.a, e.a), d)/len2))
		}
		if t, ok := crossing(e, f); ok {
			cuts = append(cuts, t)
		}
	}
	return cuts // f.b is the a of the next Edge of its ring
}

// crossing returns where f crosses e at a single interior point of both.
func crossing(e, f Edge) (float64, bool) {
	o1, o2 := orient(e.a, e.b, f.a), orient(e.a, e.b, f.b)
	o3, o4 := orient(f.a, f.b, e.a), orient(f.a, f.b, e.b)
	if !(o1 > 0 && o2 < 0 || o1 < 0 && o2 > 0) || !(o3 > 0 && o4 < 0 || o3 < 0 && o4 > 0) {
		return 0, false
	}
	return o3 / (o3 - o4), true
}

// insideOrAlong reports whether m lies strictly inside b (crossing
// number), or on an Edge of b that runs in direction d.
func insideOrAlong(m, d orb.Point, b []Edge) bool {
	inside, onBoundary := false, false
	for _, f := range b {
		if distToSegment(m, f) <= touchTol {
			if dot(d, sub(f.b, f.a)) > 0 {
				return true
			}
			onBoundary = true
			continue
		}
		if (f.a[1] > m[1]) != (f.b[1] > m[1]) {
			x := f.a[0] + (m[1]-f.a[1])*(f.b[0]-f.a[0])/(f.b[1]-f.a[1])
			if m[0] < x {
				inside = !inside
			}
		}
	}
	return inside && !onBoundary
}

func edgesBound(es []Edge) orb.Bound {
	if len(es) == 0 {
		return orb.Bound{}
	}
	b := orb.Bound{Min: es[0].a, Max: es[0].a}
	for _, e := range es {
		b = b.Extend(e.a)
	}
	return b
}

func distToSegment(p orb.Point, e Edge) float64 {
	d := sub(e.b, e.a)
	t := clamp01(dot(sub(p, e.a), d) / dot(d, d))
	return math.Hypot(p[0]-e.a[0]-t*d[0], p[1]-e.a[1]-t*d[1])
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func sub(a, b orb.Point) orb.Point { return orb.Point{a[0] - b[0], a[1] - b[1]} }
func dot(a, b orb.Point) float64   { return a[0]*b[0] + a[1]*b[1] }
func clamp01(t float64) float64    { return math.Min(1, math.Max(0, t)) }
