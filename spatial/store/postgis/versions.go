package postgis

import (
	"context"

	"cadastre/spatial"
)

// EachPlotVersion streams every stored plot version (current, closed and
// retired ones) from one query, for the plot history collection of the OGC
// API. It stops at the first error fn returns and returns it unchanged.
func (s *Store) EachPlotVersion(ctx context.Context, fn func(*spatial.Plot) error) error {
	rows, err := s.pool.Query(ctx, `SELECT `+plotColumns+` FROM plots p`)
	if err != nil {
		return translate(err, "list plot versions")
	}
	defer rows.Close()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return translate(err, "list plot versions")
		}
		p, err := scanPlot(rows)
		if err != nil {
			return translate(err, "list plot versions")
		}
		if err := fn(p.Plot); err != nil {
			return err
		}
	}
	return translate(rows.Err(), "list plot versions")
}
