package tiles

import (
	"bytes"
	"context"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// province builds the index of a generated province of n plots.
func province(t testing.TB, n int) (*spatial.Batch, *index.Index) {
	t.Helper()
	cfg := sampledata.DefaultConfig()
	cfg.Plots = n
	batch, err := sampledata.Batch(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ix := index.New()
	if _, err := ix.Build(context.Background(), batchSource{batch}, quiet); err != nil {
		t.Fatal(err)
	}
	return batch, ix
}

// randomTiles returns n tiles at zooms z0..z1 aimed at random plots.
func randomTiles(b *spatial.Batch, rng *rand.Rand, n, z0, z1 int) []maptile.Tile {
	var ts []maptile.Tile
	for range n {
		p := b.Plots[rng.IntN(len(b.Plots))]
		z, _ := crs.ZoneByEPSG(p.EPSG)
		c := p.Geometry.Bound().Center()
		lon, lat := z.ToWGS84(c[0], c[1])
		ts = append(ts, maptile.At(orb.Point{lon, lat}, maptile.Zoom(z0+rng.IntN(z1-z0+1))))
	}
	return ts
}

func preparedCache(t testing.TB, ix *index.Index) *Cache {
	t.Helper()
	c, err := NewCache(ix, CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.WaitPrepared(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStoreMatchesRender: tiles rendered from the tile-ready copy of the
// plots are byte for byte the tiles rendered from the snapshot, at every
// zoom from z14 and for both tilesets with plots, before and after plots
// change, appear and go; it also reports the copy's memory per plot.
func TestStoreMatchesRender(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	b, ix := province(t, 20_000)
	c := preparedCache(t, ix)
	st := c.StoreStats()
	t.Logf("store: %+v, %.0f bytes a plot", st, float64(st.Bytes)/float64(st.Plots))
	if st.Plots != len(b.Plots) || st.Bytes > int64(300*st.Plots) {
		t.Errorf("store of %d plots, %d bytes; want %d plots, at most 300 bytes each", st.Plots, st.Bytes, len(b.Plots))
	}
	r := NewRenderer(DefaultOptions())
	ts := randomTiles(b, rng, 300, 14, 22)
	compare := func(when string) {
		t.Helper()
		for i, tl := range ts {
			l := []Layer{Plots, Cadastre}[i%2]
			want, wst, err := r.Render(ix.Snapshot(), l, tl)
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.r.render(c.source(c.st.Load()), l, tl)
			if err != nil {
				t.Fatal(err)
			}
			got := out.gz
			if got == nil {
				got, _ = c.r.gz.compress(out.raw)
			}
			if !bytes.Equal(got, want) || out.st.Features != wst.Features || out.st.Collapsed != wst.Collapsed {
				t.Fatalf("%s: %s %s: store render differs (%+v, want %+v)", when, l, tileName(tl), out.st, wst)
			}
		}
	}
	compare("built")
	// Change, add and retire plots: shrink some, move one, drop some.
	var ch index.Change
	for range 50 {
		p := b.Plots[rng.IntN(len(b.Plots))]
		ch.Plots = append(ch.Plots, shrunk(p))
	}
	gone := b.Plots[rng.IntN(len(b.Plots))]
	ch.Retire = append(ch.Retire, gone.Key)
	touched := ix.Apply(context.Background(), ch)
	c.Invalidate(touched)
	compare("after a change")
	if got := c.StoreStats().Plots; got != len(b.Plots)-1 {
		t.Errorf("after retiring one plot: %d plots in the store, want %d", got, len(b.Plots)-1)
	}
	runtime.KeepAlive(c)
}

// TestRawLimit: a tile within rawLimit compresses within the budget
// whatever its bytes, so it need not be compressed to check it.
func TestRawLimit(t *testing.T) {
	r := NewRenderer(DefaultOptions())
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1000, 65535, 65536, 200_000, r.rawLimit()} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		gz, err := r.gz.compress(b)
		if err != nil {
			t.Fatal(err)
		}
		if allowed := n + (r.opt.Budget - r.rawLimit()); len(gz) > allowed {
			t.Errorf("%d random bytes compress to %d, more than %d", n, len(gz), allowed)
		}
	}
}
