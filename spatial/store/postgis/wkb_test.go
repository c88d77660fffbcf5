package postgis

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"cadastre/spatial/crs"
)

// TestWKBBound compares wkbBound with the bound of the decoded geometry,
// for polygons and multipolygons in both byte orders, and refuses what is
// not one.
func TestWKBBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ring := func() orb.Ring {
		n := 3 + rng.IntN(20)
		r := make(orb.Ring, 0, n+1)
		for range n {
			r = append(r, orb.Point{600000 + rng.Float64()*1000, 1190000 + rng.Float64()*1000})
		}
		return append(r, r[0])
	}
	for i := range 200 {
		var g orb.Geometry
		if i%2 == 0 {
			g = orb.Polygon{ring(), ring()}
		} else {
			mp := orb.MultiPolygon{}
			for range 1 + rng.IntN(3) {
				mp = append(mp, orb.Polygon{ring()})
			}
			g = mp
		}
		order := wkb.DefaultByteOrder
		if i%3 == 0 {
			order = binary.BigEndian
		}
		b, err := wkb.Marshal(g, order)
		if err != nil {
			t.Fatal(err)
		}
		var want orb.Bound // of every vertex, holes too (orb gives a polygon its shell's bound)
		first := true
		for _, pt := range allPoints(g) {
			if first {
				want, first = orb.Bound{Min: pt, Max: pt}, false
			}
			want = want.Extend(pt)
		}
		got, err := wkbBound(b)
		if err != nil || got != want {
			t.Fatalf("wkbBound = %v, %v; want %v", got, err, want)
		}
		if _, err := wkbBound(b[:len(b)-3]); err == nil {
			t.Fatal("truncated WKB accepted")
		}
	}
	for _, g := range []orb.Geometry{orb.Point{1, 2}, orb.LineString{{1, 2}, {3, 4}}, orb.MultiPolygon{}} {
		b, _ := wkb.Marshal(g)
		if _, err := wkbBound(b); err == nil {
			t.Errorf("wkbBound(%T) accepted", g)
		}
	}
}

func allPoints(g orb.Geometry) []orb.Point {
	var out []orb.Point
	add := func(p orb.Polygon) {
		for _, r := range p {
			out = append(out, r...)
		}
	}
	switch g := g.(type) {
	case orb.Polygon:
		add(g)
	case orb.MultiPolygon:
		for _, p := range g {
			add(p)
		}
	}
	return out
}

// TestLonLatCacheAsDirect: the WGS 84 copy written through the cache is
// the direct conversion, point for point, across zone changes and the
// cache's clearing, with shared points as neighbouring plots have them.
func TestLonLatCacheAsDirect(t *testing.T) {
	zones := []crs.Zone{}
	for _, epsg := range []int{9210, 9211} {
		z, ok := crs.ZoneByEPSG(epsg)
		if !ok {
			t.Fatalf("no zone EPSG:%d", epsg)
		}
		zones = append(zones, z)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var c lonLatCache
	points, hits := 0, 0
	for i := range 30_000 {
		z := zones[(i/10_000)%2]
		// A square plot on a 10 m grid: its corners are shared with
		// neighbours drawn before.
		x0, y0 := 600_000+10*float64(rng.IntN(100)), 1_190_000+10*float64(rng.IntN(100))
		ring := orb.Ring{{x0, y0}, {x0 + 10, y0}, {x0 + 10, y0 + 10}, {x0, y0 + 10}, {x0, y0}}
		mp := orb.MultiPolygon{{ring}}
		before := len(c.m)
		got := c.multiPolygon(mp, z)
		if c.epsg == z.EPSG && len(c.m) == before {
			hits++
		}
		uncached := (*lonLatCache)(nil).multiPolygon(mp, z) // as sheet frames are converted
		for j, p := range ring {
			lon, lat := z.ToWGS84(p[0], p[1])
			if got[0][0][j] != (orb.Point{lon, lat}) || uncached[0][0][j] != got[0][0][j] {
				t.Fatalf("plot %d point %d: cache %v, nil cache %v, direct %v", i, j, got[0][0][j], uncached[0][0][j], orb.Point{lon, lat})
			}
			points++
		}
	}
	if hits == 0 {
		t.Error("no plot found all its points in the cache")
	}
	// Over the size bound the cache starts again.
	c.m = map[orb.Point]orb.Point{}
	c.epsg = zones[0].EPSG
	for i := range lonLatCacheSize + 1 {
		c.m[orb.Point{float64(i), 0}] = orb.Point{}
	}
	c.multiPolygon(orb.MultiPolygon{{{{600_000, 1_190_000}, {600_010, 1_190_000}, {600_010, 1_190_010}, {600_000, 1_190_000}}}}, zones[0])
	if len(c.m) > 4 {
		t.Errorf("cache over its bound kept %d points", len(c.m))
	}
	t.Logf("%d points converted through the cache, all as direct", points)
}
