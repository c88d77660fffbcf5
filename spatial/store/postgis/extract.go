package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"cadastre/spatial"
	"cadastre/spatial/extract"
)

var _ extract.Store = (*Store)(nil)

// Extracts: tables extracts and extract_decisions (migrations/0005).

// CreateExtract stores a new submission with status submitted.
func (s *Store) CreateExtract(ctx context.Context, r *extract.Record) error {
	err := s.pool.QueryRow(ctx, `INSERT INTO extracts (unit, sheet, plot, plot_version, status, profile, submitted_by, submission)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, submitted_at`,
		r.Plot.Unit, r.Plot.Sheet, r.Plot.Plot, r.PlotVersion, string(extract.StatusSubmitted), r.Profile, r.SubmittedBy, []byte(r.Submission)).
		Scan(&r.ID, &r.SubmittedAt)
	if err == nil {
		r.Status = extract.StatusSubmitted
	}
	return translate(err, "store extract")
}

// SaveReport records the report of a submitted extract.
func (s *Store) SaveReport(ctx context.Context, id int64, status extract.Status, verdict extract.Verdict, report json.RawMessage) error {
	tag, err := s.pool.Exec(ctx, `UPDATE extracts SET status = $1, verdict = $2, report = $3 WHERE id = $4 AND status = 'submitted'`,
		string(status), string(verdict), []byte(report), id)
	if err != nil || tag.RowsAffected() == 1 {
		return translate(err, "store extract report")
	}
	st, err := extractStatus(ctx, s.pool, id, false)
	if err != nil {
		return err
	}
	return spatial.Errorf(spatial.KindConflict, "extract %d is %s, not submitted: its report is already stored", id, st)
}

func extractStatus(ctx context.Context, q rowQuerier, id int64, lock bool) (extract.Status, error) {
	query := `SELECT status FROM extracts WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	var st string
	err := q.QueryRow(ctx, query, id).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", spatial.Errorf(spatial.KindNotFound, "no extract %d", id)
	}
	return extract.Status(st), translate(err, "read extract")
}

// Extract returns one extract with its decisions.
func (s *Store) Extract(ctx context.Context, id int64) (*extract.Record, error) {
	r := &extract.Record{ID: id}
	var status, verdict string
	var sub, report []byte
	err := s.pool.QueryRow(ctx, `SELECT unit, sheet, plot, plot_version, status, verdict, profile, submitted_by, submitted_at, submission, report
		FROM extracts WHERE id = $1`, id).Scan(&r.Plot.Unit, &r.Plot.Sheet, &r.Plot.Plot, &r.PlotVersion, &status, &verdict,
		&r.Profile, &r.SubmittedBy, &r.SubmittedAt, &sub, &report)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, spatial.Errorf(spatial.KindNotFound, "no extract %d", id)
	}
	if err != nil {
		return nil, translate(err, "read extract")
	}
	r.Status, r.Verdict, r.Submission = extract.Status(status), extract.Verdict(verdict), sub
	if report != nil {
		r.Report = report
	}
	rows, err := s.pool.Query(ctx, `SELECT accept, reason, decided_by, decided_at, coalesce(plot_version, 0)
		FROM extract_decisions WHERE extract_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, translate(err, "read extract decisions")
	}
	r.Decisions, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (extract.Decision, error) {
		var d extract.Decision
		return d, row.Scan(&d.Accept, &d.Reason, &d.By, &d.At, &d.PlotVersion)
	})
	return r, translate(err, "read extract decisions")
}

// Decide records a decision on a validated extract, in one transaction
// with its status change (the extract row locked against a concurrent
// decision).
func (s *Store) Decide(ctx context.Context, id int64, d *extract.Decision) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return decideIn(ctx, tx, id, d) })
}

// DecideInTx records the decision inside a write transaction of this
// store (extract.TxDecider): it commits with the plot version written.
func (s *Store) DecideInTx(ctx context.Context, tx spatial.Tx, id int64, d *extract.Decision) error {
	t, ok := tx.(*Tx)
	if !ok {
		return spatial.Errorf(spatial.KindInternal, "decision in a transaction of another store (%T)", tx)
	}
	if err := t.usable(); err != nil {
		return err
	}
	err := decideIn(ctx, t.tx, id, d)
	if err != nil {
		t.fail(err)
		if spatial.KindOf(err) != spatial.KindConflict && spatial.KindOf(err) != spatial.KindNotFound {
			t.aborted = true // a statement failed: PostgreSQL refuses the rest
		}
	}
	return err
}

// decideIn records a decision with tx.
func decideIn(ctx context.Context, tx pgx.Tx, id int64, d *extract.Decision) error {
	st, err := extractStatus(ctx, tx, id, true)
	if err != nil {
		return err
	}
	if st != extract.StatusValidated {
		return spatial.Errorf(spatial.KindConflict, "extract %d is %s: only a validated extract takes a decision", id, st)
	}
	if d.ExpectVersion > 0 {
		if err := expectVersion(ctx, tx, id, d.ExpectVersion); err != nil {
			return err
		}
	}
	next := extract.StatusRejected
	if d.Accept {
		next = extract.StatusAccepted
	}
	var pv *int
	if d.PlotVersion > 0 {
		pv = &d.PlotVersion
	}
	var at *time.Time
	if !d.At.IsZero() {
		at = &d.At
	}
	err = tx.QueryRow(ctx, `INSERT INTO extract_decisions (extract_id, accept, reason, decided_by, plot_version, decided_at)
		VALUES ($1, $2, $3, $4, $5, coalesce($6, now())) RETURNING decided_at`, id, d.Accept, d.Reason, d.By, pv, at).Scan(&d.At)
	if err != nil {
		return translate(err, "store decision")
	}
	_, err = tx.Exec(ctx, `UPDATE extracts SET status = $1 WHERE id = $2`, string(next), id)
	return translate(err, "store decision")
}

// expectVersion refuses (KindConflict) unless the current version of the
// extract's plot, as tx sees it, is want. It takes the write lock every
// plot write takes (a no-op inside a write transaction, which holds it),
// so no plot version commits between the check and the decision.
func expectVersion(ctx context.Context, tx pgx.Tx, id int64, want int) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", writeLockKey); err != nil {
		return translate(err, "lock for decision")
	}
	var key string
	var cur int
	err := tx.QueryRow(ctx, `SELECT e.unit || '/' || e.sheet || '/' || e.plot, coalesce(max(p.version), 0)
		FROM extracts e LEFT JOIN plots p ON (p.unit, p.sheet, p.plot) = (e.unit, e.sheet, e.plot)
		WHERE e.id = $1 GROUP BY e.unit, e.sheet, e.plot`, id).Scan(&key, &cur)
	if err != nil {
		return translate(err, "read plot version for decision")
	}
	if cur != want {
		return spatial.Errorf(spatial.KindConflict, "plot %s is at version %d, not the %d this decision on extract %d expects: another change came first; submit a new extract", key, cur, want, id)
	}
	return nil
}
