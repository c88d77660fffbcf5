package tiles

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
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
	Bytes     int           // gzip-compressed size (what Render returns)
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
// gzip-compressed (the form cached and served), with its statistics.
// The result depends only on the snapshot's content and the options.
func (r *Renderer) Render(snap *index.Snapshot, l Layer, t maptile.Tile) ([]byte, Stats, error) {
	start := time.Now()
	if err := r.Check(t); err != nil {
		return nil, Stats{}, err
	}
	rc, _ := r.pool.Get().(*renderCtx)
	if rc == nil {
		rc = &renderCtx{r: r}
	}
	defer r.pool.Put(rc)
	rc.draw(snap, l, t, nil)
	data, st, err := rc.finish(snap, l, t)
	st.Took = time.Since(start)
	return data, st, err
}

// renderCtx is the state of one render; its buffers are reused.
type renderCtx struct {
	r       *Renderer
	frame   frame
	proj    cursor
	layers  []layerBuf
	geom    geomWriter
	ring    []pt
	clipBuf []pt
	found   []keyedPlot
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
func (rc *renderCtx) draw(snap *index.Snapshot, l Layer, t maptile.Tile, keep func(int) bool) {
	specs := l.specs()
	rc.frame, rc.proj, rc.keep, rc.ord, rc.recs, rc.st = newFrame(t), cursor{p: rc.r.proj}, keep, 0, rc.recs[:0], Stats{}
	if cap(rc.layers) < len(specs) {
		rc.layers = make([]layerBuf, len(specs))
	}
	rc.layers = rc.layers[:len(specs)]
	for i, s := range specs {
		rc.layers[i].reset(s)
	}
	z := int(t.Z)
	if l.hasSheets() && z >= rc.r.opt.SheetsMinZoom {
		rc.sheets(snap, &rc.layers[slices.Index(specs, sheetsSpec)])
	}
	if l.hasPlots() && z >= rc.r.opt.PlotsMinZoom {
		rc.plots(snap, &rc.layers[slices.Index(specs, plotsSpec)], &rc.layers[slices.Index(specs, labelsSpec)])
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
// points that fall inside the tile.
func (rc *renderCtx) plots(snap *index.Snapshot, layer, labels *layerBuf) {
	rc.found = rc.found[:0]
	snap.SearchPlots(rc.frame.search(), func(p *index.Plot) bool {
		rc.found = append(rc.found, keyedPlot{id: plotID(p.Key), p: p})
		return true
	})
	// The tree's order depends on insertion order; key order makes the
	// bytes of a tile a function of the data alone.
	slices.SortFunc(rc.found, func(a, b keyedPlot) int {
		return cmp.Or(cmp.Compare(a.id, b.id), comparePlotKey(a.p.Key, b.p.Key))
	})
	for _, k := range rc.found {
		p := k.p
		rc.geom.reset()
		if rc.polygons(p.Geometry, p.EPSG) && rc.next(1, p.Area) {
			before := len(layer.feats) + len(layer.vals)
			plotTags(layer, p)
			layer.feature(k.id, typePolygon, rc.geom.b)
			rc.sized(layer, before)
		}
		if rc.label(p) && rc.next(0, p.Area) {
			before := len(labels.feats) + len(labels.vals)
			labels.str(lfUnit, p.Key.Unit)
			labels.int(lfSheet, int64(p.Key.Sheet))
			labels.int(lfPlot, int64(p.Key.Plot))
			if len(p.LandUse) > 0 {
				labels.str(lfLandUse, p.LandUse[0])
			}
			labels.double(lfArea, p.Area)
			labels.feature(k.id, typePoint, rc.geom.b)
			rc.sized(labels, before)
		}
	}
	clear(rc.found) // no pointers into an old snapshot stay in the pool
	rc.found = rc.found[:0]
}

// label writes the label point of a plot into rc.geom if it falls inside
// the tile proper (not the buffer), so that exactly one tile carries it.
func (rc *renderCtx) label(p *index.Plot) bool {
	if !p.Merc.Intersects(rc.frame.merc) {
		return false
	}
	lp, ok := labelPoint(p.Geometry, &rc.xs)
	if !ok {
		return false
	}
	x, y, ok := rc.proj.mercator(p.EPSG, lp[0], lp[1])
	if !ok {
		return false
	}
	u := rc.frame.unit(x, y)
	if u.x < 0 || u.y < 0 || u.x >= Extent || u.y >= Extent {
		return false
	}
	rc.geom.reset()
	rc.geom.moveTo(u)
	return true
}

func plotTags(l *layerBuf, p *index.Plot) {
	l.str(pfUnit, p.Key.Unit)
	l.int(pfSheet, int64(p.Key.Sheet))
	l.int(pfPlot, int64(p.Key.Plot))
	l.str(pfCommune, p.Commune)
	l.str(pfLandUse, landUse(p.LandUse))
	if p.LegalArea != 0 {
		l.double(pfLegalArea, p.LegalArea)
	}
	l.double(pfArea, p.Area)
	l.int(pfVersion, int64(p.Version))
}

// landUse joins the codes with +, without allocating for the usual single
// code.
func landUse(codes []string) string {
	if len(codes) == 1 {
		return codes[0]
	}
	return strings.Join(codes, "+")
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
		if !rc.polygons(orb.MultiPolygon{densify(s.Frame, rc.r.opt.GridStep)}, s.EPSG) ||
			!rc.next(2, (b.Max[0]-b.Min[0])*(b.Max[1]-b.Min[1])) {
			continue
		}
		before := len(layer.feats) + len(layer.vals)
		layer.str(sfUnit, s.Key.Unit)
		layer.int(sfSheet, int64(s.Key.Number))
		layer.str(sfGrid, s.GridNumber)
		layer.int(sfScale, int64(s.Scale))
		layer.int(sfEPSG, int64(s.EPSG))
		layer.feature(sheetID(s.Key), typePolygon, rc.geom.b)
		rc.sized(layer, before)
	}
}

// polygons writes the parts of a plane multipolygon inside the buffered
// tile into rc.geom; false if nothing is left.
func (rc *renderCtx) polygons(mp orb.MultiPolygon, epsg int32) bool {
	any := false
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		ext, res := rc.tileRing(poly[0], epsg, true, rc.ring)
		rc.ring = ext
		if res == ringCollapsed {
			rc.st.Collapsed++
		}
		if res != ringKept {
			continue
		}
		rc.geom.ring(ext)
		any = true
		for _, h := range poly[1:] {
			hr, res := rc.tileRing(h, epsg, false, rc.ring)
			rc.ring = hr
			if res == ringCollapsed {
				rc.st.Collapsed++
			}
			if res == ringKept {
				rc.geom.ring(hr)
			}
		}
	}
	return any
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
