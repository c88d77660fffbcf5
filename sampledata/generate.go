package sampledata

import (
	"fmt"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/grid"
)

// Emitter receives the generated data as it is made: Units once, then for
// each sheet the sheet and its plots. An error stops the generator.
type Emitter interface {
	Units([]spatial.AdminUnit) error
	Sheet(*spatial.Sheet) error
	Plot(*spatial.Plot) error
}

// generator holds the plan of one run; it has no other state.
type generator struct {
	cfg Config
	p   *province
}

// Generate streams a province: its units, then each sheet followed by its
// plots, until the sheet that reaches cfg.Plots. Memory is bounded by one
// sheet's plots. The output depends only on cfg.
func Generate(cfg Config, emit Emitter) (err error) {
	if err := cfg.check(); err != nil {
		return err
	}
	p, err := planProvince(cfg)
	if err != nil {
		return err
	}
	defer func() {
		switch v := recover().(type) {
		case nil:
		case bug:
			err = v
		default:
			panic(v)
		}
	}()
	g := &generator{cfg: cfg, p: p}
	if err := emit.Units(p.units()); err != nil {
		return err
	}
	total := 0
	for _, c := range p.communes {
		for _, sp := range c.sheets {
			n, err := g.emitSheet(sp, emit)
			if err != nil {
				return err
			}
			if total += n; total >= cfg.Plots {
				return nil
			}
		}
	}
	return nil
}

// emitSheet generates one sheet and its plots and returns the plot count.
func (g *generator) emitSheet(sp *sheetPlan, emit Emitter) (int, error) {
	s, plots, err := g.sheet(sp)
	if err != nil {
		return 0, err
	}
	if err := emit.Sheet(s); err != nil {
		return 0, err
	}
	for _, pl := range plots {
		if err := emit.Plot(pl); err != nil {
			return 0, err
		}
	}
	return len(plots), nil
}

// sheet generates one planned sheet.
func (g *generator) sheet(sp *sheetPlan) (*spatial.Sheet, []*spatial.Plot, error) {
	size := int64(sp.scale.CellSize())
	num, f, err := grid.SheetAt(sp.scale, float64(sp.west)+float64(size)/2, float64(sp.north)-float64(size)/2)
	if err != nil {
		return nil, nil, fmt.Errorf("sampledata: sheet %s/%d: %w", sp.former.unit.Code, sp.number, err)
	}
	if f.MinE != float64(sp.west) || f.MaxN != float64(sp.north) {
		return nil, nil, bug(fmt.Sprintf("planned sheet at E %d N %d is not on the grid (%v)", sp.west, sp.north, f))
	}
	s := &spatial.Sheet{
		Key:        spatial.SheetKey{Unit: sp.former.unit.Code, Number: sp.number},
		GridNumber: num,
		Scale:      sp.scale,
		EPSG:       g.cfg.EPSG,
		Frame:      orb.MultiPolygon{{frameRing(f)}},
		SurveyYear: surveyYear(g.cfg.Seed, sp),
	}
	m := &mesh{
		seed: g.cfg.Seed, level: sp.level, prof: &profiles[sp.level],
		r:    newRNG(uint64(g.cfg.Seed), keySheet, uint64(sp.west), uint64(sp.north), uint64(sp.scale)),
		west: sp.west * 1000, south: (sp.north - size) * 1000, east: (sp.west + size) * 1000, north: sp.north * 1000,
	}
	m.wch, m.ech = m.newChain(true), m.newChain(true)
	m.build(g.p)
	ds := g.drafts(m, sp)
	number(ds, m.north, size*1000)
	r := newRNG(uint64(g.cfg.Seed), keyPlots, uint64(sp.west), uint64(sp.north), uint64(sp.scale), 2)
	plots := make([]*spatial.Plot, len(ds))
	for i, d := range ds {
		plots[i] = g.plot(r, d, sp, i+1)
	}
	return s, plots, nil
}

func frameRing(f grid.Frame) orb.Ring {
	var r orb.Ring
	for _, p := range f.Ring() {
		r = append(r, orb.Point(p))
	}
	return r
}

// surveyYear is the year a sheet was surveyed: the former commune's
// campaign, town centres and residential areas a little later.
func surveyYear(seed int64, sp *sheetPlan) int {
	y := sp.former.baseYear + sp.level + int(mix(uint64(seed), keySheet, uint64(sp.west), uint64(sp.north))%3)
	return min(y, 2024)
}

// Batch generates everything in memory, for small configurations (tests,
// the first start of a server).
func Batch(cfg Config) (*spatial.Batch, error) {
	c := &collector{b: &spatial.Batch{Change: spatial.Change{By: "sampledata", Reason: fmt.Sprintf("generated sample (seed %d, %d plots)", cfg.Seed, cfg.Plots)}}}
	if err := Generate(cfg, c); err != nil {
		return nil, err
	}
	return c.b, nil
}

// collector is an Emitter that keeps everything.
type collector struct{ b *spatial.Batch }

func (c *collector) Units(us []spatial.AdminUnit) error {
	c.b.Units = append(c.b.Units, us...)
	return nil
}

func (c *collector) Sheet(s *spatial.Sheet) error {
	c.b.Sheets = append(c.b.Sheets, s)
	return nil
}

func (c *collector) Plot(p *spatial.Plot) error {
	c.b.Plots = append(c.b.Plots, p)
	return nil
}
