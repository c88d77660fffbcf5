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

func (w *writer) finishChange(ctx context.Context) error {
	r := w.res
	_, err := w.tx.ExecContext(ctx, `UPDATE changes SET inserted = ?, changed = ?, unchanged = ?, retired = ?, sheets = ?, units = ?,
  contents_at = ? WHERE seq = ?`, r.Inserted, r.Changed, r.Unchanged, r.Retired, r.Sheets, r.Units, w.contentsAt, w.seq)
	return err
}
