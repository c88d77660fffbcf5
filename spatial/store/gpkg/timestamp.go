package gpkg

import (
	"database/sql"
	"fmt"
	"time"
)

// Timestamps are ISO-8601 UTC text with nine fractional digits: they sort
// as text and round-trip a time.Time exactly (the contract compares an old
// version's valid_to with the next version's valid_from). The columns are
// declared TEXT, not DATETIME: GeoPackage DATETIME values carry at most
// milliseconds.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// contentsLayout is the gpkg_contents.last_change format of the spec.
const contentsLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("gpkg: bad timestamp %q: %w", s, err)
	}
	return t.UTC(), nil
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: formatTime(t), Valid: true}
}

func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}
