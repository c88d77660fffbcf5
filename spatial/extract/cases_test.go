package extract_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/extract"
	"cadastre/spatial/extract/extracttest"
)

// TestCases runs the re-measurements of extracttest.Cases through the
// check the API and the CLI share (Request decoding, Check,
// Request.Validate), with the case plots as neighbours; the same cases
// run over HTTP against both stores in api.TestExtractCases.
func TestCases(t *testing.T) {
	const unit, sheet, epsg = "90001", 7, 9210
	e0, n0 := 601239.123, 1191881.456
	plots := extracttest.CasePlots(unit, sheet, epsg, e0, n0)
	for _, c := range extracttest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			c.Assert(t, run(t, c.Request(unit, sheet, e0, n0), plots))
		})
	}
}

// run checks a request body as POST /api/v1/extracts does, without a
// store: status 201 with the report, 400/422 for bad input, 404 for an
// unknown plot.
func run(t *testing.T, body map[string]any, plots []*spatial.Plot) extracttest.Outcome {
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	var q extract.Request
	if err := extract.DecodeStrict(raw, &q); err != nil {
		return failed(http.StatusBadRequest, err)
	}
	st, err := q.Check()
	if err != nil {
		return failed(http.StatusBadRequest, err)
	}
	var stored *spatial.Plot
	var ns []extract.Neighbour
	for _, p := range plots {
		if p.Key == q.Plot {
			stored = p
		} else {
			ns = append(ns, extract.Neighbour{Key: p.Key, Geometry: p.Geometry})
		}
	}
	if stored == nil {
		return extracttest.Outcome{Status: http.StatusNotFound, Text: "no plot " + q.Plot.String()}
	}
	rep, err := q.Validate(st, stored, 1000, func(m orb.MultiPolygon) ([]extract.Neighbour, error) { return ns, nil })
	if err != nil {
		return failed(http.StatusUnprocessableEntity, err)
	}
	return extracttest.Outcome{Status: http.StatusCreated, Report: rep}
}

// failed renders an error as the API's problem list would show it.
func failed(status int, err error) extracttest.Outcome {
	b, _ := json.Marshal(map[string]any{"detail": err.Error(), "errors": spatial.ProblemsOf(err)})
	if spatial.KindOf(err) != spatial.KindInvalid {
		status = http.StatusInternalServerError
	}
	return extracttest.Outcome{Status: status, Text: string(b)}
}
