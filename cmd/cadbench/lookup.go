package main

import (
	"bytes"
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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
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
	// As an operator would after a bulk load: vacuum and fresh statistics
	// now, so that autovacuum does not work through the new rows on the
	// same two cores while the index is built and the lookups measured.
	if err := vacuum(ctx, url); err != nil {
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
	// 200,000 points to measure and as many others to warm up with: a
	// serving index has answered many lookups before any one is timed.
	pts := queryPoints(ix.Snapshot(), 400000)
	warm := pts[200000:]
	pts = pts[:200000]
	fmt.Printf("### Lookup, %d plots (`cadbench lookup --plots %d`)\n\nMachine: %s\n\n", stats.Plots, b.plots, machine())
	fmt.Printf("- index build from PostGIS: %.1f s for %d plots and %d sheets; live heap %d MiB = %d bytes per plot\n",
		stats.Took.Seconds(), stats.Plots, stats.Sheets, stats.HeapBytes>>20, stats.HeapBytes/uint64(max(stats.Plots, 1)))
	inproc := inProcess(ix, pts, warm)
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
	st.Close()
	addr, pid, stop, err := b.serve(url)
	if err != nil {
		return err
	}
	defer stop()
	// The in-process index is garbage from here (ix is not used below):
	// collect it now, so that this process (the client of every run below)
	// does not mark it during the runs.
	runtime.GC()
	load0 := loadAverage()
	// The PostGIS and HTTP runs alternate in rounds, so that other load on
	// the shared machine falls on all of them alike.
	runs := []*run{
		{name: "PostGIS GiST query via pgxpool", fn: b.postgisQuery(ctx, pool, pts), cpuOf: func() map[int]time.Duration { return backendCPU(ctx, pool) }},
		{name: "HTTP GET /api/v1/plots/at (loopback)", fn: b.httpLookup(addr, pts, ""), cpuOf: serveCPU(pid)},
		{name: "HTTP GET /api/v1/plots/at&geometry=false (loopback)", fn: b.httpLookup(addr, pts, "&geometry=false"), cpuOf: serveCPU(pid)},
	}
	for r := 0; r < b.rounds; r++ {
		for _, x := range runs {
			b.load(x, b.dur/time.Duration(b.rounds))
		}
	}
	pgq, web, keys := runs[0].measure(b.conns), runs[1].measure(b.conns), runs[2].measure(b.conns)
	fmt.Printf("- PostGIS and HTTP runs alternate in %d rounds of %v each; 1-minute load average %s before, %s after. "+
		"CPU per lookup: the serving side (PostgreSQL backends of the benchmark database / the `cadastre serve` process) "+
		"and the client side (this process: pgx, or the HTTP load generator of loadgen.go), from /proc\n",
		b.rounds, (b.dur / time.Duration(b.rounds)).Round(time.Millisecond), load0, loadAverage())
	fmt.Println("\n| lookup path | lookups/s | p50 | p99 | server CPU per lookup | client CPU per lookup |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, m := range []measure{inproc, par, pgq, web, keys} {
		p50, p99, scpu, ccpu := "-", "-", "-", "-"
		if m.p50 > 0 {
			p50, p99 = m.p50.String(), m.p99.String()
		}
		if m.n > 0 && m.clientCPU > 0 {
			scpu = fmt.Sprintf("%.1f µs", float64(m.serverCPU.Nanoseconds())/1e3/float64(m.n))
			ccpu = fmt.Sprintf("%.1f µs", float64(m.clientCPU.Nanoseconds())/1e3/float64(m.n))
		}
		fmt.Printf("| %s | %.0f | %s | %s | %s | %s |\n", m.name, m.rate, p50, p99, scpu, ccpu)
	}
	fmt.Printf("\nRatios: in-process %.0fx the PostGIS query rate on one core, %.0fx on all cores (target 100x, p99 under 10 µs); HTTP %.1fx with geometry, %.1fx keys only (target 3x).\n\n", inproc.rate/pgq.rate, par.rate/pgq.rate, web.rate/pgq.rate, keys.rate/pgq.rate)
	return nil
}

type measure struct {
	name     string
	rate     float64
	p50, p99 time.Duration
	n        int
	// CPU time of the serving and client processes during the runs; 0 when
	// not measured.
	serverCPU, clientCPU time.Duration
}

func summarize(name string, lat []time.Duration, took time.Duration) measure {
	if len(lat) == 0 {
		return measure{name: name}
	}
	slices.Sort(lat)
	return measure{name: name, rate: float64(len(lat)) / took.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], n: len(lat)}
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

func inProcess(ix *index.Index, pts, warm []orb.Point) measure {
	z, _ := crs.ZoneByEPSG(9210)
	for _, p := range warm { // other points than those timed
		ix.Snapshot().At(index.Plane(z, p[0], p[1]), func(index.Hit) bool { return true })
	}
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

// postgisQuery returns a load function running the GiST lookup through
// pgxpool (as many workers as the HTTP load generator has connections).
func (b *bench) postgisQuery(ctx context.Context, pool *pgxpool.Pool, pts []orb.Point) func(w, i int) error {
	return func(_, i int) error {
		rows, err := pool.Query(ctx, gistQuery, pts[i%len(pts)][0], pts[i%len(pts)][1])
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		return rows.Err()
	}
}

// serve starts `cadastre serve` on the database and waits until it is
// ready; stop ends it.
func (b *bench) serve(url string) (addr string, pid int, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", 0, nil, err
	}
	addr = ln.Addr().String()
	ln.Close()
	cmd := exec.Command(b.bin, "serve", "--database-url", url, "--addr", addr, "--load-sample=false", "--log-level", "warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop = func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }
	client := &http.Client{Timeout: 10 * time.Second}
	for deadline := time.Now().Add(5 * time.Minute); ; {
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", 0, nil, fmt.Errorf("serve not ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	client.CloseIdleConnections()
	return addr, cmd.Process.Pid, stop, nil
}

// httpLookup returns a load function asking for the plot at each point,
// one keep-alive connection per worker (loadgen.go), reading every
// response in full.
func (b *bench) httpLookup(addr string, pts []orb.Point, extra string) func(w, i int) error {
	conns := make([]*httpConn, b.conns)
	targets := make([][]byte, b.conns)
	for w := range conns {
		conns[w] = newHTTPConn(addr)
	}
	return func(w, i int) error {
		p := pts[i%len(pts)]
		// /api/v1/plots/at?x=%.3f&y=%.3f&crs=EPSG:9210 + extra
		t := append(targets[w][:0], "/api/v1/plots/at?x="...)
		t = strconv.AppendFloat(t, p[0], 'f', 3, 64)
		t = append(t, "&y="...)
		t = strconv.AppendFloat(t, p[1], 'f', 3, 64)
		t = append(t, "&crs=EPSG:9210"...)
		t = append(t, extra...)
		targets[w] = t
		status, n, err := conns[w].get(t)
		if err != nil {
			return err
		}
		if status != 200 || n == 0 {
			return fmt.Errorf("status %d, %d bytes", status, n)
		}
		return nil
	}
}

// run is one lookup path measured in rounds.
type run struct {
	name string
	fn   func(w, i int) error // the lookup of point i by worker w
	// cpuOf returns the CPU time so far of each serving process.
	cpuOf func() map[int]time.Duration

	lat                  []time.Duration
	took                 time.Duration
	errs                 int
	serverCPU, clientCPU time.Duration
}

// load runs x.fn from b.conns goroutines (w = 0..conns-1) for dur, and adds
// the latencies, the time and the CPU times to x.
func (b *bench) load(x *run, dur time.Duration) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	srv0, cli0 := x.cpuOf(), procCPU(0)
	base := len(x.lat) + x.errs // later rounds go on with the next points
	start := time.Now()
	for w := 0; w < b.conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			for i := base + w; time.Since(start) < dur; i += b.conns {
				t0 := time.Now()
				if err := x.fn(w, i); err != nil {
					errs++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			x.lat = append(x.lat, lat...)
			x.errs += errs
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	x.took += time.Since(start)
	x.clientCPU += procCPU(0) - cli0
	for pid, t := range x.cpuOf() {
		x.serverCPU += t - srv0[pid] // a process started during the run counts from 0
	}
}

// measure summarises the rounds of a run.
func (x *run) measure(conns int) measure {
	if x.errs > 0 {
		fmt.Fprintf(os.Stderr, "%s: %d errors\n", x.name, x.errs)
	}
	m := summarize(fmt.Sprintf("%s, %d concurrent", x.name, conns), x.lat, x.took)
	m.serverCPU, m.clientCPU = x.serverCPU, x.clientCPU
	return m
}

// serveCPU returns the CPU time of the serve process.
func serveCPU(pid int) func() map[int]time.Duration {
	return func() map[int]time.Duration { return map[int]time.Duration{pid: procCPU(pid)} }
}

// backendCPU returns the CPU time of every PostgreSQL backend connected to
// the benchmark database (the pool's; serve's connections idle meanwhile).
func backendCPU(ctx context.Context, pool *pgxpool.Pool) map[int]time.Duration {
	out := map[int]time.Duration{}
	rows, err := pool.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	if err != nil {
		return out
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return out
	}
	for _, pid := range pids {
		out[int(pid)] = procCPU(int(pid))
	}
	return out
}

// procCPU returns the user and system CPU time of a process (Linux
// /proc/PID/stat, in clock ticks of 10 ms); pid 0 is this process.
func procCPU(pid int) time.Duration { return procTimes(pid, false) }

// procTimes returns the user and system CPU time of a process and, with
// children, that of its children it has waited for (exited backends count
// in the postmaster's).
func procTimes(pid int, children bool) time.Duration {
	path := "/proc/self/stat"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/stat", pid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start at
	// state; utime, stime, cutime and cstime are fields 14 to 17 of the
	// whole line.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	if len(f) < 15 {
		return 0
	}
	fields := f[11:13]
	if children {
		fields = f[11:15]
	}
	var ticks int64
	for _, s := range fields {
		t, _ := strconv.ParseInt(s, 10, 64)
		ticks += t
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// loadAverage returns the 1-minute load average of the machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// vacuum runs VACUUM ANALYZE on the plots table.
func vacuum(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "VACUUM ANALYZE plots")
	return err
}
