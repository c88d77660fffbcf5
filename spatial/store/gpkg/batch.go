package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"time"
	"unique"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// Write checks the batch against the stored sheets and stores it in one
// transaction (BEGIN IMMEDIATE): units upserted, sheets and plots compared
// with their current versions (unchanged, new version, or version 1),
// retirements recorded, one row added to the changes table. A bad batch
// comes back as Batch.Check's error, unchanged; any error stores nothing.
// The sheets and plots of the batch get their stored Version. It is Begin,
// one Tx.Write and Commit.
func (s *Store) Write(ctx context.Context, b *spatial.Batch) (spatial.WriteResult, error) {
	tx, err := s.begin(ctx, b.Change)
	if err != nil {
		return spatial.WriteResult{}, err
	}
	if err := tx.Write(ctx, b); err != nil {
		// The write error is the one to report; a failed rollback leaves
		// nothing either (SQLite drops the transaction with its connection).
		return spatial.WriteResult{}, errors.Join(err, tx.Rollback(ctx))
	}
	return tx.Commit(ctx)
}

// writer carries one write transaction: the change stamp, the zones with
// tables, their prepared statements, and what the chunks written so far
// did.
type writer struct {
	tx     *sql.Tx
	change spatial.Change
	at     time.Time
	atText string
	// contentsAt is the last_change stamped on the tables written, kept
	// in the change's row (changesColumns).
	contentsAt string
	seq        int64 // changes.seq of this transaction
	zones      []int
	prepared   map[int]*zoneStmts
	bounds     map[string]orb.Bound // tables written, with the extent of new rows
	floors     map[int]fidFloor     // per zone: the largest fids before this transaction
	res        spatial.WriteResult
}

// fidFloor holds the largest fid of a zone's current and history plot
// tables when the transaction began. Both use AUTOINCREMENT and the
// transaction holds the write lock, so a larger fid is a row of this
// transaction.
type fidFloor struct {
	current, versions int64
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
	w := &writer{tx: tx, change: c, at: at, atText: formatTime(at), zones: zones,
		prepared: map[int]*zoneStmts{}, bounds: map[string]orb.Bound{}, floors: map[int]fidFloor{}}
	for _, z := range zones {
		var f fidFloor
		err := tx.QueryRowContext(ctx, "SELECT (SELECT coalesce(max(fid), 0) FROM "+plotTable(z)+
			"), (SELECT coalesce(max(fid), 0) FROM "+plotVersionTable(z)+")").Scan(&f.current, &f.versions)
		if err != nil {
			return nil, err
		}
		w.floors[z] = f
	}
	return w, nil
}

// write stores one chunk, checked and planned.
func (w *writer) write(ctx context.Context, b *spatial.Batch, cp *chunkPlan) error {
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
	for i, p := range b.Plots {
		if err := w.writePlot(ctx, p, cp.plots[i]); err != nil {
			return err
		}
	}
	for _, st := range cp.retire {
		if err := w.retireRow(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// finish records what the transaction did in gpkg_contents and in its
// changes row, before the commit.
func (w *writer) finish(ctx context.Context) error {
	if err := w.updateContents(ctx); err != nil {
		return err
	}
	return w.finishChange(ctx)
}

// touch records a plot inserted, changed or retired. The unit code is
// interned: a million touched keys then share a few strings instead of
// keeping one small allocation each.
func (w *writer) touch(k spatial.PlotKey) {
	if w.change.Untracked {
		return
	}
	k.Unit = unique.Make(k.Unit).Value()
	w.res.Touched = append(w.res.Touched, k)
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
		for _, t := range []string{plotTable(z), plotVersionTable(z), sheetTable(z), sheetVersionTable(z)} {
			w.extend(t, emptyBound) // stamped with the others at commit (WatchEdits tells them from outside edits)
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
	known, err := w.tx.PrepareContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+plotVersionTable(epsg)+" WHERE unit = ? AND sheet = ? AND plot = ?)")
	if err != nil {
		return nil, err
	}
	st := &zoneStmts{plot: plot, sheet: sheet, plotKnown: known}
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
	w.contentsAt = now
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
