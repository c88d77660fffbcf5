package postgis

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"cadastre/spatial"
)

var _ spatial.ChangeFeed = (*Store)(nil)

// Timing of Subscribe. A listening connection that heard nothing for
// listenIdle is pinged, so that a connection dead without a word (a cut
// network) is noticed; reconnections back off from retryMin to retryMax.
const (
	listenIdle = 30 * time.Second
	retryMin   = 50 * time.Millisecond
	retryMax   = time.Second
	// pollEvery is how often Subscribe reads the latest seq on a streaming
	// replica, where NOTIFY does not arrive.
	pollEvery = 200 * time.Millisecond
)

// listenerName is the application_name of Subscribe's connection, as seen
// in pg_stat_activity.
const listenerName = "cadastre-listen"

// LatestSeq returns the seq of the last committed write (0 for none).
func (s *Store) LatestSeq(ctx context.Context) (int64, error) {
	seq, err := latestSeq(ctx, s.pool)
	return seq, translate(err, "read change seq")
}

// rowQuerier is a pool, a connection or a transaction.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func latestSeq(ctx context.Context, q rowQuerier) (int64, error) {
	var seq int64
	err := q.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM changes").Scan(&seq)
	return seq, err
}

// ChangesSince returns the current state of every plot and sheet written by
// a change after seq, read in one snapshot: current versions of plots
// inserted or changed, keys of plots retired, current versions of sheets,
// and Seq, the latest change included (seq itself when nothing is newer).
// A plot's current version carries the seq of its latest change, so rows
// with change_seq > seq are exactly the touched ones. ("coalesce(valid_to,
// 'infinity') = 'infinity'" is valid_to IS NULL kept away from the partial
// indexes on current keys: see overlapsSQL.)
func (s *Store) ChangesSince(ctx context.Context, seq int64) (*spatial.Changes, error) {
	ch := &spatial.Changes{Seq: seq}
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
		latest, err := latestSeq(ctx, tx)
		if err != nil || latest <= seq {
			return err
		}
		ch.Seq = latest
		if err := changedPlots(ctx, tx, seq, ch); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+sheetColumns+` FROM sheets s
			WHERE s.change_seq > $1 AND coalesce(s.valid_to, 'infinity') = 'infinity'
			ORDER BY s.unit, s.number`, seq)
		if err != nil {
			return err
		}
		sheets, err := pgx.CollectRows(rows, scanSheet)
		for _, st := range sheets {
			ch.Sheets = append(ch.Sheets, st.Sheet)
		}
		return err
	})
	if err != nil {
		return nil, translate(err, "read changes")
	}
	return ch, nil
}

// changedPlots adds the plots written after seq to ch.
func changedPlots(ctx context.Context, tx pgx.Tx, seq int64, ch *spatial.Changes) error {
	rows, err := tx.Query(ctx, `SELECT `+plotColumns+` FROM plots p
		WHERE p.change_seq > $1 AND coalesce(p.valid_to, 'infinity') = 'infinity'
		ORDER BY p.unit, p.sheet, p.plot`, seq)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPlot(rows)
		if err != nil {
			return err
		}
		if p.Retired {
			ch.Retired = append(ch.Retired, p.Key)
		} else {
			ch.Plots = append(ch.Plots, p.Plot)
		}
	}
	return rows.Err()
}

// Subscribe calls fn with the seq of each write committed from now on, in
// commit order, until ctx ends; it then returns ctx.Err(). It listens on a
// connection of its own (PostgreSQL LISTEN on cadastre_changes). Each time
// it starts listening, first and after a lost connection, it calls fn with
// the latest seq, so that the caller catches up with ChangesSince: nothing
// committed before LISTEN took effect is missed. A lost connection is
// retried with backoff (at most a second apart) for as long as ctx lasts.
// fn runs on Subscribe's goroutine and should return quickly; it may see a
// seq it already has. On a streaming replica (pg_is_in_recovery()) it polls
// the latest seq instead (poll): NOTIFY is not replicated.
func (s *Store) Subscribe(ctx context.Context, fn func(seq int64)) error {
	wait := retryMin
	for {
		listened := s.listen(ctx, fn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if listened {
			wait = retryMin
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, retryMax)
	}
}

// listen connects, listens and calls fn until the connection or ctx fails.
// It reports whether it got as far as listening. Why the connection failed
// does not matter to Subscribe: it reconnects and catches up all the same.
func (s *Store) listen(ctx context.Context, fn func(int64)) bool {
	cfg := s.pool.Config().ConnConfig
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = listenerName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false
	}
	defer closeConn(ctx, conn)
	var standby bool
	if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&standby); err != nil {
		return false
	}
	if standby {
		return poll(ctx, conn, fn)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return false
	}
	latest, err := latestSeq(ctx, conn)
	if err != nil {
		return true
	}
	fn(latest)
	for {
		seq, err := nextSeq(ctx, conn)
		if err != nil {
			return true
		}
		if seq > 0 {
			fn(seq)
		}
	}
}

// poll is listen on a streaming replica (a hot standby): the primary's
// NOTIFY does not reach it, and a standby cannot LISTEN, so the latest
// change seq is read every pollEvery and fn called when it grew (first
// with the seq it finds). A replica replays the primary's commits in
// order, so the rows of every seq up to the one seen are there. A standby
// promoted to primary ends the poll: Subscribe reconnects and listens.
func poll(ctx context.Context, conn *pgx.Conn, fn func(int64)) bool {
	last := int64(-1)
	for {
		var seq int64
		var standby bool
		err := conn.QueryRow(ctx, "SELECT coalesce(max(seq), 0), pg_is_in_recovery() FROM changes").Scan(&seq, &standby)
		if err != nil {
			return last >= 0
		}
		if seq != last {
			fn(seq)
			last = seq
		}
		if !standby {
			return true
		}
		select {
		case <-ctx.Done():
			return true
		case <-time.After(pollEvery):
		}
	}
}

// nextSeq waits for the next notification and returns its seq; 0 when
// listenIdle passed in silence and a ping found the connection alive.
func nextSeq(ctx context.Context, conn *pgx.Conn) (int64, error) {
	wctx, cancel := context.WithTimeout(ctx, listenIdle)
	n, err := conn.WaitForNotification(wctx)
	cancel()
	switch {
	case err == nil:
		if seq, perr := strconv.ParseInt(n.Payload, 10, 64); perr == nil && seq > 0 {
			return seq, nil
		}
		// Not one of ours: the latest seq is a safe answer.
		return latestSeq(ctx, conn)
	case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
		// pgconn leaves the connection usable after a read deadline.
		return 0, conn.Ping(ctx)
	}
	return 0, err
}

// closeConn closes the listening connection, even when ctx has ended.
func closeConn(ctx context.Context, conn *pgx.Conn) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_ = conn.Close(cctx) // a connection that fails to close cleanly is gone anyway
}
