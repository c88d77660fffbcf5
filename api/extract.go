package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/extract"
	"cadastre/spatial/grid"
)

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
// cannot be checked (not a valid polygon, outside its zone, at another
// scale than the plot's sheet), a NUL character or bytes that are not
// UTF-8 is 422 (then nothing is charged or stored), and a stored
// extract is then kept as refused with the problems.
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
	if s.index != nil && !s.index.Ready() {
		// The check needs the read model's neighbours: a report without
		// its overlaps and gaps would pass for a complete one.
		w.Header().Set("Retry-After", "10")
		writeError(w, r, s.log, spatial.Errorf(spatial.KindUnavailable, "the read model is still loading, so the neighbours of the plot cannot be checked yet: submit again shortly"))
		return
	}
	raw, q, st, err := decodeExtractRequest(r)
	if err != nil {
		writeErrorStatus(w, r, s.log, err, unprocessableIf(errors.Is(err, errText)))
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
	rec := &extract.Record{Plot: q.Plot, PlotVersion: stored.Version.Version, Profile: st.Profile.Name, SubmittedBy: submitter(tok), Submission: raw}
	if err := es.CreateExtract(r.Context(), rec); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/extracts/%d", rec.ID))
	if err := s.validateExtract(r, es, rec, q, st, stored); err != nil {
		writeErrorStatus(w, r, s.log, err, unprocessableIf(spatial.KindOf(err) == spatial.KindInvalid))
		return
	}
	writeJSONStatus(w, http.StatusCreated, rec)
}

// errText marks a body refused for a NUL character or bytes that are not
// UTF-8 (422, not 400).
var errText = errors.New("text that cannot be stored")

func unprocessableIf(b bool) int {
	if b {
		return http.StatusUnprocessableEntity
	}
	return 0
}

// decodeExtractRequest reads the body; it returns the raw body too, kept
// as the submission. Unknown fields are refused (a misspelt "stated_area"
// must not pass silently), and so is a NUL character, which no store can
// keep.
func decodeExtractRequest(r *http.Request) (json.RawMessage, *extract.Request, extract.Settings, error) {
	var q extract.Request
	// The route's limit (api/middleware.go, --max-extract-bytes) is on r.Body.
	var raw json.RawMessage
	dec := json.NewDecoder(r.Body)
	err := dec.Decode(&raw)
	if err == nil {
		err = extract.CheckEnd(dec)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, extract.Settings{}, &spatial.Error{Kind: spatial.KindInvalid, Message: fmt.Sprintf("extract larger than the limit of %d bytes", mbe.Limit), Err: errTooLarge}
		}
		if spatial.KindOf(err) == spatial.KindInvalid {
			return nil, nil, extract.Settings{}, err
		}
		return nil, nil, extract.Settings{}, spatial.Invalid("the body is not a JSON extract request", []spatial.Problem{extract.JSONProblem(err)})
	}
	if err := extract.CheckText(raw); err != nil {
		return nil, nil, extract.Settings{}, errors.Join(errText, err)
	}
	if err := extract.DecodeStrict(raw, &q); err != nil {
		return nil, nil, extract.Settings{}, err
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

// validateExtract checks the extract against the plot, its sheet's scale
// and its neighbours (extract.Request.Validate, as `cadastre validate`)
// and stores the report. An extract that cannot be checked is stored as
// refused, with its problems or, on an internal failure, a generic
// message: no extract stays submitted.
func (s *Server) validateExtract(r *http.Request, es extract.Store, rec *extract.Record, q *extract.Request, st extract.Settings, stored *spatial.Plot) error {
	rep, err := s.checkExtract(r, q, st, stored)
	var b []byte
	if err == nil {
		if b, err = rep.Marshal(); err == nil {
			rec.Status, rec.Verdict, rec.Report = extract.StatusValidated, rep.Verdict, b
			return es.SaveReport(r.Context(), rec.ID, rec.Status, rec.Verdict, b)
		}
	}
	refusal := map[string]any{"problems": spatial.ProblemsOf(err), "message": err.Error()}
	if spatial.KindOf(err) != spatial.KindInvalid {
		refusal = map[string]any{"message": "the extract could not be checked (internal error): submit it again"}
	}
	b, merr := json.Marshal(refusal)
	if merr != nil {
		return merr
	}
	if serr := es.SaveReport(r.Context(), rec.ID, extract.StatusRefused, "", b); serr != nil {
		return errors.Join(err, serr)
	}
	rec.Status, rec.Report = extract.StatusRefused, b
	return err
}

// checkExtract runs the check with the plot's sheet scale and the read
// model's neighbours.
func (s *Server) checkExtract(r *http.Request, q *extract.Request, st extract.Settings, stored *spatial.Plot) (*extract.Report, error) {
	sh, err := s.store.Sheet(r.Context(), stored.Key.SheetKey())
	if err != nil && spatial.KindOf(err) != spatial.KindNotFound {
		return nil, err
	}
	var scale grid.Scale
	if sh != nil {
		scale = sh.Scale
	}
	return q.Validate(st, stored, scale, func(m orb.MultiPolygon) ([]extract.Neighbour, error) {
		return s.neighbours(stored, m), nil
	})
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
// Accept must be given (true or false): a misspelt key is refused, never
// taken for a rejection.
type DecisionRequest struct {
	Accept *bool  `json:"accept"`
	Reason string `json:"reason"`
	// AllowOverlaps accepts a boundary that overlaps stored neighbours
	// (refused with 409 otherwise); it needs a reason, recorded in the
	// plot's new version.
	AllowOverlaps bool `json:"allow_overlaps"`
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
	q, err := decodeDecision(r)
	if err != nil {
		writeErrorStatus(w, r, s.log, err, unprocessableIf(errors.Is(err, errText)))
		return
	}
	if !*q.Accept && q.Reason == "" {
		writeError(w, r, s.log, spatial.Invalid("bad decision", []spatial.Problem{{Index: -1, Field: "reason", Reason: "a rejection needs a reason"}}))
		return
	}
	if err := checkAllowOverlaps(q); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	rec, err := s.loadExtract(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	d := &extract.Decision{Accept: *q.Accept, Reason: q.Reason, By: "token:" + tok.Name, AllowOverlaps: q.AllowOverlaps}
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

// decodeDecision reads a decision body strictly: unknown fields, a
// missing "accept", NUL characters and bytes that are not UTF-8 are
// refused.
func decodeDecision(r *http.Request) (*DecisionRequest, error) {
	// The route's limit (api/middleware.go, --max-decision-bytes) is
	// already on r.Body: exceeding it is a 413.
	raw, err := io.ReadAll(r.Body)
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return nil, &spatial.Error{Kind: spatial.KindInvalid, Message: fmt.Sprintf("decision larger than the limit of %d bytes", mbe.Limit), Err: errTooLarge}
	}
	if err != nil {
		return nil, spatial.Invalid("bad decision", []spatial.Problem{{Index: -1, Field: "body", Reason: "unreadable"}})
	}
	if err := extract.CheckText(raw); err != nil {
		return nil, errors.Join(errText, err)
	}
	var q DecisionRequest
	if err := extract.DecodeStrict(raw, &q); err != nil {
		return nil, err
	}
	if q.Accept == nil {
		return nil, spatial.Invalid("bad decision", []spatial.Problem{{Index: -1, Field: "accept", Reason: `missing: give "accept": true or "accept": false`}})
	}
	return &q, nil
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
	measured, cur, err := s.acceptTarget(r, rec)
	if err != nil {
		return err
	}
	if extract.SameBoundary(cur.Geometry, measured) {
		v := cur.Version.Version
		d.PlotVersion, d.ExpectVersion = v, v // checked again in the decision's transaction
		d.Reason = strings.TrimSuffix(fmt.Sprintf("confirmed: the measured boundary is the stored version %d (only the start vertex or orientation differ), no new version; %s", v, d.Reason), "; ")
		return es.Decide(r.Context(), rec.ID, d)
	}
	txd, _ := es.(extract.TxDecider)
	v, err := s.acceptExtract(r, rec, measured, cur, d, txd)
	if err != nil || txd != nil {
		return err
	}
	d.PlotVersion = v
	return es.Decide(r.Context(), rec.ID, d)
}

// acceptTarget returns the boundary rec measured (from its stored report)
// and the plot's current version, which must still be the one rec was
// checked against (409 otherwise). An acceptance whose boundary is the
// current one (extract.SameBoundary) confirms it and writes no version.
func (s *Server) acceptTarget(r *http.Request, rec *extract.Record) (orb.MultiPolygon, *spatial.Plot, error) {
	var rep extract.Report
	if err := json.Unmarshal(rec.Report, &rep); err != nil || len(rep.Measured) == 0 {
		return nil, nil, fmt.Errorf("extract %d: stored report without its measured geometry: %v", rec.ID, err)
	}
	cur, err := s.currentPlot(r, rec.Plot)
	if err != nil {
		return nil, nil, err
	}
	if cur.Version.Version != rec.PlotVersion {
		return nil, nil, spatial.Errorf(spatial.KindConflict, "plot %s changed since extract %d was checked (version %d, checked %d): submit a new extract", rec.Plot, rec.ID, cur.Version.Version, rec.PlotVersion)
	}
	return rep.Measured, cur, nil
}

// acceptExtract stores measured as a new version of cur (the plot's
// current version, from acceptTarget) and returns that version; with txd,
// the decision (d, its PlotVersion set) goes into the same transaction.
// The legal area is left as it is: it changes with a new certificate, not
// with a measurement.
func (s *Server) acceptExtract(r *http.Request, rec *extract.Record, measured orb.MultiPolygon, cur *spatial.Plot, d *extract.Decision, txd extract.TxDecider) (int, error) {
	wr, ok := s.store.(spatial.Writer)
	if !ok {
		return 0, errors.New("store cannot take chunked writes")
	}
	np := *cur
	np.Geometry, np.Version = measured, spatial.Version{}
	np.Normalize()
	reason := fmt.Sprintf("extract %d accepted", rec.ID)
	if d.AllowOverlaps {
		// The version's reason is fixed when its transaction begins: the
		// overlaps it allows are found first in a transaction rolled back.
		ovs, err := previewOverlaps(r, wr, d.By, &np)
		if err != nil {
			return 0, err
		}
		if len(ovs) > 0 {
			reason += " allowing overlaps with " + extract.DescribeOverlaps(ovs)
		}
	}
	if d.Reason != "" {
		reason += ": " + d.Reason
	}
	// The version the write makes: the next one (a boundary equal to the
	// stored one was a confirmation, decided before).
	v := cur.Version.Version + 1
	res, err := writePlot(r, wr, spatial.Change{By: d.By, Reason: reason, Source: fmt.Sprintf("extract %d", rec.ID)}, &np,
		func(tx spatial.Tx) error {
			if err := acceptOverlaps(r.Context(), tx, rec.Plot, d); err != nil {
				return err
			}
			if txd == nil {
				return nil
			}
			// The store checks, in this transaction, that the plot is at
			// v: a concurrent acceptance against the same version wrote
			// first, and this one is refused (409).
			d.PlotVersion, d.ExpectVersion = v, v
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

// previewOverlaps writes p in a transaction it rolls back and returns the
// overlaps with stored neighbours that writing it would make (more than
// the acceptance rule's extract.MinAcceptOverlap).
func previewOverlaps(r *http.Request, wr spatial.Writer, by string, p *spatial.Plot) ([]extract.NeighbourArea, error) {
	tx, err := wr.Begin(r.Context(), spatial.Change{By: by, Reason: "overlap preview, rolled back"})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(r.Context())
	cp := *p
	if err := tx.Write(r.Context(), &spatial.Batch{Plots: []*spatial.Plot{&cp}}); err != nil {
		return nil, err
	}
	return extract.AcceptOverlaps(r.Context(), tx, p.Key, true)
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
