package postgis

import (
	"encoding/binary"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"
	"github.com/twpayne/go-geom/encoding/wkb"

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

// polygonEWKB encodes a polygon as EWKB with the given SRID.
func polygonEWKB(p orb.Polygon, srid int) ([]byte, error) {
	ends, flat := appendPolygon(nil, p)
	g := geom.NewPolygonFlat(geom.XY, flat, ends).SetSRID(srid)
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

// decodeMultiPolygon decodes WKB (ST_AsBinary) into an orb multipolygon.
func decodeMultiPolygon(data []byte) (orb.MultiPolygon, error) {
	g, err := wkb.Unmarshal(data)
	if err != nil {
		return nil, err
	}
	mp, ok := g.(*geom.MultiPolygon)
	if !ok {
		return nil, fmt.Errorf("stored geometry is %T, want a multipolygon", g)
	}
	out := make(orb.MultiPolygon, mp.NumPolygons())
	for i := range out {
		out[i] = toPolygon(mp.Polygon(i))
	}
	return out, nil
}

// decodePolygon decodes WKB (ST_AsBinary) into an orb polygon.
func decodePolygon(data []byte) (orb.Polygon, error) {
	g, err := wkb.Unmarshal(data)
	if err != nil {
		return nil, err
	}
	p, ok := g.(*geom.Polygon)
	if !ok {
		return nil, fmt.Errorf("stored geometry is %T, want a polygon", g)
	}
	return toPolygon(p), nil
}

func toPolygon(p *geom.Polygon) orb.Polygon {
	out := make(orb.Polygon, p.NumLinearRings())
	for i := range out {
		flat := p.LinearRing(i).FlatCoords()
		r := make(orb.Ring, len(flat)/2)
		for j := range r {
			r[j] = orb.Point{flat[2*j], flat[2*j+1]}
		}
		out[i] = r
	}
	return out
}

// multiPolygonLonLat converts a plane multipolygon of zone to WGS 84
// lon/lat with the package crs (EPSG:6960 everywhere), not ST_Transform,
// which may let PROJ choose EPSG:5194 in the Mekong delta (DOMAIN.md).
func multiPolygonLonLat(mp orb.MultiPolygon, zone crs.Zone) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = polygonLonLat(p, zone)
	}
	return out
}

// polygonLonLat converts a plane polygon of zone to WGS 84 lon/lat.
func polygonLonLat(p orb.Polygon, zone crs.Zone) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		nr := make(orb.Ring, len(r))
		for j, pt := range r {
			lon, lat := zone.ToWGS84(pt[0], pt[1])
			nr[j] = orb.Point{lon, lat}
		}
		out[i] = nr
	}
	return out
}
