package extract

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// vertex is one boundary point of the stored or measured geometry.
type vertex struct {
	Part, Ring, Index int
	Num               int    // 1-based, in ring order over the geometry
	Label             string // point number (measured) or Num as text
	Pt                orb.Point
	match             int // index of the matched vertex on the other side, -1 if none
}

// vertices lists the vertices of every ring, without closing points.
func vertices(mp orb.MultiPolygon, b *Boundary) []vertex {
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += len(r)
		}
	}
	out := make([]vertex, 0, n)
	for pi, p := range mp {
		for ri, r := range p {
			n := len(r)
			if n > 1 && r[0] == r[n-1] {
				n--
			}
			for i := 0; i < n; i++ {
				v := vertex{Part: pi, Ring: ri, Index: i, Num: len(out) + 1, Pt: r[i], match: -1}
				if b != nil {
					v.Label = b.label(pi, ri, i)
				}
				if v.Label == "" {
					v.Label = itoa(v.Num)
				}
				out = append(out, v)
			}
		}
	}
	return out
}

// matchVertices pairs measured with stored vertices one to one, nearest
// first, within radius metres, after shifting measured points by -offset.
// The rule does not care about the start vertex, orientation, or vertices
// only one side has (collinear extras, split and merged edges).
func matchVertices(stored, measured []vertex, radius float64, offset orb.Point) int {
	type cand struct {
		s, m int
		d    float64
	}
	var cs []cand
	for si, s := range stored {
		for mi, m := range measured {
			d := dist(s.Pt, orb.Point{m.Pt[0] - offset[0], m.Pt[1] - offset[1]})
			if d <= radius {
				cs = append(cs, cand{si, mi, d})
			}
		}
	}
	slices.SortFunc(cs, func(a, b cand) int { return cmp.Compare(a.d, b.d) })
	for i := range stored {
		stored[i].match = -1
	}
	for i := range measured {
		measured[i].match = -1
	}
	n := 0
	for _, c := range cs {
		if stored[c.s].match < 0 && measured[c.m].match < 0 {
			stored[c.s].match, measured[c.m].match = c.m, c.s
			n++
		}
	}
	return n
}

// match pairs the vertices; when fewer than half of the stored vertices
// find a partner and the measured boundary sits away from the stored one
// by more than the radius, it matches again after removing the shift of
// the centroids (a zone or datum error moves every point alike) and
// returns that shift.
func match(stored, measured []vertex, radius float64) orb.Point {
	n := matchVertices(stored, measured, radius, orb.Point{})
	if 2*n >= len(stored) {
		return orb.Point{}
	}
	off := sub(centroid(measured), centroid(stored))
	if math.Hypot(off[0], off[1]) <= radius {
		return orb.Point{}
	}
	if m := matchVertices(stored, measured, radius, off); m > n {
		return off
	}
	matchVertices(stored, measured, radius, orb.Point{})
	return orb.Point{}
}

func centroid(vs []vertex) orb.Point {
	var c orb.Point
	for _, v := range vs {
		c[0] += v.Pt[0]
		c[1] += v.Pt[1]
	}
	if len(vs) > 0 {
		c[0] /= float64(len(vs))
		c[1] /= float64(len(vs))
	}
	return c
}

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

func sub(a, b orb.Point) orb.Point { return orb.Point{a[0] - b[0], a[1] - b[1]} }

// segDist returns the distance from p to the segment ab.
func segDist(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return dist(p, a)
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l2
	t = math.Max(0, math.Min(1, t))
	return dist(p, orb.Point{a[0] + t*dx, a[1] + t*dy})
}

// boundaryDist returns the distance from p to the nearest ring of mp.
func boundaryDist(p orb.Point, mp orb.MultiPolygon) float64 {
	d := math.Inf(1)
	for _, poly := range mp {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				d = math.Min(d, segDist(p, r[i], r[i+1]))
			}
		}
	}
	return d
}
