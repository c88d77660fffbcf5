package overlay

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// The parts of a plot that a re-measured boundary leaves out (a − b) are
// what an overlay (simplefeatures' Difference) computes in about a
// millisecond at 200 vertices. They follow from the same cuts as
// SharedArea: the pieces of a's boundary outside b (or along b's boundary
// the other way) and the pieces of b's boundary inside a, reversed,
// joined where they meet. A crossing is named by the pair of edges that
// make it and a shared point by its coordinates, so the joins need no
// tolerance. That holds when the boundaries cross properly or meet where
// the overlay sees them meet (a vertex on the other boundary within its
// snapping distance, a shared stretch), and no part has a hole or
// passes a point twice; anything else (a vertex within 1e-9 m of the
// other boundary but beyond the snapping distance, a crossing flatter
// than minSine, a pinch) is left to the overlay.
//
// The overlay's rings also carry the vertices its "ghost" lines add:
// simplefeatures v0.50 joins the components of its inputs by a spanning
// tree over the first vertices of their rings (createGhosts and
// spanningTree in dcel_ghosts.go) and nodes the inputs where those lines
// cross them; the nodes stay in the output. ghostLines builds the same
// tree, and a piece a ghost line crosses gets the crossing as a vertex
// here too. TestDifferencePiecesRandom compares with the overlay vertex
// for vertex; a new simplefeatures version must pass it again.

// Piece is one connected part of a difference: a simple ring (closed,
// counter-clockwise) in the local coordinates of its shapes, and its area.
type Piece struct {
	Ring orb.Ring
	Area float64
}

// minSine is the smallest angle (its sine) at which DifferencePieces
// trusts a crossing: the position of the crossing of two nearly parallel
// segments is uncertain by the float rounding divided by this.
const minSine = 1e-6

// DifferencePieces returns the connected parts of a − b (two shapes made
// with the same origin) as the overlay returns them, to float rounding (a
// crossing is computed from one of its two edges), or false when it
// cannot be sure of them (see above): the overlay must answer then.
func DifferencePieces(a, b *Shape) ([]Piece, bool) {
	ghosts, ok := ghostLines(a, b)
	if !ok {
		return nil, false
	}
	snap := snapDist(a.bound.Union(b.bound))
	ps := make([]dpiece, 0, len(a.edges)+len(b.edges)+8)
	if ps, ok = a.boundaryPieces(ps, b, false, snap); !ok {
		return nil, false
	}
	if ps, ok = b.boundaryPieces(ps, a, true, snap); !ok {
		return nil, false
	}
	for _, g := range ghosts {
		if !ghostNodes(ps, g) {
			return nil, false
		}
	}
	return joinPieces(ps)
}

// snapDist returns the distance under which the overlay puts a vertex on
// a line (0x200 units in the last place of the largest coordinate,
// reNodeGeometries in dcel_re_noding.go), halved: closer than that, a
// vertex is on the other's edge for the overlay too; from there up to the
// touch tolerance, it may or may not be, and DifferencePieces declines.
func snapDist(b orb.Bound) float64 {
	m := math.Max(math.Max(math.Abs(b.Min[0]), math.Abs(b.Max[0])), math.Max(math.Abs(b.Min[1]), math.Abs(b.Max[1])))
	return (math.Nextafter(m, math.Inf(1)) - m) * 0x200 / 2
}

// ghostLines returns the lines the overlay adds between the first
// vertices of the rings of a and b: the points sorted by x then y, equal
// ones once; each but the last joined to its nearest point not yet
// connected to it (a greedy spanning tree). False when two candidates
// are equally near, where the overlay's choice depends on its R-tree.
func ghostLines(a, b *Shape) ([]Edge, bool) {
	pts := append(append(make([]orb.Point, 0, len(a.starts)+len(b.starts)), a.starts...), b.starts...)
	slices.SortFunc(pts, func(p, q orb.Point) int {
		if p[0] != q[0] {
			return cmp.Compare(p[0], q[0])
		}
		return cmp.Compare(p[1], q[1])
	})
	pts = slices.Compact(pts)
	set := make([]int, len(pts)) // disjoint sets: the root of each point
	for i := range set {
		set[i] = i
	}
	find := func(i int) int {
		for set[i] != i {
			i = set[i]
		}
		return i
	}
	var out []Edge
	for i := 0; i+1 < len(pts); i++ {
		best, bestD, tie := -1, math.Inf(1), false
		for j := range pts {
			if j == i || find(j) == find(i) {
				continue
			}
			dx, dy := math.Abs(pts[i][0]-pts[j][0]), math.Abs(pts[i][1]-pts[j][1])
			switch d := dx*dx + dy*dy; {
			case d < bestD:
				tie = bestD-d <= 1e-9*d
				best, bestD = j, d
			case d-bestD <= 1e-9*bestD:
				tie = true
			}
		}
		if tie {
			return nil, false
		}
		if best >= 0 {
			set[find(i)] = find(best)
			out = append(out, Edge{pts[i], pts[best]})
		}
	}
	return out, true
}

// ghostNodes gives every piece that the ghost line g crosses the crossing
// as a vertex; false when g touches a piece other than at its own ends,
// or crosses one nearly parallel.
func ghostNodes(ps []dpiece, g Edge) bool {
	gb := orb.Bound{Min: g.a, Max: g.a}.Extend(g.b).Pad(touchTol)
	dg := sub(g.b, g.a)
	for k := range ps {
		p := &ps[k]
		e := Edge{p.p, p.q}
		if !gb.Intersects(orb.Bound{Min: e.a, Max: e.a}.Extend(e.b)) {
			continue
		}
		for _, v := range [2]orb.Point{e.a, e.b} {
			if v != g.a && v != g.b && distToSegment(v, g) <= touchTol {
				return false
			}
		}
		for _, v := range [2]orb.Point{g.a, g.b} {
			if v != e.a && v != e.b && distToSegment(v, e) <= touchTol {
				return false
			}
		}
		t, ok := crossing(e, g)
		if !ok {
			continue
		}
		d := sub(e.b, e.a)
		if math.Abs(cross(d, dg)) < minSine*math.Hypot(d[0], d[1])*math.Hypot(dg[0], dg[1]) {
			return false
		}
		p.xs = append(p.xs, ghostNode{t, orb.Point{e.a[0] + t*d[0], e.a[1] + t*d[1]}})
		slices.SortFunc(p.xs, func(x, y ghostNode) int { return cmp.Compare(x.t, y.t) })
	}
	return true
}

// dnode names a point where pieces meet: a point of both boundaries (a
// vertex of either, or a vertex of one lying exactly on an edge of the
// other), named by its coordinates, or the crossing of a's edge i and b's
// edge j.
type dnode struct {
	crossing bool
	i, j     int32
	pt       orb.Point
}

// dpiece is a piece of boundary of the difference, from one node to the
// next, with the ghost nodes between in order.
type dpiece struct {
	from, to dnode
	p, q     orb.Point // the points of from and to
	xs       []ghostNode
}

// ghostNode is where a ghost line crosses a piece, t along it.
type ghostNode struct {
	t  float64
	pt orb.Point
}

// dcut is where the other boundary meets an edge, t along it: a proper
// crossing of the other's edge, or the other's vertex pt lying on it.
type dcut struct {
	t     float64
	other int32
	touch bool
	pt    orb.Point
}

// boundaryPieces appends the pieces of s's edges that bound the
// difference: outside o (or along o's boundary in the opposite direction)
// when s is the minuend, inside o and reversed when s is the subtrahend.
func (s *Shape) boundaryPieces(ps []dpiece, o *Shape, subtrahend bool, snap float64) ([]dpiece, bool) {
	ob := o.bound.Pad(touchTol)
	var buf [8]dcut
	for i, e := range s.edges {
		i := int32(i)
		if !ob.Intersects(s.boxes[i]) {
			if !subtrahend { // wholly outside o: all of it bounds the difference
				ps = append(ps, dpiece{from: dnode{pt: e.a}, to: dnode{pt: e.b}, p: e.a, q: e.b})
			}
			continue
		}
		cuts, ok := o.crossings(buf[:0], e, s.boxes[i], snap)
		if !ok {
			return nil, false
		}
		slices.SortFunc(cuts, func(x, y dcut) int { return cmp.Compare(x.t, y.t) })
		if ps, ok = s.edgePieces(ps, e, cuts, o, subtrahend, i, snap); !ok {
			return nil, false
		}
	}
	return ps, true
}

// edgePieces appends the pieces of edge e (index i) between its cuts that
// bound the difference.
func (s *Shape) edgePieces(ps []dpiece, e Edge, cuts []dcut, o *Shape, subtrahend bool, i int32, snap float64) ([]dpiece, bool) {
	d := sub(e.b, e.a)
	length := math.Hypot(d[0], d[1])
	from, p, t0 := dnode{pt: e.a}, e.a, 0.0
	for k := 0; k <= len(cuts); k++ {
		to, q, t1 := dnode{pt: e.b}, e.b, 1.0
		if k < len(cuts) {
			c := cuts[k]
			switch t1 = c.t; {
			case c.touch:
				to, q = dnode{pt: c.pt}, c.pt
			case subtrahend:
				to, q = dnode{crossing: true, i: c.other, j: i}, orb.Point{e.a[0] + c.t*d[0], e.a[1] + c.t*d[1]}
			default:
				to, q = dnode{crossing: true, i: i, j: c.other}, orb.Point{e.a[0] + c.t*d[0], e.a[1] + c.t*d[1]}
			}
		}
		if to == from {
			continue // a vertex on e's own end, or met twice
		}
		if (t1-t0)*length <= 2*touchTol {
			return nil, false // too short to classify
		}
		t := (t0 + t1) / 2
		where, f := o.locate(orb.Point{e.a[0] + t*d[0], e.a[1] + t*d[1]}, d)
		switch where {
		case alongSame, alongOpposite:
			// Only a piece whose ends are on o's edge for the overlay is
			// its shared stretch; one within the tolerance may be a sliver.
			if g := o.edges[f]; distToSegment(p, g) >= snap || distToSegment(q, g) >= snap {
				return nil, false
			}
			if where == alongOpposite && !subtrahend {
				ps = append(ps, dpiece{from: from, to: to, p: p, q: q})
			}
		case outside:
			if !subtrahend {
				ps = append(ps, dpiece{from: from, to: to, p: p, q: q})
			}
		case inside:
			if subtrahend {
				ps = append(ps, dpiece{from: to, to: from, p: q, q: p})
			}
		}
		from, p, t0 = to, q, t1
	}
	return ps, true
}

// crossings returns where s's boundary meets e (whose box is eb): s's
// vertices on e (within snap, as the overlay nodes them) and proper
// crossings of s's edges with e, except where the two edges meet at a
// vertex of one on the other (that vertex is the node). False when a
// vertex of s lies within the touch tolerance of e but not within snap,
// or a crossing is nearly parallel: the overlay's nodes there cannot be
// told.
func (s *Shape) crossings(cuts []dcut, e Edge, eb orb.Bound, snap float64) ([]dcut, bool) {
	d := sub(e.b, e.a)
	len2 := dot(d, d)
	pb := eb.Pad(touchTol)
	near := func(p orb.Point, g Edge, gb orb.Bound) bool { return inBound(gb, p) && distToSegment(p, g) <= touchTol }
	for k := s.first(pb.Min[1]); k < len(s.byY) && s.minY[k] <= pb.Max[1]; k++ {
		i := s.byY[k]
		if !s.boxes[i].Intersects(pb) {
			continue
		}
		f := s.edges[i]
		if inBound(pb, f.a) {
			switch dist := distToSegment(f.a, e); {
			case dist < snap:
				t := clamp01(dot(sub(f.a, e.a), d) / len2)
				if f.a == e.a {
					t = 0
				} else if f.a == e.b {
					t = 1
				}
				cuts = append(cuts, dcut{t: t, other: i, touch: true, pt: f.a})
			case dist <= touchTol:
				return nil, false
			}
		}
		fb := s.boxes[i].Pad(touchTol)
		if near(f.a, e, pb) || near(f.b, e, pb) || near(e.a, f, fb) || near(e.b, f, fb) {
			continue // they meet at a vertex, already a node (or a refusal)
		}
		if t, ok := crossing(e, f); ok {
			df := sub(f.b, f.a)
			if math.Abs(cross(d, df)) < minSine*math.Hypot(d[0], d[1])*math.Hypot(df[0], df[1]) {
				return nil, false
			}
			cuts = append(cuts, dcut{t: t, other: i})
		}
	}
	return cuts, true
}

// joinPieces links the pieces into rings, each with the difference on its
// left. Where two parts meet at one point (a shared vertex the
// re-measured boundary leaves on both sides inward), two pieces leave
// that node; the ring goes on with the first one clockwise from where it
// came, which keeps each part a ring of its own, as the overlay's faces
// are. A ring that passes a point twice (a part pinched, which the
// overlay writes as a shell and a hole touching it) or turns clockwise
// (a hole) is left to the overlay.
func joinPieces(ps []dpiece) ([]Piece, bool) {
	leaving := make(map[dnode][]int32, len(ps))
	for k, p := range ps {
		leaving[p.from] = append(leaving[p.from], int32(k))
	}
	seen := make([]bool, len(ps))
	ringOf := make(map[dnode]int, len(ps)) // the ring that passed a node
	var out []Piece
	for k := range ps {
		if seen[k] {
			continue
		}
		ring := make(orb.Ring, 0, 8)
		for cur := int32(k); !seen[cur]; {
			seen[cur] = true
			if r, ok := ringOf[ps[cur].from]; ok && r == k {
				return nil, false // a part passing a point twice: the overlay makes a hole of it
			}
			ringOf[ps[cur].from] = k
			ring = append(ring, ps[cur].p)
			for _, x := range ps[cur].xs {
				ring = append(ring, x.pt)
			}
			next, ok := nextPiece(ps, leaving[ps[cur].to], ring[len(ring)-1], ps[cur].q)
			if !ok || seen[next] && next != int32(k) {
				return nil, false
			}
			cur = next
		}
		if len(ring) < 3 {
			return nil, false
		}
		ring = append(ring, ring[0])
		var a float64
		for i := 0; i+1 < len(ring); i++ {
			a += cross(ring[i], ring[i+1])
		}
		if a <= 0 {
			return nil, false
		}
		out = append(out, Piece{Ring: ring, Area: a / 2})
	}
	return out, true
}

// nextPiece chooses among the pieces leaving node v, arrived at from
// point from: the only one, or the first clockwise from the way back.
func nextPiece(ps []dpiece, cands []int32, from, v orb.Point) (int32, bool) {
	switch len(cands) {
	case 0:
		return 0, false
	case 1:
		return cands[0], true
	}
	back := math.Atan2(from[1]-v[1], from[0]-v[0])
	best, bestTurn, tie := int32(-1), math.Inf(1), false
	for _, c := range cands {
		w := ps[c].q
		if len(ps[c].xs) > 0 {
			w = ps[c].xs[0].pt
		}
		turn := math.Mod(back-math.Atan2(w[1]-v[1], w[0]-v[0])+4*math.Pi, 2*math.Pi)
		if turn == 0 {
			turn = 2 * math.Pi
		}
		switch {
		case turn < bestTurn:
			tie = bestTurn-turn < 1e-9
			best, bestTurn = c, turn
		case turn-bestTurn < 1e-9:
			tie = true
		}
	}
	return best, !tie
}
