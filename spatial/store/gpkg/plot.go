package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"cadastre/spatial"
)

const (
	plotColumns        = "geom, unit, sheet, plot, commune, land_use, legal_area, area, address, version, valid_from, changed_by, reason, source"
	plotColumnCount    = 14
	plotVersionColumns = plotColumns + ", valid_to, retired, change_seq"
)

// plotDDL creates a plot table: the current plots, or (history) every
// version with its validity period.
func plotDDL(table string, history bool) []string {
	extra, key, unique := "", "unit, sheet, plot", table+"_key"
	if history {
		extra = `,
  valid_to TEXT,
  retired BOOLEAN NOT NULL DEFAULT 0,
  change_seq INTEGER NOT NULL`
		key += ", version"
	}
	return []string{
		`CREATE TABLE "` + table + `" (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom MULTIPOLYGON NOT NULL,
  unit TEXT NOT NULL,
  sheet INTEGER NOT NULL,
  plot INTEGER NOT NULL,
  commune TEXT NOT NULL,
  land_use TEXT NOT NULL,
  legal_area DOUBLE NOT NULL,
  area DOUBLE NOT NULL,
  address TEXT NOT NULL,
  version INTEGER NOT NULL,
  valid_from TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  source TEXT NOT NULL` + extra + `)`,
		`CREATE UNIQUE INDEX "` + unique + `" ON "` + table + `" (` + key + `)`,
	}
}

func plotSQL(epsg int) tableSQL {
	cur, hist := plotTable(epsg), plotVersionTable(epsg)
	return tableSQL{
		find:          "SELECT fid, " + plotColumns + " FROM " + cur + " WHERE unit = ? AND sheet = ? AND plot = ?",
		insert:        "INSERT INTO " + cur + " (" + plotColumns + ") VALUES (" + placeholders(plotColumnCount) + ")",
		update:        "UPDATE " + cur + " SET (" + plotColumns + ") = (" + placeholders(plotColumnCount) + ") WHERE fid = ?",
		remove:        "DELETE FROM " + cur + " WHERE fid = ?",
		insertVersion: "INSERT INTO " + hist + " (" + plotVersionColumns + ") VALUES (" + placeholders(plotColumnCount+3) + ")",
		closeVersion:  "UPDATE " + hist + " SET valid_to = ? WHERE unit = ? AND sheet = ? AND plot = ? AND version = ?",
	}
}

// plotRow is one scanned row of a plot table.
type plotRow struct {
	fid       int64
	geom      []byte
	key       spatial.PlotKey
	commune   string
	landUse   string
	legalArea float64
	area      float64
	address   string
	version   int
	validFrom string
	changedBy string
	reason    string
	source    string
	validTo   sql.NullString
	retired   bool
	changeSeq int64
}

// dest returns scan destinations for "[fid, ]plotColumns[, history]".
func (r *plotRow) dest(fid, history bool) []any {
	d := make([]any, 0, plotColumnCount+4)
	if fid {
		d = append(d, &r.fid)
	}
	d = append(d, &r.geom, &r.key.Unit, &r.key.Sheet, &r.key.Plot, &r.commune, &r.landUse, &r.legalArea,
		&r.area, &r.address, &r.version, &r.validFrom, &r.changedBy, &r.reason, &r.source)
	if history {
		d = append(d, &r.validTo, &r.retired, &r.changeSeq)
	}
	return d
}

// plot builds the domain plot of a row of zone epsg's tables.
func (r *plotRow) plot(epsg int) (*spatial.Plot, error) {
	g, err := decodeMultiPolygon(r.geom)
	if err != nil {
		return nil, err
	}
	from, err := parseTime(r.validFrom)
	if err != nil {
		return nil, err
	}
	to, err := parseNullTime(r.validTo)
	if err != nil {
		return nil, err
	}
	return &spatial.Plot{
		Key: r.key, Commune: r.commune, EPSG: epsg, Geometry: g, LandUse: splitLandUse(r.landUse),
		LegalArea: r.legalArea, Area: r.area, Address: r.address,
		Version: spatial.Version{Version: r.version, ValidFrom: from, ValidTo: to, ChangedBy: r.changedBy,
			Reason: r.reason, Source: r.source, Retired: r.retired},
	}, nil
}

// Land-use codes are stored as one text, main purpose first: "ONT+CLN".
func joinLandUse(codes []string) string { return strings.Join(codes, "+") }

func splitLandUse(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "+")
}

// plotArgs returns the values of plotColumns.
func plotArgs(p *spatial.Plot, blob []byte, v spatial.Version) []any {
	return []any{blob, p.Key.Unit, p.Key.Sheet, p.Key.Plot, p.Commune, joinLandUse(p.LandUse), p.LegalArea,
		p.Area, p.Address, v.Version, formatTime(v.ValidFrom), v.ChangedBy, v.Reason, v.Source}
}

// plotVersionArgs returns the values of plotVersionColumns.
func plotVersionArgs(p *spatial.Plot, blob []byte, v spatial.Version, changeSeq int64) []any {
	return append(plotArgs(p, blob, v), nullTime(v.ValidTo), v.Retired, changeSeq)
}

// Plot returns a plot with its history, newest first; a retired plot stays
// readable (its newest version has Retired set).
func (s *Store) Plot(ctx context.Context, key spatial.PlotKey) (*spatial.PlotHistory, error) {
	const msg = "gpkg: reading a plot failed"
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	defer tx.Rollback()
	zones, err := zonesInUse(ctx, tx)
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	var versions []*spatial.Plot
	for _, z := range zones {
		vs, err := plotVersions(ctx, tx, z, key)
		if err != nil {
			return nil, storeError(ctx, err, msg)
		}
		versions = append(versions, vs...)
	}
	if len(versions) == 0 {
		return nil, spatial.Errorf(spatial.KindNotFound, "plot %s not found", key)
	}
	slices.SortFunc(versions, func(a, b *spatial.Plot) int { return b.Version.Version - a.Version.Version })
	return &spatial.PlotHistory{Current: versions[0], Versions: versions}, nil
}

func plotVersions(ctx context.Context, q querier, epsg int, key spatial.PlotKey) ([]*spatial.Plot, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+plotVersionColumns+" FROM "+plotVersionTable(epsg)+
		" WHERE unit = ? AND sheet = ? AND plot = ? ORDER BY version DESC", key.Unit, key.Sheet, key.Plot)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*spatial.Plot
	for rows.Next() {
		var r plotRow
		if err := rows.Scan(r.dest(false, true)...); err != nil {
			return nil, err
		}
		p, err := r.plot(epsg)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// EachPlot streams the current plots of every zone, zone by zone, from one
// read snapshot. It stops at the first error fn returns and returns that
// error unchanged.
func (s *Store) EachPlot(ctx context.Context, fn func(*spatial.Plot) error) error {
	return s.eachPlotRow(ctx, "gpkg: reading plots failed", false, fn)
}

// eachPlotRow streams, from one read snapshot and zone by zone, the rows
// of the current plot tables or (history) of the version tables. An error
// from fn is returned unchanged; others are the store's, under msg.
func (s *Store) eachPlotRow(ctx context.Context, msg string, history bool, fn func(*spatial.Plot) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return storeError(ctx, err, msg)
	}
	defer tx.Rollback()
	zones, err := zonesInUse(ctx, tx)
	if err != nil {
		return storeError(ctx, err, msg)
	}
	for _, z := range zones {
		stop, err := eachPlotIn(ctx, tx, z, history, fn)
		if stop {
			return err
		}
		if err != nil {
			return storeError(ctx, err, msg)
		}
	}
	return nil
}

// eachPlotIn calls fn for each plot row of one zone (current rows, or
// every version with history); stop reports that err came from fn.
func eachPlotIn(ctx context.Context, q querier, epsg int, history bool, fn func(*spatial.Plot) error) (stop bool, err error) {
	query := "SELECT " + plotColumns + " FROM " + plotTable(epsg) + " ORDER BY fid"
	if history {
		query = "SELECT " + plotVersionColumns + " FROM " + plotVersionTable(epsg) + " ORDER BY fid"
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		var r plotRow
		if err := rows.Scan(r.dest(false, history)...); err != nil {
			return false, err
		}
		p, err := r.plot(epsg)
		if err != nil {
			return false, err
		}
		if err := fn(p); err != nil {
			return true, err
		}
	}
	return false, rows.Err()
}

// findPlot returns the current row of key and its zone, looking in zone
// prefer first; nil when the plot is not current in any zone.
func (w *writer) findPlot(ctx context.Context, key spatial.PlotKey, prefer int) (*plotRow, int, error) {
	for _, z := range w.searchOrder(prefer) {
		st, err := w.stmts(ctx, z)
		if err != nil {
			return nil, 0, err
		}
		var r plotRow
		err = st.plot.find.QueryRowContext(ctx, key.Unit, key.Sheet, key.Plot).Scan(r.dest(true, false)...)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		return &r, z, nil
	}
	return nil, 0, nil
}

// writePlot stores p as version 1, as a new version of its current version
// (st, from the chunk's plan), or not at all when nothing changed. It sets
// p.Version to the stored one.
func (w *writer) writePlot(ctx context.Context, p *spatial.Plot, st plotStep) error {
	old := st.old
	if old != nil && old.SameContent(p) {
		p.Version = old.Version
		w.res.Unchanged++
		return nil
	}
	blob, bound, err := encodeGeom(p.EPSG, p.Geometry)
	if err != nil {
		return err
	}
	p.Version = w.newVersion(1)
	if p.Note != "" {
		p.Version.Reason = p.Note // a renumbering's note (issue 18)
	}
	if old == nil {
		err = w.insertPlot(ctx, p, blob)
		w.res.Inserted++
	} else {
		p.Version.Version = old.Version.Version + 1
		err = w.replacePlot(ctx, p, blob, st.cur.fid, st.zone)
		w.res.Changed++
	}
	if err != nil {
		return err
	}
	w.extend(plotTable(p.EPSG), bound)
	w.extend(plotVersionTable(p.EPSG), bound)
	w.touch(p.Key)
	return nil
}

func (w *writer) insertPlot(ctx context.Context, p *spatial.Plot, blob []byte) error {
	st, err := w.stmts(ctx, p.EPSG)
	if err != nil {
		return err
	}
	if _, err := st.plot.insertVersion.ExecContext(ctx, plotVersionArgs(p, blob, p.Version, w.seq)...); err != nil {
		return err
	}
	_, err = st.plot.insert.ExecContext(ctx, plotArgs(p, blob, p.Version)...)
	return err
}

// replacePlot closes the current version (in zone curZone) and stores p as
// the next one, moving the plot between zone tables if its zone changed.
func (w *writer) replacePlot(ctx context.Context, p *spatial.Plot, blob []byte, fid int64, curZone int) error {
	if err := w.closePlotVersion(ctx, p.Key, p.Version.Version-1, curZone); err != nil {
		return err
	}
	st, err := w.stmts(ctx, p.EPSG)
	if err != nil {
		return err
	}
	if _, err := st.plot.insertVersion.ExecContext(ctx, plotVersionArgs(p, blob, p.Version, w.seq)...); err != nil {
		return err
	}
	if curZone == p.EPSG {
		_, err = st.plot.update.ExecContext(ctx, append(plotArgs(p, blob, p.Version), fid)...)
		return err
	}
	if err := w.removeCurrentPlot(ctx, fid, curZone); err != nil {
		return err
	}
	_, err = st.plot.insert.ExecContext(ctx, plotArgs(p, blob, p.Version)...)
	return err
}

func (w *writer) closePlotVersion(ctx context.Context, key spatial.PlotKey, version, epsg int) error {
	st, err := w.stmts(ctx, epsg)
	if err != nil {
		return err
	}
	_, err = st.plot.closeVersion.ExecContext(ctx, w.atText, key.Unit, key.Sheet, key.Plot, version)
	w.extend(plotVersionTable(epsg), emptyBound)
	return err
}

func (w *writer) removeCurrentPlot(ctx context.Context, fid int64, epsg int) error {
	st, err := w.stmts(ctx, epsg)
	if err != nil {
		return err
	}
	_, err = st.plot.remove.ExecContext(ctx, fid)
	w.extend(plotTable(epsg), emptyBound)
	return err
}
