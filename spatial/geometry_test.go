package spatial

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// Coordinates near a real VN-2000 position, where naive shoelace sums lose
// precision.
const e0, n0 = 601234.567, 1191876.543

func sq(e, n, w, h float64) orb.Ring {
	return orb.Ring{{e, n}, {e + w, n}, {e + w, n + h}, {e, n + h}, {e, n}}
}

func rev(r orb.Ring) orb.Ring {
	out := append(orb.Ring(nil), r...)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func TestPlaneArea(t *testing.T) {
	cases := []struct {
		name string
		g    orb.MultiPolygon
		want float64
	}{
		{"square", orb.MultiPolygon{{sq(e0, n0, 20, 30)}}, 600},
		{"clockwise square", orb.MultiPolygon{{rev(sq(e0, n0, 20, 30))}}, 600},
		{"with hole", orb.MultiPolygon{{sq(e0, n0, 40, 40), sq(e0+10, n0+10, 5, 4)}}, 1600 - 20},
		{"multipart", orb.MultiPolygon{{sq(e0, n0, 10, 10)}, {sq(e0+20, n0, 3, 7)}}, 121},
		{"triangle", orb.MultiPolygon{{{{e0, n0}, {e0 + 10, n0}, {e0, n0 + 10}, {e0, n0}}}}, 50},
		{"tiny", orb.MultiPolygon{{sq(e0, n0, 0.01, 0.01)}}, 0.0001},
	}
	for _, c := range cases {
		if got := PlaneArea(c.g); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("%s: got %.9f, want %.9f", c.name, got, c.want)
		}
	}
}

// TestPlaneAreaPrecision: the offset shoelace stays exact to 1e-6 m² on a
// 60-vertex polygon far from the origin, where the naive sum would not.
func TestPlaneAreaPrecision(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for k := 0; k < 100; k++ {
		// A regular 60-gon of radius R: area = n/2 R² sin(2π/n); its vertices
		// are rounded to mm so compute the reference on the shifted copy.
		r := orb.Ring{}
		R := 5 + rng.Float64()*200
		for i := 0; i < 60; i++ {
			a := 2 * math.Pi * float64(i) / 60
			r = append(r, orb.Point{math.Round((R*math.Cos(a))*1000) / 1000, math.Round((R*math.Sin(a))*1000) / 1000})
		}
		r = append(r, r[0])
		ref := RingArea(r)
		far := make(orb.Ring, len(r))
		for i, p := range r {
			far[i] = orb.Point{p[0] + e0, p[1] + 1_900_000}
		}
		if got := RingArea(far); math.Abs(got-ref) > 1e-6 {
			t.Fatalf("case %d: got %.9f far from origin, want %.9f", k, got, ref)
		}
	}
}

func TestOrient(t *testing.T) {
	g := orb.MultiPolygon{{rev(sq(e0, n0, 40, 40)), rev(rev(sq(e0+10, n0+10, 5, 5)))}}
	o := OrientMultiPolygon(g)
	if RingArea(o[0][0]) <= 0 || RingArea(o[0][1]) >= 0 {
		t.Errorf("got shell area %v hole area %v, want shell CCW (>0) hole CW (<0)", RingArea(o[0][0]), RingArea(o[0][1]))
	}
	if RingArea(g[0][0]) >= 0 {
		t.Errorf("input was modified")
	}
}

func TestEdgesPerimeter(t *testing.T) {
	g := orb.MultiPolygon{{sq(e0, n0, 3, 4), sq(e0+1, n0+1, 1, 1)}}
	es := Edges(g)
	if len(es) != 8 || es[4].Ring != 1 || es[0].Length() != 3 {
		t.Fatalf("edges: got %d, first %v", len(es), es[0])
	}
	if got := Perimeter(g); got != 14+4 {
		t.Errorf("perimeter: got %v, want 18", got)
	}
}

func TestValidateGeometry(t *testing.T) {
	shell := sq(e0, n0, 40, 40)
	cases := []struct {
		name string
		g    orb.MultiPolygon
		want string // "" = valid; else a substring of the first error
	}{
		{"square", orb.MultiPolygon{{shell}}, ""},
		{"with hole", orb.MultiPolygon{{shell, sq(e0+10, n0+10, 5, 5)}}, ""},
		{"hole touching shell at a vertex", orb.MultiPolygon{{shell, orb.Ring{{e0, n0}, {e0 + 5, n0 + 10}, {e0 + 10, n0 + 5}, {e0, n0}}}}, ""},
		{"multipart", orb.MultiPolygon{{shell}, {sq(e0+50, n0, 5, 5)}}, ""},
		{"parts sharing an edge", orb.MultiPolygon{{shell}, {sq(e0+40, n0, 5, 5)}}, "overlaps"},
		{"part inside a hole", orb.MultiPolygon{{shell, sq(e0+10, n0+10, 10, 10)}, {sq(e0+12, n0+12, 2, 2)}}, ""},
		{"empty", orb.MultiPolygon{}, "empty"},
		{"no rings", orb.MultiPolygon{{}}, "without rings"},
		{"too few points", orb.MultiPolygon{{{{e0, n0}, {e0 + 1, n0}, {e0, n0}}}}, "at least 4"},
		{"not closed", orb.MultiPolygon{{shell[:4]}}, "not closed"},
		{"duplicate vertex", orb.MultiPolygon{{{{e0, n0}, {e0 + 5, n0}, {e0 + 5, n0}, {e0 + 5, n0 + 5}, {e0, n0}}}}, "duplicate consecutive"},
		{"two distinct", orb.MultiPolygon{{{{e0, n0}, {e0 + 5, n0}, {e0, n0}, {e0 + 5, n0}, {e0, n0}}}}, "distinct"},
		{"bowtie", orb.MultiPolygon{{{{e0, n0}, {e0 + 10, n0 + 10}, {e0 + 10, n0}, {e0, n0 + 10}, {e0, n0}}}}, "self-intersection"},
		{"spike", orb.MultiPolygon{{{{e0, n0}, {e0 + 10, n0}, {e0 + 10, n0 + 10}, {e0 + 10, n0 + 20}, {e0 + 10, n0 + 10}, {e0, n0 + 10}, {e0, n0}}}}, "spike"},
		{"ring touching itself", orb.MultiPolygon{{{{e0, n0}, {e0 + 10, n0}, {e0 + 5, n0 + 5}, {e0 + 10, n0 + 10}, {e0, n0 + 10}, {e0 + 5, n0 + 5}, {e0, n0}}}}, "self-intersection"},
		{"collinear", orb.MultiPolygon{{{{e0, n0}, {e0 + 5, n0}, {e0 + 10, n0}, {e0, n0}}}}, "spike"},
		{"hole outside", orb.MultiPolygon{{shell, sq(e0+50, n0+50, 5, 5)}}, "outside the shell"},
		{"hole crossing shell", orb.MultiPolygon{{shell, sq(e0+35, n0+10, 10, 5)}}, "crosses the shell"},
		{"holes overlapping", orb.MultiPolygon{{shell, sq(e0+10, n0+10, 5, 5), sq(e0+12, n0+12, 5, 5)}}, "overlaps hole"},
		{"nested parts", orb.MultiPolygon{{shell}, {sq(e0+10, n0+10, 5, 5)}}, "overlaps part"},
		{"NaN", orb.MultiPolygon{{{{e0, n0}, {math.NaN(), n0}, {e0 + 5, n0 + 5}, {e0, n0}}}}, "finite"},
	}
	for _, c := range cases {
		errs := ValidateGeometry(c.g)
		switch {
		case c.want == "" && len(errs) > 0:
			t.Errorf("%s: got %v, want valid", c.name, errs)
		case c.want != "" && len(errs) == 0:
			t.Errorf("%s: got valid, want error %q", c.name, c.want)
		case c.want != "" && !strings.Contains(errs[0].Error(), c.want):
			t.Errorf("%s: got %v, want %q", c.name, errs, c.want)
		}
	}
}

func TestPointInRing(t *testing.T) {
	r := sq(e0, n0, 10, 10)
	cases := []struct {
		p        orb.Point
		in, edge bool
	}{
		{orb.Point{e0 + 5, n0 + 5}, true, false},
		{orb.Point{e0 + 15, n0 + 5}, false, false},
		{orb.Point{e0, n0 + 5}, false, true},
		{orb.Point{e0 + 10, n0 + 10}, false, true},
	}
	for _, c := range cases {
		in, edge := PointInRing(r, c.p)
		if in != c.in || edge != c.edge {
			t.Errorf("%v: got in=%v edge=%v, want %v %v", c.p, in, edge, c.in, c.edge)
		}
	}
}
