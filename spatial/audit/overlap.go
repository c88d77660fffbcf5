package audit

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	sf "github.com/peterstace/simplefeatures/geom"
	"github.com/tidwall/rtree"

	"cadastre/spatial"
	"cadastre/spatial/index"
	"cadastre/spatial/overlay"
)

// overlaps measures every flagged plot against its neighbours: bound test,
// the exact "interiors meet" edge test, then the shared area from the two
// boundaries (overlay.SharedArea); the shared piece itself comes from an
// overlay, only for the pairs reported. A pair is reported once.
func overlaps(ctx context.Context, in Input, flagged []*index.Plot, o Options) ([]Problem, error) {
	if len(flagged) == 0 {
		return nil, nil
	}
	near := in.Near
	if near == nil {
		near = planeSearch(in.Plots)
	}
	// flagged is in key order: a pair of flagged plots is measured from
	// the first of them only.
	pos := make(map[*index.Plot]int, len(flagged))
	for i, p := range flagged {
		pos[p] = i
	}
	var mu sync.Mutex
	var found []Problem
	err := parallel(ctx, len(flagged), func(i int) {
		a := flagged[i]
		if len(spatial.ValidateGeometry(a.Geometry)) > 0 {
			return
		}
		ab := a.Geometry.Bound()
		var local []Problem
		near(a, func(b *index.Plot) bool {
			if j, ok := pos[b]; b == a || b.EPSG != a.EPSG || (ok && j < i) || overlay.BoundOverlap(ab, b.Geometry.Bound()) <= 0 {
				return true
			}
			if pr, ok := measurePair(a, b, o); ok {
				local = append(local, pr)
			}
			return true
		})
		if len(local) > 0 {
			mu.Lock()
			found = append(found, local...)
			mu.Unlock()
		}
	})
	return found, err
}

func measurePair(a, b *index.Plot, o Options) (Problem, bool) {
	if len(spatial.ValidateGeometry(b.Geometry)) > 0 {
		return Problem{}, false
	}
	org := a.Geometry[0][0][0]
	if !overlay.InteriorsMeet(overlay.LocalEdges(nil, a.Geometry, org), overlay.LocalEdges(nil, b.Geometry, org)) {
		return Problem{}, false
	}
	area, _ := overlay.SharedArea(overlay.NewShape(a.Geometry, org), overlay.NewShape(b.Geometry, org))
	if area <= o.MinArea {
		return Problem{}, false
	}
	pr := newProblem(Overlap, a)
	pr.Others = []spatial.PlotKey{b.Key}
	pr.Measure, pr.MeasureUnit = math.Round(area*1000)/1000, "m²"
	pr.Detail = fmt.Sprintf("plots %s and %s share %.3f m²", a.Key, b.Key, area)
	pr.Geometry = intersection(a.Geometry, b.Geometry, org)
	return pr, true
}

// intersection returns a ∩ b on the plane, or nil when the overlay fails
// (the measure stands; only the drawing is missing).
func intersection(a, b orb.MultiPolygon, org orb.Point) orb.Geometry {
	g, err := sf.Intersection(overlay.Geometry(a, org), overlay.Geometry(b, org))
	if err != nil {
		return nil
	}
	og, err := wkb.Unmarshal(g.AsBinary())
	if err != nil {
		return nil
	}
	shift := func(p orb.Point) orb.Point { return orb.Point{p[0] + org[0], p[1] + org[1]} }
	switch t := og.(type) {
	case orb.Polygon:
		return shiftPolygon(t, shift)
	case orb.MultiPolygon:
		for i := range t {
			t[i] = shiftPolygon(t[i], shift)
		}
		return t
	case orb.Collection:
		var mp orb.MultiPolygon
		for _, x := range t {
			switch y := x.(type) {
			case orb.Polygon:
				mp = append(mp, shiftPolygon(y, shift))
			case orb.MultiPolygon:
				for _, p := range y {
					mp = append(mp, shiftPolygon(p, shift))
				}
			}
		}
		return mp
	}
	return nil
}

func shiftPolygon(p orb.Polygon, f func(orb.Point) orb.Point) orb.Polygon {
	for _, r := range p {
		for i := range r {
			r[i] = f(r[i])
		}
	}
	return p
}

// planeSearch is the default Near: an R-tree of the plots' plane bounds
// (the zone is compared by the caller).
func planeSearch(plots []*index.Plot) func(*index.Plot, func(*index.Plot) bool) {
	var tr rtree.RTreeG[*index.Plot]
	for _, p := range plots {
		b := p.Geometry.Bound()
		tr.Insert(b.Min, b.Max, p)
	}
	return func(p *index.Plot, fn func(*index.Plot) bool) {
		b := p.Geometry.Bound()
		tr.Search(b.Min, b.Max, func(_, _ [2]float64, q *index.Plot) bool { return fn(q) })
	}
}

// maxGapChecked is the longest run of missing numbers checked one by one
// (each asks the store whether the number was retired); a longer run is
// one problem, its measure the count: a typo like plot 90001 on a sheet of
// 300 plots must not produce 89,700 rows.
const maxGapChecked = 50

// missingNumbers reports, per sheet, the numbers of 1..max with no current
// plot that were never retired (a retired number is never reused, so it
// is history, not a hole).
func missingNumbers(ctx context.Context, in Input, works []*sheetWork) ([]Problem, error) {
	var ps []Problem
	for _, w := range works {
		if len(w.plots) == 0 {
			continue
		}
		last := w.plots[len(w.plots)-1].Key.Plot
		prev := 0
		for _, p := range w.plots { // sorted by number
			from, to := prev+1, p.Key.Plot-1
			prev = max(prev, p.Key.Plot)
			if to < from {
				continue
			}
			if to-from+1 > maxGapChecked {
				pr := Problem{Kind: MissingNumber, Commune: p.Commune, Unit: w.key.Unit, Sheet: w.key.Number, Plot: from,
					Measure: float64(to - from + 1), MeasureUnit: "count", EPSG: int(p.EPSG)}
				pr.Detail = fmt.Sprintf("sheet %s has plots up to %d but none numbered %d..%d (%d numbers; retired ones not checked one by one)", w.key, last, from, to, to-from+1)
				ps = append(ps, pr)
				continue
			}
			for n := from; n <= to; n++ {
				k := spatial.PlotKey{Unit: w.key.Unit, Sheet: w.key.Number, Plot: n}
				if in.Retired != nil {
					retired, err := in.Retired(ctx, k)
					if err != nil {
						return nil, err
					}
					if retired {
						continue
					}
				}
				pr := Problem{Kind: MissingNumber, Commune: p.Commune, Unit: k.Unit, Sheet: k.Sheet, Plot: n,
					Measure: 1, MeasureUnit: "count", EPSG: int(p.EPSG)}
				pr.Detail = fmt.Sprintf("sheet %s has plots up to %d but no plot %d, current or retired", w.key, last, n)
				ps = append(ps, pr)
			}
		}
	}
	return ps, nil
}
