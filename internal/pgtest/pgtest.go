// Package pgtest gives tests a throwaway PostgreSQL database with PostGIS.
//
// Each call to New creates a fresh database on the server named by
// CADASTRE_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres),
// enables PostGIS in it and drops it when the test ends. When no server or no
// PostGIS extension is found the test is skipped with a loud message, unless
// CADASTRE_REQUIRE_POSTGIS is set (CI sets it), in which case it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvServer names the variable holding the admin connection URL.
const EnvServer = "CADASTRE_TEST_PG"

// EnvRequire names the variable that turns a missing PostGIS into a failure.
const EnvRequire = "CADASTRE_REQUIRE_POSTGIS"

// DefaultServer is the admin URL used when EnvServer is unset.
const DefaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Required reports whether PostGIS tests must run (not skip).
func Required() bool { return os.Getenv(EnvRequire) != "" }

// ServerURL returns the admin connection URL.
func ServerURL() string {
	if u := os.Getenv(EnvServer); u != "" {
		return u
	}
	return DefaultServer
}

// unavailable skips or fails the test, depending on Required.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		tb.Fatalf("PostGIS required (%s set) but not usable: %s", EnvRequire, msg)
	}
	tb.Skipf("*** PostGIS not found: skipped (%s). Install postgresql-15-postgis-3 and set %s=1 to require it.", msg, EnvRequire)
}

// New creates a throwaway database with the postgis extension and returns
// its connection URL. The database is dropped in tb.Cleanup.
func New(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		unavailable(tb, "connect %s: %v", ServerURL(), err)
	}
	defer admin.Close(context.Background())

	var n int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'`).Scan(&n); err != nil || n == 0 {
		unavailable(tb, "extension postgis is not installed on the server (err=%v)", err)
	}

	buf := make([]byte, 6)
	if _, err := rand.Read(buf); err != nil {
		tb.Fatal(err)
	}
	name := "cadastre_test_" + hex.EncodeToString(buf)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	u, err := url.Parse(ServerURL())
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	dbURL := u.String()
	tb.Cleanup(func() { drop(tb, name) })

	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatalf("connect %s: %v", name, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		unavailable(tb, "CREATE EXTENSION postgis: %v", err)
	}
	return dbURL
}

// Pool is New plus an open pgxpool closed in tb.Cleanup.
func Pool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	dbURL := New(tb)
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

func drop(tb testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		tb.Logf("drop %s: %v", name, err)
		return
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		tb.Logf("drop %s: %v", name, err)
	}
}
