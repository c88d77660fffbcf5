package tiles

import "math"

// Polygons that cross the buffered tile's box are clipped as polygons, not
// ring by ring: each side of the box cuts every ring of the polygon
// (exterior and holes together) into chains inside it, and the chains are
// joined along the cut line, each exit to the next entry the polygon's
// inside meets along the line. A concave plot that leaves and re-enters the
// box thus becomes several polygons instead of one ring doubling back along
// the line (a zero-width spike, a collinear overlap), and a hole cut by the
// line opens into its exterior instead of touching it along the line
// (both invalid for OGC: GDAL, QGIS, PostGIS).

// rings is a set of open rings in one slice.
type rings struct {
	pts  []pt
	ends []int // end of each ring in pts
}

func (r *rings) reset()     { r.pts, r.ends = r.pts[:0], r.ends[:0] }
func (r *rings) len() int   { return len(r.ends) }
func (r *rings) add(p []pt) { r.pts = append(r.pts, p...); r.ends = append(r.ends, len(r.pts)) }

func (r *rings) at(i int) []pt {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.pts[start:r.ends[i]]
}

// chain is a run of a ring inside one side: from its entry point on the
// cut line to its exit point on it.
type chain struct {
	start, end int // in clipper.cpts
	used       bool
}

// clipper holds the buffers of polygon clipping.
type clipper struct {
	a, b   rings
	cpts   []pt
	chains []chain
	out    [][]pt // cleaned result rings
	shell  []bool // out[i] is an exterior
}

// inside reports whether p is strictly on the inner side of a box edge:
// 0 x > lo, 1 x < hi, 2 y > lo, 3 y < hi. A point on the line counts as
// outside, so a ring running along the line is cut there and joined like
// any other.
func inside(p pt, side int) bool {
	switch side {
	case 0:
		return p.x > lo
	case 1:
		return p.x < hi
	case 2:
		return p.y > lo
	}
	return p.y < hi
}

// along returns the position of a point of the cut line along it, and
// sideDir the direction in which a polygon's inside runs from an exit:
// exteriors have positive area2 (holes negative), so the inside is on the
// left of the boundary's direction.
func along(p pt, side int) int64 {
	if side < 2 {
		return p.y
	}
	return p.x
}

var sideDir = [4]int64{-1, 1, 1, -1}

// side cuts the rings of in to one side of the box into out.
func (cl *clipper) side(in, out *rings, side int) {
	cl.cpts, cl.chains = cl.cpts[:0], cl.chains[:0]
	for i := range in.len() {
		r := in.at(i)
		k := -1
		for j, p := range r {
			if !inside(p, side) {
				k = j
				break
			}
		}
		if k < 0 {
			out.add(r)
			continue
		}
		n := len(r)
		prev, prevIn, start := r[k], false, 0
		for s := 1; s <= n; s++ {
			cur := r[(k+s)%n]
			curIn := inside(cur, side)
			if curIn && !prevIn {
				start = len(cl.cpts)
				cl.cpts = append(cl.cpts, cross(prev, cur, side))
			}
			if curIn {
				cl.cpts = append(cl.cpts, cur)
			}
			if !curIn && prevIn {
				cl.cpts = append(cl.cpts, cross(prev, cur, side))
				cl.chains = append(cl.chains, chain{start: start, end: len(cl.cpts)})
			}
			prev, prevIn = cur, curIn
		}
	}
	dir := sideDir[side]
	for i := range cl.chains {
		if cl.chains[i].used {
			continue
		}
		cur := i
		for {
			c := &cl.chains[cur]
			c.used = true
			out.pts = append(out.pts, cl.cpts[c.start:c.end]...)
			sx := along(cl.cpts[c.end-1], side)
			best, bestD := i, int64(math.MaxInt64)
			for j := range cl.chains {
				e := &cl.chains[j]
				if e.used && j != i {
					continue
				}
				d := (along(cl.cpts[e.start], side) - sx) * dir
				if d < 0 {
					continue
				}
				// On a tie, close the ring: two rings touching at a
				// point are valid, a ring touching itself is not.
				if d < bestD || (d == bestD && j == i) {
					best, bestD = j, d
				}
			}
			if best == i {
				break
			}
			cur = best
		}
		out.ends = append(out.ends, len(out.pts))
	}
}

// polygon writes the current polygon (rc.poly: exterior first, then its
// holes, in tile units) into rc.geom, clipped and cleaned; false if
// nothing is left. exteriorBox is the exterior's bound.
func (rc *renderCtx) polygon(minX, minY, maxX, maxY int64) bool {
	pr := &rc.poly
	rc.st.Vertices += len(pr.pts)
	if minX >= lo && minY >= lo && maxX <= hi && maxY <= hi {
		wrote := false
		var ext []pt
		for i := range pr.len() {
			r := rc.cleanRing(pr.at(i), false)
			a := area2(r)
			if len(r) < 3 || a == 0 || (i > 0 && !rc.dissolving && ringsMeet(r, ext)) {
				rc.st.Collapsed++
				if i == 0 {
					return false
				}
				continue
			}
			if i == 0 {
				ext = r
			}
			if (a < 0) == (i == 0) {
				reverse(r)
			}
			rc.st.Kept += len(r)
			rc.emit(r)
			wrote = true
		}
		return wrote
	}
	cl := &rc.clip
	cl.a.reset()
	for i := range pr.len() {
		r := pr.at(i)
		if rc.dissolving {
			r = canonClean(r)
		} else {
			r = clean(r)
		}
		a := area2(r)
		if len(r) < 3 || a == 0 {
			if i == 0 {
				rc.st.Collapsed++
				return false
			}
			continue
		}
		if (a < 0) == (i == 0) {
			reverse(r)
		}
		cl.a.add(r)
	}
	for side := range 4 {
		cl.b.reset()
		cl.side(&cl.a, &cl.b, side)
		cl.a, cl.b = cl.b, cl.a
	}
	cl.out, cl.shell = cl.out[:0], cl.shell[:0]
	shells := 0
	for i := range cl.a.len() {
		r := rc.cleanRing(cl.a.at(i), true)
		a := area2(r)
		if len(r) < 3 || a == 0 {
			rc.st.Collapsed++
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
	for i, s := range cl.out {
		if !cl.shell[i] {
			continue
		}
		rc.st.Kept += len(s)
		rc.emit(s)
		for j, h := range cl.out {
			if cl.shell[j] || (shells > 1 && !holeIn(h, s)) {
				continue
			}
			if !rc.dissolving && ringsMeet(h, s) {
				rc.st.Collapsed++
				continue
			}
			rc.st.Kept += len(h)
			rc.emit(h)
		}
	}
	return true
}

// emit writes a finished ring into rc.geom, or into the edge sets of the
// overview being dissolved.
func (rc *renderCtx) emit(r []pt) {
	if rc.dissolving {
		rc.dis.cur[0].ring(r)
		if rc.dis.cur[1] != nil {
			rc.dis.cur[1].ring(r)
		}
		return
	}
	rc.geom.ring(r)
}

// ringsMeet reports whether two rings share a point: a hole rounding
// brought onto its exterior, which is then left out at this zoom (the
// overview keeps it: only its edges matter there, and they cancel those
// of the plot filling it).
func ringsMeet(h, s []pt) bool {
	hx0, hy0, hx1, hy1 := bound(h)
	a := s[len(s)-1]
	for _, b := range s {
		if max(a.x, b.x) >= hx0 && min(a.x, b.x) <= hx1 && max(a.y, b.y) >= hy0 && min(a.y, b.y) <= hy1 {
			c := h[len(h)-1]
			for _, d := range h {
				if max(a.x, b.x) >= min(c.x, d.x) && min(a.x, b.x) <= max(c.x, d.x) &&
					max(a.y, b.y) >= min(c.y, d.y) && min(a.y, b.y) <= max(c.y, d.y) && segmentsMeet(a, b, c, d) {
					return true
				}
				c = d
			}
		}
		a = b
	}
	return false
}

// holeIn reports whether hole h lies in ring s: the first vertex of h
// not on s's boundary is inside s.
func holeIn(h, s []pt) bool {
	for _, p := range h {
		switch pointIn(p, s) {
		case 1:
			return true
		case -1:
			return false
		}
	}
	return false
}

// pointIn returns 1 if p is inside ring r, -1 outside, 0 on its boundary.
func pointIn(p pt, r []pt) int {
	in := false
	a := r[len(r)-1]
	for _, b := range r {
		if orient(a, b, p) == 0 && min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y) {
			return 0
		}
		if (a.y > p.y) != (b.y > p.y) {
			// x of the edge at p.y, compared without division.
			lhs := (p.x - a.x) * (b.y - a.y)
			rhs := (b.x - a.x) * (p.y - a.y)
			if (b.y > a.y && lhs < rhs) || (b.y < a.y && lhs > rhs) {
				in = !in
			}
		}
		a = b
	}
	if in {
		return 1
	}
	return -1
}

// orient returns the sign of the turn a-b-c.
func orient(a, b, c pt) int64 {
	v := (b.x-a.x)*(c.y-a.y) - (b.y-a.y)*(c.x-a.x)
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// cleanRing removes repeated points and spikes, then, if rounding to the
// tile grid made the ring cross or touch itself, removes the vertex that
// changes the area least at one of the crossing edges until it is simple.
//
// While dissolving (overview.go), rings are only cleaned: a repair
// depends on where the ring starts, so the two sides of a shared border
// could be repaired apart and no longer cancel; the dissolved rings are
// repaired instead.
func (rc *renderCtx) cleanRing(r []pt, clipped bool) []pt {
	if rc.dissolving {
		return canonClean(r)
	}
	r = clean(r)
	if !suspect(r, clipped) {
		return r
	}
	if _, _, ok := selfCross(r); !ok {
		return r
	}
	// Repaired in a canonical form, so that a hole and the plot filling
	// it (the same ring both ways round) are repaired alike.
	neg := area2(r) < 0
	r = canonClean(r)
	if neg {
		reverse(r)
	}
	defer func() {
		if neg {
			reverse(r)
		}
	}()
	for range len(r) {
		i, j, ok := selfCross(r)
		if !ok {
			return r
		}
		n := len(r)
		best, bestA := -1, int64(math.MaxInt64)
		for _, k := range [4]int{i, (i + 1) % n, j, (j + 1) % n} {
			a := triArea(r[(k+n-1)%n], r[k], r[(k+1)%n])
			if a < bestA {
				best, bestA = k, a
			}
		}
		r = clean(append(r[:best], r[best+1:]...))
		if len(r) < 3 {
			return r
		}
	}
	return r
}

// canonClean is clean applied to the ring put in a canonical form first
// (positive area, starting at its smallest vertex), so that a hole and
// the plot filling it, the same ring both ways round, come out alike even
// where rounding left them degenerate.
func canonClean(r []pt) []pt {
	neg := area2(r) < 0
	if neg {
		reverse(r)
	}
	k := 0
	for i, p := range r {
		if p.x < r[k].x || (p.x == r[k].x && p.y < r[k].y) {
			k = i
		}
	}
	reverse(r[:k])
	reverse(r[k:])
	reverse(r) // rotated left by k
	r = clean(r)
	if neg {
		reverse(r)
	}
	return r
}

func triArea(a, b, c pt) int64 {
	v := (b.x-a.x)*(c.y-a.y) - (b.y-a.y)*(c.x-a.x)
	if v < 0 {
		return -v
	}
	return v
}

// suspect reports whether rounding may have made a ring cross itself: a
// crossing needs two edges of the plane ring within a unit of each other,
// which on a cadastral ring comes with an edge of at most 2 units (a thin
// wedge rounds to a spike, which clean removes, or gets such a base).
//
// A ring cut by the box is also suspect if it turns sharper than about
// 160 degrees (edges within 20 degrees of each other): a thin tooth cut
// by the line leaves such a wedge, which GEOS reads as touching itself.
func suspect(r []pt, clipped bool) bool {
	n := len(r)
	if n < 4 {
		return false
	}
	a := r[n-1]
	for i, b := range r {
		dx, dy := b.x-a.x, b.y-a.y
		if uint64(dx+2) <= 4 && uint64(dy+2) <= 4 {
			return true
		}
		if clipped {
			c := r[(i+1)%n]
			ex, ey := c.x-b.x, c.y-b.y
			if dot := -(dx*ex + dy*ey); dot > 0 {
				d := float64(dot)
				if d*d > 0.883*float64(dx*dx+dy*dy)*float64(ex*ex+ey*ey) {
					return true
				}
			}
		}
		a = b
	}
	return false
}

// selfCross finds two edges of a ring (r[i]-r[i+1], r[j]-r[j+1], i < j)
// that are not neighbours and meet.
func selfCross(r []pt) (i, j int, ok bool) {
	n := len(r)
	for i := 0; i < n; i++ {
		a, b := r[i], r[(i+1)%n]
		minX, maxX, minY, maxY := min(a.x, b.x), max(a.x, b.x), min(a.y, b.y), max(a.y, b.y)
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue
			}
			c, d := r[j], r[(j+1)%n]
			if max(c.x, d.x) < minX || min(c.x, d.x) > maxX || max(c.y, d.y) < minY || min(c.y, d.y) > maxY {
				continue
			}
			if segmentsMeet(a, b, c, d) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// segmentsMeet reports whether segments a-b and c-d share a point (their
// bounds are known to overlap).
func segmentsMeet(a, b, c, d pt) bool {
	o1, o2 := orient(a, b, c), orient(a, b, d)
	o3, o4 := orient(c, d, a), orient(c, d, b)
	if o1 == 0 && o2 == 0 {
		return true // collinear with overlapping bounds
	}
	return o1*o2 <= 0 && o3*o4 <= 0
}
