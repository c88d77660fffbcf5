package sampledata

// cellsOf adds the cells of column c: one per lot of each row. Lot
// boundaries are short chains from the row's bottom to its top, with at
// most one jittered vertex.
func (p *patch) cellsOf(c int) {
	pr := p.m.prof
	rows := p.rows[c]
	n, last := len(rows)-1, len(p.front)-1
	for i := range n {
		bottom, top := &p.hb[c][i], &p.hb[c][i+1]
		subs := p.subs[c][i]
		lots := p.lotChains(bottom, top, subs)
		for k := 0; k <= len(subs); k++ {
			ubL, utL, ubR, utR := int64(0), int64(0), int64(fix), int64(fix)
			left, right := p.vb[c].ch, p.vb[c+1].ch
			if k > 0 {
				ubL, utL, left = subs[k-1].ub, subs[k-1].ut, lots[k-1]
			}
			if k < len(subs) {
				ubR, utR, right = subs[k].ub, subs[k].ut, lots[k]
			}
			bl, br, tr, tl := bottom.at(ubL), bottom.at(ubR), top.at(utR), top.at(utL)
			d := cellDesc{
				sides:  [4]side{{bottom.ch, bl, br}, {right, br, tr}, {top.ch, tr, tl}, {left, tl, bl}},
				road:   (i == 0 && p.B.road) || (i == n-1 && p.T.road) || (c == 0 && p.L.road) || (c == last && p.R.road),
				water:  (i == 0 && p.B.water) || (i == n-1 && p.T.water) || (c == 0 && p.L.water) || (c == last && p.R.water),
				lot:    p.front[c] || p.lotRow[c][i] || pr.lots,
				centre: pt{(bl.x + br.x + tr.x + tl.x) / 4, (bl.y + br.y + tr.y + tl.y) / 4},
			}
			idx := len(p.m.cells)
			p.m.cells = append(p.m.cells, d)
			if c == last && k == len(subs) && p.R.canal != nil {
				p.R.canal.west = append(p.R.canal.west, idx)
			}
			if c == 0 && k == 0 && p.L.canal != nil {
				p.L.canal.east = append(p.L.canal.east, idx)
			}
		}
	}
}

// lotChains makes the lot boundaries of a row: short chains from the
// bottom to the top, some with a jittered middle vertex.
func (p *patch) lotChains(bottom, top *param, subs []sub) []*chain {
	pr, r := p.m.prof, p.m.r
	lots := make([]*chain, len(subs))
	for k, s := range subs {
		b, t := bottom.at(s.ub), top.at(s.ut)
		ch := p.m.newChain(true)
		ch.add(b)
		if t.y-b.y >= 2*pr.jitterGap && r.chance(500) {
			jx := min(pr.jitter, pr.minSub/20)
			ch.add(pt{(b.x+t.x)/2 + r.between(-jx, jx), (b.y + t.y) / 2})
		}
		ch.add(t)
		lots[k] = ch
	}
	return lots
}

// ring assembles the closed, counter-clockwise ring of a cell.
func (d *cellDesc) ring() []pt {
	var out []pt
	for _, s := range d.sides {
		out = s.ch.appendPiece(out, s.from, s.to)
	}
	return out
}
