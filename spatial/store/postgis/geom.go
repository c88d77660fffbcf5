package postgis

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	orbwkb "github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"

	"cadastre/spatial/crs"
)

// Geometry crosses into and out of PostGIS here and nowhere else: orb in the
// domain, go-geom (E)WKB on the wire. Coordinates are copied as float64 bits,
// so a stored plot reads back equal to the coordinate.

// multiPolygonEWKB encodes a plane multipolygon as EWKB with its zone SRID,
// the binary form PostGIS's geometry_recv accepts in COPY.
func multiPolygonEWKB(mp orb.MultiPolygon, srid int) ([]byte, error) {
	var flat []float64
	endss := make([][]int, len(mp))
	for i, p := range mp {
		endss[i], flat = appendPolygon(flat, p)
	}
	g := geom.NewMultiPolygonFlat(geom.XY, flat, endss).SetSRID(srid)
	return ewkb.Marshal(g, binary.LittleEndian)
}

// appendPolygon appends the rings of p to flat and returns the ring ends.
func appendPolygon(flat []float64, p orb.Polygon) ([]int, []float64) {
	ends := make([]int, len(p))
	for i, r := range p {
		for _, pt := range r {
			flat = append(flat, pt[0], pt[1])
		}
		ends[i] = len(flat)
	}
	return ends, flat
}

// decodeMultiPolygon decodes WKB (ST_AsBinary) into an orb multipolygon,
// with orb's own decoder (one allocation per ring; going through go-geom
// cost twice that, and reading a province for the index spends its time
// here).
func decodeMultiPolygon(data []byte) (orb.MultiPolygon, error) {
	g, err := orbwkb.Unmarshal(data)
	if err != nil {
		return nil, err
	}
	switch g := g.(type) {
	case orb.MultiPolygon:
		return g, nil
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	}
	return nil, fmt.Errorf("stored geometry is %s, want a multipolygon", g.GeoJSONType())
}

// multiPolygonLonLat converts a plane multipolygon of zone to WGS 84
// lon/lat with the package crs (EPSG:6960 everywhere), not ST_Transform,
// which may let PROJ choose EPSG:5194 in the Mekong delta (DOMAIN.md).
func multiPolygonLonLat(mp orb.MultiPolygon, zone crs.Zone) orb.MultiPolygon {
	return (*lonLatCache)(nil).multiPolygon(mp, zone)
}

// lonLatCache converts plane points to WGS 84 lon/lat, remembering the
// last few tens of thousands: neighbouring plots share their boundary
// points (three plots a point, in a partition of the land), and a write
// comes sheet by sheet, so most points of a chunk were converted for a
// neighbour already (the conversion was a tenth of an ingest's CPU time).
// The same point gives the same result either way. The zero value is
// ready; a nil cache converts every point (a one-off geometry, a sheet
// frame). It is not safe for concurrent use.
type lonLatCache struct {
	epsg int // the zone of the points in m
	m    map[orb.Point]orb.Point
}

// lonLatCacheSize bounds the points remembered (about 2.5 MB).
const lonLatCacheSize = 1 << 16

func (c *lonLatCache) multiPolygon(mp orb.MultiPolygon, zone crs.Zone) orb.MultiPolygon {
	if c != nil && (c.m == nil || c.epsg != zone.EPSG || len(c.m) > lonLatCacheSize) {
		if c.m == nil {
			c.m = map[orb.Point]orb.Point{}
		}
		clear(c.m)
		c.epsg = zone.EPSG
	}
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		poly := make(orb.Polygon, len(p))
		for k, r := range p {
			nr := make(orb.Ring, len(r))
			for j, pt := range r {
				ll, ok := orb.Point{}, false
				if c != nil {
					ll, ok = c.m[pt]
				}
				if !ok {
					lon, lat := zone.ToWGS84(pt[0], pt[1])
					ll = orb.Point{lon, lat}
					if c != nil {
						c.m[pt] = ll
					}
				}
				nr[j] = ll
			}
			poly[k] = nr
		}
		out[i] = poly
	}
	return out
}

// wkbBound returns the bound of a WKB polygon or multipolygon (as
// ST_AsBinary writes them) by walking its coordinates, without building
// the geometry: the overlap search needs the bounds of every plot around a
// page but the geometry of only a few. Hand-written because go-geom and orb
// decode whole geometries; PostGIS's ST_XMin and friends cost more than
// this and the row they read.
func wkbBound(b []byte) (orb.Bound, error) {
	r := wkbReader{b: b}
	bound := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	polygon := func() {
		rings := r.uint32()
		for range rings {
			n := r.uint32()
			if r.err != nil || uint64(n)*16 > uint64(len(r.b)-r.at) {
				r.fail()
				return
			}
			for range n {
				x, y := r.float64(), r.float64()
				bound.Min[0], bound.Min[1] = math.Min(bound.Min[0], x), math.Min(bound.Min[1], y)
				bound.Max[0], bound.Max[1] = math.Max(bound.Max[0], x), math.Max(bound.Max[1], y)
			}
		}
	}
	switch r.header() {
	case 3:
		polygon()
	case 6:
		parts := r.uint32()
		for range parts {
			if r.err == nil && r.header() != 3 {
				r.fail()
			}
			if r.err != nil {
				break
			}
			polygon()
		}
	default:
		r.fail()
	}
	if r.err != nil {
		return orb.Bound{}, r.err
	}
	if bound.Min[0] > bound.Max[0] {
		return orb.Bound{}, errors.New("wkb: empty geometry")
	}
	return bound, nil
}

// wkbReader reads the parts of a WKB geometry; the first error sticks.
type wkbReader struct {
	b     []byte
	at    int
	order binary.ByteOrder
	err   error
}

func (r *wkbReader) fail() {
	if r.err == nil {
		r.err = errors.New("wkb: not a polygon or multipolygon of x, y")
	}
}

// header reads a byte order and a geometry type (2D types only).
func (r *wkbReader) header() uint32 {
	if r.err != nil || r.at >= len(r.b) {
		r.fail()
		return 0
	}
	switch r.b[r.at] {
	case 0:
		r.order = binary.BigEndian
	case 1:
		r.order = binary.LittleEndian
	default:
		r.fail()
		return 0
	}
	r.at++
	return r.uint32()
}

func (r *wkbReader) uint32() uint32 {
	if r.err != nil || r.at+4 > len(r.b) {
		r.fail()
		return 0
	}
	v := r.order.Uint32(r.b[r.at:])
	r.at += 4
	return v
}

func (r *wkbReader) float64() float64 {
	if r.err != nil || r.at+8 > len(r.b) {
		r.fail()
		return 0
	}
	v := math.Float64frombits(r.order.Uint64(r.b[r.at:]))
	r.at += 8
	return v
}
