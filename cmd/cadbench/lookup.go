package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
	"cadastre/spatial/store/postgis"
)

// lookup: load the data set into PostGIS, build the index from it, then
// measure lookups in-process, over HTTP, and as a PostGIS GiST query.
func (b *bench) lookup(ctx context.Context) error {
	if err := b.build(); err != nil {
		return err
	}
	d, err := b.dataset(b.plots)
	if err != nil {
		return err
	}
	url, _, drop, err := database(ctx)
	if err != nil {
		return err
	}
	defer drop()
	if _, err := timed(b.bin, append([]string{"ingest", "--database-url", url, "--log-level", "warn"}, files(d)...)...); err != nil {
		return err
	}
	st, err := postgis.Open(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	ix := index.New()
	stats, err := ix.Build(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	pts := queryPoints(ix.Snapshot(), 200000)
	fmt.Printf("### Lookup, %d plots (`cadbench lookup --plots %d`)\n\nMachine: %s\n\n", stats.Plots, b.plots, machine())
	fmt.Printf("- index build from PostGIS: %.1f s for %d plots and %d sheets; live heap %d MiB = %d bytes per plot\n",
		stats.Took.Seconds(), stats.Plots, stats.Sheets, stats.HeapBytes>>20, stats.HeapBytes/uint64(max(stats.Plots, 1)))
	inproc := inProcess(ix, pts)
	par := inProcessParallel(ix, pts)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	// A fair baseline: fresh statistics, so the planner takes the GiST index.
	if _, err := pool.Exec(ctx, "ANALYZE plots"); err != nil {
		return err
	}
	var plan string
	if err := pool.QueryRow(ctx, "EXPLAIN (FORMAT TEXT) "+gistQuery, pts[0][0], pts[0][1]).Scan(&plan); err == nil {
		fmt.Fprintf(os.Stderr, "PostGIS plan: %s\n", plan)
	}
	pgq := b.postgisQuery(ctx, pool, pts)
	st.Close()
	web, err := b.http(url, pts)
	if err != nil {
		return err
	}
	fmt.Println("\n| lookup path | lookups/s | p50 | p99 |")
	fmt.Println("|---|---|---|---|")
	for _, m := range append([]measure{inproc, par, pgq}, web...) {
		p50, p99 := "-", "-"
		if m.p50 > 0 {
			p50, p99 = m.p50.String(), m.p99.String()
		}
		fmt.Printf("| %s | %.0f | %s | %s |\n", m.name, m.rate, p50, p99)
	}
	fmt.Printf("\nRatios: in-process %.0fx the PostGIS query rate on one core, %.0fx on all cores (target 100x, p99 under 10 µs); HTTP %.1fx with geometry, %.1fx keys only (target 3x).\n\n", inproc.rate/pgq.rate, par.rate/pgq.rate, web[0].rate/pgq.rate, web[1].rate/pgq.rate)
	return nil
}

type measure struct {
	name     string
	rate     float64
	p50, p99 time.Duration
}

func summarize(name string, lat []time.Duration, took time.Duration) measure {
	slices.Sort(lat)
	return measure{name: name, rate: float64(len(lat)) / took.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}
}

// queryPoints draws plane points of EPSG:9210 inside the data's extent.
func queryPoints(s *index.Snapshot, n int) []orb.Point {
	var ext orb.Bound
	first := true
	s.InBox(orb.Bound{Min: orb.Point{-2e7, -2e7}, Max: orb.Point{2e7, 2e7}}, spatial.PlotKey{}, func(p *index.Plot) bool {
		if first {
			ext, first = p.Geometry.Bound(), false
		}
		ext = ext.Union(p.Geometry.Bound())
		return true
	})
	r := rand.New(rand.NewPCG(1, 2))
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{ext.Min[0] + r.Float64()*(ext.Max[0]-ext.Min[0]), ext.Min[1] + r.Float64()*(ext.Max[1]-ext.Min[1])}
	}
	return pts
}

func inProcess(ix *index.Index, pts []orb.Point) measure {
	z, _ := crs.ZoneByEPSG(9210)
	// Convert first: the lookup is measured, not the projection of the query.
	qs := make([]index.Point, len(pts))
	for i, p := range pts {
		qs[i] = index.Plane(z, p[0], p[1])
	}
	lat := make([]time.Duration, len(qs))
	snap := ix.Snapshot()
	found := 0
	start := time.Now()
	for i, q := range qs {
		t0 := time.Now()
		snap.At(q, func(index.Hit) bool { found++; return true })
		lat[i] = time.Since(t0)
	}
	took := time.Since(start)
	if found == 0 {
		fmt.Fprintln(os.Stderr, "warning: no lookup found a plot")
	}
	return summarize("in-process index (one core)", lat, took)
}

// inProcessParallel measures throughput with one goroutine per core and
// no per-call timer (latencies come from inProcess).
func inProcessParallel(ix *index.Index, pts []orb.Point) measure {
	z, _ := crs.ZoneByEPSG(9210)
	qs := make([]index.Point, len(pts))
	for i, p := range pts {
		qs[i] = index.Plane(z, p[0], p[1])
	}
	snap := ix.Snapshot()
	n := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(qs); i += n {
				snap.At(qs[i], func(index.Hit) bool { return true })
			}
		}(w)
	}
	wg.Wait()
	took := time.Since(start)
	return measure{name: fmt.Sprintf("in-process index, %d goroutines (throughput)", n), rate: float64(len(qs)) / took.Seconds()}
}

const gistQuery = `SELECT unit, sheet, plot FROM plots
WHERE valid_to IS NULL AND NOT retired AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 9210))`

// postgisQuery runs the GiST lookup through pgxpool with as many workers
// as the HTTP load generator has connections.
func (b *bench) postgisQuery(ctx context.Context, pool *pgxpool.Pool, pts []orb.Point) measure {
	return b.load("PostGIS GiST query via pgxpool", func(i int) error {
		rows, err := pool.Query(ctx, gistQuery, pts[i%len(pts)][0], pts[i%len(pts)][1])
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		return rows.Err()
	})
}

// http starts `cadastre serve` on the database and loads it over loopback.
func (b *bench) http(url string, pts []orb.Point) ([]measure, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(b.bin, "serve", "--database-url", url, "--addr", addr, "--load-sample=false", "--log-level", "warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: b.conns}}
	for deadline := time.Now().Add(5 * time.Minute); ; {
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("serve not ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	web := b.load("HTTP GET /api/v1/plots/at (loopback)", httpLookup(client, addr, pts, ""))
	keys := b.load("HTTP GET /api/v1/plots/at&geometry=false (loopback)", httpLookup(client, addr, pts, "&geometry=false"))
	return []measure{web, keys}, nil
}

// httpLookup returns a load function asking for the plot at each point.
func httpLookup(client *http.Client, addr string, pts []orb.Point, extra string) func(int) error {
	return func(i int) error {
		p := pts[i%len(pts)]
		resp, err := client.Get(fmt.Sprintf("http://%s/api/v1/plots/at?x=%.3f&y=%.3f&crs=EPSG:9210%s", addr, p[0], p[1], extra))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
}

// load runs fn from b.conns goroutines for b.dur and collects latencies.
func (b *bench) load(name string, fn func(i int) error) measure {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	var errs int
	for w := 0; w < b.conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var lat []time.Duration
			for i := w; time.Since(start) < b.dur; i += b.conns {
				t0 := time.Now()
				if err := fn(i); err != nil {
					mu.Lock()
					errs++
					mu.Unlock()
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	if errs > 0 {
		fmt.Fprintf(os.Stderr, "%s: %d errors\n", name, errs)
	}
	return summarize(fmt.Sprintf("%s, %d concurrent", name, b.conns), all, time.Since(start))
}
