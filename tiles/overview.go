package tiles

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

// Below the plots' minimum zoom (Options.PlotsMinZoom) and from
// Options.OverviewMinZoom, a tile with plots shows every plot when they
// fit the size budget whole (a commune fits at z12-13), without labels;
// otherwise a land-use overview: the plots dissolved by the legend group
// of their main land-use code (spatial/landuse.csv), one feature a group
// per tile, and the communes, dissolved the same way, with their codes and
// names.
//
// Dissolving is exact on the tile grid: each plot is drawn as at any zoom
// (clipped, cleaned, oriented), and the union of a group is what is left
// of its directed edges once every edge met in both directions is
// cancelled. Shared borders come out identical in both plots (geom.go), so
// they cancel, and the rest links into rings; at a vertex where several
// rings meet, each ring turns as far left as it can (the inside is on the
// left), so rings touch at points but never cross or run along each
// other. The overview is thus as watertight as the plots.

// Field positions of the landuse and communes layers.
const (
	ofGroup = iota
)

const (
	cfCommune = iota
	cfName
)

var landUseFields = []Field{
	{"group", String, "legend group of the plots' main land-use code (spatial/landuse.csv; \"other\" if unknown)"},
}

var communeFields = []Field{
	{"commune", String, "code of the commune"},
	{"name", String, "name of the commune (absent if unknown)"},
}

var (
	landUseSpec = &layerSpec{name: "landuse", description: "land-use overview below the plots' zoom when the plots do not fit a tile: plots dissolved by legend group", fields: landUseFields, version: 2, extent: Extent}
	communeSpec = &layerSpec{name: "communes", description: "commune areas below the plots' zoom when the plots do not fit a tile, with their names", fields: communeFields, version: 2, extent: Extent}
)

// low reports whether tile zoom z of a tileset is below the plots' zoom
// and within the overview zooms.
func (o Options) low(l Layer, z int) bool {
	return l.hasPlots() && z < o.PlotsMinZoom && z >= o.OverviewMinZoom
}

// edgeSet is a multiset of directed edges of tile units (packed, see
// packEdge) in which an edge cancels its reverse.
type edgeSet map[uint64]int32

// packEdge packs an edge of points within the buffered tile (clipped:
// -64..4160, so 16 bits each with an offset).
func packEdge(a, b pt) uint64 {
	return uint64(a.x+128)<<48 | uint64(a.y+128)<<32 | uint64(b.x+128)<<16 | uint64(b.y+128)
}

func unpackEdge(k uint64) (a, b pt) {
	return pt{int64(k>>48) - 128, int64(k>>32&0xffff) - 128}, pt{int64(k>>16&0xffff) - 128, int64(k&0xffff) - 128}
}

func (s edgeSet) ring(r []pt) {
	a := r[len(r)-1]
	for _, b := range r {
		s.edge(a, b)
		a = b
	}
}

// edge adds edge a-b, or cancels its reverse.
func (s edgeSet) edge(a, b pt) {
	if rk := packEdge(b, a); s[rk] > 0 {
		if s[rk]--; s[rk] == 0 {
			delete(s, rk)
		}
	} else {
		s[packEdge(a, b)]++
	}
}

// dissolver gathers the edges of the plots of an overview tile.
type dissolver struct {
	groups   map[string]edgeSet
	communes map[string]edgeSet
	cur      [2]edgeSet // the sets the current plot's rings go to
	area     map[string]float64
	edges    []uint64
	used     []bool
	part     edgeSet // the parts of one multi-part plot
}

func (d *dissolver) reset() {
	if d.groups == nil {
		d.groups, d.communes, d.area = map[string]edgeSet{}, map[string]edgeSet{}, map[string]float64{}
	}
	clear(d.groups)
	clear(d.communes)
	clear(d.area)
}

func setOf(m map[string]edgeSet, k string) edgeSet {
	s, ok := m[k]
	if !ok {
		s = edgeSet{}
		m[k] = s
	}
	return s
}

// landUseGroup returns the legend group of a plot's main land-use code.
func landUseGroup(codes []string) string {
	if len(codes) > 0 {
		if u, ok := spatial.LookupLandUse(codes[0]); ok && u.Group != "" {
			return u.Group
		}
	}
	return "other"
}

// overview draws the land-use and commune layers of a low-zoom tile.
func (rc *renderCtx) overview(src source, landUse, communes *layerBuf) {
	d := &rc.dis
	d.reset()
	rc.found = rc.found[:0]
	src.snap.SearchPlots(rc.frame.search(), func(p *index.Plot) bool {
		rc.found = append(rc.found, keyedPlot{id: plotID(p.Key), p: p})
		return true
	})
	slices.SortFunc(rc.found, func(a, b keyedPlot) int {
		return cmp.Or(cmp.Compare(a.id, b.id), comparePlotKey(a.p.Key, b.p.Key))
	})
	rc.dissolving = true
	rc.strs.reset()
	for _, k := range rc.found {
		g := landUseGroup(k.p.LandUse)
		d.cur = [2]edgeSet{setOf(d.groups, g), setOf(d.communes, k.p.Commune)}
		rc.scratch = prepare(&rc.proj, &rc.xs, &rc.strs, k.p, rc.scratch[:0])
		if poly, _ := rc.drawRecord(rec(rc.scratch), k.p); poly {
			d.area[g] += k.p.Area
			d.area["c"+k.p.Commune] += k.p.Area
		}
	}
	rc.dissolving = false
	clear(rc.found) // no pointers into an old snapshot stay in the pool
	rc.found = rc.found[:0]
	for _, g := range sortedKeys(d.groups) {
		if !rc.dissolved(d.groups[g], false) || !rc.next(1, d.area[g]) {
			continue
		}
		before := len(landUse.feats) + len(landUse.vals)
		landUse.str(ofGroup, g)
		landUse.feature(0, typePolygon, rc.geom.b)
		rc.sized(landUse, before)
	}
	for _, c := range sortedKeys(d.communes) {
		if !rc.dissolved(d.communes[c], false) || !rc.next(2, d.area["c"+c]) {
			continue
		}
		before := len(communes.feats) + len(communes.vals)
		communes.str(cfCommune, c)
		if name := rc.r.opt.CommuneNames[c]; name != "" {
			communes.str(cfName, name)
		}
		communes.feature(0, typePolygon, rc.geom.b)
		rc.sized(communes, before)
	}
}

func sortedKeys(m map[string]edgeSet) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// dissolved links what is left of an edge set into rings and writes them
// into rc.geom as one polygon geometry (exteriors each followed by their
// holes); false if nothing is left.
func (rc *renderCtx) dissolved(s edgeSet, node bool) bool {
	rc.geom.reset()
	if node {
		nodeEdges(s)
	}
	edges := rc.dis.edges[:0]
	for k, n := range s {
		for range n {
			edges = append(edges, k)
		}
	}
	slices.Sort(edges)
	rc.dis.edges = edges
	used := slices.Grow(rc.dis.used[:0], len(edges))[:len(edges)]
	clear(used)
	rc.dis.used = used
	// from returns the first edge starting at p.
	from := func(p pt) int {
		k := uint64(p.x+128)<<48 | uint64(p.y+128)<<32
		return sort.Search(len(edges), func(i int) bool { return edges[i] >= k })
	}
	out := &rc.clip.a
	out.reset()
	for i := range edges {
		if used[i] {
			continue
		}
		mark := len(out.pts)
		cur := i
		for {
			used[cur] = true
			a, b := unpackEdge(edges[cur])
			out.pts = append(out.pts, a)
			// The next edge: the unused one from b (or the first edge of
			// this ring, closing it) that turns furthest left.
			best, bestT := -1, math.Inf(-1)
			dx, dy := float64(b.x-a.x), float64(b.y-a.y)
			for j := from(b); j < len(edges); j++ {
				c, e := unpackEdge(edges[j])
				if c != b {
					break
				}
				if used[j] && j != i {
					continue
				}
				ex, ey := float64(e.x-b.x), float64(e.y-b.y)
				turn := math.Atan2(dx*ey-dy*ex, dx*ex+dy*ey)
				if turn > bestT || (turn == bestT && j == i) {
					best, bestT = j, turn
				}
			}
			if best < 0 { // an open chain: not a ring
				out.pts = out.pts[:mark]
				break
			}
			if best == i {
				out.ends = append(out.ends, len(out.pts))
				break
			}
			cur = best
		}
	}
	cl := &rc.clip
	cl.out, cl.shell = cl.out[:0], cl.shell[:0]
	shells := 0
	for i := range out.len() {
		r := rc.cleanRing(out.at(i), true)
		a := area2(r)
		if len(r) < 3 || a == 0 {
			continue
		}
		cl.out, cl.shell = append(cl.out, r), append(cl.shell, a > 0)
		if a > 0 {
			shells++
		}
	}
	if shells == 0 {
		return false
	}
	// Exteriors of one set never overlap: a hole goes to the one that
	// contains it.
	for i, sh := range cl.out {
		if !cl.shell[i] {
			continue
		}
		rc.geom.ring(sh)
		for j, h := range cl.out {
			if cl.shell[j] || (shells > 1 && !holeIn(h, sh)) {
				continue
			}
			rc.geom.ring(h)
		}
	}
	return true
}

// nodeEdges splits the edges of a small set at the end points of others
// lying inside them, and cancels the pieces met in both directions: parts
// of one plot that rounding brought together may share a border cut at
// different points (O(n²): multi-part plots only).
func nodeEdges(s edgeSet) {
	var pts []pt
	var edges []uint64
	for k, n := range s {
		a, b := unpackEdge(k)
		pts = append(pts, a, b)
		for range n {
			edges = append(edges, k)
		}
	}
	slices.Sort(edges)
	clear(s)
	var cut []pt
	for _, k := range edges {
		a, b := unpackEdge(k)
		cut = cut[:0]
		for _, p := range pts {
			if p != a && p != b && orient(a, b, p) == 0 &&
				min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y) {
				cut = append(cut, p)
			}
		}
		slices.SortFunc(cut, func(p, q pt) int {
			return cmp.Compare(abs(p.x-a.x)+abs(p.y-a.y), abs(q.x-a.x)+abs(q.y-a.y))
		})
		cut = slices.Compact(cut)
		prev := a
		for _, p := range append(cut, b) {
			s.edge(prev, p)
			prev = p
		}
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
