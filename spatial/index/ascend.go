package index

import "cadastre/spatial"

// AscendPlots calls fn for every plot in key order, starting after the key
// `after` (zero key: from the start), until fn returns false: a full scan
// in a stable order, for paging through every plot.
func (s *Snapshot) AscendPlots(after spatial.PlotKey, fn func(*Plot) bool) {
	if after == (spatial.PlotKey{}) {
		s.byKey.Scan(fn)
		return
	}
	s.byKey.Ascend(&Plot{Key: after}, func(p *Plot) bool {
		if p.Key == after {
			return true
		}
		return fn(p)
	})
}

// AscendSheets calls fn for every sheet in key order until fn returns false.
func (s *Snapshot) AscendSheets(fn func(*Sheet) bool) { s.sheetK.Scan(fn) }
