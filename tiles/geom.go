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

// polyRing appends a plane ring to rc.poly in tile units; false if a
// vertex cannot be projected. Sheet frames go this way; plots go through
// their tile-ready form (prepared.go).
func (rc *renderCtx) polyRing(r orb.Ring, epsg int32) bool {
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n--
	}
	mark := len(rc.poly.pts)
	for _, v := range r[:n] {
		x, y, ok := rc.proj.mercator(epsg, v[0], v[1])
		if !ok {
			rc.poly.pts = rc.poly.pts[:mark]
			return false
		}
		rc.poly.pts = append(rc.poly.pts, rc.frame.unit(x, y))
	}
	rc.poly.ends = append(rc.poly.ends, len(rc.poly.pts))
	return true
}

// bound returns the bound of a ring of tile units.
func bound(r []pt) (minX, minY, maxX, maxY int64) {
	minX, minY, maxX, maxY = int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MinInt64), int64(math.MinInt64)
	for _, p := range r {
		minX, minY, maxX, maxY = min(minX, p.x), min(minY, p.y), max(maxX, p.x), max(maxY, p.y)
	}
	return
}

// outside reports whether a bound has no part inside the buffered tile.
func outside(minX, minY, maxX, maxY int64) bool {
	return maxX <= lo || minX >= hi || maxY <= lo || minY >= hi
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

// clean removes repeated points and spikes, also across the closing
// point, in place. A spike is a vertex where the ring turns back on the
// line it came along (a, b, c collinear with c back towards a): rounding
// to the tile grid makes them of narrow notches and teeth.
func clean(r []pt) []pt {
	out := r[:0]
	for _, p := range r {
		for {
			n := len(out)
			if n > 0 && out[n-1] == p {
				break
			}
			if n > 1 && spike(out[n-2], out[n-1], p) {
				out = out[:n-1]
				continue
			}
			out = append(out, p)
			break
		}
	}
	for len(out) > 2 {
		last := len(out) - 1
		switch {
		case out[last] == out[0]:
			out = out[:last]
		case spike(out[last-1], out[last], out[0]):
			out = out[:last]
		case spike(out[last], out[0], out[1]):
			out = out[1:]
		default:
			return out
		}
	}
	return out
}

// spike reports whether b is the tip of a zero-width spike a-b-c.
func spike(a, b, c pt) bool {
	ux, uy, vx, vy := b.x-a.x, b.y-a.y, c.x-b.x, c.y-b.y
	return ux*vy == uy*vx && ux*vx+uy*vy < 0
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
