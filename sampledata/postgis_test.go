package sampledata

import (
	"context"
	"math"
	"testing"

	"github.com/paulmach/orb/encoding/wkb"

	"cadastre/internal/pgtest"
	"cadastre/spatial"
)

// TestPostGISTessellation uses PostGIS as the oracle: per sheet, the union
// of the plots is the frame (same area, nothing left over), its area equals
// the sum of the plot areas (no overlaps), and every plot is valid.
func TestPostGISTessellation(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	b := big(t)
	geoms, sheetIdx, frames, frameIdx := wkbArrays(t, b)
	rows, err := pool.Query(ctx, `
		WITH p AS (SELECT s, ST_GeomFromWKB(g) AS g FROM unnest($1::bytea[], $2::int[]) AS t(g, s)),
		     f AS (SELECT s, ST_GeomFromWKB(g) AS g FROM unnest($3::bytea[], $4::int[]) AS t(g, s)),
		     agg AS (SELECT s, ST_Union(g) AS u, sum(ST_Area(g)) AS total, bool_and(ST_IsValid(g)) AS valid,
		                    count(*) AS n, string_agg(CASE WHEN NOT ST_IsValid(g) THEN ST_IsValidReason(g) END, '; ') AS why
		             FROM p GROUP BY s)
		SELECT agg.s, ST_Area(agg.u), agg.total, ST_Area(f.g), ST_Area(ST_SymDifference(agg.u, f.g)),
		       agg.valid, coalesce(agg.why, ''), agg.n
		FROM agg JOIN f USING (s) ORDER BY agg.s`, geoms, sheetIdx, frames, frameIdx)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	sheets := 0
	for rows.Next() {
		var s int32
		var union, total, frame, diff float64
		var valid bool
		var why string
		var n int64
		if err := rows.Scan(&s, &union, &total, &frame, &diff, &valid, &why, &n); err != nil {
			t.Fatal(err)
		}
		sheets++
		key := b.Sheets[s].Key
		if !valid {
			t.Errorf("sheet %v: invalid plots: %s", key, why)
		}
		if math.Abs(union-frame) > 1e-3 || math.Abs(total-frame) > 1e-3 || diff > 1e-3 {
			t.Errorf("sheet %v (%d plots): ST_Area(ST_Union) %.4f, sum of ST_Area %.4f, frame %.4f, symmetric difference %.6f m²",
				key, n, union, total, frame, diff)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if sheets != len(b.Sheets) {
		t.Errorf("PostGIS saw %d sheets, want %d", sheets, len(b.Sheets))
	}
}

// wkbArrays encodes the plots and the frames of a batch as WKB, each with
// the index of its sheet, for unnest.
func wkbArrays(t *testing.T, b *spatial.Batch) (geoms [][]byte, sheetIdx []int32, frames [][]byte, frameIdx []int32) {
	t.Helper()
	index := map[spatial.SheetKey]int32{}
	for i, s := range b.Sheets {
		index[s.Key] = int32(i)
		f, err := wkb.Marshal(s.Frame)
		if err != nil {
			t.Fatal(err)
		}
		frames, frameIdx = append(frames, f), append(frameIdx, int32(i))
	}
	for _, p := range b.Plots {
		g, err := wkb.Marshal(p.Geometry)
		if err != nil {
			t.Fatal(err)
		}
		geoms, sheetIdx = append(geoms, g), append(sheetIdx, index[p.Key.SheetKey()])
	}
	return geoms, sheetIdx, frames, frameIdx
}
