package tiles

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// halfWorld is half the width of the Web Mercator square, in metres.
const halfWorld = math.Pi * 6378137

// pt is a point in integer tile units (x right, y down).
type pt struct{ x, y int64 }

// Every vertex is first put on one global fixed-point grid of 2^gridBits
// units across the Web Mercator square (the pixel grid of zoom 28, 36 µm
// at the equator), x right and y down, and tile units are derived from it
// by an integer shift. A vertex thus maps to the same global point whether
// it is projected at render time or was projected once into the tile-ready
// copy of the plots (prepared.go), and equal vertices give equal tile
// units in every tile. Rounding twice (to the grid, then to the zoom) is
// off the exact value by at most 0.5 + 2^-5 tile units at zoom 24, the
// largest zoom served.
const gridBits = 40

// gridScale is the global grid units per Mercator metre.
const gridScale = float64(uint64(1)<<gridBits) / (2 * halfWorld)

// gpt is a point on the global grid.
type gpt struct{ x, y int64 }

// global returns the global grid point of a Mercator point. The float64
// conversions forbid fused multiply-adds, so every platform rounds alike.
func global(x, y float64) gpt {
	return gpt{int64(math.Round(float64((x + halfWorld) * gridScale))), int64(math.Round(float64((halfWorld - y) * gridScale)))}
}

// frame maps global grid points to the units of one tile: a shift to the
// pixel grid of the zoom (rounded, half up) and the tile's origin.
type frame struct {
	shift  uint  // gridBits - 12 - zoom
	half   int64 // 1 << (shift-1): rounds to nearest
	ox, oy int64 // global units of the tile's top-left corner at its zoom
	merc   orb.Bound
	pad    float64 // Buffer units in Mercator metres
}

func newFrame(t maptile.Tile) frame {
	n := float64(uint64(1) << t.Z)
	size := 2 * halfWorld / n
	minX, maxY := -halfWorld+float64(t.X)*size, halfWorld-float64(t.Y)*size
	shift := uint(gridBits - 12 - int(t.Z))
	return frame{
		shift: shift, half: 1 << (shift - 1),
		ox: int64(t.X) * Extent, oy: int64(t.Y) * Extent,
		merc: orb.Bound{Min: orb.Point{minX, maxY - size}, Max: orb.Point{minX + size, maxY}},
		pad:  size * Buffer / Extent,
	}
}

// search returns the tile's Mercator bound with its buffer.
func (f frame) search() orb.Bound { return f.merc.Pad(f.pad) }

// scale returns the tile units per Mercator metre.
func (f frame) scale() float64 { return gridScale / float64(uint64(1)<<f.shift) }

// unit returns the tile units of a Mercator point.
func (f frame) unit(x, y float64) pt { return f.unitG(global(x, y)) }

// unitG returns the tile units of a global grid point.
func (f frame) unitG(g gpt) pt {
	return pt{(g.x+f.half)>>f.shift - f.ox, (g.y+f.half)>>f.shift - f.oy}
}

// Box limits of the buffered tile, in tile units.
const (
	lo = -Buffer
	hi = Extent + Buffer
)

// ringResult says what became of a ring.
type ringResult int8

const (
	ringKept      ringResult = iota
	ringOutside              // no part inside the buffered tile: not drawn, not counted
	ringCollapsed            // inside, but degenerate once on the tile grid: dropped and counted
)

// tileRing turns a plane ring into a clean ring of tile units, oriented
// for an exterior (positive area in tile coordinates, spec 2.1 4.3.4.4)
// or a hole (negative). buf is reused. Sheet frames go this way; plots go
// through their tile-ready form (prepared.go).
func (rc *renderCtx) tileRing(r orb.Ring, epsg int32, exterior bool, buf []pt) ([]pt, ringResult) {
	buf = buf[:0]
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n--
	}
	for _, v := range r[:n] {
		x, y, ok := rc.proj.mercator(epsg, v[0], v[1])
		if !ok {
			return buf, ringCollapsed
		}
		buf = append(buf, rc.frame.unit(x, y))
	}
	return rc.finishRing(buf, exterior)
}

// finishRing clips, cleans and orients a ring of tile units (open: the
// first point is not repeated), or says it is outside or collapsed.
func (rc *renderCtx) finishRing(buf []pt, exterior bool) ([]pt, ringResult) {
	n := len(buf)
	minX, minY, maxX, maxY := int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MinInt64), int64(math.MinInt64)
	for _, p := range buf {
		minX, minY, maxX, maxY = min(minX, p.x), min(minY, p.y), max(maxX, p.x), max(maxY, p.y)
	}
	if maxX <= lo || minX >= hi || maxY <= lo || minY >= hi {
		return buf, ringOutside
	}
	if minX < lo || minY < lo || maxX > hi || maxY > hi {
		buf = rc.clip(buf)
	}
	buf = clean(buf)
	a := area2(buf)
	if len(buf) < 3 || a == 0 {
		return buf, ringCollapsed
	}
	rc.st.Vertices += n
	rc.st.Kept += len(buf)
	if (a < 0) == exterior {
		reverse(buf)
	}
	return buf, ringKept
}

// clip cuts a ring to the buffered tile box (Sutherland-Hodgman, one side
// at a time).
func (rc *renderCtx) clip(r []pt) []pt {
	a, b := r, rc.clipBuf[:0]
	for side := range 4 {
		b = clipSide(a, b[:0], side)
		a, b = b, a
	}
	rc.clipBuf = b
	return append(r[:0], a...)
}

// clipSide keeps the part of a ring on the inner side of one box edge:
// 0 x >= lo, 1 x <= hi, 2 y >= lo, 3 y <= hi.
func clipSide(in, out []pt, side int) []pt {
	if len(in) == 0 {
		return out
	}
	inside := func(p pt) bool {
		switch side {
		case 0:
			return p.x >= lo
		case 1:
			return p.x <= hi
		case 2:
			return p.y >= lo
		}
		return p.y <= hi
	}
	prev := in[len(in)-1]
	prevIn := inside(prev)
	for _, cur := range in {
		curIn := inside(cur)
		if curIn != prevIn {
			out = append(out, cross(prev, cur, side))
		}
		if curIn {
			out = append(out, cur)
		}
		prev, prevIn = cur, curIn
	}
	return out
}

// cross returns where segment a-b crosses a box edge, rounded to units.
// The end points are put in a fixed order first, so a border shared by two
// plots (a-b in one, b-a in the other) is cut at the same point.
func cross(a, b pt, side int) pt {
	if b.x < a.x || (b.x == a.x && b.y < a.y) {
		a, b = b, a
	}
	lim := int64(lo)
	if side == 1 || side == 3 {
		lim = hi
	}
	if side < 2 {
		t := float64(lim-a.x) / float64(b.x-a.x)
		return pt{lim, a.y + int64(math.Round(float64(t*float64(b.y-a.y))))}
	}
	t := float64(lim-a.y) / float64(b.y-a.y)
	return pt{a.x + int64(math.Round(float64(t*float64(b.x-a.x)))), lim}
}

// clean removes repeated points and spikes (a, b, a), also across the
// closing point, in place.
func clean(r []pt) []pt {
	out := r[:0]
	for _, p := range r {
		switch {
		case len(out) > 0 && out[len(out)-1] == p:
		case len(out) > 1 && out[len(out)-2] == p:
			out = out[:len(out)-1]
		default:
			out = append(out, p)
		}
	}
	for len(out) > 1 {
		last := len(out) - 1
		switch {
		case out[last] == out[0]:
			out = out[:last]
		case len(out) > 2 && out[last-1] == out[0]:
			out = out[:last]
		case len(out) > 2 && out[last] == out[1]:
			out = out[1:]
		default:
			return out
		}
	}
	return out
}

// area2 returns twice the signed area of an open ring by the surveyor's
// formula in tile coordinates (positive: clockwise on screen).
func area2(r []pt) int64 {
	if len(r) == 0 {
		return 0
	}
	var s int64
	p := r[len(r)-1]
	for _, q := range r {
		s += p.x*q.y - q.x*p.y
		p = q
	}
	return s
}

func reverse(r []pt) {
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
}
