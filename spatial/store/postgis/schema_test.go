package postgis_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"cadastre/internal/pgtest"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/store/postgis"
	"cadastre/spatial/store/storetest"
)

// openWithPool returns a store and a second pool on the same fresh
// database, for checks in raw SQL.
func openWithPool(t *testing.T) (*postgis.Store, *pgxpool.Pool) {
	t.Helper()
	dbURL := pgtest.New(t)
	s, err := postgis.Open(ctx(t), dbURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	pool, err := pgxpool.New(ctx(t), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return s, pool
}

// farBatch has plots near and about 150 km east of the central meridian
// of EPSG:9210 and one in EPSG:5897, where a datum or series error shows.
func farBatch(t *testing.T) *spatial.Batch {
	b := &spatial.Batch{Units: storetest.Units(), Change: spatial.Change{By: "t", Reason: "accuracy"}}
	at := []struct {
		unit string
		epsg int
		e, n float64
	}{
		{storetest.UnitA, storetest.ZoneA, 600123.4, 1192345.6},
		{storetest.UnitA, storetest.ZoneA, 651234.5, 1193456.7},
		{storetest.UnitA, storetest.ZoneA, 349876.5, 1201234.5},
		{storetest.UnitC, storetest.ZoneC, 585432.1, 2330456.7},
	}
	for i, c := range at {
		sh := storetest.SheetAt(t, c.unit, i+1, c.epsg, c.e, c.n)
		f := sh.Frame.Bound()
		p := storetest.Square(c.unit, i+1, 1, c.epsg, f.Min[0]+12.345, f.Min[1]+23.456, 20.25)
		b.Sheets = append(b.Sheets, sh)
		b.Plots = append(b.Plots, p)
	}
	return b
}

// TestPostGISLonLatMatchesPROJ checks geom_4326 and frame_4326, computed in
// Go, against PROJ through ST_Transform with explicit proj strings (the
// EPSG:6960 +towgs84 of DOMAIN.md typed here, not read from crs).
func TestPostGISLonLatMatchesPROJ(t *testing.T) {
	s, pool := openWithPool(t)
	if _, err := s.Write(ctx(t), farBatch(t)); err != nil {
		t.Fatal(err)
	}
	const towgs84 = "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
	for _, epsg := range []int{storetest.ZoneA, storetest.ZoneC} {
		z, _ := crs.ZoneByEPSG(epsg)
		from := fmt.Sprintf("+proj=tmerc +lat_0=0 +lon_0=%v +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 %s +units=m +no_defs", z.CentralMeridian, towgs84)
		for _, c := range []struct{ table, plane, lonLat string }{{"plots", "geom", "geom_4326"}, {"sheets", "frame", "frame_4326"}} {
			var worst float64
			var n int
			err := pool.QueryRow(ctx(t), fmt.Sprintf(`SELECT coalesce(max(greatest(abs(ST_X(a.geom) - ST_X(b.geom)), abs(ST_Y(a.geom) - ST_Y(b.geom)))), 0), count(*)
				FROM %s t
				CROSS JOIN LATERAL ST_DumpPoints(t.%s) a
				JOIN LATERAL ST_DumpPoints(ST_Transform(t.%s, $1, '+proj=longlat +datum=WGS84 +no_defs')) b ON a.path = b.path
				WHERE t.epsg = $2`, c.table, c.lonLat, c.plane), from, epsg).Scan(&worst, &n)
			if err != nil {
				t.Fatalf("%s EPSG:%d: %v", c.table, epsg, err)
			}
			t.Logf("%s EPSG:%d: max %.2e deg over %d vertices", c.table, epsg, worst, n)
			if n == 0 || worst > 1e-7 {
				t.Errorf("%s.%s EPSG:%d: got max difference %.2e degrees over %d vertices, want <= 1e-7", c.table, c.lonLat, epsg, worst, n)
			}
		}
	}
}

// TestPostGISAreaMatchesSTArea checks the stored area (computed in Go and
// rounded to 0.1 m²) against PostGIS's ST_Area on the plane geometry.
func TestPostGISAreaMatchesSTArea(t *testing.T) {
	s, pool := openWithPool(t)
	b := farBatch(t)
	if _, err := s.Write(ctx(t), b); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx(t), "SELECT unit, sheet, plot, ST_Area(geom), area FROM plots")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int
	for rows.Next() {
		var k spatial.PlotKey
		var st, area float64
		if err := rows.Scan(&k.Unit, &k.Sheet, &k.Plot, &st, &area); err != nil {
			t.Fatal(err)
		}
		n++
		if math.Abs(st-area) > 0.05+1e-9 {
			t.Errorf("plot %s: ST_Area %.4f, stored area %.1f: differ by more than 0.05 m²", k, st, area)
		}
	}
	if err := rows.Err(); err != nil || n != len(b.Plots) {
		t.Fatalf("got %d plots (err %v), want %d", n, err, len(b.Plots))
	}
}

// insertPlotSQL inserts one plot version by hand, bypassing the store.
const insertPlotSQL = `WITH c AS (INSERT INTO changes (at, changed_by, reason) VALUES (now(), 'raw', 'raw') RETURNING seq)
INSERT INTO plots (unit, sheet, plot, version, commune, epsg, geom, geom_4326, land_use, legal_area, area,
	valid_from, changed_by, reason, change_seq)
SELECT '90001', 7, $1, 1, '90002', $2, ST_GeomFromText($3, $4), ST_Transform(ST_GeomFromText($3, $4), 4326),
	'{ONT}', 0, 100, now(), 'raw', 'raw', c.seq FROM c`

// TestPostGISRefusesInvalidGeometry shows that the database itself, not only
// the service, refuses a bow-tie and a geometry in another zone's SRID.
func TestPostGISRefusesInvalidGeometry(t *testing.T) {
	_, pool := openWithPool(t)
	const square = "MULTIPOLYGON(((600000 1192000,600010 1192000,600010 1192010,600000 1192010,600000 1192000)))"
	if _, err := pool.Exec(ctx(t), insertPlotSQL, 1, 9210, square, 9210); err != nil {
		t.Fatalf("valid plot inserted by hand: %v", err)
	}
	cases := []struct {
		name, wkt  string
		epsg, srid int
		constraint string
	}{
		{"bow-tie", "MULTIPOLYGON(((600000 1192000,600010 1192010,600010 1192000,600000 1192010,600000 1192000)))", 9210, 9210, "plots_geom_valid"},
		{"spike", "MULTIPOLYGON(((600000 1192000,600010 1192000,600020 1192000,600010 1192000,600010 1192010,600000 1192000)))", 9210, 9210, "plots_geom_valid"},
		{"SRID of another zone", square, 5897, 9210, "plots_geom_srid"},
	}
	for i, c := range cases {
		_, err := pool.Exec(ctx(t), insertPlotSQL, i+2, c.epsg, c.wkt, c.srid)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23514" || pgErr.ConstraintName != c.constraint {
			t.Errorf("%s: got %v, want check violation of %s", c.name, err, c.constraint)
		}
	}
}

// TestPostGISHistoryIsAppendOnly shows that the database refuses to rewrite
// or delete a version, and lets a current version be closed exactly once.
func TestPostGISHistoryIsAppendOnly(t *testing.T) {
	s, pool := openWithPool(t)
	if _, err := s.Write(ctx(t), farBatch(t)); err != nil {
		t.Fatal(err)
	}
	refused := []string{
		"UPDATE plots SET area = area + 1",
		"UPDATE plots SET geom = ST_Translate(geom, 1, 0)",
		"DELETE FROM plots",
		"DELETE FROM sheets",
		"UPDATE changes SET reason = 'rewritten'",
		"UPDATE changes SET inserted = inserted + 1", // the counts of a committed write
		"DELETE FROM changes",
	}
	for _, q := range refused {
		var pgErr *pgconn.PgError
		if _, err := pool.Exec(ctx(t), q); !errors.As(err, &pgErr) || pgErr.Code != "23001" {
			t.Errorf("%s: got %v, want restrict_violation", q, err)
		}
	}
	// A writing transaction fills in the counts of its own changes row
	// (migrations/0006), and nothing else of it.
	tx, err := pool.Begin(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx(t)) }() // a failed check must not leave the pool waiting
	var seq int64
	if err := tx.QueryRow(ctx(t), "INSERT INTO changes (at, changed_by, reason) VALUES (now(), 'test', 'own row') RETURNING seq").Scan(&seq); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if _, err := tx.Exec(ctx(t), "UPDATE changes SET inserted = 2 WHERE seq = $1", seq); !errors.As(err, &pgErr) || pgErr.Code != "23001" {
		t.Errorf("counts of a row the transaction has not named its own: got %v, want restrict_violation", err)
	}
	_ = tx.Rollback(ctx(t))
	if tx, err = pool.Begin(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx(t), "INSERT INTO changes (at, changed_by, reason) VALUES (now(), 'test', 'own row') RETURNING seq").Scan(&seq); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx(t), "SELECT set_config('cadastre.change_seq', $1, true)", fmt.Sprint(seq)); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx(t), "UPDATE changes SET inserted = 3, sheets = 1 WHERE seq = $1", seq); err != nil {
		t.Errorf("counts of the transaction's own changes row: %v", err)
	}
	if _, err := tx.Exec(ctx(t), "UPDATE changes SET reason = 'other' WHERE seq = $1", seq); !errors.As(err, &pgErr) || pgErr.Code != "23001" {
		t.Errorf("reason of the transaction's own changes row: got %v, want restrict_violation", err)
	}
	_ = tx.Rollback(ctx(t))
	closeOne := "UPDATE plots SET valid_to = now() WHERE id = (SELECT min(id) FROM plots)"
	if _, err := pool.Exec(ctx(t), closeOne); err != nil {
		t.Fatalf("closing a current version: %v", err)
	}
	if _, err := pool.Exec(ctx(t), closeOne); err == nil {
		t.Errorf("closing a closed version again: got no error")
	}
}
