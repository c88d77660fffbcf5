package gpkg

import (
	"context"
	"fmt"
	"time"

	"cadastre/spatial"
)

// Before a chunk writes anything, plan looks up the current version of
// each of its plots and retirements and finds what the stored state
// forbids: reusing a retired plot number, retiring an unknown or retired
// plot, a change dated before the version it replaces. Check reports these
// like Batch.Check's problems, and the chunk's writes then cannot fail on
// its data, so a rejected chunk leaves nothing behind without a savepoint.
// (A savepoint per chunk was measured: SQLite's sub-journal for it cost
// about 40% of the write time.) The plan holds one chunk's rows only.

// plotStep is the stored state of one plot of the chunk.
type plotStep struct {
	cur  *plotRow      // its current row; nil for a new plot
	zone int           // the zone of cur
	old  *spatial.Plot // cur decoded
}

// chunkPlan is the stored state of a chunk's plots (by position in Plots)
// and retirements (by position in Retire).
type chunkPlan struct {
	plots  []plotStep
	retire []plotStep
}

// plan returns the chunk's plan and the problems the stored state finds in
// it (KindInvalid), or an error of the store.
func (w *writer) plan(ctx context.Context, b *spatial.Batch) (*chunkPlan, []spatial.Problem, error) {
	cp := &chunkPlan{plots: make([]plotStep, len(b.Plots)), retire: make([]plotStep, len(b.Retire))}
	fresh, err := w.freshSheets(ctx, b.Plots)
	if err != nil {
		return nil, nil, err
	}
	var probs []spatial.Problem
	for i, p := range b.Plots {
		if fresh[p.Key.SheetKey()] {
			continue // a new plot: its sheet has no plot row in any zone
		}
		reason, err := w.planStep(ctx, &cp.plots[i], p.Key, p.EPSG)
		if err != nil {
			return nil, nil, err
		}
		if reason == "no such plot" {
			continue // a new plot
		}
		if reason == "" {
			reason = w.backdated(cp.plots[i].old)
		} else {
			reason = "plot was retired; plot numbers are never reused (a split or merge takes the next free number)"
		}
		if reason != "" {
			probs = append(probs, spatial.Problem{Index: i, Feature: p.Key.String(), Field: "key", Reason: reason})
		}
	}
	seen := make(map[spatial.PlotKey]bool, len(b.Retire))
	for i, k := range b.Retire {
		reason, err := w.planStep(ctx, &cp.retire[i], k, 0)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case seen[k]:
			reason = "plot is listed twice for retirement"
		case reason == "":
			reason = w.backdated(cp.retire[i].old)
		}
		seen[k] = true
		if reason != "" {
			probs = append(probs, spatial.Problem{Index: -1, Feature: k.String(), Field: fmt.Sprintf("retire[%d]", i), Reason: reason})
		}
	}
	return cp, probs, nil
}

// freshSheets returns the sheets of plots that have no plot row, current
// or past, in any zone: every plot of theirs is new, and a first load of a
// sheet needs no lookup a plot (two indexed queries a plot and zone; 16.5
// -> 14.6 s for 200,000 plots, BENCHMARKS.md). One query a sheet and zone,
// on the unique indexes (unit, sheet, plot[, version]); the current table
// is asked too, in case a plot was added there by hand (QGIS opens it).
func (w *writer) freshSheets(ctx context.Context, plots []*spatial.Plot) (map[spatial.SheetKey]bool, error) {
	fresh := map[spatial.SheetKey]bool{}
	for _, p := range plots {
		sk := p.Key.SheetKey()
		if _, done := fresh[sk]; done {
			continue
		}
		fresh[sk] = true
		for _, z := range w.zones {
			var known bool
			err := w.tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+plotVersionTable(z)+" WHERE unit = ?1 AND sheet = ?2) OR "+
				"EXISTS (SELECT 1 FROM "+plotTable(z)+" WHERE unit = ?1 AND sheet = ?2)", sk.Unit, sk.Number).Scan(&known)
			if err != nil {
				return nil, err
			}
			if known {
				fresh[sk] = false
				break
			}
		}
	}
	return fresh, nil
}

// planStep fills st with the current row of key; when there is none it
// returns why: "no such plot" or "plot is already retired".
func (w *writer) planStep(ctx context.Context, st *plotStep, key spatial.PlotKey, prefer int) (string, error) {
	cur, zone, err := w.findPlot(ctx, key, prefer)
	if err != nil {
		return "", err
	}
	if cur == nil {
		return w.whyNotCurrent(ctx, key)
	}
	old, err := cur.plot(zone)
	if err != nil {
		return "", err
	}
	*st = plotStep{cur: cur, zone: zone, old: old}
	return "", nil
}

// backdated returns a problem when this transaction's time is before the
// start of the version it would close (versions must not overlap).
func (w *writer) backdated(old *spatial.Plot) string {
	if !w.at.Before(old.ValidFrom) {
		return ""
	}
	return fmt.Sprintf("change time %s is before the current version (valid from %s)",
		w.at.Format(time.RFC3339Nano), old.ValidFrom.Format(time.RFC3339Nano))
}

// whyNotCurrent tells an unknown plot from a retired one.
func (w *writer) whyNotCurrent(ctx context.Context, k spatial.PlotKey) (string, error) {
	for _, z := range w.zones {
		st, err := w.stmts(ctx, z)
		if err != nil {
			return "", err
		}
		var known bool
		if err := st.plotKnown.QueryRowContext(ctx, k.Unit, k.Sheet, k.Plot).Scan(&known); err != nil {
			return "", err
		}
		if known {
			return "plot is already retired", nil
		}
	}
	return "no such plot", nil
}
