package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"cadastre/spatial"
)

var _ spatial.ChangeFeed = (*Store)(nil)

// The file is a change feed (spatial.ChangeFeed) like PostGIS, so that a
// server holding it sees what another process commits into it (a
// `cadastre ingest` run while the server is up): every write transaction
// has its row in changes, and every version row its change_seq, so the
// state changed after a seq is read from the version tables (indexed on
// change_seq). SQLite has no notifications; Subscribe polls PRAGMA
// data_version on a connection of its own, which changes whenever another
// connection (of this process or another) commits to the file.

// watchEvery is how often Subscribe polls PRAGMA data_version: a cheap
// read of the write-ahead log's shared index, no file I/O.
const watchEvery = 200 * time.Millisecond

// changeSeqIndexes index the history tables of zone epsg on change_seq,
// for ChangesSince and the overlap search (files made before the feed
// gain them when opened).
func changeSeqIndexes(epsg int) []string {
	var ddl []string
	for _, t := range []string{plotVersionTable(epsg), sheetVersionTable(epsg)} {
		ddl = append(ddl, `CREATE INDEX IF NOT EXISTS "`+t+`_change_seq" ON "`+t+`" (change_seq)`)
	}
	return ddl
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func createChangeSeqIndexes(ctx context.Context, db execer, zones []int) error {
	for _, z := range zones {
		for _, ddl := range changeSeqIndexes(z) {
			if _, err := db.ExecContext(ctx, ddl); err != nil {
				return fmt.Errorf("indexing the history of zone %d: %w", z, err)
			}
		}
	}
	return nil
}

// LatestSeq returns the seq of the last committed write (0 for none).
func (s *Store) LatestSeq(ctx context.Context) (int64, error) {
	seq, err := latestSeq(ctx, s.db)
	return seq, storeError(ctx, err, "gpkg: reading the change sequence failed")
}

func latestSeq(ctx context.Context, q querier) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq)
	return seq, err
}

// ChangesSince returns the current state of every plot and sheet written
// by a change after seq, read in one snapshot: a plot's or sheet's latest
// version row (valid_to NULL) carries the seq of its latest change, so the
// rows with change_seq > seq are exactly the touched ones; a retired
// plot's latest row says retired. Seq is the latest change included (seq
// itself when nothing is newer).
func (s *Store) ChangesSince(ctx context.Context, seq int64) (*spatial.Changes, error) {
	const msg = "gpkg: reading the changes failed"
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	defer tx.Rollback()
	ch := &spatial.Changes{Seq: seq}
	latest, err := latestSeq(ctx, tx)
	if err != nil || latest <= seq {
		return ch, storeError(ctx, err, msg)
	}
	ch.Seq = latest
	zones, err := zonesInUse(ctx, tx)
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	for _, z := range zones {
		if err := changedPlots(ctx, tx, z, seq, ch); err != nil {
			return nil, storeError(ctx, err, msg)
		}
		if err := changedSheets(ctx, tx, z, seq, ch); err != nil {
			return nil, storeError(ctx, err, msg)
		}
	}
	return ch, nil
}

func changedPlots(ctx context.Context, tx *sql.Tx, epsg int, seq int64, ch *spatial.Changes) error {
	rows, err := tx.QueryContext(ctx, "SELECT "+plotVersionColumns+" FROM "+plotVersionTable(epsg)+
		" WHERE change_seq > ? AND valid_to IS NULL ORDER BY fid", seq)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r plotRow
		if err := rows.Scan(r.dest(false, true)...); err != nil {
			return err
		}
		if r.retired {
			ch.Retired = append(ch.Retired, r.key)
			continue
		}
		p, err := r.plot(epsg)
		if err != nil {
			return err
		}
		ch.Plots = append(ch.Plots, p)
	}
	return rows.Err()
}

func changedSheets(ctx context.Context, tx *sql.Tx, epsg int, seq int64, ch *spatial.Changes) error {
	rows, err := tx.QueryContext(ctx, "SELECT "+sheetColumns+" FROM "+sheetVersionTable(epsg)+
		" WHERE change_seq > ? AND valid_to IS NULL ORDER BY unit, number", seq)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r sheetRow
		if err := rows.Scan(r.dest(false)...); err != nil {
			return err
		}
		sh, err := r.sheet(epsg)
		if err != nil {
			return err
		}
		ch.Sheets = append(ch.Sheets, sh)
	}
	return rows.Err()
}

// Subscribe calls fn with the latest seq now, then each time PRAGMA
// data_version says another connection committed to the file, until ctx
// ends (then it returns nil). It polls every watchEvery on a connection
// of its own; when that connection fails it opens another (backing off up
// to a second) and calls fn again, so that the caller catches up with
// ChangesSince and misses nothing. Writes of this Store come through too
// (they are other connections); the caller skips a seq it has.
func (s *Store) Subscribe(ctx context.Context, fn func(seq int64)) error {
	announce := func(ctx context.Context, conn *sql.Conn) error {
		seq, err := latestSeq(ctx, conn)
		if err == nil {
			fn(seq)
		}
		return err
	}
	s.pollDataVersion(ctx, announce, announce)
	return nil
}

// pollDataVersion runs start once on a connection of its own, then polls
// PRAGMA data_version there every watchEvery and runs changed after each
// commit another connection made, until ctx ends. A failed connection
// (or a failing start or changed) is replaced, start run again, backing
// off up to a second. The change feed (Subscribe) and the outside-edit
// watch (WatchEdits) both poll this way.
func (s *Store) pollDataVersion(ctx context.Context, start, changed func(context.Context, *sql.Conn) error) {
	backoff := 50 * time.Millisecond
	for {
		began := time.Now()
		_ = s.pollOnce(ctx, start, changed) // failed or ended: a new connection
		if time.Since(began) > time.Minute {
			backoff = 50 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// pollOnce is pollDataVersion on one connection until ctx ends or it fails.
func (s *Store) pollOnce(ctx context.Context, start, changed func(context.Context, *sql.Conn) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var version int64
	if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&version); err != nil {
		return err
	}
	if err := start(ctx, conn); err != nil {
		return err
	}
	tick := time.NewTicker(watchEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		var v int64
		if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
			return err
		}
		if v == version {
			continue
		}
		version = v
		if err := changed(ctx, conn); err != nil {
			return err
		}
	}
}
