// Package postgis is the PostgreSQL + PostGIS implementation of
// spatial.Store, the system of record of a province.
//
// Every write is one transaction that appends versions (migrations/0002
// describes the tables); reads return current versions or whole histories.
// Geometries live in the VN-2000 plane of their zone, with a WGS 84 copy
// computed by cadastre/spatial/crs.
//
// Beyond spatial.Store it is a spatial.Writer (a write fed in chunks, for
// files of any size: tx.go), a spatial.ChangeFeed (every write has a change
// seq announced with NOTIFY, so that instances sharing the database stay in
// step: feed.go) and spatial.Tokens (token.go).
package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"cadastre/migrations"
	"cadastre/spatial"
)

var _ spatial.Store = (*Store)(nil)

// Store is a spatial.Store on a PostGIS database. It is safe for concurrent
// use.
type Store struct {
	pool    *pgxpool.Pool
	ownPool bool // Close closes the pool only when Open made it
	// writing is held by the write transaction of this instance (tx.go).
	// Writers queue on it before they take a connection, so that writers
	// waiting for a long ingest do not take every connection of the pool
	// from the readers; at most one waits on the database's write lock.
	writing chan struct{}
}

// Open connects to databaseURL (a postgres:// URL or key=value DSN), applies
// the schema migrations and returns the store. Close releases the pool.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		// The URL may carry a password: keep it out of the message.
		return nil, translate(err, "open database")
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, translate(err, "connect to database")
	}
	var standby bool
	if err := pool.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&standby); err != nil {
		pool.Close()
		return nil, translate(err, "connect to database")
	}
	if standby {
		pool.Close()
		return nil, spatial.Errorf(spatial.KindInvalid,
			"open database: it is a streaming replica (read-only, in recovery): read from it with a separate write URL to its primary")
	}
	if err := migrations.Apply(ctx, pool); err != nil {
		pool.Close()
		return nil, translate(err, "migrate database")
	}
	return &Store{pool: pool, ownPool: true, writing: make(chan struct{}, 1)}, nil
}

// OpenReplica connects to databaseURL for reading only: a streaming
// replica of the primary that the writes and migrations go to (or the
// primary itself). It applies no migrations; it waits, until ctx ends,
// for the schema to hold every migration of this binary, since a replica
// may replay the primary's migration a moment after it was applied.
// Reads and the change feed work as on the primary (Subscribe polls on a
// replica); a write fails in the database.
func OpenReplica(ctx context.Context, databaseURL string) (*Store, error) {
	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		return nil, translate(err, "open database")
	}
	for {
		missing, err := migrations.Missing(ctx, pool)
		if err == nil && len(missing) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			pool.Close()
			if err != nil {
				return nil, translate(err, "read the replica's schema")
			}
			return nil, spatial.Wrap(spatial.KindUnavailable, ctx.Err(), fmt.Sprintf("the read database lacks migrations %v: migrate its primary", missing))
		case <-time.After(100 * time.Millisecond):
		}
	}
	return &Store{pool: pool, ownPool: true, writing: make(chan struct{}, 1)}, nil
}

// New returns a store on an open pool whose database is already migrated
// (migrations.Apply). The caller keeps ownership: Close leaves the pool open.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool, writing: make(chan struct{}, 1)} }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return translate(s.pool.Ping(ctx), "ping database")
}

// Close closes the pool if Open made it.
func (s *Store) Close() error {
	if s.ownPool {
		s.pool.Close()
	}
	return nil
}
