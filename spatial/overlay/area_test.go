package overlay

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"cadastre/sampledata"
	"cadastre/spatial"
)

func shared(a, b orb.MultiPolygon, o orb.Point) (float64, float64) {
	return SharedArea(NewShape(a, o), NewShape(b, o))
}

// agree reports whether SharedArea's answer matches the overlay's area:
// within its own error bound plus float rounding at plot sizes.
func agree(got, err, want float64) bool {
	return math.Abs(got-want) <= err+1e-9*(1+want)
}

func TestSharedAreaCases(t *testing.T) {
	const e, n = 601000.0, 1191500.0
	sq := func(x0, y0, x1, y1 float64) orb.MultiPolygon { return orb.MultiPolygon{rect(e+x0, n+y0, e+x1, n+y1)} }
	holed := orb.MultiPolygon{{rect(e, n, e+30, n+30)[0], reverse(rect(e+10, n+10, e+20, n+20)[0])}}
	clockwise := orb.MultiPolygon{{reverse(rect(e, n, e+10, n+10)[0])}}
	cases := []struct {
		name string
		a, b orb.MultiPolygon
		want float64
	}{
		{"same square", sq(0, 0, 10, 10), sq(0, 0, 10, 10), 100},
		{"overlap 1 m²", sq(0, 0, 10, 10), sq(9, 9, 19, 19), 1},
		{"contained", sq(0, 0, 10, 10), sq(2, 2, 4, 4), 4},
		{"left half", sq(0, 0, 10, 10), sq(0, 0, 5, 10), 50},
		{"sliver 1 cm", sq(0, 0, 10, 10), sq(9.99, 0, 20, 10), 0.1},
		{"shared edge", sq(0, 0, 10, 10), sq(10, 0, 20, 10), 0},
		{"T-junction", sq(0, 0, 10, 10), sq(10, 5, 20, 15), 0},
		{"part of an edge", sq(0, 0, 10, 10), sq(5, 10, 15, 20), 0},
		{"corner only", sq(0, 0, 10, 10), sq(10, 10, 20, 20), 0},
		{"apart", sq(0, 0, 10, 10), sq(11, 0, 20, 10), 0},
		{"fills the hole", holed, sq(10, 10, 20, 20), 0},
		{"inside the hole", holed, sq(12, 12, 18, 18), 0},
		{"hole and shell", holed, sq(15, 15, 25, 25), 75},
		{"clockwise shell", clockwise, sq(5, 5, 15, 15), 25},
		{"clockwise neighbour", clockwise, sq(10, 0, 20, 10), 0},
		{"second part overlaps", orb.MultiPolygon{rect(e, n, e+5, n+5), rect(e+20, n, e+30, n+10)}, sq(25, 5, 35, 15), 25},
		{"cross", sq(0, 4, 10, 6), sq(4, 0, 6, 10), 4},
	}
	for _, c := range cases {
		o := c.a.Bound().Min
		for _, swap := range []bool{false, true} {
			a, b := c.a, c.b
			if swap {
				a, b = b, a
			}
			got, err := shared(a, b, o)
			if !agree(got, err, c.want) {
				t.Errorf("%s (swapped %v): got SharedArea %g (± %g), want %g", c.name, swap, got, err, c.want)
			}
		}
		if area := sfArea(t, c.a, c.b, o); math.Abs(area-c.want) > 1e-9 {
			t.Errorf("%s: the oracle's area %g disagrees with the case (%g)", c.name, area, c.want)
		}
	}
}

// TestSharedAreaRandom compares SharedArea with the overlay on random
// star-shaped polygons placed near each other.
func TestSharedAreaRandom(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	for i := range 5000 {
		a := orb.MultiPolygon{starPolygon(rng, 601000, 1191500, 10)}
		d, phi := rng.Float64()*25, rng.Float64()*2*math.Pi
		b := orb.MultiPolygon{starPolygon(rng, 601000+d*math.Cos(phi), 1191500+d*math.Sin(phi), 10)}
		o := a.Bound().Min
		want := sfArea(t, a, b, o)
		got, err := shared(a, b, o)
		if !agree(got, err, want) {
			t.Fatalf("seed %d case %d: SharedArea %g (± %g), overlay %g\na=%v\nb=%v", seed, i, got, err, want, a, b)
		}
	}
}

// TestSharedAreaNeighbours runs on the committed sample, whose plots
// tessellate their sheets: neighbours share no area, a plot shares all of
// its own, and a re-measured plot (every vertex moved by up to 5 cm, as a
// surveyor's would be, when that leaves it valid) shares with each neighbour what the overlay says.
func TestSharedAreaNeighbours(t *testing.T) {
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	bounds := make([]orb.Bound, len(b.Plots))
	for i, p := range b.Plots {
		bounds[i] = p.Geometry.Bound()
	}
	pairs, slivers := 0, 0
	for i, p := range b.Plots {
		pb := bounds[i]
		o := pb.Min
		if got, e := shared(p.Geometry, p.Geometry, o); !agree(got, e, spatial.PlaneArea(p.Geometry)) {
			t.Fatalf("plot %s with itself: SharedArea %g (± %g), want its area %g", p.Key, got, e, spatial.PlaneArea(p.Geometry))
		}
		var moved orb.MultiPolygon
		if i%20 == 0 {
			// The overlay answers nonsense for an invalid geometry; a
			// measured boundary is checked before it is compared.
			if m := jitter(rng, p.Geometry, 0.05); len(spatial.ValidateGeometry(m)) == 0 {
				moved = m
			}
		}
		for j, q := range b.Plots {
			if q.Key == p.Key || !pb.Intersects(bounds[j]) {
				continue
			}
			pairs++
			if got, e := shared(p.Geometry, q.Geometry, o); !agree(got, e, 0) {
				t.Fatalf("plots %s and %s share only edges, but SharedArea says %g (± %g)", p.Key, q.Key, got, e)
			}
			if moved == nil {
				continue
			}
			want := sfArea(t, moved, q.Geometry, o)
			if got, e := shared(moved, q.Geometry, o); !agree(got, e, want) {
				t.Fatalf("seed %d: plot %s moved, against %s: SharedArea %g (± %g), overlay %g", seed, p.Key, q.Key, got, e, want)
			}
			if want > 0.01 {
				slivers++
			}
		}
	}
	if pairs < 10000 || slivers < 100 {
		t.Errorf("only %d neighbouring pairs and %d slivers tested", pairs, slivers)
	}
}

// jitter moves every vertex by up to r metres in each direction (the
// closing vertex with the first), rounded to millimetres.
func jitter(rng *rand.Rand, mp orb.MultiPolygon, r float64) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = make(orb.Polygon, len(p))
		for j, ring := range p {
			nr := make(orb.Ring, len(ring))
			for k := range ring[:len(ring)-1] {
				nr[k] = orb.Point{
					math.Round((ring[k][0]+r*(2*rng.Float64()-1))*1000) / 1000,
					math.Round((ring[k][1]+r*(2*rng.Float64()-1))*1000) / 1000,
				}
			}
			nr[len(nr)-1] = nr[0]
			out[i][j] = nr
		}
	}
	return out
}

func BenchmarkSharedArea(b *testing.B) {
	sample, err := sampledata.Sample()
	if err != nil {
		b.Fatal(err)
	}
	p, q := sample.Plots[60].Geometry, sample.Plots[61].Geometry
	o := p.Bound().Min
	ps := NewShape(p, o)
	for b.Loop() {
		SharedArea(ps, NewShape(q, o))
	}
}
