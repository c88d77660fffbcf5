package gpkg

import "context"

// Every write transaction adds one row to the attributes table changes:
// who, when, why, from which source, and what it did. The row is inserted
// at Begin, which fixes the sequence number, and its counts are filled in
// at Commit. Each version row carries the change_seq of the transaction
// that wrote it, so any version traces back to its change.

func (w *writer) startChange(ctx context.Context) error {
	res, err := w.tx.ExecContext(ctx, `INSERT INTO changes (at, changed_by, reason, source) VALUES (?, ?, ?, ?)`,
		w.atText, w.change.By, w.change.Reason, w.change.Source)
	if err != nil {
		return err
	}
	w.seq, err = res.LastInsertId()
	w.extend("changes", emptyBound)
	return err
}

// changesColumns are the columns of changes that files made before them
// gain when opened. contents_at is the gpkg_contents.last_change the
// write stamped on the tables it wrote: a last_change that no change
// row has was written by another program (QGIS), outside the log
// (WatchEdits).
var changesColumns = []string{"contents_at TEXT"}

// finishChange fills in the change row's totals, or removes the row when
// the transaction wrote nothing (an empty collection, identical data), as
// the PostGIS store does: a change row says that something changed.
func (w *writer) finishChange(ctx context.Context) error {
	r := w.res
	if r.Units == 0 && r.Sheets == 0 && r.Inserted+r.Changed+r.Retired == 0 {
		_, err := w.tx.ExecContext(ctx, `DELETE FROM changes WHERE seq = ?`, w.seq)
		return err
	}
	_, err := w.tx.ExecContext(ctx, `UPDATE changes SET inserted = ?, changed = ?, unchanged = ?, retired = ?, sheets = ?, units = ?,
  contents_at = ? WHERE seq = ?`, r.Inserted, r.Changed, r.Unchanged, r.Retired, r.Sheets, r.Units, w.contentsAt, w.seq)
	return err
}

// ChangeCount returns the number of changes recorded (rows of changes).
func (s *Store) ChangeCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM changes`).Scan(&n)
	return n, storeError(ctx, err, "gpkg: counting the changes failed")
}
