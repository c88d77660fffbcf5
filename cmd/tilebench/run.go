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
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/prometheus/client_golang/prometheus"

	"cadastre/api"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
	"cadastre/spatial/store/postgis"
	"cadastre/tiles"
)

// report is everything a run measured.
type report struct {
	cfg              config
	plots            int
	loadTook         time.Duration
	build            index.BuildStats
	machine, pgVer   string
	uncached, cached result
	firstHit         result // the second request of each tile: rendered again, compressed and cached
	pg256, pg64      result // pg_tileserv's SQL with its buffer (256) and with ours (64)
	renderMean       time.Duration
	store            tiles.StoreStats
	loadBefore       string
	loadAfter        string
	largest          []largest
}

func run(ctx context.Context, c config, log *slog.Logger) error {
	dbURL := c.DB
	if dbURL == "" {
		u, drop, err := createDB(ctx, c.AdminURL)
		if err != nil {
			return err
		}
		if !c.Keep {
			defer drop()
		} else {
			log.Info("keeping the database", "url", u)
		}
		dbURL = u
	}
	store, err := postgis.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer store.Close()
	r := report{cfg: c, machine: machine()}
	if c.DB == "" {
		if r.plots, r.loadTook, err = load(ctx, store, c, log); err != nil {
			return err
		}
	}
	pcfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	// The PostGIS runs hold -conc backends while the main goroutine still
	// queries (CPU of the backends): the default pool (4 on two cores) would
	// deadlock above -conc 3.
	pcfg.MaxConns = int32(max(c.Conc, c.CachedConc) + 2)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := prepareDB(ctx, pool, &r); err != nil {
		return err
	}
	ix := index.New()
	if r.build, err = ix.Build(ctx, store, log); err != nil {
		return err
	}
	if c.DB != "" {
		r.plots = r.build.Plots
	}
	if err := measure(ctx, c, ix, pool, &r, log); err != nil {
		return err
	}
	r.print(os.Stdout)
	return nil
}

// prepareDB analyses the tables and reads them once, so that PostGIS
// starts from warm caches as the in-memory index does.
func prepareDB(ctx context.Context, pool *pgxpool.Pool, r *report) error {
	for _, q := range []string{"VACUUM (ANALYZE) plots", "VACUUM (ANALYZE) sheets", "CHECKPOINT",
		"SELECT count(*) FROM plots WHERE ST_IsValid(geom_4326)"} {
		if _, err := pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return pool.QueryRow(ctx, "SELECT split_part(version(), ' on ', 1) || ', PostGIS ' || postgis_lib_version() || ', GEOS ' || postgis_geos_version()").Scan(&r.pgVer)
}

// measure serves the index over HTTP and runs the measurements.
func measure(ctx context.Context, c config, ix *index.Index, pool *pgxpool.Pool, r *report, log *slog.Logger) error {
	reg := prometheus.NewRegistry()
	tc, err := tiles.NewCache(ix, tiles.CacheOptions{MaxBytes: 2 << 30, Registry: reg})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := &http.Server{Handler: api.New(api.Options{Index: ix, Tiles: tc, Log: quiet})}
	go srv.Serve(ln)
	defer srv.Close()
	addr := ln.Addr().String()
	rng := rand.New(rand.NewPCG(uint64(c.Seed), 42))
	centres := plotCentres(ix.Snapshot())
	picks := pickTiles(centres, rng, []int{15, 16, 17}, c.Tiles, nil)
	warm := pickTiles(centres, rng, []int{15, 16, 17}, 30, picks)
	if _, err := hammer(addr, paths(warm), c.Conc); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	// The tile-ready copy of the plots is built in the background once the
	// first tile is asked for; measure once it is there (its build time and
	// memory are reported).
	if err := tc.WaitPrepared(ctx); err != nil {
		return err
	}
	r.store = tc.StoreStats()
	log.Info("tile-ready plots", "took", r.store.Took, "bytes", r.store.Bytes, "plots", r.store.Plots)
	if _, err := pgRun(ctx, pool, warm, c.Conc, 256); err != nil {
		return fmt.Errorf("PostGIS warm-up: %w", err)
	}
	r.loadBefore = loadavg()
	if err := compare(ctx, c, addr, pool, picks, r, log); err != nil {
		return err
	}
	r.renderMean = meanRender(reg)
	// A tile enters the cache on its second request, which renders it
	// again and compresses it (tiles.Tile). That one-time cost is measured
	// on its own, so that the cached run measures tiles served as they stay.
	log.Info("second requests", "tiles", len(picks))
	if r.firstHit, err = hammer(addr, paths(picks), c.CachedConc); err != nil {
		return err
	}
	log.Info("cached HTTP run", "for", c.CachedFor)
	stop, err := startProfile(c.CachedProf)
	if err != nil {
		return err
	}
	r.cached, err = hammerFor(addr, paths(picks), c.CachedConc, c.CachedFor)
	stop()
	if err != nil {
		return err
	}
	r.loadAfter = loadavg()
	r.largest = largestPerZoom(tc, centres, rng)
	return nil
}

// compare runs the uncached HTTP requests and the two PostGIS variants on
// the same tiles, in four alternating rounds, so that other load on the
// machine falls on all three alike.
func compare(ctx context.Context, c config, addr string, pool *pgxpool.Pool, picks []maptile.Tile, r *report, log *slog.Logger) error {
	const rounds = 4
	stop, err := startProfile(c.CPUProfile)
	if err != nil {
		return err
	}
	defer stop()
	for i := range rounds {
		chunk := picks[i*len(picks)/rounds : (i+1)*len(picks)/rounds]
		log.Info("round", "n", i+1, "tiles", len(chunk))
		u, err := hammer(addr, paths(chunk), c.Conc)
		if err != nil {
			return err
		}
		p256, err := pgRun(ctx, pool, chunk, c.Conc, 256)
		if err != nil {
			return err
		}
		p64, err := pgRun(ctx, pool, chunk, c.Conc, 64)
		if err != nil {
			return err
		}
		r.uncached.add(u)
		r.pg256.add(p256)
		r.pg64.add(p64)
	}
	return nil
}

// startProfile starts a CPU profile of this process into file (nothing
// if file is empty); stop ends it.
func startProfile(file string) (stop func(), err error) {
	if file == "" {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// meanRender returns the mean server-side render time (compression
// included) from the cache's histogram.
func meanRender(reg *prometheus.Registry) time.Duration {
	mfs, err := reg.Gather()
	if err != nil {
		return 0
	}
	var sum float64
	var n uint64
	for _, mf := range mfs {
		if mf.GetName() != "cadastre_tile_render_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetHistogram().GetSampleSum()
			n += m.GetHistogram().GetSampleCount()
		}
	}
	if n == 0 {
		return 0
	}
	return time.Duration(sum / float64(n) * float64(time.Second))
}

// loadavg returns the 1-minute load average of the machine.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// plotCentres returns a point of every plot (lon/lat), to aim tiles at data.
func plotCentres(snap *index.Snapshot) []orb.Point {
	var out []orb.Point
	snap.EachPlot(func(p *index.Plot) bool {
		c := p.Merc.Center()
		lon, lat := crs.MercatorToLonLat(c[0], c[1])
		out = append(out, orb.Point{lon, lat})
		return true
	})
	slices.SortFunc(out, func(a, b orb.Point) int { return cmpPoint(a, b) })
	return out
}

func cmpPoint(a, b orb.Point) int {
	if a[0] != b[0] {
		return map[bool]int{true: -1, false: 1}[a[0] < b[0]]
	}
	if a[1] != b[1] {
		return map[bool]int{true: -1, false: 1}[a[1] < b[1]]
	}
	return 0
}

// pickTiles returns n distinct tiles per zoom, each holding a random plot,
// none of them in avoid, shuffled across zooms.
func pickTiles(centres []orb.Point, rng *rand.Rand, zooms []int, n int, avoid []maptile.Tile) []maptile.Tile {
	seen := map[maptile.Tile]bool{}
	for _, t := range avoid {
		seen[t] = true
	}
	var out []maptile.Tile
	for _, z := range zooms {
		for got, tries := 0, 0; got < n && tries < 100*n; tries++ {
			t := maptile.At(centres[rng.IntN(len(centres))], maptile.Zoom(z))
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
				got++
			}
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func paths(ts []maptile.Tile) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = fmt.Sprintf("/tiles/plots/%d/%d/%d.mvt", t.Z, t.X, t.Y)
	}
	return out
}

// machine describes the CPU, cores and Go version.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s %s/%s", model, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
