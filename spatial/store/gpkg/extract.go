package gpkg

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/extract"
)

var _ extract.Store = (*Store)(nil)

// Extracts live in two attributes tables: extracts (the submission as
// received, the report, the status) and extract_decisions (one row per
// registrar decision, never changed). They are created on first use, so
// that GeoPackages made before issue 6 gain them without a migration.
var extractDDL = []string{`CREATE TABLE IF NOT EXISTS extracts (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  unit TEXT NOT NULL, sheet INTEGER NOT NULL, plot INTEGER NOT NULL,
  plot_version INTEGER NOT NULL,
  status TEXT NOT NULL, verdict TEXT NOT NULL DEFAULT '', profile TEXT NOT NULL,
  submitted_by TEXT NOT NULL, submitted_at TEXT NOT NULL,
  submission TEXT NOT NULL, report TEXT)`,
	`CREATE INDEX IF NOT EXISTS extracts_plot ON extracts (unit, sheet, plot)`,
	`CREATE TABLE IF NOT EXISTS extract_decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  extract_id INTEGER NOT NULL REFERENCES extracts(id),
  accept INTEGER NOT NULL, reason TEXT NOT NULL,
  decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, plot_version INTEGER)`,
}

// ensureExtractTables creates the extract tables when missing.
func (s *Store) ensureExtractTables(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('extracts', 'extract_decisions')`).Scan(&n); err != nil || n == 2 {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, ddl := range extractDDL {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return err
		}
	}
	if err := registerAttributes(ctx, tx, "extracts", "surveyors' cadastral extracts: submission, validation report, status (issue 6)"); err != nil {
		return err
	}
	if err := registerAttributes(ctx, tx, "extract_decisions", "registrars' decisions on extracts, one row each, never changed"); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateExtract stores a new submission with status submitted.
func (s *Store) CreateExtract(ctx context.Context, r *extract.Record) error {
	const msg = "gpkg: storing the extract failed"
	if err := s.ensureExtractTables(ctx); err != nil {
		return storeError(ctx, err, msg)
	}
	at := time.Now().UTC()
	res, err := s.db.ExecContext(ctx, `INSERT INTO extracts (unit, sheet, plot, plot_version, status, profile, submitted_by, submitted_at, submission)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Plot.Unit, r.Plot.Sheet, r.Plot.Plot, r.PlotVersion, string(extract.StatusSubmitted),
		r.Profile, r.SubmittedBy, formatTime(at), string(r.Submission))
	if err != nil {
		return storeError(ctx, err, msg)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return storeError(ctx, err, msg)
	}
	r.ID, r.SubmittedAt, r.Status = id, at, extract.StatusSubmitted
	return nil
}

// SaveReport records the report of a submitted extract.
func (s *Store) SaveReport(ctx context.Context, id int64, status extract.Status, verdict extract.Verdict, report json.RawMessage) error {
	const msg = "gpkg: storing the extract report failed"
	if err := s.ensureExtractTables(ctx); err != nil {
		return storeError(ctx, err, msg)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE extracts SET status = ?, verdict = ?, report = ? WHERE id = ? AND status = ?`,
		string(status), string(verdict), string(report), id, string(extract.StatusSubmitted))
	if err != nil {
		return storeError(ctx, err, msg)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return storeError(ctx, err, msg)
	}
	st, err := s.extractStatus(ctx, s.db, id)
	if err != nil {
		return err
	}
	return spatial.Errorf(spatial.KindConflict, "extract %d is %s, not submitted: its report is already stored", id, st)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) extractStatus(ctx context.Context, q queryer, id int64) (extract.Status, error) {
	var st string
	err := q.QueryRowContext(ctx, `SELECT status FROM extracts WHERE id = ?`, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", spatial.Errorf(spatial.KindNotFound, "no extract %d", id)
	}
	return extract.Status(st), storeError(ctx, err, "gpkg: reading the extract failed")
}

// Extract returns one extract with its decisions.
func (s *Store) Extract(ctx context.Context, id int64) (*extract.Record, error) {
	const msg = "gpkg: reading the extract failed"
	if err := s.ensureExtractTables(ctx); err != nil {
		return nil, storeError(ctx, err, msg)
	}
	r := &extract.Record{ID: id, Decisions: []extract.Decision{}}
	var status, verdict, at, sub string
	var report sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT unit, sheet, plot, plot_version, status, verdict, profile, submitted_by, submitted_at, submission, report
FROM extracts WHERE id = ?`, id).Scan(&r.Plot.Unit, &r.Plot.Sheet, &r.Plot.Plot, &r.PlotVersion, &status, &verdict, &r.Profile, &r.SubmittedBy, &at, &sub, &report)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, spatial.Errorf(spatial.KindNotFound, "no extract %d", id)
	}
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	r.Status, r.Verdict, r.Submission = extract.Status(status), extract.Verdict(verdict), json.RawMessage(sub)
	if report.Valid {
		r.Report = json.RawMessage(report.String)
	}
	if r.SubmittedAt, err = parseTime(at); err != nil {
		return nil, storeError(ctx, err, msg)
	}
	if r.Decisions, err = s.decisions(ctx, id); err != nil {
		return nil, storeError(ctx, err, msg)
	}
	return r, nil
}

func (s *Store) decisions(ctx context.Context, id int64) ([]extract.Decision, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT accept, reason, decided_by, decided_at, coalesce(plot_version, 0)
FROM extract_decisions WHERE extract_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []extract.Decision{}
	for rows.Next() {
		var d extract.Decision
		var at string
		if err := rows.Scan(&d.Accept, &d.Reason, &d.By, &at, &d.PlotVersion); err != nil {
			return nil, err
		}
		if d.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Decide records a decision on a validated extract, in one transaction
// with its status change.
func (s *Store) Decide(ctx context.Context, id int64, d *extract.Decision) error {
	const msg = "gpkg: storing the decision failed"
	if err := s.ensureExtractTables(ctx); err != nil {
		return storeError(ctx, err, msg)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return storeError(ctx, err, msg)
	}
	defer tx.Rollback()
	if err := s.decideIn(ctx, tx, id, d); err != nil {
		return err
	}
	return storeError(ctx, tx.Commit(), msg)
}

// DecideInTx records the decision inside a write transaction of this
// store (extract.TxDecider): it commits with the plot version written.
// The extract tables exist already: the extract was submitted.
func (s *Store) DecideInTx(ctx context.Context, tx spatial.Tx, id int64, d *extract.Decision) error {
	t, ok := tx.(*writeTx)
	if !ok {
		return spatial.Errorf(spatial.KindInternal, "decision in a transaction of another store (%T)", tx)
	}
	if err := t.usable(); err != nil {
		return err
	}
	err := s.decideIn(ctx, t.tx, id, d)
	if err != nil {
		t.nFailed++
		if t.failed == nil {
			t.failed = err
		}
	}
	return err
}

// decideIn records a decision with tx.
func (s *Store) decideIn(ctx context.Context, tx *sql.Tx, id int64, d *extract.Decision) error {
	const msg = "gpkg: storing the decision failed"
	st, err := s.extractStatus(ctx, tx, id)
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
	if d.At.IsZero() {
		d.At = time.Now().UTC()
	}
	next := extract.StatusRejected
	if d.Accept {
		next = extract.StatusAccepted
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO extract_decisions (extract_id, accept, reason, decided_by, decided_at, plot_version) VALUES (?, ?, ?, ?, ?, ?)`,
		id, d.Accept, d.Reason, d.By, formatTime(d.At), sql.NullInt64{Int64: int64(d.PlotVersion), Valid: d.PlotVersion > 0}); err != nil {
		return storeError(ctx, err, msg)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE extracts SET status = ? WHERE id = ?`, string(next), id); err != nil {
		return storeError(ctx, err, msg)
	}
	return nil
}

// expectVersion refuses (KindConflict) unless the current version of the
// extract's plot, as tx sees it, is want. tx is BEGIN IMMEDIATE (the
// write lock): no plot version commits between the check and the
// decision.
func expectVersion(ctx context.Context, tx *sql.Tx, id int64, want int) error {
	const msg = "gpkg: reading the plot version for a decision failed"
	var k spatial.PlotKey
	if err := tx.QueryRowContext(ctx, `SELECT unit, sheet, plot FROM extracts WHERE id = ?`, id).Scan(&k.Unit, &k.Sheet, &k.Plot); err != nil {
		return storeError(ctx, err, msg)
	}
	zones, err := zonesInUse(ctx, tx)
	if err != nil {
		return storeError(ctx, err, msg)
	}
	cur := 0
	for _, z := range zones {
		var v sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT max(version) FROM "+plotVersionTable(z)+" WHERE unit = ? AND sheet = ? AND plot = ?", k.Unit, k.Sheet, k.Plot).Scan(&v); err != nil {
			return storeError(ctx, err, msg)
		}
		cur = max(cur, int(v.Int64))
	}
	if cur != want {
		return spatial.Errorf(spatial.KindConflict, "plot %s is at version %d, not the %d this decision on extract %d expects: another change came first; submit a new extract", k, cur, want, id)
	}
	return nil
}
