package main

import (
	"context"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/index"
)

// generated is an index.Source that generates the province instead of
// reading a store: the read model then holds what `serve` would hold after
// the same data were ingested (the generator's coordinates are already
// millimetres, as stored). Index.Build asks for every sheet before the
// plots, and the generator emits each sheet with its plots, so the
// province is generated twice (the generator is deterministic); memory
// stays bounded by one sheet's plots besides the read model.
type generated struct{ cfg sampledata.Config }

var _ index.Source = generated{}

// Sheets returns every sheet of the province (unit is ignored: Build asks
// for all of them).
func (g generated) Sheets(ctx context.Context, _ string) ([]*spatial.Sheet, error) {
	e := &emitter{ctx: ctx}
	if err := sampledata.Generate(g.cfg, e); err != nil {
		return nil, err
	}
	return e.sheets, nil
}

// EachPlot streams every plot of the province.
func (g generated) EachPlot(ctx context.Context, fn func(*spatial.Plot) error) error {
	return sampledata.Generate(g.cfg, &emitter{ctx: ctx, plot: fn})
}

// emitter keeps the sheets, or hands the plots on.
type emitter struct {
	ctx    context.Context
	sheets []*spatial.Sheet
	plot   func(*spatial.Plot) error
}

func (e *emitter) Units([]spatial.AdminUnit) error { return nil }

func (e *emitter) Sheet(s *spatial.Sheet) error {
	if e.plot == nil {
		e.sheets = append(e.sheets, s)
	}
	return e.ctx.Err()
}

func (e *emitter) Plot(p *spatial.Plot) error {
	if e.plot == nil {
		return nil
	}
	return e.plot(p)
}
