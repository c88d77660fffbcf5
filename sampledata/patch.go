package sampledata

import "slices"

// fix is the fixed-point unit of the patch parameters s (west to east) and
// t (south to north): 0 on one side, fix on the other.
const fix = 1 << 20

// patch is a curved quadrilateral of a band between two vertical
// boundaries, tessellated as a jittered structured mesh.
type patch struct {
	m                  *mesh
	L, R               vline
	B, T               hline
	bl, br, tl, tr     pt
	width              int64     // mm, at mid height
	s, slant           []int64   // column boundary positions and slants
	front              []bool    // column c is a row of lots along a road
	rows               [][]rowB  // per column: row boundaries 0..n
	subs               [][][]sub // per column and row: lot boundaries
	vb                 []param   // column boundaries' vertices
	hb                 [][]param // per column: row boundaries' vertices
	lotRow             [][]bool
	ymid, colLo, colHi int64
}

// rowB is a row boundary: its parameter t on the column's left and right
// sides.
type rowB struct{ tl, tr int64 }

// sub is a lot boundary: its parameter u on the row's bottom and top.
type sub struct{ ub, ut int64 }

// param is a polyline as parameters and the vertices computed for them.
type param struct {
	ts []int64
	ps []pt
	ch *chain
}

// at returns the vertex at parameter t, which must exist.
func (q *param) at(t int64) pt {
	i, ok := slices.BinarySearch(q.ts, t)
	if !ok {
		panic(bug("no vertex at a polyline parameter"))
	}
	return q.ps[i]
}

// at maps patch parameters to the plane. lastX makes the point lie
// exactly on a left or right boundary (x = f(y)); otherwise it lies on a
// bottom or top boundary (y = g(x)) when t is 0 or fix.
func (p *patch) at(s, t int64, lastX bool) pt {
	x := p.bl.x + (p.br.x-p.bl.x)*s/fix
	var y int64
	for range 5 {
		yb, yt := p.B.g.at(x), p.T.g.at(x)
		y = yb + (yt-yb)*t/fix
		xl, xr := p.L.f.at(y), p.R.f.at(y)
		x = xl + (xr-xl)*s/fix
	}
	if !lastX {
		yb, yt := p.B.g.at(x), p.T.g.at(x)
		y = yb + (yt-yb)*t/fix
	}
	return pt{x, y}
}

// sAt is the position of column boundary j at height t.
func (p *patch) sAt(j int, t int64) int64 {
	return p.s[j] + p.slant[j]*(t-fix/2)/fix
}

// build tessellates the patch.
func (p *patch) build() {
	p.ymid = (p.bl.y + p.br.y + p.tl.y + p.tr.y) / 4
	p.width = p.R.f.at(p.ymid) - p.L.f.at(p.ymid)
	p.columns()
	for c := range p.front {
		p.rowsOf(c)
	}
	for c := range p.front {
		p.lotsOf(c)
	}
	p.columnLines()
	for c := range p.front {
		p.rowLines(c)
	}
	for c := range p.front {
		p.cellsOf(c)
	}
}

// split cuts total (mm) into pieces: an optional first and last piece of
// fixed size, random pieces of lo..hi between. It returns the cut
// positions in fixed point, from 0 to fix, and whether the first and last
// pieces were kept.
func (p *patch) split(total, first, last, lo, hi int64) ([]int64, bool, bool) {
	r := p.m.r
	var pieces []int64
	rem := total
	hasFirst := first > 0 && rem >= first+last+lo
	hasLast := last > 0 && rem >= first+last+lo
	if hasFirst {
		pieces, rem = append(pieces, first), rem-first
	}
	if hasLast {
		rem -= last
	}
	for rem > hi {
		w := r.between(lo, hi)
		if rem-w < lo/2 {
			w = rem
		}
		pieces, rem = append(pieces, w), rem-w
	}
	if rem > 0 {
		if rem >= lo/2 || len(pieces) == 0 || (hasFirst && len(pieces) == 1) {
			pieces = append(pieces, rem)
		} else {
			pieces[len(pieces)-1] += rem
		}
	}
	if hasLast {
		pieces = append(pieces, last)
	}
	cuts := make([]int64, len(pieces)+1)
	var sum int64
	for i, w := range pieces {
		sum += w
		cuts[i+1] = sum * fix / total
	}
	cuts[len(pieces)] = fix
	return cuts, hasFirst, hasLast
}

// toFix converts a length in mm to a parameter over total mm.
func toFix(mm, total int64) int64 { return mm * fix / max(total, 1) }

// columns places the column boundaries: a column of lots along a road on
// either side, fields between.
func (p *patch) columns() {
	pr, r := p.m.prof, p.m.r
	var first, last int64
	if p.L.road {
		first = r.between(pr.frontDepth[0], pr.frontDepth[1])
	}
	if p.R.road {
		last = r.between(pr.frontDepth[0], pr.frontDepth[1])
	}
	cuts, hf, hl := []int64{0, fix}, false, false
	if p.width >= pr.colW[0]*3/2 {
		cuts, hf, hl = p.split(p.width, first, last, pr.colW[0], pr.colW[1])
	}
	n := len(cuts) - 1
	p.s, p.slant, p.front = cuts, make([]int64, n+1), make([]bool, n)
	p.front[0] = p.front[0] || hf
	p.front[n-1] = p.front[n-1] || hl
	for j := 1; j < n; j++ {
		gap := min(cuts[j]-cuts[j-1], cuts[j+1]-cuts[j])
		p.slant[j] = r.between(-gap/5, gap/5)
	}
}

// colWidth is the width of column c in mm at mid height.
func (p *patch) colWidth(c int) int64 { return (p.s[c+1] - p.s[c]) * p.width / fix }

// colHeight is the band height at the middle of column c, in mm.
func (p *patch) colHeight(c int) int64 {
	x := p.at((p.s[c]+p.s[c+1])/2, fix/2, false).x
	return p.T.g.at(x) - p.B.g.at(x)
}
