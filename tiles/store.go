package tiles

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

// plotStore is the tile-ready copy of the plots of the served state (see
// prepared.go), bucketed by the tiles of the plots' minimum zoom: a bucket
// lists every plot whose bound meets its buffered area, in key order, with
// the bound. A tile at that zoom or deeper lies with its buffer inside the
// buffered area of one bucket, its ancestor, so a render scans that one
// list: no tree search, no sort, no projection, no pointer to follow. It
// costs about 190 bytes a plot (TestStoreMatchesRender reports it), built
// in the background when the cache adopts its first snapshot (a few
// microseconds a plot) and kept up to date by Cache.Invalidate. It is read
// under mu (RLock for a whole render) and changed under its write lock.
type plotStore struct {
	z int // bucket zoom: the plots' minimum zoom

	mu      sync.RWMutex // guards what follows
	arena   []int32
	strs    strTable
	buckets map[uint64][]bucketEnt
	aside   map[uint32]*index.Plot // the plots of records marked wide or bad, by offset
	live    int                    // plots
	free    int                    // arena int32s of removed plots
	ready   bool
	pending [][]index.Touched // changes announced while building
	took    time.Duration
}

// StoreStats describes the tile-ready copy of the plots.
type StoreStats struct {
	Ready   bool
	Plots   int
	Bytes   int64         // memory held (arena, buckets, string table)
	Took    time.Duration // build time
	Buckets int
}

// bucketEnt is one plot of a bucket: its padded Mercator bound on a global
// grid of 2^31 units (rounded outwards) and its record's offset.
type bucketEnt struct {
	minX, minY, maxX, maxY int32
	off                    uint32
}

const entSize = 20 // bytes of a bucketEnt

// bbScale is the units of the bucket bounds per Mercator metre.
const bbScale = float64(1<<31) / (2 * halfWorld)

// bbox returns a Mercator bound on the bucket grid, rounded outwards
// (y down, like tiles).
func bbox(b orb.Bound) (minX, minY, maxX, maxY int32) {
	c := func(v float64) int32 { return int32(max(math.MinInt32, min(math.MaxInt32, v))) }
	return c(math.Floor((b.Min[0] + halfWorld) * bbScale)), c(math.Floor((halfWorld - b.Max[1]) * bbScale)),
		c(math.Ceil((b.Max[0] + halfWorld) * bbScale)), c(math.Ceil((halfWorld - b.Min[1]) * bbScale))
}

func bucketKey(x, y uint32) uint64 { return uint64(x)<<32 | uint64(y) }

func newPlotStore(z int) *plotStore {
	return &plotStore{z: z, buckets: map[uint64][]bucketEnt{}, aside: map[uint32]*index.Plot{}}
}

// build fills the store from a snapshot, then applies the changes
// announced meanwhile. Nothing is visible to renders before it is done.
func (s *plotStore) build(snap *index.Snapshot, proj *Projector) {
	start := time.Now()
	c := cursor{p: proj}
	var xs [3][]float64
	var strs strTable
	// Sized exactly: growing by doubling would hold up to twice the
	// arena (hundreds of MiB for a province) while building.
	//
	// The records are laid out bucket by bucket, in each in the order a
	// render reads them (plot id): a render then walks the arena forwards
	// instead of jumping between the index's leaves (a cache miss a plot
	// was a tenth of a render). A plot meeting several buckets goes with
	// the one of its centre.
	type placed struct {
		bucket, id uint64
		p          *index.Plot
	}
	order := make([]placed, 0, snap.Len())
	size := 0
	snap.EachPlot(func(p *index.Plot) bool {
		x0, y0, x1, y1 := tileRange(p.Merc, s.z)
		order = append(order, placed{bucket: bucketKey((x0+x1)/2, (y0+y1)/2), id: plotID(p.Key), p: p})
		size += aHeader
		for _, poly := range p.Geometry {
			for _, r := range poly {
				n := len(r)
				if n > 1 && r[0] == r[n-1] {
					n--
				}
				size += 1 + 2*n
			}
		}
		return true
	})
	arena := make([]int32, 0, size)
	buckets := map[uint64][]bucketEnt{}
	aside := map[uint32]*index.Plot{}
	live := 0
	slices.SortFunc(order, func(a, b placed) int {
		return cmp.Or(cmp.Compare(a.bucket, b.bucket), cmp.Compare(a.id, b.id), comparePlotKey(a.p.Key, b.p.Key))
	})
	for _, o := range order {
		p := o.p
		off := uint32(len(arena))
		arena = prepare(&c, &xs, &strs, p, arena)
		if arena[off+aFlags]&(recWide|recBad) != 0 {
			aside[off] = p
		}
		s.eachBucket(p.Merc, func(k uint64) bool {
			buckets[k] = append(buckets[k], newEnt(p.Merc, off))
			return true
		})
		live++
	}
	for k, b := range buckets {
		slices.SortFunc(b, func(x, y bucketEnt) int { return compareRecs(arena, strs.strs, x.off, y.off) })
		buckets[k] = slices.Clone(b) // without the slack of appending
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.arena, s.strs, s.buckets, s.aside, s.live = arena, strs, buckets, aside, live
	for _, t := range s.pending {
		s.applyLocked(t, proj)
	}
	s.pending, s.ready, s.took = nil, true, time.Since(start)
}

func newEnt(b orb.Bound, off uint32) bucketEnt {
	e := bucketEnt{off: off}
	e.minX, e.minY, e.maxX, e.maxY = bbox(b)
	return e
}

// compareRecs orders records by feature id, then key (the order of the
// plots in a tile).
func compareRecs(arena []int32, strs []string, a, b uint32) int {
	ra, rb := rec(arena[a:]), rec(arena[b:])
	if c := cmp.Compare(ra.id(), rb.id()); c != 0 {
		return c
	}
	return comparePlotKey(ra.key(strs), rb.key(strs))
}

// stats returns the store's size.
func (s *plotStore) stats() StoreStats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := StoreStats{Ready: s.ready, Plots: s.live, Buckets: len(s.buckets), Took: s.took}
	st.Bytes = int64(cap(s.arena)) * 4
	for _, b := range s.buckets {
		st.Bytes += int64(cap(b))*entSize + 48 // entries, slice header and map slot
	}
	for _, str := range s.strs.strs {
		st.Bytes += int64(len(str)) + 40
	}
	return st
}

// eachBucket calls fn with the keys of the buckets whose buffered area b
// may meet (tileRange is a superset; bounds filter at render), until it
// returns false.
func (s *plotStore) eachBucket(b orb.Bound, fn func(uint64) bool) {
	x0, y0, x1, y1 := tileRange(b, s.z)
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			if !fn(bucketKey(x, y)) {
				return
			}
		}
	}
}

// each calls fn with the prepared plots whose bound meets the buffered
// tile of frame f at zoom z, in key order, and reports true; false if the
// store cannot answer (not built yet, or z above its bucket zoom). p is
// the plot of a record marked wide or bad, else nil. The caller holds
// s.mu for reading.
func (s *plotStore) each(f frame, z int, fn func(r rec, p *index.Plot)) bool {
	if !s.ready || z < s.z {
		return false
	}
	d := uint(z - s.z)
	ox, oy := uint32(f.ox/Extent), uint32(f.oy/Extent)
	minX, minY, maxX, maxY := bbox(f.search())
	for _, e := range s.buckets[bucketKey(ox>>d, oy>>d)] {
		if e.maxX >= minX && e.minX <= maxX && e.maxY >= minY && e.minY <= maxY {
			r := rec(s.arena[e.off:])
			var p *index.Plot
			if r[aFlags]&(recWide|recBad) != 0 {
				p = s.aside[e.off]
			}
			fn(r, p)
		}
	}
	return true
}

// apply brings the store up to date with a change of the index (what
// Index.Apply returned), or queues it while the store is being built.
func (s *plotStore) apply(touched []index.Touched, proj *Projector) {
	if len(touched) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ready {
		s.pending = append(s.pending, touched)
		return
	}
	s.applyLocked(touched, proj)
}

func (s *plotStore) applyLocked(touched []index.Touched, proj *Projector) {
	c := cursor{p: proj}
	var xs [3][]float64
	for _, t := range touched {
		if t.Old != nil {
			s.removeLocked(t.Old.Key, t.Old.Merc)
		}
		if t.New == nil {
			continue
		}
		s.removeLocked(t.New.Key, t.New.Merc) // never twice the same key
		off := uint32(len(s.arena))
		s.arena = prepare(&c, &xs, &s.strs, t.New, s.arena)
		if s.arena[off+aFlags]&(recWide|recBad) != 0 {
			s.aside[off] = t.New
		}
		e := newEnt(t.New.Merc, off)
		s.eachBucket(t.New.Merc, func(k uint64) bool {
			b := s.buckets[k]
			at, _ := slices.BinarySearchFunc(b, off, func(x bucketEnt, off uint32) int { return compareRecs(s.arena, s.strs.strs, x.off, off) })
			s.buckets[k] = slices.Insert(b, at, e)
			return true
		})
		s.live++
	}
	if s.free > len(s.arena)/2+1<<16 { // removed plots hold over half the arena
		s.compactLocked()
	}
}

// removeLocked drops the record of a key, looked for in the buckets of
// bound b, from every bucket it is in.
func (s *plotStore) removeLocked(k spatial.PlotKey, b orb.Bound) {
	found := false
	var victim bucketEnt
	s.eachBucket(b, func(bk uint64) bool {
		for _, e := range s.buckets[bk] {
			if rec(s.arena[e.off:]).key(s.strs.strs) == k {
				victim, found = e, true
				return false
			}
		}
		return true
	})
	if !found {
		return
	}
	// The entry's bound (rounded outwards) covers the plot's buckets.
	vb := orb.Bound{Min: orb.Point{float64(victim.minX)/bbScale - halfWorld, halfWorld - float64(victim.maxY)/bbScale},
		Max: orb.Point{float64(victim.maxX)/bbScale - halfWorld, halfWorld - float64(victim.minY)/bbScale}}.Pad(1)
	s.eachBucket(vb, func(bk uint64) bool {
		b := slices.DeleteFunc(s.buckets[bk], func(e bucketEnt) bool { return e.off == victim.off })
		if len(b) == 0 {
			delete(s.buckets, bk)
		} else {
			s.buckets[bk] = b
		}
		return true
	})
	r := rec(s.arena[victim.off:])
	s.free += r.size()
	r[aFlags] |= recDead
	delete(s.aside, victim.off)
	s.live--
}

// compactLocked rewrites the arena without removed plots.
func (s *plotStore) compactLocked() {
	arena := make([]int32, 0, len(s.arena)-s.free)
	moved := map[uint32]uint32{}
	aside := map[uint32]*index.Plot{}
	for off := 0; off < len(s.arena); {
		r := rec(s.arena[off:])
		n := r.size()
		if r[aFlags]&recDead == 0 {
			moved[uint32(off)] = uint32(len(arena))
			if p, ok := s.aside[uint32(off)]; ok {
				aside[uint32(len(arena))] = p
			}
			arena = append(arena, r[:n]...)
		}
		off += n
	}
	for _, b := range s.buckets {
		for j := range b {
			b[j].off = moved[b[j].off]
		}
	}
	s.arena, s.aside, s.free = arena, aside, 0
}
