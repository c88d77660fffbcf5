// Command membench measures the memory a plot takes in the read model
// (spatial/index) and in the tile-ready copy of the tiles (tiles), on a
// generated province (sampledata), as `serve` would hold it: bytes of live
// heap per plot after a GC, and the parts of the read model's entry.
//
//	go run ./cmd/membench -plots 1000000
//
// Issue 20's figures are in BENCHMARKS.md and docs/SCALE.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"

	"cadastre/sampledata"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
	"cadastre/tiles"
)

func main() {
	plots := flag.Int("plots", 1_000_000, "plots to generate")
	seed := flag.Int64("seed", 1, "sampledata seed")
	originE := flag.Float64("origin-e", 600000, "easting of the province's north-west corner (450000 for 10 million plots: the province is 150 km wide)")
	flag.Parse()
	if err := run(*plots, *seed, *originE); err != nil {
		fmt.Fprintln(os.Stderr, "membench:", err)
		os.Exit(1)
	}
}

func live() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func run(n int, seed int64, originE float64) error {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := sampledata.DefaultConfig()
	cfg.Plots, cfg.Seed, cfg.OriginE = n, seed, originE
	base := live()
	ix := index.New()
	st, err := ix.Build(ctx, sampledata.Source{Config: cfg}, quiet)
	if err != nil {
		return err
	}
	afterIndex := live()
	tc, err := tiles.NewCache(ix, tiles.CacheOptions{Registry: prometheus.NewRegistry()})
	if err != nil {
		return err
	}
	if err := tc.WaitPrepared(ctx); err != nil {
		return err
	}
	ts := tc.StoreStats()
	afterTiles := live()
	p := uint64(max(st.Plots, 1))
	g := geometryBytes(ix.Snapshot())
	fmt.Printf("membench: %d plots, %d sheets (sampledata seed %d), %s, GOMAXPROCS %d, %s\n",
		st.Plots, st.Sheets, seed, runtime.Version(), runtime.GOMAXPROCS(0), time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("- read model (spatial/index) built in %v: %d MiB live heap = %d B/plot\n",
		st.Took.Round(time.Millisecond), (afterIndex-base)>>20, (afterIndex-base)/p)
	fmt.Printf("  of which: Plot struct %d B, geometry (orb.MultiPolygon: slice headers and float64 pairs) %d B/plot (%.1f vertices/plot), R-tree + B-tree entries and the rest %d B/plot\n",
		unsafe.Sizeof(index.Plot{}), g.bytes/p, float64(g.vertices)/float64(p), int64((afterIndex-base)/p)-int64(unsafe.Sizeof(index.Plot{}))-int64(g.bytes/p))
	fmt.Printf("- tile-ready copy (tiles) built in %v: %d MiB reported = %d B/plot; live heap grew %d MiB = %d B/plot\n",
		ts.Took.Round(time.Millisecond), ts.Bytes>>20, uint64(ts.Bytes)/p, (afterTiles-afterIndex)>>20, (afterTiles-afterIndex)/p)
	fmt.Printf("- both: %d B/plot; at 49.7 million plots: %.1f GiB\n", (afterTiles-base)/p, float64(afterTiles-base)/float64(p)*49.7e6/(1<<30))
	lookups(ix.Snapshot(), 200_000)
	if s, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(s), "\n") {
			if strings.HasPrefix(l, "VmHWM") || strings.HasPrefix(l, "VmRSS") {
				fmt.Println("-", strings.Join(strings.Fields(l), " "))
			}
		}
	}
	runtime.KeepAlive(tc)
	return nil
}

// lookups times n point lookups (Snapshot.At, as GET /api/v1/plots/at
// without HTTP) at the centres of plots picked at random, one at a time.
func lookups(snap *index.Snapshot, n int) {
	var pts []index.Point
	snap.EachPlot(func(p *index.Plot) bool {
		if len(pts) < 4*n {
			z, _ := crs.ZoneByEPSG(int(p.EPSG))
			c := p.Geometry.Bound().Center()
			pts = append(pts, index.Plane(z, c[0], c[1]))
		}
		return true
	})
	rng := rand.New(rand.NewPCG(1, 2))
	took := make([]time.Duration, n)
	hits := 0
	for i := range took {
		q := pts[rng.IntN(len(pts))]
		start := time.Now()
		snap.At(q, func(index.Hit) bool { hits++; return true })
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	fmt.Printf("- %d point lookups (Snapshot.At at plot centres, plane coordinates): p50 %v, p99 %v, %d hits\n",
		n, took[n/2], took[n*99/100], hits)
}

type geom struct{ bytes, vertices uint64 }

// geometryBytes adds up the plane geometry the read model keeps per plot.
func geometryBytes(s *index.Snapshot) geom {
	var g geom
	s.EachPlot(func(p *index.Plot) bool {
		g.bytes += uint64(cap(p.Geometry)) * 24
		for _, poly := range p.Geometry {
			g.bytes += uint64(cap(poly)) * 24
			for _, r := range poly {
				g.bytes += uint64(cap(r)) * 16
				g.vertices += uint64(len(r))
			}
		}
		return true
	})
	return g
}
