package ogc

import (
	"github.com/paulmach/orb"

	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// region is a query area (a bbox, later a filter geometry) as a polygon
// in WGS 84 lon/lat, densified so that its image on a TM-3 plane or on Web
// Mercator follows the curved edges to well under a millimetre at
// cadastral extents; planes caches its image per zone.
type region struct {
	polys  orb.MultiPolygon // lon/lat
	lines  []orb.LineString
	points []orb.Point
	merc   orb.Bound
	planes map[int]planeRegion
}

type planeRegion struct {
	polys  orb.MultiPolygon
	lines  []orb.LineString
	points []orb.Point
	bound  orb.Bound
}

// bboxRegion builds the region of a bbox given in c: minx, miny, maxx,
// maxy in c's axis order (for EPSG:4326 that is lat, lon).
func bboxRegion(c outCRS, b [4]float64) *region {
	const steps = 16
	a, z := orb.Point{b[0], b[1]}, orb.Point{b[2], b[3]}
	corners := []orb.Point{a, {z[0], a[1]}, z, {a[0], z[1]}, a}
	var ring orb.Ring
	for i := 0; i < 4; i++ {
		p, q := corners[i], corners[i+1]
		for s := 0; s < steps; s++ {
			t := float64(s) / steps
			lon, lat := c.toWGS84(orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])})
			ring = append(ring, orb.Point{lon, lat})
		}
	}
	ring = append(ring, ring[0])
	return newRegion(orb.Polygon{ring})
}

func newRegion(lonlat orb.Polygon) *region {
	return newRegionOf(orb.MultiPolygon{lonlat}, nil, nil)
}

// newRegionOf builds a region of lon/lat polygons, lines and points.
func newRegionOf(polys orb.MultiPolygon, lines []orb.LineString, points []orb.Point) *region {
	r := &region{polys: polys, lines: lines, points: points, planes: map[int]planeRegion{}}
	first := true
	add := func(p orb.Point) {
		x, y := crs.LonLatToMercator(p[0], p[1])
		if first {
			r.merc, first = orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x, y}}, false
		} else {
			r.merc = r.merc.Extend(orb.Point{x, y})
		}
	}
	for _, poly := range polys {
		for _, ring := range poly {
			for _, p := range ring {
				add(p)
			}
		}
	}
	for _, l := range lines {
		for _, p := range l {
			add(p)
		}
	}
	for _, p := range points {
		add(p)
	}
	return r
}

// plane returns the region on zone epsg's plane.
func (r *region) plane(epsg int) planeRegion {
	if pr, ok := r.planes[epsg]; ok {
		return pr
	}
	z, _ := crs.ZoneByEPSG(epsg)
	conv := func(p orb.Point) orb.Point {
		e, n := z.FromWGS84(p[0], p[1])
		return orb.Point{e, n}
	}
	var pr planeRegion
	first := true
	ext := func(p orb.Point) {
		if first {
			pr.bound, first = orb.Bound{Min: p, Max: p}, false
		} else {
			pr.bound = pr.bound.Extend(p)
		}
	}
	for _, poly := range r.polys {
		out := make(orb.Polygon, len(poly))
		for i, ring := range poly {
			o := make(orb.Ring, len(ring))
			for j, p := range ring {
				o[j] = conv(p)
				ext(o[j])
			}
			out[i] = o
		}
		pr.polys = append(pr.polys, out)
	}
	for _, l := range r.lines {
		o := make(orb.LineString, len(l))
		for j, p := range l {
			o[j] = conv(p)
			ext(o[j])
		}
		pr.lines = append(pr.lines, o)
	}
	for _, p := range r.points {
		q := conv(p)
		ext(q)
		pr.points = append(pr.points, q)
	}
	r.planes[epsg] = pr
	return pr
}

// intersects reports whether a plane geometry of zone epsg shares a point
// with the region (boundaries touching count, as in S_INTERSECTS).
func (r *region) intersects(epsg int, g orb.Geometry) bool {
	if g == nil {
		return false
	}
	pr := r.plane(epsg)
	gb := g.Bound()
	if !pr.bound.Intersects(gb) {
		return false
	}
	mp := asMulti(g)
	for _, q := range pr.points {
		if gb.Contains(q) && index.Locate(mp, q) != index.Outside {
			return true
		}
	}
	for _, l := range pr.lines {
		for _, q := range l {
			if index.Locate(mp, q) != index.Outside {
				return true
			}
		}
		if edgesCross(mp, [][]orb.Point{l}) {
			return true
		}
	}
	if len(pr.polys) == 0 {
		return false
	}
	for _, poly := range mp {
		for _, ring := range poly {
			for _, p := range ring {
				if index.Locate(pr.polys, p) != index.Outside {
					return true
				}
			}
		}
	}
	var rings [][]orb.Point
	for _, poly := range pr.polys {
		for _, ring := range poly {
			for _, p := range ring {
				if index.Locate(mp, p) != index.Outside {
					return true
				}
			}
			rings = append(rings, ring)
		}
	}
	return edgesCross(mp, rings)
}

// edgesCross reports whether an edge of mp meets a segment of a path.
func edgesCross(mp orb.MultiPolygon, paths [][]orb.Point) bool {
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				for _, rr := range paths {
					for j := 0; j+1 < len(rr); j++ {
						if segmentsCross(ring[i], ring[i+1], rr[j], rr[j+1]) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

func asMulti(g orb.Geometry) orb.MultiPolygon {
	switch g := g.(type) {
	case orb.MultiPolygon:
		return g
	case orb.Polygon:
		return orb.MultiPolygon{g}
	}
	return nil
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// segmentsCross reports whether segments ab and cd share a point.
func segmentsCross(a, b, c, d orb.Point) bool {
	d1, d2 := orient(c, d, a), orient(c, d, b)
	d3, d4 := orient(a, b, c), orient(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	on := func(p, q, r orb.Point) bool {
		return min(p[0], q[0]) <= r[0] && r[0] <= max(p[0], q[0]) && min(p[1], q[1]) <= r[1] && r[1] <= max(p[1], q[1])
	}
	return (d1 == 0 && on(c, d, a)) || (d2 == 0 && on(c, d, b)) || (d3 == 0 && on(a, b, c)) || (d4 == 0 && on(a, b, d))
}

// transform returns g (plane of epsg) in c, rounded.
func toCRS(c outCRS, epsg int, g orb.Geometry) orb.Geometry {
	ring := func(r orb.Ring) orb.Ring {
		out := make(orb.Ring, len(r))
		for i, p := range r {
			out[i] = c.fromPlane(epsg, p)
		}
		return out
	}
	poly := func(p orb.Polygon) orb.Polygon {
		out := make(orb.Polygon, len(p))
		for i, r := range p {
			out[i] = ring(r)
		}
		return out
	}
	switch g := g.(type) {
	case orb.Polygon:
		return poly(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = poly(p)
		}
		return out
	case orb.Point:
		return c.fromPlane(epsg, g)
	}
	return g
}
