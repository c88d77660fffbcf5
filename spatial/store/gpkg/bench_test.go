package gpkg

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

// BenchmarkGPKGWrite writes batches of 10,000 new square plots over four
// 1:1000 sheets and reports the rate. Each iteration is one Write: the
// domain check (geometry validation) and one transaction.
func BenchmarkGPKGWrite(b *testing.B) {
	const sheetsPerBatch, side = 4, 50 // 4 sheets x 50 x 50 plots
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	plots := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := benchBatch(b, i, sheetsPerBatch, side)
		b.StartTimer()
		res, err := s.Write(ctx, batch)
		if err != nil {
			b.Fatal(err)
		}
		if res.Inserted != len(batch.Plots) {
			b.Fatalf("batch %d: got %+v, want %d inserted", i, res, len(batch.Plots))
		}
		plots += res.Inserted
	}
	b.ReportMetric(float64(plots)/b.Elapsed().Seconds(), "plots/s")
}

// benchBatch builds batch i: sheets numbered after those of earlier
// batches, each holding side x side squares of 9.5 m on a 10 m pitch.
func benchBatch(b *testing.B, i, sheets, side int) *spatial.Batch {
	batch := &spatial.Batch{Change: spatial.Change{By: "bench", Reason: "bulk load"}}
	if i == 0 {
		batch.Units = storetest.Units()
	}
	for j := range sheets {
		number := i*sheets + j + 1
		sh := storetest.SheetAt(b, storetest.UnitA, number, storetest.ZoneA, 601234+float64(j)*500, 1191876)
		batch.Sheets = append(batch.Sheets, sh)
		f := sh.FrameBound()
		for k := range side * side {
			e, n := f.Min[0]+10*float64(k%side)+0.013, f.Min[1]+10*float64(k/side)+0.027
			batch.Plots = append(batch.Plots, storetest.Square(storetest.UnitA, number, k+1, storetest.ZoneA, e, n, 9.5))
		}
	}
	return batch
}

// BenchmarkGPKGTxChunks writes 100,000 new plots as one transaction in 10
// chunks of 10,000 (four 1:1000 sheets of 2,500 irregular plots each) and
// reports the rate. Building the chunks is not timed.
func BenchmarkGPKGTxChunks(b *testing.B) {
	const chunks = 10
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Write(ctx, &spatial.Batch{Units: storetest.Units(), Change: spatial.Change{By: "bench", Reason: "units"}}); err != nil {
		b.Fatal(err)
	}
	plots := 0
	for i := 0; b.Loop(); i++ {
		tx, err := s.Begin(ctx, spatial.Change{By: "bench", Reason: "chunked load"})
		if err != nil {
			b.Fatal(err)
		}
		for c := range chunks {
			b.StopTimer()
			batch := txChunk(b, i, c)
			b.StartTimer()
			if err := tx.Write(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		res, err := tx.Commit(ctx)
		if err != nil {
			b.Fatal(err)
		}
		plots += res.Inserted
	}
	b.ReportMetric(float64(plots)/b.Elapsed().Seconds(), "plots/s")
}

// txChunk is chunk c of iteration i of the chunked benchmarks: four
// adjacent 1:1000 sheets of 2,500 irregular plots each (neighbours share
// edges, their boxes overlap), on a row of sheets of its own.
func txChunk(b *testing.B, i, c int) *spatial.Batch {
	const sheetsPerChunk = 4
	batch := &spatial.Batch{}
	for j := range sheetsPerChunk {
		n := c*sheetsPerChunk + j
		g := newPlotGrid(b, i*1000+n+1, 601234+float64(n%40)*500, 1191876+float64(i*10+n/40)*500, 2, uint64(n))
		batch.Sheets = append(batch.Sheets, g.sheet)
		batch.Plots = append(batch.Plots, g.plots(0, gridSide*gridSide)...)
	}
	return batch
}

// BenchmarkGPKGTxOverlaps looks for overlaps among 100,000 plots written in
// one transaction (not timed): every plot has eight neighbours whose boxes
// overlap its own, and none really overlaps.
func BenchmarkGPKGTxOverlaps(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Write(ctx, &spatial.Batch{Units: storetest.Units(), Change: spatial.Change{By: "bench", Reason: "units"}}); err != nil {
		b.Fatal(err)
	}
	tx, err := s.Begin(ctx, spatial.Change{By: "bench", Reason: "overlaps"})
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for c := range 10 {
		if err := tx.Write(ctx, txChunk(b, 0, c)); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		got, err := tx.Overlaps(ctx, 0.01)
		if err != nil || len(got) != 0 {
			b.Fatalf("Overlaps: got %d pairs (err %v), want none", len(got), err)
		}
	}
	b.ReportMetric(float64(b.N*100_000)/b.Elapsed().Seconds(), "plots/s")
}

// BenchmarkGPKGTxLarge writes CADASTRE_BENCH_PLOTS plots (a multiple of
// 10,000; skipped when unset) as one transaction in chunks of 10,000, looks
// for overlaps among them, and commits. It reports the write and overlap
// rates and the process's peak resident memory, which should not grow
// with the number of plots beyond the keys the transaction keeps (its key
// set and WriteResult.Touched, some 70 bytes a plot):
//
//	CADASTRE_BENCH_PLOTS=1000000 go test -run - -bench GPKGTxLarge -benchtime 1x ./spatial/store/gpkg/
func BenchmarkGPKGTxLarge(b *testing.B) {
	n, err := strconv.Atoi(os.Getenv("CADASTRE_BENCH_PLOTS"))
	if err != nil || n < 10_000 {
		b.Skip("set CADASTRE_BENCH_PLOTS to a number of plots (at least 10000)")
	}
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Write(ctx, &spatial.Batch{Units: storetest.Units(), Change: spatial.Change{By: "bench", Reason: "units"}}); err != nil {
		b.Fatal(err)
	}
	var write, overlaps, commit time.Duration
	for i := 0; b.Loop(); i++ {
		tx, err := s.Begin(ctx, spatial.Change{By: "bench", Reason: "large load"})
		if err != nil {
			b.Fatal(err)
		}
		for c := range n / 10_000 {
			b.StopTimer()
			batch := txChunk(b, i, c)
			b.StartTimer()
			start := time.Now()
			if err := tx.Write(ctx, batch); err != nil {
				b.Fatal(err)
			}
			write += time.Since(start)
		}
		start := time.Now()
		if got, err := tx.Overlaps(ctx, 0.01); err != nil || len(got) != 0 {
			b.Fatalf("Overlaps: got %d pairs (err %v), want none", len(got), err)
		}
		overlaps += time.Since(start)
		start = time.Now()
		if _, err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		commit += time.Since(start)
	}
	plots := float64(b.N * n)
	b.ReportMetric(plots/write.Seconds(), "write-plots/s")
	b.ReportMetric(plots/overlaps.Seconds(), "overlap-plots/s")
	b.ReportMetric(commit.Seconds()/float64(b.N), "commit-s")
	if peak, ok := peakRSS(); ok {
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	}
}

// peakRSS returns the process's peak resident set size (Linux only).
func peakRSS() (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
