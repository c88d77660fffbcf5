package postgis

import (
	"context"
	"errors"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cadastre/spatial"
)

// translate maps a driver error to a *spatial.Error whose Message is safe
// for clients (what failed, never SQL or driver text); the driver error is
// kept as the cause for logs. A *spatial.Error passes through unchanged.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var se *spatial.Error
	if errors.As(err, &se) {
		return err
	}
	return spatial.Wrap(kindOf(err), err, what+": "+messages[kindOf(err)])
}

var messages = map[spatial.Kind]string{
	spatial.KindInternal:    "internal store error",
	spatial.KindInvalid:     "the database refused the data",
	spatial.KindNotFound:    "not found",
	spatial.KindConflict:    "conflicts with a concurrent change; retry",
	spatial.KindUnavailable: "database unavailable",
}

// kindOf classifies a driver error.
func kindOf(err error) spatial.Kind {
	if errors.Is(err, pgx.ErrNoRows) {
		return spatial.KindNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErrorKind(pgErr)
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return spatial.KindUnavailable
	case errors.As(err, &connErr), errors.As(err, &netErr), pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return spatial.KindUnavailable
	}
	return spatial.KindInternal
}

// pgErrorKind classifies a server error by SQLSTATE
// (https://www.postgresql.org/docs/15/errcodes-appendix.html).
func pgErrorKind(e *pgconn.PgError) spatial.Kind {
	switch e.Code {
	case "23505", "40001", "40P01": // unique_violation, serialization_failure, deadlock_detected
		return spatial.KindConflict
	case "23514", "23502", "22P02": // check_violation, not_null_violation, invalid_text_representation
		return spatial.KindInvalid
	case "57P01", "57P02", "57P03", "57014": // shutdown, cannot connect now, query_canceled
		return spatial.KindUnavailable
	}
	if len(e.Code) == 5 && (e.Code[:2] == "08" || e.Code[:2] == "53") { // connection exception, insufficient resources
		return spatial.KindUnavailable
	}
	return spatial.KindInternal
}
