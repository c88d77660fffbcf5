package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"cadastre/api"
	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
	"cadastre/tiles"
)

// batchSource feeds an index from a batch.
type batchSource struct{ b *spatial.Batch }

func (s batchSource) EachPlot(_ context.Context, fn func(*spatial.Plot) error) error {
	for _, p := range s.b.Plots {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (s batchSource) Sheets(context.Context, string) ([]*spatial.Sheet, error) {
	return s.b.Sheets, nil
}

// tileServer serves the committed sample's tiles; it returns the server
// and a tile at zoom 16 with plots in it.
func tileServer(t *testing.T, build bool) (*httptest.Server, *tiles.Cache, maptile.Tile) {
	t.Helper()
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	ix := index.New()
	if build {
		if _, err := ix.Build(context.Background(), batchSource{b}, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			t.Fatal(err)
		}
	}
	tc, err := tiles.NewCache(ix, tiles.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// No store, so no tokens: /metrics public (its token guard is tested
	// in security_test.go).
	srv := httptest.NewServer(api.New(api.Options{Index: ix, Tiles: tc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Access: api.Access{Metrics: api.Public}}))
	t.Cleanup(srv.Close)
	p := b.Plots[len(b.Plots)/2]
	z, _ := crs.ZoneByEPSG(p.EPSG)
	c := p.Geometry.Bound().Center()
	lon, lat := z.ToWGS84(c[0], c[1])
	return srv, tc, maptile.At(orb.Point{lon, lat}, 16)
}

// fetch sends a request with the given headers through a client that
// leaves Accept-Encoding alone.
func fetch(t *testing.T, method, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func tileURL(srv *httptest.Server, layer string, tl maptile.Tile, ext string) string {
	return fmt.Sprintf("%s/tiles/%s/%d/%d/%d.%s", srv.URL, layer, tl.Z, tl.X, tl.Y, ext)
}

func TestTileHTTP(t *testing.T) {
	srv, tc, tl := tileServer(t, true)
	version, _ := tc.Version()
	url := tileURL(srv, "plots", tl, "mvt")
	// The first request gets the tile raw, rendered for it alone, whatever
	// it accepts.
	resp, body := fetch(t, http.MethodGet, url, "Accept-Encoding", "gzip, deflate")
	h := resp.Header
	if resp.StatusCode != 200 || h.Get("Content-Encoding") != "" || h.Get("Content-Type") != "application/vnd.mapbox-vector-tile" ||
		h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Vary") != "Accept-Encoding" || h.Get("X-Data-Version") != version {
		t.Fatalf("first (rendering) request: %d %v", resp.StatusCode, h)
	}
	if ls, err := mvt.Unmarshal(body); err != nil || len(ls) != 2 || len(ls[0].Features) == 0 {
		t.Fatalf("decode the raw tile: %v", err)
	}
	rawTag := h.Get("ETag")
	// Asked again, it is rendered, compressed and cached, and sent
	// compressed from then on.
	for range 2 {
		resp, body = fetch(t, http.MethodGet, url, "Accept-Encoding", "gzip, deflate")
		h = resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Encoding") != "gzip" || h.Get("Vary") != "Accept-Encoding" || h.Get("X-Data-Version") != version {
			t.Fatalf("gzip tile: %d %v", resp.StatusCode, h)
		}
	}
	if h.Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("unversioned URL: Cache-Control %q", h.Get("Cache-Control"))
	}
	ls, err := mvt.UnmarshalGzipped(body)
	if err != nil || len(ls) != 2 || len(ls[0].Features) == 0 {
		t.Fatalf("decode: %v, %d layers", err, len(ls))
	}
	etag := h.Get("ETag")
	for _, e := range []string{etag, rawTag} {
		if !strings.HasPrefix(e, `"`) || strings.HasPrefix(e, "W/") {
			t.Errorf("ETag %q is not strong", e)
		}
	}
	if etag == rawTag {
		t.Errorf("the raw and the gzip tile have the same ETag %q", etag)
	}
	// Either form the client holds is current.
	for _, e := range []string{etag, rawTag, "W/" + etag} {
		resp, body = fetch(t, http.MethodGet, url, "Accept-Encoding", "gzip", "If-None-Match", `"other", `+e)
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("ETag") != strings.TrimPrefix(e, "W/") {
			t.Errorf("If-None-Match %s: %d, %d bytes, ETag %q", e, resp.StatusCode, len(body), resp.Header.Get("ETag"))
		}
	}
	if resp, _ = fetch(t, http.MethodGet, url, "Accept-Encoding", "gzip", "If-None-Match", `"other"`); resp.StatusCode != 200 {
		t.Errorf("If-None-Match of another tile: %d", resp.StatusCode)
	}
	resp, body = fetch(t, http.MethodGet, url+"?v="+version)
	if resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("versioned, no gzip: %v", resp.Header)
	}
	if ls, err := mvt.Unmarshal(body); err != nil || len(ls[0].Features) == 0 || resp.Header.Get("ETag") != rawTag {
		t.Errorf("identity body: %v; ETag %q, want the raw tile's %q", err, resp.Header.Get("ETag"), rawTag)
	}
	resp, _ = fetch(t, http.MethodGet, url+"?v=0000000000000000")
	if resp.Header.Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("old version: Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	resp, body = fetch(t, http.MethodHead, tileURL(srv, "cadastre", tl, "pbf"), "Accept-Encoding", "gzip")
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD .pbf: %d, %d bytes, %v", resp.StatusCode, len(body), resp.Header)
	}
	resp, _ = fetch(t, http.MethodOptions, url, "Origin", "https://example.org", "Access-Control-Request-Method", "GET")
	if resp.StatusCode != http.StatusNoContent || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestTileErrors(t *testing.T) {
	srv, _, tl := tileServer(t, true)
	cases := []struct {
		path string
		want int
	}{
		{fmt.Sprintf("/tiles/parcels/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y), 404},
		{"/tiles/plots/a/1/1.mvt", 400},
		{"/tiles/plots/2/4/1.mvt", 400},
		{"/tiles/plots/2/1/-1.mvt", 400},
		{"/tiles/plots/23/0/0.mvt", 400},
		{"/tiles/plots/14/1/1.png", 404},
		{"/tiles/parcels.json", 404},
	}
	for _, c := range cases {
		resp, body := fetch(t, http.MethodGet, srv.URL+c.path)
		if resp.StatusCode != c.want || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d problem", c.path, resp.StatusCode, body, c.want)
		}
	}
	// An empty tile is a valid tile with empty layers.
	resp, body := fetch(t, http.MethodGet, srv.URL+"/tiles/cadastre/16/0/0.mvt")
	ls, err := mvt.Unmarshal(body)
	if resp.StatusCode != 200 || err != nil || len(ls) != 3 || len(ls[0].Features)+len(ls[1].Features)+len(ls[2].Features) != 0 {
		t.Errorf("empty tile: %d, %v, %d layers", resp.StatusCode, err, len(ls))
	}
}

func TestTilesNotReady(t *testing.T) {
	srv, _, tl := tileServer(t, false)
	for _, u := range []string{tileURL(srv, "plots", tl, "mvt"), srv.URL + "/tiles/plots.json"} {
		if resp, _ := fetch(t, http.MethodGet, u); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s before the build: %d, want 503", u, resp.StatusCode)
		}
	}
}

func TestTileJSON(t *testing.T) {
	srv, tc, _ := tileServer(t, true)
	version, _ := tc.Version()
	resp, body := fetch(t, http.MethodGet, srv.URL+"/tiles/plots.json")
	var tj tiles.TileJSON
	if err := json.Unmarshal(body, &tj); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	wantURL := srv.URL + "/tiles/plots/{z}/{x}/{y}.mvt?v=" + version
	if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || tj.Tiles[0] != wantURL || tj.MinZoom != 14 || tj.MaxZoom != 22 {
		t.Errorf("tilejson: %+v", tj)
	}
	if b := tj.Bounds; b[0] < 106 || b[2] > 107.5 || b[1] < 10 || b[3] > 11.5 || b[0] >= b[2] || tj.Center[2] < 14 {
		t.Errorf("bounds %v center %v: not around the sample", b, tj.Center)
	}
	if len(tj.VectorLayers) != 2 || tj.VectorLayers[0].Fields["area"] != "Number" || tj.VectorLayers[0].Fields["unit"] != "String" {
		t.Errorf("vector_layers: %+v", tj.VectorLayers)
	}
	resp, _ = fetch(t, http.MethodGet, srv.URL+"/tiles/plots.json", "If-None-Match", resp.Header.Get("ETag"))
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("TileJSON revalidation: %d", resp.StatusCode)
	}
	resp, body = fetch(t, http.MethodGet, srv.URL+"/tiles/plots/metadata.json")
	var md map[string]string
	if err := json.Unmarshal(body, &md); err != nil || resp.StatusCode != 200 || md["bounds"] == "" ||
		!strings.Contains(md["json"], `"vector_layers"`) || !strings.Contains(md["json"], `"plot":"Integer"`) {
		t.Errorf("metadata.json: %d %v %s", resp.StatusCode, err, body)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	srv, _, tl := tileServer(t, true)
	for range 3 { // rendered for the first, rendered and cached for the second, a hit
		fetch(t, http.MethodGet, tileURL(srv, "plots", tl, "mvt"), "Accept-Encoding", "gzip")
	}
	resp, body := fetch(t, http.MethodGet, srv.URL+"/metrics")
	for _, m := range []string{"cadastre_tiles_rendered_total{layer=\"plots\"} 2", "cadastre_tile_cache_hits_total 1",
		"cadastre_tile_cache_misses_total 2", "cadastre_tiles_compressed_total 1", "cadastre_tile_render_seconds_bucket", "cadastre_tile_bytes_served_total",
		"cadastre_tile_dropped_features_total", "cadastre_tile_cache_evictions_total 0"} {
		if resp.StatusCode != 200 || !strings.Contains(string(body), m) {
			t.Errorf("/metrics lacks %q", m)
		}
	}
}

// ogrinfo runs GDAL's ogrinfo, skipping the test loudly when it is not
// installed (failing instead when CADASTRE_REQUIRE_GDAL is set, as in CI).
func ogrinfo(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		if os.Getenv("CADASTRE_REQUIRE_GDAL") != "" {
			t.Fatal("ogrinfo required (CADASTRE_REQUIRE_GDAL set) but not found")
		}
		t.Skip("*** ogrinfo not found: GDAL tile test skipped. Install gdal-bin and set CADASTRE_REQUIRE_GDAL=1 to require it.")
	}
	out, err := exec.Command("ogrinfo", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestOgrinfoTiles: GDAL's MVT driver reads one tile and the z16 tileset
// (through metadata.json) with typed fields, and finds every plot of the
// sample once in the label layer.
func TestOgrinfoTiles(t *testing.T) {
	srv, _, tl := tileServer(t, true)
	b, _ := sampledata.Sample()
	_, body := fetch(t, http.MethodGet, tileURL(srv, "plots", tl, "mvt"))
	ls, _ := mvt.Unmarshal(body)
	one := ogrinfo(t, "-ro", "-al", "-so", "MVT:"+tileURL(srv, "plots", tl, "pbf"))
	set := ogrinfo(t, "-ro", "-al", "-so", "MVT:"+srv.URL+"/tiles/plots/16")
	for _, c := range []struct{ name, out, want string }{
		{"tile", one, fmt.Sprintf("Layer name: plots\nGeometry: Multi Polygon\nFeature Count: %d\n", len(ls[0].Features))},
		{"tile", one, "sheet: Integer (0.0)"},
		{"tile", one, "area: Real (0.0)"},
		{"tileset", set, "Layer name: plot_labels\nMetadata:\n  ZOOM_LEVEL=16\nGeometry: Multi Point\n" +
			fmt.Sprintf("Feature Count: %d\n", len(b.Plots))},
		{"tileset", set, "legal_area: Real (0.0)"},
	} {
		if !strings.Contains(c.out, c.want) {
			t.Errorf("ogrinfo %s lacks %q:\n%s", c.name, c.want, c.out)
		}
	}
}
