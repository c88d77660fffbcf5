package ogc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/ingest"
)

// Part 4 (Create, Replace, Update, Delete) on the plots collection. Every
// write goes through the ingest job (spatial/ingest: the same decoding,
// checks, overlap search and chunked transaction as a file upload) or,
// for DELETE, a transaction that retires the plot: nothing is overwritten
// or deleted, each change is a new version stamped with the token's name
// and the reason. The If-Match check reads the read model just before the
// write; a concurrent write between the two stays a version of its own in
// the history (no data is lost), the later one simply wins.

// maxFeatureBytes bounds one feature's request body.
const maxFeatureBytes = 8 << 20

// reasonHeader carries the reason of a change (or the reason property).
const reasonHeader = "Change-Reason"

// allowed lists the methods of a resource, for OPTIONS and 405.
// Plots are created, replaced, patched and retired; sheets created,
// replaced and patched (a sheet is never retired in this model).
func allowed(c *collection, item bool) string {
	switch {
	case c == nil || (c.id != "plots" && c.id != "sheets"):
		return "GET, HEAD, OPTIONS"
	case item && c.id == "sheets":
		return "GET, HEAD, PUT, PATCH, OPTIONS"
	case item:
		return "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
	}
	return "GET, HEAD, POST, OPTIONS"
}

// target is the feature a write names: a plot or a sheet.
type target struct {
	plot  spatial.PlotKey
	sheet spatial.SheetKey
	isSh  bool
}

func (t target) id() string {
	if t.isSh {
		return fmt.Sprintf("%s.%d", t.sheet.Unit, t.sheet.Number)
	}
	return sortKey{unit: t.plot.Unit, a: t.plot.Sheet, b: t.plot.Plot}.plotID()
}

// keyProps are the properties that name the target.
func (t target) keyProps() map[string]any {
	if t.isSh {
		return map[string]any{"unit": t.sheet.Unit, "sheet": float64(t.sheet.Number)}
	}
	return map[string]any{"unit": t.plot.Unit, "sheet": float64(t.plot.Sheet), "plot": float64(t.plot.Plot)}
}

// current returns the target's current version number, if it exists.
func (h *Handler) current(r *http.Request, t target) (int, bool, error) {
	if !t.isSh {
		p, ok := h.o.Index.Snapshot().Plot(t.plot)
		if !ok {
			return 0, false, nil
		}
		return int(p.Version), true, nil
	}
	if _, ok := h.o.Index.Snapshot().Sheet(t.sheet); !ok {
		return 0, false, nil
	}
	sh, err := h.o.Store.Sheet(r.Context(), t.sheet)
	if spatial.KindOf(err) == spatial.KindNotFound {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return sh.Version.Version, true, nil
}

// targetOf reads the target of a body (POST) from its properties.
func targetOf(c *collection, props map[string]any) (target, bool) {
	if c.id == "plots" {
		k, ok := plotKeyOf(props)
		return target{plot: k}, ok
	}
	unit, _ := props["unit"].(string)
	n, ok := props["sheet"].(float64)
	k := spatial.SheetKey{Unit: unit, Number: int(n)}
	return target{sheet: k, isSh: true}, ok && float64(k.Number) == n && k.Number > 0 && spatial.ValidUnitCode(unit)
}

// targetOfID reads the target of a path id.
func targetOfID(c *collection, id string) (target, bool) {
	key, ok := parseID(c.id, id)
	if !ok {
		return target{}, false
	}
	if c.id == "sheets" {
		return target{sheet: spatial.SheetKey{Unit: key.unit, Number: key.a}, isSh: true}, true
	}
	return target{plot: spatial.PlotKey{Unit: key.unit, Sheet: key.a, Plot: key.b}}, true
}

// etag is the entity tag of a plot's current version.
func etag(id string, version int) string { return strconv.Quote(id + ".v" + strconv.Itoa(version)) }

// writer authorises a write and returns who makes it and why.
func (h *Handler) writer(r *http.Request, props map[string]any) (spatial.Change, error) {
	if h.o.Authorize == nil {
		return spatial.Change{}, &httpError{status: http.StatusMethodNotAllowed, msg: "this service takes no writes"}
	}
	who, err := h.o.Authorize(r)
	if err != nil {
		return spatial.Change{}, err
	}
	reason := strings.TrimSpace(r.Header.Get(reasonHeader))
	if reason == "" && props != nil {
		reason, _ = props["reason"].(string)
		reason = strings.TrimSpace(reason)
	}
	if reason == "" {
		return spatial.Change{}, badRequest("a change needs a reason: the %s header or a \"reason\" property", reasonHeader)
	}
	return spatial.Change{By: who, Reason: reason, Source: "OGC API " + r.Method + " " + r.URL.Path}, nil
}

// checkIfMatch answers 412 when If-Match names another version than the
// current one (or any version of a plot that does not exist).
func checkIfMatch(r *http.Request, id string, version int, exists bool) error {
	im := strings.TrimSpace(r.Header.Get("If-Match"))
	if im == "" {
		return nil
	}
	if im == "*" && exists {
		return nil
	}
	for _, t := range strings.Split(im, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if exists && t == etag(id, version) {
			return nil
		}
	}
	cur := "none (the plot does not exist)"
	if exists {
		cur = etag(id, version)
	}
	return &httpError{status: http.StatusPreconditionFailed, msg: fmt.Sprintf("If-Match %s is not the current version %s: read the plot again", im, cur)}
}

// inFeature is a GeoJSON feature of a request body.
type inFeature struct {
	Type       string          `json:"type"`
	ID         any             `json:"id,omitempty"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
}

func readFeature(r *http.Request) (*inFeature, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxFeatureBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &httpError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("a feature is limited to %d bytes", maxFeatureBytes)}
	}
	if err != nil {
		return nil, badRequest("could not read the body: %v", err)
	}
	var f inFeature
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, badRequest("the body is not a GeoJSON feature: %v", err)
	}
	if f.Type != "Feature" {
		return nil, badRequest("the body is a %q, not a GeoJSON Feature", f.Type)
	}
	if f.Properties == nil {
		f.Properties = map[string]any{}
	}
	return &f, nil
}

// contentCRS reads the request's Content-Crs header (Part 2/4): CRS84 by
// default; plane coordinates of a VN-2000 zone are taken as they are.
func contentCRS(r *http.Request) (int, error) {
	v := strings.TrimSpace(r.Header.Get("Content-Crs"))
	if v == "" {
		return crs.WGS84, nil
	}
	c, err := parseCRS("Content-Crs", strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">"))
	if err != nil {
		return 0, err
	}
	if c.latLon || c.code == crs.WebMercator {
		return 0, badRequest("Content-Crs: send plots in CRS84 or in a VN-2000 zone, not %s", c.uri)
	}
	return c.code, nil
}

// plotKeyOf reads unit, sheet and plot from the properties.
func plotKeyOf(props map[string]any) (spatial.PlotKey, bool) {
	unit, _ := props["unit"].(string)
	sheet, ok1 := props["sheet"].(float64)
	plot, ok2 := props["plot"].(float64)
	k := spatial.PlotKey{Unit: unit, Sheet: int(sheet), Plot: int(plot)}
	return k, ok1 && ok2 && float64(k.Sheet) == sheet && float64(k.Plot) == plot && k.Valid()
}

// ingestFeature writes one plot feature through the ingest job.
func (h *Handler) ingestFeature(r *http.Request, change spatial.Change, f *inFeature, epsg int, sheet bool) (*ingest.Report, error) {
	wr, ok := h.o.Store.(spatial.Writer)
	if !ok {
		return nil, &httpError{status: http.StatusNotImplemented, msg: "the store cannot take writes"}
	}
	units, err := h.o.Store.Units(r.Context())
	if err != nil {
		return nil, err
	}
	props := map[string]any{}
	for k, v := range f.Properties {
		switch k { // read-only or service members: the job computes or ignores them
		case "reason", "version", "epsg", "area", "id":
			continue
		case "grid_number": // a plot's comes from its sheet; a sheet's is its own
			if !sheet {
				continue
			}
		}
		props[k] = v
	}
	fc, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": []any{
		map[string]any{"type": "Feature", "geometry": f.Geometry, "properties": props}}})
	if err != nil {
		return nil, err
	}
	rep, err := ingest.Run(r.Context(), wr, change, units, []ingest.Input{{Name: "feature", Format: ingest.FormatGeoJSON, R: bytes.NewReader(fc)}},
		ingest.Settings{Decode: ingest.Options{CRS: epsg}})
	if err != nil {
		return rep, err
	}
	if h.o.AfterWrite != nil {
		h.o.AfterWrite(r, rep.Result)
	}
	return rep, nil
}

// writeProblems answers a rejected write: 422 with every problem found.
func (h *Handler) writeProblems(w http.ResponseWriter, r *http.Request, err error) {
	var de *spatial.Error
	if spatial.KindOf(err) != spatial.KindInvalid || !errors.As(err, &de) {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusUnprocessableEntity)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "urn:cadastre:problem:invalid", "title": "Unprocessable Entity",
		"status": http.StatusUnprocessableEntity, "detail": de.Message, "instance": r.URL.Path, "errors": de.Problems})
}

// create answers POST on the items of plots or sheets: 201 with Location.
func (h *Handler) create(w http.ResponseWriter, r *http.Request, c *collection) error {
	f, err := readFeature(r)
	if err != nil {
		return err
	}
	change, err := h.writer(r, f.Properties)
	if err != nil {
		return err
	}
	epsg, err := contentCRS(r)
	if err != nil {
		return err
	}
	t, ok := targetOf(c, f.Properties)
	if !ok && c.id == "plots" {
		return badRequest("the feature needs the properties unit (5 digits), sheet and plot (whole numbers above 0)")
	}
	if !ok {
		return badRequest("the feature needs the properties unit (5 digits) and sheet (a whole number above 0)")
	}
	_, exists, err := h.current(r, t)
	if err != nil {
		return err
	}
	if exists {
		return &httpError{status: http.StatusConflict, msg: fmt.Sprintf("%s exists: replace it with PUT on %s", t.id(), t.id())}
	}
	if _, err := h.ingestFeature(r, change, f, epsg, t.isSh); err != nil {
		h.writeProblems(w, r, err)
		return nil
	}
	return h.answerWrite(w, r, c, t, http.StatusCreated)
}

// answerWrite sends the new version's ETag (and Location after a create).
func (h *Handler) answerWrite(w http.ResponseWriter, r *http.Request, c *collection, t target, status int) error {
	loc := h.base(r) + "/collections/" + c.id + "/items/" + t.id()
	if v, ok, err := h.current(r, t); err == nil && ok {
		w.Header().Set("ETag", etag(t.id(), v))
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", loc)
	}
	w.WriteHeader(status)
	return nil
}

// replace answers PUT and PATCH on an item of plots or sheets.
func (h *Handler) replace(w http.ResponseWriter, r *http.Request, c *collection, id string) error {
	t, ok := targetOfID(c, id)
	if !ok {
		return notFound("no feature %q in %s", id, c.id)
	}
	version, exists, err := h.current(r, t)
	if err != nil {
		return err
	}
	if !exists {
		return notFound("no %s %s (create it with POST on the items)", strings.TrimSuffix(c.id, "s"), t.id())
	}
	if err := checkIfMatch(r, t.id(), version, exists); err != nil {
		return err
	}
	f, err := readFeature(r)
	if err != nil {
		return err
	}
	change, err := h.writer(r, f.Properties)
	if err != nil {
		return err
	}
	epsg, err := contentCRS(r)
	if err != nil {
		return err
	}
	if r.Method == http.MethodPatch {
		// RFC 7396 merge patch over the stored version: members given
		// replace, null removes; no geometry keeps the stored one (sent
		// on its own plane, exactly).
		base, geom, zone, err := h.stored(r, t)
		if err != nil {
			return err
		}
		for name, v := range f.Properties {
			if v == nil {
				delete(base, name)
			} else {
				base[name] = v
			}
		}
		f.Properties = base
		if len(f.Geometry) == 0 || string(f.Geometry) == "null" {
			f.Geometry, epsg = geom, zone
		}
	}
	for name, want := range t.keyProps() {
		if v, given := f.Properties[name]; given && v != want {
			return badRequest("property %s is %v but the path names %s: a key cannot change", name, v, t.id())
		}
		f.Properties[name] = want
	}
	if _, err := h.ingestFeature(r, change, f, epsg, t.isSh); err != nil {
		h.writeProblems(w, r, err)
		return nil
	}
	return h.answerWrite(w, r, c, t, http.StatusNoContent)
}

// stored returns the stored version's properties and plane geometry.
func (h *Handler) stored(r *http.Request, t target) (map[string]any, json.RawMessage, int, error) {
	if t.isSh {
		sh, err := h.o.Store.Sheet(r.Context(), t.sheet)
		if err != nil {
			return nil, nil, 0, err
		}
		base := map[string]any{"unit": sh.Key.Unit, "sheet": float64(sh.Key.Number), "grid_number": sh.GridNumber, "scale": float64(sh.Scale)}
		if sh.SurveyYear != 0 {
			base["survey_year"] = float64(sh.SurveyYear)
		}
		if sh.OffGrid {
			base["off_grid"] = true
		}
		g, err := json.Marshal(map[string]any{"type": "MultiPolygon", "coordinates": sh.Frame})
		return base, g, sh.EPSG, err
	}
	hist, err := h.o.Store.Plot(r.Context(), t.plot)
	if err != nil {
		return nil, nil, 0, err
	}
	p := hist.Current
	base := map[string]any{"unit": p.Key.Unit, "sheet": float64(p.Key.Sheet), "plot": float64(p.Key.Plot), "commune": p.Commune,
		"land_use": nonNil(p.LandUse), "legal_area": p.LegalArea, "address": p.Address}
	g, err := json.Marshal(map[string]any{"type": "MultiPolygon", "coordinates": p.Geometry})
	return base, g, p.EPSG, err
}

// retire answers DELETE: the plot gets a retired version; its history
// stays (plot-versions, /api/v1/plots).
func (h *Handler) retire(w http.ResponseWriter, r *http.Request, c *collection, id string) error {
	key, ok := parseID(c.id, id)
	if !ok {
		return notFound("no feature %q in %s", id, c.id)
	}
	k := spatial.PlotKey{Unit: key.unit, Sheet: key.a, Plot: key.b}
	cur, exists := h.o.Index.Snapshot().Plot(k)
	if !exists {
		return notFound("no current plot %s", key.plotID())
	}
	if err := checkIfMatch(r, key.plotID(), int(cur.Version), exists); err != nil {
		return err
	}
	change, err := h.writer(r, nil)
	if err != nil {
		return err
	}
	wr, ok := h.o.Store.(spatial.Writer)
	if !ok {
		return &httpError{status: http.StatusNotImplemented, msg: "the store cannot take writes"}
	}
	tx, err := wr.Begin(r.Context(), change)
	if err != nil {
		return err
	}
	defer tx.Rollback(r.Context())
	if err := tx.Write(r.Context(), &spatial.Batch{Retire: []spatial.PlotKey{k}}); err != nil {
		h.writeProblems(w, r, err)
		return nil
	}
	res, err := tx.Commit(r.Context())
	if err != nil {
		return err
	}
	if h.o.AfterWrite != nil {
		h.o.AfterWrite(r, res)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
