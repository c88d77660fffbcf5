package grid_test

import (
	"flag"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"cadastre/spatial/grid"
)

// Reproduce a failure with: go test ./spatial/grid/ -run Property -args -grid.seed=N
var seedFlag = flag.Uint64("grid.seed", 0, "seed of the random grid properties (0: from the clock)")

const pointsPerScale = 100000

func seed(t testing.TB) uint64 {
	s := *seedFlag
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -args -grid.seed=%d)", s, s)
	return s
}

// randomPoint draws a point of the grid domain. One in five is put on or
// next to a grid line of the 100 m grid (which holds every grid line of
// every scale) to exercise the boundary convention.
func randomPoint(r *rand.Rand) (e, n float64) {
	e = 104000 + r.Float64()*(998000-104000)
	n = 2994000 - r.Float64()*2994000 // (0, 2994000]
	switch r.IntN(10) {
	case 0: // on a vertical line
		e = math.Round(e/100) * 100
	case 1: // on a horizontal line
		n = math.Round(n/100) * 100
	case 2: // on a grid node
		e, n = math.Round(e/100)*100, math.Round(n/100)*100
	case 3: // one ulp either side of a node
		e = math.Nextafter(math.Round(e/100)*100, e)
		n = math.Nextafter(math.Round(n/100)*100, n)
	}
	if e >= 998000 {
		e = 104000
	}
	if n <= 0 {
		n = 2994000
	}
	return e, n
}

// TestPropertyRoundTrip: for random points of each scale, SheetAt ->
// number -> Parse with a hint up to 400 km off the point gives back the
// same scale and frame, the frame contains the point, and no neighbouring
// cell does (every point belongs to exactly one cell).
func TestPropertyRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(seed(t), 0x9e3779b97f4a7c15))
	for _, s := range grid.Scales() {
		c := s.CellSize()
		for i := 0; i < pointsPerScale; i++ {
			e, n := randomPoint(r)
			num, f, err := grid.SheetAt(s, e, n)
			if err != nil {
				t.Fatalf("SheetAt(%v, %v, %v): %v", s, e, n, err)
			}
			if !f.Contains(e, n) || f.MaxE-f.MinE != c || f.MaxN-f.MinN != c {
				t.Fatalf("SheetAt(%v, %v, %v) = %q %+v: not a %v m cell containing the point", s, e, n, num, f, c)
			}
			for de := -1.0; de <= 1; de++ {
				for dn := -1.0; dn <= 1; dn++ {
					g := grid.Frame{MinE: f.MinE + de*c, MaxE: f.MaxE + de*c, MinN: f.MinN + dn*c, MaxN: f.MaxN + dn*c}
					if (de != 0 || dn != 0) && g.Contains(e, n) {
						t.Fatalf("point (%v, %v) in %q %+v and in its neighbour %+v", e, n, num, f, g)
					}
				}
			}
			h := n + (r.Float64()*2-1)*400000
			ps, pf, err := grid.Parse(num, h)
			if err != nil || ps != s || pf != f {
				t.Fatalf("point (%v, %v): SheetAt %v = %q %+v but Parse(hint %v) = %v %+v %v", e, n, s, num, f, h, ps, pf, err)
			}
		}
	}
}

// TestPropertyNesting: at any point, each scale's sheet lies inside the
// sheet of the next smaller scale, and its number extends that number as
// Annex 03 builds numbers.
func TestPropertyNesting(t *testing.T) {
	r := rand.New(rand.NewPCG(seed(t), 0x5851f42d4c957f2d))
	scales := grid.Scales()
	for i := 0; i < pointsPerScale; i++ {
		e, n := randomPoint(r)
		nums := make([]string, len(scales))
		frames := make([]grid.Frame, len(scales))
		for j, s := range scales {
			var err error
			if nums[j], frames[j], err = grid.SheetAt(s, e, n); err != nil {
				t.Fatal(err)
			}
		}
		// scales: 200, 500, 1000, 2000, 5000, 10000
		for j := 0; j < len(scales)-1; j++ {
			parent := j + 1
			if j < 3 {
				parent = 3 // 1:1000, 1:500 and 1:200 all divide the 1:2000 cell
			}
			if !inside(frames[j], frames[parent]) {
				t.Fatalf("(%v, %v): %q %+v not inside %q %+v", e, n, nums[j], frames[j], nums[parent], frames[parent])
			}
			if j < 4 && !strings.HasPrefix(nums[j], nums[parent]+"-") {
				t.Fatalf("(%v, %v): %q does not extend %q", e, n, nums[j], nums[parent])
			}
		}
	}
}
