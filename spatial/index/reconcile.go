package index

import (
	"context"
	"fmt"
	"slices"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// Reconcile brings the index level with the store after an edit the
// change feed cannot carry (spatial.OutsideEdits: a GeoPackage edited in
// QGIS): it reads every current plot and sheet, and applies those that
// differ from the index, with the plots the store no longer has retired.
// It returns what Apply returned, for tile invalidation. One pass over the
// store; memory is the differences and a bit per plot seen.
func (ix *Index) Reconcile(ctx context.Context, src Source) ([]Touched, error) {
	ix.catchMu.Lock() // not interleaved with a catch-up
	defer ix.catchMu.Unlock()
	snap := ix.Snapshot()
	var c Change
	sheets, err := src.Sheets(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("index: reconcile: read sheets: %w", err)
	}
	for _, s := range sheets {
		if old, ok := snap.Sheet(s.Key); !ok || !sameStoredSheet(old, s) {
			c.Sheets = append(c.Sheets, s)
		}
	}
	var seen spatial.PlotKeySet
	err = src.EachPlot(ctx, func(p *spatial.Plot) error {
		seen.Add(p.Key)
		if old, ok := snap.Plot(p.Key); !ok || !sameStoredPlot(old, p) {
			c.Plots = append(c.Plots, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("index: reconcile: read plots: %w", err)
	}
	snap.EachPlot(func(p *Plot) bool {
		if !seen.Has(p.Key) {
			c.Retire = append(c.Retire, p.Key)
		}
		return true
	})
	if len(c.Plots)+len(c.Retire)+len(c.Sheets) == 0 {
		return nil, nil
	}
	return ix.Apply(ctx, c), nil
}

// sameStoredPlot reports whether an entry holds what the stored plot says.
func sameStoredPlot(e *Plot, p *spatial.Plot) bool {
	return e.Commune == p.Commune && slices.Equal(e.LandUse, p.LandUse) && e.LegalArea == p.LegalArea && e.Area == p.Area &&
		int(e.Version) == p.Version.Version && int(e.EPSG) == p.EPSG && orb.Equal(e.Geometry, p.Geometry)
}

func sameStoredSheet(e *Sheet, s *spatial.Sheet) bool {
	return e.GridNumber == s.GridNumber && e.Scale == s.Scale && int(e.EPSG) == s.EPSG && orb.Equal(e.Frame, s.Frame)
}
