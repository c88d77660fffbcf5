package sampledata

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"cadastre/spatial"
	"cadastre/spatial/grid"
)

// The irregular set is what a land office's parcel file looks like, not a
// tessellation (issue 13): plots drawn by hand (wobbly outlines of 14 to
// 60 vertices, with gaps between neighbours), slivers, neighbours that
// overlap (by a lot, or by a thin sliver), spikes and invalid rings, a
// river plot running far out of its sheet, plots of the wrong sheet, and
// off-grid sheets (a frame drawn by hand at 1:2500, a two-part frame at
// 1:4000 with a local number) next to two grid sheets. It is small (about
// a thousand plots) and deterministic: Irregular says how many problems of
// each kind an ingest must report.

// IrregularConfig steers the irregular set.
type IrregularConfig struct {
	Seed int64
	// Each is how many of each defect (each kind of invalid ring,
	// overlapping pair, sliver) the set holds; default 3.
	Each int
	// Clean leaves out what an ingest must refuse (invalid rings, plots of
	// the wrong sheet, the grid sheet with a wrong number): only overlaps
	// and the river past its frame remain, which --allow-overlaps stores
	// with warnings.
	Clean bool
}

// IrregularExpect is what an ingest of the set must report: features per
// kind of problem (Problem.Check, or the field) and warning.
type IrregularExpect struct {
	Sheets, Plots   int // features of the files
	Valid           int // plots that may be stored (with --allow-overlaps)
	InvalidGeometry int // plots with an invalid ring (one problem each)
	OutsideFrame    int // plots whose label point is off their sheet (errors)
	FrameWarnings   int // plots past their frame's extension, label inside (warnings)
	OverlapPairs    int // overlapping pairs (rows), each of two plots of the set
	GridNumber      int // grid sheets whose number is not their frame's cell
	Slivers, Drawn  int // valid slivers and hand-drawn plots
	SheetsOffGrid   int
	InvalidByKind   map[string]int // invalid plots by defect (spike, self-intersection...)
}

// irregularUnit is a made-up commune code (no real place).
const irregularUnit = "95001"

// irregularEPSG is the zone of the set (TP Hồ Chí Minh's, 105°45').
const irregularEPSG = 9210

// Irregular generates the irregular set into e (Units, then sheets, then
// plots) and returns what an ingest must report.
func Irregular(cfg IrregularConfig, e Emitter) (IrregularExpect, error) {
	if cfg.Each <= 0 {
		cfg.Each = 3
	}
	g := &irregular{cfg: cfg, r: newRNG(uint64(cfg.Seed), 0x1226), exp: IrregularExpect{InvalidByKind: map[string]int{}}}
	if err := e.Units([]spatial.AdminUnit{{Code: irregularUnit, Name: "Xã Bất Thường (mẫu)", Province: "Tỉnh Mẫu", EPSG: irregularEPSG}}); err != nil {
		return g.exp, err
	}
	sheets, err := g.sheets()
	if err != nil {
		return g.exp, err
	}
	for _, s := range sheets {
		if err := e.Sheet(s); err != nil {
			return g.exp, err
		}
	}
	for _, p := range g.plots(sheets) {
		if err := e.Plot(p); err != nil {
			return g.exp, err
		}
	}
	return g.exp, nil
}

// WriteIrregular writes the irregular set into dir as units.json,
// sheets.geojson and plots.geojson.
func WriteIrregular(cfg IrregularConfig, dir string) (exp IrregularExpect, err error) {
	w := &fileEmitter{dir: dir, epsg: irregularEPSG}
	defer func() { err = errors.Join(err, w.close()) }()
	return Irregular(cfg, w)
}

type irregular struct {
	cfg IrregularConfig
	r   *rng
	exp IrregularExpect
	n   map[int]int // last plot number per sheet
}

// Where the set lies: a row of sheets from west to east.
const (
	irrE = 620500.0  // inside the first grid sheet (1:2000, 1 km cells)
	irrN = 1200500.0 //
)

func (g *irregular) sheets() ([]*spatial.Sheet, error) {
	var out []*spatial.Sheet
	for i, e := range []float64{irrE, irrE + 1000} {
		num, f, err := grid.SheetAt(grid.Scale2000, e, irrN)
		if err != nil {
			return nil, err
		}
		out = append(out, &spatial.Sheet{Key: spatial.SheetKey{Unit: irregularUnit, Number: i + 1}, GridNumber: num,
			Scale: grid.Scale2000, EPSG: irregularEPSG, SurveyYear: 2004, Frame: orb.MultiPolygon{{rect(f.MinE, f.MinN, f.MaxE, f.MaxN)}}})
	}
	// A frame drawn by hand around a hamlet, 1:2500 (no such scale in
	// Circular 25), no grid number.
	out = append(out, &spatial.Sheet{Key: spatial.SheetKey{Unit: irregularUnit, Number: 3}, Scale: 2500, EPSG: irregularEPSG,
		OffGrid: true, SurveyYear: 1992, Frame: orb.MultiPolygon{g.wobbly(irrE+3000, irrN, 450, 48, 0.06)}})
	// Two parts (a village and its fields across a river), 1:4000, a
	// local number.
	out = append(out, &spatial.Sheet{Key: spatial.SheetKey{Unit: irregularUnit, Number: 4}, GridNumber: "LG-12", Scale: 4000,
		EPSG: irregularEPSG, OffGrid: true, SurveyYear: 1987, Frame: orb.MultiPolygon{
			g.wobbly(irrE+5600, irrN, 420, 40, 0.06),
			g.wobbly(irrE+6800, irrN-150, 300, 32, 0.06),
		}})
	g.exp.SheetsOffGrid = 2
	if !g.cfg.Clean {
		// A grid sheet whose number names the neighbouring cell.
		_, f, err := grid.SheetAt(grid.Scale2000, irrE, irrN-3000)
		if err != nil {
			return nil, err
		}
		out = append(out, &spatial.Sheet{Key: spatial.SheetKey{Unit: irregularUnit, Number: 5}, GridNumber: out[0].GridNumber,
			Scale: grid.Scale2000, EPSG: irregularEPSG, Frame: orb.MultiPolygon{{rect(f.MinE, f.MinN, f.MaxE, f.MaxN)}}})
		g.exp.GridNumber = 1
	}
	g.exp.Sheets = len(out)
	return out, nil
}

// cell is one 40 m square of a sheet's lattice, where one plot is drawn.
type cell struct {
	sheet  *spatial.Sheet
	cx, cy float64
}

const cellSide = 40.0

// lattice returns the cells of a sheet wholly inside its frame and less
// than 240 m from one of centres (12 x 12 cells around each), row by row,
// leaving out those crossing the band [skipLo, skipHi] of northings.
func lattice(s *spatial.Sheet, centres []orb.Point, skipLo, skipHi float64) []cell {
	var out []cell
	near := func(x, y float64) bool {
		for _, c := range centres {
			if math.Abs(x-c[0]) < 240 && math.Abs(y-c[1]) < 240 {
				return true
			}
		}
		return false
	}
	b := s.Frame.Bound()
	for y := b.Min[1] + cellSide/2; y+cellSide/2 <= b.Max[1]; y += cellSide {
		if y+cellSide/2 > skipLo && y-cellSide/2 < skipHi {
			continue
		}
		for x := b.Min[0] + cellSide/2; x+cellSide/2 <= b.Max[0]; x += cellSide {
			h := cellSide / 2
			in := near(x, y)
			for _, pt := range []orb.Point{{x - h, y - h}, {x + h, y - h}, {x + h, y + h}, {x - h, y + h}, {x, y}} {
				in = in && planar.MultiPolygonContains(s.Frame, pt)
			}
			if in {
				out = append(out, cell{s, x, y})
			}
		}
	}
	return out
}

// plots draws a plot in most cells (some stay empty, as gaps in real
// maps), then places the defects on cells spread over the sheets.
func (g *irregular) plots(sheets []*spatial.Sheet) []*spatial.Plot {
	g.n = map[int]int{}
	var cells []cell
	river := sheets[2]
	rb := river.Frame.Bound()
	riverX, riverY := irrE+3000, irrN // the centre of the hand-drawn frame
	for i, s := range sheets[:4] {
		lo, hi := math.Inf(1), math.Inf(-1)
		if i == 2 {
			lo, hi = riverY-15, riverY+15
		}
		var centres []orb.Point
		for _, part := range s.Frame {
			centres = append(centres, part.Bound().Center())
		}
		cells = append(cells, lattice(s, centres, lo, hi)...)
	}
	var out []*spatial.Plot
	used := make([]bool, len(cells))
	// Defects take every k-th cell, so they are spread over the sheets;
	// an overlapping pair takes a cell and its east neighbour.
	defects := g.defects()
	step := len(cells) / (len(defects) + 1)
	for d, def := range defects {
		i := (d + 1) * step
		for i < len(cells) && (used[i] || (def.pair && (i+1 >= len(cells) || used[i+1] || !eastOf(cells[i], cells[i+1])))) {
			i++
		}
		if i >= len(cells) {
			continue // not reached with the default sizes
		}
		used[i] = true
		if def.pair {
			used[i+1] = true
			out = append(out, def.make2(g, cells[i], cells[i+1])...)
			continue
		}
		out = append(out, def.make1(g, cells[i]))
	}
	for i, c := range cells {
		if used[i] || g.r.chance(80) { // 8 % of cells stay empty
			continue
		}
		out = append(out, g.plot(c.sheet, g.blob(c.cx, c.cy), "LUC"))
		g.exp.Drawn++
	}
	// The river: across the hand-drawn frame and 700 m past its east
	// edge, its label point (the middle of its widest run: the frame's
	// centre) inside.
	e1 := rb.Max[0] + 700
	e0 := 2*riverX - e1
	out = append(out, g.plot(river, orb.MultiPolygon{{g.band(e0, riverY-8, e1, riverY+8)}}, "SON"))
	g.exp.FrameWarnings++
	if !g.cfg.Clean {
		// A plot of sheet 1 drawn 600 m north of it, and one of sheet 4
		// 1.2 km south of its parts: their label points are off their frames.
		f1 := sheets[0].Frame.Bound()
		out = append(out, g.plot(sheets[0], g.blob(f1.Min[0]+300, f1.Max[1]+600), "ONT"))
		f4 := sheets[3].Frame.Bound()
		out = append(out, g.plot(sheets[3], g.blob(f4.Min[0]+300, f4.Min[1]-1200), "ONT"))
		g.exp.OutsideFrame += 2
	}
	g.exp.Plots = len(out)
	g.exp.Valid = g.exp.Plots - g.exp.InvalidGeometry - g.exp.OutsideFrame
	return out
}

func eastOf(a, b cell) bool {
	return a.sheet == b.sheet && b.cy == a.cy && math.Abs(b.cx-a.cx-cellSide) < 1e-6
}

// defect makes the plot(s) of one defect in its cell(s).
type defect struct {
	pair  bool
	make1 func(g *irregular, c cell) *spatial.Plot
	make2 func(g *irregular, a, b cell) []*spatial.Plot
}

func (g *irregular) defects() []defect {
	var ds []defect
	invalid := map[string]func(g *irregular, c cell) orb.MultiPolygon{
		"self-intersection": func(g *irregular, c cell) orb.MultiPolygon { // a bow tie
			return orb.MultiPolygon{{{{c.cx - 12, c.cy - 10}, {c.cx + 12, c.cy + 10}, {c.cx + 12, c.cy - 10}, {c.cx - 12, c.cy + 10}, {c.cx - 12, c.cy - 10}}}}
		},
		"spike": func(g *irregular, c cell) orb.MultiPolygon { // out 6 m east and back half way
			mp := g.blob(c.cx, c.cy)
			r := mp[0][0]
			a := r[0] // the vertex at angle 0, due east of the centre
			spiked := append(orb.Ring{a, {a[0] + 6, a[1]}, {a[0] + 3, a[1]}}, r[1:]...)
			return orb.MultiPolygon{{spiked}}
		},
		"hole outside the shell": func(g *irregular, c cell) orb.MultiPolygon {
			mp := g.blob(c.cx, c.cy)
			mp[0] = append(mp[0], orb.Ring{{c.cx + 17, c.cy + 17}, {c.cx + 17, c.cy + 19}, {c.cx + 19, c.cy + 19}, {c.cx + 19, c.cy + 17}, {c.cx + 17, c.cy + 17}})
			return mp
		},
		"too few points": func(g *irregular, c cell) orb.MultiPolygon {
			return orb.MultiPolygon{{{{c.cx - 10, c.cy}, {c.cx + 10, c.cy + 5}, {c.cx - 10, c.cy}}}}
		},
		"duplicate vertex": func(g *irregular, c cell) orb.MultiPolygon {
			mp := g.blob(c.cx, c.cy)
			r := mp[0][0]
			mp[0][0] = append(append(append(orb.Ring{}, r[:3]...), r[2]), r[3:]...)
			return mp
		},
	}
	for range g.cfg.Each {
		ds = append(ds,
			defect{pair: true, make2: func(g *irregular, a, b cell) []*spatial.Plot { return g.overlap(a, b, false) }},
			defect{pair: true, make2: func(g *irregular, a, b cell) []*spatial.Plot { return g.overlap(a, b, true) }},
			defect{make1: func(g *irregular, c cell) *spatial.Plot { g.exp.Slivers++; return g.plot(c.sheet, g.sliver(c), "DGT") }},
			defect{make1: func(g *irregular, c cell) *spatial.Plot { g.exp.Slivers++; return g.plot(c.sheet, g.sliver(c), "DTL") }},
		)
		if g.cfg.Clean {
			continue
		}
		for _, kind := range []string{"self-intersection", "spike", "hole outside the shell", "too few points", "duplicate vertex"} {
			make := invalid[kind]
			ds = append(ds, defect{make1: func(g *irregular, c cell) *spatial.Plot {
				g.exp.InvalidGeometry++
				g.exp.InvalidByKind[kind]++
				return g.plot(c.sheet, make(g, c), "LUC")
			}})
		}
	}
	return ds
}

// overlap draws a plot in a reaching into its east neighbour b: to b's
// middle, or (sliver) 30 cm into it.
func (g *irregular) overlap(a, b cell, sliver bool) []*spatial.Plot {
	g.exp.OverlapPairs++
	var east orb.MultiPolygon
	reach := b.cx
	if sliver {
		east = orb.MultiPolygon{{g.band(b.cx-17, b.cy-10, b.cx+17, b.cy+10)}}
		reach = b.cx - 17 + 0.3
	} else {
		east = g.blob(b.cx, b.cy)
	}
	west := orb.MultiPolygon{{g.band(a.cx-16, a.cy-8, reach, a.cy+8)}}
	return []*spatial.Plot{g.plot(a.sheet, west, "ONT"), g.plot(b.sheet, east, "CLN")}
}

// sliver is a valid plot 28 m long and 20 to 45 cm wide, slightly askew.
func (g *irregular) sliver(c cell) orb.MultiPolygon {
	w := float64(g.r.between(200, 450)) / 1000
	return orb.MultiPolygon{{{{c.cx - 14, c.cy - 0.2}, {c.cx + 14, c.cy + 0.1}, {c.cx + 14, c.cy + 0.1 + w}, {c.cx - 14, c.cy - 0.2 + w}, {c.cx - 14, c.cy - 0.2}}}}
}

// band is a strip from (e0, n0) to (e1, n1) whose long edges wobble by up
// to 30 cm every 10 to 20 m, as a digitised road or river does.
func (g *irregular) band(e0, n0, e1, n1 float64) orb.Ring {
	r := orb.Ring{{mm(e0), mm(n0)}}
	for x := e0 + 15; x < e1-5; x += float64(g.r.between(10, 20)) {
		r = append(r, orb.Point{mm(x), mm(n0 + float64(g.r.between(-300, 300))/1000)})
	}
	r = append(r, orb.Point{mm(e1), mm(n0)}, orb.Point{mm(e1), mm(n1)})
	for x := e1 - 15; x > e0+5; x -= float64(g.r.between(10, 20)) {
		r = append(r, orb.Point{mm(x), mm(n1 + float64(g.r.between(-300, 300))/1000)})
	}
	return append(r, orb.Point{mm(e0), mm(n1)}, orb.Point{mm(e0), mm(n0)})
}

// blob is a hand-drawn plot inside a 40 m cell: a wobbly closed outline
// of 14 to 60 vertices, at most 18 m from its centre, first vertex due
// east.
func (g *irregular) blob(cx, cy float64) orb.MultiPolygon {
	return orb.MultiPolygon{g.wobbly(cx, cy, float64(g.r.between(11000, 14500))/1000, int(g.r.between(14, 60)), 0.3)}
}

// wobbly is a star-shaped outline of n vertices around (cx, cy) of mean
// radius R, its radius swaying by three waves of up to 22 % (a line
// drawn by hand) plus jitter up to jitter metres; counter-clockwise,
// vertices on millimetres.
func (g *irregular) wobbly(cx, cy, R float64, n int, jitterFrac float64) orb.Polygon {
	ph := [3]float64{}
	for i := range ph {
		ph[i] = float64(g.r.intn(6283)) / 1000
	}
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		t := 2 * math.Pi * float64(i) / float64(n)
		rad := R * (1 + 0.12*math.Sin(2*t+ph[0]) + 0.07*math.Sin(3*t+ph[1]) + 0.03*math.Sin(5*t+ph[2]))
		rad += jitterFrac * float64(g.r.between(-1000, 1000)) / 1000
		if i == 0 {
			ring = append(ring, orb.Point{mm(cx + rad), mm(cy)})
			continue
		}
		ring = append(ring, orb.Point{mm(cx + rad*math.Cos(t)), mm(cy + rad*math.Sin(t))})
	}
	return orb.Polygon{append(ring, ring[0])}
}

// plot numbers a plot on its sheet.
func (g *irregular) plot(s *spatial.Sheet, mp orb.MultiPolygon, use string) *spatial.Plot {
	g.n[s.Key.Number]++
	p := &spatial.Plot{
		Key:     spatial.PlotKey{Unit: irregularUnit, Sheet: s.Key.Number, Plot: g.n[s.Key.Number]},
		Commune: irregularUnit, EPSG: irregularEPSG, Geometry: mp, LandUse: []string{use},
		Address: fmt.Sprintf("Ấp %d", 1+s.Key.Number),
	}
	p.Area = spatial.RoundArea(spatial.PlaneArea(mp))
	return p
}

func rect(e0, n0, e1, n1 float64) orb.Ring {
	return orb.Ring{{e0, n0}, {e1, n0}, {e1, n1}, {e0, n1}, {e0, n0}}
}

func mm(v float64) float64 { return math.Round(v*1000) / 1000 }
