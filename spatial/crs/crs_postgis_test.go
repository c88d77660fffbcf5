package crs

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"cadastre/internal/pgtest"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PostGIS (through PROJ) is the oracle for the pure-Go math. Explicit proj
// strings are passed so PROJ cannot choose EPSG:5194 instead of 6960 for
// points in the Mekong delta box, and so the result does not depend on any
// spatial_ref_sys row.
const (
	wgs84Proj4    = "+proj=longlat +datum=WGS84 +no_defs"
	geogOnlyProj4 = "+proj=longlat +ellps=WGS84 +no_defs" // same ellipsoid, no datum: pure inverse TM
	pointsPerZone = 1000
)

// transformSQL sends a whole batch of points in one round trip as one
// MULTIPOINT, so PostGIS builds the PROJ transformation once per batch (it
// does not cache text definitions; point by point took 6 s per zone).
// ST_DumpPoints gives the points back with their position in the batch.
const transformSQL = `
SELECT ST_X((d).geom), ST_Y((d).geom) FROM (
  SELECT ST_DumpPoints(ST_Transform(ST_Collect(ST_MakePoint(x, y) ORDER BY ord), $1::text, $2::text)) AS d
  FROM unnest($3::float8[], $4::float8[]) WITH ORDINALITY AS p(x, y, ord)
) q ORDER BY (d).path[1]`

// zoneDiffs are the worst differences found for one zone, in metres.
type zoneDiffs struct {
	toWGS84, toGeographic, fromWGS84, roundTrip float64
}

func pgTransform(t *testing.T, pool *pgxpool.Pool, from, to string, xs, ys []float64) ([]float64, []float64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := pool.Query(ctx, transformSQL, from, to, xs, ys)
	if err != nil {
		t.Fatalf("ST_Transform %q -> %q: %v", from, to, err)
	}
	defer rows.Close()
	outX, outY := make([]float64, 0, len(xs)), make([]float64, 0, len(xs))
	for rows.Next() {
		var x, y float64
		if err := rows.Scan(&x, &y); err != nil {
			t.Fatal(err)
		}
		outX, outY = append(outX, x), append(outY, y)
	}
	if err := rows.Err(); err != nil || len(outX) != len(xs) {
		t.Fatalf("ST_Transform: %v (%d of %d rows)", err, len(outX), len(xs))
	}
	return outX, outY
}

func TestPostGISTransformAllZones(t *testing.T) {
	pool := pgtest.Pool(t)
	seed := testSeed(t)
	report := make(map[int]zoneDiffs)
	for _, z := range Zones() {
		t.Run(fmt.Sprintf("EPSG%d", z.EPSG), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, uint64(z.EPSG)))
			d := compareZone(t, pool, z, r)
			report[z.EPSG] = d
			checkZoneDiffs(t, z, d)
		})
	}
	t.Logf("max differences vs PostGIS (%d random points per zone, seed %d):", pointsPerZone, seed)
	t.Logf("%-5s %-8s %-26s %12s %12s %12s %12s", "EPSG", "lon_0", "name", "ToWGS84", "ToGeogr.", "FromWGS84", "round trip")
	for _, z := range Zones() {
		d := report[z.EPSG]
		t.Logf("%-5d %-8g %-26s %10.3g m %10.3g m %10.3g m %10.3g m",
			z.EPSG, z.CentralMeridian, z.Name(), d.toWGS84, d.toGeographic, d.fromWGS84, d.roundTrip)
	}
}

// compareZone projects random points of the zone with PostGIS and with this
// package, and returns the largest differences.
func compareZone(t *testing.T, pool *pgxpool.Pool, z Zone, r *rand.Rand) zoneDiffs {
	es, ns := make([]float64, pointsPerZone), make([]float64, pointsPerZone)
	for i := range es {
		es[i], ns[i] = randomPlanePoint(r)
	}
	tmOnly := strings.Replace(z.Proj4(), " "+Towgs84, "", 1)
	pgLon, pgLat := pgTransform(t, pool, z.Proj4(), wgs84Proj4, es, ns)
	geoLon, geoLat := pgTransform(t, pool, tmOnly, geogOnlyProj4, es, ns)
	backE, backN := pgTransform(t, pool, wgs84Proj4, z.Proj4(), pgLon, pgLat)

	var d zoneDiffs
	for i := range es {
		lon, lat := z.ToWGS84(es[i], ns[i])
		d.toWGS84 = math.Max(d.toWGS84, groundDistance(lon, lat, pgLon[i], pgLat[i]))
		e2, n2 := z.FromWGS84(lon, lat)
		d.roundTrip = math.Max(d.roundTrip, math.Hypot(e2-es[i], n2-ns[i]))
		glon, glat := z.ToGeographic(es[i], ns[i])
		d.toGeographic = math.Max(d.toGeographic, groundDistance(glon, glat, geoLon[i], geoLat[i]))
		fe, fn := z.FromWGS84(pgLon[i], pgLat[i])
		d.fromWGS84 = math.Max(d.fromWGS84, math.Hypot(fe-backE[i], fn-backN[i]))
	}
	return d
}

// checkZoneDiffs applies the limits: 1 cm against PROJ with the datum shift
// (in the inverse PROJ takes h = 0 in WGS 84 while FromWGS84 takes h = 0 in
// VN-2000, which moves points by up to about 1.5 mm), 1 mm for the pure
// projection and for our own round trip.
func checkZoneDiffs(t *testing.T, z Zone, d zoneDiffs) {
	t.Helper()
	t.Logf("EPSG:%d: ToWGS84 %.3g m, ToGeographic %.3g m, FromWGS84 %.3g m, round trip %.3g m",
		z.EPSG, d.toWGS84, d.toGeographic, d.fromWGS84, d.roundTrip)
	if d.toWGS84 > 0.01 {
		t.Errorf("ToWGS84 differs from PostGIS by %.4f m (limit 1 cm)", d.toWGS84)
	}
	if d.fromWGS84 > 0.01 {
		t.Errorf("FromWGS84 differs from PostGIS by %.4f m (limit 1 cm)", d.fromWGS84)
	}
	if d.toGeographic > 0.001 {
		t.Errorf("ToGeographic differs from PostGIS by %.4f m (limit 1 mm)", d.toGeographic)
	}
	if d.roundTrip > 0.001 {
		t.Errorf("plane -> WGS 84 -> plane round trip %.4f m (limit 1 mm)", d.roundTrip)
	}
}

// TestPostGISAcceptsZoneWKT checks that the stored WKT1, the text migrations
// put in spatial_ref_sys.srtext, is read by PostGIS/PROJ as the same plane:
// inverse-projected to the bare ellipsoid it must agree with ToGeographic.
func TestPostGISAcceptsZoneWKT(t *testing.T) {
	pool := pgtest.Pool(t)
	es := []float64{335000, 500000, 665000, 600000}
	ns := []float64{950000, 1500000, 2600000, 1192000}
	for _, z := range Zones() {
		lons, lats := pgTransform(t, pool, z.WKT(), geogOnlyProj4, es, ns)
		for i := range es {
			lon, lat := z.ToGeographic(es[i], ns[i])
			if d := groundDistance(lon, lat, lons[i], lats[i]); d > 0.001 {
				t.Errorf("EPSG:%d WKT: (%v, %v) -> PostGIS %.9f %.9f, ToGeographic %.9f %.9f (%.3g m)",
					z.EPSG, es[i], ns[i], lons[i], lats[i], lon, lat, d)
			}
		}
	}
}

// TestPostGISCustomZone runs the accuracy checks of every EPSG zone on a
// custom zone whose meridian (104°15') has no EPSG code, through its own
// proj4 text, and has PostGIS read its WKT.
func TestPostGISCustomZone(t *testing.T) {
	pool := pgtest.Pool(t)
	z, err := CustomZone(990104, 104.25, []string{"Test"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(testSeed(t), 990104))
	checkZoneDiffs(t, z, compareZone(t, pool, z, r))
	es := []float64{335000, 500000, 665000, 600000}
	ns := []float64{950000, 1500000, 2600000, 1192000}
	lons, lats := pgTransform(t, pool, z.WKT(), geogOnlyProj4, es, ns)
	for i := range es {
		lon, lat := z.ToGeographic(es[i], ns[i])
		if d := groundDistance(lon, lat, lons[i], lats[i]); d > 0.001 {
			t.Errorf("WKT: (%v, %v) -> PostGIS %.9f %.9f, ToGeographic %.9f %.9f (%.3g m)", es[i], ns[i], lons[i], lats[i], lon, lat, d)
		}
	}
}
