package sampledata

import (
	"fmt"
	"math"
	"testing"

	"cadastre/spatial"
)

// TestTessellation checks, for every sheet, that the plots tile the frame:
// the areas add up to the frame area, and every boundary segment inside the
// frame is used exactly twice, once in each direction (so shared edges have
// identical vertex sequences on both sides and nothing overlaps), while
// segments on the frame are used once.
func TestTessellation(t *testing.T) {
	for name, b := range map[string]*spatial.Batch{"default": mustBatch(t, DefaultConfig()), "20k": big(t)} {
		plots := bySheet(b)
		for _, s := range b.Sheets {
			ps := plots[s.Key]
			frame := s.Frame.Bound()
			want := (frame.Max[0] - frame.Min[0]) * (frame.Max[1] - frame.Min[1])
			var sum float64
			for _, p := range ps {
				sum += spatial.PlaneArea(p.Geometry)
			}
			if math.Abs(sum-want) > 1e-3 {
				t.Errorf("%s: sheet %v: plot areas add up to %.4f m², want the frame's %.4f", name, s.Key, sum, want)
			}
			checkEdges(t, name, s, ps)
		}
	}
}

func checkEdges(t *testing.T, name string, s *spatial.Sheet, ps []*spatial.Plot) {
	t.Helper()
	fb := s.Frame.Bound()
	count := map[edge]int{}
	for _, p := range ps {
		for _, e := range spatial.Edges(p.Geometry) {
			count[edge{e.From, e.To}]++
		}
	}
	bad := 0
	for e, n := range count {
		onFrame := (e.a[0] == e.b[0] && (e.a[0] == fb.Min[0] || e.a[0] == fb.Max[0])) ||
			(e.a[1] == e.b[1] && (e.a[1] == fb.Min[1] || e.a[1] == fb.Max[1]))
		switch {
		case n != 1:
			bad++
		case onFrame && count[edge{e.b, e.a}] != 0:
			bad++
		case !onFrame && count[edge{e.b, e.a}] != 1:
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: sheet %v: %d of %d directed edges are not matched by exactly one reverse edge (or lie on the frame)", name, s.Key, bad, len(count))
	}
}

func mustBatch(t *testing.T, cfg Config) *spatial.Batch {
	t.Helper()
	b, err := Batch(cfg)
	if err != nil {
		t.Fatalf("Batch(%+v): %v", cfg, err)
	}
	return b
}

// TestOtherSeeds runs the validity and tessellation checks on other seeds,
// whose provinces have other roads, canals and town centres.
func TestOtherSeeds(t *testing.T) {
	for _, seed := range []int64{2, 3, 4} {
		cfg := DefaultConfig()
		cfg.Seed, cfg.Plots = seed, bigPlots
		t.Logf("seed %d", seed)
		b := mustBatch(t, cfg)
		if err := b.Check(nil); err != nil {
			t.Errorf("seed %d: Check: %v", seed, err)
		}
		plots := bySheet(b)
		for _, s := range b.Sheets {
			checkEdges(t, fmt.Sprintf("seed %d", seed), s, plots[s.Key])
		}
	}
}
