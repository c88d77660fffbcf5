package sampledata

import (
	"flag"
	"runtime"
	"testing"

	"cadastre/spatial"
)

var benchPlots = flag.Int("plots", 20_000, "plots per generated province in the benchmarks, e.g. -plots 1000000 to time a large run")

// discard is an Emitter that keeps nothing but counts, and samples the
// live heap after each sheet's plots.
type discard struct {
	plots, sheets int
	peak          uint64
}

func (d *discard) Units([]spatial.AdminUnit) error { return nil }
func (d *discard) Plot(*spatial.Plot) error        { d.plots++; return nil }
func (d *discard) Sheet(*spatial.Sheet) error {
	d.sheets++
	if d.sheets%64 == 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		d.peak = max(d.peak, ms.HeapAlloc)
	}
	return nil
}

// BenchmarkGenerate reports the generation rate in plots/s, and the
// largest live heap seen between sheets.
func BenchmarkGenerate(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Plots = *benchPlots
	d := &discard{}
	for b.Loop() {
		if err := Generate(cfg, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.plots)/b.Elapsed().Seconds(), "plots/s")
	b.ReportMetric(float64(d.peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkWriteGeoJSON reports the rate of writing the three files.
func BenchmarkWriteGeoJSON(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Plots = *benchPlots
	dir := b.TempDir()
	for b.Loop() {
		if err := WriteGeoJSON(cfg, dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cfg.Plots)*float64(b.N)/b.Elapsed().Seconds(), "plots/s")
}
