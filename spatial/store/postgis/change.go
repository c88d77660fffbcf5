package postgis

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"cadastre/spatial"
)

// writeLockKey is the pg_advisory_xact_lock key every write transaction
// takes ("cadastre.write" as a number). Writes are serialised: the batch
// time is read after the lock, so versions of one key never overlap, and a
// change's seq is taken under the lock, so seq order is commit order and a
// change feed reading "seq > last seen" misses nothing.
const writeLockKey int64 = 0x63616461_77726974

// notifyChannel is the LISTEN/NOTIFY channel on which every committed write
// announces its change seq.
const notifyChannel = "cadastre_changes"

// lockAndStamp takes the write lock, then returns the time of the write
// (Change.At to the microsecond PostgreSQL keeps, or the database clock)
// and its change seq. clock_timestamp, not now(): now() is the transaction
// start, which may precede a write that committed while this one waited
// for the lock. The seq is only reserved here; logChange inserts its row
// at commit (migrations/0003).
func lockAndStamp(ctx context.Context, tx pgx.Tx, c spatial.Change) (time.Time, int64, error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", writeLockKey); err != nil {
		return time.Time{}, 0, err
	}
	var now time.Time
	var seq int64
	err := tx.QueryRow(ctx, `SELECT clock_timestamp(), nextval(pg_get_serial_sequence('changes', 'seq'))`).Scan(&now, &seq)
	if err != nil {
		return time.Time{}, 0, err
	}
	if !c.At.IsZero() {
		return c.At.Truncate(time.Microsecond), seq, nil
	}
	return now, seq, nil
}

// logChange records a write in the change log under its reserved seq and
// announces the seq on notifyChannel; PostgreSQL delivers the notification
// when, and only if, the transaction commits.
func logChange(ctx context.Context, tx pgx.Tx, seq int64, c spatial.Change, at time.Time, r spatial.WriteResult) error {
	_, err := tx.Exec(ctx, `WITH c AS (INSERT INTO changes
		(seq, at, changed_by, reason, source, inserted, changed, unchanged, retired, sheets, units)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq)
		SELECT pg_notify('`+notifyChannel+`', seq::text) FROM c`,
		seq, at, c.By, c.Reason, c.Source, r.Inserted, r.Changed, r.Unchanged, r.Retired, r.Sheets, r.Units)
	return err
}

// closeVersions sets valid_to on the superseded versions of table (sheets
// or plots). Every id must still be current; anything else means another
// writer got there first.
func closeVersions(ctx context.Context, tx pgx.Tx, table string, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	tag, err := tx.Exec(ctx, `UPDATE `+table+` SET valid_to = $1
		WHERE id = ANY($2::bigint[]) AND valid_to IS NULL`, at, ids)
	if err != nil {
		return err
	}
	if n := tag.RowsAffected(); n != int64(len(ids)) {
		return spatial.Errorf(spatial.KindConflict, "%d of %d %s versions changed concurrently; retry", int64(len(ids))-n, len(ids), table)
	}
	return nil
}
