package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/crs"
)

// ExportLayer is one feature table of a standalone GeoPackage written by
// Export: rows of geometry (plane metres of EPSG, nil for none) and
// values for Columns, in order (string, int, float64).
type ExportLayer struct {
	Name        string
	Description string
	EPSG        int
	Columns     []ExportColumn
	Rows        []ExportRow
}

// ExportColumn is a column of an ExportLayer: its name and SQLite type
// (TEXT, INTEGER or REAL).
type ExportColumn struct{ Name, Type string }

// ExportRow is one feature of an ExportLayer.
type ExportRow struct {
	Geometry orb.Geometry
	Values   []any
}

// Export writes a new GeoPackage 1.3 file at path holding only the given
// feature tables (no store tables): what `cadastre audit --out` gives QGIS.
// It refuses to overwrite a file. Each layer's zone gets its
// gpkg_spatial_ref_sys row from spatial/crs.
func Export(ctx context.Context, path string, layers []ExportLayer) error {
	if _, err := os.Stat(path); err == nil {
		return spatial.Errorf(spatial.KindConflict, "gpkg: %s exists; the export writes a new file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := registerFunctions(); err != nil {
		return err
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: "_pragma=journal_mode(DELETE)&_txlock=immediate"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return err
	}
	err = exportIn(ctx, db, layers)
	return errors.Join(err, db.Close())
}

func exportIn(ctx context.Context, db *sql.DB, layers []ExportLayer) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	if err := stampIdentity(ctx, tx); err != nil {
		return err
	}
	for _, ddl := range baseSchema[:4] { // the GeoPackage core tables
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return err
		}
	}
	for _, row := range requiredSRS {
		if err := insertSRS(ctx, tx, row...); err != nil {
			return err
		}
	}
	for _, l := range layers {
		if err := exportLayer(ctx, tx, l); err != nil {
			return fmt.Errorf("gpkg export %s: %w", l.Name, err)
		}
	}
	return tx.Commit()
}

func exportLayer(ctx context.Context, tx *sql.Tx, l ExportLayer) error {
	zone, ok := crs.ZoneByEPSG(l.EPSG)
	if !ok {
		return fmt.Errorf("EPSG:%d is not a VN-2000 TM-3 zone", l.EPSG)
	}
	if err := insertSRS(ctx, tx, zone.Name(), l.EPSG, srsOrganization(zone), l.EPSG, zone.WKT(), "VN-2000 TM-3 plane of the exported features"); err != nil {
		return err
	}
	cols := make([]string, len(l.Columns))
	marks := make([]string, len(l.Columns))
	for i, c := range l.Columns {
		cols[i], marks[i] = fmt.Sprintf("%q %s", c.Name, c.Type), "?"
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE %q (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom GEOMETRY, %s)`,
		l.Name, strings.Join(cols, ", "))); err != nil {
		return err
	}
	if err := registerFeatures(ctx, tx, l.Name, "GEOMETRY", l.EPSG, l.Description, time.Now()); err != nil {
		return err
	}
	names := make([]string, len(l.Columns))
	for i, c := range l.Columns {
		names[i] = fmt.Sprintf("%q", c.Name)
	}
	ins := fmt.Sprintf(`INSERT INTO %q (geom, %s) VALUES (?, %s)`, l.Name, strings.Join(names, ", "), strings.Join(marks, ", "))
	var ext orb.Bound
	have := false
	for _, r := range l.Rows {
		var blob any
		if r.Geometry != nil {
			b, bound, err := encodeGeom(l.EPSG, r.Geometry)
			if err != nil {
				return err
			}
			blob = b
			if have {
				ext = ext.Union(bound)
			} else {
				ext, have = bound, true
			}
		}
		if _, err := tx.ExecContext(ctx, ins, append([]any{blob}, r.Values...)...); err != nil {
			return err
		}
	}
	if have {
		_, err := tx.ExecContext(ctx, `UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?`,
			ext.Min[0], ext.Min[1], ext.Max[0], ext.Max[1], l.Name)
		return err
	}
	return nil
}

// srsOrganization names who defines a zone's code: EPSG, or this service
// for a custom zone with no EPSG code (spatial/crs/custom_zones.csv).
func srsOrganization(z crs.Zone) string {
	if z.Custom() {
		return "CADASTRE"
	}
	return "EPSG"
}
