package storetest

import (
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// PlotGrid lays plots out as the cells of a 10 m grid over a 1:1000 sheet
// (GridSide x GridSide cells). With jitter, the inner vertices move by up
// to jitter metres: neighbours become irregular quadrilaterals whose boxes
// overlap but which still share their edges exactly, as on a real map. The
// border vertices stay put, so the plots of adjacent sheets share edges
// too. A vertex's offset depends only on seed and its position, so any
// run of cells can be built on its own.
type PlotGrid struct {
	Sheet  *spatial.Sheet
	jitter float64
	seed   uint64
}

// GridSide is the number of cells per row and column of a PlotGrid.
const GridSide = 50

// NewPlotGrid returns the grid of sheet number of unit B holding the
// point (e, n) of zone A.
func NewPlotGrid(t testing.TB, number int, e, n, jitter float64, seed uint64) PlotGrid {
	return PlotGrid{Sheet: SheetAt(t, UnitB, number, ZoneA, e, n), jitter: jitter, seed: seed}
}

// Vertex returns grid vertex (i, j), 0 to GridSide each way.
func (g PlotGrid) Vertex(i, j int) orb.Point {
	f := g.Sheet.FrameBound()
	p := orb.Point{f.Min[0] + 10*float64(i), f.Min[1] + 10*float64(j)}
	if g.jitter == 0 || i == 0 || j == 0 || i == GridSide || j == GridSide {
		return p
	}
	h := splitmix(g.seed ^ uint64(i)<<32 ^ uint64(j))
	dx := float64(h&0xffff)/0xffff*2 - 1
	dy := float64(h>>16&0xffff)/0xffff*2 - 1
	return orb.Point{p[0] + dx*g.jitter, p[1] + dy*g.jitter}
}

// Plot returns cell k (row by row from the south-west), numbered k+1.
func (g PlotGrid) Plot(k int) *spatial.Plot {
	i, j := k%GridSide, k/GridSide
	p := Square(g.Sheet.Key.Unit, g.Sheet.Key.Number, k+1, g.Sheet.EPSG, 0, 0, 1)
	p.Geometry = orb.MultiPolygon{{{g.Vertex(i, j), g.Vertex(i+1, j), g.Vertex(i+1, j+1), g.Vertex(i, j+1), g.Vertex(i, j)}}}
	p.LegalArea = 100
	return p
}

// Plots returns cells from to to-1.
func (g PlotGrid) Plots(from, to int) []*spatial.Plot {
	out := make([]*spatial.Plot, 0, to-from)
	for k := from; k < to; k++ {
		out = append(out, g.Plot(k))
	}
	return out
}

// splitmix is the SplitMix64 finaliser: a cheap, well-mixed hash.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
