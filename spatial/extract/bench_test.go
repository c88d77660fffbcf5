package extract

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/extract/remeasure"
)

// polygon returns a star-free n-gon of radius ~r around (cx, cy) in local
// metres, with a wobble so that no edge is collinear with the next.
func polygon(n int, cx, cy, r float64) orb.Ring {
	out := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		rr := r * (1 + 0.05*math.Sin(7*a))
		out = append(out, orb.Point{origin[0] + cx + rr*math.Cos(a), origin[1] + cy + rr*math.Sin(a)})
	}
	return append(out, out[0])
}

// cell returns the square cell (i, j) of a 40 m grid whose sides have k
// vertices each, zigzagging by 5 cm so that none is collinear; cells
// share their sides vertex for vertex, as stored neighbours do.
func cell(i, j, k int) orb.Ring {
	side := func(x0, y0, x1, y1 float64) []orb.Point {
		var pts []orb.Point
		for s := 0; s < k; s++ {
			t := float64(s) / float64(k)
			x, y := x0+t*(x1-x0), y0+t*(y1-y0)
			z := 0.05 * float64(s%2)
			if x0 == x1 {
				x += z
			} else {
				y += z
			}
			pts = append(pts, orb.Point{origin[0] + x, origin[1] + y})
		}
		return pts
	}
	x0, y0, x1, y1 := float64(i)*40, float64(j)*40, float64(i+1)*40, float64(j+1)*40
	var r orb.Ring
	r = append(r, side(x0, y0, x1, y0)...)
	r = append(r, side(x1, y0, x1, y1)...)
	r = append(r, reverseSide(side(x0, y1, x1, y1), orb.Point{origin[0] + x1, origin[1] + y1})...)
	r = append(r, reverseSide(side(x0, y0, x0, y1), orb.Point{origin[0] + x0, origin[1] + y1})...)
	return append(r, r[0])
}

// reverseSide walks a side (its start included, its end not) backwards
// from its end: the same vertices, so that neighbours share them.
func reverseSide(pts []orb.Point, end orb.Point) []orb.Point {
	out := []orb.Point{end}
	for i := len(pts) - 1; i > 0; i-- {
		out = append(out, pts[i])
	}
	return out
}

// BenchmarkCheck measures one validation (matching, tables, rules and
// the overlays with the 8 cells around, 4 of them sharing a side) for
// plots of 4 to 200 vertices, reporting p50 and p99 besides the mean.
// Issue 6 targets p99 < 10 ms. noisy moves two vertices in three by a
// few millimetres and keeps the third exactly (shared points); the
// all-moved cases move every vertex by 2 cm of noise, as a field survey
// does. At 200 vertices both still meet an overlay: a gap within the
// margin of a rounding step (noisy), millimetre points 1e-10 m off the
// cells' 1:16 zigzag edges (all-moved). cmd/extractbench measures
// generated plots with their real neighbours.
func BenchmarkCheck(b *testing.B) {
	p := mustProfile(&testing.T{}, DefaultProfile)
	for _, all := range []bool{false, true} {
		for _, n := range []int{4, 20, 52, 200} {
			name := fmt.Sprintf("vertices=%d", n)
			meas := orb.MultiPolygon{{noisy(cell(0, 0, n/4))}}
			if all {
				name += ",all-moved"
				meas = remeasure.Jitter(rand.New(rand.NewPCG(1, uint64(n))), orb.MultiPolygon{{cell(0, 0, n/4)}}, 0.02)
			}
			b.Run(name, func(b *testing.B) { benchCheck(b, p, n, meas) })
		}
	}
}

func benchCheck(b *testing.B, p *Profile, n int, meas orb.MultiPolygon) {
	stored := storedPlot(orb.MultiPolygon{{cell(0, 0, n/4)}}, 0)
	var ns []Neighbour
	for di := -1; di <= 1; di++ {
		for dj := -1; dj <= 1; dj++ {
			if di != 0 || dj != 0 {
				ns = append(ns, Neighbour{Key: spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 100 + 3*di + dj},
					Geometry: orb.MultiPolygon{{cell(di, dj, n/4)}}})
			}
		}
	}
	in := &Input{Stored: stored, Measured: Boundary{EPSG: 9210, Geometry: meas}, Scale: 1000, Neighbours: ns}
	times := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		if _, err := Check(in, p); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
}

// TestBenchCells keeps the benchmark honest: its cells are valid, share
// their sides (no overlap between neighbours) and the check finds no
// overlap above the noise.
func TestBenchCells(t *testing.T) {
	a, b := orb.MultiPolygon{{cell(0, 0, 5)}}, orb.MultiPolygon{{cell(1, 0, 5)}}
	for _, g := range []orb.MultiPolygon{a, b} {
		if errs := spatial.ValidateGeometry(g); len(errs) > 0 {
			t.Fatalf("cell invalid: %v", errs)
		}
	}
	if d := math.Abs(spatial.PlaneArea(a) - 1600); d > 1 {
		t.Errorf("cell area %.2f, want about 1600", spatial.PlaneArea(a))
	}
	rep, err := Check(&Input{Stored: storedPlot(a, 0), Measured: Boundary{Geometry: a}, Scale: 1000, Neighbours: []Neighbour{{Key: spatial.PlotKey{Unit: "27001", Sheet: 1, Plot: 2}, Geometry: b}}}, mustProfile(t, DefaultProfile))
	if err != nil || len(rep.Overlaps) != 0 || len(rep.Gaps) != 0 || rep.Verdict != WithinTolerance {
		t.Errorf("identical re-measurement next to a sharing cell: %v overlaps %v gaps %v %s", err, rep.Overlaps, rep.Gaps, rep.Verdict)
	}
}
