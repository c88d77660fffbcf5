package main

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// failCommits makes every later write transaction of the store fail at
// COMMIT, as a full disk does, after every statement of it succeeded:
// PostGIS through a deferred constraint trigger raising disk_full
// (SQLSTATE 53100), a GeoPackage through a deferred foreign key that a
// trigger on the changes log breaks.
var failCommits = map[string]func(t *testing.T, flags []string){
	"GPKG": func(t *testing.T, flags []string) {
		db, err := sql.Open("sqlite", "file:"+flags[1]+"?_pragma=foreign_keys(1)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range []string{
			`CREATE TABLE commit_target (id INTEGER PRIMARY KEY)`,
			`CREATE TABLE commit_fails (target INTEGER REFERENCES commit_target(id) DEFERRABLE INITIALLY DEFERRED)`,
			`CREATE TRIGGER commit_fails AFTER INSERT ON changes BEGIN INSERT INTO commit_fails VALUES (1); END`,
		} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
	},
	"PostGIS": func(t *testing.T, flags []string) {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, flags[1])
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$;
CREATE CONSTRAINT TRIGGER disk_full AFTER INSERT ON changes DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION disk_full()`); err != nil {
			t.Fatal(err)
		}
	},
}

// An ingest whose commit fails says so and not "stored" (before, the
// report of a commit that failed had no problems and ended "(stored)"),
// exits with the error, and stores nothing.
func TestIngestCommitFailureIsNotReportedStored(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			flags := k.flag(t)
			if _, err := run(t, append([]string{"ingest"}, append(flags, sampleFiles[0])...)...); err != nil {
				t.Fatal(err) // the units: the store's tables exist
			}
			failCommits[k.name](t, flags)
			out, err := run(t, append([]string{"ingest"}, append(flags, sampleFiles[1:]...)...)...)
			if err == nil || strings.Contains(out, "(stored)") || !strings.Contains(out, "FAILED, not stored") {
				t.Fatalf("ingest with a failing commit: err %v, output:\n%s\nwant an error and FAILED, not stored", err, out)
			}
			s := k.open(t, flags)
			defer s.Close()
			if n := len(allPlots(t, s)); n != 0 {
				t.Errorf("after the failed commit the store holds %d plots", n)
			}
		})
	}
}
