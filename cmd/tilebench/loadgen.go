package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb/maptile"
)

// result is the outcome of one measured run.
type result struct {
	N       int
	Took    time.Duration
	Lat     []time.Duration // sorted
	Bytes   int64
	Errors  int
	Dropped int           // tiles whose X-Tile-Dropped-Features header was set
	CPU     time.Duration // CPU time of the serving processes (ours: server and load generator)
}

func (r result) perSecond() float64 { return float64(r.N) / r.Took.Seconds() }

// add merges another run of the same kind.
func (r *result) add(o result) {
	r.N += o.N
	r.Took += o.Took
	r.Lat = append(r.Lat, o.Lat...)
	slices.Sort(r.Lat)
	r.Bytes += o.Bytes
	r.Errors += o.Errors
	r.Dropped += o.Dropped
	r.CPU += o.CPU
}

// cpuPerTile is the CPU time spent per tile.
func (r result) cpuPerTile() time.Duration { return r.CPU / time.Duration(max(r.N, 1)) }

func (r result) pct(p float64) time.Duration {
	if len(r.Lat) == 0 {
		return 0
	}
	return r.Lat[min(len(r.Lat)-1, int(float64(len(r.Lat))*p))]
}

// client is one keep-alive HTTP/1.1 connection: a load generator much
// lighter than net/http's client, so that on two cores the server gets
// most of the CPU.
type client struct {
	c net.Conn
	r *bufio.Reader
}

func dial(addr string) (*client, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &client{c: c, r: bufio.NewReaderSize(c, 64<<10)}, nil
}

// get sends a prepared request and reads the answer: status line,
// headers up to the blank line, then Content-Length bytes of body.
func (c *client) get(req []byte) (n int64, dropped bool, err error) {
	if _, err := c.c.Write(req); err != nil {
		return 0, false, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	ok := bytes.HasPrefix(line, []byte("HTTP/1.1 200 "))
	length := int64(-1)
	for {
		line, err = c.r.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		if len(line) <= 2 {
			break
		}
		k, v, _ := bytes.Cut(line, []byte(":"))
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			length, _ = strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
		case bytes.EqualFold(k, []byte("X-Tile-Dropped-Features")):
			dropped = true
		}
	}
	if length < 0 {
		return 0, false, fmt.Errorf("answer without Content-Length")
	}
	d, err := c.r.Discard(int(length))
	if err == nil && !ok {
		err = fmt.Errorf("status %q", bytes.TrimSpace(line))
	}
	return int64(d), dropped, err
}

// requests prepares the GET request of each path (gzip accepted).
func requests(paths []string) [][]byte {
	out := make([][]byte, len(paths))
	for i, p := range paths {
		out[i] = []byte("GET " + p + " HTTP/1.1\r\nHost: bench\r\nAccept-Encoding: gzip\r\n\r\n")
	}
	return out
}

// hammer requests each path once from conc connections; CPU is this
// process's (server and load generator together).
func hammer(addr string, paths []string, conc int) (result, error) {
	var next atomic.Int64
	reqs := requests(paths)
	cpu0 := procCPU(0)
	res, err := drive(addr, conc, func() ([]byte, bool) {
		i := next.Add(1) - 1
		if int(i) >= len(reqs) {
			return nil, false
		}
		return reqs[i], true
	})
	res.CPU = procCPU(0) - cpu0
	return res, err
}

// hammerFor requests the paths round and round for d.
func hammerFor(addr string, paths []string, conc int, d time.Duration) (result, error) {
	var next atomic.Int64
	reqs := requests(paths)
	end := time.Now().Add(d)
	cpu0 := procCPU(0)
	res, err := drive(addr, conc, func() ([]byte, bool) {
		if time.Now().After(end) {
			return nil, false
		}
		return reqs[int(next.Add(1)-1)%len(reqs)], true
	})
	res.CPU = procCPU(0) - cpu0
	return res, err
}

// drive runs conc connections, each taking paths from next until it says
// stop, timing every request.
func drive(addr string, conc int, next func() ([]byte, bool)) (result, error) {
	var mu sync.Mutex
	var res result
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		cl, err := dial(addr)
		if err != nil {
			return res, err
		}
		wg.Go(func() {
			defer cl.c.Close()
			var lat []time.Duration
			var nbytes int64
			errs, dropped := 0, 0
			for p, ok := next(); ok; p, ok = next() {
				t := time.Now()
				n, d, err := cl.get(p)
				lat = append(lat, time.Since(t))
				nbytes += n
				if d {
					dropped++
				}
				if err != nil {
					errs++
					mu.Lock()
					firstErr = cmpErr(firstErr, fmt.Errorf("%s: %w", bytes.Fields(p)[1], err))
					mu.Unlock()
					return // the connection's state is unknown
				}
			}
			mu.Lock()
			res.Lat = append(res.Lat, lat...)
			res.Bytes += nbytes
			res.Errors += errs
			res.Dropped += dropped
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Took = time.Since(start)
	res.N = len(res.Lat)
	slices.Sort(res.Lat)
	return res, firstErr
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// pgSQL is pg_tileserv's table-layer query (layer.go of pg_tileserv:
// ST_AsMVTGeom of the geometry transformed to 3857, clipped to
// ST_TileEnvelope, filtered with ST_Intersects against the buffered
// envelope transformed to the table's SRID, so the GiST index on the WGS 84
// column is used), with this service's plot attributes.
const pgSQL = `
SELECT ST_AsMVT(mvtgeom, 'plots', 4096, 'geom') FROM (
  SELECT ST_AsMVTGeom(ST_Transform(ST_Force2D(t.geom_4326), 3857), bounds.geom_clip, 4096, $4::int) AS geom,
         t.unit, t.sheet, t.plot, t.commune, array_to_string(t.land_use, '+') AS land_use,
         t.legal_area, t.area, t.version
  FROM plots t, (SELECT ST_TileEnvelope($1, $2, $3) AS geom_clip,
                        ST_TileEnvelope($1, $2, $3, margin => $4::int / 4096.0) AS geom_query) bounds
  WHERE ST_Intersects(t.geom_4326, ST_Transform(bounds.geom_query, 4326))
    AND t.valid_to IS NULL AND NOT t.retired
) mvtgeom`

// pgRun renders the tiles in PostGIS from conc connections, each tile
// once, with the given buffer (pg_tileserv's default is 256). It also
// reads the CPU time the connections' server processes spent.
func pgRun(ctx context.Context, pool *pgxpool.Pool, tiles []maptile.Tile, conc, buffer int) (result, error) {
	conns, pids, err := backends(ctx, pool, conc)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	if err != nil {
		return result{}, err
	}
	cpu0 := procCPU(pids...)
	var next atomic.Int64
	var mu sync.Mutex
	var res result
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range conns {
		wg.Go(func() {
			for i := next.Add(1) - 1; int(i) < len(tiles); i = next.Add(1) - 1 {
				t := tiles[i]
				var b []byte
				t0 := time.Now()
				err := c.QueryRow(ctx, pgSQL, int(t.Z), int(t.X), int(t.Y), buffer).Scan(&b)
				d := time.Since(t0)
				mu.Lock()
				res.Lat = append(res.Lat, d)
				res.Bytes += int64(len(b))
				if err != nil {
					res.Errors++
					firstErr = cmpErr(firstErr, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Took = time.Since(start)
	res.CPU = procCPU(pids...) - cpu0
	res.N = len(res.Lat)
	slices.Sort(res.Lat)
	return res, firstErr
}

// backends acquires n connections and the process ids of their servers.
func backends(ctx context.Context, pool *pgxpool.Pool, n int) ([]*pgxpool.Conn, []int, error) {
	var conns []*pgxpool.Conn
	pids := make([]int, n)
	for i := range n {
		c, err := pool.Acquire(ctx)
		if err != nil {
			return conns, nil, err
		}
		conns = append(conns, c)
		if err := c.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pids[i]); err != nil {
			return conns, nil, err
		}
	}
	return conns, pids, nil
}

// procCPU returns the user and system CPU time of processes (Linux
// /proc/PID/stat, in clock ticks of 10 ms); pid 0 is this process.
func procCPU(pids ...int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		path := "/proc/self/stat"
		if pid != 0 {
			path = fmt.Sprintf("/proc/%d/stat", pid)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// Fields after the command name (which may hold spaces) start at
		// state; utime and stime are fields 14 and 15 of the whole line.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+st) * 10 * time.Millisecond
	}
	return total
}
