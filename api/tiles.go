package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
	"github.com/paulmach/orb/maptile"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"cadastre/spatial"
	"cadastre/spatial/index"
	"cadastre/tiles"
)

// Cache-Control of tile answers. A URL carrying the current data version
// (?v=, as TileJSON writes it) names content that never changes: a later
// write changes the version and so the URL. Anything else may change at
// the next write, so caches keep it briefly and then revalidate (ETag).
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheShort     = "public, max-age=60"
)

// mvtType is the media type of Mapbox vector tiles.
const mvtType = "application/vnd.mapbox-vector-tile"

// Header values shared by every tile answer (net/http only reads them).
var (
	hdrMVT       = []string{mvtType}
	hdrVary      = []string{"Accept-Encoding"}
	hdrShort     = []string{cacheShort}
	hdrImmutable = []string{cacheImmutable}
	hdrGzip      = []string{"gzip"}
	hdrAnyOrigin = []string{"*"}
	hdrExposed   = []string{"ETag, X-Data-Version, X-Tile-Features, X-Tile-Dropped-Features"}
)

// tileRoutes registers the vector tile endpoints and /metrics when the
// server has a tile cache.
func (s *Server) tileRoutes(r *mux.Router) {
	if s.tiles == nil {
		return
	}
	get := []string{http.MethodGet, http.MethodHead, http.MethodOptions}
	r.Handle("/tiles/{layer:[^/.]+}.json", s.mapGuard(http.HandlerFunc(s.handleTileJSON))).Methods(get...)
	r.Handle("/tiles/{layer}/metadata.json", s.mapGuard(http.HandlerFunc(s.handleTileMetadata))).Methods(get...)
	r.Handle("/tiles/{layer}/{z}/metadata.json", s.mapGuard(http.HandlerFunc(s.handleTileMetadata))).Methods(get...)
	r.Handle("/tiles/{layer}/{z}/{x}/{y:[^/.]+}.{ext:mvt|pbf}", s.mapGuard(http.HandlerFunc(s.handleTile))).Methods(get...)
	s.tileFast = s.recoverer(s.logRequests(s.mapGuard(http.HandlerFunc(s.handleTileFast)))) // as r.Use wraps it
	if !s.metricsApart {
		r.Handle("/metrics", s.MetricsHandler()).Methods(http.MethodGet)
	}
}

// MetricsHandler serves the Prometheus metrics under Access.Metrics
// (token: roles monitor and admin); nil without tiles.
func (s *Server) MetricsHandler() http.Handler {
	if s.tiles == nil {
		return nil
	}
	return s.guard(s.access.Metrics, []spatial.Role{spatial.RoleMonitor, spatial.RoleAdmin},
		promhttp.HandlerFor(s.tiles.Registry(), promhttp.HandlerOpts{}))
}

// cors lets any web page load tiles and tileset descriptions (they are
// public read-only data), and answers preflight requests. It reports
// whether the request was a preflight, already answered.
func cors(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h["Access-Control-Allow-Origin"] = hdrAnyOrigin
	h["Access-Control-Expose-Headers"] = hdrExposed
	if r.Method != http.MethodOptions {
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "If-None-Match, Accept-Encoding")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// handleTile serves one vector tile, as the cache gives it: raw on its
// first request (rendered for it alone), gzip-compressed once cached (see
// tiles.Tile); a client that does not accept gzip gets the raw tile in any
// case, with its own ETag since the bytes differ. An empty tile is a valid tile whose
// layers have no features, with status 200 (see docs/tiles.md).
func (s *Server) handleTile(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	s.serveTile(w, r, v["layer"], v["z"], v["x"], v["y"])
}

// handleTileFast is handleTile for a request that ServeHTTP found to
// have a tile path (tilePath), served without the router.
func (s *Server) handleTileFast(w http.ResponseWriter, r *http.Request) {
	layer, z, x, y, _ := tilePath(r.URL.Path)
	s.serveTile(w, r, layer, z, x, y)
}

// tilePath splits a path of the form the router's tile route matches,
// /tiles/{layer}/{z}/{x}/{y}.mvt (or .pbf), with no segment the router
// would clean away (empty, "." or ".."); ok is false for anything else,
// which then goes through the router.
func tilePath(p string) (layer, z, x, y string, ok bool) {
	rest, found := strings.CutPrefix(p, "/tiles/")
	if !found {
		return "", "", "", "", false
	}
	var seg [4]string
	for i := range 3 {
		var more bool
		if seg[i], rest, more = strings.Cut(rest, "/"); !more || seg[i] == "" || seg[i] == "." || seg[i] == ".." {
			return "", "", "", "", false
		}
	}
	if strings.HasSuffix(rest, ".mvt") || strings.HasSuffix(rest, ".pbf") {
		seg[3] = rest[:len(rest)-4]
	}
	if seg[3] == "" || strings.ContainsAny(seg[3], "/.") {
		return "", "", "", "", false
	}
	return seg[0], seg[1], seg[2], seg[3], true
}

// serveTile answers a tile request with the route's variables.
func (s *Server) serveTile(w http.ResponseWriter, r *http.Request, layerName, zs, xs, ys string) {
	if cors(w, r) {
		return
	}
	layer, err := tiles.ParseLayer(layerName)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	addr, err := tileAddress(zs, xs, ys)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	gz := acceptsGzip(r)
	t, version, err := s.tiles.Tile(r.Context(), layer, addr, gz)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	defer t.Release() // written (or failed) by then
	s.writeTile(w, r, t, version, gz)
}

// writeTile answers a tile with its validators and cache lifetime.
func (s *Server) writeTile(w http.ResponseWriter, r *http.Request, t tiles.Tile, version string, gz bool) {
	body, etag, encoded := t.Data, t.IdentityETag, false
	if t.Gzip {
		if gz {
			etag, encoded = t.ETag, true
		} else {
			var err error
			if body, err = t.MVT(); err != nil {
				writeError(w, r, s.log, fmt.Errorf("inflate tile: %w", err))
				return
			}
		}
	}
	// Canonical keys assigned directly, constant values shared: this is
	// the hot path of cached tiles.
	h := w.Header()
	h["Content-Type"] = hdrMVT
	h["Vary"] = hdrVary
	h["X-Data-Version"] = []string{version}
	h["X-Tile-Features"] = []string{strconv.Itoa(t.Features)}
	if t.Dropped > 0 {
		h["X-Tile-Dropped-Features"] = []string{strconv.Itoa(t.Dropped)}
	}
	h["Cache-Control"] = hdrShort
	if r.URL.RawQuery != "" && r.URL.Query().Get("v") == version {
		h["Cache-Control"] = hdrImmutable
	}
	// Either form the client holds is still current: both decode to the
	// same tile, and the server may select either representation.
	if m := notModified(r, etag, t.ETag, t.IdentityETag); m != "" {
		h["Etag"] = []string{m}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Etag"] = []string{etag}
	if encoded {
		h["Content-Encoding"] = hdrGzip
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	if r.Method == http.MethodHead {
		return
	}
	n, _ := w.Write(body) // the client may have gone; nothing to do then
	s.tiles.CountServed(n)
}

// tileAddress parses z/x/y; KindInvalid if they are not numbers (the
// cache checks that the tile exists at its zoom).
func tileAddress(zs, xs, ys string) (maptile.Tile, error) {
	z, ez := strconv.ParseUint(zs, 10, 8)
	x, ex := strconv.ParseUint(xs, 10, 32)
	y, ey := strconv.ParseUint(ys, 10, 32)
	if ez != nil || ex != nil || ey != nil || z > 30 {
		return maptile.Tile{}, spatial.Errorf(spatial.KindInvalid, "bad tile address %s/%s/%s: want whole numbers z/x/y", zs, xs, ys)
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

// acceptsGzip reports whether the client accepts gzip (and did not refuse
// it with q=0).
func acceptsGzip(r *http.Request) bool {
	ae := r.Header.Get("Accept-Encoding")
	if ae == "gzip" || strings.HasPrefix(ae, "gzip, ") {
		return true // what browsers, GDAL and most clients send
	}
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") || strings.TrimSpace(name) == "*" {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// notModified returns the ETag among etags that If-None-Match names ("*"
// names the first), or "" if none.
func notModified(r *http.Request, etags ...string) string {
	inm := r.Header.Get("If-None-Match")
	if inm == "" {
		return ""
	}
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" {
			return etags[0]
		}
		for _, e := range etags {
			if t == e {
				return e
			}
		}
	}
	return ""
}

// handleTileJSON serves the TileJSON 3.0 of a tileset; its tile URL
// carries the data version.
func (s *Server) handleTileJSON(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	layer, snap, version, err := s.tileState(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	url := s.baseURL(r) + "/tiles/" + layer.String() + "/{z}/{x}/{y}.mvt?v=" + version
	s.writeTileDoc(w, r, s.tiles.Options().Describe(layer, snap, url, version))
}

// handleTileMetadata serves the metadata.json that GDAL's MVT driver looks
// for in a tileset directory (ogrinfo MVT:http://host/tiles/plots/16).
func (s *Server) handleTileMetadata(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	layer, snap, version, err := s.tileState(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	b, err := s.tiles.Options().GDALMetadata(layer, snap, version)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	s.writeTileDoc(w, r, json.RawMessage(b))
}

// tileState returns the tileset of the URL and the served snapshot with
// its data version.
func (s *Server) tileState(r *http.Request) (tiles.Layer, *index.Snapshot, string, error) {
	layer, err := tiles.ParseLayer(mux.Vars(r)["layer"])
	if err != nil {
		return 0, nil, "", err
	}
	snap, version, err := s.tiles.Current()
	return layer, snap, version, err
}

// writeTileDoc answers a JSON tileset document with a content ETag and a
// short cache lifetime (it names the current data version).
func (s *Server) writeTileDoc(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, r, s.log, fmt.Errorf("encode tileset document: %w", err))
		return
	}
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", cacheShort)
	h.Set("ETag", etag)
	if notModified(r, etag) != "" {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(b) // the client may have gone; nothing to do then
	}
}
