package overlay

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"

	"cadastre/sampledata"
	"cadastre/spatial"
)

// sfPieces is the oracle: simplefeatures' difference, part by part, as
// rings of local coordinates (holes would follow their shell).
func sfPieces(t *testing.T, a, b orb.MultiPolygon, o orb.Point) []Piece {
	t.Helper()
	g, err := sf.Difference(Geometry(a, o), Geometry(b, o))
	if err != nil {
		t.Fatalf("simplefeatures: %v", err)
	}
	var out []Piece
	for _, part := range g.Dump() {
		if part.Area() <= 0 {
			continue
		}
		seq := part.DumpCoordinates()
		var r orb.Ring
		for i := 0; i < seq.Length(); i++ {
			xy := seq.GetXY(i)
			r = append(r, orb.Point{xy.X, xy.Y})
		}
		out = append(out, Piece{Ring: r, Area: part.Area()})
	}
	return out
}

// samePieces reports whether DifferencePieces' parts are the overlay's:
// the same number, and for each a part of the overlay with the same area
// and the same vertices, to rounding.
func samePieces(got, want []Piece) bool {
	if len(got) != len(want) {
		return false
	}
	used := make([]bool, len(want))
	for _, g := range got {
		found := false
		for j, w := range want {
			if !used[j] && samePiece(g, w) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func samePiece(g, w Piece) bool {
	if math.Abs(g.Area-w.Area) > 1e-9*(1+w.Area) || len(g.Ring) != len(w.Ring) {
		return false
	}
	for _, p := range g.Ring {
		near := false
		for _, q := range w.Ring {
			if math.Hypot(p[0]-q[0], p[1]-q[1]) < 1e-9 {
				near = true
				break
			}
		}
		if !near {
			return false
		}
	}
	return true
}

func TestDifferencePiecesCases(t *testing.T) {
	const e, n = 601000.0, 1191500.0
	sq := func(x0, y0, x1, y1 float64) orb.MultiPolygon { return orb.MultiPolygon{rect(e+x0, n+y0, e+x1, n+y1)} }
	tilted := orb.MultiPolygon{{{{e + 0.2, n - 0.1}, {e + 10.1, n + 0.2}, {e + 9.8, n + 10.1}, {e - 0.1, n + 9.9}, {e + 0.2, n - 0.1}}}}
	holed := orb.MultiPolygon{{rect(e, n, e+30, n+30)[0], reverse(rect(e+10, n+10, e+20, n+20)[0])}}
	zig := orb.MultiPolygon{{{{e, n}, {e + 0.8, n + 0.05}, {e + 1.6, n}, {e + 1.6, n + 1}, {e, n + 1}, {e, n}}}}
	cases := []struct {
		name   string
		a, b   orb.MultiPolygon
		ok     bool
		pieces int
	}{
		{"tilted over a square", sq(0, 0, 10, 10), tilted, true, 4},
		{"square over tilted", tilted, sq(0, 0, 10, 10), true, 4},
		{"cross", sq(0, 4, 10, 6), sq(4, -1, 6, 11), true, 2},
		{"apart, the ghost crossing an edge", sq(0, 0, 10, 10), sq(20, 5, 30, 15), true, 1},
		{"covered", sq(2, 2, 4, 4), sq(0, 0, 10, 10), true, 0},
		{"same square", sq(0, 0, 10, 10), sq(0, 0, 10, 10), true, 0},
		{"shared edge", sq(0, 0, 10, 10), sq(10, 0, 20, 10), true, 1},
		{"one corner moved in", sq(0, 0, 10, 10), orb.MultiPolygon{{{{e, n}, {e + 10, n}, {e + 9, n + 9}, {e, n + 10}, {e, n}}}}, true, 1},
		{"one corner moved out", sq(0, 0, 10, 10), orb.MultiPolygon{{{{e, n}, {e + 10, n}, {e + 11, n + 11}, {e, n + 10}, {e, n}}}}, true, 0},
		{"a vertex on the edge, from outside", sq(0, 0, 10, 10), orb.MultiPolygon{{{{e + 5, n + 10}, {e + 8, n + 12}, {e + 2, n + 12}, {e + 5, n + 10}}}}, true, 1},
		{"a vertex on the edge, across", sq(0, 0, 10, 10), orb.MultiPolygon{{{{e + 5, n + 10}, {e + 8, n + 12}, {e + 8, n + 8}, {e + 5, n + 10}}}}, true, 1},
		{"a vertex on the edge, from inside (a pinch)", sq(0, 0, 10, 10), orb.MultiPolygon{{{{e + 5, n + 10}, {e + 2, n + 8}, {e + 8, n + 8}, {e + 5, n + 10}}}}, false, 0},
		{"two parts meeting at a shared vertex", sq(0, 0, 10, 10), orb.MultiPolygon{{{{e, n}, {e + 10, n + 0.5}, {e + 10, n + 10}, {e + 0.5, n + 10}, {e, n}}}}, true, 2},
		{"a part passing a shared vertex twice", sq(0, 0, 10, 10), orb.MultiPolygon{{{{e, n}, {e + 8, n + 4}, {e + 4, n + 8}, {e, n}}}}, false, 0},
		// On the edge in millimetres, 1e-10 m off it in floats (601000.816
		// is not a float): too near to tell what the overlay makes of it.
		{"a millimetre point on a sloping edge", zig, orb.MultiPolygon{{{{e + 0.816, n + 0.049}, {e + 0.5, n - 0.5}, {e + 1.2, n - 0.5}, {e + 0.816, n + 0.049}}}}, false, 0},
		{"a vertex 0.5 nm off the edge", sq(0, 0, 10, 10), orb.MultiPolygon{{{{e + 5, n + 10 + 5e-10}, {e + 8, n + 12}, {e + 8, n + 8}, {e + 5, n + 10 + 5e-10}}}}, false, 0},
		{"a hole left", sq(0, 0, 10, 10), sq(2, 2, 4, 4), false, 0},
		{"the minuend's hole", holed, sq(-1, -1, 5, 31), false, 0},
		{"holed, both rings moved", holed, orb.MultiPolygon{{rect(e+0.3, n+0.2, e+30.3, n+30.2)[0], reverse(rect(e+9.8, n+10.1, e+19.8, n+20.1)[0])}}, true, 2},
		{"two parts, both moved", orb.MultiPolygon{rect(e, n, e+5, n+5), rect(e+20, n, e+30, n+10)},
			orb.MultiPolygon{rect(e+0.1, n+0.1, e+5.1, n+5.1), rect(e+19.9, n-0.1, e+29.9, n+9.9)}, true, 2},
	}
	for _, c := range cases {
		o := c.a.Bound().Min
		got, ok := DifferencePieces(NewShape(c.a, o), NewShape(c.b, o))
		if ok != c.ok || len(got) != c.pieces {
			t.Errorf("%s: got %d pieces, ok %v; want %d, %v", c.name, len(got), ok, c.pieces, c.ok)
			continue
		}
		if want := sfPieces(t, c.a, c.b, o); ok && !samePieces(got, want) {
			t.Errorf("%s: got %v, the overlay says %v", c.name, got, want)
		}
	}
}

// TestDifferencePiecesRandom compares DifferencePieces with the overlay on
// random star-shaped polygons near each other, and on the committed
// sample's plots re-measured (every vertex moved by centimetres, some
// densified first), as the extract checks use it.
func TestDifferencePiecesRandom(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 4))
	answered := 0
	for i := range 3000 {
		a := orb.MultiPolygon{starPolygon(rng, 601000, 1191500, 10)}
		d, phi := rng.Float64()*15, rng.Float64()*2*math.Pi
		b := orb.MultiPolygon{starPolygon(rng, 601000+d*math.Cos(phi), 1191500+d*math.Sin(phi), 10)}
		o := a.Bound().Min
		if got, ok := DifferencePieces(NewShape(a, o), NewShape(b, o)); ok {
			answered++
			if want := sfPieces(t, a, b, o); !samePieces(got, want) {
				t.Fatalf("seed %d case %d: got %v, the overlay says %v\na=%v\nb=%v", seed, i, got, want, a, b)
			}
		}
	}
	if answered < 2000 {
		t.Errorf("seed %d: only %d of 3000 random pairs answered", seed, answered)
	}
	sample, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	answered, tried, rings := 0, 0, 0
	for i, p := range sample.Plots {
		if i%4 != 0 && len(p.Geometry) == 1 && len(p.Geometry[0]) == 1 {
			continue // every plot with holes or parts, a quarter of the others
		}
		g := p.Geometry
		if i%8 == 0 {
			g = densify(g, 4)
		}
		// Re-measured: every vertex moved, one vertex moved (the others
		// exactly where they were: shared points and stretches), or every
		// other vertex moved.
		for _, m := range []orb.MultiPolygon{jitter(rng, g, 0.03), moveOne(rng, g, 0.5), jitterSome(rng, g, 0.03)} {
			if len(spatial.ValidateGeometry(m)) > 0 {
				continue
			}
			tried++
			o := p.Geometry[0][0][0]
			got, ok := DifferencePieces(NewShape(p.Geometry, o), NewShape(m, o))
			if !ok {
				continue
			}
			answered++
			if len(p.Geometry) > 1 || len(p.Geometry[0]) > 1 {
				rings++
			}
			if want := sfPieces(t, p.Geometry, m, o); !samePieces(got, want) {
				t.Fatalf("seed %d plot %s: got %v, the overlay says %v\nmeasured %v", seed, p.Key, got, want, m)
			}
		}
	}
	if answered < tried*8/10 || rings < 60 {
		t.Errorf("seed %d: only %d of %d re-measured plots answered, %d with several rings", seed, answered, tried, rings)
	}
	t.Logf("%d of %d re-measured plots answered, %d with several rings", answered, tried, rings)
}

// moveOne moves one vertex of the first ring by up to r metres, rounded
// to millimetres; the others stay exactly where they were.
func moveOne(rng *rand.Rand, mp orb.MultiPolygon, r float64) orb.MultiPolygon {
	out := jitter(rng, mp, 0)
	ring := out[0][0]
	k := rng.IntN(len(ring) - 1)
	ring[k] = orb.Point{math.Round((ring[k][0]+r*(2*rng.Float64()-1))*1000) / 1000, math.Round((ring[k][1]+r*(2*rng.Float64()-1))*1000) / 1000}
	ring[len(ring)-1] = ring[0]
	return out
}

// jitterSome moves every other vertex (as jitter does) and leaves the
// others exactly where they were.
func jitterSome(rng *rand.Rand, mp orb.MultiPolygon, r float64) orb.MultiPolygon {
	moved := jitter(rng, mp, r)
	out := jitter(rng, mp, 0)
	for i, p := range out {
		for j, ring := range p {
			for k := 0; k+1 < len(ring); k += 2 {
				ring[k] = moved[i][j][k]
			}
			ring[len(ring)-1] = ring[0]
		}
	}
	return out
}

// densify puts k-1 points evenly along every edge.
func densify(mp orb.MultiPolygon, k int) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		for _, r := range p {
			var nr orb.Ring
			for j := 0; j+1 < len(r); j++ {
				for s := 0; s < k; s++ {
					t := float64(s) / float64(k)
					nr = append(nr, orb.Point{r[j][0] + t*(r[j+1][0]-r[j][0]), r[j][1] + t*(r[j+1][1]-r[j][1])})
				}
			}
			out[i] = append(out[i], append(nr, nr[0]))
		}
	}
	return out
}

func BenchmarkDifferencePieces(b *testing.B) {
	sample, err := sampledata.Sample()
	if err != nil {
		b.Fatal(err)
	}
	p := sample.Plots[60].Geometry
	m := jitter(rand.New(rand.NewPCG(1, 2)), densify(p, 20), 0.03)
	o := p[0][0][0]
	b.Run("shapes", func(b *testing.B) {
		for b.Loop() {
			if _, ok := DifferencePieces(NewShape(p, o), NewShape(m, o)); !ok {
				b.Fatal("not answered")
			}
		}
	})
	b.Run("overlay", func(b *testing.B) {
		for b.Loop() {
			if _, err := sf.Difference(Geometry(p, o), Geometry(m, o)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
