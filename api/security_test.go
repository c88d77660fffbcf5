package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"testing/fstest"

	"cadastre/api"
	"cadastre/sampledata"
	"cadastre/spatial/index"
	"cadastre/tiles"
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

// tileServerWith is tileServer's server with options changed by opt.
func tileServerWith(t *testing.T, opt func(*api.Options)) *httptest.Server {
	t.Helper()
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	ix := index.New()
	if _, err := ix.Build(context.Background(), batchSource{b}, discardLog()); err != nil {
		t.Fatal(err)
	}
	tc, err := tiles.NewCache(ix, tiles.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := api.Options{Index: ix, Tiles: tc, Log: discardLog()}
	opt(&o)
	srv := httptest.NewServer(api.New(o))
	t.Cleanup(srv.Close)
	return srv
}

// tileJSONURL fetches /tiles/plots.json with the headers and returns its
// tile URL.
func tileJSONURL(t *testing.T, srv *httptest.Server, host string, hdr ...string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/tiles/plots.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tj tiles.TileJSON
	if err := json.NewDecoder(resp.Body).Decode(&tj); err != nil || resp.StatusCode != 200 || len(tj.Tiles) != 1 {
		t.Fatalf("TileJSON: %d %v %+v", resp.StatusCode, err, tj)
	}
	return tj.Tiles[0]
}

// TestTileJSONHostileHost: the tile URL comes from the configured public
// URL or the listener, never from a client's Host or X-Forwarded-*
// headers, unless the peer is a configured trusted proxy. Before, a
// request with Host: evil.example got tiles from evil.example.
func TestTileJSONHostileHost(t *testing.T) {
	hostile := []string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https"}
	plain := tileServerWith(t, func(*api.Options) {})
	if got := tileJSONURL(t, plain, "evil.example", hostile...); !strings.HasPrefix(got, plain.URL+"/tiles/plots/") {
		t.Errorf("no public URL, hostile headers: tile URL %q, want it on the listener %s", got, plain.URL)
	}
	public := tileServerWith(t, func(o *api.Options) { o.PublicURL = "https://cadastre.example.gov.vn" })
	if got := tileJSONURL(t, public, "evil.example", hostile...); !strings.HasPrefix(got, "https://cadastre.example.gov.vn/tiles/plots/") {
		t.Errorf("public URL, hostile headers: tile URL %q, want it on the public URL", got)
	}
	// A proxy elsewhere is not this peer: its headers are not believed.
	elsewhere := tileServerWith(t, func(o *api.Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	if got := tileJSONURL(t, elsewhere, "evil.example", hostile...); !strings.HasPrefix(got, elsewhere.URL+"/") {
		t.Errorf("untrusted peer: tile URL %q, want it on the listener", got)
	}
	proxied := tileServerWith(t, func(o *api.Options) {
		o.PublicURL = "https://cadastre.example.gov.vn"
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	if got := tileJSONURL(t, proxied, "ignored.example", "X-Forwarded-Host", "maps.example.gov.vn", "X-Forwarded-Proto", "https"); !strings.HasPrefix(got, "https://maps.example.gov.vn/tiles/plots/") {
		t.Errorf("trusted proxy: tile URL %q, want the forwarded host", got)
	}
	if got := tileJSONURL(t, proxied, "x", "X-Forwarded-Host", "evil.example/path@x"); !strings.HasPrefix(got, "https://cadastre.example.gov.vn/") {
		t.Errorf("trusted proxy, malformed forwarded host: tile URL %q, want the public URL", got)
	}
}

func TestParsePublicURL(t *testing.T) {
	for in, want := range map[string]string{"https://c.example/": "https://c.example", "http://10.0.0.1:8080": "http://10.0.0.1:8080"} {
		if got, err := api.ParsePublicURL(in); err != nil || got != want {
			t.Errorf("ParsePublicURL(%q): got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "c.example", "ftp://c.example", "https://u:p@c.example", "https://c.example/maps", "https://c.example?x=1"} {
		if _, err := api.ParsePublicURL(in); err == nil {
			t.Errorf("ParsePublicURL(%q): no error", in)
		}
	}
}

// TestPageHeaders: the map page and its files carry a Content-Security-
// Policy allowing only the service's origin, nosniff, no framing and a
// same-origin Referrer-Policy; the public URL is named in the policy.
func TestPageHeaders(t *testing.T) {
	files := fstest.MapFS{"index.html": {Data: []byte("<p>x")}, "app.js": {Data: []byte("1")}}
	st := openGPKG(t)
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(api.New(api.Options{Store: st, Web: files, PublicURL: "https://cadastre.example.gov.vn"}))
	t.Cleanup(srv.Close)
	for _, p := range []string{"/", "/web/app.js", "/web/config.json"} {
		resp, _ := fetch(t, http.MethodGet, srv.URL+p)
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self' https://cadastre.example.gov.vn;", "connect-src 'self' https://cadastre.example.gov.vn;", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: Content-Security-Policy %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") || strings.Contains(csp, "evil") || strings.Contains(csp, "*") {
			t.Errorf("GET %s: Content-Security-Policy %q allows more than the service", p, csp)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("GET %s: %s %q, want %q", p, k, got, want)
			}
		}
	}
}
