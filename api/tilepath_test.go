package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path"
	"testing"

	"github.com/gorilla/mux"

	"cadastre/spatial/index"
	"cadastre/tiles"
)

// TestTilePathAsRouter checks that the tile paths ServeHTTP serves
// without the router are exactly those the router sends to the tile
// handler, with the same variables, so that the shortcut changes no
// answer.
func TestTilePathAsRouter(t *testing.T) {
	tc, err := tiles.NewCache(index.New(), tiles.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Tiles: tc, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if s.tileFast == nil {
		t.Fatal("no tile shortcut with a tile cache")
	}
	const template = "/tiles/{layer}/{z}/{x}/{y:[^/.]+}.{ext:mvt|pbf}"
	for _, p := range []string{
		"/tiles/plots/16/52213/30803.mvt",
		"/tiles/cadastre/0/0/0.pbf",
		"/tiles/sheets/10/815/481.mvt",
		"/tiles/nope/1/1/1.mvt",         // unknown layer: the handler's 404
		"/tiles/plots/a/b/c.mvt",        // not numbers: the handler's 400
		"/tiles/plots.json/1/2/3.mvt",   // a dot in the layer is the router's [^/]+
		"/tiles/plots/16/1/2.3.mvt",     // a dot in y: not the tile route
		"/tiles/plots/16/1/2.png",       // another extension
		"/tiles/plots/16/1/.mvt",        // empty y
		"/tiles//16/1/2.mvt",            // empty segment: the router cleans it
		"/tiles/plots/./1/2.mvt",        // dot segment: likewise
		"/tiles/plots/../1/2.mvt",       //
		"/tiles/plots/16/1/2/3.mvt",     // one segment too many
		"/tiles/plots/16/1.mvt",         // one too few
		"/tiles/plots/16/metadata.json", // the GDAL tileset document
		"/tiles/plots.json",
		"/tiles/plots/16/1/2.mvt/",
		"/api/v1/plots/at",
	} {
		var m mux.RouteMatch
		req := httptest.NewRequest(http.MethodGet, p, nil)
		// The router redirects a path it would clean before matching it.
		routed := path.Clean(p) == p && s.router.Match(req, &m) && m.Route != nil && tplOf(m.Route) == template
		layer, z, x, y, ok := tilePath(p)
		if ok != routed {
			t.Errorf("%s: shortcut %v, router's tile route %v", p, ok, routed)
			continue
		}
		if ok && (layer != m.Vars["layer"] || z != m.Vars["z"] || x != m.Vars["x"] || y != m.Vars["y"]) {
			t.Errorf("%s: shortcut %q %q %q %q, router %v", p, layer, z, x, y, m.Vars)
		}
	}
}

func tplOf(r *mux.Route) string {
	t, _ := r.GetPathTemplate()
	return t
}
