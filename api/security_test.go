package api_test

import (
	"net/http"
	"testing"
)

// TestWrongMethod405: a wrong method on a route answers 405 with the
// methods it takes in Allow, on the API subrouter and the hot routes that
// skip the router alike; an unknown path stays 404. Before, every API
// route answered 404.
func TestWrongMethod405(t *testing.T) {
	srv, _ := newServer(t)
	tsrv, _, tl := tileServer(t, true)
	cases := []struct{ base, method, path, allow string }{
		{srv.URL, http.MethodPost, "/api/v1/plots/at?lon=106&lat=10", "GET, HEAD"},
		{srv.URL, http.MethodDelete, "/api/v1/plots/79/7/1", "GET, HEAD"},
		{srv.URL, http.MethodGet, "/api/v1/ingest", "POST"},
		{srv.URL, http.MethodGet, "/api/v1/extracts", "POST"},
		{srv.URL, http.MethodPut, "/api/v1/extracts/1", "GET, HEAD"},
		{srv.URL, http.MethodGet, "/api/v1/extracts/1/decision", "POST"},
		{srv.URL, http.MethodPut, "/healthz", "GET, HEAD"},
		{tsrv.URL, http.MethodPost, tileURL(tsrv, "plots", tl, "mvt")[len(tsrv.URL):], "GET, HEAD, OPTIONS"},
		{tsrv.URL, http.MethodDelete, "/tiles/plots.json", "GET, HEAD, OPTIONS"},
		{tsrv.URL, http.MethodPost, "/metrics", "GET"},
	}
	for _, c := range cases {
		resp, body := fetch(t, c.method, c.base+c.path)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s: got %d Allow %q, want 405 Allow %q (%s)", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), c.allow, body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q, want a problem", c.method, c.path, ct)
		}
	}
	for _, p := range []string{"/api/v1/nothing", "/api/v1/plots/79/7"} {
		if resp, _ := fetch(t, http.MethodPost, srv.URL+p); resp.StatusCode != http.StatusNotFound || resp.Header.Get("Allow") != "" {
			t.Errorf("POST %s: got %d Allow %q, want 404 without Allow", p, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}
