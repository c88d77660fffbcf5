package tiles

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/sampledata"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// BenchmarkRenderZ16 renders one z16 tile of the test village.
func BenchmarkRenderZ16(b *testing.B) {
	v := newVillage(b, 1)
	ix := v.index(b)
	r := NewRenderer(DefaultOptions())
	ce, cn := v.center()
	tile := tileAt(16, ce, cn)
	snap := ix.Snapshot()
	var st Stats
	for b.Loop() {
		_, st, _ = r.Render(snap, Plots, tile)
	}
	b.ReportMetric(float64(st.Features), "features")
	b.ReportMetric(float64(st.Bytes), "gzbytes")
}

// BenchmarkRenderProvince renders random tiles at z15-17 of a generated
// province of 50,000 plots, as the uncached benchmark does.
func BenchmarkRenderProvince(b *testing.B) {
	cfg := sampledata.DefaultConfig()
	cfg.Plots = 50_000
	batch, err := sampledata.Batch(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ix := index.New()
	if _, err := ix.Build(context.Background(), batchSource{batch}, quiet); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var ts []maptile.Tile
	for range 512 {
		p := batch.Plots[rng.IntN(len(batch.Plots))]
		z, _ := crs.ZoneByEPSG(p.EPSG)
		c := p.Geometry.Bound().Center()
		lon, lat := z.ToWGS84(c[0], c[1])
		ts = append(ts, maptile.At(orb.Point{lon, lat}, maptile.Zoom(15+rng.IntN(3))))
	}
	r := NewRenderer(DefaultOptions())
	snap := ix.Snapshot()
	for _, t := range ts {
		r.Render(snap, Plots, t)
	}
	var bytes, feats int
	i := 0
	for b.Loop() {
		_, st, _ := r.Render(snap, Plots, ts[i%len(ts)])
		bytes += st.Bytes
		feats += st.Features
		i++
	}
	b.ReportMetric(float64(bytes)/float64(i), "gzbytes/tile")
	b.ReportMetric(float64(feats)/float64(i), "features/tile")
}
