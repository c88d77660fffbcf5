package postgis

import (
	"cmp"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"cadastre/spatial"
	"cadastre/spatial/crs"
)

// plotColumns are the columns scanPlot reads, in order.
const plotColumns = `p.id, p.unit, p.sheet, p.plot, p.version, p.commune, p.epsg, ST_AsBinary(p.geom),
	p.land_use, p.legal_area, p.area, p.address, p.valid_from, p.valid_to, p.changed_by, p.reason,
	p.source, p.retired`

// storedPlot is a plot version with its row id.
type storedPlot struct {
	id int64
	*spatial.Plot
}

func scanPlot(row pgx.CollectableRow) (storedPlot, error) {
	p := storedPlot{Plot: &spatial.Plot{}}
	var geom []byte
	v := &p.Version
	err := row.Scan(&p.id, &p.Key.Unit, &p.Key.Sheet, &p.Key.Plot, &v.Version, &p.Commune, &p.EPSG, &geom,
		&p.LandUse, &p.LegalArea, &p.Area, &p.Address, &v.ValidFrom, nullTime{&v.ValidTo}, &v.ChangedBy,
		&v.Reason, &v.Source, &v.Retired)
	if err != nil {
		return p, err
	}
	if p.Geometry, err = decodeMultiPolygon(geom); err != nil {
		return p, fmt.Errorf("plot %s geometry: %w", p.Key, err)
	}
	return p, nil
}

// Plot returns a plot's history, newest first; Current is the newest
// version (the retired one for a retired plot). KindNotFound if unknown.
func (s *Store) Plot(ctx context.Context, key spatial.PlotKey) (*spatial.PlotHistory, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+plotColumns+` FROM plots p
		WHERE p.unit = $1 AND p.sheet = $2 AND p.plot = $3 ORDER BY p.version DESC`, key.Unit, key.Sheet, key.Plot)
	if err != nil {
		return nil, translate(err, "read plot")
	}
	stored, err := pgx.CollectRows(rows, scanPlot)
	if err != nil {
		return nil, translate(err, "read plot")
	}
	if len(stored) == 0 {
		return nil, spatial.Errorf(spatial.KindNotFound, "plot %s not found", key)
	}
	h := &spatial.PlotHistory{Versions: make([]*spatial.Plot, len(stored))}
	for i, st := range stored {
		h.Versions[i] = st.Plot
	}
	h.Current = h.Versions[0]
	return h, nil
}

// EachPlot streams the current, not retired plots, in no set order, from one
// query (one snapshot: a concurrent write is seen entirely or not at all),
// holding one row in memory at a time. It stops at the first error of fn
// and returns it unchanged, and when ctx ends (KindUnavailable wrapping
// ctx.Err()).
func (s *Store) EachPlot(ctx context.Context, fn func(*spatial.Plot) error) error {
	rows, err := s.pool.Query(ctx, `SELECT `+plotColumns+` FROM plots p
		WHERE p.valid_to IS NULL AND NOT p.retired`)
	if err != nil {
		return translate(err, "list plots")
	}
	defer rows.Close()
	for rows.Next() {
		// Rows already buffered would otherwise keep flowing after a cancel.
		if err := ctx.Err(); err != nil {
			return translate(err, "list plots")
		}
		p, err := scanPlot(rows)
		if err != nil {
			return translate(err, "list plots")
		}
		if err := fn(p.Plot); err != nil {
			return err
		}
	}
	return translate(rows.Err(), "list plots")
}

// currentPlots loads the current versions (retired ones included) of the
// given keys with one query.
func currentPlots(ctx context.Context, q querier, keys []spatial.PlotKey) (map[spatial.PlotKey]storedPlot, error) {
	out := make(map[spatial.PlotKey]storedPlot, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	units, sheets, plots := make([]string, len(keys)), make([]int32, len(keys)), make([]int32, len(keys))
	for i, k := range keys {
		units[i], sheets[i], plots[i] = k.Unit, int32(k.Sheet), int32(k.Plot)
	}
	// LATERAL makes one probe of plots_current_key per key whatever the
	// statistics say: right for a batch against a province-sized table.
	rows, err := q.Query(ctx, `SELECT `+plotColumns+`
		FROM unnest($1::text[], $2::int[], $3::int[]) AS k(unit, sheet, plot)
		CROSS JOIN LATERAL (SELECT * FROM plots p
			WHERE p.unit = k.unit AND p.sheet = k.sheet AND p.plot = k.plot AND p.valid_to IS NULL) p`,
		units, sheets, plots)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPlot(rows)
		if err != nil {
			return nil, err
		}
		out[p.Key] = p
	}
	return out, rows.Err()
}

// plotCopyColumns are the columns of plotRow.
var plotCopyColumns = []string{"unit", "sheet", "plot", "version", "commune", "epsg", "geom", "geom_4326",
	"land_use", "legal_area", "area", "address", "valid_from", "changed_by", "reason", "source", "retired", "change_seq"}

// plotRow is the COPY row of a new plot version: the plane geometry in its
// zone SRID and its WGS 84 copy computed here.
func plotRow(p *spatial.Plot, v spatial.Version, seq int64, ll *lonLatCache) ([]any, error) {
	zone, ok := crs.ZoneByEPSG(p.EPSG)
	if !ok { // Batch.Check refuses unknown zones; this guards the boundary.
		return nil, fmt.Errorf("plot %s: EPSG:%d is not a VN-2000 zone", p.Key, p.EPSG)
	}
	plane, err := multiPolygonEWKB(p.Geometry, p.EPSG)
	if err != nil {
		return nil, fmt.Errorf("plot %s geometry: %w", p.Key, err)
	}
	lonLat, err := multiPolygonEWKB(ll.multiPolygon(p.Geometry, zone), crs.WGS84)
	if err != nil {
		return nil, fmt.Errorf("plot %s geometry: %w", p.Key, err)
	}
	return []any{p.Key.Unit, int32(p.Key.Sheet), int32(p.Key.Plot), int32(v.Version), p.Commune, int32(p.EPSG),
		plane, lonLat, p.LandUse, p.LegalArea, p.Area, p.Address, v.ValidFrom, v.ChangedBy, cmp.Or(p.Note, v.Reason), v.Source,
		v.Retired, seq}, nil
}
