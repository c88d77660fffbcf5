package postgis

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"cadastre/spatial"
)

// Units lists every administrative unit, former and current, by code.
func (s *Store) Units(ctx context.Context) ([]spatial.AdminUnit, error) {
	rows, err := s.pool.Query(ctx, `SELECT code, name, province, epsg, coalesce(successor, ''), merged_on
		FROM units ORDER BY code`)
	if err != nil {
		return nil, translate(err, "list units")
	}
	units, err := pgx.CollectRows(rows, scanUnit)
	return units, translate(err, "list units")
}

func scanUnit(row pgx.CollectableRow) (spatial.AdminUnit, error) {
	var u spatial.AdminUnit
	var merged *time.Time
	err := row.Scan(&u.Code, &u.Name, &u.Province, &u.EPSG, &u.Successor, &merged)
	if merged != nil {
		u.MergedOn = *merged
	}
	return u, err
}

// upsertUnitsSQL inserts new units and updates changed ones; identical rows
// are left alone so the affected-row count is "inserted or changed".
const upsertUnitsSQL = `INSERT INTO units (code, name, province, epsg, successor, merged_on)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::date[])
ON CONFLICT (code) DO UPDATE SET
	name = EXCLUDED.name, province = EXCLUDED.province, epsg = EXCLUDED.epsg,
	successor = EXCLUDED.successor, merged_on = EXCLUDED.merged_on
WHERE (units.name, units.province, units.epsg, units.successor, units.merged_on)
	IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.province, EXCLUDED.epsg, EXCLUDED.successor, EXCLUDED.merged_on)`

// upsertUnits stores the batch's units and returns how many were new or
// changed. Units are not versioned: a merger is recorded by successor and
// date on the former unit.
func upsertUnits(ctx context.Context, tx pgx.Tx, units []spatial.AdminUnit) (int, error) {
	if len(units) == 0 {
		return 0, nil
	}
	n := len(units)
	codes, names, provs, succ := make([]string, n), make([]string, n), make([]string, n), make([]*string, n)
	epsg, merged := make([]int32, n), make([]*time.Time, n)
	for i, u := range units {
		codes[i], names[i], provs[i], epsg[i] = u.Code, u.Name, u.Province, int32(u.EPSG)
		if u.Successor != "" {
			succ[i] = &u.Successor
		}
		if !u.MergedOn.IsZero() {
			merged[i] = &u.MergedOn
		}
	}
	tag, err := tx.Exec(ctx, upsertUnitsSQL, codes, names, provs, epsg, succ, merged)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
