package migrations

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"cadastre/internal/pgtest"
)

// TestPostGISOffGridMigration: migration 0008 turns the sheet frames of a
// database with data into one-part multipolygons with the same points,
// marks them on the grid, and from then on refuses an empty grid number
// on a grid sheet and an invalid frame (issue 13).
func TestPostGISOffGridMigration(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const target = "0008_off_grid_sheets.sql"
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, createTable); err != nil {
			return err
		}
		names, _ := FS.ReadDir(".")
		for _, n := range names {
			if n.Name() >= target {
				break
			}
			if err := applyFile(ctx, tx, n.Name()); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO changes (seq, at, changed_by, reason) VALUES (1, now(), 't', 'before 0008');
INSERT INTO sheets (unit, number, version, grid_number, scale, epsg, frame, frame_4326, valid_from, changed_by, reason, change_seq)
VALUES ('90001', 1, 1, '192 600-1', 2000, 9210,
	ST_GeomFromText('POLYGON((600000 1191000,601000 1191000,601000 1192000,600000 1192000,600000 1191000))', 9210),
	ST_GeomFromText('POLYGON((106.66 10.77,106.67 10.77,106.67 10.78,106.66 10.78,106.66 10.77))', 4326), now(), 't', 'before 0008', 1)`)
		return err
	})
	if err != nil {
		t.Fatalf("schema before 0008 with a sheet: %v", err)
	}
	if err := Apply(ctx, pool); err != nil {
		t.Fatalf("Apply 0008 on data: %v", err)
	}
	var typ string
	var same, offGrid bool
	err = pool.QueryRow(ctx, `SELECT GeometryType(frame), ST_Equals(frame, ST_GeomFromText('POLYGON((600000 1191000,601000 1191000,601000 1192000,600000 1192000,600000 1191000))', 9210)), off_grid
		FROM sheets WHERE unit = '90001' AND number = 1`).Scan(&typ, &same, &offGrid)
	if err != nil || typ != "MULTIPOLYGON" || !same || offGrid {
		t.Errorf("sheet after 0008: %s, same points %v, off-grid %v (%v); want a MULTIPOLYGON with the same points, on the grid", typ, same, offGrid, err)
	}
	for constraint, q := range map[string]string{
		"sheets_grid_number": `INSERT INTO sheets (unit, number, version, grid_number, scale, epsg, frame, frame_4326, valid_from, changed_by, reason, change_seq)
			SELECT unit, 2, 1, '', scale, epsg, frame, frame_4326, valid_from, changed_by, reason, change_seq FROM sheets WHERE number = 1`,
		"sheets_frame_valid": `INSERT INTO sheets (unit, number, version, grid_number, scale, epsg, frame, frame_4326, valid_from, changed_by, reason, change_seq, off_grid)
			SELECT unit, 3, 1, '', scale, epsg, ST_Multi(ST_GeomFromText('POLYGON((0 0,10 10,10 0,0 10,0 0))', 9210)), frame_4326, valid_from, changed_by, reason, change_seq, true FROM sheets WHERE number = 1`,
	} {
		if _, err := pool.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), constraint) {
			t.Errorf("insert against %s: got %v, want that check violated", constraint, err)
		}
	}
}
