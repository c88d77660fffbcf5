package gpkg

import (
	"context"
	"database/sql"

	"cadastre/spatial"
)

var _ spatial.OutsideEdits = (*Store)(nil)

// WatchEdits calls fn each time it notices that another program edited
// the file's feature tables in place, outside the store's writes (a QGIS
// user moving a vertex of plots_<epsg>): such an edit has no changes row
// and no version, so the change feed cannot carry it. It polls PRAGMA
// data_version every watchEvery on a connection of its own; after a
// commit it compares each feature table's gpkg_contents.last_change
// (which GDAL, and so QGIS, stamps on every edit) with the stamps the
// store's own writes recorded (changes.contents_at): a new last_change
// that no write of the store made is an outside edit. An edit that does
// not stamp last_change (raw SQL) is not noticed. It returns when ctx
// ends; a failed connection is replaced, backing off up to a second.
func (s *Store) WatchEdits(ctx context.Context, fn func()) error {
	var stamps map[string]string
	start := func(ctx context.Context, conn *sql.Conn) (err error) {
		stamps, err = contentStamps(ctx, conn)
		return err
	}
	changed := func(ctx context.Context, conn *sql.Conn) error {
		now, err := contentStamps(ctx, conn)
		if err != nil {
			return err
		}
		outside, err := editedOutside(ctx, conn, stamps, now)
		if err != nil {
			return err
		}
		stamps = now
		if outside {
			fn()
		}
		return nil
	}
	s.pollDataVersion(ctx, start, changed)
	return nil
}

// contentStamps reads last_change of every feature table.
func contentStamps(ctx context.Context, q querier) (map[string]string, error) {
	// "|| ''": the text as stored; the driver would parse a DATETIME
	// column into a time and format it back differently (.120Z as .12Z).
	rows, err := q.QueryContext(ctx, `SELECT table_name, last_change || '' FROM gpkg_contents WHERE data_type = 'features'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var table string
		var at sql.NullString
		if err := rows.Scan(&table, &at); err != nil {
			return nil, err
		}
		out[table] = at.String
	}
	return out, rows.Err()
}

// editedOutside reports whether a table's last_change moved to a stamp
// that no write of the store recorded.
func editedOutside(ctx context.Context, q querier, before, after map[string]string) (bool, error) {
	for table, at := range after {
		if before[table] == at {
			continue
		}
		var ours bool
		if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM changes WHERE contents_at = ?)`, at).Scan(&ours); err != nil {
			return false, err
		}
		if !ours {
			return true, nil
		}
	}
	return false, nil
}
