package tiles

import (
	"math"
	"strings"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

// A plot's tile-ready form: everything a render needs of it, computed once
// instead of at every render, in one run of int32s of an arena, so that a
// render reads one place in memory per plot and follows no pointer.
//
// Its vertices and label point are projected onto the global grid
// (geom.go) and kept as 32-bit offsets: a ring's first vertex relative to
// the plot's origin (its first vertex), the others relative to the
// previous vertex. A render then only shifts and rounds integers to the
// tile's zoom: no projection, no label search. Strings are numbers in a
// string table (strTable), so that a tile finds the values it already
// holds by number. The same function prepares a plot into scratch space
// when a render has no prepared copy (Renderer.Render, or while the copy
// is being built), so both ways give the same bytes.
//
// Layout (int32s from the record's offset):
const (
	aFlags   = iota // recLabel, recWide, recBad
	aIDLo           // MVT feature id (plotID), low and high halves
	aIDHi           //
	aOXLo           // origin on the global grid, x
	aOXHi           //
	aOYLo           // origin, y
	aOYHi           //
	aUnit           // string number of the survey unit
	aSheet          // sheet number
	aPlot           // plot number
	aCommune        // string number of the commune
	aLandUse        // string number of the land-use codes joined by +
	aMainUse        // string number of the main land-use code, -1 if none
	aVersion        // version
	aAreaLo         // measured area, float64 bits
	aAreaHi         //
	aLegalLo        // legal area, float64 bits (0: unknown)
	aLegalHi        //
	aLabelX         // label point, from the origin
	aLabelY         //
	aRings          // number of rings R
	aHeader         // then R ring descriptors (vertices << 2 | bad << 1 | starts a polygon), then the offsets
)

const (
	recLabel = 1 << iota // has a label point
	recWide              // offsets do not fit 32 bits: drawn from the plane geometry (Plot kept aside)
	recBad               // a ring has a vertex the projector cannot map (Plot kept aside)
	recDead              // removed from the store (compaction skips it)
)

const (
	ringStart = 1 // the ring is the exterior of a new polygon
	ringBad   = 2 // a vertex cannot be projected: drawn as collapsed, as the plane path does
)

// strTable numbers strings.
type strTable struct {
	ids  map[string]int32
	strs []string
}

func (t *strTable) id(s string) int32 {
	if i, ok := t.ids[s]; ok {
		return i
	}
	if t.ids == nil {
		t.ids = map[string]int32{}
	}
	i := int32(len(t.strs))
	t.ids[s] = i
	t.strs = append(t.strs, s)
	return i
}

func (t *strTable) reset() {
	clear(t.ids)
	t.strs = t.strs[:0]
}

// rec is a view of a prepared plot.
type rec []int32

func (r rec) i64(lo int) int64     { return int64(uint32(r[lo])) | int64(r[lo+1])<<32 }
func (r rec) f64(lo int) float64   { return math.Float64frombits(uint64(r.i64(lo))) }
func (r rec) id() uint64           { return uint64(r.i64(aIDLo)) }
func (r rec) origin() (x, y int64) { return r.i64(aOXLo), r.i64(aOYLo) }

// size returns the int32s of the record.
func (r rec) size() int {
	n := aHeader + int(r[aRings])
	for _, d := range r[aHeader:n] {
		n += 2 * int(d>>2)
	}
	return n
}

// key returns the plot key of the record.
func (r rec) key(strs []string) spatial.PlotKey {
	return spatial.PlotKey{Unit: strs[r[aUnit]], Sheet: int(r[aSheet]), Plot: int(r[aPlot])}
}

func put64(a []int32, lo int, v int64) { a[lo], a[lo+1] = int32(uint32(v)), int32(v>>32) }

// prepare appends the tile-ready form of p to arena. A plot whose
// offsets do not fit 32 bits (an edge or extent over 78 km, which no
// cadastral plot has) is marked wide and keeps no geometry.
func prepare(c *cursor, xs *[3][]float64, strs *strTable, p *index.Plot, arena []int32) []int32 {
	start := len(arena)
	rings := 0
	for _, poly := range p.Geometry {
		rings += len(poly)
	}
	arena = append(arena, make([]int32, aHeader+rings)...)
	r := arena[start:]
	put64(r, aIDLo, int64(plotID(p.Key)))
	r[aUnit], r[aSheet], r[aPlot] = strs.id(p.Key.Unit), int32(p.Key.Sheet), int32(p.Key.Plot)
	r[aCommune], r[aLandUse], r[aMainUse] = strs.id(p.Commune), strs.id(landUse(p.LandUse)), -1
	if len(p.LandUse) > 0 {
		r[aMainUse] = strs.id(p.LandUse[0])
	}
	r[aVersion], r[aRings] = p.Version, int32(rings)
	put64(r, aAreaLo, int64(math.Float64bits(p.Area)))
	put64(r, aLegalLo, int64(math.Float64bits(p.LegalArea)))
	fits := func(d int64) bool { return d >= math.MinInt32 && d <= math.MaxInt32 }
	var origin, prev gpt
	first, flags := true, int32(0)
	k := start + aHeader
	for _, poly := range p.Geometry {
		for i, ring := range poly {
			desc := int32(0)
			if i == 0 {
				desc = ringStart
			}
			n := len(ring)
			if n > 1 && ring[0] == ring[n-1] {
				n--
			}
			mark := len(arena)
			for j, v := range ring[:n] {
				x, y, ok := c.mercator(p.EPSG, v[0], v[1])
				if !ok {
					arena, desc, flags = arena[:mark], desc|ringBad, flags|recBad
					break
				}
				g := global(x, y)
				if first {
					origin, first = g, false
				}
				if j == 0 {
					prev = origin
				}
				dx, dy := g.x-prev.x, g.y-prev.y
				if !fits(dx) || !fits(dy) {
					flags |= recWide
				}
				arena = append(arena, int32(dx), int32(dy))
				prev = g
			}
			if desc&ringBad == 0 {
				desc |= int32(n) << 2
			}
			arena[k] = desc
			k++
		}
	}
	r = arena[start:]
	put64(r, aOXLo, origin.x)
	put64(r, aOYLo, origin.y)
	if lp, ok := labelPoint(p.Geometry, xs); ok {
		if x, y, ok := c.mercator(p.EPSG, lp[0], lp[1]); ok {
			g := global(x, y)
			dx, dy := g.x-origin.x, g.y-origin.y
			if !fits(dx) || !fits(dy) {
				flags |= recWide
			}
			r[aLabelX], r[aLabelY] = int32(dx), int32(dy)
			flags |= recLabel
		}
	}
	if flags&recWide != 0 {
		arena = arena[:start+aHeader]
		r = arena[start:]
		r[aRings] = 0
		flags = recWide
	}
	r[aFlags] = flags
	return arena
}

// drawRecord writes the polygons of a prepared plot that fall inside the
// buffered tile into rc.geom (false if nothing is left), and its label
// point into rc.lgeom if it falls inside the tile proper. p is the plot
// when the record is wide or has a bad ring (nil otherwise).
func (rc *renderCtx) drawRecord(r rec, p *index.Plot) (poly, hasLabel bool) {
	flags := r[aFlags]
	if flags&recWide != 0 {
		return rc.drawWide(p)
	}
	rings := int(r[aRings])
	descs := r[aHeader : aHeader+rings]
	xy := r[aHeader+rings:]
	ox, oy := r.origin()
	f := &rc.frame
	rc.poly.reset()
	if !rc.dissolving && int(rc.zoom) < rc.r.opt.PlotsMinZoom && multiPart(descs) {
		// Parts that rounding brought together would touch along a line
		// (invalid): the plot is drawn as the union of its parts. From the
		// plots' zoom a unit is under 0.6 m, and parts of a plot lie
		// further apart (TestValidPolygons finds none touching there).
		d := &rc.dis
		if d.part == nil {
			d.part = edgeSet{}
		}
		clear(d.part)
		saved := d.cur
		rc.dissolving, d.cur = true, [2]edgeSet{d.part, nil}
		poly, hasLabel = rc.drawRecord(r, p)
		rc.dissolving, d.cur = false, saved
		return poly && rc.dissolved(d.part, true), hasLabel
	}
	var minX, minY, maxX, maxY int64
	skip := true // the current polygon's exterior is outside or bad
	flush := func() {
		if rc.poly.len() > 0 && rc.polygon(minX, minY, maxX, maxY) {
			poly = true
		}
		rc.poly.reset()
	}
	for _, desc := range descs {
		exterior := desc&ringStart != 0
		n := int(desc >> 2)
		if exterior {
			flush()
			skip = false
		}
		if desc&ringBad != 0 {
			if !skip && p.Merc.Intersects(f.search()) { // as a candidate of the plane path
				rc.st.Collapsed++
			}
			skip = skip || exterior
			continue
		}
		if skip {
			xy = xy[2*n:]
			continue // the holes of a polygon left out
		}
		rc.decodeRing(xy[:2*n], ox, oy)
		xy = xy[2*n:]
		if exterior {
			minX, minY, maxX, maxY = bound(rc.poly.at(0))
			if outside(minX, minY, maxX, maxY) {
				rc.poly.reset()
				skip = true
			}
		}
	}
	flush()
	if flags&recLabel != 0 {
		u := f.unitG(gpt{ox + int64(r[aLabelX]), oy + int64(r[aLabelY])})
		if u.x >= 0 && u.y >= 0 && u.x < Extent && u.y < Extent {
			rc.lgeom.reset()
			rc.lgeom.moveTo(u)
			hasLabel = true
		}
	}
	return poly, hasLabel
}

// multiPart reports whether a record has more than one polygon.
func multiPart(descs []int32) bool {
	n := 0
	for _, d := range descs {
		if d&ringStart != 0 {
			if n++; n > 1 {
				return true
			}
		}
	}
	return false
}

// decodeRing appends the tile units of a ring's offsets to rc.poly.
func (rc *renderCtx) decodeRing(xy []int32, x, y int64) {
	f := &rc.frame
	buf := rc.poly.pts
	for i := 0; i+1 < len(xy); i += 2 {
		x += int64(xy[i])
		y += int64(xy[i+1])
		buf = append(buf, pt{(x+f.half)>>f.shift - f.ox, (y+f.half)>>f.shift - f.oy})
	}
	rc.poly.pts = buf
	rc.poly.ends = append(rc.poly.ends, len(buf))
}

// drawWide draws a plot too large for the arena from its plane geometry,
// through the same global grid.
func (rc *renderCtx) drawWide(p *index.Plot) (poly, hasLabel bool) {
	poly = rc.polygons(p.Geometry, p.EPSG)
	lp, ok := labelPoint(p.Geometry, &rc.xs)
	if !ok {
		return poly, false
	}
	x, y, ok := rc.proj.mercator(p.EPSG, lp[0], lp[1])
	if !ok {
		return poly, false
	}
	u := rc.frame.unit(x, y)
	if u.x < 0 || u.y < 0 || u.x >= Extent || u.y >= Extent {
		return poly, false
	}
	rc.lgeom.reset()
	rc.lgeom.moveTo(u)
	return poly, true
}

// polygons writes the parts of a plane multipolygon inside the buffered
// tile into rc.geom; false if nothing is left.
func (rc *renderCtx) polygons(mp orb.MultiPolygon, epsg int32) bool {
	any := false
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		rc.poly.reset()
		if !rc.polyRing(poly[0], epsg) {
			rc.st.Collapsed++
			continue
		}
		minX, minY, maxX, maxY := bound(rc.poly.at(0))
		if outside(minX, minY, maxX, maxY) {
			continue
		}
		for _, h := range poly[1:] {
			if !rc.polyRing(h, epsg) {
				rc.st.Collapsed++
			}
		}
		if rc.polygon(minX, minY, maxX, maxY) {
			any = true
		}
	}
	return any
}

// landUse joins the codes with +, without allocating for the usual single
// code.
func landUse(codes []string) string {
	if len(codes) == 1 {
		return codes[0]
	}
	return strings.Join(codes, "+")
}
