package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"cadastre/spatial"
)

// PlotJSON is the API view of one plot version: key numbers, attributes,
// the geometry in WGS 84 (GeoJSON, RFC 7946) and in the plane of its zone.
type PlotJSON struct {
	Key           spatial.PlotKey   `json:"key"`
	ID            string            `json:"id"`
	Commune       string            `json:"commune"`
	SurveyUnit    string            `json:"survey_unit"`
	LandUse       []string          `json:"land_use"`
	LegalArea     float64           `json:"legal_area"`
	Area          float64           `json:"area"`
	Address       string            `json:"address,omitempty"`
	CRS           string            `json:"crs"`
	Geometry      *geojson.Geometry `json:"geometry"`       // WGS 84 lon/lat
	GeometryPlane *geojson.Geometry `json:"geometry_plane"` // metres in CRS
	spatial.Version
}

// PlotHistoryJSON is a plot with all its versions, newest first, and the
// current version of the sheet it is drawn on (its grid number and scale,
// from the read model; absent while the read model is not ready).
type PlotHistoryJSON struct {
	PlotJSON
	Sheet      *LookupSheet    `json:"sheet,omitempty"`
	Versions   []PlotJSON      `json:"versions"`
	Identities *IdentitiesJSON `json:"identities,omitempty"`
}

// IdentitiesJSON names a plot by its numbers before and after the 2025
// mergers (issue 18): the key asked for, the current key, and every
// former key that maps to it, with the date and the land office's note.
type IdentitiesJSON struct {
	Requested spatial.PlotKey      `json:"requested"`
	Current   spatial.PlotKey      `json:"current"`
	Former    []spatial.KeyMapping `json:"former"`
}

// plotView renders one version. Coordinates are rounded to 1e-8 degrees and
// 1 mm, both finer than the centimetre the service promises.
func plotView(p *spatial.Plot) (PlotJSON, error) {
	wgs, err := spatial.PlaneToWGS84(p.Geometry, p.EPSG)
	if err != nil {
		return PlotJSON{}, err
	}
	return PlotJSON{
		Key: p.Key, ID: p.Key.String(), Commune: p.Commune, SurveyUnit: p.Key.Unit,
		LandUse: p.LandUse, LegalArea: p.LegalArea, Area: p.Area, Address: p.Address,
		CRS:           fmt.Sprintf("EPSG:%d", p.EPSG),
		Geometry:      geojson.NewGeometry(roundMP(wgs, 1e8)),
		GeometryPlane: geojson.NewGeometry(roundMP(p.Geometry.Clone(), 1e3)),
		Version:       p.Version,
	}, nil
}

func roundMP(mp orb.MultiPolygon, scale float64) orb.MultiPolygon {
	for _, p := range mp {
		for _, r := range p {
			for i := range r {
				r[i] = orb.Point{math.Round(r[i][0]*scale) / scale, math.Round(r[i][1]*scale) / scale}
			}
		}
	}
	return mp
}

// parsePlotKey reads {unit}/{sheet}/{plot} from the route.
func parsePlotKey(r *http.Request) (spatial.PlotKey, error) {
	v := mux.Vars(r)
	var probs []spatial.Problem
	sheet, err1 := strconv.Atoi(v["sheet"])
	plot, err2 := strconv.Atoi(v["plot"])
	if !spatial.ValidUnitCode(v["unit"]) {
		probs = append(probs, spatial.Problem{Index: -1, Field: "unit", Reason: fmt.Sprintf("%q is not a 5-digit commune code", v["unit"])})
	}
	if err1 != nil || sheet <= 0 {
		probs = append(probs, spatial.Problem{Index: -1, Field: "sheet", Reason: fmt.Sprintf("%q is not a positive sheet number", v["sheet"])})
	}
	if err2 != nil || plot <= 0 {
		probs = append(probs, spatial.Problem{Index: -1, Field: "plot", Reason: fmt.Sprintf("%q is not a positive plot number", v["plot"])})
	}
	if len(probs) > 0 {
		return spatial.PlotKey{}, spatial.Invalid("bad plot key", probs)
	}
	return spatial.PlotKey{Unit: v["unit"], Sheet: sheet, Plot: plot}, nil
}

// handlePlot answers GET /api/v1/plots/{unit}/{sheet}/{plot}: the plot
// (current version, or last version if retired) with its history.
func (s *Server) handlePlot(w http.ResponseWriter, r *http.Request) {
	key, err := parsePlotKey(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	history, err := s.mayReadHistory(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	h, ids, err := s.plotAcrossMergers(r.Context(), key)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	cur, err := plotView(h.Current)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out := PlotHistoryJSON{PlotJSON: cur, Sheet: s.sheetOf(h.Current.Key.SheetKey()), Versions: make([]PlotJSON, 0, len(h.Versions)), Identities: ids}
	for _, v := range h.Versions {
		pv, err := plotView(v)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		out.Versions = append(out.Versions, pv)
	}
	if !history {
		// Who changed the plot, and from which file, is for token holders
		// (Access.History): names of officers, surveyors' tokens.
		out.ChangedBy, out.Source = "", ""
		for i := range out.Versions {
			out.Versions[i].ChangedBy, out.Versions[i].Source = "", ""
		}
	}
	writeJSON(w, out)
}

// sheetOf returns the current version of a sheet from the read model, nil
// when the read model is missing, not ready, or does not hold it.
func (s *Server) sheetOf(k spatial.SheetKey) *LookupSheet {
	if s.index == nil || !s.index.Ready() {
		return nil
	}
	sh, ok := s.index.Snapshot().Sheet(k)
	if !ok {
		return nil
	}
	return lookupSheet(sh)
}

// maxMergerHops bounds the chain of successors followed (a unit merged
// twice is two hops); the lineage has no cycles, this guards against one.
const maxMergerHops = 8

// plotAcrossMergers returns the plot of key, or, when key was renumbered
// by a merger (retired, with a successor in the store's lineage), the
// current plot it became, so that a former key never answers 404. ids is
// set whenever the store keeps a lineage and the plot has a former key.
func (s *Server) plotAcrossMergers(ctx context.Context, key spatial.PlotKey) (*spatial.PlotHistory, *IdentitiesJSON, error) {
	h, err := s.store.Plot(ctx, key)
	lin, ok := s.store.(spatial.Lineage)
	if !ok {
		return h, nil, err
	}
	at := key
	for hop := 0; hop < maxMergerHops && (spatial.KindOf(err) == spatial.KindNotFound || (err == nil && h.Current.Retired)); hop++ {
		m, lerr := lin.Successor(ctx, at)
		if lerr != nil || m.To == at {
			break
		}
		nh, nerr := s.store.Plot(ctx, m.To)
		if nerr != nil {
			break
		}
		at, h, err = m.To, nh, nil
	}
	if err != nil {
		return nil, nil, err
	}
	former, err := lin.Former(ctx, h.Current.Key)
	if err != nil {
		return nil, nil, err
	}
	if len(former) == 0 && at == key {
		return h, nil, nil
	}
	return h, &IdentitiesJSON{Requested: key, Current: h.Current.Key, Former: former}, nil
}
