package audit

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

// In a clean tessellation every boundary segment inside the covered area
// is used twice, once in each direction (each plot's interior on its
// left), and the number of plots over a point changes only across a
// segment without its reverse. So after cancelling reverse pairs (and
// splitting segments at T-junctions, where one plot's edge spans two of
// its neighbour's), what is left is the boundary of the union of the
// plots: its counter-clockwise rings enclose plots, its clockwise rings
// are holes in the cover, the gaps. Plots only ever overlap next to a
// left-over or doubled segment, so only their owners need the pairwise
// overlap test (overlap.go): a clean province costs a hash-map pass.

// dedge is a directed boundary segment, interior of its owner on the left.
type dedge struct {
	a, b  orb.Point
	owner *index.Plot
}

type seg struct{ a, b orb.Point }

// onTol (m) is how far a vertex may lie off a segment and still split it
// (a T-junction): well under survey precision, far above float rounding.
const onTol = 1e-6

// matchEdges cancels the reverse pairs among the sheet's plots' edges,
// reports the clockwise rings of what is left as gaps or slivers through
// report, and keeps the rest and the plots with doubled edges in w.
func matchEdges(w *sheetWork, plots []*index.Plot, o Options, report func(Problem)) {
	var all []dedge
	for _, p := range plots {
		for _, e := range spatial.Edges(p.Geometry) {
			if e.From != e.To {
				all = append(all, dedge{e.From, e.To, p})
			}
		}
	}
	rest, doubled := cancel(all)
	if len(rest) > 0 {
		rest, doubled2 := cancel(splitAtJunctions(rest))
		doubled = append(doubled, doubled2...)
		w.rest = rest
	}
	w.flagged = append(w.flagged, doubled...)
	for _, g := range gapRings(w.rest) {
		report(gapProblem(g, w, o))
	}
}

// cancel removes every segment whose reverse is there too (one for one)
// and returns the rest, and the owners of segments used more than once in
// the same direction.
func cancel(es []dedge) (rest []dedge, doubled []*index.Plot) {
	count := make(map[seg]int32, len(es))
	for _, e := range es {
		count[seg{e.a, e.b}]++
	}
	for _, e := range es {
		n, m := count[seg{e.a, e.b}], count[seg{e.b, e.a}]
		if n > 1 {
			doubled = append(doubled, e.owner)
		}
		if m == 0 || n > m {
			rest = append(rest, e)
		}
	}
	return rest, doubled
}

// splitAtJunctions cuts each segment at the endpoints of the others that
// lie on it. The endpoints are hashed on a grid of junctionCell metres, so
// that the left-overs of a whole province (the sheets' frames, cut at
// different points on either side) split in one pass.
func splitAtJunctions(es []dedge) []dedge {
	type cell struct{ x, y int64 }
	at := func(v float64) int64 { return int64(math.Floor(v / junctionCell)) }
	grid := make(map[cell][]orb.Point, len(es))
	seen := make(map[orb.Point]bool, 2*len(es))
	for _, e := range es {
		for _, p := range [2]orb.Point{e.a, e.b} {
			if !seen[p] {
				seen[p] = true
				c := cell{at(p[0]), at(p[1])}
				grid[c] = append(grid[c], p)
			}
		}
	}
	type cut struct {
		t float64
		p orb.Point
	}
	out := make([]dedge, 0, len(es))
	var cuts []cut
	for _, e := range es {
		cuts = cuts[:0]
		dx, dy := e.b[0]-e.a[0], e.b[1]-e.a[1]
		l2 := dx*dx + dy*dy
		l := math.Sqrt(l2)
		for cx := at(min(e.a[0], e.b[0]) - onTol); cx <= at(max(e.a[0], e.b[0])+onTol); cx++ {
			for cy := at(min(e.a[1], e.b[1]) - onTol); cy <= at(max(e.a[1], e.b[1])+onTol); cy++ {
				for _, p := range grid[cell{cx, cy}] {
					if p == e.a || p == e.b {
						continue
					}
					t := ((p[0]-e.a[0])*dx + (p[1]-e.a[1])*dy) / l2
					if t > 0 && t < 1 && math.Abs((p[0]-e.a[0])*dy-(p[1]-e.a[1])*dx)/l < onTol {
						cuts = append(cuts, cut{t, p})
					}
				}
			}
		}
		if len(cuts) == 0 {
			out = append(out, e)
			continue
		}
		slices.SortFunc(cuts, func(x, y cut) int { return cmp.Compare(x.t, y.t) })
		from := e.a
		for _, c := range cuts {
			out = append(out, dedge{from, c.p, e.owner})
			from = c.p
		}
		out = append(out, dedge{from, e.b, e.owner})
	}
	return out
}

// junctionCell (m) is the cell of the endpoint grid of splitAtJunctions:
// about the length of a plot's edge.
const junctionCell = 20.0

// gapRing is a clockwise ring of left-over segments: a hole in the cover.
type gapRing struct {
	ring       orb.Ring // counter-clockwise (the gap's own orientation)
	area, perm float64
	owners     []*index.Plot
}

// gapRings chains the left-over segments into rings, keeping the face on
// the right (the uncovered side) tight at vertices where several meet, and
// returns the clockwise ones.
func gapRings(es []dedge) []gapRing {
	out := map[orb.Point][]int{}
	for i, e := range es {
		out[e.a] = append(out[e.a], i)
	}
	used := make([]bool, len(es))
	var gaps []gapRing
	for start := range es {
		if used[start] {
			continue
		}
		ring := orb.Ring{es[start].a}
		idx := []int{}
		cur, ok := start, true
		for steps := 0; ok && steps <= len(es); steps++ {
			used[cur] = true
			idx = append(idx, cur)
			e := es[cur]
			ring = append(ring, e.b)
			if e.b == es[start].a {
				break
			}
			cur, ok = nextEdge(es, out[e.b], used, e)
		}
		if !ok || ring[len(ring)-1] != ring[0] || len(ring) < 4 {
			continue
		}
		a := spatial.RingArea(ring)
		if a >= 0 {
			continue // a counter-clockwise ring encloses plots
		}
		slices.Reverse(ring)
		g := gapRing{ring: ring, area: -a}
		seen := map[*index.Plot]bool{}
		for _, i := range idx {
			g.perm += math.Hypot(es[i].b[0]-es[i].a[0], es[i].b[1]-es[i].a[1])
			if o := es[i].owner; !seen[o] {
				seen[o] = true
				g.owners = append(g.owners, o)
			}
		}
		gaps = append(gaps, g)
	}
	return gaps
}

// nextEdge picks, among the unused segments leaving the end of in, the one
// that turns most to the right.
func nextEdge(es []dedge, cands []int, used []bool, in dedge) (int, bool) {
	back := math.Atan2(in.a[1]-in.b[1], in.a[0]-in.b[0])
	best, bestAng := -1, math.Inf(1)
	for _, c := range cands {
		if used[c] {
			continue
		}
		e := es[c]
		ang := math.Atan2(e.b[1]-e.a[1], e.b[0]-e.a[0]) - back
		for ang <= 0 {
			ang += 2 * math.Pi
		}
		if ang < bestAng {
			best, bestAng = c, ang
		}
	}
	return best, best >= 0
}

func gapProblem(g gapRing, w *sheetWork, o Options) Problem {
	width := 2 * g.area / g.perm
	k := Gap
	if width < o.SliverWidth {
		k = Sliver
	}
	pr := Problem{Kind: k, Measure: math.Round(g.area*1000) / 1000, MeasureUnit: "m²", Geometry: polygonOf(g.ring)}
	if len(g.owners) > 0 {
		pr.EPSG = int(g.owners[0].EPSG)
	}
	slices.SortFunc(g.owners, func(a, b *index.Plot) int { return comparePlotKey(a.Key, b.Key) })
	hint := ""
	for _, p := range g.owners {
		pr.Others = append(pr.Others, p.Key)
		if lu, ok := spatial.LookupLandUse(first(p.LandUse)); ok && (lu.Group == "roads" || lu.Group == "water") && hint == "" {
			hint = fmt.Sprintf("; it borders %s plot %s: an unmapped piece of it?", lu.Code, p.Key)
		}
	}
	pr.Detail = fmt.Sprintf("%.3f m² inside sheet %s covered by no plot (mean width %.2f m), between %d plots%s", g.area, w.key, width, len(g.owners), hint)
	return pr
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func comparePlotKey(a, b spatial.PlotKey) int {
	return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Sheet, b.Sheet), cmp.Compare(a.Plot, b.Plot))
}

// crossSheetEdges matches the left-over segments of every sheet with each
// other (a plot's edge on its sheet's frame meets the reverse edge of the
// plot across it) and returns the plots that need the overlap test.
func crossSheetEdges(works []*sheetWork) []*index.Plot {
	var rest []dedge
	var flagged []*index.Plot
	for _, w := range works {
		rest = append(rest, w.rest...)
		flagged = append(flagged, w.flagged...)
	}
	left, doubled := cancel(splitAtJunctions(rest))
	flagged = append(flagged, doubled...)
	for _, e := range left {
		flagged = append(flagged, e.owner)
	}
	slices.SortFunc(flagged, func(a, b *index.Plot) int { return comparePlotKey(a.Key, b.Key) })
	return slices.CompactFunc(flagged, func(a, b *index.Plot) bool { return a == b })
}
