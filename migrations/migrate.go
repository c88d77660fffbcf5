// Package migrations holds the PostGIS schema of the cadastre as SQL files
// embedded in the binary, and applies them.
//
// Files are applied in name order, each once, and recorded in the
// schema_migrations table. A file is never edited after release; a change
// is a new file.
package migrations

//go:generate go run gen_srids.go

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"cadastre/spatial/crs"
)

// FS holds the migration files, named NNNN_what.sql.
//
//go:embed *.sql
var FS embed.FS

// lockKey is the pg_advisory_xact_lock key that serialises Apply across
// service instances starting together ("cadastre.migrations" as a number).
const lockKey int64 = 0x63616461_6d696772

const createTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	name       text PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// Apply applies every migration of FS not yet recorded in
// schema_migrations, in name order, in one transaction under an advisory
// lock: two instances starting together do not race, and a failing file
// leaves the database as it was. Applying twice is a no-op.
func Apply(ctx context.Context, pool *pgxpool.Pool) error {
	names, err := fs.Glob(FS, "*.sql")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Lock before creating schema_migrations: two concurrent CREATE TABLE
		// IF NOT EXISTS can still collide on the catalog's unique index.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey); err != nil {
			return fmt.Errorf("migrations: lock: %w", err)
		}
		if _, err := tx.Exec(ctx, createTable); err != nil {
			return fmt.Errorf("migrations: create schema_migrations: %w", err)
		}
		done, err := applied(ctx, tx)
		if err != nil {
			return err
		}
		for _, name := range names {
			if done[name] {
				continue
			}
			if err := applyFile(ctx, tx, name); err != nil {
				return err
			}
		}
		return registerZones(ctx, tx, crs.Zones())
	})
}

// RegisterZones adds to spatial_ref_sys the custom VN-2000 TM-3 zones
// among zones (crs.CustomZone, spatial/crs/custom_zones.csv: those with no
// EPSG code), under auth_name 'CADASTRE'; rows already there are kept.
// Apply calls it with the zones of spatial/crs on every start, so a zone
// added to the data needs no new migration file.
func RegisterZones(ctx context.Context, pool *pgxpool.Pool, zones []crs.Zone) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return registerZones(ctx, tx, zones) })
}

func registerZones(ctx context.Context, tx pgx.Tx, zones []crs.Zone) error {
	for _, z := range zones {
		if !z.Custom() {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text)
			VALUES ($1, 'CADASTRE', $1, $2, $3) ON CONFLICT (srid) DO NOTHING`, z.EPSG, z.WKT(), z.Proj4()); err != nil {
			return fmt.Errorf("migrations: register custom zone %d: %w", z.EPSG, err)
		}
	}
	return nil
}

// applied returns the names recorded in schema_migrations.
func applied(ctx context.Context, tx pgx.Tx) (map[string]bool, error) {
	rows, err := tx.Query(ctx, "SELECT name FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: read schema_migrations: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("migrations: read schema_migrations: %w", err)
	}
	done := make(map[string]bool, len(names))
	for _, n := range names {
		done[n] = true
	}
	return done, nil
}

// applyFile runs one file (several statements: pgx sends an Exec without
// arguments through the simple protocol) and records it.
func applyFile(ctx context.Context, tx pgx.Tx, name string) error {
	body, err := FS.ReadFile(name)
	if err != nil {
		return fmt.Errorf("migrations: %s: %w", name, err)
	}
	if _, err := tx.Exec(ctx, string(body)); err != nil {
		return fmt.Errorf("migrations: %s: %w", name, err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (name) VALUES ($1)", name); err != nil {
		return fmt.Errorf("migrations: record %s: %w", name, err)
	}
	return nil
}

// Missing returns the migrations of FS that the database has not recorded
// (all of them when it has no schema_migrations table), without changing
// anything: a read-only replica is checked this way.
func Missing(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}) ([]string, error) {
	names, err := fs.Glob(FS, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	rows, err := q.Query(ctx, "SELECT name FROM schema_migrations")
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
			return names, nil
		}
		return nil, fmt.Errorf("migrations: read schema_migrations: %w", err)
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" {
			return names, nil
		}
		return nil, fmt.Errorf("migrations: read schema_migrations: %w", err)
	}
	done := make(map[string]bool, len(have))
	for _, n := range have {
		done[n] = true
	}
	var missing []string
	for _, n := range names {
		if !done[n] {
			missing = append(missing, n)
		}
	}
	return missing, nil
}
