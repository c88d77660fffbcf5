package index

import (
	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// SearchPlots calls fn, in no particular order, for every plot whose Web
// Mercator bound intersects box, until fn returns false. It is the plain
// R-tree search that tile rendering needs (InBox sorts by key for paging).
func (s *Snapshot) SearchPlots(box orb.Bound, fn func(*Plot) bool) {
	s.searchPlots(box, fn)
}

// SearchSheets calls fn, in no particular order, for every sheet whose Web
// Mercator bound intersects box, until fn returns false.
func (s *Snapshot) SearchSheets(box orb.Bound, fn func(*Sheet) bool) {
	s.sheets.Search(box.Min, box.Max, func(_, _ [2]float64, sh *Sheet) bool { return fn(sh) })
}

// EachPlot calls fn for every plot, in no particular order, until fn
// returns false.
func (s *Snapshot) EachPlot(fn func(*Plot) bool) {
	s.plots.Scan(func(_, _ [2]float32, p *Plot) bool { return fn(p) })
}

// EachSheet calls fn for every sheet, in no particular order, until fn
// returns false.
func (s *Snapshot) EachSheet(fn func(*Sheet) bool) {
	s.sheets.Scan(func(_, _ [2]float64, sh *Sheet) bool { return fn(sh) })
}

// Sheet returns the current sheet of a key.
func (s *Snapshot) Sheet(k spatial.SheetKey) (*Sheet, bool) {
	return s.sheetK.Get(&Sheet{Key: k})
}

// MercBounds returns the Web Mercator bound of every plot and sheet; ok is
// false when the snapshot is empty.
func (s *Snapshot) MercBounds() (b orb.Bound, ok bool) {
	add := func(mn, mx [2]float64) {
		if tb := (orb.Bound{Min: mn, Max: mx}); ok {
			b = b.Union(tb)
		} else {
			b, ok = tb, true
		}
	}
	if s.plots.Len() > 0 {
		mn, mx := s.plots.Bounds() // float32, rounded outward: within a metre
		add([2]float64{float64(mn[0]), float64(mn[1])}, [2]float64{float64(mx[0]), float64(mx[1])})
	}
	if s.sheets.Len() > 0 {
		add(s.sheets.Bounds())
	}
	return b, ok
}
