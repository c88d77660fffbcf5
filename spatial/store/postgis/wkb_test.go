package postgis

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
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
