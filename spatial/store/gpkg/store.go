// Package gpkg is the embedded store: one GeoPackage 1.3 file (SQLite,
// through the pure-Go modernc.org/sqlite driver) that QGIS, ogrinfo and
// ogr2ogr open directly.
//
// Layout, per VN-2000 TM-3 zone in use (tables created when a batch first
// writes into the zone, each in the zone's own SRS):
//
//	plots_<epsg>          current plots (MULTIPOLYGON, rtree-indexed)
//	plot_versions_<epsg>  every version of every plot, current and retired
//	sheets_<epsg>         current map sheet frames (POLYGON, rtree-indexed)
//	sheet_versions_<epsg> every version of every sheet
//
// plus the attributes tables admin_units, changes (one row per write
// transaction) and tokens (API tokens, hashes only). Versions are never
// overwritten or deleted: a change closes the old history row (valid_to)
// and replaces the current row.
//
// A write is one SQLite transaction (Begin), which a large file feeds in
// chunks; nothing is visible or stored before Commit, and a crash loses
// the whole transaction, never part of it. The file is a change feed
// (feed.go): a server holding it sees what another process commits.
package gpkg

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"cadastre/spatial"
)

var _ spatial.Store = (*Store)(nil)

// Store is a spatial.Store kept in one GeoPackage file. It is safe for
// concurrent use; writers take turns on the file's write lock.
type Store struct {
	db   *sql.DB
	path string
}

// connParams apply to every pooled connection: WAL so that readers never
// wait for a writer, a busy timeout so that writers wait for each other
// instead of failing, and BEGIN IMMEDIATE for read-write transactions so
// that a write takes the lock before it reads what it will change.
// synchronous(FULL) syncs the write-ahead log in every COMMIT, so that a
// commit that returns is on disk and a failing sync fails the commit
// (with NORMAL the log is synced at the next checkpoint, whose error
// nobody hears: `cadastre ingest` could say "stored" for data a power cut
// then loses). A write is one transaction, so this is one sync a write.
// temp_store(MEMORY) keeps the statement journals that the rtree triggers
// need in memory instead of a temporary file (it halved the write time of
// BenchmarkGPKGWrite); a 32 MB page cache holds the indexes of a commune.
const connParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
	"&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)&_txlock=immediate"

// Open opens the GeoPackage at path, creating it (and its directory) when
// missing. A SQLite file that is not a GeoPackage is refused.
func Open(ctx context.Context, path string) (*Store, error) {
	const msg = "gpkg: cannot open the GeoPackage file"
	if err := registerFunctions(); err != nil {
		return nil, spatial.Wrap(spatial.KindInternal, err, msg)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, spatial.Wrap(spatial.KindInvalid, err, msg+": bad path")
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, spatial.Wrap(spatial.KindUnavailable, err, msg+": cannot create its directory")
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: connParams}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, spatial.Wrap(spatial.KindInternal, err, msg)
	}
	if err := initSchema(ctx, db); err != nil {
		db.Close()
		return nil, storeError(ctx, err, msg)
	}
	// GDAL and QGIS read application_id from the file header itself, not
	// through SQLite: fold the schema out of the write-ahead log now, so the
	// file is a recognisable GeoPackage while the service keeps it open.
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		db.Close()
		return nil, storeError(ctx, err, msg)
	}
	return &Store{db: db, path: abs}, nil
}

// Path returns the absolute path of the GeoPackage file.
func (s *Store) Path() string { return s.path }

// Ping checks that the file answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	return storeError(ctx, err, "gpkg: the GeoPackage file does not answer")
}

// Close closes the file; the last connection to close checkpoints the
// write-ahead log into it.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return spatial.Wrap(spatial.KindInternal, err, "gpkg: closing the GeoPackage file failed")
	}
	return nil
}
