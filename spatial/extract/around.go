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
// NeighbourPad metres of the stored plot or of its measured boundary, in
// the same zone, the plot itself left out. The two are searched apart: a
// boundary given in the wrong zone lies kilometres away, and the box
// around both would hold a district. The read model indexes Web Mercator
// bounds, so each plane box's four corners are projected.
func NeighboursIn(snap *index.Snapshot, stored *spatial.Plot, measured orb.MultiPolygon) []Neighbour {
	z, ok := crs.ZoneByEPSG(stored.EPSG)
	if !ok {
		return nil
	}
	var out []Neighbour
	seen := map[spatial.PlotKey]bool{stored.Key: true}
	for _, b := range searchBounds(stored.Geometry, measured) {
		var mb orb.Bound
		for i, c := range []orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
			x, y := crs.LonLatToMercator(z.ToWGS84(c[0], c[1]))
			if i == 0 {
				mb = orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x, y}}
			}
			mb = mb.Extend(orb.Point{x, y})
		}
		snap.SearchPlots(mb.Pad(1), func(p *index.Plot) bool {
			if !seen[p.Key] && int(p.EPSG) == stored.EPSG {
				seen[p.Key] = true
				out = append(out, Neighbour{Key: p.Key, Geometry: p.Geometry})
			}
			return true
		})
	}
	return out
}

// searchBounds returns the plane boxes the neighbours are looked for in:
// one around both boundaries when they overlap, else one around each.
func searchBounds(stored, measured orb.MultiPolygon) []orb.Bound {
	sb, mb := stored.Bound().Pad(NeighbourPad), measured.Bound().Pad(NeighbourPad)
	if len(measured) == 0 {
		return []orb.Bound{sb}
	}
	if sb.Intersects(mb) {
		return []orb.Bound{sb.Union(mb)}
	}
	return []orb.Bound{sb, mb}
}

// NeighboursFrom returns the current plots of store within NeighbourPad
// metres of the stored plot or its measured boundary, in the same zone,
// the plot itself left out: NeighboursIn for callers without a read model
// (`cadastre validate`). It reads every current plot once.
func NeighboursFrom(ctx context.Context, store spatial.Store, stored *spatial.Plot, measured orb.MultiPolygon) ([]Neighbour, error) {
	bs := searchBounds(stored.Geometry, measured)
	var out []Neighbour
	err := store.EachPlot(ctx, func(p *spatial.Plot) error {
		if p.Key == stored.Key || p.EPSG != stored.EPSG || p.Retired {
			return nil
		}
		pb := p.Geometry.Bound()
		for _, b := range bs {
			if pb.Intersects(b) {
				out = append(out, Neighbour{Key: p.Key, Geometry: p.Geometry})
				break
			}
		}
		return nil
	})
	return out, err
}
