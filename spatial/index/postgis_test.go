package index_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"cadastre/internal/pgtest"
	"cadastre/migrations"
	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
	"cadastre/spatial/store/postgis"
)

// TestPostGISLookupMatchesSTIntersects draws 100,000 points over the
// committed sample – inside plots, on shared edges and vertices, in holes,
// outside – and compares the index's answer at each with PostGIS
// ST_Intersects on the same stored data: no difference is allowed.
func TestPostGISLookupMatchesSTIntersects(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	if err := migrations.Apply(ctx, pool); err != nil {
		t.Fatal(err)
	}
	st := postgis.New(pool)
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	b.Change = spatial.Change{By: "test", Reason: "load"}
	if _, err := st.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	ix := index.New()
	if _, err := ix.Build(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	pts := testPoints(rand.New(rand.NewPCG(seed, 7)), b.Plots, 100000)
	want := postgisAnswers(t, pool, pts)
	z, _ := crs.ZoneByEPSG(9210)
	snap := ix.Snapshot()
	diff, boundary, empty := 0, 0, 0
	for i, p := range pts {
		var got []string
		snap.At(index.Plane(z, p[0], p[1]), func(h index.Hit) bool {
			got = append(got, h.Plot.Key.String())
			if h.Location == index.Boundary {
				boundary++
			}
			return true
		})
		if len(got) == 0 {
			empty++
		}
		if fmt.Sprint(got) != fmt.Sprint(want[i]) {
			if diff < 10 {
				t.Errorf("point %d (%.6f, %.6f): index %v, PostGIS %v", i, p[0], p[1], got, want[i])
			}
			diff++
		}
	}
	t.Logf("%d points: %d differences, %d boundary hits, %d points in no plot", len(pts), diff, boundary, empty)
	if boundary < 1000 || empty < 1000 {
		t.Errorf("the sample of points is too easy: %d boundary hits, %d empty", boundary, empty)
	}
}

// testPoints mixes random points (a tenth outside the data), vertices,
// points on edges and points in holes.
func testPoints(r *rand.Rand, plots []*spatial.Plot, n int) []orb.Point {
	var bound orb.Bound
	for i, p := range plots {
		if i == 0 {
			bound = p.Geometry.Bound()
		}
		bound = bound.Union(p.Geometry.Bound())
	}
	bound = bound.Pad(100)
	var holes []orb.Ring
	for _, p := range plots {
		for _, poly := range p.Geometry {
			holes = append(holes, poly[1:]...)
		}
	}
	pts := make([]orb.Point, 0, n)
	for len(pts) < n {
		p := plots[r.IntN(len(plots))]
		ring := p.Geometry[r.IntN(len(p.Geometry))][0]
		i := r.IntN(len(ring) - 1)
		a, c := ring[i], ring[i+1]
		switch k := r.IntN(10); {
		case k < 4: // anywhere in the area
			pts = append(pts, orb.Point{bound.Min[0] + r.Float64()*(bound.Max[0]-bound.Min[0]), bound.Min[1] + r.Float64()*(bound.Max[1]-bound.Min[1])})
		case k < 6: // a vertex, shared by neighbours
			pts = append(pts, a)
		case k < 8: // on an edge
			f := r.Float64()
			pts = append(pts, orb.Point{a[0] + f*(c[0]-a[0]), a[1] + f*(c[1]-a[1])})
		case k < 9 && len(holes) > 0: // in a hole (where the pond plot is)
			h := holes[r.IntN(len(holes))]
			hb := h.Bound()
			pts = append(pts, orb.Point{hb.Min[0] + r.Float64()*(hb.Max[0]-hb.Min[0]), hb.Min[1] + r.Float64()*(hb.Max[1]-hb.Min[1])})
		default: // near an edge, off by a millimetre
			pts = append(pts, orb.Point{(a[0]+c[0])/2 + 0.001, (a[1]+c[1])/2 - 0.001})
		}
	}
	return pts
}

// postgisAnswers asks PostGIS which current plots intersect each point,
// in key order.
func postgisAnswers(t *testing.T, pool *pgxpool.Pool, pts []orb.Point) [][]string {
	t.Helper()
	xs, ys := make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		xs[i], ys[i] = p[0], p[1]
	}
	rows, err := pool.Query(context.Background(), `
		SELECT q.i, p.unit, p.sheet, p.plot
		FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS q(x, y, i)
		JOIN plots p ON p.valid_to IS NULL AND NOT p.retired
		 AND ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint(q.x, q.y), 9210))
		ORDER BY q.i, p.unit, p.sheet, p.plot`, xs, ys)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := make([][]string, len(pts))
	for rows.Next() {
		var i int64
		var k spatial.PlotKey
		if err := rows.Scan(&i, &k.Unit, &k.Sheet, &k.Plot); err != nil {
			t.Fatal(err)
		}
		out[i-1] = append(out[i-1], k.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
