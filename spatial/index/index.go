// Package index is the in-memory read model: an R-tree (tidwall/rtree) of
// the current plots and sheets in Web Mercator, each with its plane
// geometry for exact tests. Readers use an immutable Snapshot without
// locks; a writer builds the next snapshot (copy-on-write copies of the
// trees) and swaps an atomic pointer, so no reader sees half a batch.
package index

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/tidwall/btree"
	"github.com/tidwall/rtree"

	"cadastre/spatial"
)

// Snapshot is one immutable state of the read model.
type Snapshot struct {
	plots  *rtree.RTreeGN[float32, *Plot] // float32 boxes rounded outward (box32): candidates, checked against Merc
	sheets *rtree.RTreeG[*Sheet]
	byKey  *btree.BTreeG[*Plot] // ordered by key: stable paging, updates
	sheetK *btree.BTreeG[*Sheet]
	seq    int64 // change sequence this state includes
}

func lessPlot(a, b *Plot) bool { return comparePlotKey(a.Key, b.Key) < 0 }

func comparePlotKey(a, b spatial.PlotKey) int {
	if c := cmp.Compare(a.Unit, b.Unit); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Sheet, b.Sheet); c != 0 {
		return c
	}
	return cmp.Compare(a.Plot, b.Plot)
}

func lessSheet(a, b *Sheet) bool {
	if a.Key.Unit != b.Key.Unit {
		return a.Key.Unit < b.Key.Unit
	}
	return a.Key.Number < b.Key.Number
}

func emptySnapshot() *Snapshot {
	return &Snapshot{plots: &rtree.RTreeGN[float32, *Plot]{}, sheets: &rtree.RTreeG[*Sheet]{},
		byKey:  btree.NewBTreeGOptions(lessPlot, btree.Options{NoLocks: true}),
		sheetK: btree.NewBTreeGOptions(lessSheet, btree.Options{NoLocks: true})}
}

// Len returns the number of plots.
func (s *Snapshot) Len() int { return s.byKey.Len() }

// Sheets returns the number of sheets.
func (s *Snapshot) Sheets() int { return s.sheets.Len() }

// Seq returns the change sequence the snapshot includes.
func (s *Snapshot) Seq() int64 { return s.seq }

// Plot returns the current plot of a key.
func (s *Snapshot) Plot(k spatial.PlotKey) (*Plot, bool) {
	return s.byKey.Get(&Plot{Key: k})
}

// Index holds the current snapshot and serialises writers.
type Index struct {
	cur     atomic.Pointer[Snapshot]
	mu      sync.Mutex // writers
	catchMu sync.Mutex // catch-ups from the change feed
	in      *interner
	ready   atomic.Bool
	held    map[string]bool // the units this instance holds; nil: every unit
}

// Hold makes the index hold only the plots and sheets of these units
// (a province per instance: serve --units); the others a build or a
// change brings are left out. Call it before Build; no codes: every unit.
func (ix *Index) Hold(units []string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if len(units) == 0 {
		ix.held = nil
		return
	}
	ix.held = make(map[string]bool, len(units))
	for _, u := range units {
		ix.held[u] = true
	}
}

// Held returns the units the index holds, in order; nil when it holds
// every unit.
func (ix *Index) Held() []string {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.held == nil {
		return nil
	}
	out := make([]string, 0, len(ix.held))
	for u := range ix.held {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// Holds reports whether the index holds the unit's plots.
func (ix *Index) Holds(unit string) bool { return ix.held == nil || ix.held[unit] }

// only is c without what the index does not hold.
func (ix *Index) only(c Change) Change {
	if ix.held == nil {
		return c
	}
	out := Change{Seq: c.Seq}
	for _, p := range c.Plots {
		if ix.held[p.Key.Unit] {
			out.Plots = append(out.Plots, p)
		}
	}
	for _, k := range c.Retire {
		if ix.held[k.Unit] {
			out.Retire = append(out.Retire, k)
		}
	}
	for _, s := range c.Sheets {
		if ix.held[s.Key.Unit] {
			out.Sheets = append(out.Sheets, s)
		}
	}
	return out
}

// New returns an empty, not yet ready index.
func New() *Index {
	ix := &Index{in: newInterner()}
	ix.cur.Store(emptySnapshot())
	return ix
}

// Snapshot returns the current state; it never changes under the caller.
func (ix *Index) Snapshot() *Snapshot { return ix.cur.Load() }

// Ready reports whether the initial build has finished.
func (ix *Index) Ready() bool { return ix.ready.Load() }

// Change is what a write did to the current state, for Apply.
type Change struct {
	Seq    int64           // the store's change sequence; 0 if unknown
	Plots  []*spatial.Plot // new current versions (inserted or changed)
	Retire []spatial.PlotKey
	Sheets []*spatial.Sheet // new current sheet versions
}

// Apply builds the next snapshot from the current one and the change, and
// publishes it atomically. It returns the touched plots' old and new entries
// (old nil when inserted, new nil when retired), for tile invalidation.
func (ix *Index) Apply(_ context.Context, c Change) []Touched {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	c = ix.only(c)
	old := ix.cur.Load()
	next := &Snapshot{plots: old.plots.Copy(), sheets: old.sheets.Copy(), byKey: old.byKey.Copy(), sheetK: old.sheetK.Copy(), seq: max(old.seq, c.Seq)}
	for _, s := range c.Sheets {
		e := ix.in.sheet(s)
		next.replaceSheet(e)
	}
	touched := make([]Touched, 0, len(c.Plots)+len(c.Retire))
	for _, p := range c.Plots {
		e := ix.in.plot(p)
		prev, _ := next.byKey.Set(e)
		if prev != nil {
			next.deletePlot(prev)
		}
		next.insertPlot(e)
		touched = append(touched, Touched{Old: prev, New: e})
	}
	for _, k := range c.Retire {
		if prev, ok := next.byKey.Delete(&Plot{Key: k}); ok {
			next.deletePlot(prev)
			touched = append(touched, Touched{Old: prev})
		}
	}
	ix.cur.Store(next)
	return touched
}

// Touched is one plot a change affected.
type Touched struct{ Old, New *Plot }

func (s *Snapshot) replaceSheet(e *Sheet) {
	if prev, ok := s.sheetK.Set(e); ok {
		s.sheets.Delete(prev.Merc.Min, prev.Merc.Max, prev)
	}
	s.sheets.Insert(e.Merc.Min, e.Merc.Max, e)
}

// box32 is b as the plots' R-tree holds it: float32, rounded outward, so
// that the box covers b (a float32 at Web Mercator magnitudes is within a
// metre; the padded bound already exceeds the plot by half a metre).
// Searches round outward too and check the exact Merc bound.
func box32(b orb.Bound) (mn, mx [2]float32) {
	for i := range 2 {
		mn[i], mx[i] = down32(b.Min[i]), up32(b.Max[i])
	}
	return mn, mx
}

func down32(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

func (s *Snapshot) insertPlot(p *Plot) {
	mn, mx := box32(p.Merc)
	s.plots.Insert(mn, mx, p)
}

func (s *Snapshot) deletePlot(p *Plot) {
	mn, mx := box32(p.Merc)
	s.plots.Delete(mn, mx, p)
}

// searchPlots calls fn for every plot whose Merc bound meets box.
func (s *Snapshot) searchPlots(box orb.Bound, fn func(*Plot) bool) {
	mn, mx := box32(box)
	s.plots.Search(mn, mx, func(_, _ [2]float32, p *Plot) bool {
		if !p.Merc.Intersects(box) {
			return true
		}
		return fn(p)
	})
}
