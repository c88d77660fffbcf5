package tiles

import (
	"cmp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

// Options configures rendering.
type Options struct {
	PlotsMinZoom  int     // first zoom with plots (default 14)
	SheetsMinZoom int     // first zoom with sheet frames (default 10)
	MaxZoom       int     // last zoom served (default 22)
	Budget        int     // largest gzip-compressed tile in bytes (default 500,000)
	GridStep      float64 // Projector node spacing in plane metres (default 128)
}

// DefaultOptions returns the defaults of the issue: plots from z14, sheets
// from z10, up to z22, 500 KB per tile.
func DefaultOptions() Options {
	return Options{PlotsMinZoom: 14, SheetsMinZoom: 10, MaxZoom: 22, Budget: 500_000, GridStep: DefaultGridStep}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.PlotsMinZoom <= 0 {
		o.PlotsMinZoom = d.PlotsMinZoom
	}
	if o.SheetsMinZoom <= 0 {
		o.SheetsMinZoom = d.SheetsMinZoom
	}
	if o.MaxZoom <= 0 {
		o.MaxZoom = d.MaxZoom
	}
	if o.Budget <= 0 {
		o.Budget = d.Budget
	}
	if o.GridStep <= 0 {
		o.GridStep = d.GridStep
	}
	o.MaxZoom = min(o.MaxZoom, 24) // 2^24 tiles x 4096 units still fit int64 math exactly
	return o
}

// MinZoom returns the first zoom at which the tileset has features.
func (o Options) MinZoom(l Layer) int {
	if l == Plots {
		return o.PlotsMinZoom
	}
	return o.SheetsMinZoom
}

// Stats describes one rendered tile.
type Stats struct {
	Features  int           // features in the tile
	Dropped   int           // features left out by the size budget
	Collapsed int           // rings dropped because they degenerate on the tile grid
	Vertices  int           // vertices of the rings drawn, before snapping and clipping
	Kept      int           // vertices written (snapping merges, clipping adds some)
	RawBytes  int           // uncompressed size
	Bytes     int           // gzip-compressed size (Render's answer; 0 from a render that did not compress)
	Took      time.Duration // render time
}

// Renderer renders tiles; it is safe for concurrent use.
type Renderer struct {
	opt  Options
	proj *Projector
	gz   gzipper
	pool sync.Pool // of *renderCtx
}

// NewRenderer returns a Renderer.
func NewRenderer(o Options) *Renderer {
	o = o.withDefaults()
	return &Renderer{opt: o, proj: NewProjector(o.GridStep)}
}

// Options returns the options in force (defaults filled in).
func (r *Renderer) Options() Options { return r.opt }

// Check reports a tile address outside the tileset: KindInvalid.
func (r *Renderer) Check(t maptile.Tile) error {
	if int(t.Z) > r.opt.MaxZoom {
		return spatial.Errorf(spatial.KindInvalid, "zoom %d is above the maximum zoom %d", t.Z, r.opt.MaxZoom)
	}
	if n := uint64(1) << t.Z; uint64(t.X) >= n || uint64(t.Y) >= n {
		return spatial.Errorf(spatial.KindInvalid, "tile %d/%d/%d does not exist: x and y must be below %d at zoom %d", t.Z, t.X, t.Y, n, t.Z)
	}
	return nil
}

// Render draws one tile of a tileset from a snapshot and returns it
// gzip-compressed, with its statistics. The result depends only on the
// snapshot's content and the options: it is the tile a Cache serves,
// compressed (the Cache renders from a tile-ready copy of the plots and
// gives the same bytes).
func (r *Renderer) Render(snap *index.Snapshot, l Layer, t maptile.Tile) ([]byte, Stats, error) {
	out, err := r.render(source{snap: snap}, l, t)
	if err != nil {
		return nil, out.st, err
	}
	if out.gz == nil {
		start := time.Now()
		if out.gz, err = r.gz.compress(out.raw); err != nil {
			return nil, out.st, err
		}
		out.st.Bytes = len(out.gz)
		out.st.Took += time.Since(start)
	}
	return out.gz, out.st, nil
}

// source is what a render reads: the snapshot, and the tile-ready copy of
// its plots when there is one (nil: plots are prepared on the fly).
type source struct {
	snap  *index.Snapshot
	store *plotStore
}

// rendered is a tile as render makes it: raw MVT when it is surely within
// the budget without compressing it, else gzip-compressed (the budget
// needed the compressed size); one of raw and gz is set, in a new slice of
// its exact size.
type rendered struct {
	raw, gz []byte
	sum     uint64 // xxHash64 of the raw tile: its ETag
	st      Stats
}

// render draws a tile and applies the size budget.
func (r *Renderer) render(src source, l Layer, t maptile.Tile) (rendered, error) {
	return r.renderInto(src, l, t, nil)
}

// renderInto is render writing a raw tile into dst's memory when it is
// large enough (a new slice otherwise).
func (r *Renderer) renderInto(src source, l Layer, t maptile.Tile, dst []byte) (rendered, error) {
	start := time.Now()
	if err := r.Check(t); err != nil {
		return rendered{}, err
	}
	rc, _ := r.pool.Get().(*renderCtx)
	if rc == nil {
		rc = &renderCtx{r: r}
	}
	defer r.pool.Put(rc)
	if src.store != nil {
		src.store.mu.RLock()
		defer src.store.mu.RUnlock()
	}
	rc.draw(src, l, t, nil)
	out, err := rc.finish(src, l, t, dst)
	out.st.Took = time.Since(start)
	return out, err
}

// renderCtx is the state of one render; its buffers are reused.
type renderCtx struct {
	r       *Renderer
	frame   frame
	zoom    uint8
	proj    cursor
	layers  []layerBuf
	geom    geomWriter // polygon of the current feature
	lgeom   geomWriter // label point of the current plot
	ring    []pt
	clipBuf []pt
	found   []keyedPlot
	scratch []int32  // a plot prepared on the fly
	strs    strTable // its strings
	sheetsF []*index.Sheet
	xs      [3][]float64
	keep    func(ord int) bool // nil: every feature
	ord     int                // ordinal of the next feature
	recs    []featRec
	st      Stats
	raw     []byte
}

// featRec is what the budget rule sorts a feature on, and its encoded
// size.
type featRec struct {
	group int8    // 0 label points, 1 plots, 2 sheets
	area  float64 // m² on the plane
	size  int     // bytes it added to its layer (feature and new values)
}

type keyedPlot struct {
	id uint64
	p  *index.Plot
}

// draw renders the features kept into the layer buffers.
func (rc *renderCtx) draw(src source, l Layer, t maptile.Tile, keep func(int) bool) {
	specs := l.specs()
	rc.frame, rc.zoom, rc.proj, rc.keep, rc.ord, rc.recs, rc.st = newFrame(t), uint8(t.Z), cursor{p: rc.r.proj}, keep, 0, rc.recs[:0], Stats{}
	if cap(rc.layers) < len(specs) {
		rc.layers = make([]layerBuf, len(specs))
	}
	rc.layers = rc.layers[:len(specs)]
	for i, s := range specs {
		rc.layers[i].reset(s)
	}
	z := int(t.Z)
	if l.hasSheets() && z >= rc.r.opt.SheetsMinZoom {
		rc.sheets(src.snap, &rc.layers[slices.Index(specs, sheetsSpec)])
	}
	if l.hasPlots() && z >= rc.r.opt.PlotsMinZoom {
		rc.plots(src, &rc.layers[slices.Index(specs, plotsSpec)], &rc.layers[slices.Index(specs, labelsSpec)])
	}
}

// next gives the next feature its ordinal and says whether it is kept.
func (rc *renderCtx) next(group int8, area float64) bool {
	ord := rc.ord
	rc.ord++
	rc.recs = append(rc.recs, featRec{group: group, area: area})
	return rc.keep == nil || rc.keep(ord)
}

// sized records the bytes the last feature added to layer l, which held
// before bytes before it.
func (rc *renderCtx) sized(l *layerBuf, before int) {
	rc.recs[len(rc.recs)-1].size = len(l.feats) + len(l.vals) - before
}

// plots adds the plots whose bound meets the buffered tile, and the label
// points that fall inside the tile. They come from the tile-ready copy
// when the render has one (store), else from the snapshot, prepared on the
// fly; both give the same plots in the same (key) order and the same bytes.
func (rc *renderCtx) plots(src source, layer, labels *layerBuf) {
	if src.store != nil && src.store.each(rc.frame, int(rc.zoom), func(r rec, p *index.Plot) {
		rc.plot(r, p, src.store.strs.strs, layer, labels)
	}) {
		return
	}
	rc.found = rc.found[:0]
	src.snap.SearchPlots(rc.frame.search(), func(p *index.Plot) bool {
		rc.found = append(rc.found, keyedPlot{id: plotID(p.Key), p: p})
		return true
	})
	// The tree's order depends on insertion order; key order makes the
	// bytes of a tile a function of the data alone.
	slices.SortFunc(rc.found, func(a, b keyedPlot) int {
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		return comparePlotKey(a.p.Key, b.p.Key)
	})
	rc.strs.reset()
	for _, k := range rc.found {
		rc.scratch = prepare(&rc.proj, &rc.xs, &rc.strs, k.p, rc.scratch[:0])
		rc.plot(rec(rc.scratch), k.p, rc.strs.strs, layer, labels)
	}
	clear(rc.found) // no pointers into an old snapshot stay in the pool
	rc.found = rc.found[:0]
}

// plot adds one prepared plot and its label point; strs are the strings
// of its string numbers, p the plot if the record is wide or bad.
func (rc *renderCtx) plot(r rec, p *index.Plot, strs []string, layer, labels *layerBuf) {
	rc.geom.reset()
	poly, label := rc.drawRecord(r, p)
	if !poly && !label {
		return
	}
	area, id := r.f64(aAreaLo), r.id()
	if poly && rc.next(1, area) {
		before := len(layer.feats) + len(layer.vals)
		layer.strID(pfUnit, r[aUnit], strs)
		layer.int(pfSheet, int64(r[aSheet]))
		layer.int(pfPlot, int64(r[aPlot]))
		layer.strID(pfCommune, r[aCommune], strs)
		layer.strID(pfLandUse, r[aLandUse], strs)
		if legal := r.f64(aLegalLo); legal != 0 {
			layer.double(pfLegalArea, legal)
		}
		layer.double(pfArea, area)
		layer.int(pfVersion, int64(r[aVersion]))
		layer.feature(id, typePolygon, rc.geom.b)
		rc.sized(layer, before)
	}
	if label && rc.next(0, area) {
		before := len(labels.feats) + len(labels.vals)
		labels.strID(lfUnit, r[aUnit], strs)
		labels.int(lfSheet, int64(r[aSheet]))
		labels.int(lfPlot, int64(r[aPlot]))
		if r[aMainUse] >= 0 {
			labels.strID(lfLandUse, r[aMainUse], strs)
		}
		labels.double(lfArea, area)
		labels.feature(id, typePoint, rc.lgeom.b)
		rc.sized(labels, before)
	}
}

// sheets adds the frames of the sheets meeting the buffered tile.
func (rc *renderCtx) sheets(snap *index.Snapshot, layer *layerBuf) {
	rc.sheetsF = rc.sheetsF[:0]
	snap.SearchSheets(rc.frame.search(), func(s *index.Sheet) bool {
		rc.sheetsF = append(rc.sheetsF, s)
		return true
	})
	defer func() { clear(rc.sheetsF); rc.sheetsF = rc.sheetsF[:0] }()
	slices.SortFunc(rc.sheetsF, func(a, b *index.Sheet) int {
		return cmp.Or(cmp.Compare(a.Key.Unit, b.Key.Unit), cmp.Compare(a.Key.Number, b.Key.Number))
	})
	for _, s := range rc.sheetsF {
		b := s.Frame.Bound()
		rc.geom.reset()
		frame := make(orb.MultiPolygon, len(s.Frame))
		for i, p := range s.Frame {
			frame[i] = densify(p, rc.r.opt.GridStep)
		}
		if !rc.polygons(frame, s.EPSG) ||
			!rc.next(2, (b.Max[0]-b.Min[0])*(b.Max[1]-b.Min[1])) {
			continue
		}
		before := len(layer.feats) + len(layer.vals)
		layer.str(sfUnit, s.Key.Unit)
		layer.int(sfSheet, int64(s.Key.Number))
		layer.str(sfGrid, s.GridNumber)
		layer.int(sfScale, int64(s.Scale))
		layer.int(sfEPSG, int64(s.EPSG))
		layer.boolean(sfOffGrid, s.OffGrid)
		layer.feature(sheetID(s.Key), typePolygon, rc.geom.b)
		rc.sized(layer, before)
	}
}

// plotID is the MVT feature id of a plot: unit, sheet and plot numbers as
// decimal digits (UUUUUSSSSSPPPPP), below 2^53 so JavaScript keeps it
// exact; 0 (no id) when a number does not fit.
func plotID(k spatial.PlotKey) uint64 {
	u, err := strconv.ParseUint(k.Unit, 10, 64)
	if err != nil || u > 99999 || k.Sheet <= 0 || k.Sheet > 99999 || k.Plot <= 0 || k.Plot > 99999 {
		return 0
	}
	return u*10_000_000_000 + uint64(k.Sheet)*100_000 + uint64(k.Plot)
}

// sheetID is the MVT feature id of a sheet: UUUUUSSSSS.
func sheetID(k spatial.SheetKey) uint64 {
	u, err := strconv.ParseUint(k.Unit, 10, 64)
	if err != nil || u > 99999 || k.Number <= 0 || k.Number > 99999 {
		return 0
	}
	return u*100_000 + uint64(k.Number)
}

func comparePlotKey(a, b spatial.PlotKey) int {
	return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Sheet, b.Sheet), cmp.Compare(a.Plot, b.Plot))
}
