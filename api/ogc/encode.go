package ogc

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/paulmach/orb"
)

// A feature collection page is written by hand into one buffer: at 1,000
// plots a page, encoding/json's reflection over maps and orb's geometry
// types cost more than the lookup and the projection together. The
// output is plain GeoJSON; the tests decode it with encoding/json.

// appendJSONString appends s as a JSON string literal (jsontext's
// minimal form: UTF-8 passed through, quotes, backslashes and control
// characters escaped). Its only error is invalid UTF-8, which it has
// already written as U+FFFD: stored text is checked UTF-8 on the way in,
// so the error is not worth a failed page.
func appendJSONString(b []byte, s string) []byte {
	b, _ = jsontext.AppendQuote(b, s)
	return b
}

func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

func appendRing(b []byte, c outCRS, epsg int, r orb.Ring) []byte {
	b = append(b, '[')
	for i, p := range r {
		if i > 0 {
			b = append(b, ',')
		}
		q := c.fromPlane(epsg, p)
		b = append(b, '[')
		b = appendFloat(b, q[0])
		b = append(b, ',')
		b = appendFloat(b, q[1])
		b = append(b, ']')
	}
	return append(b, ']')
}

func appendPolygon(b []byte, c outCRS, epsg int, p orb.Polygon) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRing(b, c, epsg, r)
	}
	return append(b, ']')
}

// appendGeometry appends a plane geometry of zone epsg in c.
func appendGeometry(b []byte, c outCRS, epsg int, g orb.Geometry) []byte {
	switch g := g.(type) {
	case orb.MultiPolygon:
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPolygon(b, c, epsg, p)
		}
		return append(b, "]}"...)
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = appendPolygon(b, c, epsg, g)
		return append(b, '}')
	}
	return append(b, "null"...)
}

// appendFeature appends one feature of collection c as GeoJSON.
func appendFeature(b []byte, c *collection, f *feature, out outCRS) ([]byte, error) {
	b = append(b, `{"type":"Feature","id":`...)
	b = appendJSONString(b, f.id(c.id))
	b = append(b, `,"geometry":`...)
	if f.geom == nil {
		b = append(b, "null"...)
	} else {
		b = appendGeometry(b, out, f.epsg, f.geom)
	}
	b = append(b, `,"properties":`...)
	if p := f.plot; p != nil { // the hot case, without a map
		b = append(b, `{"unit":`...)
		b = appendJSONString(b, p.Key.Unit)
		b = append(b, `,"sheet":`...)
		b = strconv.AppendInt(b, int64(p.Key.Sheet), 10)
		b = append(b, `,"plot":`...)
		b = strconv.AppendInt(b, int64(p.Key.Plot), 10)
		b = append(b, `,"commune":`...)
		b = appendJSONString(b, p.Commune)
		b = append(b, `,"land_use":[`...)
		for i, u := range p.LandUse {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, u)
		}
		b = append(b, `],"legal_area":`...)
		b = appendFloat(b, p.LegalArea)
		b = append(b, `,"area":`...)
		b = appendFloat(b, p.Area)
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(p.Version), 10)
		b = append(b, `,"epsg":`...)
		b = strconv.AppendInt(b, int64(p.EPSG), 10)
		if p.Sheet != nil {
			b = append(b, `,"grid_number":`...)
			b = appendJSONString(b, p.Sheet.GridNumber)
		}
		return append(b, "}}"...), nil
	}
	pj, err := json.Marshal(f.properties())
	if err != nil {
		return b, err
	}
	b = append(b, pj...)
	return append(b, '}'), nil
}
