package sampledata

import (
	"context"

	"cadastre/spatial"
)

// Source is a read-model source (index.Source: Sheets, then EachPlot)
// that generates the data set of Config instead of reading a store: the
// read model then holds what `serve` would hold after the same data were
// ingested (the generator's coordinates are already millimetres, as
// stored). The index asks for every sheet before the plots, and the
// generator emits each sheet with its plots, so the data set is generated
// twice (the generator is deterministic); memory stays bounded by one
// sheet's plots besides the read model. The benchmarks (cmd/extractbench,
// cmd/membench) build their read models from it.
type Source struct{ Config Config }

// Sheets returns every sheet of the data set (unit is ignored: the index
// asks for all of them).
func (g Source) Sheets(ctx context.Context, _ string) ([]*spatial.Sheet, error) {
	e := &emitter{ctx: ctx}
	if err := Generate(g.Config, e); err != nil {
		return nil, err
	}
	return e.sheets, nil
}

// EachPlot streams every plot of the data set.
func (g Source) EachPlot(ctx context.Context, fn func(*spatial.Plot) error) error {
	return Generate(g.Config, &emitter{ctx: ctx, plot: fn})
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
