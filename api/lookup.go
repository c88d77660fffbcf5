package api

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// LookupPlot is a plot as the lookup endpoints answer it.
type LookupPlot struct {
	ID         string            `json:"id"`
	Key        spatial.PlotKey   `json:"key"`
	Commune    string            `json:"commune"`
	SurveyUnit string            `json:"survey_unit"`
	LandUse    []string          `json:"land_use"`
	LegalArea  float64           `json:"legal_area"`
	Area       float64           `json:"area"`
	Version    int32             `json:"version"`
	Sheet      *LookupSheet      `json:"sheet,omitempty"`
	CRS        string            `json:"crs"`
	Geometry   *geojson.Geometry `json:"geometry,omitempty"`    // absent with geometry=false
	OnBoundary bool              `json:"on_boundary,omitempty"` // the point lies on this plot's boundary
	Distance   *float64          `json:"distance_m,omitempty"`  // for a nearest answer
}

// LookupSheet is a sheet as the lookup endpoints answer it.
type LookupSheet struct {
	Unit       string            `json:"unit"`
	Number     int               `json:"sheet"`
	GridNumber string            `json:"grid_number"`
	Scale      int               `json:"scale"`
	ZoneEPSG   int32             `json:"epsg"`
	OffGrid    bool              `json:"off_grid"` // not a cell of the Circular 25 grid
	Geometry   *geojson.Geometry `json:"geometry,omitempty"`
}

// lookupSheet is a sheet of the read model as the API answers it, without
// its frame.
func lookupSheet(sh *index.Sheet) *LookupSheet {
	return &LookupSheet{Unit: sh.Key.Unit, Number: sh.Key.Number, GridNumber: sh.GridNumber, Scale: int(sh.Scale), ZoneEPSG: sh.EPSG, OffGrid: sh.OffGrid}
}

// outCRS is the CRS answers are drawn in: WGS 84 or a VN-2000 zone.
type outCRS struct {
	epsg   int
	zone   crs.Zone
	noGeom bool // geometry=false: keys and attributes only (a registrar's lookup)
}

func (o outCRS) name() string { return fmt.Sprintf("EPSG:%d", o.epsg) }

// geometry renders a plane geometry of zone from in the output CRS.
func (o outCRS) geometry(mp orb.MultiPolygon, from int32) *geojson.Geometry {
	if o.epsg == int(from) {
		return geojson.NewGeometry(roundMP(mp.Clone(), 1e3))
	}
	fz, _ := zoneOf(int(from))
	out := mp.Clone()
	for _, p := range out {
		for _, r := range p {
			for i, pt := range r {
				lon, lat := fz.ToWGS84(pt[0], pt[1])
				if o.epsg == crs.WGS84 {
					r[i] = orb.Point{lon, lat}
				} else {
					e, n := o.zone.FromWGS84(lon, lat)
					r[i] = orb.Point{e, n}
				}
			}
		}
	}
	if o.epsg == crs.WGS84 {
		return geojson.NewGeometry(roundMP(out, 1e8))
	}
	return geojson.NewGeometry(roundMP(out, 1e3))
}

func (o outCRS) plot(p *index.Plot) LookupPlot {
	lp := LookupPlot{ID: p.Key.String(), Key: p.Key, Commune: p.Commune, SurveyUnit: p.Key.Unit, LandUse: p.LandUse,
		LegalArea: p.LegalArea, Area: p.Area, Version: p.Version, CRS: o.name()}
	if !o.noGeom {
		lp.Geometry = o.geometry(p.Geometry, p.EPSG)
	}
	if p.Sheet != nil {
		lp.Sheet = lookupSheet(p.Sheet)
	}
	return lp
}

// queryProblems collects the problems of one request's parameters.
type queryProblems []spatial.Problem

func (q *queryProblems) add(field, format string, args ...any) {
	*q = append(*q, spatial.Problem{Index: -1, Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (q queryProblems) err() error {
	if len(q) == 0 {
		return nil
	}
	return spatial.Invalid("bad query parameters", q)
}

func (q *queryProblems) float(v queryArgs, name string) (float64, bool) {
	s := v.Get(name)
	if s == "" {
		q.add(name, "missing")
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		q.add(name, "%q is not a number", s)
		return 0, false
	}
	return f, true
}

// parseCRS reads a CRS parameter: "" = WGS 84; else a VN-2000 zone or 4326.
func (q *queryProblems) parseCRS(v queryArgs, name string) outCRS {
	s := v.Get(name)
	if s == "" {
		return outCRS{epsg: crs.WGS84}
	}
	if o, ok := knownCRS(s); ok {
		return o
	}
	epsg, err := crs.ParseCRS(s)
	if err != nil {
		q.add(name, "unknown CRS %q: use EPSG:4326 or a VN-2000 TM-3 zone such as EPSG:9210", s)
		return outCRS{epsg: crs.WGS84}
	}
	if epsg == crs.WGS84 {
		return outCRS{epsg: epsg}
	}
	z, ok := crs.ZoneByEPSG(epsg)
	if !ok {
		q.add(name, "EPSG:%d is not accepted here: use EPSG:4326 or a VN-2000 TM-3 zone", epsg)
		return outCRS{epsg: crs.WGS84}
	}
	return outCRS{epsg: epsg, zone: z}
}

// withGeometry applies the geometry=true|false parameter (default true).
func (q *queryProblems) withGeometry(v queryArgs, o outCRS) outCRS {
	if g := v.Get("geometry"); g != "" {
		o.noGeom = !q.bool(g, "geometry")
	}
	return o
}

// parsePoint reads lon/lat, or x/y with crs (x = easting, y = northing in
// metres, as GIS software orders them).
func parsePoint(v queryArgs) (index.Point, outCRS, error) {
	var q queryProblems
	out := q.withGeometry(v, q.parseCRS(v, "crs"))
	var pt index.Point
	switch {
	case v.Has("lon") || v.Has("lat"):
		lon, ok1 := q.float(v, "lon")
		lat, ok2 := q.float(v, "lat")
		if ok1 && (lon < -180 || lon > 180) {
			q.add("lon", "%v is outside -180..180", lon)
		}
		if ok2 && (lat < -90 || lat > 90) {
			q.add("lat", "%v is outside -90..90", lat)
		}
		pt = index.LonLat(lon, lat)
	case v.Has("x") || v.Has("y"):
		e, ok1 := q.float(v, "x")
		n, ok2 := q.float(v, "y")
		if out.epsg == crs.WGS84 {
			q.add("crs", "x/y need the VN-2000 zone they are in, e.g. crs=EPSG:9210")
		} else if ok1 && ok2 && !out.zone.InRange(e, n) {
			q.add("x", "(%v, %v) is outside the range of %s (x = easting, y = northing, metres)", e, n, out.name())
		} else {
			pt = index.Plane(out.zone, e, n)
		}
	default:
		q.add("lon", "give lon and lat (WGS 84), or x, y and crs (VN-2000 plane)")
	}
	return pt, out, q.err()
}

// AtResponse answers /plots/at.
type AtResponse struct {
	Plots   []LookupPlot `json:"plots"`
	Nearest *LookupPlot  `json:"nearest,omitempty"`
}

// handlePlotsAt answers GET /api/v1/plots/at: the plots containing the
// point (both plots when it lies on a shared edge), or with nearest=METRES
// the closest plot within that distance when none contains it.
func (s *Server) handlePlotsAt(w http.ResponseWriter, r *http.Request) {
	var buf [8]queryPair
	v := parseArgs(r.URL.RawQuery, buf[:0])
	pt, out, err := parsePoint(v)
	var nearest float64
	if err == nil && v.Has("nearest") {
		var q queryProblems
		if nearest, _ = q.float(v, "nearest"); nearest <= 0 || nearest > 1000 {
			q.add("nearest", "must be a distance in metres, 0 < nearest <= 1000")
		}
		err = q.err()
	}
	if err == nil {
		err = s.requireIndex()
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	snap := s.index.Snapshot()
	var hitBuf [4]index.Hit // a point lies in one plot, or two or more on shared edges
	hits := hitBuf[:0]
	snap.At(pt, func(h index.Hit) bool {
		hits = append(hits, h)
		return true
	})
	var near *index.Near
	if len(hits) == 0 && nearest > 0 {
		if n, ok := snap.Nearest(pt, nearest); ok {
			near = &n
		}
	}
	writeAt(w, out, hits, near) // lookup_json.go
}

// requireIndex answers 503 while the read model is being built.
func (s *Server) requireIndex() error {
	if s.index == nil || !s.index.Ready() {
		return spatial.Errorf(spatial.KindUnavailable, "the read model is still loading; retry shortly")
	}
	return nil
}

// SheetsAtResponse answers /sheets/at.
type SheetsAtResponse struct {
	Sheets []LookupSheet `json:"sheets"`
}

// handleSheetsAt answers GET /api/v1/sheets/at: the map sheets whose frame
// contains the point.
func (s *Server) handleSheetsAt(w http.ResponseWriter, r *http.Request) {
	var buf [8]queryPair
	pt, out, err := parsePoint(parseArgs(r.URL.RawQuery, buf[:0]))
	if err == nil {
		err = s.requireIndex()
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	resp := SheetsAtResponse{Sheets: []LookupSheet{}}
	s.index.Snapshot().SheetsAt(pt, func(sh *index.Sheet) bool {
		ls := lookupSheet(sh)
		ls.Geometry = out.geometry(sh.Frame, sh.EPSG)
		resp.Sheets = append(resp.Sheets, *ls)
		return true
	})
	writeJSON(w, resp)
}

// SearchResponse answers /plots?bbox=.
type SearchResponse struct {
	Plots          []LookupPlot `json:"plots"`
	NumberReturned int          `json:"numberReturned"`
	Next           string       `json:"next,omitempty"` // cursor of the next page
}

const (
	defaultLimit = 100
	maxLimit     = 1000
)

// handleSearch answers GET /api/v1/plots?bbox=minlon,minlat,maxlon,maxlat
// (or plane metres with bbox-crs), paged in key order with a cursor.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	box, out, limit, after, err := parseSearch(r)
	if err == nil {
		err = s.requireIndex()
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	resp := SearchResponse{Plots: []LookupPlot{}}
	var last spatial.PlotKey
	more := false
	s.index.Snapshot().InBox(box, after, func(p *index.Plot) bool {
		if len(resp.Plots) == limit {
			more = true
			return false
		}
		resp.Plots = append(resp.Plots, out.plot(p))
		last = p.Key
		return true
	})
	resp.NumberReturned = len(resp.Plots)
	if more {
		resp.Next = base64.RawURLEncoding.EncodeToString([]byte(last.String()))
	}
	writeJSON(w, resp)
}

func parseSearch(r *http.Request) (box orb.Bound, out outCRS, limit int, after spatial.PlotKey, err error) {
	var q queryProblems
	var buf [8]queryPair
	v := parseArgs(r.URL.RawQuery, buf[:0])
	out = q.withGeometry(v, q.parseCRS(v, "crs"))
	in := q.parseCRS(v, "bbox-crs")
	parts := strings.Split(v.Get("bbox"), ",")
	var c [4]float64
	if len(parts) != 4 {
		q.add("bbox", "want minx,miny,maxx,maxy")
	} else {
		for i, p := range parts {
			f, e := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if e != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				q.add("bbox", "%q is not a number", p)
			}
			c[i] = f
		}
		if c[0] > c[2] || c[1] > c[3] {
			q.add("bbox", "min must not exceed max")
		}
		box = mercBox(c, in)
	}
	limit = defaultLimit
	if ls := v.Get("limit"); ls != "" {
		if n, e := strconv.Atoi(ls); e != nil || n < 1 || n > maxLimit {
			q.add("limit", "must be a whole number from 1 to %d", maxLimit)
		} else {
			limit = n
		}
	}
	if cs := v.Get("cursor"); cs != "" {
		after, err = decodeCursor(cs)
		if err != nil {
			q.add("cursor", "not a cursor of this service")
		}
	}
	return box, out, limit, after, q.err()
}

// mercBox converts a WGS 84 or plane box to Web Mercator.
func mercBox(c [4]float64, in outCRS) orb.Bound {
	var b orb.Bound
	for i, p := range [4][2]float64{{c[0], c[1]}, {c[2], c[3]}, {c[0], c[3]}, {c[2], c[1]}} {
		lon, lat := p[0], p[1]
		if in.epsg != crs.WGS84 {
			lon, lat = in.zone.ToWGS84(p[0], p[1])
		}
		x, y := crs.LonLatToMercator(lon, lat)
		if i == 0 {
			b = orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x, y}}
		}
		b = b.Extend(orb.Point{x, y})
	}
	return b
}

func decodeCursor(s string) (spatial.PlotKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return spatial.PlotKey{}, err
	}
	var k spatial.PlotKey
	parts := strings.Split(string(b), "/")
	if len(parts) != 3 {
		return k, fmt.Errorf("bad cursor")
	}
	k.Unit = parts[0]
	k.Sheet, err = strconv.Atoi(parts[1])
	if err == nil {
		k.Plot, err = strconv.Atoi(parts[2])
	}
	if err != nil || !k.Valid() {
		return k, fmt.Errorf("bad cursor")
	}
	return k, nil
}
