package sampledata

import "slices"

// columnLines computes the vertices of every column boundary: the ends of
// the row boundaries on both its sides, its two ends on the band's bottom
// and top, and jittered intermediate vertices.
func (p *patch) columnLines() {
	n := len(p.front)
	p.vb = make([]param, n+1)
	for j := 0; j <= n; j++ {
		ts := []int64{0, fix}
		if j > 0 {
			for _, rb := range p.rows[j-1][1 : len(p.rows[j-1])-1] {
				ts = append(ts, rb.tr)
			}
		}
		if j < n {
			for _, rb := range p.rows[j][1 : len(p.rows[j])-1] {
				ts = append(ts, rb.tl)
			}
		}
		slices.Sort(ts)
		ts = slices.Compact(ts)
		if j > 0 && j < n {
			ts = p.jitterParams(ts, p.colHeight(j-1), fix/8)
		}
		p.vb[j] = p.columnLine(j, ts)
	}
}

// jitterParams adds, with some chance, a parameter inside each gap longer
// than the profile's jitter gap (lengths from total mm), at least edge
// from both ends of the range.
func (p *patch) jitterParams(ts []int64, total, edge int64) []int64 {
	pr, r := p.m.prof, p.m.r
	out := make([]int64, 0, 2*len(ts))
	for i, t := range ts {
		out = append(out, t)
		if i+1 == len(ts) {
			break
		}
		gap := ts[i+1] - t
		if gap*total/fix < pr.jitterGap || !r.chance(650) {
			continue
		}
		if mid := t + gap/2 + r.between(-gap/6, gap/6); mid >= edge && mid <= fix-edge {
			out = append(out, mid)
		}
	}
	return out
}

// columnLine computes the vertices of column boundary j.
func (p *patch) columnLine(j int, ts []int64) param {
	n := len(p.front)
	q := param{ts: ts, ps: make([]pt, len(ts))}
	var jx int64
	switch j {
	case 0:
		q.ch = p.L.ch
	case n:
		q.ch = p.R.ch
	default:
		q.ch = p.m.newChain(true)
		jx = min(p.m.prof.jitter, min(p.colWidth(j-1), p.colWidth(j))/25)
	}
	for i, t := range ts {
		var v pt
		switch {
		case j == 0 && (t == 0 || t == fix):
			v = pick(t == 0, p.bl, p.tl)
		case j == n && (t == 0 || t == fix):
			v = pick(t == 0, p.br, p.tr)
		case t == 0 || t == fix:
			v = p.at(p.sAt(j, t), t, false)
			pick(t == 0, p.B.ch, p.T.ch).add(v)
		case j == 0 || j == n:
			v = p.at(pick(j == 0, int64(0), fix), t, true)
		default:
			v = p.at(p.sAt(j, t), t, true)
			v.x += p.m.r.between(-jx, jx)
		}
		q.ps[i] = v
		q.ch.add(v)
	}
	return q
}

func pick[T any](first bool, a, b T) T {
	if first {
		return a
	}
	return b
}

// rowLines computes the vertices of the row boundaries of column c: the
// ends of the lot boundaries on both sides, jittered vertices between. The
// bottom and top boundaries are the band's own lines.
func (p *patch) rowLines(c int) {
	rows := p.rows[c]
	n := len(rows) - 1
	w := p.colWidth(c)
	edge := toFix(p.m.prof.minEnd+p.m.prof.jitter, w)
	out := make([]param, n+1)
	for r := 0; r <= n; r++ {
		us := []int64{0, fix}
		if r > 0 {
			for _, s := range p.subs[c][r-1] {
				us = append(us, s.ut)
			}
		}
		if r < n {
			for _, s := range p.subs[c][r] {
				us = append(us, s.ub)
			}
		}
		slices.Sort(us)
		us = slices.Compact(us)
		if r > 0 && r < n {
			us = p.jitterParams(us, w, edge)
		}
		out[r] = p.rowLine(c, r, us)
	}
	p.hb = append(p.hb, out)
}

// rowLine computes the vertices of row boundary r of column c.
func (p *patch) rowLine(c, r int, us []int64) param {
	rows := p.rows[c]
	n := len(rows) - 1
	rb := rows[r]
	q := param{ts: us, ps: make([]pt, len(us))}
	var jy int64
	switch r {
	case 0:
		q.ch = p.B.ch
	case n:
		q.ch = p.T.ch
	default:
		q.ch = p.m.newChain(false)
		h := p.colHeight(c)
		jy = min(p.m.prof.jitter, min(rb.tl-rows[r-1].tl, rows[r+1].tl-rb.tl)*h/fix/20)
	}
	for i, u := range us {
		var v pt
		switch u {
		case 0:
			v = p.vb[c].at(rb.tl)
		case fix:
			v = p.vb[c+1].at(rb.tr)
		default:
			t := rb.tl + (rb.tr-rb.tl)*u/fix
			s0 := p.sAt(c, t)
			v = p.at(s0+(p.sAt(c+1, t)-s0)*u/fix, t, false)
			v.y += p.m.r.between(-jy, jy)
		}
		q.ps[i] = v
		if r > 0 && r < n || (u != 0 && u != fix) {
			q.ch.add(v)
		}
	}
	return q
}
