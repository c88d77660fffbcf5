package overlay

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"cadastre/sampledata"
)

// sfArea is the oracle: simplefeatures' overlay of the two geometries.
func sfArea(t *testing.T, a, b orb.MultiPolygon, o orb.Point) float64 {
	t.Helper()
	area, err := IntersectionArea(a, b, o)
	if err != nil {
		t.Fatalf("simplefeatures: %v", err)
	}
	return area
}

func meets(a, b orb.MultiPolygon, o orb.Point) bool {
	return InteriorsMeet(LocalEdges(nil, a, o), LocalEdges(nil, b, o))
}

func rect(e0, n0, e1, n1 float64) orb.Polygon {
	return orb.Polygon{{{e0, n0}, {e1, n0}, {e1, n1}, {e0, n1}, {e0, n0}}}
}

func TestInteriorsMeetCases(t *testing.T) {
	const e, n = 601000.0, 1191500.0
	sq := func(x0, y0, x1, y1 float64) orb.MultiPolygon { return orb.MultiPolygon{rect(e+x0, n+y0, e+x1, n+y1)} }
	holed := orb.MultiPolygon{{rect(e, n, e+30, n+30)[0], reverse(rect(e+10, n+10, e+20, n+20)[0])}}
	clockwise := orb.MultiPolygon{{reverse(rect(e, n, e+10, n+10)[0])}}
	cases := []struct {
		name string
		a, b orb.MultiPolygon
		want bool
	}{
		{"same square", sq(0, 0, 10, 10), sq(0, 0, 10, 10), true},
		{"overlap 1 m²", sq(0, 0, 10, 10), sq(9, 9, 19, 19), true},
		{"contained", sq(0, 0, 10, 10), sq(2, 2, 4, 4), true},
		{"left half", sq(0, 0, 10, 10), sq(0, 0, 5, 10), true},
		{"shared Edge", sq(0, 0, 10, 10), sq(10, 0, 20, 10), false},
		{"T-junction", sq(0, 0, 10, 10), sq(10, 5, 20, 15), false},
		{"part of an Edge", sq(0, 0, 10, 10), sq(5, 10, 15, 20), false},
		{"corner only", sq(0, 0, 10, 10), sq(10, 10, 20, 20), false},
		{"apart", sq(0, 0, 10, 10), sq(11, 0, 20, 10), false},
		{"fills the hole", holed, sq(10, 10, 20, 20), false},
		{"inside the hole", holed, sq(12, 12, 18, 18), false},
		{"hole and shell", holed, sq(15, 15, 25, 25), true},
		{"clockwise shell", clockwise, sq(5, 5, 15, 15), true},
		{"clockwise neighbour", clockwise, sq(10, 0, 20, 10), false},
		{"second part overlaps", orb.MultiPolygon{rect(e, n, e+5, n+5), rect(e+20, n, e+30, n+10)}, sq(25, 5, 35, 15), true},
	}
	for _, c := range cases {
		o := c.a.Bound().Min
		if got := meets(c.a, c.b, o); got != c.want {
			t.Errorf("%s: got InteriorsMeet %v, want %v", c.name, got, c.want)
		}
		if got := meets(c.b, c.a, o); got != c.want {
			t.Errorf("%s (swapped): got InteriorsMeet %v, want %v", c.name, got, c.want)
		}
		if area := sfArea(t, c.a, c.b, o); (area > 1e-9) != c.want {
			t.Errorf("%s: the oracle's area %g disagrees with the case", c.name, area)
		}
	}
}

func reverse(r orb.Ring) orb.Ring {
	out := append(orb.Ring(nil), r...)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// TestInteriorsMeetNeighbours: the plots of the committed sample tessellate
// their sheets (irregular shapes, shared edges, ponds filling holes), so no
// two of them share area, though many boxes overlap.
func TestInteriorsMeetNeighbours(t *testing.T) {
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	pairs := 0
	for i, p := range b.Plots {
		pb := p.Geometry.Bound()
		for _, q := range b.Plots[i+1:] {
			if !pb.Intersects(q.Geometry.Bound()) {
				continue
			}
			pairs++
			o := pb.Min
			if meets(p.Geometry, q.Geometry, o) {
				t.Fatalf("plots %s and %s share only edges, but InteriorsMeet says they overlap (oracle: %g m²)", p.Key, q.Key, sfArea(t, p.Geometry, q.Geometry, o))
			}
		}
		if !meets(p.Geometry, p.Geometry, pb.Min) {
			t.Fatalf("plot %s does not meet itself", p.Key)
		}
	}
	if pairs < 5000 {
		t.Errorf("only %d neighbouring pairs tested", pairs)
	}
}

// TestInteriorsMeetRandom compares InteriorsMeet with the overlay on
// random star-shaped polygons placed near each other.
func TestInteriorsMeetRandom(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range 5000 {
		a := orb.MultiPolygon{starPolygon(rng, 601000, 1191500, 10)}
		d, phi := rng.Float64()*25, rng.Float64()*2*math.Pi
		b := orb.MultiPolygon{starPolygon(rng, 601000+d*math.Cos(phi), 1191500+d*math.Sin(phi), 10)}
		o := a.Bound().Min
		area, meet := sfArea(t, a, b, o), meets(a, b, o)
		if area > 1e-7 && !meet || area == 0 && meet {
			t.Fatalf("seed %d case %d: InteriorsMeet %v, overlay area %g\na=%v\nb=%v", seed, i, meet, area, a, b)
		}
	}
}

// starPolygon returns a simple polygon: vertices at increasing angles
// around (e, n), at random distances up to r.
func starPolygon(rng *rand.Rand, e, n, r float64) orb.Polygon {
	k := 3 + rng.IntN(10)
	angles := make([]float64, k)
	for i := range angles {
		angles[i] = (float64(i) + rng.Float64()*0.9) * 2 * math.Pi / float64(k)
	}
	ring := make(orb.Ring, 0, k+1)
	for _, a := range angles {
		d := r * (0.2 + 0.8*rng.Float64())
		ring = append(ring, orb.Point{e + d*math.Cos(a), n + d*math.Sin(a)})
	}
	return orb.Polygon{append(ring, ring[0])}
}

func BenchmarkInteriorsMeet(b *testing.B) {
	sample, err := sampledata.Sample()
	if err != nil {
		b.Fatal(err)
	}
	p, q := sample.Plots[60].Geometry, sample.Plots[61].Geometry
	o := p.Bound().Min
	pe := LocalEdges(nil, p, o)
	var qe []Edge
	for b.Loop() {
		qe = LocalEdges(qe[:0], q, o)
		if InteriorsMeet(pe, qe) {
			b.Fatal("neighbours meet")
		}
	}
}
