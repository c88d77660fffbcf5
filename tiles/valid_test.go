package tiles

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/maptile"

	"cadastre/internal/pgtest"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/grid"
	"cadastre/spatial/index"
)

// newIrregular returns a test province of real-like irregular parcels on
// a cols x rows lattice of 20 m cells: corners jittered by up to 5 m and
// shared, shared borders that zigzag (concave plots), narrow spikes and
// notches on shared borders (2-10 cm wide, 3 m long), and, in every fifth
// cell, a hole filled by another plot: concave (C-shaped), a 3 cm sliver,
// or a small square. Plots invalid on the plane (none expected) are left
// out so that every invalid tile polygon is the renderer's.
func newIrregular(t testing.TB, seed uint64, cols, rows int) *village {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 19))
	const cell = 20.0
	num, f, err := grid.SheetAt(grid.Scale2000, 600300, 1191700)
	if err != nil {
		t.Fatal(err)
	}
	frame := orb.Ring{{f.MinE, f.MinN}, {f.MaxE, f.MinN}, {f.MaxE, f.MaxN}, {f.MinE, f.MaxN}, {f.MinE, f.MinN}}
	v := &village{origin: orb.Point{f.MinE + 50, f.MinN + 50},
		sheet: &spatial.Sheet{Key: spatial.SheetKey{Unit: vUnit, Number: vSheet}, GridNumber: num, Scale: grid.Scale2000, EPSG: vEPSG, Frame: orb.MultiPolygon{{frame}}}}
	corner := make([][]orb.Point, cols+1)
	for i := range corner {
		corner[i] = make([]orb.Point, rows+1)
		for j := range corner[i] {
			jx, jy := (rng.Float64()-0.5)*10, (rng.Float64()-0.5)*10
			corner[i][j] = orb.Point{v.origin[0] + float64(i)*cell + jx, v.origin[1] + float64(j)*cell + jy}
		}
	}
	// The inner points of the edge from corner a to corner b, made once
	// per edge (keyed by its lattice ends) so both plots share them.
	edges := map[[4]int][]orb.Point{}
	inner := func(i0, j0, i1, j1 int) []orb.Point {
		k := [4]int{i0, j0, i1, j1}
		rev := false
		if i1 < i0 || (i1 == i0 && j1 < j0) {
			k, rev = [4]int{i1, j1, i0, j0}, true
		}
		ps, ok := edges[k]
		if !ok {
			a, b := corner[k[0]][k[1]], corner[k[2]][k[3]]
			d := orb.Point{b[0] - a[0], b[1] - a[1]}
			l := math.Hypot(d[0], d[1])
			u, n := orb.Point{d[0] / l, d[1] / l}, orb.Point{-d[1] / l, d[0] / l}
			at := func(s, o float64) orb.Point {
				return orb.Point{a[0] + d[0]*s + n[0]*o, a[1] + d[1]*s + n[1]*o}
			}
			var ts []float64
			for range rng.IntN(5) {
				ts = append(ts, 0.2+0.6*rng.Float64())
			}
			slices.Sort(ts)
			spike := rng.IntN(4) == 0
			for _, s := range ts {
				if spike && s > 0.5 {
					w := 0.01 + 0.04*rng.Float64()
					side := float64(1 - 2*rng.IntN(2))
					m := at(0.5, 0)
					ps = append(ps, orb.Point{m[0] - u[0]*w, m[1] - u[1]*w}, at(0.5, 3*side), orb.Point{m[0] + u[0]*w, m[1] + u[1]*w})
					spike = false
				}
				if math.Abs(s-0.5) > 0.06 {
					ps = append(ps, at(s, (rng.Float64()-0.5)*3))
				}
			}
			edges[k] = ps
		}
		if rev {
			return reversed(ps)
		}
		return ps
	}
	n := 0
	sq := func(e, n, w, h float64) orb.Ring {
		return orb.Ring{{e, n}, {e + w, n}, {e + w, n + h}, {e, n + h}, {e, n}}
	}
	for i := range cols {
		for j := range rows {
			r := orb.Ring{corner[i][j]}
			r = append(r, inner(i, j, i+1, j)...)
			r = append(r, corner[i+1][j])
			r = append(r, inner(i+1, j, i+1, j+1)...)
			r = append(r, corner[i+1][j+1])
			r = append(r, inner(i+1, j+1, i, j+1)...)
			r = append(r, corner[i][j+1])
			r = append(r, inner(i, j+1, i, j)...)
			r = append(r, corner[i][j])
			n++
			if n%5 != 0 {
				v.plots = append(v.plots, v.plot(n, orb.MultiPolygon{{r}}))
				continue
			}
			// The safe square of the cell (no border comes within it).
			e0, n0 := v.origin[0]+float64(i)*cell+7.5, v.origin[1]+float64(j)*cell+7.5
			var hole orb.Ring
			switch (n / 5) % 3 {
			case 0: // C-shaped
				hole = orb.Ring{{e0, n0}, {e0 + 5, n0}, {e0 + 5, n0 + 1}, {e0 + 1, n0 + 1}, {e0 + 1, n0 + 4}, {e0 + 5, n0 + 4}, {e0 + 5, n0 + 5}, {e0, n0 + 5}, {e0, n0}}
			case 1: // sliver
				hole = orb.Ring{{e0, n0 + 2}, {e0 + 5, n0 + 2.01}, {e0 + 5, n0 + 2.04}, {e0, n0 + 2.03}, {e0, n0 + 2}}
			default:
				hole = sq(e0+rng.Float64(), n0+rng.Float64(), 3, 3)
			}
			v.plots = append(v.plots, v.plot(n, orb.MultiPolygon{{r, reversed(hole)}}))
			v.plots = append(v.plots, v.plot(100000-n, orb.MultiPolygon{{hole}}))
		}
	}
	return v
}

// validityChecker asks PostGIS whether decoded tile polygons are valid.
type validityChecker struct {
	pool            *pgxpool.Pool
	wkts, names     []string
	checked, broken int
}

func (c *validityChecker) add(t *testing.T, name string, g orb.Geometry) {
	c.wkts = append(c.wkts, wkt.MarshalString(g))
	c.names = append(c.names, name)
	if len(c.wkts) >= 5000 {
		c.flush(t)
	}
}

func (c *validityChecker) flush(t *testing.T) {
	t.Helper()
	if len(c.wkts) == 0 {
		return
	}
	rows, err := c.pool.Query(context.Background(),
		`SELECT i, reason FROM (SELECT i, ST_IsValidReason(ST_GeomFromText(w)) AS reason
		   FROM unnest($1::text[]) WITH ORDINALITY AS u(w, i)) s WHERE reason <> 'Valid Geometry'`, c.wkts)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int64
		var reason string
		if err := rows.Scan(&i, &reason); err != nil {
			t.Fatal(err)
		}
		c.broken++
		if c.broken <= 20 {
			t.Errorf("%s: %s\n%s", c.names[i-1], reason, c.wkts[i-1])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	c.checked += len(c.wkts)
	c.wkts, c.names = c.wkts[:0], c.names[:0]
}

// checkTile decodes a tile with orb's decoder and queues its polygons.
func (c *validityChecker) checkTile(t *testing.T, r *Renderer, snap *index.Snapshot, l Layer, tile maptile.Tile) {
	t.Helper()
	gz, _, err := r.Render(snap, l, tile)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := mvt.UnmarshalGzipped(gz)
	if err != nil {
		t.Fatal(err)
	}
	for _, layer := range ls {
		for _, f := range layer.Features {
			switch f.Geometry.(type) {
			case orb.Polygon, orb.MultiPolygon:
				c.add(t, fmt.Sprintf("%s %s plot %v", tileName(tile), layer.Name, f.Properties["plot"]), f.Geometry)
			}
		}
	}
}

// coverTiles returns the tiles of zoom z over a plane bound of the zone.
func coverTiles(z maptile.Zoom, b orb.Bound) []maptile.Tile {
	zone, _ := crs.ZoneByEPSG(vEPSG)
	lon0, lat0 := zone.ToWGS84(b.Min[0], b.Min[1])
	lon1, lat1 := zone.ToWGS84(b.Max[0], b.Max[1])
	t0 := maptile.At(orb.Point{min(lon0, lon1), max(lat0, lat1)}, z)
	t1 := maptile.At(orb.Point{max(lon0, lon1), min(lat0, lat1)}, z)
	var ts []maptile.Tile
	for x := t0.X; x <= t1.X; x++ {
		for y := t0.Y; y <= t1.Y; y++ {
			ts = append(ts, maptile.New(x, y, z))
		}
	}
	return ts
}

// TestValidPolygons decodes tiles of every zoom from 10 to 22 over
// irregular parcels and over a generated province, with a decoder we did
// not write, and has PostGIS check every polygon (ST_IsValid): no spikes
// or collinear overlaps along the clip line, no hole touching its shell
// along it, no spike at a ring's closing vertex.
func TestValidPolygons(t *testing.T) {
	pool := pgtest.Pool(t)
	c := &validityChecker{pool: pool}
	v := newIrregular(t, 1, 40, 40)
	// The plane data must be valid for the test to mean anything.
	var planeWKT []string
	for _, p := range v.plots {
		planeWKT = append(planeWKT, wkt.MarshalString(p.Geometry))
	}
	var invalidPlane int
	if err := pool.QueryRow(context.Background(),
		`SELECT count(*) FROM unnest($1::text[]) w WHERE NOT ST_IsValid(ST_GeomFromText(w))`, planeWKT).Scan(&invalidPlane); err != nil {
		t.Fatal(err)
	}
	if invalidPlane > 0 {
		t.Fatalf("%d irregular plots invalid on the plane", invalidPlane)
	}
	ix := v.index(t)
	r := NewRenderer(DefaultOptions())
	snap := ix.Snapshot()
	var b orb.Bound
	for i, p := range v.plots {
		if i == 0 {
			b = p.Geometry.Bound()
		}
		b = b.Union(p.Geometry.Bound())
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for z := maptile.Zoom(10); z <= 22; z++ {
		ts := coverTiles(z, b)
		if len(ts) > 120 {
			rng.Shuffle(len(ts), func(i, j int) { ts[i], ts[j] = ts[j], ts[i] })
			ts = ts[:120]
		}
		for _, tile := range ts {
			c.checkTile(t, r, snap, Cadastre, tile)
		}
	}
	// The overview, where the plots do not fit.
	small := DefaultOptions()
	small.Budget = 20_000
	rs := NewRenderer(small)
	for z := maptile.Zoom(small.OverviewMinZoom); int(z) < small.PlotsMinZoom; z++ {
		for _, tile := range coverTiles(z, b) {
			c.checkTile(t, rs, snap, Cadastre, tile)
		}
	}
	c.flush(t)
	irregular := c.checked
	batch, pix := province(t, 3000)
	psnap := pix.Snapshot()
	for _, tile := range randomTiles(batch, rng, 400, 10, 22) {
		c.checkTile(t, r, psnap, Cadastre, tile)
	}
	c.flush(t)
	t.Logf("%d polygons checked (%d irregular), %d invalid", c.checked, irregular, c.broken)
	if irregular < 10000 || c.checked-irregular < 10000 {
		t.Errorf("only %d irregular and %d generated polygons checked", irregular, c.checked-irregular)
	}
	if c.broken > 0 {
		t.Errorf("%d of %d decoded polygons invalid", c.broken, c.checked)
	}
}
