package ogc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"cadastre/spatial"
)

// token stores a token of a role and returns its secret.
func (f *fixture) token(t *testing.T, name string, role spatial.Role) string {
	t.Helper()
	secret, hash, err := spatial.NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateToken(t.Context(), &spatial.Token{Name: name, Role: role, Hash: hash, CreatedBy: "ogc-test"}); err != nil {
		t.Fatal(err)
	}
	return secret
}

func (f *fixture) do(t *testing.T, method, path, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// feature returns a plot's GeoJSON as served, and its ETag.
func (f *fixture) feature(t *testing.T, id string, query string) (map[string]any, string) {
	t.Helper()
	resp, body := f.get(t, "/ogc/collections/plots/items/"+id+query)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", id, resp.StatusCode, body)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m, resp.Header.Get("ETag")
}

// Part 4 (draft), requirements classes Create/Replace/Delete, Update and
// optimistic locking, on the plots collection.
func TestPart4CRUD(t *testing.T) {
	f := newFixture(t)
	reg := f.token(t, "registrar A", spatial.RoleRegistrar)
	surveyor := f.token(t, "surveyor B", spatial.RoleSurveyor)
	auth := func(secret string) []string { return []string{"Authorization", "Bearer " + secret} }
	with := func(h []string, more ...string) []string { return append(append([]string{}, h...), more...) }
	zone := "http://www.opengis.net/def/crs/EPSG/0/9210"

	t.Run("req/create-replace-delete/options", func(t *testing.T) {
		resp, _ := f.do(t, http.MethodOptions, "/ogc/collections/plots/items", "")
		if a := resp.Header.Get("Allow"); !strings.Contains(a, "POST") {
			t.Errorf("OPTIONS items: Allow %q", a)
		}
		resp, _ = f.do(t, http.MethodOptions, "/ogc/collections/plots/items/27002.1.7", "")
		for _, m := range []string{"PUT", "PATCH", "DELETE"} {
			if !strings.Contains(resp.Header.Get("Allow"), m) {
				t.Errorf("OPTIONS item: Allow %q lacks %s", resp.Header.Get("Allow"), m)
			}
		}
		resp, _ = f.do(t, http.MethodOptions, "/ogc/collections/sheets/items/27002.1", "")
		if a := resp.Header.Get("Allow"); !strings.Contains(a, "PUT") || strings.Contains(a, "DELETE") {
			t.Errorf("a sheet is replaced, never retired: Allow %q", a)
		}
		resp, _ = f.do(t, http.MethodPost, "/ogc/collections/units/items", "{}")
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
			t.Errorf("POST on units: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
		}
		resp, _ = f.do(t, http.MethodDelete, "/ogc/collections/sheets/items/27002.1", "")
		if resp.StatusCode != 405 {
			t.Errorf("DELETE on a sheet: %d", resp.StatusCode)
		}
	})

	t.Run("writes need a registrar or admin token and a reason", func(t *testing.T) {
		_, etag := f.feature(t, "27002.1.7", "")
		for _, c := range []struct {
			hdr  []string
			want int
		}{
			{nil, 401},
			{auth("cad_wrong"), 401},
			{with(auth(surveyor), "Change-Reason", "x"), 403},
			{auth(reg), 400}, // no reason
		} {
			resp, body := f.do(t, http.MethodDelete, "/ogc/collections/plots/items/27002.1.7", "", with(c.hdr, "If-Match", etag)...)
			if resp.StatusCode != c.want {
				t.Errorf("DELETE with %v: %d, want %d: %s", c.hdr, resp.StatusCode, c.want, body)
			}
		}
		if _, ok := f.ix.Snapshot().Plot(spatial.PlotKey{Unit: "27002", Sheet: 1, Plot: 7}); !ok {
			t.Fatal("a refused DELETE retired the plot")
		}
	})

	var plane map[string]any // plot 27002.1.7 on its plane, before it is retired
	t.Run("req/create-replace-delete/delete-response", func(t *testing.T) {
		var etag string
		plane, etag = f.feature(t, "27002.1.7", "?crs="+zone)
		resp, body := f.do(t, http.MethodDelete, "/ogc/collections/plots/items/27002.1.7", "", with(auth(reg), "If-Match", `"27002.1.7.v9"`, "Change-Reason", "merged")...)
		if resp.StatusCode != 412 {
			t.Errorf("DELETE with a stale If-Match: %d %s", resp.StatusCode, body)
		}
		resp, body = f.do(t, http.MethodDelete, "/ogc/collections/plots/items/27002.1.7", "", with(auth(reg), "If-Match", etag, "Change-Reason", "merged into 27002.1.8")...)
		if resp.StatusCode != 204 {
			t.Fatalf("DELETE: %d %s", resp.StatusCode, body)
		}
		f.getJSON(t, "/ogc/collections/plots/items/27002.1.7", 404, nil)
		hist, err := f.store.Plot(t.Context(), spatial.PlotKey{Unit: "27002", Sheet: 1, Plot: 7})
		if err != nil || !hist.Current.Retired || hist.Current.ChangedBy != "token:registrar A" || hist.Current.Reason != "merged into 27002.1.8" || len(hist.Versions) != 2 {
			t.Errorf("after DELETE the store has %+v (err %v)", hist.Current, err)
		}
	})

	t.Run("req/create-replace-delete/insert-response", func(t *testing.T) {
		props := plane["properties"].(map[string]any)
		props["plot"] = 9007
		props["reason"] = "re-numbered"
		body, _ := json.Marshal(map[string]any{"type": "Feature", "geometry": plane["geometry"], "properties": props})
		resp, msg := f.do(t, http.MethodPost, "/ogc/collections/plots/items", string(body), with(auth(reg), "Content-Crs", "<"+zone+">")...)
		if resp.StatusCode != 201 || !strings.HasSuffix(resp.Header.Get("Location"), "/ogc/collections/plots/items/27002.1.9007") || resp.Header.Get("ETag") != `"27002.1.9007.v1"` {
			t.Fatalf("POST: %d Location %q ETag %q %s", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("ETag"), msg)
		}
		got, _ := f.feature(t, "27002.1.9007", "?crs="+zone)
		if g1, _ := json.Marshal(got["geometry"]); string(g1) != mustJSON(plane["geometry"]) {
			t.Errorf("stored geometry %s, sent %s", g1, mustJSON(plane["geometry"]))
		}
		resp, msg = f.do(t, http.MethodPost, "/ogc/collections/plots/items", string(body), with(auth(reg), "Content-Crs", "<"+zone+">")...)
		if resp.StatusCode != 409 {
			t.Errorf("POST of an existing plot: %d %s", resp.StatusCode, msg)
		}
		// the same ring under another number overlaps 9007: refused with
		// the overlap named, nothing stored
		props["plot"] = 9008
		body, _ = json.Marshal(map[string]any{"type": "Feature", "geometry": plane["geometry"], "properties": props})
		resp, msg = f.do(t, http.MethodPost, "/ogc/collections/plots/items", string(body), with(auth(reg), "Content-Crs", "<"+zone+">")...)
		if resp.StatusCode != 422 || !strings.Contains(msg, "overlap") {
			t.Errorf("POST of an overlapping plot: %d %s", resp.StatusCode, msg)
		}
		f.getJSON(t, "/ogc/collections/plots/items/27002.1.9008", 404, nil)
	})

	t.Run("req/create-replace-delete/update-response", func(t *testing.T) {
		cur, etag := f.feature(t, "27002.1.8", "")
		props := cur["properties"].(map[string]any)
		props["legal_area"] = props["legal_area"].(float64) + 2.5
		body, _ := json.Marshal(map[string]any{"type": "Feature", "geometry": cur["geometry"], "properties": props})
		resp, msg := f.do(t, http.MethodPut, "/ogc/collections/plots/items/27002.1.8", string(body), with(auth(reg), "If-Match", etag, "Change-Reason", "legal area per certificate")...)
		if resp.StatusCode != 204 || resp.Header.Get("ETag") != `"27002.1.8.v2"` {
			t.Fatalf("PUT: %d ETag %q %s", resp.StatusCode, resp.Header.Get("ETag"), msg)
		}
		after, _ := f.feature(t, "27002.1.8", "")
		if after["properties"].(map[string]any)["legal_area"] != props["legal_area"] {
			t.Errorf("after PUT legal_area %v, want %v", after["properties"].(map[string]any)["legal_area"], props["legal_area"])
		}
		resp, _ = f.do(t, http.MethodPut, "/ogc/collections/plots/items/27002.1.8", string(body), with(auth(reg), "If-Match", etag, "Change-Reason", "again")...)
		if resp.StatusCode != 412 {
			t.Errorf("PUT with the old ETag: %d, want 412", resp.StatusCode)
		}
		props["plot"] = 12
		body, _ = json.Marshal(map[string]any{"type": "Feature", "geometry": cur["geometry"], "properties": props})
		resp, _ = f.do(t, http.MethodPut, "/ogc/collections/plots/items/27002.1.8", string(body), with(auth(reg), "Change-Reason", "key change")...)
		if resp.StatusCode != 400 {
			t.Errorf("PUT changing the key: %d", resp.StatusCode)
		}
	})

	t.Run("req/update/patch-response", func(t *testing.T) {
		_, etag := f.feature(t, "27002.1.8", "")
		resp, msg := f.do(t, http.MethodPatch, "/ogc/collections/plots/items/27002.1.8", `{"type":"Feature","properties":{"address":"Thôn 9","reason":"address corrected"}}`,
			with(auth(reg), "If-Match", etag, "Content-Type", "application/merge-patch+json")...)
		if resp.StatusCode != 204 {
			t.Fatalf("PATCH: %d %s", resp.StatusCode, msg)
		}
		hist, err := f.store.Plot(t.Context(), spatial.PlotKey{Unit: "27002", Sheet: 1, Plot: 8})
		if err != nil || hist.Current.Address != "Thôn 9" || hist.Current.Version.Version != 3 || hist.Current.Reason != "address corrected" {
			t.Fatalf("after PATCH: %+v %v", hist.Current, err)
		}
		if prev := hist.Versions[1]; prev.Address == "Thôn 9" || !prev.Geometry.Bound().Equal(hist.Current.Geometry.Bound()) {
			t.Errorf("PATCH changed what it did not name: %+v", prev)
		}
		var vs featureCollection
		f.getJSON(t, "/ogc/collections/plot-versions/items?filter="+strings.ReplaceAll("unit='27002' AND sheet=1 AND plot=8", " ", "%20"), 200, &vs)
		if vs.NumberMatched != 3 {
			t.Errorf("plot-versions of 27002.1.8: %d, want 3", vs.NumberMatched)
		}
	})
}

// Sheets: replaced and patched through the same ingest checks, versioned.
func TestPart4Sheets(t *testing.T) {
	f := newFixture(t)
	reg := f.token(t, "registrar A", spatial.RoleRegistrar)
	key := spatial.SheetKey{Unit: "27002", Number: 1}
	resp, _ := f.get(t, "/ogc/collections/sheets/items/27002.1")
	etag := resp.Header.Get("ETag")
	if etag != `"27002.1.v1"` {
		t.Fatalf("sheet ETag %q", etag)
	}
	resp, msg := f.do(t, http.MethodPatch, "/ogc/collections/sheets/items/27002.1", `{"type":"Feature","properties":{"survey_year":2021}}`,
		"Authorization", "Bearer "+reg, "If-Match", etag, "Change-Reason", "re-surveyed")
	if resp.StatusCode != 204 || resp.Header.Get("ETag") != `"27002.1.v2"` {
		t.Fatalf("PATCH sheet: %d ETag %q %s", resp.StatusCode, resp.Header.Get("ETag"), msg)
	}
	sh, err := f.store.Sheet(t.Context(), key)
	if err != nil || sh.SurveyYear != 2021 || sh.Version.Version != 2 || sh.Reason != "re-surveyed" || sh.ChangedBy != "token:registrar A" {
		t.Fatalf("sheet after PATCH: %+v %v", sh, err)
	}
	resp, _ = f.do(t, http.MethodPatch, "/ogc/collections/sheets/items/27002.1", `{"type":"Feature","properties":{"survey_year":2022}}`,
		"Authorization", "Bearer "+reg, "If-Match", etag, "Change-Reason", "stale")
	if resp.StatusCode != 412 {
		t.Errorf("PATCH sheet with a stale ETag: %d", resp.StatusCode)
	}
	resp, msg = f.do(t, http.MethodPatch, "/ogc/collections/sheets/items/27002.1", `{"type":"Feature","properties":{"grid_number":"not a grid number"}}`,
		"Authorization", "Bearer "+reg, "Change-Reason", "typo")
	if resp.StatusCode != 422 {
		t.Errorf("PATCH sheet with a bad grid number: %d %s", resp.StatusCode, msg)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
