package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"cadastre/spatial"
)

// GeoPackage 1.3 file identity (GeoPackage 1.3 Req 2).
const (
	applicationID = 0x47504B47 // "GPKG"
	userVersion   = 10300
)

// The core tables of GeoPackage 1.3 (§1.1.2, §1.1.3, §2.1.5, §2.3), the
// extensions table (§2.5.2), and the attribute tables of the store.
var baseSchema = []string{
	`CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT)`,
	`CREATE TABLE IF NOT EXISTS gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
	`CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
	`CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT,
  column_name TEXT,
  extension_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))`,
	`CREATE TABLE IF NOT EXISTS admin_units (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  province TEXT NOT NULL,
  epsg INTEGER NOT NULL,
  successor TEXT,
  merged_on TEXT)`,
	`CREATE TABLE IF NOT EXISTS changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  at TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  source TEXT NOT NULL,
  inserted INTEGER NOT NULL DEFAULT 0,
  changed INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  retired INTEGER NOT NULL DEFAULT 0,
  sheets INTEGER NOT NULL DEFAULT 0,
  units INTEGER NOT NULL DEFAULT 0,
  contents_at TEXT)`,
	tokensDDL,
	tokenUsesDDL,
	tokenExtractBytesDDL,
	plotLineageDDL, plotLineageIndex, sheetLineageDDL, // issue 18 (lineage.go)
}

// wgs84WKT is the definition of EPSG:4326 that GeoPackage 1.3 Annex C
// (Table 21) asks for.
const wgs84WKT = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`

// requiredSRS are the three rows GeoPackage 1.3 Req 11 demands.
var requiredSRS = [][]any{
	{"Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"},
	{"Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"},
	{"WGS 84 geodetic", 4326, "EPSG", 4326, wgs84WKT, "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"},
}

// initSchema makes a new file a GeoPackage 1.3 or checks that an existing
// one is a GeoPackage, then adds whatever base table is missing.
func initSchema(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := stampIdentity(ctx, tx); err != nil {
		return err
	}
	for _, ddl := range baseSchema {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return err
		}
	}
	if err := addMissingColumns(ctx, tx, "tokens", append(tokenRevocationColumns, tokenExpiryColumns...)); err != nil {
		return err
	}
	if err := addMissingColumns(ctx, tx, "changes", changesColumns); err != nil {
		return err
	}
	if err := upgradeSheetTables(ctx, tx); err != nil {
		return err
	}
	for _, row := range requiredSRS {
		if err := insertSRS(ctx, tx, row...); err != nil {
			return err
		}
	}
	if err := registerAttributes(ctx, tx, "admin_units", "Administrative units (communes), former and current"); err != nil {
		return err
	}
	if err := registerAttributes(ctx, tx, "changes", "One row per stored batch: who, when, why, what"); err != nil {
		return err
	}
	if err := registerAttributes(ctx, tx, "tokens", tokensDescription); err != nil {
		return err
	}
	if err := registerAttributes(ctx, tx, "plot_lineage", "Merger lineage: former plot key -> current key, from a date"); err != nil {
		return err
	}
	if err := registerAttributes(ctx, tx, "sheet_lineage", "Merger lineage: former sheet key -> current key, from a date"); err != nil {
		return err
	}
	if err := registerAttributes(ctx, tx, "token_uses", "When each API token last authorized a request"); err != nil {
		return err
	}
	if err := registerAttributes(ctx, tx, "token_extract_bytes", "Bytes of extracts each API token stored per day (its quota)"); err != nil {
		return err
	}
	zones, err := zonesInUse(ctx, tx)
	if err != nil {
		return err
	}
	if err := createChangeSeqIndexes(ctx, tx, zones); err != nil {
		return err
	}
	return tx.Commit()
}

// stampIdentity sets application_id and user_version on an empty file and
// refuses a SQLite file that is something other than a GeoPackage.
func stampIdentity(ctx context.Context, tx *sql.Tx) error {
	var appID, tables int
	if err := tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables); err != nil {
		return err
	}
	switch {
	case appID == applicationID:
		return nil
	case appID != 0 || tables > 0:
		return spatial.Errorf(spatial.KindInvalid, "gpkg: the file is an SQLite database but not a GeoPackage (application_id %#x)", appID)
	}
	for _, p := range []string{
		fmt.Sprintf("PRAGMA application_id = %d", applicationID),
		fmt.Sprintf("PRAGMA user_version = %d", userVersion),
	} {
		if _, err := tx.ExecContext(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// addMissingColumns adds to table those of columns ("name TYPE") that a
// file made by an older version lacks.
func addMissingColumns(ctx context.Context, tx *sql.Tx, table string, columns []string) error {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		have[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range columns {
		name, _, _ := strings.Cut(c, " ")
		if have[name] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `ALTER TABLE "`+table+`" ADD COLUMN `+c); err != nil {
			return fmt.Errorf("adding column %s to %s: %w", name, table, err)
		}
	}
	return nil
}

func insertSRS(ctx context.Context, tx *sql.Tx, row ...any) error {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO gpkg_spatial_ref_sys
(srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?, ?, ?, ?, ?, ?)`, row...)
	return err
}

func registerAttributes(ctx context.Context, tx *sql.Tx, table, description string) error {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change)
VALUES (?, 'attributes', ?, ?, ?)`, table, table, description, time.Now().UTC().Format(contentsLayout))
	return err
}

// registerFeatures adds a feature table to gpkg_contents and
// gpkg_geometry_columns; its extent is filled in as rows arrive.
func registerFeatures(ctx context.Context, tx *sql.Tx, table, geomType string, srsID int, description string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id)
VALUES (?, 'features', ?, ?, ?, ?)`, table, table, description, at.UTC().Format(contentsLayout), srsID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
VALUES (?, 'geom', ?, ?, 0, 0)`, table, geomType, srsID)
	return err
}

// upgradeSheetTables brings the sheet tables of a file written before
// off-grid sheets (issue 13) up to date: an off_grid column (0 for every
// sheet it has: they were all grid cells) and MULTIPOLYGON as the
// registered geometry type, since a frame drawn by hand may have several
// parts. Their Polygon blobs stay as they are (a Polygon is read as a
// one-part frame); the declared column type in the CREATE TABLE text
// cannot change in SQLite, and GDAL reads the type from
// gpkg_geometry_columns.
func upgradeSheetTables(ctx context.Context, tx *sql.Tx) error {
	zones, err := zonesInUse(ctx, tx)
	if err != nil {
		return err
	}
	for _, z := range zones {
		for _, table := range []string{sheetTable(z), sheetVersionTable(z)} {
			if err := addMissingColumns(ctx, tx, table, []string{"off_grid INTEGER NOT NULL DEFAULT 0"}); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE gpkg_geometry_columns SET geometry_type_name = 'MULTIPOLYGON'
WHERE table_name = ? AND geometry_type_name = 'POLYGON'`, table); err != nil {
				return err
			}
		}
	}
	return nil
}
