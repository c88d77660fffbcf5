package gpkg

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"modernc.org/sqlite"
)

// The GeoPackage RTree Spatial Index extension (GeoPackage 1.3 Annex F.3):
// a SQLite rtree virtual table per geometry column, kept current by
// triggers that call the ST_* functions of the GeoPackage SQL API. GDAL and
// QGIS register those functions themselves; this package registers them
// with the modernc driver so that its own writes fire the same triggers.

const (
	rtreeExtension  = "gpkg_rtree_index"
	rtreeDefinition = "http://www.geopackage.org/spec120/#extension_rtree"
)

// rtreeTriggers are the six triggers of GeoPackage 1.3 Annex F.3, with
// <t> the table, <c> the geometry column and <i> the primary key.
var rtreeTriggers = []string{
	`CREATE TRIGGER "rtree_<t>_<c>_insert" AFTER INSERT ON "<t>"
WHEN (new."<c>" NOT NULL AND NOT ST_IsEmpty(NEW."<c>"))
BEGIN
  INSERT OR REPLACE INTO "rtree_<t>_<c>" VALUES (
    NEW."<i>",
    ST_MinX(NEW."<c>"), ST_MaxX(NEW."<c>"),
    ST_MinY(NEW."<c>"), ST_MaxY(NEW."<c>")
  );
END`,
	`CREATE TRIGGER "rtree_<t>_<c>_update1" AFTER UPDATE OF "<c>" ON "<t>"
WHEN OLD."<i>" = NEW."<i>" AND
     (NEW."<c>" NOTNULL AND NOT ST_IsEmpty(NEW."<c>"))
BEGIN
  INSERT OR REPLACE INTO "rtree_<t>_<c>" VALUES (
    NEW."<i>",
    ST_MinX(NEW."<c>"), ST_MaxX(NEW."<c>"),
    ST_MinY(NEW."<c>"), ST_MaxY(NEW."<c>")
  );
END`,
	`CREATE TRIGGER "rtree_<t>_<c>_update2" AFTER UPDATE OF "<c>" ON "<t>"
WHEN OLD."<i>" = NEW."<i>" AND
     (NEW."<c>" ISNULL OR ST_IsEmpty(NEW."<c>"))
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id = OLD."<i>";
END`,
	`CREATE TRIGGER "rtree_<t>_<c>_update3" AFTER UPDATE ON "<t>"
WHEN OLD."<i>" != NEW."<i>" AND
     (NEW."<c>" NOTNULL AND NOT ST_IsEmpty(NEW."<c>"))
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id = OLD."<i>";
  INSERT OR REPLACE INTO "rtree_<t>_<c>" VALUES (
    NEW."<i>",
    ST_MinX(NEW."<c>"), ST_MaxX(NEW."<c>"),
    ST_MinY(NEW."<c>"), ST_MaxY(NEW."<c>")
  );
END`,
	`CREATE TRIGGER "rtree_<t>_<c>_update4" AFTER UPDATE ON "<t>"
WHEN OLD."<i>" != NEW."<i>" AND
     (NEW."<c>" ISNULL OR ST_IsEmpty(NEW."<c>"))
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id IN (OLD."<i>", NEW."<i>");
END`,
	`CREATE TRIGGER "rtree_<t>_<c>_delete" AFTER DELETE ON "<t>"
WHEN old."<c>" NOT NULL
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id = OLD."<i>";
END`,
}

// createRTree adds the spatial index of table.column (primary key fid),
// its triggers and its gpkg_extensions row. The table must be empty.
func createRTree(ctx context.Context, tx *sql.Tx, table, column string) error {
	r := strings.NewReplacer("<t>", table, "<c>", column, "<i>", "fid")
	stmts := []string{r.Replace(`CREATE VIRTUAL TABLE "rtree_<t>_<c>" USING rtree(id, minx, maxx, miny, maxy)`)}
	for _, t := range rtreeTriggers {
		stmts = append(stmts, r.Replace(t))
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("creating the rtree index of %s: %w", table, err)
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
VALUES (?, ?, ?, ?, 'write-only')`, table, column, rtreeExtension, rtreeDefinition)
	return err
}

// registerFunctions registers, once per process, the ST_* functions the
// rtree triggers call, for every connection the "sqlite" driver opens.
var registerFunctions = sync.OnceValue(func() error {
	coords := map[string]func(orb.Bound) float64{
		"ST_MinX": func(b orb.Bound) float64 { return b.Min[0] },
		"ST_MaxX": func(b orb.Bound) float64 { return b.Max[0] },
		"ST_MinY": func(b orb.Bound) float64 { return b.Min[1] },
		"ST_MaxY": func(b orb.Bound) float64 { return b.Max[1] },
	}
	for name, pick := range coords {
		if err := sqlite.RegisterDeterministicScalarFunction(name, 1, boundFunc(pick)); err != nil {
			return err
		}
	}
	return sqlite.RegisterDeterministicScalarFunction("ST_IsEmpty", 1, stIsEmpty)
})

// boundFunc returns an SQL function that yields one coordinate of the
// geometry's bound, or NULL for a NULL or empty geometry.
func boundFunc(pick func(orb.Bound) float64) func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
	return func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		blob, ok := args[0].([]byte)
		if !ok {
			return nil, nil
		}
		b, nonEmpty, err := blobBound(blob)
		if err != nil || !nonEmpty {
			return nil, err
		}
		return pick(b), nil
	}
}

func stIsEmpty(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	blob, ok := args[0].([]byte)
	if !ok {
		return nil, nil
	}
	_, nonEmpty, err := blobBound(blob)
	if err != nil {
		return nil, err
	}
	if nonEmpty {
		return int64(0), nil
	}
	return int64(1), nil
}
