package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cadastre/spatial"
)

func TestPostGISTranslateErrors(t *testing.T) {
	sqlText := `duplicate key value violates unique constraint "plots_current_key"`
	invalid := spatial.Invalid("batch rejected", []spatial.Problem{{Index: 0, Reason: "bad"}})
	cases := []struct {
		name string
		err  error
		want spatial.Kind
	}{
		{"no rows", fmt.Errorf("scan: %w", pgx.ErrNoRows), spatial.KindNotFound},
		{"unique violation", &pgconn.PgError{Code: "23505", Message: sqlText}, spatial.KindConflict},
		{"serialization failure", &pgconn.PgError{Code: "40001"}, spatial.KindConflict},
		{"check violation", &pgconn.PgError{Code: "23514", ConstraintName: "plots_geom_valid"}, spatial.KindInvalid},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, spatial.KindUnavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, spatial.KindUnavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, spatial.KindUnavailable},
		{"deadline", context.DeadlineExceeded, spatial.KindUnavailable},
		{"syntax error", &pgconn.PgError{Code: "42601", Message: "syntax error at or near SELECT"}, spatial.KindInternal},
		{"other", errors.New("boom"), spatial.KindInternal},
		{"domain error passes", invalid, spatial.KindInvalid},
	}
	for _, c := range cases {
		err := translate(c.err, "write batch")
		var se *spatial.Error
		if !errors.As(err, &se) || se.Kind != c.want {
			t.Errorf("%s: got %v (kind %v), want kind %v", c.name, err, spatial.KindOf(err), c.want)
			continue
		}
		if !errors.Is(err, c.err) && err != error(invalid) {
			t.Errorf("%s: cause lost: %v", c.name, err)
		}
		if strings.Contains(se.Message, "constraint") || strings.Contains(se.Message, "SELECT") {
			t.Errorf("%s: message leaks SQL: %q", c.name, se.Message)
		}
	}
	if translate(nil, "x") != nil {
		t.Errorf("translate(nil): got non-nil")
	}
	if err := translate(invalid, "x"); err != error(invalid) {
		t.Errorf("a *spatial.Error must pass unchanged: got %v", err)
	}
}
