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

// lockAndTime takes the write lock and returns the batch time: Change.At
// (to the microsecond PostgreSQL keeps) or the database clock now.
// clock_timestamp, not now(): now() is the transaction start, which may
// precede a write that committed while this one waited for the lock.
func lockAndTime(ctx context.Context, tx pgx.Tx, c spatial.Change) (time.Time, error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", writeLockKey); err != nil {
		return time.Time{}, err
	}
	var now time.Time
	if err := tx.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&now); err != nil {
		return time.Time{}, err
	}
	if !c.At.IsZero() {
		return c.At.Truncate(time.Microsecond), nil
	}
	return now, nil
}

// insertChange records one batch in the change log and returns its seq.
func insertChange(ctx context.Context, tx pgx.Tx, c spatial.Change, at time.Time, r spatial.WriteResult) (int64, error) {
	var seq int64
	err := tx.QueryRow(ctx, `INSERT INTO changes
		(at, changed_by, reason, source, inserted, changed, unchanged, retired, sheets, units)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq`,
		at, c.By, c.Reason, c.Source, r.Inserted, r.Changed, r.Unchanged, r.Retired, r.Sheets, r.Units).Scan(&seq)
	return seq, err
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
