package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/crs"
)

// Each VN-2000 zone in use gets four feature tables in its own SRS: the
// current plots and sheets (what a QGIS user opens) and their full
// histories. A zone's tables are created by the first batch that writes
// into it.

func plotTable(epsg int) string         { return fmt.Sprintf("plots_%d", epsg) }
func plotVersionTable(epsg int) string  { return fmt.Sprintf("plot_versions_%d", epsg) }
func sheetTable(epsg int) string        { return fmt.Sprintf("sheets_%d", epsg) }
func sheetVersionTable(epsg int) string { return fmt.Sprintf("sheet_versions_%d", epsg) }

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// zonesInUse lists the EPSG codes whose tables exist, ascending.
func zonesInUse(ctx context.Context, q querier) ([]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT srs_id FROM gpkg_contents
WHERE data_type = 'features' AND table_name = 'plots_' || srs_id ORDER BY srs_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var zones []int
	for rows.Next() {
		var z int
		if err := rows.Scan(&z); err != nil {
			return nil, err
		}
		zones = append(zones, z)
	}
	return zones, rows.Err()
}

// createZone adds the zone's SRS row and its four tables, registered in
// gpkg_contents and gpkg_geometry_columns, with rtree indexes on the
// current tables.
func createZone(ctx context.Context, tx *sql.Tx, epsg int, at time.Time) error {
	zone, ok := crs.ZoneByEPSG(epsg)
	if !ok {
		return spatial.Errorf(spatial.KindInvalid, "EPSG:%d is not a VN-2000 TM-3 zone", epsg)
	}
	desc := fmt.Sprintf("VN-2000 TM-3 zone, central meridian %g° E (EPSG:%d)", zone.CentralMeridian, epsg)
	if err := insertSRS(ctx, tx, zone.Name(), epsg, srsOrganization(zone), epsg, zone.WKT(), desc); err != nil {
		return err
	}
	tables := []struct {
		name, geomType string
		ddl            []string
		description    string
		rtree          bool
	}{
		{plotTable(epsg), "MULTIPOLYGON", plotDDL(plotTable(epsg), false), "Current cadastral plots, " + zone.Name(), true},
		{plotVersionTable(epsg), "MULTIPOLYGON", plotDDL(plotVersionTable(epsg), true), "Every version of every plot, " + zone.Name(), false},
		{sheetTable(epsg), "MULTIPOLYGON", sheetDDL(sheetTable(epsg), false), "Current map sheet frames, " + zone.Name(), true},
		{sheetVersionTable(epsg), "MULTIPOLYGON", sheetDDL(sheetVersionTable(epsg), true), "Every version of every map sheet, " + zone.Name(), false},
	}
	for _, t := range tables {
		for _, ddl := range t.ddl {
			if _, err := tx.ExecContext(ctx, ddl); err != nil {
				return fmt.Errorf("creating %s: %w", t.name, err)
			}
		}
		if err := registerFeatures(ctx, tx, t.name, t.geomType, epsg, t.description, at); err != nil {
			return err
		}
		if t.rtree {
			if err := createRTree(ctx, tx, t.name, "geom"); err != nil {
				return err
			}
		}
	}
	return createChangeSeqIndexes(ctx, tx, []int{epsg})
}

// tableSQL holds the statements a write needs on one current table and
// its history table.
type tableSQL struct {
	find, insert, update, remove, insertVersion, closeVersion string
}

// tableStmts are those statements, prepared in a write transaction.
type tableStmts struct {
	find, insert, update, remove, insertVersion, closeVersion *sql.Stmt
}

func prepareTable(ctx context.Context, tx *sql.Tx, q tableSQL) (tableStmts, error) {
	var st tableStmts
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&st.find, q.find}, {&st.insert, q.insert}, {&st.update, q.update},
		{&st.remove, q.remove}, {&st.insertVersion, q.insertVersion}, {&st.closeVersion, q.closeVersion},
	} {
		s, err := tx.PrepareContext(ctx, p.query)
		if err != nil {
			return tableStmts{}, err
		}
		*p.dst = s
	}
	return st, nil
}

// zoneStmts are the prepared statements of one zone's tables; plotKnown
// tells whether a plot key has any version.
type zoneStmts struct {
	plot, sheet tableStmts
	plotKnown   *sql.Stmt
}

// placeholders returns "?, ?, ..., ?" with n marks.
func placeholders(n int) string {
	b := make([]byte, 0, 3*n)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}
