package gpkg

import "context"

// Retiring a plot (split, merge) never deletes it: its last version is
// closed and a retired version with the same content follows it in the
// history; only the row of the current table goes. The chunk's plan has
// checked that every key names a current plot, once.

// retireRow closes the current version of a plot (st, from the chunk's
// plan), adds a retired version with the same content and removes the
// current row.
func (w *writer) retireRow(ctx context.Context, st plotStep) error {
	p, cur, epsg := st.old, st.cur, st.zone
	if err := w.closePlotVersion(ctx, p.Key, p.Version.Version, epsg); err != nil {
		return err
	}
	v := w.newVersion(p.Version.Version + 1)
	v.Retired = true
	zs, err := w.stmts(ctx, epsg)
	if err != nil {
		return err
	}
	if _, err := zs.plot.insertVersion.ExecContext(ctx, plotVersionArgs(p, cur.geom, v, w.seq)...); err != nil {
		return err
	}
	if err := w.removeCurrentPlot(ctx, cur.fid, epsg); err != nil {
		return err
	}
	w.res.Retired++
	w.touch(p.Key)
	return nil
}
