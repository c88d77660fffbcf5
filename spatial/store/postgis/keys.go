package postgis

import "cadastre/spatial"

// keySet is a set of plot keys that costs about 8 bytes a key (plus the
// map's slack) for the keys a checked batch has: a 5-digit unit code, a
// sheet number below 2^20 and a plot number below 2^27, packed into one
// uint64. Other keys go to a plain map.
type keySet struct {
	packed map[uint64]struct{}
	other  map[spatial.PlotKey]struct{}
}

func newKeySet() keySet {
	return keySet{packed: map[uint64]struct{}{}, other: map[spatial.PlotKey]struct{}{}}
}

func (s keySet) add(k spatial.PlotKey) {
	if p, ok := packKey(k); ok {
		s.packed[p] = struct{}{}
		return
	}
	s.other[k] = struct{}{}
}

func (s keySet) has(k spatial.PlotKey) bool {
	if p, ok := packKey(k); ok {
		_, in := s.packed[p]
		return in
	}
	_, in := s.other[k]
	return in
}

// packKey packs the unit code in 17 bits, the sheet number in 20 and the
// plot number in 27, when they fit.
func packKey(k spatial.PlotKey) (uint64, bool) {
	if len(k.Unit) != 5 || k.Sheet <= 0 || k.Sheet >= 1<<20 || k.Plot <= 0 || k.Plot >= 1<<27 {
		return 0, false
	}
	var unit uint64
	for i := range len(k.Unit) {
		c := k.Unit[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		unit = unit*10 + uint64(c-'0')
	}
	return unit<<47 | uint64(k.Sheet)<<27 | uint64(k.Plot), true
}
