package spatial

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Geometry on a VN-2000 plane (metres). orb offers planar area and
// orientation, but computes the shoelace sum on raw coordinates: at
// VN-2000 magnitudes (easting ~5e5, northing ~1e6-2e6 m) the products reach
// 1e12 and lose about 1e-4 m² each, enough to move an area rounded to
// 0.1 m² for a large plot. The functions here shift every ring to its first
// vertex before summing, which keeps the error far below a square millimetre.

// ringArea2 returns twice the signed area of a ring (positive when
// counter-clockwise), computed relative to the first vertex.
func ringArea2(r orb.Ring) float64 {
	if len(r) < 3 {
		return 0
	}
	x0, y0 := r[0][0], r[0][1]
	var s float64
	for i := 1; i+1 < len(r); i++ {
		ax, ay := r[i][0]-x0, r[i][1]-y0
		bx, by := r[i+1][0]-x0, r[i+1][1]-y0
		s += ax*by - bx*ay
	}
	return s
}

// RingArea returns the signed area of a ring in m² (positive when
// counter-clockwise).
func RingArea(r orb.Ring) float64 { return ringArea2(r) / 2 }

// PlaneArea returns the horizontal area of a (multi)polygon in m²: shells
// minus holes, whatever their orientation.
func PlaneArea(mp orb.MultiPolygon) float64 {
	var a float64
	for _, p := range mp {
		for i, r := range p {
			ra := math.Abs(RingArea(r))
			if i == 0 {
				a += ra
			} else {
				a -= ra
			}
		}
	}
	return a
}

// Perimeter returns the length of every ring of the geometry, in metres.
func Perimeter(mp orb.MultiPolygon) float64 {
	var l float64
	for _, e := range Edges(mp) {
		l += e.Length()
	}
	return l
}

// Edge is one boundary segment of a plot on its plane.
type Edge struct {
	Part, Ring, Index int // position: polygon part, ring (0 = shell), segment
	From, To          orb.Point
}

// Length returns the edge length in metres.
func (e Edge) Length() float64 { return math.Hypot(e.To[0]-e.From[0], e.To[1]-e.From[1]) }

// Edges lists the boundary segments of every ring, in ring order.
func Edges(mp orb.MultiPolygon) []Edge {
	var out []Edge
	for pi, p := range mp {
		for ri, r := range p {
			for i := 0; i+1 < len(r); i++ {
				out = append(out, Edge{Part: pi, Ring: ri, Index: i, From: r[i], To: r[i+1]})
			}
		}
	}
	return out
}

// OrientMultiPolygon returns a copy with shells counter-clockwise and holes
// clockwise (RFC 7946 §3.1.6, and what the MVT encoder expects after its
// y-flip).
func OrientMultiPolygon(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for pi, p := range mp {
		np := make(orb.Polygon, len(p))
		for ri, r := range p {
			nr := append(orb.Ring(nil), r...)
			ccw := RingArea(nr) > 0
			if (ri == 0) != ccw {
				for i, j := 0, len(nr)-1; i < j; i, j = i+1, j-1 {
					nr[i], nr[j] = nr[j], nr[i]
				}
			}
			np[ri] = nr
		}
		out[pi] = np
	}
	return out
}

// GeometryError is one defect found by ValidateGeometry.
type GeometryError struct {
	Part, Ring int
	Reason     string
}

// Error implements error.
func (e GeometryError) Error() string {
	if e.Ring == 0 {
		return fmt.Sprintf("part %d shell: %s", e.Part+1, e.Reason)
	}
	return fmt.Sprintf("part %d hole %d: %s", e.Part+1, e.Ring, e.Reason)
}

// ValidateGeometry checks a plane (multi)polygon and returns every defect:
// each ring closed, at least 3 distinct vertices, no duplicate consecutive
// vertices, no self-intersection and no zero-width spike, non-zero area;
// each hole inside its shell and not crossing it or another hole; parts not
// crossing or containing each other. Rings may touch at single points.
func ValidateGeometry(mp orb.MultiPolygon) []GeometryError {
	if len(mp) == 0 {
		return []GeometryError{{Reason: "empty geometry"}}
	}
	var errs []GeometryError
	for pi, p := range mp {
		if len(p) == 0 {
			errs = append(errs, GeometryError{Part: pi, Reason: "polygon without rings"})
			continue
		}
		ringOK := true
		for ri, r := range p {
			for _, reason := range ringDefects(r) {
				errs = append(errs, GeometryError{Part: pi, Ring: ri, Reason: reason})
				ringOK = false
			}
		}
		if ringOK {
			errs = append(errs, holeDefects(pi, p)...)
		}
	}
	if len(errs) == 0 {
		errs = append(errs, partDefects(mp)...)
	}
	return errs
}

func ringDefects(r orb.Ring) []string {
	var out []string
	finite := true
	for _, pt := range r {
		if math.IsNaN(pt[0]) || math.IsNaN(pt[1]) || math.IsInf(pt[0], 0) || math.IsInf(pt[1], 0) {
			finite = false
		}
	}
	if !finite {
		return []string{"coordinate is not a finite number"}
	}
	if len(r) < 4 {
		return []string{fmt.Sprintf("ring has %d points; a closed ring needs at least 4", len(r))}
	}
	if r[0] != r[len(r)-1] {
		out = append(out, fmt.Sprintf("ring not closed: first point %s differs from last %s", PointText(r[0]), PointText(r[len(r)-1])))
		return out
	}
	for i := 0; i+1 < len(r); i++ {
		if r[i] == r[i+1] {
			out = append(out, fmt.Sprintf("duplicate consecutive vertex %d at %s", i+1, PointText(r[i])))
		}
	}
	if len(out) > 0 {
		return out
	}
	distinct := map[orb.Point]bool{}
	for _, pt := range r[:len(r)-1] {
		distinct[pt] = true
	}
	if len(distinct) < 3 {
		return []string{fmt.Sprintf("ring has %d distinct vertices; at least 3 needed", len(distinct))}
	}
	if s := selfIntersection(r); s != "" {
		return []string{s}
	}
	if RingArea(r) == 0 {
		return []string{"ring has zero area"}
	}
	return nil
}

// selfIntersection finds the first pair of segments of one ring that touch
// where they should not: non-adjacent segments touching at all, or adjacent
// segments folding back over each other (a spike of zero width). Segments
// are pre-sorted by their minimum x so that large rings (rivers, roads with
// thousands of vertices) stay near O(n log n).
func selfIntersection(r orb.Ring) string {
	n := len(r) - 1
	// Spikes first: they are the commonest digitising slip and the most
	// precise message.
	for i := 0; i < n; i++ {
		j := (i + 1) % n
		if collinearOverlap(r[i], r[i+1], r[j], r[j+1]) {
			return fmt.Sprintf("spike: segments %d and %d fold back over each other near %s", i+1, j+1, PointText(r[i+1]))
		}
	}
	segs := sortedSegments(r)
	for a := 0; a < len(segs); a++ {
		sa := segs[a]
		for b := a + 1; b < len(segs) && segs[b].minX <= sa.maxX; b++ {
			sb := segs[b]
			if sb.minY > sa.maxY || sb.maxY < sa.minY {
				continue
			}
			i, j := sa.i, sb.i
			if i > j {
				i, j = j, i
			}
			adjacent := j == i+1 || (i == 0 && j == n-1)
			p1, p2, q1, q2 := r[i], r[i+1], r[j], r[j+1]
			if adjacent {
				continue // checked above
			}
			if segmentsTouch(p1, p2, q1, q2) {
				return fmt.Sprintf("self-intersection: segment %d (%s to %s) meets segment %d (%s to %s)", i+1, PointText(p1), PointText(p2), j+1, PointText(q1), PointText(q2))
			}
		}
	}
	return ""
}

type seg struct {
	i                      int
	minX, maxX, minY, maxY float64
}

func sortedSegments(r orb.Ring) []seg {
	segs := make([]seg, len(r)-1)
	for i := range segs {
		a, b := r[i], r[i+1]
		segs[i] = seg{i, math.Min(a[0], b[0]), math.Max(a[0], b[0]), math.Min(a[1], b[1]), math.Max(a[1], b[1])}
	}
	slices.SortFunc(segs, func(a, b seg) int { return cmp.Compare(a.minX, b.minX) })
	return segs
}

// orient returns the sign of the cross product (b-a) x (c-a), computed
// relative to a to keep precision at VN-2000 magnitudes.
func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsTouch reports whether segments p1p2 and q1q2 share any point.
func segmentsTouch(p1, p2, q1, q2 orb.Point) bool {
	d1, d2 := orient(q1, q2, p1), orient(q1, q2, p2)
	d3, d4 := orient(p1, p2, q1), orient(p1, p2, q2)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(q1, q2, p1)) || (d2 == 0 && onSegment(q1, q2, p2)) ||
		(d3 == 0 && onSegment(p1, p2, q1)) || (d4 == 0 && onSegment(p1, p2, q2))
}

// segmentsCross reports whether two segments cross properly or overlap
// along a piece of positive length; touching at a single point is allowed
// (rings of one polygon may touch at a vertex).
func segmentsCross(p1, p2, q1, q2 orb.Point) bool {
	d1, d2 := orient(q1, q2, p1), orient(q1, q2, p2)
	d3, d4 := orient(p1, p2, q1), orient(p1, p2, q2)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return collinearOverlap(p1, p2, q1, q2)
}

// collinearOverlap reports whether two collinear segments share a piece of
// positive length.
func collinearOverlap(p1, p2, q1, q2 orb.Point) bool {
	if orient(p1, p2, q1) != 0 || orient(p1, p2, q2) != 0 {
		return false
	}
	// Project on the dominant axis of p1p2.
	ax := 0
	if math.Abs(p2[1]-p1[1]) > math.Abs(p2[0]-p1[0]) {
		ax = 1
	}
	lo1, hi1 := math.Min(p1[ax], p2[ax]), math.Max(p1[ax], p2[ax])
	lo2, hi2 := math.Min(q1[ax], q2[ax]), math.Max(q1[ax], q2[ax])
	return math.Min(hi1, hi2) > math.Max(lo1, lo2)
}

// ringsCross reports whether two rings cross or overlap along an edge.
func ringsCross(a, b orb.Ring) bool {
	if !a.Bound().Intersects(b.Bound()) {
		return false
	}
	for i := 0; i+1 < len(a); i++ {
		p1, p2 := a[i], a[i+1]
		sb := orb.Bound{Min: p1, Max: p1}.Extend(p2)
		for j := 0; j+1 < len(b); j++ {
			q1, q2 := b[j], b[j+1]
			if !sb.Intersects(orb.Bound{Min: q1, Max: q1}.Extend(q2)) {
				continue
			}
			if segmentsCross(p1, p2, q1, q2) {
				return true
			}
		}
	}
	return false
}

// PointInRing reports whether pt lies strictly inside r (even-odd rule);
// the second result is true when pt lies on the ring's boundary.
func PointInRing(r orb.Ring, pt orb.Point) (inside, onBoundary bool) {
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if orient(a, b, pt) == 0 && onSegment(a, b, pt) {
			return false, true
		}
		if (a[1] > pt[1]) != (b[1] > pt[1]) {
			x := a[0] + (pt[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if pt[0] < x {
				inside = !inside
			}
		}
	}
	return inside, false
}

// ringInside reports whether ring a lies inside ring b, assuming they do not
// cross: some vertex of a is strictly inside b, or all lie on b's boundary
// and a's midpoints do.
func ringInside(a, b orb.Ring) bool {
	for _, pt := range a[:len(a)-1] {
		in, on := PointInRing(b, pt)
		if !on {
			return in
		}
	}
	for i := 0; i+1 < len(a); i++ {
		mid := orb.Point{(a[i][0] + a[i+1][0]) / 2, (a[i][1] + a[i+1][1]) / 2}
		in, on := PointInRing(b, mid)
		if !on {
			return in
		}
	}
	return true // identical rings
}

func holeDefects(pi int, p orb.Polygon) []GeometryError {
	var errs []GeometryError
	shell := p[0]
	for hi := 1; hi < len(p); hi++ {
		h := p[hi]
		switch {
		case ringsCross(h, shell):
			errs = append(errs, GeometryError{Part: pi, Ring: hi, Reason: "hole crosses the shell"})
		case !ringInside(h, shell):
			errs = append(errs, GeometryError{Part: pi, Ring: hi, Reason: "hole lies outside the shell"})
		}
		for hj := 1; hj < hi; hj++ {
			if ringsCross(h, p[hj]) || ringInside(h, p[hj]) || ringInside(p[hj], h) {
				errs = append(errs, GeometryError{Part: pi, Ring: hi, Reason: fmt.Sprintf("hole overlaps hole %d", hj)})
			}
		}
	}
	return errs
}

func partDefects(mp orb.MultiPolygon) []GeometryError {
	var errs []GeometryError
	for i := 1; i < len(mp); i++ {
		for j := 0; j < i; j++ {
			if partsOverlap(mp[i], mp[j]) {
				errs = append(errs, GeometryError{Part: i, Reason: fmt.Sprintf("part overlaps part %d", j+1)})
			}
		}
	}
	return errs
}

// partsOverlap reports whether two valid polygons share interior area.
func partsOverlap(a, b orb.Polygon) bool {
	for _, ra := range a {
		for _, rb := range b {
			if ringsCross(ra, rb) {
				return true
			}
		}
	}
	// No crossings: one may still contain the other, unless it sits in a hole.
	return polygonContainsRing(b, a[0]) || polygonContainsRing(a, b[0])
}

func polygonContainsRing(p orb.Polygon, r orb.Ring) bool {
	if !ringInside(r, p[0]) {
		return false
	}
	for _, h := range p[1:] {
		if ringInside(r, h) {
			return false
		}
	}
	return true
}

// PointText shows a plane point as survey tables do, to the millimetre:
// X the northing, Y the easting ("X 1200710.000 Y 620488.000"); orb's
// own formatting gave "[620488 1.20071e+06]" (issue 13).
func PointText(p orb.Point) string {
	return fmt.Sprintf("X %.3f Y %.3f", p[1], p[0])
}

// BoundText shows a plane extent the same way: the X (northing) and Y
// (easting) ranges, to the millimetre.
func BoundText(b orb.Bound) string {
	return RangeText(b.Min[0], b.Min[1], b.Max[0], b.Max[1])
}

// RangeText shows the extent of easting minE..maxE and northing
// minN..maxN as BoundText does.
func RangeText(minE, minN, maxE, maxN float64) string {
	return fmt.Sprintf("X %.3f..%.3f, Y %.3f..%.3f", minN, maxN, minE, maxE)
}
