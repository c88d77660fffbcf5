package gpkg

import (
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

// plotGrid lays plots out as the cells of a 10 m grid over a 1:1000 sheet
// (50 x 50 cells). With jitter, the inner vertices move by up to jitter
// metres: neighbours become irregular quadrilaterals whose boxes overlap
// but which still share their edges exactly. The border vertices stay put,
// so the plots of adjacent sheets share edges too. A vertex's offset
// depends only on seed and its position, so any chunk of cells can be
// built on its own.
type plotGrid struct {
	sheet  *spatial.Sheet
	jitter float64
	seed   uint64
}

const gridSide = 50 // cells per row and column

// newPlotGrid returns the grid of sheet number of unit B holding the point
// (e, n) of zone A.
func newPlotGrid(t testing.TB, number int, e, n, jitter float64, seed uint64) plotGrid {
	return plotGrid{sheet: storetest.SheetAt(t, storetest.UnitB, number, storetest.ZoneA, e, n), jitter: jitter, seed: seed}
}

func (g plotGrid) vertex(i, j int) orb.Point {
	f := g.sheet.FrameBound()
	p := orb.Point{f.Min[0] + 10*float64(i), f.Min[1] + 10*float64(j)}
	if g.jitter == 0 || i == 0 || j == 0 || i == gridSide || j == gridSide {
		return p
	}
	h := splitmix(g.seed ^ uint64(i)<<32 ^ uint64(j))
	dx := float64(h&0xffff)/0xffff*2 - 1
	dy := float64(h>>16&0xffff)/0xffff*2 - 1
	return orb.Point{p[0] + dx*g.jitter, p[1] + dy*g.jitter}
}

// plot returns cell k (row by row from the south-west), numbered k+1.
func (g plotGrid) plot(k int) *spatial.Plot {
	i, j := k%gridSide, k/gridSide
	p := storetest.Square(g.sheet.Key.Unit, g.sheet.Key.Number, k+1, g.sheet.EPSG, 0, 0, 1)
	p.Geometry = orb.MultiPolygon{{{g.vertex(i, j), g.vertex(i+1, j), g.vertex(i+1, j+1), g.vertex(i, j+1), g.vertex(i, j)}}}
	p.LegalArea = 100
	return p
}

// plots returns cells from to to-1.
func (g plotGrid) plots(from, to int) []*spatial.Plot {
	out := make([]*spatial.Plot, 0, to-from)
	for k := from; k < to; k++ {
		out = append(out, g.plot(k))
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
