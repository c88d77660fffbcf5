package postgis_test

import (
	"testing"

	"cadastre/spatial"
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
