package gpkg

import (
	"context"
	"database/sql"
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"cadastre/spatial"
)

// storeError turns a driver error into a *spatial.Error whose Message is
// msg (safe for clients) and whose cause keeps the driver text for logs.
// Errors that already are *spatial.Error pass through unchanged.
func storeError(ctx context.Context, err error, msg string) error {
	if err == nil {
		return nil
	}
	var se *spatial.Error
	if errors.As(err, &se) {
		return err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return spatial.Wrap(spatial.KindUnavailable, errors.Join(ctxErr, err), msg+": request cancelled or timed out")
	}
	if errors.Is(err, sql.ErrNoRows) {
		return spatial.Wrap(spatial.KindNotFound, err, msg+": not found")
	}
	var le *sqlite.Error
	if errors.As(err, &le) {
		switch code := le.Code(); {
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return spatial.Wrap(spatial.KindConflict, err, msg+": conflicts with stored data")
		case code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED:
			return spatial.Wrap(spatial.KindUnavailable, err, msg+": the GeoPackage file is busy")
		case code&0xff == sqlite3.SQLITE_READONLY || code&0xff == sqlite3.SQLITE_CANTOPEN ||
			code&0xff == sqlite3.SQLITE_FULL || code&0xff == sqlite3.SQLITE_IOERR:
			return spatial.Wrap(spatial.KindUnavailable, err, msg+": the GeoPackage file cannot be written")
		}
	}
	return spatial.Wrap(spatial.KindInternal, err, msg)
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// constraint failure.
func isUniqueViolation(err error) bool {
	var le *sqlite.Error
	if !errors.As(err, &le) {
		return false
	}
	return le.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || le.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
