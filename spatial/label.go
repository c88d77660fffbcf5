package spatial

import (
	"math"

	"github.com/paulmach/orb"
)

// LabelPoint returns a point inside a plot (plane coordinates), where its
// number is written on the map (the tiles' plot_labels) and which decides
// whether a plot sticking out of its sheet belongs to it (Batch.Check): on the largest part, the middle of the widest run
// of a horizontal line through it, trying the lines at 1/2, 1/3 and 2/3 of
// its height. A run lies between two crossings of the boundary, so its
// middle is inside the part and outside its holes, also for concave
// shapes, where the centroid may fall outside. ok is false for an empty
// or degenerate geometry.
func LabelPoint(mp orb.MultiPolygon) (p orb.Point, ok bool) {
	var xs [3][]float64
	return LabelPointInto(mp, &xs)
}

var labelLines = [3]float64{1.0 / 2, 1.0 / 3, 2.0 / 3}

// LabelPointInto is LabelPoint with scratch slices for the crossings of
// the three lines, filled in one pass over the edges (a tile renders
// thousands of labels).
func LabelPointInto(mp orb.MultiPolygon, xs *[3][]float64) (p orb.Point, ok bool) {
	poly := largestPart(mp)
	if len(poly) == 0 || len(poly[0]) < 4 {
		return orb.Point{}, false
	}
	minY, maxY := math.Inf(1), math.Inf(-1)
	for _, v := range poly[0] {
		minY, maxY = min(minY, v[1]), max(maxY, v[1])
	}
	var ys [3]float64
	for k, f := range labelLines {
		ys[k] = minY + (maxY-minY)*f
		xs[k] = xs[k][:0]
	}
	for _, r := range poly {
		for i := 0; i+1 < len(r); i++ {
			a, b := r[i], r[i+1]
			for k, y := range ys {
				if (a[1] <= y) != (b[1] <= y) {
					xs[k] = insertSorted(xs[k], a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
				}
			}
		}
	}
	best := 0.0
	for k, y := range ys {
		c := xs[k]
		for i := 0; i+1 < len(c); i += 2 {
			if w := c[i+1] - c[i]; w > best {
				best, p, ok = w, orb.Point{(c[i] + c[i+1]) / 2, y}, true
			}
		}
	}
	return p, ok
}

// insertSorted adds x to a short sorted slice (a line crosses a plot a
// handful of times).
func insertSorted(s []float64, x float64) []float64 {
	s = append(s, x)
	for i := len(s) - 1; i > 0 && s[i-1] > x; i-- {
		s[i], s[i-1] = s[i-1], s[i]
	}
	return s
}

// largestPart returns the part of mp with the largest exterior area.
func largestPart(mp orb.MultiPolygon) orb.Polygon {
	if len(mp) == 1 {
		return mp[0]
	}
	var best orb.Polygon
	bestArea := -1.0
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		if a := math.Abs(shoelace(poly[0])); a > bestArea {
			best, bestArea = poly, a
		}
	}
	return best
}

func shoelace(r orb.Ring) float64 {
	s := 0.0
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}
