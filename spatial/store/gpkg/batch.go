package gpkg

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// Write checks the batch against the stored sheets and stores it in one
// transaction (BEGIN IMMEDIATE): units upserted, sheets and plots compared
// with their current versions (unchanged, new version, or version 1),
// retirements recorded, one row added to the changes table. A bad batch
// comes back as Batch.Check's error, unchanged; any error stores nothing.
// The sheets and plots of the batch get their stored Version.
func (s *Store) Write(ctx context.Context, b *spatial.Batch) (spatial.WriteResult, error) {
	const msg = "gpkg: storing the batch failed"
	tx, err := s.db.BeginTx(ctx, nil) // _txlock=immediate: takes the write lock now
	if err != nil {
		return spatial.WriteResult{}, storeError(ctx, err, msg)
	}
	defer tx.Rollback()
	w, err := newWriter(ctx, tx, b.Change)
	if err != nil {
		return spatial.WriteResult{}, storeError(ctx, err, msg)
	}
	lookup, err := w.storedSheets(ctx, b)
	if err != nil {
		return spatial.WriteResult{}, storeError(ctx, err, msg)
	}
	if err := b.Check(lookup); err != nil {
		return spatial.WriteResult{}, err
	}
	if err := w.write(ctx, b); err != nil {
		return spatial.WriteResult{}, storeError(ctx, err, msg)
	}
	if err := tx.Commit(); err != nil {
		return spatial.WriteResult{}, storeError(ctx, err, msg)
	}
	return w.res, nil
}

// writer carries one write transaction: the change stamp, the zones with
// tables, their prepared statements, and what the batch did.
type writer struct {
	tx       *sql.Tx
	change   spatial.Change
	at       time.Time
	atText   string
	seq      int64 // changes.seq of this batch
	zones    []int
	prepared map[int]*zoneStmts
	bounds   map[string]orb.Bound // tables written, with the extent of new rows
	res      spatial.WriteResult
}

// emptyBound marks a table as changed without extending its extent.
var emptyBound = orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}

func newWriter(ctx context.Context, tx *sql.Tx, c spatial.Change) (*writer, error) {
	zones, err := zonesInUse(ctx, tx)
	if err != nil {
		return nil, err
	}
	at := c.At
	if at.IsZero() {
		at = time.Now()
	}
	at = at.UTC().Round(0) // no monotonic reading: the stored text is the truth
	return &writer{tx: tx, change: c, at: at, atText: formatTime(at), zones: zones,
		prepared: map[int]*zoneStmts{}, bounds: map[string]orb.Bound{}}, nil
}

func (w *writer) write(ctx context.Context, b *spatial.Batch) error {
	if err := w.startChange(ctx); err != nil {
		return err
	}
	for _, u := range b.Units {
		if err := w.writeUnit(ctx, u); err != nil {
			return err
		}
	}
	if err := w.ensureZones(ctx, b); err != nil {
		return err
	}
	for _, s := range b.Sheets {
		if err := w.writeSheet(ctx, s); err != nil {
			return err
		}
	}
	for _, p := range b.Plots {
		if err := w.writePlot(ctx, p); err != nil {
			return err
		}
	}
	if err := w.retire(ctx, b.Retire); err != nil {
		return err
	}
	if err := w.updateContents(ctx); err != nil {
		return err
	}
	return w.finishChange(ctx)
}

// newVersion returns version n stamped with the batch's change.
func (w *writer) newVersion(n int) spatial.Version {
	return spatial.Version{Version: n, ValidFrom: w.at, ChangedBy: w.change.By, Reason: w.change.Reason, Source: w.change.Source}
}

// ensureZones creates the tables of every zone the batch writes into.
func (w *writer) ensureZones(ctx context.Context, b *spatial.Batch) error {
	var need []int
	for _, s := range b.Sheets {
		need = append(need, s.EPSG)
	}
	for _, p := range b.Plots {
		need = append(need, p.EPSG)
	}
	slices.Sort(need)
	for _, z := range slices.Compact(need) {
		if slices.Contains(w.zones, z) {
			continue
		}
		if err := createZone(ctx, w.tx, z, w.at); err != nil {
			return err
		}
		w.zones = append(w.zones, z)
	}
	slices.Sort(w.zones)
	return nil
}

// searchOrder lists the zones to look in for a record, prefer first.
func (w *writer) searchOrder(prefer int) []int {
	if len(w.zones) < 2 || w.zones[0] == prefer || !slices.Contains(w.zones, prefer) {
		return w.zones
	}
	out := make([]int, 0, len(w.zones))
	out = append(out, prefer)
	for _, z := range w.zones {
		if z != prefer {
			out = append(out, z)
		}
	}
	return out
}

// stmts returns the prepared statements of a zone, preparing them on
// first use in this transaction.
func (w *writer) stmts(ctx context.Context, epsg int) (*zoneStmts, error) {
	if st, ok := w.prepared[epsg]; ok {
		return st, nil
	}
	plot, err := prepareTable(ctx, w.tx, plotSQL(epsg))
	if err != nil {
		return nil, err
	}
	sheet, err := prepareTable(ctx, w.tx, sheetSQL(epsg))
	if err != nil {
		return nil, err
	}
	st := &zoneStmts{plot: plot, sheet: sheet}
	w.prepared[epsg] = st
	return st, nil
}

// extend records that table changed and grew by bound (emptyBound: no
// new extent).
func (w *writer) extend(table string, bound orb.Bound) {
	cur, ok := w.bounds[table]
	if !ok {
		cur = emptyBound
	}
	w.bounds[table] = cur.Union(bound)
}

// updateContents stamps last_change on every table written and widens its
// gpkg_contents extent. Extents only grow: GeoPackage 1.3 §1.1.3.1.1 calls
// them informative, and shrinking one after a retirement would mean
// scanning the table.
func (w *writer) updateContents(ctx context.Context) error {
	now := time.Now().UTC().Format(contentsLayout)
	for table, b := range w.bounds {
		var err error
		if b.IsEmpty() {
			_, err = w.tx.ExecContext(ctx, `UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?`, now, table)
		} else {
			_, err = w.tx.ExecContext(ctx, `UPDATE gpkg_contents SET last_change = ?,
  min_x = coalesce(min(min_x, ?), ?), min_y = coalesce(min(min_y, ?), ?),
  max_x = coalesce(max(max_x, ?), ?), max_y = coalesce(max(max_y, ?), ?)
WHERE table_name = ?`, now, b.Min[0], b.Min[0], b.Min[1], b.Min[1], b.Max[0], b.Max[0], b.Max[1], b.Max[1], table)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
