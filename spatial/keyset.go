package spatial

// PlotKeySet is a set of plot keys small enough to keep every key of a
// province-sized write: plots are numbered from 1 on each sheet, so each
// sheet holds a bitmap of its plot numbers (one bit per number up to the
// highest, 125 KB for a million plots on any number of sheets), plus a
// small entry per sheet. Numbers too large for a bitmap (above
// denseLimit, which no real sheet has) go into a plain map. The zero value
// is empty and ready to use; it is not safe for concurrent use.
type PlotKeySet struct {
	sheets map[SheetKey]*plotNumbers
	n      int
}

// denseLimit bounds the bitmap of one sheet (128 KiB).
const denseLimit = 1 << 20

type plotNumbers struct {
	words  []uint64
	sparse map[int]struct{} // numbers >= denseLimit, or < 1
}

// Add puts k in the set and reports whether it was new.
func (s *PlotKeySet) Add(k PlotKey) bool {
	if s.sheets == nil {
		s.sheets = map[SheetKey]*plotNumbers{}
	}
	sk := k.SheetKey()
	ns := s.sheets[sk]
	if ns == nil {
		ns = &plotNumbers{}
		s.sheets[sk] = ns
	}
	if !ns.add(k.Plot) {
		return false
	}
	s.n++
	return true
}

// Has reports whether k is in the set.
func (s *PlotKeySet) Has(k PlotKey) bool {
	ns := s.sheets[k.SheetKey()]
	return ns != nil && ns.has(k.Plot)
}

// Len returns the number of keys in the set.
func (s *PlotKeySet) Len() int { return s.n }

// Sheets calls fn for every sheet with at least one key in the set, in no
// set order, with a test of that sheet's plot numbers.
func (s *PlotKeySet) Sheets(fn func(sheet SheetKey, has func(plot int) bool)) {
	for sk, ns := range s.sheets {
		fn(sk, ns.has)
	}
}

func (ns *plotNumbers) add(n int) bool {
	if n < 1 || n >= denseLimit {
		if ns.sparse == nil {
			ns.sparse = map[int]struct{}{}
		}
		if _, ok := ns.sparse[n]; ok {
			return false
		}
		ns.sparse[n] = struct{}{}
		return true
	}
	w, bit := n/64, uint64(1)<<(n%64)
	if w >= len(ns.words) {
		grown := make([]uint64, min(max(w+1, 2*len(ns.words)), denseLimit/64))
		copy(grown, ns.words)
		ns.words = grown
	}
	if ns.words[w]&bit != 0 {
		return false
	}
	ns.words[w] |= bit
	return true
}

func (ns *plotNumbers) has(n int) bool {
	if n < 1 || n >= denseLimit {
		_, ok := ns.sparse[n]
		return ok
	}
	w := n / 64
	return w < len(ns.words) && ns.words[w]&(uint64(1)<<(n%64)) != 0
}
