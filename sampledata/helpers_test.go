package sampledata

import (
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// bigPlots is the size of the larger test configuration: enough for every
// scale and both former communes to appear many times.
const bigPlots = 20_000

var (
	bigOnce  sync.Once
	bigBatch *spatial.Batch
	bigErr   error
)

// big returns the 20,000-plot batch, generated once per test binary.
func big(t *testing.T) *spatial.Batch {
	t.Helper()
	bigOnce.Do(func() {
		cfg := DefaultConfig()
		cfg.Plots = bigPlots
		bigBatch, bigErr = Batch(cfg)
	})
	if bigErr != nil {
		t.Fatal(bigErr)
	}
	return bigBatch
}

// bySheet groups plots by sheet, in sheet order.
func bySheet(b *spatial.Batch) map[spatial.SheetKey][]*spatial.Plot {
	m := map[spatial.SheetKey][]*spatial.Plot{}
	for _, p := range b.Plots {
		m[p.Key.SheetKey()] = append(m[p.Key.SheetKey()], p)
	}
	return m
}

// linear reports whether a plot is a road, canal or river.
func linear(p *spatial.Plot) bool {
	switch p.LandUse[0] {
	case "DGT", "DTL", "SON":
		return true
	}
	return false
}

// vertices counts the distinct vertices of a geometry (closing points not
// counted).
func vertices(mp orb.MultiPolygon) int {
	n := 0
	for _, poly := range mp {
		for _, r := range poly {
			n += len(r) - 1
		}
	}
	return n
}

// edge is a directed boundary segment.
type edge struct{ a, b orb.Point }
