package postgis

import (
	"context"
	"strconv"
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
// and its change seq, whose changes row it inserts with the counts at
// zero (migrations/0006: the versions written are checked against it as
// they come; finishChange fills in the counts). clock_timestamp, not
// now(): now() is the transaction start, which may precede a write that
// committed while this one waited for the lock.
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
	at := now
	if !c.At.IsZero() {
		at = c.At.Truncate(time.Microsecond)
	}
	_, err = tx.Exec(ctx, `INSERT INTO changes (seq, at, changed_by, reason, source) VALUES ($1, $2, $3, $4, $5)`,
		seq, at, c.By, c.Reason, c.Source)
	if err != nil {
		return time.Time{}, 0, err
	}
	// The row exists: check the versions against it as they come, and
	// name it as this transaction's own (migrations/0006).
	_, err = tx.Exec(ctx, `SET CONSTRAINTS sheets_change_seq_fkey, plots_change_seq_fkey IMMEDIATE`)
	if err == nil {
		_, err = tx.Exec(ctx, `SELECT set_config('cadastre.change_seq', $1, true)`, strconv.FormatInt(seq, 10))
	}
	if err != nil {
		return time.Time{}, 0, err
	}
	return at, seq, nil
}

// finishChange records what a write did in its changes row and announces
// the seq on notifyChannel (PostgreSQL delivers the notification when,
// and only if, the transaction commits); a write that stored nothing
// leaves no row.
func finishChange(ctx context.Context, tx pgx.Tx, seq int64, r spatial.WriteResult) error {
	if r.Units == 0 && r.Sheets == 0 && r.Inserted+r.Changed+r.Retired == 0 {
		_, err := tx.Exec(ctx, `DELETE FROM changes WHERE seq = $1`, seq)
		return err
	}
	_, err := tx.Exec(ctx, `WITH c AS (UPDATE changes
		SET inserted = $2, changed = $3, unchanged = $4, retired = $5, sheets = $6, units = $7
		WHERE seq = $1 RETURNING seq)
		SELECT pg_notify('`+notifyChannel+`', seq::text) FROM c`,
		seq, r.Inserted, r.Changed, r.Unchanged, r.Retired, r.Sheets, r.Units)
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

// ChangeCount returns the number of changes recorded (rows of changes).
func (s *Store) ChangeCount(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM changes`).Scan(&n)
	return n, translate(err, "count changes")
}
