package tiles

import (
	"math"
	"math/rand/v2"
	"testing"
)

// z20Unit is one tile unit at zoom 20 in Web Mercator metres.
var z20Unit = 2 * math.Pi * 6378137 / (1 << 20) / Extent

// TestProjectorError measures the interpolated projection against the
// exact one across the plane of several zones: it must stay far below one
// tile unit at z20.
func TestProjectorError(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	p := NewProjector(0)
	worst := 0.0
	for _, epsg := range []int32{9205, 5897, 9210, 5899, 9218} {
		for range 30 {
			// Areas ±165 km from the central meridian at Vietnam's
			// northings, 500 points in 3 x 3 km around each.
			ce := 335000 + rng.Float64()*330000
			cn := 950000 + rng.Float64()*1650000
			for range 500 {
				e, n := ce+rng.Float64()*3000, cn+rng.Float64()*3000
				gx, gy, ok := p.Mercator(epsg, e, n)
				x, y, ok2 := Exact(epsg, e, n)
				if !ok || !ok2 {
					t.Fatalf("EPSG:%d %.1f %.1f: not projected", epsg, e, n)
				}
				worst = max(worst, math.Hypot(gx-x, gy-y))
			}
		}
	}
	t.Logf("worst interpolation error %.3f mm = %.3f z20 tile units (%d blocks)", worst*1000, worst/z20Unit, p.Blocks())
	if worst > 0.001 {
		t.Errorf("worst error %.3f mm, want < 1 mm", worst*1000)
	}
}

// TestProjectorDeterministic: the same vertex maps to the same point
// whatever was projected before (block cache, cursor).
func TestProjectorDeterministic(t *testing.T) {
	p1, p2 := NewProjector(0), NewProjector(0)
	p2.Mercator(9210, 599000, 1190000)
	for i := range 1000 {
		e, n := 600000+float64(i)*7.3, 1191000+float64(i)*3.1
		x1, y1, _ := p1.Mercator(9210, e, n)
		x2, y2, _ := p2.Mercator(9210, e, n)
		if x1 != x2 || y1 != y2 {
			t.Fatalf("vertex %d: %v,%v vs %v,%v", i, x1, y1, x2, y2)
		}
	}
	if _, _, ok := p1.Mercator(1234, 600000, 1191000); ok {
		t.Error("unknown zone projected")
	}
}

func BenchmarkProjector(b *testing.B) {
	p := NewProjector(0)
	c := cursor{p: p}
	for i := 0; b.Loop(); i++ {
		c.mercator(9210, 600000+float64(i%1000)*0.37, 1191000+float64(i%777)*0.41)
	}
}

func BenchmarkExact(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		Exact(9210, 600000+float64(i%1000)*0.37, 1191000+float64(i%777)*0.41)
	}
}
