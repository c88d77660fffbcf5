package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/extract"
)

// maxExtractBytes limits an extract submission: a boundary of a few
// hundred points is a few kilobytes.
const maxExtractBytes = 4 << 20

// extractRoutes registers the extract endpoints (issue 6).
func (s *Server) extractRoutes(v1 *mux.Router) {
	v1.HandleFunc("/extracts", s.handleSubmitExtract).Methods(http.MethodPost)
	v1.HandleFunc("/extracts/{id:[0-9]+}", s.handleGetExtract).Methods(http.MethodGet, http.MethodHead)
	v1.HandleFunc("/extracts/{id:[0-9]+}/decision", s.handleDecideExtract).Methods(http.MethodPost)
	v1.HandleFunc("/extracts/{id:[0-9]+}/report.svg", s.handleExtractSVG).Methods(http.MethodGet, http.MethodHead)
}

func (s *Server) extracts() (extract.Store, error) {
	es, ok := s.store.(extract.Store)
	if !ok {
		return nil, spatial.Errorf(spatial.KindInternal, "store keeps no extracts")
	}
	return es, nil
}

// handleSubmitExtract answers POST /api/v1/extracts (role surveyor): the
// submission is stored, checked, and answered with its report (201). An
// unknown plot is 404, a retired one 409, bad fields 400; a boundary that
// is not a valid polygon is 422 and the extract is kept as refused.
func (s *Server) handleSubmitExtract(w http.ResponseWriter, r *http.Request) {
	tok, err := s.authorize(r, spatial.RoleSurveyor)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	es, err := s.extracts()
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	raw, q, st, err := decodeExtractRequest(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	stored, err := s.currentPlot(r, q.Plot)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := s.chargeExtract(r, tok, int64(len(raw))); err != nil { // issue 15: a daily quota per token
		writeError(w, r, s.log, err)
		return
	}
	rec := &extract.Record{Plot: q.Plot, PlotVersion: stored.Version.Version, Profile: st.Profile.Name, SubmittedBy: "token:" + tok.Name, Submission: raw}
	if err := es.CreateExtract(r.Context(), rec); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/extracts/%d", rec.ID))
	if err := s.validateExtract(r, es, rec, q, st, stored); err != nil {
		status := 0
		if spatial.KindOf(err) == spatial.KindInvalid {
			status = http.StatusUnprocessableEntity
		}
		writeErrorStatus(w, r, s.log, err, status)
		return
	}
	writeJSONStatus(w, http.StatusCreated, rec)
}

// decodeExtractRequest reads the body; it returns the raw body too, kept
// as the submission.
func decodeExtractRequest(r *http.Request) (json.RawMessage, *extract.Request, extract.Settings, error) {
	var q extract.Request
	body := http.MaxBytesReader(nil, r.Body, maxExtractBytes)
	var raw json.RawMessage
	if err := json.NewDecoder(body).Decode(&raw); err != nil {
		return nil, nil, extract.Settings{}, spatial.Wrap(spatial.KindInvalid, err, "the body is not a JSON extract request: "+err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // a misspelt "stated_area" must not pass silently
	if err := dec.Decode(&q); err != nil {
		return nil, nil, extract.Settings{}, spatial.Wrap(spatial.KindInvalid, err, "bad extract request: "+err.Error())
	}
	st, err := q.Check()
	return raw, &q, st, err
}

// currentPlot returns the live version of a plot: 404 unknown, 409 retired.
func (s *Server) currentPlot(r *http.Request, key spatial.PlotKey) (*spatial.Plot, error) {
	h, err := s.store.Plot(r.Context(), key)
	if err != nil {
		return nil, err
	}
	if h.Current.Retired {
		return nil, spatial.Errorf(spatial.KindConflict, "plot %s was retired on %s; an extract needs a live plot", key, h.Current.ValidFrom.Format("2006-01-02"))
	}
	return h.Current, nil
}

// validateExtract checks the extract against the plot and its
// neighbours and stores the report; a malformed boundary is stored as
// refused with its problems and returned.
func (s *Server) validateExtract(r *http.Request, es extract.Store, rec *extract.Record, q *extract.Request, st extract.Settings, stored *spatial.Plot) error {
	in, err := q.Input(st, stored, nil)
	if err == nil {
		in.Neighbours = s.neighbours(stored, in.Measured.Geometry)
		var rep *extract.Report
		if rep, err = extract.Check(in, st.Profile); err == nil {
			b, merr := json.Marshal(rep)
			if merr != nil {
				return merr
			}
			rec.Status, rec.Verdict, rec.Report = extract.StatusValidated, rep.Verdict, b
			return es.SaveReport(r.Context(), rec.ID, rec.Status, rec.Verdict, b)
		}
	}
	if spatial.KindOf(err) != spatial.KindInvalid {
		return err
	}
	b, merr := json.Marshal(map[string]any{"problems": spatial.ProblemsOf(err), "message": err.Error()})
	if merr != nil {
		return merr
	}
	if serr := es.SaveReport(r.Context(), rec.ID, extract.StatusRefused, "", b); serr != nil {
		return serr
	}
	return err
}

// neighbours returns the current plots of the read model around the
// stored and measured boundaries (5 m around), on the plot's plane.
func (s *Server) neighbours(stored *spatial.Plot, measured orb.MultiPolygon) []extract.Neighbour {
	if s.index == nil || !s.index.Ready() {
		return nil
	}
	return extract.NeighboursIn(s.index.Snapshot(), stored, measured)
}

// handleGetExtract answers GET /api/v1/extracts/{id}: the submission, its
// report, status and decisions.
func (s *Server) handleGetExtract(w http.ResponseWriter, r *http.Request) {
	rec, err := s.loadExtract(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, rec)
}

func (s *Server) loadExtract(r *http.Request) (*extract.Record, error) {
	es, err := s.extracts()
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		return nil, spatial.Errorf(spatial.KindNotFound, "no extract %q", mux.Vars(r)["id"])
	}
	rec, err := es.Extract(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return rec, s.canReadExtract(r, rec) // issue 15: Access.Extracts
}

// handleExtractSVG answers GET /api/v1/extracts/{id}/report.svg: the
// plot version that was checked, the measured boundary and today's
// neighbours, drawn by extract.RenderSVG.
func (s *Server) handleExtractSVG(w http.ResponseWriter, r *http.Request) {
	d, err := s.drawing(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	if err := extract.RenderSVG(w, d); err != nil {
		s.log.WarnContext(r.Context(), "writing the extract drawing failed", "err", err)
	}
}

func (s *Server) drawing(r *http.Request) (extract.Drawing, error) {
	rec, err := s.loadExtract(r)
	if err != nil {
		return extract.Drawing{}, err
	}
	var rep extract.Report
	if rec.Status == extract.StatusRefused || rec.Status == extract.StatusSubmitted || json.Unmarshal(rec.Report, &rep) != nil {
		return extract.Drawing{}, spatial.Errorf(spatial.KindNotFound, "extract %d is %s: it has no report to draw", rec.ID, rec.Status)
	}
	h, err := s.store.Plot(r.Context(), rec.Plot)
	if err != nil {
		return extract.Drawing{}, err
	}
	stored := h.Current
	for _, v := range h.Versions {
		if v.Version.Version == rec.PlotVersion {
			stored = v
		}
	}
	return extract.Drawing{Report: &rep, Stored: stored.Geometry, Neighbours: s.neighbours(stored, rep.Measured)}, nil
}

// DecisionRequest is the body of POST /api/v1/extracts/{id}/decision.
type DecisionRequest struct {
	Accept bool   `json:"accept"`
	Reason string `json:"reason"`
}

// handleDecideExtract answers POST /api/v1/extracts/{id}/decision (role
// registrar). Accept: the measured boundary becomes a new version of the
// plot, with the extract as its reason, and the read model and tiles
// follow; reject: the reason is kept. 409 when already decided, refused,
// or when the plot changed since the extract was checked.
func (s *Server) handleDecideExtract(w http.ResponseWriter, r *http.Request) {
	tok, err := s.authorize(r, spatial.RoleRegistrar)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	var q DecisionRequest
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&q); err != nil {
		writeError(w, r, s.log, spatial.Wrap(spatial.KindInvalid, err, "the body is not a JSON decision: "+err.Error()))
		return
	}
	if !q.Accept && q.Reason == "" {
		writeError(w, r, s.log, spatial.Invalid("bad decision", []spatial.Problem{{Index: -1, Field: "reason", Reason: "a rejection needs a reason"}}))
		return
	}
	rec, err := s.loadExtract(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	d := &extract.Decision{Accept: q.Accept, Reason: q.Reason, By: "token:" + tok.Name}
	if err := s.decide(r, rec, d); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if rec, err = s.loadExtract(r); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, rec)
}

// decide applies and records a decision. An acceptance writes the plot's
// new version and the decision in one transaction when the store can
// (extract.TxDecider: both stores here); otherwise the plot first, since a
// decision stored without its plot version would claim a change that did
// not happen.
func (s *Server) decide(r *http.Request, rec *extract.Record, d *extract.Decision) error {
	es, err := s.extracts()
	if err != nil {
		return err
	}
	if rec.Status != extract.StatusValidated {
		return spatial.Errorf(spatial.KindConflict, "extract %d is %s: only a validated extract takes a decision", rec.ID, rec.Status)
	}
	if !d.Accept {
		return es.Decide(r.Context(), rec.ID, d)
	}
	txd, _ := es.(extract.TxDecider)
	v, err := s.acceptExtract(r, rec, d, txd)
	if err != nil || txd != nil {
		return err
	}
	d.PlotVersion = v
	return es.Decide(r.Context(), rec.ID, d)
}

// acceptExtract stores the measured geometry as a new version of the
// plot and returns that version; with txd, the decision (d, its
// PlotVersion set) goes into the same transaction. The legal area is left
// as it is: it changes with a new certificate, not with a measurement.
func (s *Server) acceptExtract(r *http.Request, rec *extract.Record, d *extract.Decision, txd extract.TxDecider) (int, error) {
	var rep extract.Report
	if err := json.Unmarshal(rec.Report, &rep); err != nil || len(rep.Measured) == 0 {
		return 0, fmt.Errorf("extract %d: stored report without its measured geometry: %v", rec.ID, err)
	}
	cur, err := s.currentPlot(r, rec.Plot)
	if err != nil {
		return 0, err
	}
	if cur.Version.Version != rec.PlotVersion {
		return 0, spatial.Errorf(spatial.KindConflict, "plot %s changed since extract %d was checked (version %d, checked %d): submit a new extract", rec.Plot, rec.ID, cur.Version.Version, rec.PlotVersion)
	}
	wr, ok := s.store.(spatial.Writer)
	if !ok {
		return 0, errors.New("store cannot take chunked writes")
	}
	np := *cur
	np.Geometry, np.Version = rep.Measured, spatial.Version{}
	np.Normalize()
	reason := fmt.Sprintf("extract %d accepted", rec.ID)
	if d.Reason != "" {
		reason += ": " + d.Reason
	}
	// The version the write makes: the next one, or the current one when
	// the measured boundary is the stored one (the store writes nothing).
	v := cur.Version.Version
	if !cur.SameContent(&np) {
		v++
	}
	res, err := writePlot(r, wr, spatial.Change{By: d.By, Reason: reason, Source: fmt.Sprintf("extract %d", rec.ID)}, &np,
		func(tx spatial.Tx) error {
			if txd == nil {
				return nil
			}
			d.PlotVersion = v
			return txd.DecideInTx(r.Context(), tx, rec.ID, d)
		})
	if err != nil {
		return 0, err
	}
	s.afterWrite(r, res)
	h, err := s.store.Plot(r.Context(), rec.Plot)
	if err != nil {
		return 0, err
	}
	if h.Current.Version.Version != v {
		s.log.ErrorContext(r.Context(), "accepted extract: plot version differs from the one recorded",
			"extract", rec.ID, "plot", rec.Plot.String(), "recorded", v, "stored", h.Current.Version.Version)
	}
	return h.Current.Version.Version, nil
}

// writePlot writes one plot in a transaction, runs also (more writes in
// the same transaction) and commits: all of it or none.
func writePlot(r *http.Request, wr spatial.Writer, c spatial.Change, p *spatial.Plot, also func(spatial.Tx) error) (spatial.WriteResult, error) {
	tx, err := wr.Begin(r.Context(), c)
	if err != nil {
		return spatial.WriteResult{}, err
	}
	defer tx.Rollback(r.Context())
	if err := tx.Write(r.Context(), &spatial.Batch{Plots: []*spatial.Plot{p}}); err != nil {
		return spatial.WriteResult{}, err
	}
	if err := also(tx); err != nil {
		return spatial.WriteResult{}, err
	}
	return tx.Commit(r.Context())
}

// writeJSONStatus answers v as JSON with the given status.
func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	writeJSONBody(w, v)
}
