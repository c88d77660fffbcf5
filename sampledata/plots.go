package sampledata

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// draft is a plot before numbering: polygons of rings in mm.
type draft struct {
	parts  [][][]pt
	codes  []string
	papers bool // has legal papers (legal_area > 0)
	label  pt   // reading-order position
	pos    pt   // a point for the address
}

// drafts turns the cells of a sheet into plots: land use, plots on both
// banks of a canal, fish ponds in holes.
func (g *generator) drafts(m *mesh, sp *sheetPlan) []*draft {
	r := newRNG(uint64(g.cfg.Seed), keyPlots, uint64(sp.west), uint64(sp.north), uint64(sp.scale))
	out := make([]*draft, len(m.cells))
	for i := range m.cells {
		d := &m.cells[i]
		out[i] = &draft{parts: [][][]pt{{d.ring()}}, label: d.centre, pos: d.centre, papers: d.kind == parcel}
		if d.kind != parcel {
			out[i].codes = []string{d.use}
			continue
		}
		out[i].codes = landUse(r, d, sp.level, sp.former.town)
	}
	for _, c := range m.canals {
		g.banks(r, m, c, out)
	}
	n := len(out)
	for i := range n {
		if out[i] != nil && m.cells[i].kind == parcel {
			if pond := g.pond(r, out[i], sp.level); pond != nil {
				out = append(out, pond)
			}
		}
	}
	return slices.DeleteFunc(out, func(d *draft) bool { return d == nil })
}

// banks joins, with some chance, a cell west of a canal and the cell
// facing it east of the canal into one plot of two parts.
func (g *generator) banks(r *rng, m *mesh, c *canalSides, out []*draft) {
	if len(c.west) == 0 || len(c.east) == 0 || !r.chance(600) {
		return
	}
	w := c.west[r.intn(int64(len(c.west)))]
	ws := m.cells[w].sides[1] // right side, south to north
	best, bestOverlap := -1, int64(5_000)
	for _, e := range c.east {
		es := m.cells[e].sides[3] // left side, north to south
		if o := min(ws.to.y, es.from.y) - max(ws.from.y, es.to.y); o > bestOverlap {
			best, bestOverlap = e, o
		}
	}
	if best < 0 || m.cells[w].lot || m.cells[best].lot || out[w] == nil || out[best] == nil ||
		len(out[w].parts) != 1 || len(out[best].parts) != 1 {
		return
	}
	out[w].parts = append(out[w].parts, out[best].parts...)
	out[w].codes = drawUse(r, usesBanks)
	out[best] = nil
}

// pondDirs are 12 unit directions (x1000), counter-clockwise.
var pondDirs = [12][2]int64{{1000, 0}, {866, 500}, {500, 866}, {0, 1000}, {-500, 866}, {-866, 500},
	{-1000, 0}, {-866, -500}, {-500, -866}, {0, -1000}, {500, -866}, {866, -500}}

// pondMin and pondMax bound a pond's radius (mm) by level; a pond needs a
// host of at least pondHostArea m².
var (
	pondMax      = [3]int64{14_000, 7_000, 0}
	pondHostArea = [3]float64{1200, 450, 0}
)

const pondMin = 2_500

// pond digs, with some chance, a fish pond in a single-part parcel: a
// 12-gon in a hole of the host, as a plot of its own (NTS).
func (g *generator) pond(r *rng, host *draft, level int) *draft {
	if len(host.parts) != 1 || !pondHost[host.codes[0]] || pondMax[level] == 0 || !r.chance(35) {
		return nil
	}
	shell := host.parts[0][0]
	ring := toRing(shell)
	if spatial.RingArea(ring) < pondHostArea[level] {
		return nil
	}
	var cx, cy int64
	for _, p := range shell[:len(shell)-1] {
		cx, cy = cx+p.x, cy+p.y
	}
	c := pt{cx / int64(len(shell)-1), cy / int64(len(shell)-1)}
	if in, _ := spatial.PointInRing(ring, orb.Point{float64(c.x) / 1000, float64(c.y) / 1000}); !in {
		return nil
	}
	rad := min(int64(distToRing(shell, c)*0.45)/100*100, pondMax[level])
	if rad < pondMin {
		return nil
	}
	pond := make([]pt, 0, len(pondDirs)+1)
	for _, d := range pondDirs {
		k := rad * r.between(750, 1000) / 1000
		pond = append(pond, pt{c.x + d[0]*k/1000, c.y + d[1]*k/1000})
	}
	pond = append(pond, pond[0])
	hole := slices.Clone(pond)
	slices.Reverse(hole)
	host.parts[0] = append(host.parts[0], hole)
	return &draft{parts: [][][]pt{{pond}}, codes: []string{"NTS"}, papers: true, label: c, pos: c}
}

// distToRing is the distance (mm) from c to the nearest edge of a ring.
func distToRing(ring []pt, c pt) float64 {
	best := math.Inf(1)
	for i := 0; i+1 < len(ring); i++ {
		a, b := ring[i], ring[i+1]
		ax, ay := float64(a.x-c.x), float64(a.y-c.y)
		dx, dy := float64(b.x-a.x), float64(b.y-a.y)
		t := 0.0
		if l := dx*dx + dy*dy; l > 0 {
			t = min(max(-(ax*dx+ay*dy)/l, 0), 1)
		}
		best = min(best, math.Hypot(ax+t*dx, ay+t*dy))
	}
	return best
}

// toRing converts mm vertices to a plane ring in metres.
func toRing(r []pt) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[i] = orb.Point{float64(p.x) / 1000, float64(p.y) / 1000}
	}
	return out
}

// number sorts drafts in reading order (north-west first: rows of a
// twentieth of the sheet from the north, west to east within a row).
func number(ds []*draft, north, size int64) {
	band := size / 20
	slices.SortStableFunc(ds, func(a, b *draft) int {
		return cmp.Or(cmp.Compare((north-a.label.y)/band, (north-b.label.y)/band), cmp.Compare(a.label.x, b.label.x))
	})
}

// plot builds the domain plot of a numbered draft.
func (g *generator) plot(r *rng, d *draft, sp *sheetPlan, n int) *spatial.Plot {
	mp := make(orb.MultiPolygon, len(d.parts))
	for i, part := range d.parts {
		poly := make(orb.Polygon, len(part))
		for j, ring := range part {
			poly[j] = toRing(ring)
		}
		mp[i] = poly
	}
	p := &spatial.Plot{
		Key:      spatial.PlotKey{Unit: sp.former.unit.Code, Sheet: sp.number, Plot: n},
		Commune:  sp.commune.unit.Code,
		EPSG:     g.cfg.EPSG,
		Geometry: mp,
		LandUse:  d.codes,
		Area:     spatial.RoundArea(spatial.PlaneArea(mp)),
	}
	if d.papers {
		p.LegalArea = legalArea(r, p.Area)
		p.Address = address(sp, d.pos)
	}
	return p
}

// legalArea is the area on the plot's papers: often exactly the measured
// area, otherwise off by up to 2 % (older, less precise surveys).
func legalArea(r *rng, area float64) float64 {
	dm := int64(math.Round(area * 10))
	if r.chance(350) {
		return float64(dm) / 10
	}
	d := r.between(1, 8)
	if r.chance(300) {
		d = r.between(9, 20)
	}
	if r.chance(500) {
		d = -d
	}
	return float64(dm*(1000+d)/1000) / 10
}

// address names the hamlet (thôn) of a rural plot, or the residential
// group and quarter (tổ, khu phố) of a town plot. No owner data is made.
func address(sp *sheetPlan, pos pt) string {
	c := sp.commune
	col, row := int((pos.x/1000-c.west)/1000), int((c.north-pos.y/1000)/1000)
	col, row = min(max(col, 0), communeW-1), min(max(row, 0), communeH-1)
	if !sp.former.town {
		return fmt.Sprintf("Thôn %d", 1+row/3*(communeW/3)+col/3)
	}
	qc, qr := (pos.x/1000-c.west)%1000/250, (c.north-pos.y/1000)%1000/250
	return fmt.Sprintf("Tổ %d, Khu phố %d", 1+qr*4+qc, 1+row/2*(communeW/2)+col/2)
}
