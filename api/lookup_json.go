package api

import (
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// The answer of GET /api/v1/plots/at is appended by hand into a pooled
// buffer: the lookup's hot path. The bytes are exactly those
// json.NewEncoder(w).Encode(atResponse(...)) writes (encoding/json's
// escaping with HTML-safe escapes, its float format, the trailing newline;
// lookup_json_test.go compares the two on many plots and odd strings).
// Anything it cannot write identically (a NaN or an infinite number) makes
// the handler fall back to encoding/json.

// jsonBufs holds answer buffers between requests.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// maxPooledJSON is the largest buffer put back into the pool: a rare huge
// answer should not pin its memory.
const maxPooledJSON = 64 << 10

// writeAt answers a point lookup: the hits in key order and, when nothing
// contains the point, the nearest plot (or nil).
func writeAt(w http.ResponseWriter, o outCRS, hits []index.Hit, near *index.Near) {
	bp := jsonBufs.Get().(*[]byte)
	b, ok := appendAt((*bp)[:0], o, hits, near)
	if ok {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b) // the client may have gone; nothing to do then
	} else {
		writeJSON(w, atResponse(o, hits, near))
	}
	if cap(b) <= maxPooledJSON {
		*bp = b[:0]
		jsonBufs.Put(bp)
	}
}

// atResponse builds the answer as a value, for encoding/json.
func atResponse(o outCRS, hits []index.Hit, near *index.Near) AtResponse {
	resp := AtResponse{Plots: make([]LookupPlot, 0, len(hits))}
	for _, h := range hits {
		lp := o.plot(h.Plot)
		lp.OnBoundary = h.Location == index.Boundary
		resp.Plots = append(resp.Plots, lp)
	}
	if near != nil {
		lp := o.plot(near.Plot)
		d := roundDistance(near.Distance)
		lp.Distance = &d
		resp.Nearest = &lp
	}
	return resp
}

// roundDistance rounds a nearest distance to the millimetre.
func roundDistance(d float64) float64 { return math.Round(d*1000) / 1000 }

// appendAt appends the AtResponse JSON and a newline; false if a number
// cannot be written (b is then garbage).
func appendAt(b []byte, o outCRS, hits []index.Hit, near *index.Near) ([]byte, bool) {
	ok := true
	b = append(b, `{"plots":[`...)
	for i, h := range hits {
		if i > 0 {
			b = append(b, ',')
		}
		if b, ok = appendLookupPlot(b, o, h.Plot, h.Location == index.Boundary, nil); !ok {
			return b, false
		}
	}
	b = append(b, ']')
	if near != nil {
		d := roundDistance(near.Distance)
		b = append(b, `,"nearest":`...)
		if b, ok = appendLookupPlot(b, o, near.Plot, false, &d); !ok {
			return b, false
		}
	}
	return append(b, "}\n"...), true
}

// appendLookupPlot appends o.plot(p) as encoding/json writes a LookupPlot
// (field order, omitempty members), with on_boundary and distance_m.
func appendLookupPlot(b []byte, o outCRS, p *index.Plot, onBoundary bool, dist *float64) ([]byte, bool) {
	ok := true
	b = append(b, `{"id":"`...)
	b = appendJSONStringBody(b, p.Key.Unit) // p.Key.String(): unit/sheet/plot
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(p.Key.Sheet), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(p.Key.Plot), 10)
	b = append(b, `","key":{"unit":`...)
	b = appendJSONString(b, p.Key.Unit)
	b = append(b, `,"sheet":`...)
	b = strconv.AppendInt(b, int64(p.Key.Sheet), 10)
	b = append(b, `,"plot":`...)
	b = strconv.AppendInt(b, int64(p.Key.Plot), 10)
	b = append(b, `},"commune":`...)
	b = appendJSONString(b, p.Commune)
	b = append(b, `,"survey_unit":`...)
	b = appendJSONString(b, p.Key.Unit)
	b = append(b, `,"land_use":`...)
	if p.LandUse == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range p.LandUse {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, c)
		}
		b = append(b, ']')
	}
	b = append(b, `,"legal_area":`...)
	if b, ok = appendJSONFloat(b, p.LegalArea); !ok {
		return b, false
	}
	b = append(b, `,"area":`...)
	if b, ok = appendJSONFloat(b, p.Area); !ok {
		return b, false
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(p.Version), 10)
	if sh := p.Sheet; sh != nil {
		b = append(b, `,"sheet":{"unit":`...)
		b = appendJSONString(b, sh.Key.Unit)
		b = append(b, `,"sheet":`...)
		b = strconv.AppendInt(b, int64(sh.Key.Number), 10)
		b = append(b, `,"grid_number":`...)
		b = appendJSONString(b, sh.GridNumber)
		b = append(b, `,"scale":`...)
		b = strconv.AppendInt(b, int64(sh.Scale), 10)
		b = append(b, `,"epsg":`...)
		b = strconv.AppendInt(b, int64(sh.EPSG), 10)
		b = append(b, `,"off_grid":`...)
		b = strconv.AppendBool(b, sh.OffGrid)
		b = append(b, '}')
	}
	b = append(b, `,"crs":"EPSG:`...) // o.name()
	b = strconv.AppendInt(b, int64(o.epsg), 10)
	b = append(b, '"')
	if !o.noGeom {
		b = append(b, `,"geometry":`...)
		if b, ok = appendGeometry(b, o, p.Geometry, p.EPSG); !ok {
			return b, false
		}
	}
	if onBoundary {
		b = append(b, `,"on_boundary":true`...)
	}
	if dist != nil {
		b = append(b, `,"distance_m":`...)
		if b, ok = appendJSONFloat(b, *dist); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendGeometry appends o.geometry(mp, from) as orb's geojson.Geometry
// marshals it: {"type":"MultiPolygon","coordinates":...}, nil slices as
// null, coordinates computed and rounded exactly as outCRS.geometry does.
func appendGeometry(b []byte, o outCRS, mp orb.MultiPolygon, from int32) ([]byte, bool) {
	same := o.epsg == int(from)
	var fz crs.Zone
	if !same {
		fz, _ = zoneOf(int(from))
	}
	scale := 1e3
	if !same && o.epsg == crs.WGS84 {
		scale = 1e8
	}
	b = append(b, `{"type":"MultiPolygon","coordinates":`...)
	if mp == nil {
		return append(b, "null}"...), true
	}
	ok := true
	b = append(b, '[')
	for i, poly := range mp {
		if i > 0 {
			b = append(b, ',')
		}
		if poly == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, r := range poly {
			if j > 0 {
				b = append(b, ',')
			}
			if r == nil {
				b = append(b, "null"...)
				continue
			}
			b = append(b, '[')
			for k, pt := range r {
				if k > 0 {
					b = append(b, ',')
				}
				x, y := pt[0], pt[1]
				if !same {
					lon, lat := fz.ToWGS84(x, y)
					if o.epsg == crs.WGS84 {
						x, y = lon, lat
					} else {
						x, y = o.zone.FromWGS84(lon, lat)
					}
				}
				b = append(b, '[')
				if b, ok = appendJSONFloat(b, math.Round(x*scale)/scale); !ok {
					return b, false
				}
				b = append(b, ',')
				if b, ok = appendJSONFloat(b, math.Round(y*scale)/scale); !ok {
					return b, false
				}
				b = append(b, ']')
			}
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	return append(b, "]}"...), true
}

// appendJSONFloat appends f as encoding/json writes a float64 (ES6 number
// format: 'f' unless tiny or huge, then 'e' with e-7 not e-07); false for
// NaN and infinities, which encoding/json refuses.
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// appendJSONString appends s as a JSON string, as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendJSONStringBody(b, s)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONStringBody appends s escaped as encoding/json escapes strings
// by default (HTML-safe): \" \\ \b \f \n \r \t, other control bytes and
// < > & as \u00XX, U+2028 and U+2029 as \u2028 and \u2029, and each byte
// of invalid UTF-8 as \ufffd. No quotes.
func appendJSONStringBody(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// zones and crsNames are read-only tables built once: crs.ZoneByEPSG
// copies a zone's province list on every call, and the lookups ask for a
// zone on every request.
var (
	zones    = map[int]crs.Zone{}
	crsNames = map[string]outCRS{} // "EPSG:9210" -> what parseCRS returns for it
)

func init() {
	for _, z := range crs.Zones() {
		zones[z.EPSG] = z
	}
	// Only names that parseCRS itself accepts, with what it answers.
	for _, code := range append([]int{crs.WGS84}, slices.Sorted(maps.Keys(zones))...) {
		name := "EPSG:" + strconv.Itoa(code)
		if epsg, err := crs.ParseCRS(name); err != nil || epsg != code {
			continue
		}
		if code == crs.WGS84 {
			crsNames[name] = outCRS{epsg: code}
		} else {
			crsNames[name] = outCRS{epsg: code, zone: zones[code]}
		}
	}
}

// zoneOf is crs.ZoneByEPSG without the copy (callers must not modify the
// zone's province list).
func zoneOf(epsg int) (crs.Zone, bool) {
	z, ok := zones[epsg]
	return z, ok
}

// knownCRS returns parseCRS's answer for the usual spelling of an
// accepted CRS ("EPSG:9210", "EPSG:4326"), without parsing it; false for
// anything else, which parseCRS then parses.
func knownCRS(s string) (outCRS, bool) {
	o, ok := crsNames[s]
	return o, ok
}
