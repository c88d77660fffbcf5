package tiles

import (
	"math"
	"sync"

	"cadastre/spatial/crs"
)

// Projector maps VN-2000 plane coordinates to Web Mercator fast and
// deterministically.
//
// The exact path (inverse transverse Mercator, EPSG:6960 Helmert shift,
// Mercator) costs about 500 ns a point; a z15 tile of a town holds tens of
// thousands of vertices. So the exact mapping is evaluated only on the nodes
// of a fixed square grid of each zone's plane (Step metres apart, filled
// lazily in blocks) and interpolated bilinearly in between. The mapping is
// smooth: its second derivatives are below 1e-7 per metre in Vietnam, so
// the interpolation error stays under Step²/8 x 1e-7 (0.2 mm for 128 m),
// far below a z20 tile unit (9.3 mm); TestProjectorError measures it across
// a zone. The grid is the same for every tile and every plot, so a vertex
// always maps to the same point: the basis of shared borders.
//
// Memory: a block of 32 x 32 cells holds 33 x 33 nodes (17 KiB) and covers
// 4 x 4 km at the default step, so a province of 150 x 100 km needs about
// 16 MiB, independent of the number of plots; nothing is added to the
// index entries.
type Projector struct {
	step   float64
	mu     sync.RWMutex
	blocks map[blockKey]*block
}

// DefaultGridStep is the default node spacing of the Projector grid, in
// plane metres.
const DefaultGridStep = 128

const blockCells = 32

type blockKey struct {
	epsg int32
	i, j int64 // block column (easting) and row (northing)
}

type block struct {
	x, y [(blockCells + 1) * (blockCells + 1)]float64
}

// NewProjector returns a Projector whose grid nodes lie step metres apart
// (DefaultGridStep if step <= 0).
func NewProjector(step float64) *Projector {
	if step <= 0 {
		step = DefaultGridStep
	}
	return &Projector{step: step, blocks: map[blockKey]*block{}}
}

// Exact returns the Web Mercator coordinates of a plane point of zone epsg
// on the exact path; ok is false for an unknown zone.
func Exact(epsg int32, e, n float64) (x, y float64, ok bool) {
	z, ok := crs.ZoneByEPSG(int(epsg))
	if !ok {
		return 0, 0, false
	}
	lon, lat := z.ToWGS84(e, n)
	x, y = crs.LonLatToMercator(lon, lat)
	return x, y, true
}

// Mercator returns the interpolated Web Mercator coordinates of a plane
// point of zone epsg; ok is false for an unknown zone or a point off the
// zone's plane.
func (p *Projector) Mercator(epsg int32, e, n float64) (x, y float64, ok bool) {
	var c cursor
	c.p = p
	return c.mercator(epsg, e, n)
}

// cursor remembers the last block used: consecutive vertices almost always
// fall into the same block, so the map lookup and lock are skipped.
type cursor struct {
	p   *Projector
	key blockKey
	b   *block
}

func (c *cursor) mercator(epsg int32, e, n float64) (x, y float64, ok bool) {
	u, v := e/c.p.step, n/c.p.step
	fu, fv := math.Floor(u), math.Floor(v)
	if math.IsNaN(fu) || math.IsNaN(fv) || math.Abs(fu) > 1e12 || math.Abs(fv) > 1e12 {
		return 0, 0, false
	}
	i, j := int64(fu), int64(fv)
	k := blockKey{epsg: epsg, i: floorDiv(i, blockCells), j: floorDiv(j, blockCells)}
	if c.b == nil || k != c.key {
		c.b = c.p.block(k)
		c.key = k
		if c.b == nil {
			return 0, 0, false
		}
	}
	li, lj := int(i-k.i*blockCells), int(j-k.j*blockCells)
	return c.b.interpolate(li, lj, u-fu, v-fv)
}

// interpolate is bilinear inside cell (li, lj) at fractions (du, dv). The
// float64 conversions forbid fused multiply-adds, so the result is the
// same on every platform.
func (b *block) interpolate(li, lj int, du, dv float64) (x, y float64, ok bool) {
	const w = blockCells + 1
	n00 := lj*w + li
	n10, n01, n11 := n00+1, n00+w, n00+w+1
	lerp := func(a, b, t float64) float64 { return a + float64(t*(b-a)) }
	x = lerp(lerp(b.x[n00], b.x[n10], du), lerp(b.x[n01], b.x[n11], du), dv)
	y = lerp(lerp(b.y[n00], b.y[n10], du), lerp(b.y[n01], b.y[n11], du), dv)
	return x, y, !math.IsNaN(x) && !math.IsNaN(y)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// block returns the block of k, computing it on first use (outside the
// lock: 1,089 exact projections take about half a millisecond).
func (p *Projector) block(k blockKey) *block {
	p.mu.RLock()
	b, ok := p.blocks[k]
	p.mu.RUnlock()
	if ok {
		return b
	}
	b = p.compute(k)
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.blocks[k]; ok {
		return prev
	}
	p.blocks[k] = b
	return b
}

// compute fills the nodes of one block; nil for an unknown zone.
func (p *Projector) compute(k blockKey) *block {
	z, ok := crs.ZoneByEPSG(int(k.epsg))
	if !ok {
		return nil
	}
	b := new(block)
	const w = blockCells + 1
	for r := range w {
		n := float64(k.j*blockCells+int64(r)) * p.step
		for c := range w {
			e := float64(k.i*blockCells+int64(c)) * p.step
			lon, lat := z.ToWGS84(e, n)
			b.x[r*w+c], b.y[r*w+c] = crs.LonLatToMercator(lon, lat)
		}
	}
	return b
}

// Blocks returns the number of grid blocks computed so far, for tests and
// memory estimates (each holds about 17 KiB).
func (p *Projector) Blocks() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.blocks)
}
