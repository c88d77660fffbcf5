// Package crs knows the coordinate reference systems of the Vietnamese
// cadastre: the 17 VN-2000 TM-3 provincial zones, WGS 84 and Web Mercator.
//
// The zone table is data (zones.csv, zones_proj.json, both embedded) so a
// wrong meridian or province can be corrected without touching code. The
// projection math is pure Go: plane <-> VN-2000 geographic uses the Krüger
// n-series (tmerc.go), VN-2000 <-> WGS 84 uses the EPSG:6960 Helmert
// transformation everywhere (helmert.go), never the Mekong-delta-only
// EPSG:5194 that PROJ may pick by area.
//
// Edge, area and tolerance checks belong in the zone plane; WGS 84 and Web
// Mercator are only for display and exchange.
package crs

//go:generate go run gen_proj.go

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// WGS84 is the EPSG code of WGS 84 geographic coordinates. This package
// always orders them longitude, latitude (as GeoJSON and OGC:CRS84 do),
// whatever the official EPSG:4326 axis order says.
const WGS84 = 4326

// WebMercator is the EPSG code of the spherical Web Mercator projection used
// by web map tiles.
const WebMercator = 3857

// ErrUnsupportedCRS is wrapped by ParseCRS errors so callers (HTTP handlers)
// can tell a bad CRS parameter from other failures with errors.Is.
var ErrUnsupportedCRS = errors.New("unsupported CRS")

// crs84Names are the spellings of OGC:CRS84 (WGS 84 with lon/lat order),
// upper-cased; OGC API Features clients send the http form.
var crs84Names = map[string]bool{
	"OGC:CRS84":                     true,
	"CRS84":                         true,
	"URN:OGC:DEF:CRS:OGC:1.3:CRS84": true,
	"URN:OGC:DEF:CRS:OGC::CRS84":    true,
	"HTTP://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84": true,
}

// epsgPrefixes are the spellings that precede an EPSG code, upper-cased.
// "URN:OGC:DEF:CRS:EPSG:" is followed by an optional version and a colon.
var epsgPrefixes = []string{
	"EPSG:",
	"HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/0/",
	"HTTPS://WWW.OPENGIS.NET/DEF/CRS/EPSG/0/",
}

const epsgURN = "URN:OGC:DEF:CRS:EPSG:"

// ParseCRS turns a CRS name as clients send it ("EPSG:9210", "epsg:9210",
// "urn:ogc:def:crs:EPSG::9210", "http://www.opengis.net/def/crs/EPSG/0/9210",
// "9210", "OGC:CRS84", ...) into an EPSG code. Only codes this service can
// transform are accepted: the 17 VN-2000 zones, WGS84 and WebMercator;
// anything else is an error wrapping ErrUnsupportedCRS, so a typo never
// silently falls back to a default. CRS84 maps to WGS84 (lon/lat order).
func ParseCRS(s string) (int, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if crs84Names[u] {
		return WGS84, nil
	}
	digits, ok := epsgDigits(u)
	if !ok {
		return 0, fmt.Errorf("crs %q: %w (want EPSG:<code> or OGC:CRS84)", s, ErrUnsupportedCRS)
	}
	code, err := strconv.Atoi(digits)
	if err != nil || !supported(code) {
		return 0, fmt.Errorf("crs %q: %w (known: VN-2000 TM-3 zones, 4326, 3857)", s, ErrUnsupportedCRS)
	}
	return code, nil
}

// epsgDigits strips a known EPSG prefix from an upper-cased name and returns
// the remaining code text, which must be all ASCII digits.
func epsgDigits(u string) (string, bool) {
	rest := u
	for _, p := range epsgPrefixes {
		if strings.HasPrefix(u, p) {
			rest = u[len(p):]
			break
		}
	}
	if strings.HasPrefix(u, epsgURN) {
		// urn:ogc:def:crs:EPSG:<version>:<code>; the version may be empty.
		version, code, ok := strings.Cut(u[len(epsgURN):], ":")
		if !ok || !onlyOf(version, "0123456789.") {
			return "", false
		}
		rest = code
	}
	if rest == "" || len(rest) > 9 || !onlyOf(rest, "0123456789") {
		return "", false
	}
	return rest, true
}

// onlyOf reports whether every byte of s is one of the bytes in set.
func onlyOf(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}

// supported reports whether code is one this package can transform.
func supported(code int) bool {
	if code == WGS84 || code == WebMercator {
		return true
	}
	_, ok := ZoneByEPSG(code)
	return ok
}
