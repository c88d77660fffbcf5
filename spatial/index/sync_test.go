package index_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/index"
	"cadastre/spatial/store/gpkg"
)

// TestSyncReadsBack writes to a GeoPackage, seen as a store without a
// change feed (the feed methods hidden), and syncs the index after each
// write: a small write (read back plot by plot) and a
// large one (read back in one pass over the store), each with changed and
// retired plots. After each, the index must hold what a fresh build from
// the store holds.
func TestSyncReadsBack(t *testing.T) {
	ctx := context.Background()
	st, err := gpkg.Open(ctx, filepath.Join(t.TempDir(), "s.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src := struct{ spatial.Store }{st} // read back, not through gpkg's feed
	cfg := sampledata.DefaultConfig()
	cfg.Plots = 12000
	b, err := sampledata.Batch(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.Change = spatial.Change{By: "t", Reason: "load"}
	if _, err := st.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ix := index.New()
	if _, err := ix.Build(ctx, src, log); err != nil {
		t.Fatal(err)
	}
	for round, n := range []int{40, 8000} { // 8000: above both thresholds of the one-pass read
		var w spatial.Batch
		for i, p := range b.Plots[:n] {
			if i%10 == 9 {
				w.Retire = append(w.Retire, p.Key)
				continue
			}
			moved := *p
			moved.Geometry = shift(p.Geometry, 0.01*float64(round+1))
			moved.Area = 0
			w.Plots = append(w.Plots, &moved)
		}
		w.Change = spatial.Change{By: "t", Reason: "re-measured"}
		res, err := st.Write(ctx, &w)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Touched) != n {
			t.Fatalf("write of %d touched %d", n, len(res.Touched))
		}
		touched, err := ix.Sync(ctx, src, res)
		if err != nil {
			t.Fatal(err)
		}
		if len(touched) != n {
			t.Errorf("Sync after %d touched %d plots", n, len(touched))
		}
		fresh := index.New()
		if _, err := fresh.Build(ctx, st, log); err != nil {
			t.Fatal(err)
		}
		got, want := ix.Snapshot(), fresh.Snapshot()
		if got.Len() != want.Len() {
			t.Fatalf("after %d: index holds %d plots, a fresh build %d", n, got.Len(), want.Len())
		}
		want.EachPlot(func(p *index.Plot) bool {
			q, ok := got.Plot(p.Key)
			if !ok || !orb.Equal(q.Geometry, p.Geometry) {
				t.Fatalf("after %d: plot %s differs from the store", n, p.Key)
			}
			return true
		})
		// Drop the retired ones from b for the next round.
		var kept []*spatial.Plot
		for i, p := range b.Plots {
			if i >= n || i%10 != 9 {
				kept = append(kept, p)
			}
		}
		b.Plots = kept
	}
}

func shift(mp orb.MultiPolygon, d float64) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = make(orb.Polygon, len(p))
		for j, r := range p {
			out[i][j] = make(orb.Ring, len(r))
			for k, pt := range r {
				out[i][j][k] = orb.Point{pt[0] + d, pt[1] + d}
			}
		}
	}
	return out
}
