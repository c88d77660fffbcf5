package postgis

import (
	"cmp"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/grid"
)

// sheetColumns are the columns scanSheet reads, in order.
const sheetColumns = `s.id, s.unit, s.number, s.version, s.grid_number, s.scale, s.epsg, ST_AsBinary(s.frame),
	coalesce(s.survey_year, 0), s.valid_from, s.valid_to, s.changed_by, s.reason, s.source, s.off_grid`

// storedSheet is a sheet version with its row id.
type storedSheet struct {
	id int64
	*spatial.Sheet
}

func scanSheet(row pgx.CollectableRow) (storedSheet, error) {
	s := storedSheet{Sheet: &spatial.Sheet{}}
	var frame []byte
	var scale int32
	v := &s.Version
	err := row.Scan(&s.id, &s.Key.Unit, &s.Key.Number, &v.Version, &s.GridNumber, &scale, &s.EPSG, &frame,
		&s.SurveyYear, &v.ValidFrom, nullTime{&v.ValidTo}, &v.ChangedBy, &v.Reason, &v.Source, &s.OffGrid)
	if err != nil {
		return s, err
	}
	s.Scale = grid.Scale(scale)
	if s.Frame, err = decodeMultiPolygon(frame); err != nil {
		return s, fmt.Errorf("sheet %s frame: %w", s.Key, err)
	}
	return s, nil
}

// Sheets lists the current sheets of a survey unit ("" for all), ordered by
// unit and number.
func (s *Store) Sheets(ctx context.Context, unit string) ([]*spatial.Sheet, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sheetColumns+` FROM sheets s
		WHERE s.valid_to IS NULL AND ($1 = '' OR s.unit = $1) ORDER BY s.unit, s.number`, unit)
	if err != nil {
		return nil, translate(err, "list sheets")
	}
	stored, err := pgx.CollectRows(rows, scanSheet)
	if err != nil {
		return nil, translate(err, "list sheets")
	}
	out := make([]*spatial.Sheet, len(stored))
	for i, st := range stored {
		out[i] = st.Sheet
	}
	return out, nil
}

// Sheet returns the current version of one sheet; KindNotFound if unknown.
func (s *Store) Sheet(ctx context.Context, key spatial.SheetKey) (*spatial.Sheet, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sheetColumns+` FROM sheets s
		WHERE s.valid_to IS NULL AND s.unit = $1 AND s.number = $2`, key.Unit, key.Number)
	if err != nil {
		return nil, translate(err, "read sheet")
	}
	st, err := pgx.CollectExactlyOneRow(rows, scanSheet)
	if err != nil {
		return nil, translate(err, "sheet "+key.String())
	}
	return st.Sheet, nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// currentSheets loads the current versions of the given sheets with one
// query.
func currentSheets(ctx context.Context, q querier, keys []spatial.SheetKey) (map[spatial.SheetKey]storedSheet, error) {
	out := make(map[spatial.SheetKey]storedSheet, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	units, numbers := make([]string, len(keys)), make([]int32, len(keys))
	for i, k := range keys {
		units[i], numbers[i] = k.Unit, int32(k.Number)
	}
	rows, err := q.Query(ctx, `SELECT `+sheetColumns+` FROM sheets s
		JOIN unnest($1::text[], $2::int[]) AS k(unit, number) ON s.unit = k.unit AND s.number = k.number
		WHERE s.valid_to IS NULL`, units, numbers)
	if err != nil {
		return nil, err
	}
	stored, err := pgx.CollectRows(rows, scanSheet)
	for _, st := range stored {
		out[st.Key] = st
	}
	return out, err
}

// sheetRow is the COPY row of a new sheet version.
func sheetRow(sh *spatial.Sheet, v spatial.Version, seq int64) ([]any, error) {
	zone, ok := crs.ZoneByEPSG(sh.EPSG)
	if !ok { // Batch.Check refuses unknown zones; this guards the boundary.
		return nil, fmt.Errorf("sheet %s: EPSG:%d is not a VN-2000 zone", sh.Key, sh.EPSG)
	}
	plane, err := multiPolygonEWKB(sh.Frame, sh.EPSG)
	if err != nil {
		return nil, fmt.Errorf("sheet %s frame: %w", sh.Key, err)
	}
	lonLat, err := multiPolygonEWKB(multiPolygonLonLat(sh.Frame, zone), crs.WGS84)
	if err != nil {
		return nil, fmt.Errorf("sheet %s frame: %w", sh.Key, err)
	}
	var year *int32
	if sh.SurveyYear != 0 {
		y := int32(sh.SurveyYear)
		year = &y
	}
	return []any{sh.Key.Unit, int32(sh.Key.Number), int32(v.Version), sh.GridNumber, int32(sh.Scale), int32(sh.EPSG),
		plane, lonLat, year, v.ValidFrom, v.ChangedBy, cmp.Or(sh.Note, v.Reason), v.Source, seq, sh.OffGrid}, nil
}

// sheetCopyColumns are the columns of sheetRow.
var sheetCopyColumns = []string{"unit", "number", "version", "grid_number", "scale", "epsg",
	"frame", "frame_4326", "survey_year", "valid_from", "changed_by", "reason", "source", "change_seq", "off_grid"}
