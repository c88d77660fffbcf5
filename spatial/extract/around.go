package extract

import (
	"context"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// NeighbourPad is how far (m) around the stored and measured boundaries
// the neighbours of an extract are looked for.
const NeighbourPad = 5

// NeighboursIn returns the current plots of the read model within
// NeighbourPad metres of the stored plot or its measured boundary, in the
// same zone, the plot itself left out. The read model indexes Web
// Mercator bounds, so the plane box's four corners are projected.
func NeighboursIn(snap *index.Snapshot, stored *spatial.Plot, measured orb.MultiPolygon) []Neighbour {
	z, ok := crs.ZoneByEPSG(stored.EPSG)
	if !ok {
		return nil
	}
	b := stored.Geometry.Bound().Union(measured.Bound()).Pad(NeighbourPad)
	var mb orb.Bound
	for i, c := range []orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
		x, y := crs.LonLatToMercator(z.ToWGS84(c[0], c[1]))
		if i == 0 {
			mb = orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x, y}}
		}
		mb = mb.Extend(orb.Point{x, y})
	}
	var out []Neighbour
	snap.SearchPlots(mb.Pad(1), func(p *index.Plot) bool {
		if p.Key != stored.Key && int(p.EPSG) == stored.EPSG {
			out = append(out, Neighbour{Key: p.Key, Geometry: p.Geometry})
		}
		return true
	})
	return out
}

// NeighboursFrom returns the current plots of store within NeighbourPad
// metres of the stored plot or its measured boundary, in the same zone,
// the plot itself left out: NeighboursIn for callers without a read model
// (`cadastre validate`). It reads every current plot once.
func NeighboursFrom(ctx context.Context, store spatial.Store, stored *spatial.Plot, measured orb.MultiPolygon) ([]Neighbour, error) {
	b := stored.Geometry.Bound().Union(measured.Bound()).Pad(NeighbourPad)
	var out []Neighbour
	err := store.EachPlot(ctx, func(p *spatial.Plot) error {
		if p.Key != stored.Key && p.EPSG == stored.EPSG && !p.Retired && p.Geometry.Bound().Intersects(b) {
			out = append(out, Neighbour{Key: p.Key, Geometry: p.Geometry})
		}
		return nil
	})
	return out, err
}
