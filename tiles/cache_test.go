package tiles

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

func newCache(t *testing.T, ix *index.Index, maxBytes int64) *Cache {
	t.Helper()
	c, err := NewCache(ix, CacheOptions{MaxBytes: maxBytes})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustTile(t *testing.T, c *Cache, l Layer, tile maptile.Tile) Tile {
	t.Helper()
	got, _, err := c.Tile(context.Background(), l, tile, true)
	if err != nil {
		t.Fatalf("%s %s: %v", l, tileName(tile), err)
	}
	return got
}

// cacheTile asks for a tile twice: the second request caches it.
func cacheTile(t *testing.T, c *Cache, l Layer, tile maptile.Tile) {
	t.Helper()
	mustTile(t, c, l, tile)
	mustTile(t, c, l, tile)
}

// TestCacheAdmission: a tile's first request renders it without caching
// it, compressed at the fast level for a client accepting gzip; the
// second renders and caches it; the cache then keeps it compressed at the
// best level (smaller), and the third is a hit; a client without gzip gets
// the raw tile.
func TestCacheAdmission(t *testing.T) {
	v := newVillage(t, 13)
	c := newCache(t, v.index(t), 0)
	ce, cn := v.center()
	tile := tileAt(16, ce, cn)
	first, second := mustTile(t, c, Plots, tile), mustTile(t, c, Plots, tile)
	improved := false
	for range 200 { // the better compression runs in the background
		if improved = counter(t, c.m.improved) == 1; improved {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	third := mustTile(t, c, Plots, tile)
	if n, _ := c.Size(); first.Cached || !first.Gzip || second.Cached || !second.Gzip || !third.Cached || !third.Gzip || n != 1 {
		t.Errorf("first %v/%v, second %v/%v, third %v/%v (cached/gzip), %d cached", first.Cached, first.Gzip,
			second.Cached, second.Gzip, third.Cached, third.Gzip, n)
	}
	if !improved || len(third.Data) >= len(first.Data) || third.ETag == first.ETag || third.AltETag != first.ETag {
		t.Errorf("cached tile not compressed better: %d bytes (%s, also %s), first %d (%s)", len(third.Data), third.ETag, third.AltETag, len(first.Data), first.ETag)
	}
	t.Logf("z16 tile: fast %d bytes, best %d", len(first.Data), len(third.Data))
	if !bytes.Equal(mvtOf(t, first), mvtOf(t, third)) || first.IdentityETag != third.IdentityETag || third.ETag == third.IdentityETag {
		t.Errorf("the first and the cached tile differ, or their ETags: %s %s %s", first.IdentityETag, third.IdentityETag, third.ETag)
	}
	if got := counter(t, c.m.rendered.WithLabelValues("plots")); got != 2 {
		t.Errorf("rendered %v times, want 2", got)
	}
	raw, _, err := c.Tile(context.Background(), Plots, tileAt(18, ce, cn), false)
	if err != nil || raw.Gzip {
		t.Errorf("first request without gzip: gzip %v, %v", raw.Gzip, err)
	}
	// A tile cached raw (its second client did not accept gzip) is
	// compressed on its first hit from a client that does.
	other := tileAt(17, ce, cn)
	for _, gz := range []bool{false, false} {
		if _, _, err := c.Tile(context.Background(), Plots, other, gz); err != nil {
			t.Fatal(err)
		}
	}
	if got, _, _ := c.Tile(context.Background(), Plots, other, false); !got.Cached || got.Gzip {
		t.Errorf("hit without gzip: cached %v gzip %v, want the raw cached tile", got.Cached, got.Gzip)
	}
	if got, _, _ := c.Tile(context.Background(), Plots, other, true); !got.Cached || !got.Gzip {
		t.Errorf("hit with gzip: cached %v gzip %v, want it compressed", got.Cached, got.Gzip)
	}
}

// TestCacheNotReady: 503 before the build; a write announced during the
// build does not pin the empty snapshot.
func TestCacheNotReady(t *testing.T) {
	ix := index.New()
	c := newCache(t, ix, 0)
	_, _, err := c.Tile(context.Background(), Plots, maptile.New(0, 0, 14), true)
	if spatial.KindOf(err) != spatial.KindUnavailable {
		t.Errorf("before the build: got %v, want unavailable", err)
	}
	c.Invalidate(nil)
	v := newVillage(t, 12)
	if _, err := ix.Build(context.Background(), v, quiet); err != nil {
		t.Fatal(err)
	}
	ce, cn := v.center()
	if got := mustTile(t, c, Plots, tileAt(16, ce, cn)); got.Features == 0 {
		t.Error("after the build: empty tile")
	}
}

// shrunk returns a new version of p, shrunk to half its size around its
// label point.
func shrunk(p *spatial.Plot) *spatial.Plot {
	c, _ := LabelPoint(p.Geometry)
	q := *p
	q.Geometry = p.Geometry.Clone()
	for _, poly := range q.Geometry {
		for _, r := range poly {
			for i := range r {
				r[i] = orb.Point{c[0] + (r[i][0]-c[0])/2, c[1] + (r[i][1]-c[1])/2}
			}
		}
	}
	q.Normalize()
	q.Version.Version = p.Version.Version + 1
	return &q
}

// TestInvalidation fills the cache with every tile of the village from z14
// to z18, shrinks one plot through Index.Apply + Invalidate, and checks
// that (1) no cached tile differs from a fresh render of the new data,
// (2) only tiles whose buffered area meets the old or new bound were
// dropped, (3) the tiles of the plot show its new geometry, and (4) an
// untouched tile is a cache hit.
func TestInvalidation(t *testing.T) {
	// Few cached tiles: invalidation walks the cache; many: it walks the
	// tile ranges of the bounds.
	for _, maxZ := range []maptile.Zoom{17, 20} {
		v := newVillage(t, 8)
		ix := v.index(t)
		c := newCache(t, ix, 0)
		all := villageTiles(v, 12, maxZ) // from the overview zooms
		for _, k := range all {
			cacheTile(t, c, k.Layer, maptile.New(k.X, k.Y, maptile.Zoom(k.Z)))
		}
		before, _ := c.Version()
		p := v.byKey()[vCols*vRows/2+7]
		q := shrunk(p)
		old, _ := ix.Snapshot().Plot(p.Key)
		touched := ix.Apply(context.Background(), index.Change{Plots: []*spatial.Plot{q}})
		c.Invalidate(touched)
		if after, _ := c.Version(); after == before {
			t.Error("data version unchanged by a write")
		}
		checkNoStale(t, c, ix, all, []orb.Bound{old.Merc, touched[0].New.Merc})
		checkNewGeometry(t, c, q)
	}
}

// villageTiles returns the keys of both tilesets covering the lattice.
func villageTiles(v *village, z0, z1 maptile.Zoom) []Key {
	var keys []Key
	for z := z0; z <= z1; z++ {
		a := tileAt(z, v.origin[0], v.origin[1])
		b := tileAt(z, v.origin[0]+vCols*vCell, v.origin[1]+vRows*vCell)
		for x := a.X; x <= b.X; x++ {
			for y := b.Y; y <= a.Y; y++ {
				keys = append(keys, Key{Plots, uint8(z), x, y}, Key{Cadastre, uint8(z), x, y})
			}
		}
	}
	return keys
}

func checkNoStale(t *testing.T, c *Cache, ix *index.Index, all []Key, bounds []orb.Bound) {
	t.Helper()
	cached := map[Key]Tile{}
	c.mu.Lock()
	for k, e := range c.items {
		cached[k] = e.Value.(*entry).tile
	}
	c.mu.Unlock()
	r := NewRenderer(DefaultOptions())
	kept, dropped, hit := 0, 0, false
	for _, k := range all {
		tile := maptile.New(k.X, k.Y, maptile.Zoom(k.Z))
		box := newFrame(tile).search()
		meets := slices.ContainsFunc(bounds, box.Intersects)
		ct, ok := cached[k]
		fresh, _, _ := r.Render(ix.Snapshot(), k.Layer, tile)
		switch {
		case ok && !bytes.Equal(mvtOf(t, ct), gunzip(t, fresh)):
			t.Errorf("%s %s: stale tile still cached", k.Layer, tileName(tile))
		case !ok && !meets:
			t.Errorf("%s %s: dropped though it does not meet the plot", k.Layer, tileName(tile))
		case ok && !meets && !hit:
			hits := counter(t, c.m.hits)
			if got := mustTile(t, c, k.Layer, tile); !got.Cached || counter(t, c.m.hits) != hits+1 {
				t.Errorf("untouched %s: cached %v, hits %v -> %v", tileName(tile), got.Cached, hits, counter(t, c.m.hits))
			}
			hit = true
		}
		if ok {
			kept++
		} else {
			dropped++
		}
	}
	t.Logf("%d tiles kept, %d dropped", kept, dropped)
	if dropped == 0 || !hit {
		t.Errorf("dropped %d, untouched hit %v", dropped, hit)
	}
}

// mvtOf returns the raw form of a tile.
func mvtOf(t *testing.T, tile Tile) []byte {
	t.Helper()
	b, err := tile.MVT()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkNewGeometry: the tiles holding the changed plot render it anew,
// with its new version and a vertex of its new shape.
func checkNewGeometry(t *testing.T, c *Cache, q *spatial.Plot) {
	t.Helper()
	lp, _ := LabelPoint(q.Geometry)
	for z := maptile.Zoom(14); z <= 17; z++ {
		tile := tileAt(z, lp[0], lp[1])
		got := mustTile(t, c, Plots, tile)
		if got.Cached {
			t.Errorf("z%d: touched tile served from the cache", z)
		}
		found := false
		for _, f := range decode(t, got.Data)["plots"] {
			if plotNumber(f) != q.Key.Plot {
				continue
			}
			found = true
			v0 := q.Geometry[0][0][0]
			want := exactUnits(tile, v0[0], v0[1])
			if f.Properties.MustFloat64("version") != 2 || nearest(points(f.Geometry), want) > 1 {
				t.Errorf("z%d: plot %d still old: %v", z, q.Key.Plot, f.Properties)
			}
		}
		if !found {
			t.Errorf("z%d: plot %d missing", z, q.Key.Plot)
		}
	}
}

// TestInvalidateSheets: a sheet change (no plot touched) drops the sheet
// tiles and shows the new grid number.
func TestInvalidateSheets(t *testing.T) {
	v := newVillage(t, 9)
	ix := v.index(t)
	c := newCache(t, ix, 0)
	ce, cn := v.center()
	tile := tileAt(12, ce, cn)
	mustTile(t, c, Sheets, tile)
	s := *v.sheet
	s.GridNumber = "renamed"
	c.Invalidate(ix.Apply(context.Background(), index.Change{Sheets: []*spatial.Sheet{&s}}))
	got := mustTile(t, c, Sheets, tile)
	fs := decode(t, got.Data)["sheets"]
	if got.Cached || len(fs) != 1 || fs[0].Properties.MustString("grid_number") != "renamed" {
		t.Errorf("cached %v, features %d", got.Cached, len(fs))
	}
}

// TestCacheEvictionAndFlights: the byte budget evicts; concurrent misses
// of one tile render it once.
func TestCacheEvictionAndFlights(t *testing.T) {
	v := newVillage(t, 10)
	ix := v.index(t)
	c := newCache(t, ix, 60_000)
	for _, k := range villageTiles(v, 16, 17) {
		cacheTile(t, c, k.Layer, maptile.New(k.X, k.Y, maptile.Zoom(k.Z)))
	}
	n, size := c.Size()
	if size > 60_000 || counter(t, c.m.evictions) == 0 {
		t.Errorf("%d tiles, %d bytes, %v evictions", n, size, counter(t, c.m.evictions))
	}
	ce, cn := v.center()
	tile := tileAt(15, ce, cn)
	mustTile(t, c, Cadastre, tile) // asked for once: the next render caches it
	before := counter(t, c.m.rendered.WithLabelValues("cadastre"))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { mustTile(t, c, Cadastre, tile) })
	}
	wg.Wait()
	if got := counter(t, c.m.rendered.WithLabelValues("cadastre")) - before; got != 1 {
		t.Errorf("8 concurrent requests rendered %v times, want 1", got)
	}
}

// TestVersionStable: the data version depends on the data, not on the
// order the index was built in.
func TestVersionStable(t *testing.T) {
	v := newVillage(t, 11)
	a := newCache(t, v.index(t), 0)
	slices.Reverse(v.plots)
	b := newCache(t, v.index(t), 0)
	va, _ := a.Version()
	vb, _ := b.Version()
	if va != vb || len(va) != 16 {
		t.Errorf("versions %q and %q", va, vb)
	}
}

// counter reads a counter.
func counter(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
