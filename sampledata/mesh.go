package sampledata

// A sheet is tessellated in three levels:
//
//  1. Horizontal features (roads, canals, rivers) cross the whole sheet
//     west to east; they cut it into bands. Each feature is one plot.
//  2. Vertical features (roads, canals) cross a band south to north and cut
//     it into patches; each piece is one plot.
//  3. A patch, a curved quadrilateral, is cut into columns by vertical
//     polylines, each column into rows by horizontal polylines that start
//     and end on vertices of the column's two sides, and a row into lots by
//     short vertical polylines (patch.go).
//
// Every boundary is a chain (chain.go) holding the vertices that both
// sides need, so the plots tile the frame exactly.

// hline is the bottom or top boundary of a band: y = g(x).
type hline struct {
	ch          *chain
	g           curve
	road, water bool
}

// vline is the left or right boundary of a patch: x = f(y).
type vline struct {
	ch          *chain
	f           curve
	road, water bool
	canal       *canalSides // set on both edges of a canal piece
}

// canalSides collects the cells along a canal piece, for plots that own
// land on both banks (multipart plots).
type canalSides struct{ west, east []int }

// side is one side of a cell: the piece of chain ch from one corner to the
// next, counter-clockwise.
type side struct {
	ch       *chain
	from, to pt
}

// cellKind tells parcels from linear features.
type cellKind uint8

const (
	parcel cellKind = iota
	hstrip          // a horizontal road, canal or river crossing the sheet
	vstrip          // a piece of a vertical road or canal
)

// cellDesc is one cell before its ring is assembled.
type cellDesc struct {
	sides  [4]side // bottom, right, top, left
	kind   cellKind
	use    string // land use of strips
	road   bool   // touches a road: house lots
	water  bool   // touches a canal or river
	lot    bool   // cut as a house lot
	centre pt     // a point inside, for reading order
}

// mesh is the tessellation of one sheet frame.
type mesh struct {
	seed                     int64
	level                    int
	prof                     *profile
	r                        *rng
	west, south, east, north int64 // frame, mm
	wch, ech                 *chain
	lines                    []lineKnots // chains whose curve knots are added last
	chains                   []*chain
	cells                    []cellDesc
	canals                   []*canalSides
}

// lineKnots is a chain that still needs the knots of its curve in (lo, hi).
type lineKnots struct {
	ch     *chain
	k      curve
	lo, hi int64
}

func (m *mesh) newChain(vertical bool) *chain {
	c := &chain{vertical: vertical}
	m.chains = append(m.chains, c)
	return c
}

// hfeat is a horizontal feature present on the sheet, with its two edges.
type hfeat struct {
	f      feature
	k      int64 // slot
	lo, hi hline
}

// build tessellates the frame.
func (m *mesh) build(p *province) {
	feats := m.hfeatures(p)
	bottom := hline{ch: m.newChain(false), g: constant(m.south)}
	top := hline{ch: m.newChain(false), g: constant(m.north)}
	band := int64(-1) // slot of the feature below the band; -1: look further south
	for i := 0; i <= len(feats); i++ {
		b, t := bottom, top
		if i > 0 {
			b = feats[i-1].hi
			band = feats[i-1].k
		} else {
			band = m.slotBelow(p)
		}
		if i < len(feats) {
			t = feats[i].lo
			m.stripCell(&feats[i])
		}
		m.band(p, b, t, band)
	}
	for _, l := range m.lines {
		l.k.knots(l.lo, l.hi, func(c int64) {
			if l.ch.vertical {
				l.ch.add(pt{l.k.at(c), c})
			} else {
				l.ch.add(pt{c, l.k.at(c)})
			}
		})
	}
	for _, c := range m.chains {
		c.seal()
	}
}

// kmLevel is the level of the 1 km cell holding the sheet column and the
// northing n (mm).
func (m *mesh) kmLevel(p *province, n int64) int {
	west := floorDiv(m.west, 1_000_000) * 1000
	return p.level(west, (floorDiv(n, 1_000_000)+1)*1000)
}

// hfeatures lists the horizontal features crossing the sheet, south first.
func (m *mesh) hfeatures(p *province) []hfeat {
	var out []hfeat
	kmcol := uint64(floorDiv(m.west, 1_000_000))
	for k := m.south / slot; k < m.north/slot; k++ {
		f := slotFeature(m.seed, false, k)
		if !m.present(p, f, k, kmcol) {
			continue
		}
		lo, hi := f.edges(m.west, m.east)
		h := hfeat{f: f, k: k,
			lo: hline{ch: m.newChain(false), g: lo, road: f.road(), water: f.water()},
			hi: hline{ch: m.newChain(false), g: hi, road: f.road(), water: f.water()},
		}
		m.lines = append(m.lines, lineKnots{h.lo.ch, lo, m.west, m.east}, lineKnots{h.hi.ch, hi, m.west, m.east})
		out = append(out, h)
	}
	return out
}

// present reports whether horizontal feature f of slot k runs through km
// column kmcol.
func (m *mesh) present(p *province, f feature, k int64, kmcol uint64) bool {
	if f.kind != localRoad {
		return f.kind != noFeature
	}
	return hashChance(localChance(false, m.kmLevel(p, k*slot+slot/2)), uint64(m.seed), keyHLocal, uint64(k), kmcol)
}

// slotBelow finds the slot of the nearest horizontal feature south of the
// sheet in its km column: it names the band the sheet's bottom band belongs
// to, so that local roads of a band agree across sheets.
func (m *mesh) slotBelow(p *province) int64 {
	kmcol := uint64(floorDiv(m.west, 1_000_000))
	for k := m.south/slot - 1; k >= 0 && k > m.south/slot-80; k-- {
		if m.present(p, slotFeature(m.seed, false, k), k, kmcol) {
			return k
		}
	}
	return -1
}

// stripCell adds the plot of a horizontal feature.
func (m *mesh) stripCell(h *hfeat) {
	sw, se := pt{m.west, h.lo.g.at(m.west)}, pt{m.east, h.lo.g.at(m.east)}
	ne, nw := pt{m.east, h.hi.g.at(m.east)}, pt{m.west, h.hi.g.at(m.west)}
	h.lo.ch.add(sw)
	h.lo.ch.add(se)
	h.hi.ch.add(ne)
	h.hi.ch.add(nw)
	m.cells = append(m.cells, cellDesc{
		sides:  [4]side{{h.lo.ch, sw, se}, {m.ech, se, ne}, {h.hi.ch, ne, nw}, {m.wch, nw, sw}},
		kind:   hstrip,
		use:    h.f.use,
		centre: pt{(m.west + m.east) / 2, (sw.y + nw.y) / 2},
	})
	m.wch.add(sw)
	m.wch.add(nw)
	m.ech.add(se)
	m.ech.add(ne)
}

// junction is where a vertical curve x = f(y) meets a horizontal one
// y = g(x). Both curves are flat enough for the fixed point to converge;
// the result is of the form (x, g(x)) as every point of a band boundary.
func junction(f, g curve) pt {
	x := f.at(g.at(f.at(0)))
	for range 8 {
		x = f.at(g.at(x))
	}
	return pt{x, g.at(x)}
}
