package gpkg

import (
	"context"
	"database/sql"
	"errors"

	"cadastre/spatial"
)

// Administrative units live in the attributes table admin_units, one row
// per code; a batch carrying a unit upserts it.

const unitColumns = "code, name, province, epsg, successor, merged_on"

type unitRow struct {
	u         spatial.AdminUnit
	successor sql.NullString
	mergedOn  sql.NullString
}

func (r *unitRow) dest() []any {
	return []any{&r.u.Code, &r.u.Name, &r.u.Province, &r.u.EPSG, &r.successor, &r.mergedOn}
}

func (r *unitRow) unit() (spatial.AdminUnit, error) {
	u := r.u
	u.Successor = r.successor.String
	t, err := parseNullTime(r.mergedOn)
	u.MergedOn = t
	return u, err
}

func sameUnit(a, b spatial.AdminUnit) bool {
	return a.Code == b.Code && a.Name == b.Name && a.Province == b.Province && a.EPSG == b.EPSG &&
		a.Successor == b.Successor && a.MergedOn.Equal(b.MergedOn)
}

// Units lists the administrative units, former and current, by code.
func (s *Store) Units(ctx context.Context) ([]spatial.AdminUnit, error) {
	const msg = "gpkg: reading units failed"
	rows, err := s.db.QueryContext(ctx, "SELECT "+unitColumns+" FROM admin_units ORDER BY code")
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	defer rows.Close()
	var out []spatial.AdminUnit
	for rows.Next() {
		var r unitRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, storeError(ctx, err, msg)
		}
		u, err := r.unit()
		if err != nil {
			return nil, storeError(ctx, err, msg)
		}
		out = append(out, u)
	}
	return out, storeError(ctx, rows.Err(), msg)
}

// writeUnit inserts or updates u unless the stored row is the same.
func (w *writer) writeUnit(ctx context.Context, u spatial.AdminUnit) error {
	var r unitRow
	err := w.tx.QueryRowContext(ctx, "SELECT "+unitColumns+" FROM admin_units WHERE code = ?", u.Code).Scan(r.dest()...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	default:
		stored, err := r.unit()
		if err != nil {
			return err
		}
		if sameUnit(stored, u) {
			return nil
		}
	}
	successor := sql.NullString{String: u.Successor, Valid: u.Successor != ""}
	_, err = w.tx.ExecContext(ctx, `INSERT INTO admin_units (`+unitColumns+`) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (code) DO UPDATE SET name = excluded.name, province = excluded.province, epsg = excluded.epsg,
  successor = excluded.successor, merged_on = excluded.merged_on`,
		u.Code, u.Name, u.Province, u.EPSG, successor, nullTime(u.MergedOn))
	if err != nil {
		return err
	}
	w.res.Units++
	w.extend("admin_units", emptyBound)
	return nil
}
