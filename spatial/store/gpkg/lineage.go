package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"cadastre/spatial"
)

var (
	_ spatial.Lineage   = (*Store)(nil)
	_ spatial.LineageTx = (*writeTx)(nil)
)

// The lineage tables of the 2025 mergers (issue 18; PostGIS
// migrations/0014), attribute tables with the fid primary key GeoPackage
// asks for (Req 119) and the former key unique. They are in baseSchema, so a file made before them
// gains them when opened. Rows are never updated or deleted.
const (
	plotLineageDDL = `CREATE TABLE IF NOT EXISTS plot_lineage (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  from_unit TEXT NOT NULL,
  from_sheet INTEGER NOT NULL CHECK (from_sheet > 0),
  from_plot INTEGER NOT NULL CHECK (from_plot > 0),
  to_unit TEXT NOT NULL,
  to_sheet INTEGER NOT NULL CHECK (to_sheet > 0),
  to_plot INTEGER NOT NULL CHECK (to_plot > 0),
  effective TEXT NOT NULL,
  note TEXT NOT NULL,
  change_seq INTEGER NOT NULL REFERENCES changes (seq),
  UNIQUE (from_unit, from_sheet, from_plot))`
	plotLineageIndex = `CREATE INDEX IF NOT EXISTS plot_lineage_to ON plot_lineage (to_unit, to_sheet, to_plot)`
	sheetLineageDDL  = `CREATE TABLE IF NOT EXISTS sheet_lineage (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  from_unit TEXT NOT NULL,
  from_sheet INTEGER NOT NULL CHECK (from_sheet > 0),
  to_unit TEXT NOT NULL,
  to_sheet INTEGER NOT NULL CHECK (to_sheet > 0),
  effective TEXT NOT NULL,
  note TEXT NOT NULL,
  change_seq INTEGER NOT NULL REFERENCES changes (seq),
  UNIQUE (from_unit, from_sheet))`
)

// WriteLineage stores the mappings of a merger in the transaction.
func (t *writeTx) WriteLineage(ctx context.Context, plots []spatial.KeyMapping, sheets []spatial.SheetMapping) error {
	if err := t.usable(); err != nil {
		return err
	}
	const msg = "gpkg: writing the merger lineage failed"
	for _, m := range plots {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO plot_lineage (from_unit, from_sheet, from_plot, to_unit, to_sheet, to_plot, effective, note, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.From.Unit, m.From.Sheet, m.From.Plot, m.To.Unit, m.To.Sheet, m.To.Plot, m.On.Format(time.DateOnly), m.Note, t.w.seq); err != nil {
			t.broken = storeError(ctx, err, msg+" (was that merger applied before?)")
			return t.broken
		}
	}
	for _, m := range sheets {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO sheet_lineage (from_unit, from_sheet, to_unit, to_sheet, effective, note, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			m.From.Unit, m.From.Number, m.To.Unit, m.To.Number, m.On.Format(time.DateOnly), m.Note, t.w.seq); err != nil {
			t.broken = storeError(ctx, err, msg+" (was that merger applied before?)")
			return t.broken
		}
	}
	return nil
}

const lineageColumns = `from_unit, from_sheet, from_plot, to_unit, to_sheet, to_plot, effective, note`

func scanMapping(sc interface{ Scan(...any) error }) (spatial.KeyMapping, error) {
	var m spatial.KeyMapping
	var on string
	if err := sc.Scan(&m.From.Unit, &m.From.Sheet, &m.From.Plot, &m.To.Unit, &m.To.Sheet, &m.To.Plot, &on, &m.Note); err != nil {
		return m, err
	}
	t, err := time.Parse(time.DateOnly, on)
	m.On = t
	return m, err
}

// Successor returns the mapping from the former key k.
func (s *Store) Successor(ctx context.Context, k spatial.PlotKey) (spatial.KeyMapping, error) {
	m, err := scanMapping(s.db.QueryRowContext(ctx, `SELECT `+lineageColumns+` FROM plot_lineage
		WHERE from_unit = ? AND from_sheet = ? AND from_plot = ?`, k.Unit, k.Sheet, k.Plot))
	if errors.Is(err, sql.ErrNoRows) {
		return m, spatial.Errorf(spatial.KindNotFound, "plot %s has no successor", k)
	}
	return m, storeError(ctx, err, "gpkg: reading the merger lineage failed")
}

// SheetSuccessor returns the mapping from the former sheet k.
func (s *Store) SheetSuccessor(ctx context.Context, k spatial.SheetKey) (spatial.SheetMapping, error) {
	m := spatial.SheetMapping{From: k}
	var on string
	err := s.db.QueryRowContext(ctx, `SELECT to_unit, to_sheet, effective, note FROM sheet_lineage
		WHERE from_unit = ? AND from_sheet = ?`, k.Unit, k.Number).Scan(&m.To.Unit, &m.To.Number, &on, &m.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return m, spatial.Errorf(spatial.KindNotFound, "sheet %s has no successor", k)
	}
	if err != nil {
		return m, storeError(ctx, err, "gpkg: reading the merger lineage failed")
	}
	m.On, err = time.Parse(time.DateOnly, on)
	return m, err
}

// Former lists the mappings to the key k.
func (s *Store) Former(ctx context.Context, k spatial.PlotKey) ([]spatial.KeyMapping, error) {
	const msg = "gpkg: reading the merger lineage failed"
	rows, err := s.db.QueryContext(ctx, `SELECT `+lineageColumns+` FROM plot_lineage
		WHERE to_unit = ? AND to_sheet = ? AND to_plot = ? ORDER BY effective, from_unit, from_sheet, from_plot`, k.Unit, k.Sheet, k.Plot)
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	defer rows.Close()
	var ms []spatial.KeyMapping
	for rows.Next() {
		m, err := scanMapping(rows)
		if err != nil {
			return nil, storeError(ctx, err, msg)
		}
		ms = append(ms, m)
	}
	return ms, storeError(ctx, rows.Err(), msg)
}
