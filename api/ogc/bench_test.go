package ogc_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/api/ogc"
	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

var benchPlots = flag.Int("ogc-plots", 50_000, "plots of the generated province in the OGC benchmarks")

var (
	benchOnce sync.Once
	benchIx   *index.Index
	benchPts  []orb.Point // lon/lat inside the province's extent
	benchKeys []string    // plot ids, for random page cursors
	benchErr  error
)

type batchSource struct{ b *spatial.Batch }

func (s batchSource) EachPlot(_ context.Context, fn func(*spatial.Plot) error) error {
	for _, p := range s.b.Plots {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (s batchSource) Sheets(context.Context, string) ([]*spatial.Sheet, error) {
	return s.b.Sheets, nil
}

func benchIndex(b *testing.B) {
	b.Helper()
	benchOnce.Do(func() {
		cfg := sampledata.DefaultConfig()
		cfg.Plots = *benchPlots
		batch, err := sampledata.Batch(cfg)
		if err != nil {
			benchErr = err
			return
		}
		benchIx = index.New()
		if _, err := benchIx.Build(context.Background(), batchSource{batch}, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			benchErr = err
			return
		}
		var ext orb.Bound
		for i, p := range batch.Plots {
			if i == 0 {
				ext = p.Geometry.Bound()
			}
			ext = ext.Union(p.Geometry.Bound())
			benchKeys = append(benchKeys, fmt.Sprintf("%s.%d.%d", p.Key.Unit, p.Key.Sheet, p.Key.Plot))
		}
		z, _ := crs.ZoneByEPSG(batch.Plots[0].EPSG)
		r := rand.New(rand.NewPCG(1, 2))
		for range 4096 {
			lon, lat := z.ToWGS84(ext.Min[0]+r.Float64()*(ext.Max[0]-ext.Min[0]), ext.Min[1]+r.Float64()*(ext.Max[1]-ext.Min[1]))
			benchPts = append(benchPts, orb.Point{lon, lat})
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
}

type discard struct {
	h http.Header
	n int
}

func (w *discard) Header() http.Header         { return w.h }
func (w *discard) WriteHeader(int)             {}
func (w *discard) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

func runBench(b *testing.B, reqs []*http.Request) {
	h := ogc.New(ogc.Options{Index: benchIx, Prefix: "/ogc", BaseURL: "http://bench"})
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, reqs[i%len(reqs)])
		i++
	}
	b.ReportMetric(float64(w.n)/float64(i), "bytes/answer")
}

// BenchmarkItemsPage1000: a page of 1,000 plots (GeoJSON in CRS84, exact
// numberMatched, next link) from a random cursor.
//
//	go test ./api/ogc -run XXX -bench . -ogc-plots 500000
func BenchmarkItemsPage1000(b *testing.B) {
	benchIndex(b)
	r := rand.New(rand.NewPCG(3, 4))
	reqs := make([]*http.Request, 256)
	for i := range reqs {
		reqs[i] = httptest.NewRequest(http.MethodGet, "/ogc/collections/plots/items?limit=1000&after="+benchKeys[r.IntN(len(benchKeys))], nil)
	}
	runBench(b, reqs)
}

// BenchmarkPointFilter: the CQL2 point query desktop clients send for
// "the plot here", S_INTERSECTS(geometry, POINT(lon lat)).
func BenchmarkPointFilter(b *testing.B) {
	benchIndex(b)
	reqs := make([]*http.Request, len(benchPts))
	for i, p := range benchPts {
		f := fmt.Sprintf("S_INTERSECTS(geometry,POINT(%.7f %.7f))", p[0], p[1])
		reqs[i] = httptest.NewRequest(http.MethodGet, "/ogc/collections/plots/items?filter="+url.QueryEscape(f), nil)
	}
	runBench(b, reqs)
}
