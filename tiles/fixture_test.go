package tiles

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/grid"
	"cadastre/spatial/index"
)

// village is a test province: one 1:2000 sheet with a lattice of plots
// whose corners are jittered and shared by their neighbours (exactly equal
// coordinates, as in a real cadastral map), every third edge with an extra
// shared vertex in its middle, one plot with a hole filled by another
// plot, one plot in two parts and one tiny plot.
type village struct {
	sheet  *spatial.Sheet
	plots  []*spatial.Plot
	origin orb.Point // plane south-west corner of the lattice
}

const (
	vEPSG  = 9210
	vUnit  = "27001"
	vCols  = 24
	vRows  = 24
	vCell  = 25.0 // metres
	vSheet = 3
)

func newVillage(t testing.TB, seed uint64) *village {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	num, f, err := grid.SheetAt(grid.Scale2000, 600300, 1191700)
	if err != nil {
		t.Fatal(err)
	}
	frame := orb.Ring{{f.MinE, f.MinN}, {f.MaxE, f.MinN}, {f.MaxE, f.MaxN}, {f.MinE, f.MaxN}, {f.MinE, f.MinN}}
	v := &village{origin: orb.Point{f.MinE + 100, f.MinN + 100},
		sheet: &spatial.Sheet{Key: spatial.SheetKey{Unit: vUnit, Number: vSheet}, GridNumber: num, Scale: grid.Scale2000, EPSG: vEPSG, Frame: orb.MultiPolygon{{frame}}}}
	corner := make([][]orb.Point, vCols+1)
	for i := range corner {
		corner[i] = make([]orb.Point, vRows+1)
		for j := range corner[i] {
			jx, jy := (rng.Float64()-0.5)*8, (rng.Float64()-0.5)*8
			if i == 0 || j == 0 || i == vCols || j == vRows {
				jx, jy = 0, 0
			}
			corner[i][j] = orb.Point{v.origin[0] + float64(i)*vCell + jx, v.origin[1] + float64(j)*vCell + jy}
		}
	}
	mid := func(a, b orb.Point, i, j int) []orb.Point {
		if (i+2*j)%3 != 0 {
			return nil
		}
		return []orb.Point{{(a[0]+b[0])/2 + 0.8, (a[1]+b[1])/2 - 0.6}}
	}
	n := 0
	for i := range vCols {
		for j := range vRows {
			a, b, c, d := corner[i][j], corner[i+1][j], corner[i+1][j+1], corner[i][j+1]
			r := orb.Ring{a}
			r = append(r, mid(a, b, 2*i+1, 2*j)...) // bottom edge, shared with the plot below
			r = append(r, b)
			r = append(r, mid(b, c, 2*i+2, 2*j+1)...)
			r = append(r, c)
			r = append(r, mid(d, c, 2*i+1, 2*j+2)...) // same key as the next row's bottom edge
			r = append(r, d)
			r = append(r, reversed(mid(a, d, 2*i, 2*j+1))...)
			r = append(r, a)
			n++
			v.plots = append(v.plots, v.plot(n, orb.MultiPolygon{{r}}))
		}
	}
	v.special()
	return v
}

func reversed(p []orb.Point) []orb.Point {
	out := make([]orb.Point, len(p))
	for i := range p {
		out[len(p)-1-i] = p[i]
	}
	return out
}

// special adds the plots that are not lattice cells, east of the lattice.
func (v *village) special() {
	e0, n0 := v.origin[0]+vCols*vCell+20, v.origin[1]
	sq := func(e, n, w, h float64) orb.Ring {
		return orb.Ring{{e, n}, {e + w, n}, {e + w, n + h}, {e, n + h}, {e, n}}
	}
	hole := sq(e0+15, n0+15, 10, 10)
	holed := orb.Polygon{sq(e0, n0, 40, 40), reversed(hole)}
	v.plots = append(v.plots, v.plot(9001, orb.MultiPolygon{holed}))
	v.plots = append(v.plots, v.plot(9002, orb.MultiPolygon{{hole}}))
	v.plots = append(v.plots, v.plot(9003, orb.MultiPolygon{{sq(e0, n0+60, 20, 20)}, {sq(e0+30, n0+60, 20, 20)}}))
	v.plots = append(v.plots, v.plot(9004, orb.MultiPolygon{{sq(e0, n0+100, 0.05, 0.05)}}))
}

func (v *village) plot(n int, g orb.MultiPolygon) *spatial.Plot {
	p := &spatial.Plot{Key: spatial.PlotKey{Unit: vUnit, Sheet: vSheet, Plot: n}, Commune: "27002", EPSG: vEPSG,
		Geometry: g, LandUse: []string{"ONT", "CLN"}, LegalArea: float64(100 + n%7)}
	if n%5 == 0 {
		p.LegalArea = 0
	}
	p.Normalize()
	p.Version.Version = 1
	return p
}

func (v *village) EachPlot(_ context.Context, fn func(*spatial.Plot) error) error {
	for _, p := range v.plots {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (v *village) Sheets(context.Context, string) ([]*spatial.Sheet, error) {
	return []*spatial.Sheet{v.sheet}, nil
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// index builds a ready index of the village.
func (v *village) index(t testing.TB) *index.Index {
	t.Helper()
	ix := index.New()
	if _, err := ix.Build(context.Background(), v, quiet); err != nil {
		t.Fatal(err)
	}
	return ix
}

// tileAt returns the tile at zoom z containing a plane point of the zone.
func tileAt(z maptile.Zoom, e, n float64) maptile.Tile {
	zone, _ := crs.ZoneByEPSG(vEPSG)
	lon, lat := zone.ToWGS84(e, n)
	return maptile.At(orb.Point{lon, lat}, z)
}

// center returns the plane centre of the lattice.
func (v *village) center() (float64, float64) {
	return v.origin[0] + vCols*vCell/2, v.origin[1] + vRows*vCell/2
}

func (v *village) byKey() map[int]*spatial.Plot {
	m := map[int]*spatial.Plot{}
	for _, p := range v.plots {
		m[p.Key.Plot] = p
	}
	return m
}

func tileName(t maptile.Tile) string { return fmt.Sprintf("%d/%d/%d", t.Z, t.X, t.Y) }
