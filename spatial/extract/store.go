package extract

import (
	"context"
	"encoding/json"
	"time"

	"cadastre/spatial"
)

// Status is where an extract stands. Submitted -> validated (or refused,
// when its input could not be checked) -> accepted or rejected.
type Status string

// The statuses of an extract.
const (
	StatusSubmitted Status = "submitted"
	StatusValidated Status = "validated"
	StatusRefused   Status = "refused" // the input was malformed; the report holds the problems
	StatusAccepted  Status = "accepted"
	StatusRejected  Status = "rejected"
)

// Record is a stored extract: the submission as received, the report, and
// every decision. Nothing of it is deleted or overwritten but the status.
type Record struct {
	ID          int64           `json:"id"`
	Plot        spatial.PlotKey `json:"plot"`
	PlotVersion int             `json:"plot_version"` // the version checked against
	Status      Status          `json:"status"`
	Verdict     Verdict         `json:"verdict,omitempty"`
	Profile     string          `json:"profile"`
	SubmittedBy string          `json:"submitted_by"`
	SubmittedAt time.Time       `json:"submitted_at"`
	Submission  json.RawMessage `json:"submission"`
	Report      json.RawMessage `json:"report,omitempty"`
	Decisions   []Decision      `json:"decisions"`
}

// Decision is a registrar's decision on a validated extract.
type Decision struct {
	Accept      bool      `json:"accept"`
	Reason      string    `json:"reason"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
	PlotVersion int       `json:"plot_version,omitempty"` // the version an acceptance created
	// AllowOverlaps lets an acceptance store a boundary that overlaps
	// stored neighbours (AcceptOverlaps). It is not a column of its own:
	// the plot version's reason and the decision's reason say it, with
	// the overlaps.
	AllowOverlaps bool `json:"-"`
	// ExpectVersion, when set, is the version the plot must be at in the
	// transaction that records the decision (after the plot version an
	// acceptance writes in it): the store refuses the decision with
	// KindConflict otherwise, so that two acceptances of extracts checked
	// against the same version cannot both pass.
	ExpectVersion int `json:"-"`
}

// Store keeps extracts. Both stores implement it (spatial/store/postgis,
// spatial/store/gpkg); extracttest.Run is the contract.
type Store interface {
	// CreateExtract stores a new submission (status submitted) and sets
	// r.ID and r.SubmittedAt.
	CreateExtract(ctx context.Context, r *Record) error
	// SaveReport records the outcome of the check of a submitted extract:
	// status validated or refused. KindConflict if not submitted,
	// KindNotFound if unknown.
	SaveReport(ctx context.Context, id int64, status Status, verdict Verdict, report json.RawMessage) error
	// Extract returns one extract with its decisions, oldest first.
	// KindNotFound if unknown.
	Extract(ctx context.Context, id int64) (*Record, error)
	// Decide records a decision on a validated extract and sets its status
	// to accepted or rejected; d.At is set when zero. KindConflict if the
	// extract is not validated (already decided, or refused).
	Decide(ctx context.Context, id int64, d *Decision) error
}

// TxDecider is implemented by stores that can record a decision inside one
// of their write transactions (spatial.Tx), so that accepting an extract
// stores the plot's new version and the decision in one commit, or
// neither.
type TxDecider interface {
	// DecideInTx is Decide inside tx, a transaction this store began.
	DecideInTx(ctx context.Context, tx spatial.Tx, id int64, d *Decision) error
}
