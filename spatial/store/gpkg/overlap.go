package gpkg

import (
	"context"
	"database/sql"
	"math"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/store/internal/overlapfind"
)

// Overlaps walks the plots written in the transaction (the history rows
// above the zone's fid floor) a page at a time, so that memory does not
// grow with the batch. Written plots come out in file order, which is
// usually spatially coherent: the page's plots are grouped by sheet, and
// one rtree query fetches every current plot around a group, indexed in
// memory for the group's plots; a scattered group (too many plots around
// it) asks the rtree plot by plot instead. A
// neighbour is measured only when the boxes overlap by more than minArea
// and their interiors meet (overlapfind); the area then comes from an overlay on local
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
	f := overlapfind.New(minArea, decodeMultiPolygon)
	for _, z := range t.w.zones {
		if err := t.overlapsIn(ctx, z, f); err != nil {
			return nil, storeError(ctx, err, msg)
		}
	}
	return f.Result(), nil
}

// overlapsIn visits the plots written in zone z, page by page.
func (t *writeTx) overlapsIn(ctx context.Context, z int, f *overlapfind.Finder) error {
	near, err := t.tx.PrepareContext(ctx, `SELECT `+neighbourRows+`
FROM "rtree_`+plotTable(z)+`_geom" r JOIN `+plotTable(z)+` p ON p.fid = r.id
WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? LIMIT ?`)
	if err != nil {
		return err
	}
	defer near.Close()
	floor := t.w.floors[z] // zero for a zone created in this transaction
	for after := floor.versions; ; {
		page, last, err := t.writtenPlots(ctx, z, after)
		if err != nil || last == after {
			return err
		}
		if len(page) > 0 {
			if err := t.visitPage(ctx, f, near, page, floor.current); err != nil {
				return err
			}
		}
		after = last
	}
}

// scanPlots reads rows of neighbourRows columns, skipping empty
// geometries; a plot whose current-table fid is above floor was written by
// this transaction.
func scanPlots(rows *sql.Rows, capacity int, floor int64) ([]*overlapfind.Plot, error) {
	defer rows.Close()
	out := make([]*overlapfind.Plot, 0, capacity)
	for rows.Next() {
		p := &overlapfind.Plot{}
		var fid int64
		if err := rows.Scan(&fid, &p.Key.Unit, &p.Key.Sheet, &p.Key.Plot, &p.Raw); err != nil {
			return nil, err
		}
		b, nonEmpty, err := blobBound(p.Raw)
		if err != nil {
			return nil, err
		}
		if nonEmpty {
			p.Bound, p.Written = b, fid > floor
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// writtenPlots returns the next page of current versions written in this
// transaction in zone z, after history fid after, and the fid of the last.
func (t *writeTx) writtenPlots(ctx context.Context, z int, after int64) ([]*overlapfind.Plot, int64, error) {
	rows, err := t.tx.QueryContext(ctx, "SELECT fid, unit, sheet, plot, geom FROM "+plotVersionTable(z)+
		" WHERE fid > ? AND change_seq = ? AND valid_to IS NULL AND NOT retired ORDER BY fid LIMIT ?",
		after, t.w.seq, writtenPage)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := make([]*overlapfind.Plot, 0, writtenPage)
	last := after
	for rows.Next() {
		p := &overlapfind.Plot{Written: true}
		if err := rows.Scan(&last, &p.Key.Unit, &p.Key.Sheet, &p.Key.Plot, &p.Raw); err != nil {
			return nil, 0, err
		}
		b, nonEmpty, err := blobBound(p.Raw)
		if err != nil {
			return nil, 0, err
		}
		if nonEmpty {
			p.Bound = b
			out = append(out, p)
		}
	}
	return out, last, rows.Err()
}

// around returns the current plots whose rtree boxes meet b, and false
// when there are more than limit.
func around(ctx context.Context, near *sql.Stmt, b orb.Bound, limit int, floor int64) ([]*overlapfind.Plot, bool, error) {
	rows, err := near.QueryContext(ctx, b.Max[0], b.Min[0], b.Max[1], b.Min[1], limit+1)
	if err != nil {
		return nil, false, err
	}
	plots, err := scanPlots(rows, 16, floor)
	if err != nil || len(plots) > limit {
		return nil, false, err
	}
	return plots, true, nil
}

// visitPage measures the overlaps of a page of written plots with the
// plots around them: one rtree query per sheet of the page, in order of
// first appearance (a page that ends one sheet and starts the next would
// otherwise ask for the box around both, often far apart, and fall back to
// a query per plot).
func (t *writeTx) visitPage(ctx context.Context, f *overlapfind.Finder, near *sql.Stmt, page []*overlapfind.Plot, floor int64) error {
	var order []spatial.SheetKey
	groups := map[spatial.SheetKey][]*overlapfind.Plot{}
	for _, p := range page {
		sk := p.Key.SheetKey()
		if _, ok := groups[sk]; !ok {
			order = append(order, sk)
		}
		groups[sk] = append(groups[sk], p)
	}
	for _, sk := range order {
		if err := t.visitGroup(ctx, f, near, groups[sk], floor); err != nil {
			return err
		}
	}
	return nil
}

// visitGroup measures the overlaps of written plots of one sheet with the
// plots around them, fetched with one rtree query; a scattered group (too
// many plots around it) asks the rtree plot by plot instead.
func (t *writeTx) visitGroup(ctx context.Context, f *overlapfind.Finder, near *sql.Stmt, group []*overlapfind.Plot, floor int64) error {
	cands, ok, err := around(ctx, near, overlapfind.Page(group), t.aroundLimit, floor)
	if err != nil {
		return err
	}
	if ok {
		if err := f.VisitPage(group, cands); err != nil {
			return err
		}
		return ctx.Err()
	}
	for _, p := range group {
		if err := ctx.Err(); err != nil {
			return err
		}
		if cands, _, err = around(ctx, near, p.Bound, math.MaxInt32, floor); err != nil {
			return err
		}
		if err := f.Visit(p, cands); err != nil {
			return err
		}
	}
	return nil
}
