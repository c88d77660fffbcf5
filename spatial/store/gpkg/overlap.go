package gpkg

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"cadastre/spatial"
	"cadastre/spatial/overlay"
)

// Overlaps walks the plots written in the transaction (the history rows
// above the zone's fid floor) a page at a time, so that memory does not
// grow with the batch. Written plots come out in file order, which is
// usually spatially coherent: one rtree query fetches every current plot
// around a page, indexed in memory for the page's plots; a scattered page
// (too many plots around it) asks the rtree plot by plot instead. A
// neighbour is measured only when the boxes overlap by more than minArea
// and interiorsMeet; the area then comes from an overlay on local
// coordinates. Plots of different zones are never compared: their
// coordinates are on different planes.

const (
	writtenPage   = 512              // written plots per page
	aroundLimit   = 16 * writtenPage // plots fetched around a page at most
	neighbourRows = `p.fid, p.unit, p.sheet, p.plot, p.geom`
)

// Overlaps lists the pairs of current plots of one zone, at least one of
// them written (inserted or changed) in this transaction, whose interiors
// overlap by more than minArea m² on the zone's plane (a negative minArea
// counts as 0). Each pair comes once, A before B by key, sorted by A then B.
func (t *writeTx) Overlaps(ctx context.Context, minArea float64) ([]spatial.Overlap, error) {
	const msg = "gpkg: looking for overlapping plots failed"
	if err := t.usable(); err != nil {
		return nil, err
	}
	f := &overlapFinder{minArea: math.Max(0, minArea), aroundLimit: t.aroundLimit, found: map[plotPair]float64{}}
	for _, z := range t.w.zones {
		if err := t.overlapsIn(ctx, z, f); err != nil {
			return nil, storeError(ctx, err, msg)
		}
	}
	return f.result(), nil
}

// overlapsIn visits the plots written in zone z, page by page.
func (t *writeTx) overlapsIn(ctx context.Context, z int, f *overlapFinder) error {
	near, err := t.tx.PrepareContext(ctx, `SELECT `+neighbourRows+`
FROM "rtree_`+plotTable(z)+`_geom" r JOIN `+plotTable(z)+` p ON p.fid = r.id
WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? LIMIT ?`)
	if err != nil {
		return err
	}
	defer near.Close()
	floor := t.w.floors[z] // zero for a zone created in this transaction
	f.curFloor = floor.current
	for after := floor.versions; ; {
		page, err := t.writtenPlots(ctx, z, after)
		if err != nil || len(page) == 0 {
			return err
		}
		if err := f.visitPage(ctx, near, page); err != nil {
			return err
		}
		after = page[len(page)-1].fid
	}
}

// overlapPlot is a plot row: its fid (in the table it was read from), key,
// geometry blob and bound, and (once needed) its decoded geometry.
type overlapPlot struct {
	fid   int64
	key   spatial.PlotKey
	geom  []byte
	bound orb.Bound
	mp    orb.MultiPolygon
}

// scanPlots reads rows of neighbourRows columns, skipping empty geometries.
func scanPlots(rows *sql.Rows, capacity int) ([]*overlapPlot, error) {
	defer rows.Close()
	out := make([]*overlapPlot, 0, capacity)
	for rows.Next() {
		p := &overlapPlot{}
		if err := rows.Scan(&p.fid, &p.key.Unit, &p.key.Sheet, &p.key.Plot, &p.geom); err != nil {
			return nil, err
		}
		b, nonEmpty, err := blobBound(p.geom)
		if err != nil {
			return nil, err
		}
		if nonEmpty {
			p.bound = b
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// writtenPlots returns the next page of current versions written in this
// transaction in zone z, after history fid after.
func (t *writeTx) writtenPlots(ctx context.Context, z int, after int64) ([]*overlapPlot, error) {
	rows, err := t.tx.QueryContext(ctx, "SELECT fid, unit, sheet, plot, geom FROM "+plotVersionTable(z)+
		" WHERE fid > ? AND change_seq = ? AND valid_to IS NULL AND NOT retired ORDER BY fid LIMIT ?",
		after, t.w.seq, writtenPage)
	if err != nil {
		return nil, err
	}
	return scanPlots(rows, writtenPage)
}

// around returns the current plots whose rtree boxes meet b, and false
// when there are more than limit.
func around(ctx context.Context, near *sql.Stmt, b orb.Bound, limit int) ([]*overlapPlot, bool, error) {
	rows, err := near.QueryContext(ctx, b.Max[0], b.Min[0], b.Max[1], b.Min[1], limit+1)
	if err != nil {
		return nil, false, err
	}
	plots, err := scanPlots(rows, 16)
	if err != nil || len(plots) > limit {
		return nil, false, err
	}
	return plots, true, nil
}

// visitPage measures the overlaps of a page of written plots with the
// plots around them.
func (f *overlapFinder) visitPage(ctx context.Context, near *sql.Stmt, page []*overlapPlot) error {
	b := page[0].bound
	for _, p := range page[1:] {
		b = b.Union(p.bound)
	}
	cands, ok, err := around(ctx, near, b, f.aroundLimit)
	if err != nil {
		return err
	}
	if !ok { // a scattered page: ask plot by plot
		for _, p := range page {
			if err := ctx.Err(); err != nil {
				return err
			}
			if cands, _, err = around(ctx, near, p.bound, math.MaxInt32); err != nil {
				return err
			}
			if err := f.visit(p, cands); err != nil {
				return err
			}
		}
		return nil
	}
	var idx rtree.RTreeG[*overlapPlot]
	for _, c := range cands {
		idx.Insert(c.bound.Min, c.bound.Max, c)
	}
	for _, p := range page {
		cands = cands[:0]
		idx.Search(p.bound.Min, p.bound.Max, func(_, _ [2]float64, c *overlapPlot) bool {
			cands = append(cands, c)
			return true
		})
		if err := f.visit(p, cands); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// plotPair is two keys, the smaller first.
type plotPair struct{ a, b spatial.PlotKey }

func newPlotPair(p, q spatial.PlotKey) plotPair {
	if compareKeys(q, p) < 0 {
		p, q = q, p
	}
	return plotPair{p, q}
}

func compareKeys(a, b spatial.PlotKey) int {
	return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Sheet, b.Sheet), cmp.Compare(a.Plot, b.Plot))
}

// overlapFinder collects the overlapping pairs (only those: its memory
// grows with the overlaps found, not with the plots visited).
type overlapFinder struct {
	minArea     float64
	aroundLimit int   // plots fetched around a page at most
	curFloor    int64 // the zone's current-table fid floor
	found       map[plotPair]float64
	scratch     []overlay.Edge
}

// visit measures the overlaps of written plot p with the plots whose boxes
// meet its own. A neighbour above the current-table fid floor was inserted
// in this transaction and is visited itself, so the pair is left to
// whichever of the two has the smaller key.
func (f *overlapFinder) visit(p *overlapPlot, cands []*overlapPlot) error {
	var ps *pairSide // p decoded on the first neighbour worth measuring
	for _, q := range cands {
		if q.key == p.key || q.fid > f.curFloor && compareKeys(q.key, p.key) < 0 {
			continue
		}
		pair := newPlotPair(p.key, q.key)
		if _, done := f.found[pair]; done || boxOverlap(p.bound, q.bound) <= f.minArea {
			continue // the overlap cannot exceed the boxes' overlap
		}
		var err error
		if ps == nil {
			if ps, err = newPairSide(p); err != nil {
				return err
			}
		}
		area, err := f.measure(ps, q)
		if err != nil {
			return fmt.Errorf("overlap of plots %s and %s: %w", p.key, q.key, err)
		}
		if area > f.minArea {
			f.found[pair] = area
		}
	}
	return nil
}

// decoded returns the plot's geometry, decoding it on first use (a plot
// around a page is the neighbour of several of the page's plots).
func (p *overlapPlot) decoded() (orb.MultiPolygon, error) {
	if p.mp == nil {
		mp, err := decodeMultiPolygon(p.geom)
		if err != nil {
			return nil, err
		}
		p.mp = mp
	}
	return p.mp, nil
}

// pairSide is a written plot decoded once for all its neighbours: its
// geometry and its edges relative to origin, its bound's corner.
type pairSide struct {
	origin orb.Point
	geom   orb.MultiPolygon
	edges  []overlay.Edge
}

func newPairSide(p *overlapPlot) (*pairSide, error) {
	g, err := p.decoded()
	if err != nil {
		return nil, err
	}
	return &pairSide{origin: p.bound.Min, geom: g, edges: overlay.LocalEdges(nil, g, p.bound.Min)}, nil
}

// measure returns the area shared by p and q: 0 when their interiors do not
// meet, else the area of their intersection.
func (f *overlapFinder) measure(p *pairSide, q *overlapPlot) (float64, error) {
	qg, err := q.decoded()
	if err != nil {
		return 0, err
	}
	f.scratch = overlay.LocalEdges(f.scratch[:0], qg, p.origin)
	if !overlay.InteriorsMeet(p.edges, f.scratch) {
		return 0, nil
	}
	return overlay.IntersectionArea(p.geom, qg, p.origin)
}

// boxOverlap returns the area two bounds share.
func boxOverlap(a, b orb.Bound) float64 {
	w := math.Min(a.Max[0], b.Max[0]) - math.Max(a.Min[0], b.Min[0])
	h := math.Min(a.Max[1], b.Max[1]) - math.Max(a.Min[1], b.Min[1])
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// result returns the pairs found, sorted.
func (f *overlapFinder) result() []spatial.Overlap {
	out := make([]spatial.Overlap, 0, len(f.found))
	for _, pair := range slices.SortedFunc(maps.Keys(f.found), func(x, y plotPair) int {
		return cmp.Or(compareKeys(x.a, y.a), compareKeys(x.b, y.b))
	}) {
		out = append(out, spatial.Overlap{A: pair.a, B: pair.b, Area: f.found[pair]})
	}
	return out
}
