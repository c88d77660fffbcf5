package api

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"cadastre/spatial/index"
	"cadastre/tiles"
)

// FuzzTilePath: the tile paths ServeHTTP serves without the router are
// exactly those the router's tile route matches, with the same variables
// (TestTilePathAsRouter's property, on any path; issue 15).
func FuzzTilePath(f *testing.F) {
	tc, err := tiles.NewCache(index.New(), tiles.CacheOptions{})
	if err != nil {
		f.Fatal(err)
	}
	s := New(Options{Tiles: tc, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, p := range []string{"/tiles/plots/16/52213/30803.mvt", "/tiles/cadastre/0/0/0.pbf", "/tiles/plots.json/1/2/3.mvt",
		"/tiles/plots/16/1/2.3.mvt", "/tiles//16/1/2.mvt", "/tiles/plots/../1/2.mvt", "/tiles/plots/16/1/2/3.mvt",
		"/tiles/plots/16/metadata.json", "/tiles/plots/16/1/2.mvt/", "/tiles/a/b/c/.pbf", "/api/v1/plots/at", "/tiles/%2e/1/2/3.mvt"} {
		f.Add(p)
	}
	const template = "/tiles/{layer}/{z}/{x}/{y:[^/.]+}.{ext:mvt|pbf}"
	f.Fuzz(func(t *testing.T, p string) {
		layer, z, x, y, ok := tilePath(p)
		if !strings.HasPrefix(p, "/") {
			if ok {
				t.Fatalf("%q: a path without a leading slash taken as a tile", p)
			}
			return
		}
		var m mux.RouteMatch
		req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}, Header: http.Header{}}
		routed := path.Clean(p) == p && s.router.Match(req, &m) && m.Route != nil && tplOf(m.Route) == template
		if ok != routed {
			t.Fatalf("%q: shortcut %v, router's tile route %v", p, ok, routed)
		}
		if ok && (layer != m.Vars["layer"] || z != m.Vars["z"] || x != m.Vars["x"] || y != m.Vars["y"]) {
			t.Fatalf("%q: shortcut %q %q %q %q, router %v", p, layer, z, x, y, m.Vars)
		}
	})
}

// FuzzLookupQuery: the lookups' own query parser reads every query as
// url.ParseQuery does (TestParseArgsMatchesURLQuery's property).
func FuzzLookupQuery(f *testing.F) {
	for _, q := range []string{"", "x=1&y=2&crs=EPSG:9210", "x=1&x=2", "x;=1&y=3", "%zz=1&y=2", "x=%41%42&y=a+b", "a+b=c%20d",
		"lon=106.6663&lat=10.7770&nearest=30", "x=%4", "x=1&x&x=", strings.Repeat("&", 64) + "x=1", "bbox=1,2,3,4&cursor=MjcwMDIvMS8x"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		want, _ := url.ParseQuery(raw)
		var buf [8]queryPair
		got := parseArgs(raw, buf[:0])
		names := []string{"x", "y", "crs", "lon", "lat", "bbox", "cursor", "limit", "geometry", ""}
		n := 0
		for k, vs := range want {
			names = append(names, k)
			n += len(vs)
		}
		for _, k := range names {
			if got.Get(k) != want.Get(k) || got.Has(k) != want.Has(k) {
				t.Fatalf("%q: %q: got %q %v, want %q %v", raw, k, got.Get(k), got.Has(k), want.Get(k), want.Has(k))
			}
		}
		if len(got) != n {
			t.Fatalf("%q: %d pairs, url.ParseQuery has %d", raw, len(got), n)
		}
	})
}

// FuzzCursor: a search cursor from a client decodes to a valid plot key
// or an error, and a decoded key encodes back to a cursor of itself.
func FuzzCursor(f *testing.F) {
	for _, c := range []string{base64.RawURLEncoding.EncodeToString([]byte("27002/1/1")), base64.RawURLEncoding.EncodeToString([]byte("27002/1")),
		base64.RawURLEncoding.EncodeToString([]byte("x/-1/2")), base64.RawURLEncoding.EncodeToString([]byte("27002/01/+3")), "!!", ""} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c string) {
		k, err := decodeCursor(c)
		if err != nil {
			return
		}
		if !k.Valid() {
			t.Fatalf("%q: decoded an invalid key %+v", c, k)
		}
		again, err := decodeCursor(base64.RawURLEncoding.EncodeToString([]byte(k.String())))
		if err != nil || again != k {
			t.Fatalf("%q: key %v re-encoded decodes to %v, %v", c, k, again, err)
		}
	})
}
