package postgis

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cadastre/spatial"
)

var (
	_ spatial.Lineage   = (*Store)(nil)
	_ spatial.LineageTx = (*Tx)(nil)
)

// WriteLineage stores the mappings of a merger in the transaction
// (migrations/0014), stamped with its change seq.
func (t *Tx) WriteLineage(ctx context.Context, plots []spatial.KeyMapping, sheets []spatial.SheetMapping) error {
	if err := t.usable(); err != nil {
		return err
	}
	b := &pgx.Batch{}
	for _, m := range plots {
		b.Queue(`INSERT INTO plot_lineage (from_unit, from_sheet, from_plot, to_unit, to_sheet, to_plot, effective, note, change_seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, m.From.Unit, m.From.Sheet, m.From.Plot, m.To.Unit, m.To.Sheet, m.To.Plot, m.On, m.Note, t.seq)
	}
	for _, m := range sheets {
		b.Queue(`INSERT INTO sheet_lineage (from_unit, from_sheet, to_unit, to_sheet, effective, note, change_seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.From.Unit, m.From.Number, m.To.Unit, m.To.Number, m.On, m.Note, t.seq)
	}
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		t.aborted = true
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			err = spatial.Wrap(spatial.KindConflict, err, "a former key is mapped already: that merger was applied before")
		} else {
			err = translate(err, "write lineage")
		}
		t.fail(err)
		return err
	}
	return nil
}

const lineageColumns = `from_unit, from_sheet, from_plot, to_unit, to_sheet, to_plot, effective, note`

func scanMapping(row pgx.CollectableRow) (spatial.KeyMapping, error) {
	var m spatial.KeyMapping
	var on time.Time
	err := row.Scan(&m.From.Unit, &m.From.Sheet, &m.From.Plot, &m.To.Unit, &m.To.Sheet, &m.To.Plot, &on, &m.Note)
	m.On = on.UTC()
	return m, err
}

// Successor returns the mapping from the former key k.
func (s *Store) Successor(ctx context.Context, k spatial.PlotKey) (spatial.KeyMapping, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+lineageColumns+` FROM plot_lineage
		WHERE from_unit = $1 AND from_sheet = $2 AND from_plot = $3`, k.Unit, k.Sheet, k.Plot)
	if err != nil {
		return spatial.KeyMapping{}, translate(err, "read lineage")
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanMapping)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, spatial.Errorf(spatial.KindNotFound, "plot %s has no successor", k)
	}
	return m, translate(err, "read lineage")
}

// SheetSuccessor returns the mapping from the former sheet k.
func (s *Store) SheetSuccessor(ctx context.Context, k spatial.SheetKey) (spatial.SheetMapping, error) {
	m := spatial.SheetMapping{From: k}
	var on time.Time
	err := s.pool.QueryRow(ctx, `SELECT to_unit, to_sheet, effective, note FROM sheet_lineage
		WHERE from_unit = $1 AND from_sheet = $2`, k.Unit, k.Number).Scan(&m.To.Unit, &m.To.Number, &on, &m.Note)
	m.On = on.UTC()
	if errors.Is(err, pgx.ErrNoRows) {
		return m, spatial.Errorf(spatial.KindNotFound, "sheet %s has no successor", k)
	}
	return m, translate(err, "read lineage")
}

// Former lists the mappings to the key k.
func (s *Store) Former(ctx context.Context, k spatial.PlotKey) ([]spatial.KeyMapping, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+lineageColumns+` FROM plot_lineage
		WHERE to_unit = $1 AND to_sheet = $2 AND to_plot = $3 ORDER BY effective, from_unit, from_sheet, from_plot`, k.Unit, k.Sheet, k.Plot)
	if err != nil {
		return nil, translate(err, "read lineage")
	}
	ms, err := pgx.CollectRows(rows, scanMapping)
	return ms, translate(err, "read lineage")
}
