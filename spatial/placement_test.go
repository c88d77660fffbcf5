package spatial

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestOutsideBy: how far a plot reaches out of a frame, for a grid cell,
// an irregular frame and a frame of two parts.
func TestOutsideBy(t *testing.T) {
	sq := func(e, n, side float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{e, n}, {e + side, n}, {e + side, n + side}, {e, n + side}, {e, n}}}}
	}
	cell := sq(600000, 1191000, 1000)
	triangle := orb.MultiPolygon{{{{600000, 1191000}, {601000, 1191000}, {600000, 1192000}, {600000, 1191000}}}}
	twoParts := append(sq(600000, 1191000, 100), sq(600500, 1191000, 100)...)
	for _, c := range []struct {
		name  string
		plot  orb.MultiPolygon
		frame orb.MultiPolygon
		want  float64
	}{
		{"inside a cell", sq(600100, 1191100, 10), cell, 0},
		{"on a cell's edge", sq(600990, 1191100, 10), cell, 0},
		{"12.5 m east of a cell", sq(600995, 1191100, 17.5), cell, 12.5},
		{"past a cell's corner", sq(601000, 1192000, 3), cell, math.Hypot(3, 3)},
		{"inside a triangle", sq(600100, 1191100, 10), triangle, 0},
		// The corner (600600, 1191600) is 200/sqrt(2) from the long edge, E + N = 1,792,000.
		{"past a triangle's long edge", sq(600500, 1191500, 100), triangle, 100 * math.Sqrt2},
		{"in the second part", sq(600520, 1191020, 10), twoParts, 0},
		{"between the parts", sq(600250, 1191020, 10), twoParts, 160}, // its east vertices, 160 m from the first part
	} {
		got := OutsideBy(c.plot, c.plot.Bound(), c.frame)
		if math.Abs(got-c.want) > 1e-6 {
			t.Errorf("%s: got %.4f m, want %.4f", c.name, got, c.want)
		}
	}
}
