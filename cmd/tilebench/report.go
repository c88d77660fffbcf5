package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/tiles"
)

// largest is the biggest tile found at one zoom.
type largest struct {
	Z          int
	Tile       maptile.Tile
	Candidates int
	Stats      tiles.Stats
	Render     time.Duration // median of 5 renders
}

// largestPerZoom renders up to 150 tiles of the cadastre tileset (sheets
// and plots) at each zoom from 10 to 22, aimed at random plots (so dense
// areas are likelier), as a cache miss does, and returns the largest of
// each zoom.
func largestPerZoom(tc *tiles.Cache, centres []orb.Point, rng *rand.Rand) []largest {
	var out []largest
	for z := 10; z <= 22; z++ {
		best := largest{Z: z}
		for _, t := range pickTiles(centres, rng, []int{z}, 150, nil) {
			best.Candidates++
			st, err := tc.Render(tiles.Cadastre, t)
			if err == nil && st.Bytes > best.Stats.Bytes {
				best.Tile, best.Stats = t, st
			}
		}
		var times []time.Duration
		for range 5 {
			st, _ := tc.Render(tiles.Cadastre, best.Tile)
			times = append(times, st.Took)
		}
		slices.Sort(times)
		best.Render = times[2]
		out = append(out, best)
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func row(w io.Writer, name string, r result) {
	cpu := "-"
	if r.CPU > 0 {
		cpu = ms(r.cpuPerTile())
	}
	fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %s | %.1f KB | %d |\n", name, r.N, r.perSecond(), ms(r.pct(0.5)), ms(r.pct(0.99)),
		cpu, float64(r.Bytes)/float64(max(r.N, 1))/1000, r.Errors)
}

// print writes the Markdown section of the run.
func (r *report) print(w io.Writer) {
	c := r.cfg
	fmt.Fprintf(w, "### %d plots (%s)\n\n", r.plots, time.Now().UTC().Format("2006-01-02"))
	data := fmt.Sprintf("-plots %d", c.Plots)
	if c.DB != "" {
		data = "-db URL-of-a-keep-run"
	}
	fmt.Fprintf(w, "- Command: `go run ./cmd/tilebench %s -tiles %d -conc %d -cached-conc %d -cached-for %s`\n",
		data, c.Tiles, c.Conc, c.CachedConc, c.CachedFor)
	loaded := fmt.Sprintf("loaded into PostGIS in %s (store Write, chunks of %d plots)", r.loadTook.Round(time.Second), chunkPlots)
	if c.DB != "" {
		loaded = "in a PostGIS database loaded by an earlier run (-db; it was generated and written the same way)"
	}
	fmt.Fprintf(w, "- Data: sampledata seed %d, %d plots %s; "+
		"index built from the store in %s, %d sheets, live heap %d MiB = %d bytes per plot; "+
		"tile-ready copy of the plots built in %s, %d MiB = %d bytes per plot\n",
		c.Seed, r.plots, loaded, r.build.Took.Round(time.Millisecond), r.build.Sheets,
		r.build.HeapBytes>>20, r.build.HeapBytes/uint64(max(r.build.Plots, 1)),
		r.store.Took.Round(time.Millisecond), r.store.Bytes>>20, r.store.Bytes/int64(max(r.store.Plots, 1)))
	fmt.Fprintf(w, "- Machine: %s; %s; load generator, server and PostgreSQL on the same machine (loopback); "+
		"1-minute load average %s before the uncached runs, %s after the cached run (other work shares the machine)\n\n",
		r.machine, r.pgVer, r.loadBefore, r.loadAfter)
	fmt.Fprintln(w, "| run (plots tileset, z15-17, random tiles) | tiles | tiles/s | p50 | p99 | CPU per tile | mean size | errors |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	row(w, fmt.Sprintf("uncached, HTTP, %d connections, each tile once", c.Conc), r.uncached)
	row(w, fmt.Sprintf("PostGIS, pg_tileserv SQL (buffer 256), %d connections, same tiles", c.Conc), r.pg256)
	row(w, fmt.Sprintf("PostGIS, same SQL with our buffer 64, %d connections", c.Conc), r.pg64)
	row(w, fmt.Sprintf("second request of each tile (renders, compresses and caches it), HTTP, %d connections", c.CachedConc), r.firstHit)
	row(w, fmt.Sprintf("cached, HTTP, %d connections, %s", c.CachedConc, c.CachedFor), r.cached)
	fmt.Fprintf(w, "\nThe uncached and PostGIS runs alternate in four rounds over the same tiles. "+
		"Uncached over HTTP vs PostGIS SQL alone: **%.1fx** (buffer 256), **%.1fx** (buffer 64) in tiles/s; "+
		"p50 %.1fx / %.1fx; CPU per tile %.1fx / %.1fx (ours counts the load generator too: it runs in the same process; "+
		"PostGIS's counts its backends only); mean server-side render time %s. "+
		"A tile's first request gets it raw (uncompressed, as PostGIS's SQL returns it) and does not cache it; "+
		"its second renders it again, compresses and caches it (that row, gzip sizes); later ones are cache hits (the cached run). "+
		"Ours carry a label layer too. Tiles over the budget in the HTTP runs: %d.\n\n",
		r.uncached.perSecond()/r.pg256.perSecond(), r.uncached.perSecond()/r.pg64.perSecond(),
		float64(r.pg256.pct(0.5))/float64(r.uncached.pct(0.5)), float64(r.pg64.pct(0.5))/float64(r.uncached.pct(0.5)),
		float64(r.pg256.cpuPerTile())/float64(r.uncached.cpuPerTile()), float64(r.pg64.cpuPerTile())/float64(r.uncached.cpuPerTile()),
		ms(r.renderMean), r.uncached.Dropped+r.cached.Dropped)
	fmt.Fprintln(w, "Largest tiles: rendered as a miss is (render time without compression unless the budget needed it); "+
		"gzip is the size once compressed.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| zoom | largest cadastre tile (of candidates) | features | vertices in -> out | gzip | raw | dropped by budget | render (median of 5) |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|")
	for _, l := range r.largest {
		fmt.Fprintf(w, "| %d | %d/%d/%d (%d) | %d | %d -> %d | %.1f KB | %.1f KB | %d | %s |\n", l.Z, l.Tile.Z, l.Tile.X, l.Tile.Y, l.Candidates,
			l.Stats.Features, l.Stats.Vertices, l.Stats.Kept, float64(l.Stats.Bytes)/1000, float64(l.Stats.RawBytes)/1000, l.Stats.Dropped, ms(l.Render))
	}
	fmt.Fprintln(w)
}
