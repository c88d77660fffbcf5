package gpkg

import (
	"testing"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

// plotGrid is storetest.PlotGrid under the names these tests use.
type plotGrid struct {
	storetest.PlotGrid
	sheet *spatial.Sheet
}

const gridSide = storetest.GridSide

func newPlotGrid(t testing.TB, number int, e, n, jitter float64, seed uint64) plotGrid {
	g := storetest.NewPlotGrid(t, number, e, n, jitter, seed)
	return plotGrid{PlotGrid: g, sheet: g.Sheet}
}

func (g plotGrid) plots(from, to int) []*spatial.Plot { return g.Plots(from, to) }
