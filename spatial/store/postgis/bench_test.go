package postgis_test

import (
	"testing"
	"time"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/store/postgis"
	"cadastre/spatial/store/storetest"
)

// benchBatch builds batch k: 10 sheets of 1:1000 (500 x 500 m) in a row,
// each with 1,000 squares of 12.4 x 12.5 m, shifted by dE metres to make a
// changed version of every plot.
func benchBatch(tb testing.TB, k int, dE float64) *spatial.Batch {
	const sheetsPerBatch = 10
	b := &spatial.Batch{Units: storetest.Units(), Change: spatial.Change{By: "bench", Reason: "load"}}
	for j := range sheetsPerBatch {
		number := k*sheetsPerBatch + j + 1
		sh := storetest.SheetAt(tb, storetest.UnitA, number, storetest.ZoneA, 560250+float64(j)*500, 1150250+float64(k)*500)
		f := sh.Frame.Bound()
		b.Sheets = append(b.Sheets, sh)
		for i := range 40 {
			for m := range 25 {
				e, n := f.Min[0]+float64(i)*12.5+0.001+dE, f.Min[1]+float64(m)*20+0.002
				b.Plots = append(b.Plots, storetest.Square(storetest.UnitA, number, i*25+m+1, storetest.ZoneA, e, n, 12.4))
			}
		}
	}
	return b
}

// BenchmarkPostGISWrite writes batches of 10,000 plots into a fresh
// database: new plots; a new version of each stored plot (every square moved
// 5 cm); identical re-ingests. The state a batch needs is written with the
// timer stopped.
func BenchmarkPostGISWrite(b *testing.B) {
	cases := []struct {
		name        string
		dE          float64
		needsStored bool
	}{
		{name: "insert"},
		{name: "change", dE: 0.05, needsStored: true},
		{name: "unchanged", needsStored: true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := open(b)
			plots, k := 0, 0
			for b.Loop() {
				b.StopTimer()
				if c.needsStored {
					if _, err := s.Write(ctx(b), benchBatch(b, k, 0)); err != nil {
						b.Fatal(err)
					}
				}
				batch := benchBatch(b, k, c.dE)
				k++
				b.StartTimer()
				res, err := s.Write(ctx(b), batch)
				if err != nil {
					b.Fatal(err)
				}
				plots += res.Inserted + res.Changed + res.Unchanged
			}
			b.ReportMetric(float64(plots)/b.Elapsed().Seconds(), "plots/s")
		})
	}
}

// jitteredBatch builds chunk k of a jittered grid: 10 sheets of 1:1000 in a
// row, each with 1,000 quadrilateral plots on a 12.5 x 20 m lattice whose
// vertices are moved up to 2 m by a hash of their global position. Every
// plot shares its edges with its neighbours, also across sheets and chunks,
// and their bounding boxes overlap, as in real cadastral data: each pair
// of neighbours costs Overlaps a GEOS intersection.
func jitteredBatch(tb testing.TB, k int) *spatial.Batch {
	const sheetsPerBatch, cols, rows = 10, 40, 25
	b := &spatial.Batch{}
	for j := range sheetsPerBatch {
		number := k*sheetsPerBatch + j + 1
		sh := storetest.SheetAt(tb, storetest.UnitA, number, storetest.ZoneA, 560250+float64(j)*500, 1150250+float64(k)*500)
		f := sh.Frame.Bound()
		b.Sheets = append(b.Sheets, sh)
		vertex := func(i, m int) orb.Point {
			gi, gm := j*cols+i, k*rows+m
			return orb.Point{f.Min[0] + float64(i)*12.5 + jitter(gi, gm, 1), f.Min[1] + float64(m)*20 + jitter(gi, gm, 2)}
		}
		for i := range cols {
			for m := range rows {
				p := storetest.Square(storetest.UnitA, number, i*rows+m+1, storetest.ZoneA, 0, 0, 1)
				a := vertex(i, m)
				p.Geometry = orb.MultiPolygon{{{a, vertex(i+1, m), vertex(i+1, m+1), vertex(i, m+1), a}}}
				b.Plots = append(b.Plots, p)
			}
		}
	}
	return b
}

// jitter is a deterministic offset in [-2, 2) m for lattice vertex (i, m).
func jitter(i, m, axis int) float64 {
	h := uint64(i)*0x9e3779b97f4a7c15 ^ uint64(m)*0xc2b2ae3d27d4eb4f ^ uint64(axis)*0x165667b19e3779f9
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return float64(h%4000)/1000 - 2
}

// BenchmarkPostGISTxChunks writes 100,000 plots (the jittered grid) in 10
// chunks of 10,000 through one transaction: "write" is Begin, the chunks
// and Commit; "overlaps" adds Tx.Overlaps before Commit, as an ingest
// does, and reports its own rate too. Chunks are built with the timer
// stopped.
func BenchmarkPostGISTxChunks(b *testing.B) {
	for _, withOverlaps := range []bool{false, true} {
		name := map[bool]string{false: "write", true: "overlaps"}[withOverlaps]
		b.Run(name, func(b *testing.B) {
			s := open(b)
			plots, round := 0, 0
			var overlapTime time.Duration
			for b.Loop() {
				n, d := txChunksRound(b, s, round, withOverlaps)
				plots += n
				overlapTime += d
				round++
			}
			b.ReportMetric(float64(plots)/b.Elapsed().Seconds(), "plots/s")
			if withOverlaps {
				b.ReportMetric(float64(plots)/overlapTime.Seconds(), "overlap-plots/s")
			}
		})
	}
}

// txChunksRound writes round r of the benchmark and returns the plots
// inserted and the time Overlaps took.
func txChunksRound(b *testing.B, s *postgis.Store, r int, withOverlaps bool) (int, time.Duration) {
	const chunks = 10
	tx, err := s.Begin(ctx(b), spatial.Change{By: "bench", Reason: "load"})
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx(b))
	for k := range chunks {
		b.StopTimer()
		c := jitteredBatch(b, r*chunks+k)
		if r == 0 && k == 0 {
			c.Units = storetest.Units()
		}
		b.StartTimer()
		if err := tx.Write(ctx(b), c); err != nil {
			b.Fatal(err)
		}
	}
	var took time.Duration
	if withOverlaps {
		start := time.Now()
		ov, err := tx.Overlaps(ctx(b), 0.01)
		if err != nil || len(ov) != 0 {
			b.Fatalf("Overlaps: got %d pairs (err %v), want none", len(ov), err)
		}
		took = time.Since(start)
	}
	res, err := tx.Commit(ctx(b))
	if err != nil {
		b.Fatal(err)
	}
	return res.Inserted, took
}
