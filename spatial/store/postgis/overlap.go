package postgis

import (
	"cmp"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/store/internal/overlapfind"
)

// CurrentKeys lists the current, not retired plot keys of a sheet as this
// transaction sees them (stored, changed or written by earlier chunks), in
// plot number order.
func (t *Tx) CurrentKeys(ctx context.Context, sheet spatial.SheetKey) ([]spatial.PlotKey, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(ctx, `SELECT unit, sheet, plot FROM plots
		WHERE unit = $1 AND sheet = $2 AND valid_to IS NULL AND NOT retired ORDER BY plot`, sheet.Unit, sheet.Number)
	if err != nil {
		return nil, t.readErr(err, "list current keys")
	}
	keys, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (spatial.PlotKey, error) {
		var k spatial.PlotKey
		return k, row.Scan(&k.Unit, &k.Sheet, &k.Plot)
	})
	if err != nil {
		return nil, t.readErr(err, "list current keys")
	}
	return keys, nil
}

// Overlaps walks the plots written in this transaction (rows of its change
// seq, in id order: file order, usually spatially coherent) a page at a
// time, so that memory does not grow with the batch. For each page one
// round trip fetches the current plots around it: the page's plots are
// grouped by sheet, and a GiST probe per group's bound returns the plots
// there, the page's own among them. overlapfind
// then measures the pairs in Go: a box test, the edge test "do the
// interiors meet", and an exact overlay only when they do. (PostGIS's
// ST_Intersection on every pair of neighbours sharing an edge made this
// most of a province's ingest time.)
const writtenPage = 2048 // written plots per page

// Overlaps lists the pairs of current plots, at least one of them written
// (inserted or changed) in this transaction, in the same zone, whose
// interiors overlap by more than minArea m² on the plane (a negative
// minArea counts as 0). Each pair comes once, A before B by key; pairs are
// sorted.
func (t *Tx) Overlaps(ctx context.Context, minArea float64) ([]spatial.Overlap, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	f := overlapfind.New(minArea, decodeMultiPolygon)
	if err := t.findOverlaps(ctx, f); err != nil {
		return nil, t.readErr(err, "find overlaps")
	}
	return f.Result(), nil
}

// writtenPlot is a current plot this transaction wrote: id, sheet, zone
// and bound.
type writtenPlot struct {
	id    int64
	sheet spatial.SheetKey
	epsg  int
	bound orb.Bound
}

// findOverlaps visits the written plots page by page: ranges of ids from
// the first to the last of this transaction (found through
// plots_change_seq), walked on the primary key. Writers take turns, so
// nearly every id in the range is this transaction's; "+ 0" and the
// coalesce keep the planner off plots_change_seq and plots_current_key
// (with either, a generic plan ANDs the page's id range with a scan of a
// whole index: 60 ms a page at a million plots).
//
// The pages are read by a goroutine one page ahead of the measures: the
// queries of page n+1 run in PostgreSQL while Go measures page n (at the
// end of an ingest this search was a serial tail of several seconds, the
// two halves about equal).
func (t *Tx) findOverlaps(ctx context.Context, f *overlapfind.Finder) error {
	var first, last *int64
	if err := t.tx.QueryRow(ctx, `SELECT min(id), max(id) FROM plots WHERE change_seq = $1`, t.seq).Scan(&first, &last); err != nil || first == nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan fetched, 1)
	fetchErr := make(chan error, 1)
	go func() {
		defer close(pages)
		fetchErr <- t.fetchPages(ctx, *first, *last, pages)
	}()
	var err error
	for pg := range pages {
		if err != nil {
			continue // drain: the reader stops at the cancel
		}
		for zone, ps := range pg.written {
			if err = f.VisitPage(ps, pg.zones[zone]); err != nil {
				cancel()
				break
			}
		}
	}
	if ferr := <-fetchErr; err == nil {
		err = ferr
	}
	return err
}

// fetched is one page of written plots with the current plots around
// them, by zone.
type fetched struct {
	written, zones map[int][]*overlapfind.Plot
}

// fetchPages reads the written plots from id first to last page by page,
// each with the plots around it, into pages.
func (t *Tx) fetchPages(ctx context.Context, first, last int64, pages chan<- fetched) error {
	for lo := first; lo <= last; lo += writtenPage {
		rows, err := t.tx.Query(ctx, `SELECT p.id, p.unit, p.sheet, p.epsg, ST_AsBinary(p.geom) FROM plots p
			WHERE p.id >= $1 AND p.id < $2 AND p.change_seq + 0 = $3
				AND coalesce(p.valid_to, 'infinity') = 'infinity' AND NOT p.retired`,
			lo, lo+writtenPage, t.seq)
		if err != nil {
			return err
		}
		page, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (writtenPlot, error) {
			var w writtenPlot
			var raw []byte
			if err := row.Scan(&w.id, &w.sheet.Unit, &w.sheet.Number, &w.epsg, &raw); err != nil {
				return w, err
			}
			var err error
			w.bound, err = wkbBound(raw)
			return w, err
		})
		if err != nil {
			return err
		}
		if len(page) > 0 {
			pg, err := t.fetchAround(ctx, page)
			if err != nil {
				return err
			}
			select {
			case pages <- pg:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// group is the written plots of one sheet in a page.
type group struct {
	epsg  int
	bound orb.Bound
}

// fetchAround fetches the current plots around a page of written plots.
func (t *Tx) fetchAround(ctx context.Context, page []writtenPlot) (fetched, error) {
	groups := map[spatial.SheetKey]*group{}
	for _, w := range page {
		if g, ok := groups[w.sheet]; ok && g.epsg == w.epsg {
			g.bound = g.bound.Union(w.bound)
			continue
		}
		groups[w.sheet] = &group{epsg: w.epsg, bound: w.bound} // a plot of another zone on the sheet cannot be (Batch.Check)
	}
	// One GiST probe per group, sent together as one batch (one round
	// trip): a join over the groups would leave the plan to statistics a
	// first load does not have yet (a sequential scan per page).
	batch := &pgx.Batch{}
	for _, g := range groups {
		batch.Queue(`SELECT p.id, p.unit, p.sheet, p.plot, p.epsg, p.change_seq, ST_AsBinary(p.geom)
			FROM plots p WHERE p.geom && ST_MakeEnvelope($1, $2, $3, $4, $5) AND p.epsg = $5
				AND coalesce(p.valid_to, 'infinity') = 'infinity' AND NOT p.retired`,
			g.bound.Min[0], g.bound.Min[1], g.bound.Max[0], g.bound.Max[1], g.epsg)
	}
	// "coalesce(valid_to, 'infinity') = 'infinity'" says valid_to IS NULL
	// in words the planner cannot match with the partial index
	// plots_current_key: on a table without statistics it would otherwise
	// AND each GiST probe with a scan of that whole index.
	around := map[int64]*overlapfind.Plot{}
	zones := map[int][]*overlapfind.Plot{}
	res := t.tx.SendBatch(ctx, batch)
	for range groups {
		rows, err := res.Query()
		if err != nil {
			res.Close()
			return fetched{}, err
		}
		for rows.Next() {
			var id, seq int64
			var zone int
			p := &overlapfind.Plot{}
			err := rows.Scan(&id, &p.Key.Unit, &p.Key.Sheet, &p.Key.Plot, &zone, &seq, &p.Raw)
			if err == nil {
				p.Bound, err = wkbBound(p.Raw)
			}
			if err != nil {
				rows.Close()
				res.Close()
				return fetched{}, err
			}
			if _, dup := around[id]; dup { // near the border of two groups
				continue
			}
			p.Written = seq == t.seq
			around[id] = p
			zones[zone] = append(zones[zone], p)
		}
		if err := rows.Err(); err != nil {
			res.Close()
			return fetched{}, err
		}
	}
	if err := res.Close(); err != nil {
		return fetched{}, err
	}
	written := map[int][]*overlapfind.Plot{}
	for _, w := range page {
		p, ok := around[w.id]
		if !ok {
			return fetched{}, fmt.Errorf("written plot row %d not found around its own bound", w.id)
		}
		written[w.epsg] = append(written[w.epsg], p)
	}
	return fetched{written: written, zones: zones}, nil
}

// compareKeys orders plot keys by unit, sheet and plot number.
func compareKeys(a, b spatial.PlotKey) int {
	return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Sheet, b.Sheet), cmp.Compare(a.Plot, b.Plot))
}
