package gpkg

import (
	"context"

	"cadastre/spatial"
)

// EachPlotVersion streams every stored plot version (current, closed and
// retired ones), zone by zone, from one read snapshot, for the plot
// history collection of the OGC API. It stops at the first error fn
// returns and returns that error unchanged.
func (s *Store) EachPlotVersion(ctx context.Context, fn func(*spatial.Plot) error) error {
	return s.eachPlotRow(ctx, "gpkg: reading plot versions failed", true, fn)
}
