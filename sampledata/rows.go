package sampledata

import "slices"

// rowsOf places the row boundaries of column c: lots along a road at the
// bottom or top, fields between; a column of lots along a vertical road is
// all narrow rows. Left ends snap to nearby right ends of the previous
// column, making four-way junctions instead of slivers.
func (p *patch) rowsOf(c int) {
	pr, r := p.m.prof, p.m.r
	h := p.colHeight(c)
	var cuts []int64
	var hf, hl bool
	if p.front[c] {
		cuts, _, _ = p.split(h, 0, 0, pr.frontW[0], pr.frontW[1])
	} else {
		var first, last int64
		if p.B.road {
			first = r.between(pr.frontDepth[0], pr.frontDepth[1])
		}
		if p.T.road {
			last = r.between(pr.frontDepth[0], pr.frontDepth[1])
		}
		cuts, hf, hl = p.split(h, first, last, pr.rowH[0], pr.rowH[1])
	}
	n := len(cuts) - 1
	rows := make([]rowB, n+1)
	rows[n] = rowB{fix, fix}
	for i := 1; i < n; i++ {
		gap := min(cuts[i]-cuts[i-1], cuts[i+1]-cuts[i])
		rows[i] = rowB{cuts[i] + r.between(-gap/7, gap/7), cuts[i] + r.between(-gap/7, gap/7)}
		if c > 0 {
			rows[i].tl = snap(rows[i].tl, p.rows[c-1], min(toFix(1500, h), gap/4))
		}
	}
	lot := make([]bool, n)
	lot[0], lot[n-1] = lot[0] || hf, lot[n-1] || hl
	p.rows = append(p.rows, rows)
	p.lotRow = append(p.lotRow, lot)
}

// snap moves t onto the right end of a row boundary of prev when closer
// than limit.
func snap(t int64, prev []rowB, limit int64) int64 {
	for _, q := range prev[1 : len(prev)-1] {
		if d := q.tr - t; d < limit && d > -limit {
			return q.tr
		}
	}
	return t
}

// lotsOf places the lot boundaries inside each row of column c.
func (p *patch) lotsOf(c int) {
	pr, r := p.m.prof, p.m.r
	w := p.colWidth(c)
	rows := p.rows[c]
	out := make([][]sub, len(rows)-1)
	end := toFix(pr.minEnd+pr.jitter, w)
	for i := range out {
		var cuts []int64
		switch {
		case p.front[c]:
		case pr.lots || p.lotRow[c][i]:
			cuts, _, _ = p.split(w, 0, 0, pr.frontW[0], pr.frontW[1])
			cuts = cuts[1 : len(cuts)-1]
		case w >= 2*pr.colW[0] || r.chance(pr.split):
			cuts = []int64{fix/2 + r.between(-fix/6, fix/6)}
		}
		cuts = slices.DeleteFunc(cuts, func(u int64) bool { return u < end || u > fix-end })
		minSub := toFix(pr.minSub, w)
		var subs []sub
		for k, u := range cuts {
			lo, hi := int64(0), int64(fix)
			if k > 0 {
				lo = cuts[k-1]
			}
			if k+1 < len(cuts) {
				hi = cuts[k+1]
			}
			gap := min(u-lo, hi-u)
			if gap < minSub {
				continue
			}
			s := sub{u + r.between(-gap/7, gap/7), u + r.between(-gap/7, gap/7)}
			if i > 0 {
				s.ub = snapSub(s.ub, out[i-1], min(toFix(1500, w), gap/4))
			}
			subs = append(subs, s)
		}
		out[i] = subs
	}
	p.subs = append(p.subs, out)
}

func snapSub(u int64, below []sub, limit int64) int64 {
	for _, q := range below {
		if d := q.ut - u; d < limit && d > -limit {
			return q.ut
		}
	}
	return u
}
