package overlay

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// A full overlay (simplefeatures) of two 200-vertex plots costs about a
// millisecond: it nodes every segment, builds a doubly connected edge
// list and extracts the result. Issue 6 needs only the area of the
// intersection, and that follows from the two boundaries alone (Green's
// theorem): the boundary of A ∩ B is made of the pieces of A's boundary
// strictly inside B, the pieces of B's boundary strictly inside A, and
// the pieces both boundaries share in the same direction (counted once).
// The pieces come from the same cuts as InteriorsMeet; the area is the
// sum of ½ (p × q) over them. With the edges sorted by northing, only
// nearby edges are ever compared, and hardly anything is allocated but
// the Shapes themselves.

// Shape is a polygonal geometry's boundary prepared for SharedArea and
// DifferencePieces: its edges (as LocalEdges makes them, interior on the
// left) in ring order, head to tail, with their bounds, and an index of
// them by lowest northing.
type Shape struct {
	edges []Edge
	boxes []orb.Bound
	next  []int32   // the edge after edges[i] in its ring
	byY   []int32   // edge indexes in order of their lowest northing
	minY  []float64 // boxes[byY[k]].Min[1], for the binary search
	maxH  float64   // the tallest edge box
	bound orb.Bound
	// starts holds the first vertex of every ring as given (before any
	// reorientation): simplefeatures joins rings by their first vertices.
	starts []orb.Point
}

// NewShape prepares mp, shifted by -o as in LocalEdges, for SharedArea.
func NewShape(mp orb.MultiPolygon, o orb.Point) *Shape {
	n, rings := 0, 0
	for _, p := range mp {
		for _, r := range p {
			n, rings = n+max(len(r)-1, 0), rings+1
		}
	}
	s := &Shape{edges: make([]Edge, 0, n), next: make([]int32, 0, n), starts: make([]orb.Point, 0, rings)}
	for _, p := range mp {
		for ri, r := range p {
			if len(r) > 0 {
				s.starts = append(s.starts, orb.Point{r[0][0] - o[0], r[0][1] - o[1]})
			}
			first := len(s.edges)
			reverse := (ri == 0) != (spatial.RingArea(r) > 0)
			for k := 0; k+1 < len(r); k++ {
				i, j := k, k+1
				if reverse {
					i, j = len(r)-1-k, len(r)-2-k
				}
				a := orb.Point{r[i][0] - o[0], r[i][1] - o[1]}
				b := orb.Point{r[j][0] - o[0], r[j][1] - o[1]}
				if a != b {
					s.edges = append(s.edges, Edge{a, b})
					s.next = append(s.next, int32(len(s.edges)))
				}
			}
			if len(s.edges) > first {
				s.next[len(s.edges)-1] = int32(first)
			}
		}
	}
	s.boxes = make([]orb.Bound, len(s.edges))
	s.byY = make([]int32, len(s.edges))
	for i, e := range s.edges {
		b := orb.Bound{Min: e.a, Max: e.a}.Extend(e.b)
		s.boxes[i], s.byY[i] = b, int32(i)
		s.maxH = math.Max(s.maxH, b.Max[1]-b.Min[1])
		if i == 0 {
			s.bound = b
		} else {
			s.bound = s.bound.Union(b)
		}
	}
	slices.SortFunc(s.byY, func(i, j int32) int { return cmp.Compare(s.boxes[i].Min[1], s.boxes[j].Min[1]) })
	s.minY = make([]float64, len(s.edges))
	for k, i := range s.byY {
		s.minY[k] = s.boxes[i].Min[1]
	}
	return s
}

// Bound returns the bound of the shape's edges, in local coordinates.
func (s *Shape) Bound() orb.Bound { return s.bound }

// SharedArea returns the area (m²) that the two shapes (made with the same
// origin) have in common, and a bound on its error beyond float rounding:
// the pieces of boundary too short to classify at the touch tolerance
// (1e-9 m) are left out and their possible contribution is added to the
// bound. It agrees with IntersectionArea (an overlay) to about 1e-11 m²
// at plot sizes (TestSharedAreaRandom, TestSharedAreaNeighbours); callers
// that round the result can ask the overlay when it sits within err (and
// a margin) of a rounding step.
func SharedArea(a, b *Shape) (area, err float64) {
	box := a.bound.Pad(touchTol)
	if len(a.edges) == 0 || len(b.edges) == 0 || !box.Intersects(b.bound) {
		return 0, 0
	}
	// The sum runs about a centre near the shared region: the terms of a
	// closed boundary do not depend on it, those of a piece left out do,
	// by at most its length times its distance from the centre.
	c := orb.Point{
		(math.Max(a.bound.Min[0], b.bound.Min[0]) + math.Min(a.bound.Max[0], b.bound.Max[0])) / 2,
		(math.Max(a.bound.Min[1], b.bound.Min[1]) + math.Min(a.bound.Max[1], b.bound.Max[1])) / 2,
	}
	s1, e1 := piecesInside(a, b, c, true)
	s2, e2 := piecesInside(b, a, c, false)
	return (s1 + s2) / 2, (e1 + e2) / 2
}

// Where a piece of boundary lies against a shape.
const (
	outside = iota
	inside
	alongSame     // on the shape's boundary, running the same way
	alongOpposite // on the shape's boundary, running the other way
)

// piecesInside sums cross(p-c, q-c) over the pieces p->q of a's edges
// strictly inside b, and over those along b's edges in the same direction
// when along is set; err sums the terms of pieces too short to classify.
func piecesInside(a, b *Shape, c orb.Point, along bool) (sum, err float64) {
	bb := b.bound.Pad(touchTol)
	var buf [16]float64
	for i, e := range a.edges {
		eb := a.boxes[i]
		if !bb.Intersects(eb) {
			continue // wholly outside b
		}
		cuts := b.cutsAlong(buf[:0], e, eb.Pad(touchTol))
		slices.Sort(cuts)
		d := sub(e.b, e.a)
		length := math.Hypot(d[0], d[1])
		p := e.a
		for k := 1; k < len(cuts); k++ {
			if cuts[k] == cuts[k-1] {
				continue
			}
			q := e.b
			if cuts[k] < 1 {
				q = orb.Point{e.a[0] + cuts[k]*d[0], e.a[1] + cuts[k]*d[1]}
			}
			term := cross(sub(p, c), sub(q, c))
			switch {
			case (cuts[k]-cuts[k-1])*length <= 2*touchTol:
				err += math.Abs(term) // too short to carry area or to be told apart
			default:
				t := (cuts[k-1] + cuts[k]) / 2
				switch where, _ := b.locate(orb.Point{e.a[0] + t*d[0], e.a[1] + t*d[1]}, d); where {
				case inside:
					sum += term
				case alongSame:
					if along {
						sum += term
					}
				}
			}
			p = q
		}
	}
	return sum, err
}

// cutsAlong appends to cuts e's ends and the positions (0 to 1) along e
// where the boundary of s touches or crosses it, as the package's
// cutsAlong does, comparing only the edges whose box meets eb (e's box
// padded by the tolerance): no other edge can touch or cross e.
func (s *Shape) cutsAlong(cuts []float64, e Edge, eb orb.Bound) []float64 {
	cuts = append(cuts, 0, 1)
	d := sub(e.b, e.a)
	len2 := dot(d, d)
	for k := s.first(eb.Min[1]); k < len(s.byY) && s.minY[k] <= eb.Max[1]; k++ {
		i := s.byY[k]
		if !s.boxes[i].Intersects(eb) {
			continue
		}
		f := s.edges[i]
		if inBound(eb, f.a) && distToSegment(f.a, e) <= touchTol {
			cuts = append(cuts, clamp01(dot(sub(f.a, e.a), d)/len2))
		}
		if t, ok := crossing(e, f); ok {
			cuts = append(cuts, t)
		}
	}
	return cuts // f.b is the a of the next edge of its ring, whose box meets eb too
}

// locate says where m, the midpoint of a piece running in direction d,
// lies against s: strictly inside (crossing number of the ray to +E),
// outside, or on an edge in the same or the opposite direction (within
// the tolerance), with that edge's index. Only edges whose box meets the
// ray's band are read.
func (s *Shape) locate(m, d orb.Point) (where int, along int32) {
	lo, hi := m[1]-touchTol, m[1]+touchTol
	in, same, opposite := false, int32(-1), int32(-1)
	for k := s.first(lo); k < len(s.byY) && s.minY[k] <= hi; k++ {
		i := s.byY[k]
		b := &s.boxes[i]
		if b.Max[1] < lo || b.Max[0] < m[0]-touchTol {
			continue // below the band, or wholly west of m
		}
		f := s.edges[i]
		if b.Min[0]-touchTol <= m[0] && distToSegment(m, f) <= touchTol {
			if dot(d, sub(f.b, f.a)) > 0 {
				same = i
			} else {
				opposite = i
			}
			continue
		}
		if (f.a[1] > m[1]) != (f.b[1] > m[1]) {
			x := f.a[0] + (m[1]-f.a[1])*(f.b[0]-f.a[0])/(f.b[1]-f.a[1])
			if m[0] < x {
				in = !in
			}
		}
	}
	switch {
	case same >= 0:
		return alongSame, same
	case opposite >= 0:
		return alongOpposite, opposite
	case in:
		return inside, -1
	}
	return outside, -1
}

// inBound reports whether p lies in b (edges included).
func inBound(b orb.Bound, p orb.Point) bool {
	return b.Min[0] <= p[0] && p[0] <= b.Max[0] && b.Min[1] <= p[1] && p[1] <= b.Max[1]
}

// first returns the position in byY of the first edge whose box may
// reach down to y.
func (s *Shape) first(y float64) int {
	return sort.SearchFloat64s(s.minY, y-s.maxH)
}

func cross(a, b orb.Point) float64 { return a[0]*b[1] - a[1]*b[0] }
