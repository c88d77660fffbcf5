package gpkg

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"

	"cadastre/spatial"
	"cadastre/spatial/grid"
)

const (
	sheetColumns        = "geom, unit, number, grid_number, scale, survey_year, version, valid_from, changed_by, reason, source, off_grid"
	sheetColumnCount    = 12
	sheetVersionColumns = sheetColumns + ", valid_to, change_seq"
)

// sheetDDL creates a sheet table: the current frames, or (history) every
// version with its validity period.
func sheetDDL(table string, history bool) []string {
	extra, key := "", "unit, number"
	if history {
		extra = `,
  valid_to TEXT,
  change_seq INTEGER NOT NULL`
		key += ", version"
	}
	return []string{
		`CREATE TABLE "` + table + `" (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom MULTIPOLYGON NOT NULL,
  unit TEXT NOT NULL,
  number INTEGER NOT NULL,
  grid_number TEXT NOT NULL,
  scale INTEGER NOT NULL,
  survey_year INTEGER,
  version INTEGER NOT NULL,
  valid_from TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  source TEXT NOT NULL,
  off_grid INTEGER NOT NULL DEFAULT 0` + extra + `)`,
		`CREATE UNIQUE INDEX "` + table + `_key" ON "` + table + `" (` + key + `)`,
	}
}

func sheetSQL(epsg int) tableSQL {
	cur, hist := sheetTable(epsg), sheetVersionTable(epsg)
	return tableSQL{
		find:          "SELECT fid, " + sheetColumns + " FROM " + cur + " WHERE unit = ? AND number = ?",
		insert:        "INSERT INTO " + cur + " (" + sheetColumns + ") VALUES (" + placeholders(sheetColumnCount) + ")",
		update:        "UPDATE " + cur + " SET (" + sheetColumns + ") = (" + placeholders(sheetColumnCount) + ") WHERE fid = ?",
		remove:        "DELETE FROM " + cur + " WHERE fid = ?",
		insertVersion: "INSERT INTO " + hist + " (" + sheetVersionColumns + ") VALUES (" + placeholders(sheetColumnCount+2) + ")",
		closeVersion:  "UPDATE " + hist + " SET valid_to = ? WHERE unit = ? AND number = ? AND version = ?",
	}
}

// sheetRow is one scanned row of a current sheet table.
type sheetRow struct {
	fid        int64
	geom       []byte
	key        spatial.SheetKey
	gridNumber string
	scale      int
	surveyYear sql.NullInt64
	version    int
	validFrom  string
	changedBy  string
	reason     string
	source     string
	offGrid    bool
}

func (r *sheetRow) dest(fid bool) []any {
	d := make([]any, 0, sheetColumnCount+1)
	if fid {
		d = append(d, &r.fid)
	}
	return append(d, &r.geom, &r.key.Unit, &r.key.Number, &r.gridNumber, &r.scale, &r.surveyYear,
		&r.version, &r.validFrom, &r.changedBy, &r.reason, &r.source, &r.offGrid)
}

func (r *sheetRow) sheet(epsg int) (*spatial.Sheet, error) {
	frame, err := decodeMultiPolygon(r.geom) // a Polygon in files written before issue 13
	if err != nil {
		return nil, err
	}
	from, err := parseTime(r.validFrom)
	if err != nil {
		return nil, err
	}
	return &spatial.Sheet{
		Key: r.key, GridNumber: r.gridNumber, Scale: grid.Scale(r.scale), EPSG: epsg, OffGrid: r.offGrid, Frame: frame,
		SurveyYear: int(r.surveyYear.Int64),
		Version:    spatial.Version{Version: r.version, ValidFrom: from, ChangedBy: r.changedBy, Reason: r.reason, Source: r.source},
	}, nil
}

func sheetArgs(s *spatial.Sheet, blob []byte) []any {
	year := sql.NullInt64{Int64: int64(s.SurveyYear), Valid: s.SurveyYear != 0}
	v := s.Version
	return []any{blob, s.Key.Unit, s.Key.Number, s.GridNumber, int(s.Scale), year,
		v.Version, formatTime(v.ValidFrom), v.ChangedBy, v.Reason, v.Source, s.OffGrid}
}

// Sheets lists the current sheets of a survey unit ("" for all), ordered
// by unit and number.
func (s *Store) Sheets(ctx context.Context, unit string) ([]*spatial.Sheet, error) {
	const msg = "gpkg: reading sheets failed"
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	defer tx.Rollback()
	zones, err := zonesInUse(ctx, tx)
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	var out []*spatial.Sheet
	for _, z := range zones {
		sh, err := sheetsIn(ctx, tx, z, unit)
		if err != nil {
			return nil, storeError(ctx, err, msg)
		}
		out = append(out, sh...)
	}
	slices.SortFunc(out, func(a, b *spatial.Sheet) int {
		return cmp.Or(cmp.Compare(a.Key.Unit, b.Key.Unit), cmp.Compare(a.Key.Number, b.Key.Number))
	})
	return out, nil
}

func sheetsIn(ctx context.Context, q querier, epsg int, unit string) ([]*spatial.Sheet, error) {
	query, args := "SELECT "+sheetColumns+" FROM "+sheetTable(epsg), []any{}
	if unit != "" {
		query, args = query+" WHERE unit = ?", append(args, unit)
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY unit, number", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*spatial.Sheet
	for rows.Next() {
		var r sheetRow
		if err := rows.Scan(r.dest(false)...); err != nil {
			return nil, err
		}
		sh, err := r.sheet(epsg)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

// Sheet returns one current sheet; KindNotFound if there is none.
func (s *Store) Sheet(ctx context.Context, key spatial.SheetKey) (*spatial.Sheet, error) {
	const msg = "gpkg: reading a sheet failed"
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	defer tx.Rollback()
	zones, err := zonesInUse(ctx, tx)
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	for _, z := range zones {
		var r sheetRow
		err := tx.QueryRowContext(ctx, "SELECT "+sheetColumns+" FROM "+sheetTable(z)+" WHERE unit = ? AND number = ?",
			key.Unit, key.Number).Scan(r.dest(false)...)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, storeError(ctx, err, msg)
		}
		sh, err := r.sheet(z)
		return sh, storeError(ctx, err, msg)
	}
	return nil, spatial.Errorf(spatial.KindNotFound, "sheet %s not found", key)
}

// findSheet returns the current row of key and its zone, looking in zone
// prefer first; nil when no zone holds the sheet.
func (w *writer) findSheet(ctx context.Context, key spatial.SheetKey, prefer int) (*sheetRow, int, error) {
	for _, z := range w.searchOrder(prefer) {
		st, err := w.stmts(ctx, z)
		if err != nil {
			return nil, 0, err
		}
		var r sheetRow
		err = st.sheet.find.QueryRowContext(ctx, key.Unit, key.Number).Scan(r.dest(true)...)
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

// storedSheets loads the sheets that the batch's plots need and the batch
// does not carry, for Batch.Check: stored (or written earlier in the
// transaction), else given to it in a refused chunk.
func (w *writer) storedSheets(ctx context.Context, b *spatial.Batch, given map[spatial.SheetKey]*spatial.Sheet) (spatial.SheetLookup, error) {
	found := map[spatial.SheetKey]*spatial.Sheet{}
	for _, s := range b.Sheets {
		found[s.Key] = nil // in the batch: Check looks there first
	}
	for _, p := range b.Plots {
		k := p.Key.SheetKey()
		if _, done := found[k]; done {
			continue
		}
		r, z, err := w.findSheet(ctx, k, p.EPSG)
		if err != nil {
			return nil, err
		}
		found[k] = given[k]
		if r != nil {
			if found[k], err = r.sheet(z); err != nil {
				return nil, err
			}
		}
	}
	return func(k spatial.SheetKey) (*spatial.Sheet, bool) {
		s := found[k]
		return s, s != nil
	}, nil
}

// writeSheet stores s as version 1, as a new version of the current
// sheet, or not at all when nothing changed.
func (w *writer) writeSheet(ctx context.Context, s *spatial.Sheet) error {
	cur, curZone, err := w.findSheet(ctx, s.Key, s.EPSG)
	if err != nil {
		return err
	}
	var old *spatial.Sheet
	if cur != nil {
		if old, err = cur.sheet(curZone); err != nil {
			return err
		}
		if old.SameContent(s) {
			s.Version = old.Version
			return nil
		}
	}
	blob, bound, err := encodeGeom(s.EPSG, s.Frame)
	if err != nil {
		return err
	}
	s.Version = w.newVersion(1)
	if s.Note != "" {
		s.Version.Reason = s.Note // a renumbering's note (issue 18)
	}
	if old != nil {
		s.Version.Version = old.Version.Version + 1
	}
	if err := w.storeSheet(ctx, s, blob, cur, curZone); err != nil {
		return err
	}
	w.extend(sheetTable(s.EPSG), bound)
	w.extend(sheetVersionTable(s.EPSG), bound)
	w.res.Sheets++
	return nil
}

// storeSheet writes the new version of s, closing the current one (cur,
// in zone curZone) when there is one.
func (w *writer) storeSheet(ctx context.Context, s *spatial.Sheet, blob []byte, cur *sheetRow, curZone int) error {
	st, err := w.stmts(ctx, s.EPSG)
	if err != nil {
		return err
	}
	if cur != nil {
		old, err := w.stmts(ctx, curZone)
		if err != nil {
			return err
		}
		if _, err := old.sheet.closeVersion.ExecContext(ctx, w.atText, s.Key.Unit, s.Key.Number, cur.version); err != nil {
			return err
		}
		w.extend(sheetVersionTable(curZone), emptyBound)
		if curZone != s.EPSG {
			if _, err := old.sheet.remove.ExecContext(ctx, cur.fid); err != nil {
				return err
			}
			w.extend(sheetTable(curZone), emptyBound)
			cur = nil
		}
	}
	if _, err := st.sheet.insertVersion.ExecContext(ctx, append(sheetArgs(s, blob), nil, w.seq)...); err != nil {
		return err
	}
	if cur != nil {
		_, err = st.sheet.update.ExecContext(ctx, append(sheetArgs(s, blob), cur.fid)...)
		return err
	}
	_, err = st.sheet.insert.ExecContext(ctx, sheetArgs(s, blob)...)
	return err
}
