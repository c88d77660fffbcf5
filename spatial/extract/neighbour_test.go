package extract

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/extract/remeasure"
	"cadastre/spatial/overlay"
)

// TestNeighboursAsOverlay: the neighbour checks (areas from the
// boundaries, overlays only near a threshold or rounding step) report
// exactly what the plain overlays report (overlayNeighbours, the code
// before issue 6's benchmark), on plots of the committed sample with
// their real neighbours, re-measured with centimetre noise (every vertex
// or every other one), with a vertex moved by up to 2 m, densified, or
// unchanged.
func TestNeighboursAsOverlay(t *testing.T) {
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 6))
	p := mustProfile(t, DefaultProfile)
	bounds := make([]orb.Bound, len(b.Plots))
	for i, p := range b.Plots {
		bounds[i] = p.Geometry.Bound()
	}
	checks, overlaps, gaps := 0, 0, 0
	for i := 0; i < len(b.Plots); i += 10 {
		st := b.Plots[i]
		reach := bounds[i].Pad(5)
		var ns []Neighbour
		for j, q := range b.Plots {
			if q.Key != st.Key && bounds[j].Intersects(reach) {
				ns = append(ns, Neighbour{Key: q.Key, Geometry: q.Geometry})
			}
		}
		for variant := range 5 {
			var m orb.MultiPolygon
			switch variant {
			case 0:
				m = st.Geometry
			case 1:
				m = jitterGeometry(rng, st.Geometry, 0.05)
			case 2:
				m = moveVertex(rng, st.Geometry, 2)
			case 3:
				m = remeasure.Jitter(rng, remeasure.Densify(st.Geometry, 4*remeasure.Vertices(st.Geometry)), 0.02)
			case 4: // every other vertex re-measured, the others kept exactly
				m = jitterGeometry(rng, st.Geometry, 0)
				j := jitterGeometry(rng, st.Geometry, 0.05)
				for pi := range m {
					for ri, r := range m[pi] {
						for k := 0; k+1 < len(r); k += 2 {
							r[k] = j[pi][ri][k]
						}
						r[len(r)-1] = r[0]
					}
				}
			}
			if len(spatial.ValidateGeometry(m)) > 0 {
				continue
			}
			in := &Input{Stored: st, Measured: Boundary{EPSG: st.EPSG, Geometry: m}, Scale: 1000, Neighbours: ns}
			r, err := Check(in, p)
			if err != nil {
				t.Fatalf("seed %d plot %s variant %d: %v", seed, st.Key, variant, err)
			}
			wo, wg, err := overlayNeighbours(in)
			if err != nil {
				t.Fatalf("seed %d plot %s variant %d: reference: %v", seed, st.Key, variant, err)
			}
			if !slices.Equal(r.Overlaps, wo) || !slices.Equal(r.Gaps, wg) {
				t.Fatalf("seed %d plot %s variant %d: got overlaps %v gaps %v, the overlays say %v %v", seed, st.Key, variant, r.Overlaps, r.Gaps, wo, wg)
			}
			checks++
			overlaps += len(wo)
			gaps += len(wg)
		}
	}
	t.Logf("%d checks, %d overlaps, %d gaps", checks, overlaps, gaps)
	if checks < 800 || overlaps < 1500 || gaps < 1500 {
		t.Errorf("too few cases: %d checks, %d overlaps, %d gaps", checks, overlaps, gaps)
	}
}

// TestSettled: an area from the boundaries stands for the overlay's only
// away from the threshold and from the rounding steps of round4.
func TestSettled(t *testing.T) {
	for _, c := range []struct {
		a, e float64
		want bool
	}{
		{0, 0, true},
		{0.005, 0, true},
		{MinNeighbourArea, 0, false},
		{MinNeighbourArea + 5e-8, 0, false},
		{MinNeighbourArea - 5e-8, 0, false},
		{MinNeighbourArea + 2e-7, 0, true},
		{MinNeighbourArea + 2e-7, 2e-7, false},
		{0.61234, 0, true},
		{0.61235, 0, false},    // halfway between two 0.1 mm² steps
		{0.61235004, 0, false}, // 4e-8 m² from it
		{0.6123502, 0, true},
	} {
		if got := settled(c.a, c.e); got != c.want {
			t.Errorf("settled(%g, %g) = %v, want %v", c.a, c.e, got, c.want)
		}
	}
}

// overlayNeighbours is the neighbour check as it was before SharedArea:
// an overlay for every overlap and for the gaps (shared among the
// neighbours by length, issue 14). It is the oracle of
// TestNeighboursAsOverlay.
func overlayNeighbours(in *Input) (overlaps, gaps []NeighbourArea, err error) {
	o := in.Stored.Geometry[0][0][0]
	mb := in.Measured.Geometry.Bound()
	reach := mb.Union(in.Stored.Geometry.Bound()).Pad(touchDist)
	meas := overlay.Geometry(in.Measured.Geometry, o)
	gone, err := sf.Difference(overlay.Geometry(in.Stored.Geometry, o), meas)
	if err != nil {
		return nil, nil, err
	}
	pieces := goneParts(gone, o)
	var near []Neighbour
	for _, n := range in.Neighbours {
		nb := n.Geometry.Bound()
		if n.Key == in.Stored.Key || !nb.Intersects(reach) {
			continue
		}
		if overlay.BoundOverlap(nb, mb) > MinNeighbourArea {
			ov, err := sf.Intersection(meas, overlay.Geometry(n.Geometry, o))
			if err != nil {
				return nil, nil, err
			}
			if a := ov.Area(); a > MinNeighbourArea {
				overlaps = append(overlaps, NeighbourArea{Key: n.Key, Area: round4(a)})
			}
		}
		near = append(near, n)
	}
	// Gaps: the overlay's pieces shared among the neighbours by length.
	segs, bounds := make([][]segment, len(near)), make([]orb.Bound, len(near))
	for i, n := range near {
		segs[i], bounds[i] = appendSegments(nil, n.Geometry), n.Geometry.Bound().Pad(touchDist)
	}
	areas, _ := shareByLength(pieces, appendSegments(nil, in.Stored.Geometry), segs, bounds)
	for i, n := range near {
		if areas[i] > MinNeighbourArea {
			gaps = append(gaps, NeighbourArea{Key: n.Key, Area: round4(areas[i])})
		}
	}
	return overlaps, gaps, nil
}

// jitterGeometry moves every vertex by up to r metres in each direction
// (the closing vertex with the first), rounded to millimetres.
func jitterGeometry(rng *rand.Rand, mp orb.MultiPolygon, r float64) orb.MultiPolygon {
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

// moveVertex moves one random vertex of the first ring by up to r metres.
func moveVertex(rng *rand.Rand, mp orb.MultiPolygon, r float64) orb.MultiPolygon {
	out := jitterGeometry(rng, mp, 0)
	ring := out[0][0]
	k := rng.IntN(len(ring) - 1)
	ring[k] = orb.Point{ring[k][0] + r*(2*rng.Float64()-1), ring[k][1] + r*(2*rng.Float64()-1)}
	ring[len(ring)-1] = ring[0]
	return out
}
