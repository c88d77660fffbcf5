package gpkg

import (
	"context"
	"fmt"
	"strings"

	"cadastre/spatial"
)

// Retiring a plot (split, merge) never deletes it: its last version is
// closed and a retired version with the same content follows it in the
// history; only the row of the current table goes.

// retire retires every key, or returns a KindInvalid error naming each key
// that is unknown, already retired or listed twice.
func (w *writer) retire(ctx context.Context, keys []spatial.PlotKey) error {
	var probs []spatial.Problem
	seen := make(map[spatial.PlotKey]bool, len(keys))
	for i, k := range keys {
		bad := func(reason string) {
			probs = append(probs, spatial.Problem{Index: -1, Feature: k.String(), Field: fmt.Sprintf("retire[%d]", i), Reason: reason})
		}
		if seen[k] {
			bad("plot is listed twice for retirement")
			continue
		}
		seen[k] = true
		cur, z, err := w.findPlot(ctx, k, 0)
		if err != nil {
			return err
		}
		if cur == nil {
			reason, err := w.whyNotCurrent(ctx, k)
			if err != nil {
				return err
			}
			bad(reason)
			continue
		}
		if err := w.retireRow(ctx, cur, z); err != nil {
			return err
		}
	}
	if len(probs) > 0 {
		names := make([]string, len(probs))
		for i, p := range probs {
			names[i] = p.Feature
		}
		return spatial.Invalid("cannot retire "+strings.Join(names, ", ")+"; nothing stored", probs)
	}
	return nil
}

// whyNotCurrent tells an unknown plot from a retired one.
func (w *writer) whyNotCurrent(ctx context.Context, k spatial.PlotKey) (string, error) {
	for _, z := range w.zones {
		var one int
		err := w.tx.QueryRowContext(ctx, "SELECT count(*) FROM "+plotVersionTable(z)+
			" WHERE unit = ? AND sheet = ? AND plot = ?", k.Unit, k.Sheet, k.Plot).Scan(&one)
		if err != nil {
			return "", err
		}
		if one > 0 {
			return "plot is already retired", nil
		}
	}
	return "no such plot", nil
}

// retireRow closes the current version of a plot in zone epsg, adds a
// retired version with the same content and removes the current row.
func (w *writer) retireRow(ctx context.Context, cur *plotRow, epsg int) error {
	p, err := cur.plot(epsg)
	if err != nil {
		return err
	}
	if err := w.closePlotVersion(ctx, p.Key, p.Version.Version, epsg); err != nil {
		return err
	}
	v := w.newVersion(p.Version.Version + 1)
	v.Retired = true
	st, err := w.stmts(ctx, epsg)
	if err != nil {
		return err
	}
	if _, err := st.plot.insertVersion.ExecContext(ctx, plotVersionArgs(p, cur.geom, v, w.seq)...); err != nil {
		return err
	}
	if err := w.removeCurrentPlot(ctx, cur.fid, epsg); err != nil {
		return err
	}
	w.res.Retired++
	w.res.Touched = append(w.res.Touched, p.Key)
	return nil
}
