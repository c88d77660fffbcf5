package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"cadastre/internal/pgtest"
)

// TestPostGISServeFromReplica: a primary and a streaming replica of its
// own (initdb, pg_basebackup); serve reads from the replica and writes to
// the primary. A change written to the primary by another process reaches
// the instance's read model within 2 s; while the replica's replay is
// paused it does not (the read model follows the replica, not the
// primary), and after the replay resumes it does; the instance's own
// ingest goes to the primary and is answered at once.
func TestPostGISServeFromReplica(t *testing.T) {
	pair := pgtest.Replicated(t)
	ctx := context.Background()

	// The replica alone cannot be the store: it is read-only.
	if _, err := run(t, "migrate", "--database-url", pair.ReplicaURL); err == nil || !strings.Contains(err.Error(), "streaming replica") {
		t.Fatalf("migrate on the replica: %v, want a refusal naming the streaming replica", err)
	}
	flags := []string{"--database-url", pair.ReplicaURL, "--write-database-url", pair.PrimaryURL}
	token, err := run(t, append([]string{"token", "create", "--role", "admin", "--name", "replica"}, flags...)...)
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	base, stop, logs := startServe(t, flags...) // loads the sample into the primary
	defer func() {
		stop()
		if t.Failed() {
			t.Logf("serve:\n%s", logs)
		}
	}()
	p, file := remeasured(t)
	took := waitVersion(t, base, p, 1, 10*time.Second)
	t.Logf("the sample written to the primary at start reached the read model after %v", took)

	// Another process writes through the primary.
	if out, err := run(t, "ingest", "--database-url", pair.PrimaryURL, file(0.5)); err != nil {
		t.Fatalf("ingest into the primary: %v\n%s", err, out)
	}
	took = waitVersion(t, base, p, 2, 2*time.Second)
	t.Logf("a write to the primary reached the replica's read model after %v", took)

	replica, err := pgx.Connect(ctx, pair.ReplicaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close(ctx)
	if _, err := replica.Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "ingest", "--database-url", pair.PrimaryURL, file(0.7)); err != nil {
		t.Fatalf("ingest into the primary: %v\n%s", err, out)
	}
	time.Sleep(time.Second)
	if v := lookupVersion(t, base, p); v != 2 {
		t.Fatalf("with the replica's replay paused the read model shows version %d, want 2: it does not read the replica", v)
	}
	if _, err := replica.Exec(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	took = waitVersion(t, base, p, 3, 2*time.Second)
	t.Logf("after the replay resumed the change arrived after %v", took)

	// The instance's own write goes to the primary and is answered at once.
	postFile(t, base, token, file(0.9), "", http.StatusOK)
	if v := lookupVersion(t, base, p); v != 4 {
		t.Fatalf("right after its own write the instance shows version %d, want 4", v)
	}
	primary, err := pgx.Connect(ctx, pair.PrimaryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close(ctx)
	var v int
	err = primary.QueryRow(ctx, `SELECT version FROM plots WHERE unit = $1 AND sheet = $2 AND plot = $3 AND valid_to IS NULL`,
		p.Key.Unit, p.Key.Sheet, p.Key.Plot).Scan(&v)
	if err != nil || v != 4 {
		t.Fatalf("the primary holds version %d (%v), want 4", v, err)
	}
	if !strings.Contains(logs.String(), "from the replica") {
		t.Errorf("the log does not say the read model comes from the replica")
	}
}
