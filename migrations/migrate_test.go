package migrations_test

import (
	"bytes"
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"cadastre/internal/pgtest"
	"cadastre/migrations"
	"cadastre/spatial/crs"
)

func TestSRIDsFileInSync(t *testing.T) {
	got, err := migrations.FS.ReadFile(migrations.SRIDsFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := migrations.SRIDsSQL(); !bytes.Equal(got, want) {
		t.Errorf("%s is out of sync with cadastre/spatial/crs: run `go generate ./migrations`", migrations.SRIDsFile)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestPostGISApplyTwice(t *testing.T) {
	pool := pgtest.Pool(t)
	for i := range 2 {
		if err := migrations.Apply(ctx(t), pool); err != nil {
			t.Fatalf("Apply #%d: %v", i+1, err)
		}
	}
	names, err := migrations.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx(t), "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(names) {
		t.Errorf("schema_migrations: got %d rows, want %d", n, len(names))
	}
}

// TestPostGISApplyConcurrent starts several instances on one fresh
// database at once, each with its own pool, as a rolling deploy would.
func TestPostGISApplyConcurrent(t *testing.T) {
	dbURL := pgtest.New(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		pool, err := pgxpool.New(ctx(t), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		wg.Go(func() { errs[i] = migrations.Apply(ctx(t), pool) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Apply #%d: %v", i+1, err)
		}
	}
}

// TestPostGISTransform checks that, once migrated, PostGIS knows EPSG:9210
// (absent from PostGIS 3.3's spatial_ref_sys) and lands on the reference
// point of DOMAIN.md.
func TestPostGISTransform(t *testing.T) {
	pool := pgtest.Pool(t)
	if err := migrations.Apply(ctx(t), pool); err != nil {
		t.Fatal(err)
	}
	var lon, lat float64
	err := pool.QueryRow(ctx(t), `SELECT ST_X(g), ST_Y(g) FROM
		ST_Transform(ST_SetSRID(ST_MakePoint(600000, 1192000), 9210), 4326) AS g`).Scan(&lon, &lat)
	if err != nil {
		t.Fatalf("ST_Transform from 9210: %v", err)
	}
	if math.Abs(lon-106.666190) > 1e-6 || math.Abs(lat-10.777527) > 1e-6 {
		t.Errorf("EPSG:9210 (600000, 1192000): got lon %.7f lat %.7f, want 106.666190 10.777527", lon, lat)
	}
	var n int
	if err := pool.QueryRow(ctx(t), "SELECT count(*) FROM spatial_ref_sys WHERE srid BETWEEN 9205 AND 9218").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 14 {
		t.Errorf("spatial_ref_sys rows 9205..9218: got %d, want 14", n)
	}
}

// TestPostGISCustomZone registers a custom zone (no EPSG code, 104°15')
// and transforms through its SRID: PostGIS takes the proj4 text we wrote.
func TestPostGISCustomZone(t *testing.T) {
	pool := pgtest.Pool(t)
	if err := migrations.Apply(ctx(t), pool); err != nil {
		t.Fatal(err)
	}
	z, err := crs.CustomZone(990104, 104.25, []string{"Test"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // twice: the second keeps the row
		if err := migrations.RegisterZones(ctx(t), pool, []crs.Zone{z}); err != nil {
			t.Fatal(err)
		}
	}
	var lon, lat float64
	err = pool.QueryRow(ctx(t), `SELECT ST_X(g), ST_Y(g) FROM
		ST_Transform(ST_SetSRID(ST_MakePoint(600000, 1192000), 990104), $1::text) AS g`, "+proj=longlat +datum=WGS84 +no_defs").Scan(&lon, &lat)
	if err != nil {
		t.Fatalf("ST_Transform from 990104: %v", err)
	}
	wlon, wlat := z.ToWGS84(600000, 1192000)
	if math.Abs(lon-wlon) > 1e-7 || math.Abs(lat-wlat) > 1e-7 {
		t.Errorf("custom zone (600000, 1192000): PostGIS lon %.8f lat %.8f, crs %.8f %.8f", lon, lat, wlon, wlat)
	}
}
