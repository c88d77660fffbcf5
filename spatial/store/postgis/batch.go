package postgis

import (
	"context"
	"fmt"
	"time"

	"cadastre/spatial"
)

// Write checks the batch against the stored sheets and stores it in one
// transaction: Begin, one Tx.Write, Commit. Identical plots and sheets are
// left alone; changed ones get a new version and their old version's
// valid_to; retired plots get a new retired version. Round trips do not
// grow with the batch: current versions are loaded with one query, new
// rows are sent with COPY, and superseded rows are closed with one UPDATE
// per table.
func (s *Store) Write(ctx context.Context, b *spatial.Batch) (spatial.WriteResult, error) {
	tx, err := s.Begin(ctx, b.Change)
	if err != nil {
		return spatial.WriteResult{}, err
	}
	if err := tx.Write(ctx, b); err != nil {
		// The write error is the one to report. A rollback can only fail on
		// a broken connection, which the pool then drops with the
		// transaction.
		_ = tx.Rollback(ctx)
		return spatial.WriteResult{}, err
	}
	return tx.Commit(ctx)
}

// backdated returns a problem reason when a batch stamped with Change.At
// would supersede a version that starts after it (versions must not
// overlap), "" otherwise.
func backdated(v, cur spatial.Version) string {
	if v.ValidFrom.Before(cur.ValidFrom) {
		return fmt.Sprintf("change time %s is before the current version (valid from %s)",
			v.ValidFrom.Format(time.RFC3339Nano), cur.ValidFrom.Format(time.RFC3339Nano))
	}
	return ""
}

// rejected returns the KindInvalid error of a batch refused for problems
// found against the stored state.
func rejected(problems []spatial.Problem) error {
	return spatial.Invalid(fmt.Sprintf("batch rejected: %d problem(s), nothing stored", len(problems)), problems)
}

// next returns the version that follows cur (or the first one).
func next(v spatial.Version, cur *spatial.Version) spatial.Version {
	v.Version = 1
	if cur != nil {
		v.Version = cur.Version + 1
	}
	return v
}

// sheetPlan is what a batch does to sheets.
type sheetPlan struct {
	supersede []int64
	sheets    []newSheet
}

type newSheet struct {
	*spatial.Sheet
	v spatial.Version
}

// planSheets compares the batch's sheets with their current versions.
func planSheets(ctx context.Context, q querier, sheets []*spatial.Sheet, v spatial.Version) (*sheetPlan, error) {
	keys := make([]spatial.SheetKey, len(sheets))
	for i, sh := range sheets {
		keys[i] = sh.Key
	}
	cur, err := currentSheets(ctx, q, keys)
	if err != nil {
		return nil, err
	}
	sp := &sheetPlan{}
	var problems []spatial.Problem
	for i, sh := range sheets {
		c, ok := cur[sh.Key]
		switch {
		case !ok:
			sp.sheets = append(sp.sheets, newSheet{sh, next(v, nil)})
		case c.SameContent(sh):
		case backdated(v, c.Version) != "":
			problems = append(problems, spatial.Problem{Index: -1, Feature: "sheet " + sh.Key.String(),
				Field: fmt.Sprintf("sheets[%d]", i), Reason: backdated(v, c.Version)})
		default:
			sp.supersede = append(sp.supersede, c.id)
			sp.sheets = append(sp.sheets, newSheet{sh, next(v, &c.Version)})
		}
	}
	if len(problems) > 0 {
		return nil, rejected(problems)
	}
	return sp, nil
}

// plotPlan is what a batch does to plots.
type plotPlan struct {
	supersede                             []int64
	plots                                 []newPlot
	touched                               []spatial.PlotKey
	inserted, changed, unchanged, retired int
	problems                              []spatial.Problem
}

type newPlot struct {
	*spatial.Plot
	v spatial.Version
}

// planPlots compares the batch's plots and retirements with their current
// versions, loaded with one query.
func planPlots(ctx context.Context, q querier, b *spatial.Batch, v spatial.Version) (*plotPlan, error) {
	keys := make([]spatial.PlotKey, 0, len(b.Plots)+len(b.Retire))
	for _, p := range b.Plots {
		keys = append(keys, p.Key)
	}
	keys = append(keys, b.Retire...)
	cur, err := currentPlots(ctx, q, keys)
	if err != nil {
		return nil, err
	}
	pp := &plotPlan{}
	for i, p := range b.Plots {
		pp.write(i, p, cur, v)
	}
	pp.retire(b.Retire, cur, v)
	if len(pp.problems) > 0 {
		return nil, rejected(pp.problems)
	}
	return pp, nil
}

// write plans plot i of the batch.
func (pp *plotPlan) write(i int, p *spatial.Plot, cur map[spatial.PlotKey]storedPlot, v spatial.Version) {
	c, ok := cur[p.Key]
	problem := func(field, reason string) {
		pp.problems = append(pp.problems, spatial.Problem{Index: i, Feature: p.Key.String(), Field: field, Reason: reason})
	}
	switch {
	case !ok:
		pp.inserted++
		pp.plots = append(pp.plots, newPlot{p, next(v, nil)})
	case c.Retired:
		problem("key", "plot was retired; plot numbers are never reused (a split or merge takes the next free number)")
		return
	case c.SameContent(p):
		pp.unchanged++
		return
	case backdated(v, c.Version) != "":
		problem("change.at", backdated(v, c.Version))
		return
	default:
		pp.changed++
		pp.supersede = append(pp.supersede, c.id)
		pp.plots = append(pp.plots, newPlot{p, next(v, &c.Version)})
	}
	pp.touched = append(pp.touched, p.Key)
}

// retire plans the retirements: each key must name a current, not yet
// retired plot; its new version keeps the content and is marked retired.
func (pp *plotPlan) retire(keys []spatial.PlotKey, cur map[spatial.PlotKey]storedPlot, v spatial.Version) {
	seen := make(map[spatial.PlotKey]bool, len(keys))
	for i, k := range keys {
		c, ok := cur[k]
		problem := ""
		switch {
		case !ok:
			problem = "no such plot to retire"
		case c.Retired:
			problem = "plot is already retired"
		case seen[k]:
			problem = "plot is retired twice in one batch"
		case backdated(v, c.Version) != "":
			problem = backdated(v, c.Version)
		}
		if problem != "" {
			pp.problems = append(pp.problems, spatial.Problem{Index: -1, Feature: k.String(), Field: fmt.Sprintf("retire[%d]", i), Reason: problem})
			continue
		}
		seen[k] = true
		rv := next(v, &c.Version)
		rv.Retired = true
		pp.retired++
		pp.supersede = append(pp.supersede, c.id)
		pp.plots = append(pp.plots, newPlot{c.Plot, rv})
		pp.touched = append(pp.touched, k)
	}
}
