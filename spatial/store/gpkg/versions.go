package gpkg

import (
	"context"
	"database/sql"

	"cadastre/spatial"
)

// EachPlotVersion streams every stored plot version (current, closed and
// retired ones), zone by zone, from one read snapshot, for the plot
// history collection of the OGC API. It stops at the first error fn
// returns and returns that error unchanged.
func (s *Store) EachPlotVersion(ctx context.Context, fn func(*spatial.Plot) error) error {
	const msg = "gpkg: reading plot versions failed"
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return storeError(ctx, err, msg)
	}
	defer tx.Rollback()
	zones, err := zonesInUse(ctx, tx)
	if err != nil {
		return storeError(ctx, err, msg)
	}
	for _, z := range zones {
		stop, err := eachVersionIn(ctx, tx, z, fn)
		if stop {
			return err
		}
		if err != nil {
			return storeError(ctx, err, msg)
		}
	}
	return nil
}

func eachVersionIn(ctx context.Context, q querier, epsg int, fn func(*spatial.Plot) error) (stop bool, err error) {
	rows, err := q.QueryContext(ctx, "SELECT "+plotVersionColumns+" FROM "+plotVersionTable(epsg)+" ORDER BY fid")
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		var r plotRow
		if err := rows.Scan(r.dest(false, true)...); err != nil {
			return false, err
		}
		p, err := r.plot(epsg)
		if err != nil {
			return false, err
		}
		if err := fn(p); err != nil {
			return true, err
		}
	}
	return false, rows.Err()
}
