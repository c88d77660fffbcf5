package extract

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// rotate starts the ring at vertex k.
func rotate(r orb.Ring, k int) orb.Ring {
	open := r[:len(r)-1]
	out := append(append(orb.Ring(nil), open[k:]...), open[:k]...)
	return append(out, out[0])
}

func reverse(r orb.Ring) orb.Ring {
	out := append(orb.Ring(nil), r...)
	slices.Reverse(out)
	return out
}

// insert adds a vertex after vertex i.
func insert(r orb.Ring, i int, pt orb.Point) orb.Ring {
	return slices.Insert(append(orb.Ring(nil), r...), i+1, orb.Point{origin[0] + pt[0], origin[1] + pt[1]})
}

// noisy moves every vertex by a few millimetres, alternating, so that no
// difference is exactly zero but nothing is systematic.
func noisy(r orb.Ring) orb.Ring {
	out := append(orb.Ring(nil), r...)
	for i := range out[:len(out)-1] {
		s := float64(i%3 - 1)
		out[i] = orb.Point{out[i][0] + 0.004*s, out[i][1] - 0.003*s}
	}
	out[len(out)-1] = out[0]
	return out
}

func TestGeometryMatching(t *testing.T) {
	l := lShape()
	hole := ring(3, 3, 3, 6, 6, 6, 6, 3) // clockwise
	second := ring(30, 0, 40, 0, 40, 10, 30, 10)
	cases := []struct {
		name              string
		stored, measured  orb.MultiPolygon
		edges, vertices   int
		unmatchedColinear int
		spans             int // largest span of an edge row
	}{
		{"same", orb.MultiPolygon{{l}}, orb.MultiPolygon{{noisy(l)}}, 6, 6, 0, 1},
		{"rotated start", orb.MultiPolygon{{l}}, orb.MultiPolygon{{rotate(noisy(l), 3)}}, 6, 6, 0, 1},
		{"reversed", orb.MultiPolygon{{l}}, orb.MultiPolygon{{reverse(rotate(noisy(l), 2))}}, 6, 6, 0, 1},
		{"extra collinear vertex (split edge)", orb.MultiPolygon{{l}}, orb.MultiPolygon{{insert(noisy(l), 0, orb.Point{7, 0.01})}}, 6, 6, 1, 1},
		{"removed collinear vertex (merged edge)", orb.MultiPolygon{{insert(l, 0, orb.Point{7, 0})}}, orb.MultiPolygon{{noisy(l)}}, 6, 6, 1, 2},
		{"hole", orb.MultiPolygon{{l, hole}}, orb.MultiPolygon{{noisy(l), noisy(hole)}}, 10, 10, 0, 1},
		{"multipart", orb.MultiPolygon{{l}, {second}}, orb.MultiPolygon{{noisy(second)}, {reverse(noisy(l))}}, 10, 10, 0, 1},
	}
	for _, c := range cases {
		stored := storedPlot(c.stored, 0)
		r := check(t, "circular-26-2024", 1000, false, stored, c.measured)
		if r.Verdict != WithinTolerance {
			t.Errorf("%s: got %s %q, want within_tolerance", c.name, r.Verdict, r.Reasons)
		}
		maxSpan := 0
		for _, e := range r.Edges {
			maxSpan = max(maxSpan, e.Spans)
			if math.Abs(e.Difference) > 0.011 {
				t.Errorf("%s: edge %d-%d differs by %g", c.name, e.From, e.To, e.Difference)
			}
		}
		if len(r.Edges) != c.edges || len(r.Vertices) != c.vertices || len(r.Unmatched) != c.unmatchedColinear || maxSpan != c.spans {
			t.Errorf("%s: got %d edges, %d vertices, %d unmatched, span %d; want %d, %d, %d, %d", c.name, len(r.Edges), len(r.Vertices), len(r.Unmatched), maxSpan, c.edges, c.vertices, c.unmatchedColinear, c.spans)
		}
		for _, u := range r.Unmatched {
			if !u.Collinear {
				t.Errorf("%s: unmatched %s vertex %s not collinear", c.name, u.Side, u.Vertex)
			}
		}
	}
}

// The measured boundary pushes edge B-C 3 cm into the neighbour east of
// it (a 0.6 m² sliver), then 3 cm back (a gap: the sliver runs 20 m along
// the neighbour and 2 x 3 cm along the plot's other edges, so the
// neighbour's share is 20/20.06 of it, 0.5982 m²).
func TestGeometryNeighbourSliver(t *testing.T) {
	stored := storedPlot(orb.MultiPolygon{{lShape()}}, 0)
	east := Neighbour{Key: spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 46}, Geometry: orb.MultiPolygon{{ring(14, 0, 30, 0, 30, 20, 14, 20)}}}
	north := Neighbour{Key: spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 47}, Geometry: orb.MultiPolygon{{ring(0, 12, 8, 12, 8, 30, 0, 30)}}}
	for _, c := range []struct {
		de            float64
		overlap, gaps []NeighbourArea
	}{
		{0.03, []NeighbourArea{{east.Key, 0.6}}, nil},
		{-0.03, nil, []NeighbourArea{{east.Key, 0.5982}}},
	} {
		m := orb.MultiPolygon{{moved(lShape(), map[int]orb.Point{1: {c.de, 0}, 2: {c.de, 0}})}}
		r, err := Check(&Input{Stored: stored, Measured: Boundary{EPSG: 9210, Geometry: m}, Scale: 1000, Neighbours: []Neighbour{east, north}}, mustProfile(t, "circular-26-2024"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != WithinTolerance || !slices.Equal(r.Overlaps, c.overlap) || !slices.Equal(r.Gaps, c.gaps) {
			t.Errorf("B-C moved %+.2f m: got %s overlaps %v gaps %v, want within_tolerance %v %v", c.de, r.Verdict, r.Overlaps, r.Gaps, c.overlap, c.gaps)
		}
		if len(c.overlap)+len(c.gaps) > 0 && !strings.Contains(strings.Join(r.Reasons, "\n"), "27001/12/46") {
			t.Errorf("B-C moved %+.2f m: reasons do not name the neighbour: %q", c.de, r.Reasons)
		}
	}
}

// TestGeometryMatchingRandom: random convex-ish plots, re-measured with
// millimetre noise, a random start vertex and orientation, always match
// every vertex and stay within tolerance.
func TestGeometryMatchingRandom(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(uint64(seed), 0))
	p := mustProfile(t, DefaultProfile)
	for i := 0; i < 200; i++ {
		n := 4 + rnd.IntN(40)
		r := polygon(n, 0, 0, 5+rnd.Float64()*100)
		m := append(orb.Ring(nil), r...)
		for j := range m[:n] {
			m[j] = orb.Point{m[j][0] + (rnd.Float64()-0.5)*0.004, m[j][1] + (rnd.Float64()-0.5)*0.004}
		}
		m[n] = m[0]
		m = rotate(m, rnd.IntN(n))
		if rnd.IntN(2) == 0 {
			m = reverse(m)
		}
		rep, err := Check(&Input{Stored: storedPlot(orb.MultiPolygon{{r}}, 0), Measured: Boundary{EPSG: 9210, Geometry: orb.MultiPolygon{{m}}}, Scale: 500}, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Vertices) != n || len(rep.Edges) != n || len(rep.Unmatched) != 0 || rep.Verdict != WithinTolerance {
			t.Fatalf("seed %d case %d (%d vertices): got %d matched, %d edges, %d unmatched, %s %q", seed, i, n, len(rep.Vertices), len(rep.Edges), len(rep.Unmatched), rep.Verdict, rep.Reasons)
		}
	}
}

// A corner moved inward opens a gap along the east neighbour's edge; the
// plot touching only that corner's far end (south-east, at one point) has
// no gap against it. The 1 m² triangle runs 10 m along the east neighbour
// and 0.2 m along the north edge (no neighbour): 10/10.2 of it is the east
// neighbour's.
func TestGeometryGapNotAtCornerContact(t *testing.T) {
	square := ring(0, 0, 10, 0, 10, 10, 0, 10)
	stored := storedPlot(orb.MultiPolygon{{square}}, 0)
	east := Neighbour{Key: spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 46}, Geometry: orb.MultiPolygon{{ring(10, 0, 20, 0, 20, 10, 10, 10)}}}
	southEast := Neighbour{Key: spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 48}, Geometry: orb.MultiPolygon{{ring(10, -10, 20, -10, 20, 0, 10, 0)}}}
	m := orb.MultiPolygon{{moved(square, map[int]orb.Point{2: {-0.2, 0}})}}
	r, err := Check(&Input{Stored: stored, Measured: Boundary{EPSG: 9210, Geometry: m}, Scale: 1000, Neighbours: []Neighbour{east, southEast}}, mustProfile(t, "circular-26-2024"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []NeighbourArea{{east.Key, 0.9804}}; !slices.Equal(r.Gaps, want) {
		t.Errorf("gaps: got %v, want %v (none against the corner-only neighbour)", r.Gaps, want)
	}
}

// A corner moved in diagonally opens one 10 m² gap between two
// neighbours: each takes the share its boundary makes of the gap's
// stretch of boundary (5 m² each), never the whole gap each (issue 14).
func TestGeometryGapSharedByLength(t *testing.T) {
	square := ring(0, 0, 10, 0, 10, 10, 0, 10)
	stored := storedPlot(orb.MultiPolygon{{square}}, 0)
	east := Neighbour{Key: spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 46}, Geometry: orb.MultiPolygon{{ring(10, 0, 20, 0, 20, 10, 10, 10)}}}
	north := Neighbour{Key: spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 47}, Geometry: orb.MultiPolygon{{ring(0, 10, 10, 10, 10, 20, 0, 20)}}}
	m := orb.MultiPolygon{{moved(square, map[int]orb.Point{2: {-1, -1}})}}
	r, err := Check(&Input{Stored: stored, Measured: Boundary{EPSG: 9210, Geometry: m}, Scale: 1000, Neighbours: []Neighbour{east, north}}, mustProfile(t, "circular-26-2024"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []NeighbourArea{{east.Key, 5}, {north.Key, 5}}; !slices.Equal(r.Gaps, want) {
		t.Errorf("gaps: got %v, want %v", r.Gaps, want)
	}
}
