package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"cadastre/spatial"
	"cadastre/spatial/extract"
	"cadastre/spatial/store/storetest"
)

// Accepting an extract runs the ingest's overlap check against the stored
// neighbours, on both stores: plot 1's east edge moved 3.7 cm into plot 2
// (0.75 m²) is refused with 409 naming plot 2 and the area, nothing is
// stored, and an ingest of plot 2 still goes through. With allow_overlaps
// and a reason it is stored, and the plot's history says so. (Before, the
// acceptance stored the overlap and that ingest of plot 2 was refused:
// extracttest.RunAcceptOverlaps shows it on the stores.)
func TestExtractAcceptOverlaps(t *testing.T) {
	for _, c := range []struct {
		name string
		open func(*testing.T) extractStore
	}{{"gpkg", openGPKG}, {"postgis", openPostGIS}} {
		t.Run(c.name, func(t *testing.T) {
			st := c.open(t)
			admin := token(t, st, spatial.RoleAdmin)
			acceptOverlaps(t, newExtractEnvOn(t, st), admin)
		})
	}
}

func acceptOverlaps(t *testing.T, env *extractEnv, admin string) {
	code, body := env.post(t, "/api/v1/extracts", env.surveyor, env.request(env.table(0.037))) // 0.037 x 20.2 m = 0.75 m²
	var rec extract.Record
	if code != http.StatusCreated || json.Unmarshal(body, &rec) != nil || rec.Status != extract.StatusValidated {
		t.Fatalf("submit: got %d %s, want 201 validated", code, body)
	}
	dec := fmt.Sprintf("/api/v1/extracts/%d/decision", rec.ID)
	req, err := http.NewRequest(http.MethodPost, env.srv.URL+dec, strings.NewReader(`{"accept":true,"reason":"surveyed again"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+env.registrar)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	var p struct {
		Detail string
		Errors []spatial.Problem
	}
	if resp.StatusCode != http.StatusConflict || resp.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(body, &p) != nil ||
		len(p.Errors) != 1 || p.Errors[0].Feature != "90001/7/2" || !strings.Contains(p.Errors[0].Reason, "0.75 m²") || !strings.Contains(p.Detail, "90001/7/2 0.75 m²") {
		t.Fatalf("accept over the neighbour: got %d %s %s, want 409 problem+json naming 90001/7/2 and 0.75 m²", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if _, body := get(t, env.srv.URL+"/api/v1/plots/90001/7/1"); !strings.Contains(string(body), `"version":1,`) || strings.Contains(string(body), `"version":2`) {
		t.Fatalf("after the refused accept: plot 1 is %s, want version 1 only", body)
	}
	if _, body := fetch(t, http.MethodGet, env.srv.URL+"/api/v1/extracts/"+fmt.Sprint(rec.ID), "Authorization", "Bearer "+env.surveyor); !strings.Contains(string(body), `"status":"validated"`) {
		t.Fatalf("after the refused accept: extract %s, want still validated", body)
	}
	// The neighbour's next ingest is not blocked by an overlap it did not make.
	if code, body := ingestPlot2(t, env, admin); code != http.StatusOK || !strings.Contains(string(body), `"changed":1`) {
		t.Fatalf("ingest of plot 2 after the refused accept: got %d %s, want 200 changed", code, body)
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"accept": true, "allow_overlaps": true}, `"field":"reason"`},
		{map[string]any{"accept": false, "allow_overlaps": true, "reason": "x"}, `"field":"allow_overlaps"`},
	} {
		if code, body := env.post(t, dec, env.registrar, c.body); code != http.StatusBadRequest || !strings.Contains(string(body), c.field) {
			t.Errorf("decision %v: got %d %s, want 400 naming %s", c.body, code, body, c.field)
		}
	}
	code, body = env.post(t, dec, env.registrar, map[string]any{"accept": true, "allow_overlaps": true, "reason": "wall shared, both owners signed"})
	if code != http.StatusOK || json.Unmarshal(body, &rec) != nil || rec.Status != extract.StatusAccepted || len(rec.Decisions) != 1 ||
		!strings.Contains(rec.Decisions[0].Reason, "wall shared, both owners signed (overlaps allowed: 90001/7/2 0.75 m²)") {
		t.Fatalf("accept with allow_overlaps: got %d %s, want accepted with the overlaps in the decision", code, body)
	}
	_, body = get(t, env.srv.URL+"/api/v1/plots/90001/7/1")
	var h struct {
		Version  int
		Versions []struct {
			Version int
			Reason  string
		}
	}
	if err := json.Unmarshal(body, &h); err != nil || h.Version != 2 || len(h.Versions) != 2 ||
		h.Versions[0].Reason != fmt.Sprintf("extract %d accepted allowing overlaps with 90001/7/2 0.75 m²: wall shared, both owners signed", rec.ID) {
		t.Errorf("plot history after the override: got %s", body)
	}
}

// ingestPlot2 posts plot 2 of the extract environment as stored, with
// another land use.
func ingestPlot2(t *testing.T, env *extractEnv, admin string) (int, []byte) {
	p2 := storetest.Square(storetest.UnitA, 7, 2, storetest.ZoneA, env.e0+20, env.n0, 20)
	var coords []string
	for _, pt := range p2.Geometry[0][0] {
		coords = append(coords, fmt.Sprintf("[%.4f,%.4f]", pt[0], pt[1]))
	}
	doc := fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"unit":%q,"sheet":7,"plot":2,"land_use":"LUC","legal_area":%g},
		"geometry":{"type":"Polygon","coordinates":[[%s]]}}]}`, storetest.UnitA, p2.LegalArea, strings.Join(coords, ","))
	req, err := http.NewRequest(http.MethodPost, env.srv.URL+"/api/v1/ingest?name=plot2.geojson&crs=EPSG:9210", bytes.NewReader([]byte(doc)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}
