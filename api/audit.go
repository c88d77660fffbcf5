package api

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"cadastre/spatial"
	"cadastre/spatial/audit"
	"cadastre/spatial/index"
)

// auditRoutes registers the cleaning audit (issue 18).
func (s *Server) auditRoutes(v1 *mux.Router) {
	v1.HandleFunc("/audit", s.handleAudit).Methods(http.MethodGet, http.MethodHead)
	v1.HandleFunc("/audit/progress", s.handleAuditProgress).Methods(http.MethodGet, http.MethodHead)
}

// auditFormats are the answers of GET /api/v1/audit?format=.
var auditFormats = map[string]string{
	"json":    "application/json",
	"csv":     "text/csv; charset=utf-8",
	"summary": "text/csv; charset=utf-8",
	"geojson": "application/geo+json",
}

// handleAudit answers GET /api/v1/audit?unit=CODE&format=json|csv|summary|geojson:
// every problem of the unit's (or, without unit, every commune's) data
// from the read model, and the counts per commune.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	unit, format := r.URL.Query().Get("unit"), r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	rep, err := s.runAudit(r.Context(), unit, format)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Content-Type", auditFormats[format])
	if format == "csv" || format == "summary" {
		w.Header().Set("Content-Disposition", `attachment; filename="audit-`+format+`.csv"`)
	}
	switch format {
	case "csv":
		err = audit.WriteCSV(w, rep)
	case "summary":
		err = audit.WriteSummaryCSV(w, rep)
	case "geojson":
		err = audit.WriteGeoJSON(w, rep)
	default:
		writeJSONBody(w, rep)
	}
	if err != nil {
		s.log.WarnContext(r.Context(), "audit answer cut short", "err", err)
	}
}

func (s *Server) runAudit(ctx context.Context, unit, format string) (*audit.Report, error) {
	if _, ok := auditFormats[format]; !ok {
		return nil, spatial.Invalid("bad query", []spatial.Problem{{Field: "format", Reason: "want json, csv, summary or geojson"}})
	}
	if err := s.requireIndex(); err != nil {
		return nil, err
	}
	units, err := s.store.Units(ctx)
	if err != nil {
		return nil, err
	}
	if err := audit.CheckUnit(units, unit); err != nil {
		return nil, err
	}
	o, err := audit.DefaultOptions()
	if err != nil {
		return nil, err
	}
	return audit.Run(ctx, audit.FromSnapshot(s.index.Snapshot(), units, unit, s.store), o)
}

// ProgressResponse answers /audit/progress.
type ProgressResponse struct {
	Unit   string        `json:"unit"`
	Points []audit.Point `json:"points"`
}

// handleAuditProgress answers GET /api/v1/audit/progress?unit=CODE: the
// share of clean plots of the unit day by day, replayed from the versions
// of its current plots (audit.Progress says which rules replay).
func (s *Server) handleAuditProgress(w http.ResponseWriter, r *http.Request) {
	unit := r.URL.Query().Get("unit")
	err := s.requireIndex()
	if err == nil && unit == "" {
		err = spatial.Invalid("bad query", []spatial.Problem{{Field: "unit", Reason: "required: the progress of one commune (its history is read plot by plot)"}})
	}
	var units []spatial.AdminUnit
	if err == nil {
		units, err = s.store.Units(r.Context())
	}
	if err == nil {
		err = audit.CheckUnit(units, unit)
	}
	var pts []audit.Point
	if err == nil {
		pts, err = s.progress(r.Context(), units, unit)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, ProgressResponse{Unit: unit, Points: pts})
}

func (s *Server) progress(ctx context.Context, units []spatial.AdminUnit, unit string) ([]audit.Point, error) {
	snap := s.index.Snapshot()
	in := audit.FromSnapshot(snap, units, unit, nil)
	hist := make([]*spatial.PlotHistory, 0, len(in.Plots))
	lin, _ := s.store.(spatial.Lineage)
	for _, p := range in.Plots {
		h, err := s.store.Plot(ctx, p.Key)
		if err != nil {
			return nil, err
		}
		hist = append(hist, h)
		if lin == nil {
			continue
		}
		// A plot renumbered by a merger has its earlier versions under
		// its former key: the campaign's progress began before it.
		former, err := lin.Former(ctx, p.Key)
		if err != nil {
			return nil, err
		}
		for _, m := range former {
			if m.From == p.Key {
				continue
			}
			fh, err := s.store.Plot(ctx, m.From)
			if err != nil {
				return nil, err
			}
			hist = append(hist, fh)
		}
	}
	o, err := audit.DefaultOptions()
	if err != nil {
		return nil, err
	}
	return audit.Progress(hist, func(k spatial.SheetKey) *index.Sheet {
		sh, _ := snap.Sheet(k)
		return sh
	}, o), nil
}
