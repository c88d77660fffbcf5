package api_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"cadastre/api"
	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/index"
)

var benchLookupPlots = flag.Int("lookup-plots", 50_000, "plots of the generated province in the lookup benchmarks")

var (
	benchOnce  sync.Once
	benchIndex *index.Index
	benchPts   []orb.Point
	benchErr   error
)

// lookupBenchIndex builds the read model of a generated province (seed 1,
// EPSG:9210) once per test binary, and random plane points in its extent.
func lookupBenchIndex(b testing.TB) (*index.Index, []orb.Point) {
	b.Helper()
	benchOnce.Do(func() {
		cfg := sampledata.DefaultConfig()
		cfg.Plots = *benchLookupPlots
		batch, err := sampledata.Batch(cfg)
		if err != nil {
			benchErr = err
			return
		}
		ix := index.New()
		if _, err := ix.Build(context.Background(), benchSource{batch}, discardLog()); err != nil {
			benchErr = err
			return
		}
		var ext orb.Bound
		for i, p := range batch.Plots {
			if i == 0 {
				ext = p.Geometry.Bound()
			}
			ext = ext.Union(p.Geometry.Bound())
		}
		r := rand.New(rand.NewPCG(1, 2))
		benchPts = make([]orb.Point, 4096)
		for i := range benchPts {
			benchPts[i] = orb.Point{ext.Min[0] + r.Float64()*(ext.Max[0]-ext.Min[0]), ext.Min[1] + r.Float64()*(ext.Max[1]-ext.Min[1])}
		}
		benchIndex = ix
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchIndex, benchPts
}

// benchSource feeds the index build from a generated batch.
type benchSource struct{ b *spatial.Batch }

func (s benchSource) EachPlot(_ context.Context, fn func(*spatial.Plot) error) error {
	for _, p := range s.b.Plots {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (s benchSource) Sheets(context.Context, string) ([]*spatial.Sheet, error) {
	return s.b.Sheets, nil
}

// discardWriter is the cheapest ResponseWriter: it measures the handler
// (routing, middleware, lookup, JSON) without the network.
type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// The lookup benchmarks, with a CPU profile:
//
//	go test ./api -run XXX -bench PlotsAt -cpuprofile /tmp/cpu.out
//	go tool pprof -top -cum api.test /tmp/cpu.out
//
// PlotsAtHandler* time the handler alone (router, middleware, query,
// lookup, JSON); PlotsAtHTTP* the whole loop on loopback with net/http's
// server and client in this process, with the CPU time per request.
func benchmarkHandler(b *testing.B, extra string) {
	ix, pts := lookupBenchIndex(b)
	srv := api.New(api.Options{Index: ix, Log: discardLog()})
	reqs := make([]*http.Request, len(pts))
	for i, p := range pts {
		reqs[i] = httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/plots/at?x=%.3f&y=%.3f&crs=EPSG:9210%s", p[0], p[1], extra), nil)
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		clear(w.h)
		srv.ServeHTTP(w, reqs[i%len(reqs)])
		i++
	}
	b.ReportMetric(float64(w.n)/float64(i), "bytes/answer")
}

func BenchmarkPlotsAtHandler(b *testing.B)       { benchmarkHandler(b, "") }
func BenchmarkPlotsAtHandlerNoGeom(b *testing.B) { benchmarkHandler(b, "&geometry=false") }

// benchmarkHTTP measures the whole loop on loopback: net/http server and
// a net/http client with keep-alive connections, in this process.
func benchmarkHTTP(b *testing.B, extra string) {
	ix, pts := lookupBenchIndex(b)
	srv := httptest.NewServer(api.New(api.Options{Index: ix, Log: discardLog()}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	urls := make([]string, len(pts))
	for i, p := range pts {
		urls[i] = fmt.Sprintf("%s/api/v1/plots/at?x=%.3f&y=%.3f&crs=EPSG:9210%s", srv.URL, p[0], p[1], extra)
	}
	b.SetParallelism(8) // 16 connections on two cores
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(urls))
		for pb.Next() {
			resp, err := client.Get(urls[i%len(urls)])
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			i++
		}
	})
	// CPU time of the process (server and client) per request: steadier
	// than ns/op on a machine shared with other work.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkPlotsAtHTTP(b *testing.B)       { benchmarkHTTP(b, "") }
func BenchmarkPlotsAtHTTPNoGeom(b *testing.B) { benchmarkHTTP(b, "&geometry=false") }

// discardLog is a logger like serve's at --log-level warn, writing nowhere.
func discardLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
