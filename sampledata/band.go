package sampledata

// band cuts the band between b and t into patches at the vertical
// features that cross it. slotBelow names the band across sheets.
func (m *mesh) band(p *province, b, t hline, slotBelow int64) {
	left := vline{ch: m.wch, f: constant(m.west)}
	bl, tl := pt{m.west, b.g.at(m.west)}, pt{m.west, t.g.at(m.west)}
	m.wch.add(bl)
	m.wch.add(tl)
	b.ch.add(bl)
	t.ch.add(tl)
	for j := m.west / slot; j < m.east/slot; j++ {
		f := slotFeature(m.seed, true, j)
		if !m.vpresent(p, f, j, slotBelow) {
			continue
		}
		l, r, lb, rb, lt, rt := m.vstrip(f, b, t)
		pa := &patch{m: m, L: left, R: l, B: b, T: t, bl: bl, br: lb, tl: tl, tr: lt}
		pa.build()
		left, bl, tl = r, rb, rt
	}
	br, tr := pt{m.east, b.g.at(m.east)}, pt{m.east, t.g.at(m.east)}
	m.ech.add(br)
	m.ech.add(tr)
	b.ch.add(br)
	t.ch.add(tr)
	pa := &patch{m: m, L: left, R: vline{ch: m.ech, f: constant(m.east)}, B: b, T: t, bl: bl, br: br, tl: tl, tr: tr}
	pa.build()
}

// vstrip adds the piece of vertical feature f between b and t: its plot,
// its two edges and their corners (left-bottom, right-bottom, left-top,
// right-top).
func (m *mesh) vstrip(f feature, b, t hline) (l, r vline, lb, rb, lt, rt pt) {
	lo, hi := f.edges(m.south, m.north)
	l = vline{ch: m.newChain(true), f: lo, road: f.road(), water: f.water()}
	r = vline{ch: m.newChain(true), f: hi, road: f.road(), water: f.water()}
	if f.kind == canal {
		l.canal = &canalSides{}
		r.canal = l.canal
		m.canals = append(m.canals, l.canal)
	}
	lb, rb, lt, rt = junction(lo, b.g), junction(hi, b.g), junction(lo, t.g), junction(hi, t.g)
	for _, c := range []struct {
		ch *chain
		p  pt
	}{{l.ch, lb}, {l.ch, lt}, {r.ch, rb}, {r.ch, rt}, {b.ch, lb}, {b.ch, rb}, {t.ch, lt}, {t.ch, rt}} {
		c.ch.add(c.p)
	}
	m.lines = append(m.lines, lineKnots{l.ch, lo, lb.y, lt.y}, lineKnots{r.ch, hi, rb.y, rt.y})
	m.cells = append(m.cells, cellDesc{
		sides:  [4]side{{b.ch, lb, rb}, {r.ch, rb, rt}, {t.ch, rt, lt}, {l.ch, lt, lb}},
		kind:   vstrip,
		use:    f.use,
		centre: pt{(lb.x + rt.x) / 2, (lb.y + rt.y) / 2},
	})
	return l, r, lb, rb, lt, rt
}

// vpresent reports whether vertical feature f of slot j crosses the band
// above slotBelow.
func (m *mesh) vpresent(p *province, f feature, j, slotBelow int64) bool {
	if f.kind != localRoad {
		return f.kind != noFeature
	}
	level := 0
	if slotBelow >= 0 {
		level = m.kmLevel(p, slotBelow*slot+slot/2)
	}
	return hashChance(localChance(true, level), uint64(m.seed), keyVLocal, uint64(j), uint64(slotBelow))
}
