package postgis

import (
	"cmp"
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"cadastre/spatial"
)

// CurrentKeys lists the current, not retired plot keys of a sheet as this
// transaction sees them (stored, changed or written by earlier chunks), in
// plot number order.
func (t *Tx) CurrentKeys(ctx context.Context, sheet spatial.SheetKey) ([]spatial.PlotKey, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(ctx, `SELECT unit, sheet, plot FROM plots
		WHERE unit = $1 AND sheet = $2 AND valid_to IS NULL AND NOT retired ORDER BY plot`, sheet.Unit, sheet.Number)
	if err != nil {
		return nil, t.readErr(err, "list current keys")
	}
	keys, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (spatial.PlotKey, error) {
		var k spatial.PlotKey
		return k, row.Scan(&k.Unit, &k.Sheet, &k.Plot)
	})
	if err != nil {
		return nil, t.readErr(err, "list current keys")
	}
	return keys, nil
}

// overlapsSQL pairs each current plot written by change $1 with the current
// plots of its zone whose interiors overlap it by more than $2 m², on the
// plane of the zone (SRID = epsg). Candidates come from the GiST index on
// geom, in a nested loop driven by plots_change_seq; a pair of two written
// plots is kept once (a.id < b.id). "coalesce(valid_to, 'infinity') =
// 'infinity'" says valid_to IS NULL in words the planner cannot match with
// the partial index plots_current_key: on a table without statistics (a
// first load) it would otherwise AND each GiST probe with a scan of that
// whole index, making the query quadratic. The bounding-box test is a
// cheap necessary condition: boxes that meet only on an edge (neighbours
// on a grid) or overlap by less than $2 skip the GEOS intersection.
const overlapsSQL = `SELECT a.unit, a.sheet, a.plot, b.unit, b.sheet, b.plot, ST_Area(ST_Intersection(a.geom, b.geom))
FROM plots a
JOIN plots b ON b.geom && a.geom AND b.epsg = a.epsg AND b.id <> a.id AND (b.change_seq <> $1 OR a.id < b.id)
CROSS JOIN LATERAL (SELECT
	least(ST_XMax(a.geom), ST_XMax(b.geom)) - greatest(ST_XMin(a.geom), ST_XMin(b.geom)) AS w,
	least(ST_YMax(a.geom), ST_YMax(b.geom)) - greatest(ST_YMin(a.geom), ST_YMin(b.geom)) AS h) box
WHERE a.change_seq = $1 AND NOT a.retired AND coalesce(a.valid_to, 'infinity') = 'infinity'
	AND NOT b.retired AND coalesce(b.valid_to, 'infinity') = 'infinity'
	AND box.w > 0 AND box.h > 0 AND box.w * box.h * (1 + 1e-9) > $2
	AND ST_Area(ST_Intersection(a.geom, b.geom)) > $2`

// Overlaps lists the pairs of current plots, at least one of them written
// (inserted or changed) in this transaction, in the same zone, whose
// interiors overlap by more than minArea m² on the plane. Each pair comes
// once, A before B by key; pairs are sorted. One set-based query covers
// every plot of the transaction.
func (t *Tx) Overlaps(ctx context.Context, minArea float64) ([]spatial.Overlap, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	out, err := t.queryOverlaps(ctx, minArea)
	if err != nil {
		return nil, t.readErr(err, "find overlaps")
	}
	slices.SortFunc(out, func(x, y spatial.Overlap) int {
		return cmp.Or(compareKeys(x.A, y.A), compareKeys(x.B, y.B))
	})
	return out, nil
}

// queryOverlaps runs overlapsSQL and orders each pair by key.
func (t *Tx) queryOverlaps(ctx context.Context, minArea float64) ([]spatial.Overlap, error) {
	rows, err := t.tx.Query(ctx, overlapsSQL, t.seq, minArea)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (spatial.Overlap, error) {
		var o spatial.Overlap
		err := row.Scan(&o.A.Unit, &o.A.Sheet, &o.A.Plot, &o.B.Unit, &o.B.Sheet, &o.B.Plot, &o.Area)
		if compareKeys(o.A, o.B) > 0 {
			o.A, o.B = o.B, o.A
		}
		return o, err
	})
}

// compareKeys orders plot keys by unit, sheet and plot number.
func compareKeys(a, b spatial.PlotKey) int {
	return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Sheet, b.Sheet), cmp.Compare(a.Plot, b.Plot))
}
