package tiles

import (
	"context"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

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
	cpu := cpuTime(b)
	for b.Loop() {
		_, st, _ := r.Render(snap, Plots, ts[i%len(ts)])
		bytes += st.Bytes
		feats += st.Features
		i++
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(i), "cpu-ns/op")
	b.ReportMetric(float64(bytes)/float64(i), "gzbytes/tile")
	b.ReportMetric(float64(feats)/float64(i), "features/tile")
}

// BenchmarkRenderProvinceStore renders the tiles of
// BenchmarkRenderProvince as a cache miss does: from the tile-ready copy
// of the plots, without compressing.
func BenchmarkRenderProvinceStore(b *testing.B) {
	batch, ix := province(b, 50_000)
	c := preparedCache(b, ix)
	rng := rand.New(rand.NewPCG(1, 2))
	ts := randomTiles(batch, rng, 512, 15, 17)
	src := c.source(c.st.Load())
	for _, t := range ts {
		c.r.render(src, Plots, t)
	}
	var bytes, feats int
	i := 0
	cpu := cpuTime(b)
	for b.Loop() {
		out, _ := c.r.render(src, Plots, ts[i%len(ts)])
		bytes += len(out.raw) + len(out.gz)
		feats += out.st.Features
		i++
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(i), "cpu-ns/op")
	b.ReportMetric(float64(bytes)/float64(i), "rawbytes/tile")
	b.ReportMetric(float64(feats)/float64(i), "features/tile")
}

// cpuTime returns the CPU time of the process so far: on a shared machine
// the steadier figure than wall time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
