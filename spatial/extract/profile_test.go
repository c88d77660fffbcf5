package extract

import (
	"math"
	"testing"

	"cadastre/spatial/grid"
)

func mustProfile(t *testing.T, name string) *Profile {
	t.Helper()
	p, err := LoadProfile(name)
	if err != nil {
		t.Fatalf("LoadProfile(%q): %v", name, err)
	}
	return p
}

// Edge limits by hand from DOMAIN.md (Circular 25 art. 7; Circular 26
// Appendix 03, rounding floor: whole metres only, band by band).
func TestEdgeLimit(t *testing.T) {
	c25, c26 := mustProfile(t, "circular-25-2014"), mustProfile(t, "circular-26-2024")
	cases := []struct {
		p     *Profile
		scale grid.Scale
		agri  bool
		d     float64
		want  float64 // cm
	}{
		{c25, 200, false, 14, 4}, {c25, 500, false, 14, 10}, {c25, 1000, false, 14, 20},
		{c25, 2000, false, 14, 40}, {c25, 5000, false, 14, 100}, {c25, 10000, false, 14, 200},
		{c25, 1000, false, 4.99, 4}, {c25, 500, false, 4, 4}, {c25, 200, false, 4, 4}, {c25, 1000, false, 5, 20},
		{c25, 1000, true, 14, 30}, {c25, 2000, true, 14, 60}, {c25, 500, true, 14, 10}, {c25, 1000, true, 4, 6},
		{c26, 200, false, 14, 6.6}, {c26, 500, false, 14, 6.85}, {c26, 1000, false, 14, 7.4},
		{c26, 2000, false, 14, 8.9}, {c26, 5000, false, 14, 9.6}, {c26, 10000, false, 14, 10.05},
		{c26, 1000, false, 3.5, 2.0}, {c26, 1000, false, 4.49, 2.0}, {c26, 1000, false, 4.5, 2.7},
		{c26, 1000, false, 10, 6.2}, {c26, 1000, false, 60, 2 + 6*0.7 + 20*0.3 + 20*0.25 + 10*0.1},
		{c26, 200, false, 1, 1.5}, {c26, 1000, true, 14, 7.4 * 1.2}, {c26, 500, true, 14, 6.85},
	}
	for _, c := range cases {
		got := c.p.EdgeLimit(c.scale, c.agri, c.d) * 100
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s 1:%d agri=%v D=%g: got %.4f cm, want %.4f cm", c.p.Name, c.scale, c.agri, c.d, got, c.want)
		}
	}
}

// Area limits by hand from Circular 26 Appendix 04, with DOMAIN.md's
// worked example (1:500, 100 m² -> 0.81 m²).
func TestAreaLimit(t *testing.T) {
	p := mustProfile(t, "circular-26-2024")
	cases := []struct {
		scale grid.Scale
		s     float64
		want  float64
	}{
		{500, 100, 0.81}, {500, 30, 0.25}, {500, 39.9, 0.25}, {500, 40, 0.33}, {500, 109.9, 0.81}, {500, 110, 0.86},
		{200, 100.7, 0.72}, {1000, 100.8, 0.83}, {2000, 101, 0.94}, {5000, 101, 0.95}, {10000, 101, 0.95},
		{1000, 20000, 0.35 + 26*0.08 + 70*0.05 + 100*0.04 + 300*0.03 + 500*0.02 + 1000*0.01},
		{10000, 400, 0.5 + 25*0.09 + 10*0.06},
	}
	for _, c := range cases {
		got, ok := p.AreaLimit(c.scale, c.s)
		if !ok || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("1:%d S=%g: got %.4f (ok %v), want %.4f", c.scale, c.s, got, ok, c.want)
		}
	}
	if _, ok := mustProfile(t, "circular-25-2014").AreaLimit(500, 100); ok {
		t.Errorf("circular-25-2014 has an area limit; art. 7 gives none")
	}
}

// The rounding rule is a field of the profile; each rule gives its own
// value for a partial unit.
func TestRoundingRule(t *testing.T) {
	p := *mustProfile(t, "circular-26-2024")
	for _, c := range []struct {
		r    Rounding
		want float64
	}{{RoundFloor, 0.81}, {RoundCeil, 0.81 + 0.05}, {RoundExact, 0.81 + 0.05*0.5}} {
		p.Rounding = c.r
		if got, _ := p.AreaLimit(500, 105); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("rounding %s, 1:500, 105 m²: got %.4f, want %.4f", c.r, got, c.want)
		}
	}
	if _, err := ParseProfile([]byte(`{"name":"x","rounding":"half"}`)); err == nil {
		t.Errorf("a profile with rounding \"half\" was accepted")
	}
}

func TestPositionLimit(t *testing.T) {
	p := mustProfile(t, "circular-25-2014")
	want := map[grid.Scale]float64{200: 0.05, 500: 0.07, 1000: 0.15, 2000: 0.30, 5000: 1.5, 10000: 3}
	for sc, w := range want {
		if got := p.PositionLimit(sc, false); math.Abs(got-w) > 1e-12 {
			t.Errorf("1:%d: got %g, want %g", sc, got, w)
		}
	}
	if got := p.PositionLimit(1000, true); math.Abs(got-0.225) > 1e-12 {
		t.Errorf("1:1000 agricultural: got %g, want 0.225", got)
	}
	if got := p.PositionLimit(500, true); got != 0.07 {
		t.Errorf("1:500 agricultural: got %g, want 0.07 (no allowance at 1:500)", got)
	}
	if _, err := LoadProfile("../x"); err == nil {
		t.Errorf("LoadProfile accepted a path")
	}
}
