package index

import (
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/crs"
)

// Point is a query location: WGS 84 lon/lat, plus the plane coordinates
// when the caller gave them (then they are used as given for plots of that
// zone, so a plane query is exact).
type Point struct {
	Lon, Lat float64
	EPSG     int     // zone of E/N; 0 if the query came as lon/lat
	E, N     float64 // plane metres in EPSG
}

// LonLat returns a query point from WGS 84 degrees.
func LonLat(lon, lat float64) Point { return Point{Lon: lon, Lat: lat} }

// Plane returns a query point from plane coordinates of a VN-2000 zone.
func Plane(z crs.Zone, e, n float64) Point {
	lon, lat := z.ToWGS84(e, n)
	return Point{Lon: lon, Lat: lat, EPSG: z.EPSG, E: e, N: n}
}

// in returns the point on the plane of zone epsg.
func (p Point) in(epsg int32) orb.Point {
	if int(epsg) == p.EPSG {
		return orb.Point{p.E, p.N}
	}
	z, _ := crs.ZoneByEPSG(int(epsg))
	e, n := z.FromWGS84(p.Lon, p.Lat)
	return orb.Point{e, n}
}

func (p Point) merc() [2]float64 {
	x, y := crs.LonLatToMercator(p.Lon, p.Lat)
	return [2]float64{x, y}
}

// Hit is a plot found at a point.
type Hit struct {
	Plot     *Plot
	Location Location // Inside or Boundary
}

// At calls fn for every plot containing q (inside or on its boundary), in
// key order, until fn returns false. R-tree search at the point, then the
// exact test on the plot's own plane.
func (s *Snapshot) At(q Point, fn func(Hit) bool) {
	m := q.merc()
	var buf [4]Hit // a point is in one plot, or on the border of a few: no allocation
	hits := buf[:0]
	s.plots.Search(m, m, func(_, _ [2]float64, p *Plot) bool {
		if loc := Locate(p.Geometry, q.in(p.EPSG)); loc != Outside {
			hits = append(hits, Hit{Plot: p, Location: loc})
		}
		return true
	})
	if len(hits) > 1 {
		slices.SortFunc(hits, func(a, b Hit) int { return comparePlotKey(a.Plot.Key, b.Plot.Key) })
	}
	for _, h := range hits {
		if !fn(h) {
			return
		}
	}
}

// Near is the plot nearest to a point and its distance in metres on the
// plot's plane.
type Near struct {
	Plot     *Plot
	Distance float64
}

// Nearest returns the plot whose boundary is nearest to q within maxDist
// metres, if any.
func (s *Snapshot) Nearest(q Point, maxDist float64) (Near, bool) {
	m := q.merc()
	// Web Mercator stretches ground distances by 1/cos(lat); search a box
	// that covers maxDist on the ground, then measure exactly on the plane.
	r := maxDist / math.Cos(q.Lat*math.Pi/180) * 1.01
	best, found := Near{Distance: math.Inf(1)}, false
	s.plots.Search([2]float64{m[0] - r, m[1] - r}, [2]float64{m[0] + r, m[1] + r}, func(_, _ [2]float64, p *Plot) bool {
		d := distance(p.Geometry, q.in(p.EPSG))
		if d <= maxDist && (d < best.Distance || (d == best.Distance && comparePlotKey(p.Key, best.Plot.Key) < 0)) {
			best, found = Near{Plot: p, Distance: d}, true
		}
		return true
	})
	return best, found
}

// distance returns the distance from q to the nearest edge of mp.
func distance(mp orb.MultiPolygon, q orb.Point) float64 {
	d := math.Inf(1)
	for _, poly := range mp {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				d = min(d, segDist(r[i], r[i+1], q))
			}
		}
	}
	return d
}

func segDist(a, b, q orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = max(0, min(1, ((q[0]-a[0])*dx+(q[1]-a[1])*dy)/l2))
	}
	return math.Hypot(q[0]-(a[0]+t*dx), q[1]-(a[1]+t*dy))
}

// InBox calls fn, in key order starting after the key `after` (zero key:
// from the start), for every plot whose bound intersects the Web Mercator
// box, until fn returns false. The order makes a stable paging cursor.
func (s *Snapshot) InBox(box orb.Bound, after spatial.PlotKey, fn func(*Plot) bool) {
	var ps []*Plot
	s.plots.Search(box.Min, box.Max, func(_, _ [2]float64, p *Plot) bool {
		if after == (spatial.PlotKey{}) || comparePlotKey(p.Key, after) > 0 {
			ps = append(ps, p)
		}
		return true
	})
	sort.Slice(ps, func(i, j int) bool { return comparePlotKey(ps[i].Key, ps[j].Key) < 0 })
	for _, p := range ps {
		if !fn(p) {
			return
		}
	}
}

// SheetsAt calls fn for every sheet whose nominal frame contains q.
func (s *Snapshot) SheetsAt(q Point, fn func(*Sheet) bool) {
	m := q.merc()
	s.sheets.Search(m, m, func(_, _ [2]float64, sh *Sheet) bool {
		pt := q.in(sh.EPSG)
		if len(sh.Frame) > 0 && Locate(sh.Frame, pt) != Outside {
			return fn(sh)
		}
		return true
	})
}
