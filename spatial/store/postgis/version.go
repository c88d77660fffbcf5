package postgis

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// nullTime scans a nullable timestamptz into a time.Time that stays zero for
// NULL (spatial.Version.ValidTo is zero while a version is current).
type nullTime struct{ t *time.Time }

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (n nullTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	if v.Valid {
		*n.t = v.Time
	} else {
		*n.t = time.Time{}
	}
	return nil
}
