package gpkg

import (
	"context"
	"testing"

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
