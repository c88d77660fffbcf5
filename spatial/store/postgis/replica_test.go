package postgis

import (
	"context"
	"strings"
	"testing"
	"time"

	"cadastre/internal/pgtest"
	"cadastre/migrations"
)

// TestPostGISOpenReplicaWaitsForSchema: OpenReplica migrates nothing; on a
// database without the schema it waits and then says which migrations
// are missing; once the schema is there (as a replica replays it) it
// opens and reads.
func TestPostGISOpenReplicaWaitsForSchema(t *testing.T) {
	url := pgtest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := OpenReplica(ctx, url); err == nil || !strings.Contains(err.Error(), "lacks migrations [0001_vn2000_srids.sql") {
		t.Fatalf("OpenReplica on an empty database: %v, want an error naming the missing migrations", err)
	}
	pool := pgtest.Pool(t)
	if missing, err := migrations.Missing(context.Background(), pool); err != nil || len(missing) == 0 {
		t.Fatalf("Missing on an empty database: %v %v", missing, err)
	}
	if err := migrations.Apply(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	if missing, err := migrations.Missing(context.Background(), pool); err != nil || len(missing) != 0 {
		t.Fatalf("Missing after Apply: %v %v", missing, err)
	}
	s, err := OpenReplica(context.Background(), pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if seq, err := s.LatestSeq(context.Background()); err != nil || seq != 0 {
		t.Fatalf("LatestSeq through OpenReplica: %d %v", seq, err)
	}
}
