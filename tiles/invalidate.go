package tiles

import (
	"container/list"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/spatial/index"
)

// Invalidate drops every cached tile, at every zoom, that the old or new
// bound of a touched plot meets, and every tile that a changed, added or
// removed sheet meets (found by comparing the sheets of the served
// snapshot with the index's current one: a few thousand per province),
// then serves the index's current snapshot. Call it after every
// Index.Apply with what Apply returned, one writer at a time.
func (c *Cache) Invalidate(touched []index.Touched) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	var sheets []orb.Bound
	if st := c.st.Load(); st != nil {
		sheets = sheetChanges(st.snap, c.ix.Snapshot())
	}
	if s := c.store.Load(); s != nil {
		s.apply(touched, c.r.proj) // before the tiles go: a render from now on sees the new plots
	}
	c.invalidate(plotBounds(touched), sheets)
}

// sheetChanges returns the old and new bounds of the sheets that differ
// between two snapshots.
func sheetChanges(before, after *index.Snapshot) []orb.Bound {
	var bs []orb.Bound
	after.EachSheet(func(s *index.Sheet) bool {
		old, ok := before.Sheet(s.Key)
		switch {
		case !ok:
			bs = append(bs, s.Merc)
		case old != s && !sameSheet(old, s):
			bs = append(bs, old.Merc, s.Merc)
		}
		return true
	})
	before.EachSheet(func(s *index.Sheet) bool {
		if _, ok := after.Sheet(s.Key); !ok {
			bs = append(bs, s.Merc)
		}
		return true
	})
	return bs
}

func sameSheet(a, b *index.Sheet) bool {
	return a.GridNumber == b.GridNumber && a.Scale == b.Scale && a.EPSG == b.EPSG && a.OffGrid == b.OffGrid && orb.Equal(a.Frame, b.Frame)
}

func plotBounds(touched []index.Touched) []orb.Bound {
	var bs []orb.Bound
	for _, t := range touched {
		if t.Old != nil {
			bs = append(bs, t.Old.Merc)
		}
		if t.New != nil {
			bs = append(bs, t.New.Merc)
		}
	}
	return bs
}

// invalidate drops the tiles meeting plot bounds (plots and cadastre
// tilesets, from the plots' minimum zoom) and sheet bounds (sheets and
// cadastre, from the sheets' minimum zoom), then adopts the current
// snapshot. Renders in flight are not stored (their epoch is over).
func (c *Cache) invalidate(plots, sheets []orb.Bound) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.r.opt
	n := c.dropLocked(plots, []Layer{Plots, Cadastre}, o.PlotsMinZoom)
	n += c.dropLocked(sheets, []Layer{Sheets, Cadastre}, o.SheetsMinZoom)
	c.m.invalidated.Add(float64(n))
	if c.st.Load() != nil || c.ix.Ready() {
		c.adoptLocked()
	} // else the first request after the build adopts the built snapshot
}

// dropLocked removes the cached tiles of the layers, from zoom minZ up,
// whose buffered area meets one of the bounds: the tiles whose render
// would include a plot with that bound. It walks the cache or the tile
// ranges of the bounds, whichever is shorter.
func (c *Cache) dropLocked(bounds []orb.Bound, layers []Layer, minZ int) int {
	if len(bounds) == 0 || len(c.items) == 0 {
		return 0
	}
	touches := func(k Key) bool {
		if int(k.Z) < minZ || !hasLayer(layers, k.Layer) {
			return false
		}
		box := newFrame(maptile.New(k.X, k.Y, maptile.Zoom(k.Z))).search()
		for _, b := range bounds {
			if box.Intersects(b) {
				return true
			}
		}
		return false
	}
	var victims []*list.Element
	if c.rangeSize(bounds, minZ)*len(layers) > len(c.items) {
		for k, e := range c.items {
			if touches(k) {
				victims = append(victims, e)
			}
		}
	} else {
		c.eachCandidate(bounds, minZ, func(x, y uint32, z int) {
			for _, l := range layers {
				k := Key{Layer: l, Z: uint8(z), X: x, Y: y}
				if e, ok := c.items[k]; ok && touches(k) {
					victims = append(victims, e)
				}
			}
		})
	}
	for _, e := range victims {
		if _, ok := c.items[e.Value.(*entry).key]; ok {
			c.removeLocked(e)
		}
	}
	return len(victims)
}

func hasLayer(ls []Layer, l Layer) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

// tileRange returns the tiles of zoom z whose buffered area may meet b (a
// superset: the exact test follows).
func tileRange(b orb.Bound, z int) (x0, y0, x1, y1 uint32) {
	n := float64(uint64(1) << z)
	size := 2 * halfWorld / n
	pad := size * Buffer / Extent
	clamp := func(v float64) uint32 { return uint32(max(0, min(n-1, math.Floor(v)))) }
	return clamp((b.Min[0] - pad + halfWorld) / size), clamp((halfWorld - b.Max[1] - pad) / size),
		clamp((b.Max[0] + pad + halfWorld) / size), clamp((halfWorld - b.Min[1] + pad) / size)
}

func (c *Cache) rangeSize(bounds []orb.Bound, minZ int) int {
	total := 0
	for z := minZ; z <= c.r.opt.MaxZoom; z++ {
		for _, b := range bounds {
			x0, y0, x1, y1 := tileRange(b, z)
			total += int(x1-x0+1) * int(y1-y0+1)
			if total > len(c.items) {
				return total
			}
		}
	}
	return total
}

func (c *Cache) eachCandidate(bounds []orb.Bound, minZ int, fn func(x, y uint32, z int)) {
	for z := minZ; z <= c.r.opt.MaxZoom; z++ {
		for _, b := range bounds {
			x0, y0, x1, y1 := tileRange(b, z)
			for x := x0; x <= x1; x++ {
				for y := y0; y <= y1; y++ {
					fn(x, y, z)
				}
			}
		}
	}
}
