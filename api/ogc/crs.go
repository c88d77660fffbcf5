package ogc

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"cadastre/spatial/crs"
)

// The CRSs of Part 2, as OGC URIs. CRS84 is WGS 84 in longitude, latitude
// order (the GeoJSON default); EPSG:4326 is the same datum in the EPSG
// axis order, latitude first, as Part 2 (/req/crs/crs-uri, axis order)
// requires; the VN-2000 zones are in EPSG order too, which for those
// projected CRSs is easting, northing (x, y).
const (
	uriCRS84   = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	uriCRS84h  = "http://www.opengis.net/def/crs/OGC/0/CRS84h"
	epsgPrefix = "http://www.opengis.net/def/crs/EPSG/0/"
)

// outCRS is one CRS a response can be in.
type outCRS struct {
	code   int  // EPSG code; crs.WGS84 for both CRS84 and EPSG:4326
	latLon bool // EPSG:4326: latitude first
	uri    string
}

var crs84 = outCRS{code: crs.WGS84, uri: uriCRS84}

// crsURI returns the OGC URI of an EPSG code.
func crsURI(code int) string { return epsgPrefix + strconv.Itoa(code) }

// supportedCRS lists every CRS a collection answers in: CRS84 first (the
// default), then EPSG:4326, Web Mercator and every VN-2000 TM-3 zone.
func supportedCRS() []string {
	out := []string{uriCRS84, crsURI(crs.WGS84), crsURI(crs.WebMercator)}
	zones := crs.Zones()
	sort.Slice(zones, func(i, j int) bool { return zones[i].EPSG < zones[j].EPSG })
	for _, z := range zones {
		out = append(out, crsURI(z.EPSG))
	}
	return out
}

// parseCRS reads a crs, bbox-crs or filter-crs value: an OGC URI as
// the collections list them (Part 2 /req/crs/fc-crs-valid-value), or the
// short forms clients also send ("[EPSG:9210]", "EPSG:9210",
// "urn:ogc:def:crs:EPSG::9210", "[OGC:CRS84]"). EPSG:4326 in any spelling
// is latitude first; anything else is a 400 naming the parameter.
func parseCRS(param, v string) (outCRS, error) {
	name := strings.TrimSpace(v)
	if inner, ok := strings.CutPrefix(name, "["); ok { // a safe CURIE: [EPSG:9210]
		if name, ok = strings.CutSuffix(inner, "]"); !ok {
			return outCRS{}, badRequest("%s: %q opens a bracket it does not close", param, v)
		}
	}
	if strings.Contains(strings.ToUpper(name), "CRS84") && !strings.Contains(strings.ToUpper(name), "CRS84H") {
		if _, err := crs.ParseCRS(name); err == nil {
			return crs84, nil
		}
	}
	if code, err := crs.ParseCRS(name); err == nil && !strings.Contains(strings.ToUpper(name), "CRS84") {
		return outCRS{code: code, latLon: code == crs.WGS84, uri: crsURI(code)}, nil
	}
	return outCRS{}, badRequest("%s: %q is not a CRS this service offers (see the collection's crs list, e.g. %s or %s)", param, v, uriCRS84, crsURI(9210))
}

// toWGS84 returns lon, lat of a point given in c (axis order as c says).
func (c outCRS) toWGS84(p orb.Point) (lon, lat float64) {
	switch {
	case c.code == crs.WGS84 && c.latLon:
		return p[1], p[0]
	case c.code == crs.WGS84:
		return p[0], p[1]
	case c.code == crs.WebMercator:
		return crs.MercatorToLonLat(p[0], p[1])
	}
	z, _ := crs.ZoneByEPSG(c.code)
	return z.ToWGS84(p[0], p[1])
}

// fromPlane returns a point of zone epsg's plane in c, rounded: plane
// coordinates to the millimetre, degrees to 1e-9 (0.1 mm).
func (c outCRS) fromPlane(epsg int, p orb.Point) orb.Point {
	if c.code == epsg {
		return orb.Point{round(p[0], 1e3), round(p[1], 1e3)}
	}
	z, _ := crs.ZoneByEPSG(epsg)
	lon, lat := z.ToWGS84(p[0], p[1])
	switch {
	case c.code == crs.WGS84 && c.latLon:
		return orb.Point{round(lat, 1e9), round(lon, 1e9)}
	case c.code == crs.WGS84:
		return orb.Point{round(lon, 1e9), round(lat, 1e9)}
	case c.code == crs.WebMercator:
		x, y := crs.LonLatToMercator(lon, lat)
		return orb.Point{round(x, 1e3), round(y, 1e3)}
	}
	oz, _ := crs.ZoneByEPSG(c.code)
	e, n := oz.FromWGS84(lon, lat)
	return orb.Point{round(e, 1e3), round(n, 1e3)}
}

// toPlane returns a point given in c on zone epsg's plane.
func (c outCRS) toPlane(epsg int, p orb.Point) orb.Point {
	if c.code == epsg {
		return p
	}
	lon, lat := c.toWGS84(p)
	z, _ := crs.ZoneByEPSG(epsg)
	e, n := z.FromWGS84(lon, lat)
	return orb.Point{e, n}
}

func round(v, f float64) float64 { return math.Round(v*f) / f }

// header is the Content-Crs header value (Part 2 /req/crs/ogc-crs-header).
func (c outCRS) header() string { return "<" + c.uri + ">" }

func (c outCRS) String() string { return c.uri }
