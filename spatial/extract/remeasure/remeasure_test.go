package remeasure

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

func TestDensify(t *testing.T) {
	// A 30 x 10 m rectangle with a 2 x 2 m hole: perimeter 88 m.
	shell := orb.Ring{{0, 0}, {30, 0}, {30, 10}, {0, 10}, {0, 0}}
	hole := orb.Ring{{4, 4}, {4, 6}, {6, 6}, {6, 4}, {4, 4}}
	mp := orb.MultiPolygon{{shell, hole}}
	for _, n := range []int{3, 8, 9, 20, 51, 200} {
		got := Densify(mp, n)
		want := max(n, 8)
		if v := Vertices(got); v != want {
			t.Errorf("Densify to %d: got %d vertices, want %d", n, v, want)
		}
		if a, b := spatial.PlaneArea(got), spatial.PlaneArea(mp); math.Abs(a-b) > 1e-9 {
			t.Errorf("Densify to %d: area %g, want %g", n, a, b)
		}
		if errs := spatial.ValidateGeometry(got); len(errs) > 0 {
			t.Errorf("Densify to %d: invalid: %v", n, errs)
		}
	}
	// The long edges take the new points: 30 m edges get 3x a 10 m edge's.
	got := Densify(orb.MultiPolygon{{shell}}, 4+8)
	if r := got[0][0]; len(r) != 13 || r[1] != (orb.Point{7.5, 0}) || r[5] != (orb.Point{30, 5}) {
		t.Errorf("Densify rectangle to 12: got %v", r)
	}
}

func TestJitter(t *testing.T) {
	mp := Densify(orb.MultiPolygon{{{{600000, 1192000}, {600030, 1192000}, {600030, 1192010}, {600000, 1192010}, {600000, 1192000}}}}, 100)
	rng := rand.New(rand.NewPCG(1, 2))
	got := Jitter(rng, mp, 0.02)
	var sum2 float64
	r0, r1 := mp[0][0], got[0][0]
	for i := range r0[:len(r0)-1] {
		for k := 0; k < 2; k++ {
			d := r1[i][k] - r0[i][k]
			if mm := r1[i][k] * 1000; math.Abs(d) > 0.0605 || math.Abs(mm-math.Round(mm)) > 1e-3 {
				t.Fatalf("vertex %d moved by %g to %v", i, d, r1[i])
			}
			sum2 += d * d
		}
	}
	if sd := math.Sqrt(sum2 / float64(2*(len(r0)-1))); sd < 0.015 || sd > 0.025 {
		t.Errorf("noise standard deviation %g, want about 0.02", sd)
	}
	if r1[len(r1)-1] != r1[0] {
		t.Errorf("ring not closed")
	}
}
