package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"cadastre/api"
	"cadastre/spatial"
	"cadastre/spatial/store/gpkg"
)

// newWebServer serves a stand-in of the page's files (web.FS is tested in
// web/; the browser test runs the real page).
func newWebServer(t *testing.T, files fstest.MapFS) *httptest.Server {
	t.Helper()
	st, err := gpkg.Open(context.Background(), filepath.Join(t.TempDir(), "web.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	o := api.Options{Store: st}
	if files != nil {
		o.Web = files
	}
	srv := httptest.NewServer(api.New(o))
	t.Cleanup(srv.Close)
	return srv
}

func TestWebFiles(t *testing.T) {
	srv := newWebServer(t, fstest.MapFS{
		"index.html":                          {Data: []byte(`<script type="module" src="/web/app.js"></script>`)},
		"app.js":                              {Data: []byte(`import "/web/vendor/maplibre-gl/maplibre-gl.mjs";`)},
		"app.css":                             {Data: []byte(`body{}`)},
		"vendor/maplibre-gl/maplibre-gl.mjs":  {Data: []byte(`export {}`)},
		"vendor/maplibre-gl/maplibre-gl.css":  {Data: []byte(`.maplibregl-map{}`)},
		"vendor/maplibre-gl/sub/nested.mjs":   {Data: []byte(`export {}`)},
		"vendor/maplibre-gl/maplibre-gl.d.ts": {Data: []byte(`x`)},
	})
	for _, c := range []struct {
		path, wantType string
		wantStatus     int
		wantBody       string
	}{
		{"/", "text/html; charset=utf-8", 200, "/web/app.js"},
		{"/web/app.js", "text/javascript; charset=utf-8", 200, "maplibre-gl.mjs"},
		{"/web/app.css", "text/css; charset=utf-8", 200, "body"},
		{"/web/vendor/maplibre-gl/maplibre-gl.mjs", "text/javascript; charset=utf-8", 200, "export"},
		{"/web/vendor/maplibre-gl/maplibre-gl.css", "text/css; charset=utf-8", 200, "maplibregl"},
		{"/web/vendor/maplibre-gl/missing.mjs", "application/problem+json", 404, "npm ci"},
		{"/web/", "application/problem+json", 404, "no file"},
		{"/web/vendor/maplibre-gl/", "application/problem+json", 404, "no file"},
		{"/web/vendor/maplibre-gl/sub", "application/problem+json", 404, "no file"},
		{"/web/nope.js", "application/problem+json", 404, "no file"},
	} {
		resp, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.wantStatus || resp.Header.Get("Content-Type") != c.wantType || !strings.Contains(string(body), c.wantBody) {
			t.Errorf("GET %s: got %d %q %.80q, want %d %q containing %q", c.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, c.wantStatus, c.wantType, c.wantBody)
		}
		if c.wantStatus == 200 && resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff header", c.path)
		}
	}
	// HEAD, and no other method.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: got %d, want 405", resp.StatusCode)
	}
}

func TestWebConfig(t *testing.T) {
	srv := newWebServer(t, fstest.MapFS{"index.html": {Data: []byte("x")}})
	resp, err := http.Get(srv.URL + "/web/config.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct {
		LandUses []spatial.LandUse `json:"land_uses"`
		Groups   []string          `json:"groups"`
		Zones    []struct {
			EPSG            int      `json:"epsg"`
			CentralMeridian float64  `json:"central_meridian"`
			Provinces       []string `json:"provinces"`
		} `json:"zones"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /web/config.json: status %d, %v", resp.StatusCode, err)
	}
	if len(c.LandUses) != len(spatial.LandUses()) {
		t.Errorf("land uses: got %d, want %d", len(c.LandUses), len(spatial.LandUses()))
	}
	groups := map[string]bool{}
	for _, g := range c.Groups {
		groups[g] = true
	}
	for _, lu := range c.LandUses {
		if !groups[lu.Group] {
			t.Errorf("land use %s: group %q not in the legend %v", lu.Code, lu.Group, c.Groups)
		}
	}
	// The groups the issue names come first, in its order.
	want := []string{"residential", "rice", "annual", "perennial", "forest", "water", "roads", "public"}
	if len(c.Groups) < len(want) || strings.Join(c.Groups[:len(want)], ",") != strings.Join(want, ",") {
		t.Errorf("legend order: got %v, want it to start with %v", c.Groups, want)
	}
	if len(c.Zones) != 17 {
		t.Errorf("zones: got %d, want the 17 VN-2000 TM-3 zones", len(c.Zones))
	}
	found := false
	for i, z := range c.Zones {
		if i > 0 && z.CentralMeridian < c.Zones[i-1].CentralMeridian {
			t.Errorf("zones not in meridian order at %d: %v after %v", z.EPSG, z.CentralMeridian, c.Zones[i-1].CentralMeridian)
		}
		if z.EPSG == 9210 && z.CentralMeridian == 105.75 && strings.Contains(strings.Join(z.Provinces, "|"), "TP Hồ Chí Minh") {
			found = true
		}
	}
	if !found {
		t.Errorf("zone EPSG:9210 (105°45', TP Hồ Chí Minh) missing from %+v", c.Zones)
	}
}

// Without the page's files (Options.Web nil) there is no page.
func TestWebNotServed(t *testing.T) {
	srv := newWebServer(t, nil)
	for _, p := range []string{"/", "/web/app.js", "/web/config.json"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s without Web: got %d, want 404", p, resp.StatusCode)
		}
	}
}
