// Package remeasure makes synthetic re-measurements of stored plots for
// tests and benchmarks of spatial/extract: the boundary densified to a
// given number of vertices (a surveyor measures points along a curved
// or long edge that the stored plot draws straight) and moved by survey
// noise. Everything is on the plot's plane, in metres.
package remeasure

import (
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
)

// Vertices returns the number of vertices of mp, closing points not counted.
func Vertices(mp orb.MultiPolygon) int {
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += max(len(r)-1, 0)
		}
	}
	return n
}

// Densify returns a copy of mp with points added along its edges until it
// has n vertices: each edge gets a share of the new points in proportion
// to its length (largest remainders first), evenly spaced. A geometry
// with n or more vertices is copied as it is.
func Densify(mp orb.MultiPolygon, n int) orb.MultiPolygon {
	extra := n - Vertices(mp)
	var lengths []float64
	var total float64
	for _, p := range mp {
		for _, r := range p {
			for i := 0; i+1 < len(r); i++ {
				l := math.Hypot(r[i+1][0]-r[i][0], r[i+1][1]-r[i][1])
				lengths = append(lengths, l)
				total += l
			}
		}
	}
	adds := make([]int, len(lengths))
	if extra > 0 && total > 0 {
		type rest struct {
			i    int
			frac float64
		}
		given := 0
		rests := make([]rest, len(lengths))
		for i, l := range lengths {
			share := float64(extra) * l / total
			adds[i] = int(share)
			given += adds[i]
			rests[i] = rest{i, share - float64(adds[i])}
		}
		// Largest remainders, the first edge first among equals.
		for ; given < extra; given++ {
			best := 0
			for j, r := range rests {
				if r.frac > rests[best].frac {
					best = j
				}
			}
			adds[rests[best].i]++
			rests[best].frac = -1
		}
	}
	out := make(orb.MultiPolygon, len(mp))
	e := 0
	for pi, p := range mp {
		out[pi] = make(orb.Polygon, len(p))
		for ri, r := range p {
			var nr orb.Ring
			for i := 0; i+1 < len(r); i++ {
				a, b := r[i], r[i+1]
				nr = append(nr, a)
				for k := 1; k <= adds[e]; k++ {
					t := float64(k) / float64(adds[e]+1)
					nr = append(nr, orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])})
				}
				e++
			}
			if len(nr) > 0 {
				nr = append(nr, nr[0])
			}
			out[pi][ri] = nr
		}
	}
	return out
}

// Jitter returns a copy of mp with every vertex moved by normal noise of
// standard deviation sigma metres in each direction, cut off at 3 sigma
// and rounded to millimetres (what a coordinate table holds); closing
// points follow their first.
func Jitter(rng *rand.Rand, mp orb.MultiPolygon, sigma float64) orb.MultiPolygon {
	noise := func() float64 { return math.Max(-3*sigma, math.Min(3*sigma, sigma*rng.NormFloat64())) }
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = make(orb.Polygon, len(p))
		for j, r := range p {
			nr := make(orb.Ring, len(r))
			for k := 0; k+1 < len(r); k++ {
				nr[k] = orb.Point{
					math.Round((r[k][0]+noise())*1000) / 1000,
					math.Round((r[k][1]+noise())*1000) / 1000,
				}
			}
			if len(r) > 0 {
				nr[len(r)-1] = nr[0]
			}
			out[i][j] = nr
		}
	}
	return out
}
