package api

import (
	"cmp"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"cadastre/spatial"
	"cadastre/spatial/crs"
)

// webRoutes registers the map page (issue 7) when the server has its
// files: GET / is the page, /web/config.json the legend and zone lists it
// needs (from the service's own tables, so the page never duplicates
// them), /web/{file} the page's files and MapLibre's.
func (s *Server) webRoutes(r *mux.Router) {
	if s.web == nil {
		return
	}
	get := []string{http.MethodGet, http.MethodHead}
	r.Handle("/", s.mapGuard(http.HandlerFunc(s.handlePage))).Methods(get...)
	r.Handle("/web/config.json", s.mapGuard(http.HandlerFunc(s.handleWebConfig))).Methods(get...)
	r.PathPrefix("/web/").Handler(s.mapGuard(http.HandlerFunc(s.handleWebFile))).Methods(get...)
}

// handlePage serves index.html. no-cache: the page names its scripts
// without a version, so the browser revalidates after an upgrade.
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	s.serveWebFile(w, r, "index.html")
}

func (s *Server) handleWebFile(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/web/")
	if name == "" || strings.HasSuffix(name, "/") || !fs.ValidPath(name) {
		writeError(w, r, s.log, spatial.Errorf(spatial.KindNotFound, "no file %s", r.URL.Path))
		return
	}
	s.serveWebFile(w, r, name)
}

// webTypes are the media types the page's files need. Module scripts
// must be served as JavaScript, whatever the host's mime.types says.
var webTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

func (s *Server) serveWebFile(w http.ResponseWriter, r *http.Request, name string) {
	f, err := s.web.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = spatial.Errorf(spatial.KindNotFound, "no file /web/%s", name)
			if strings.HasPrefix(name, "vendor/") {
				err = spatial.Errorf(spatial.KindNotFound, "no file /web/%s (if MapLibre GL JS is missing: run `npm ci` in web/)", name)
			}
		}
		writeError(w, r, s.log, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		writeError(w, r, s.log, spatial.Errorf(spatial.KindNotFound, "no file /web/%s", name))
		return
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		writeError(w, r, s.log, errors.New("web file is not seekable: "+name))
		return
	}
	h := w.Header()
	if t, ok := webTypes[path.Ext(name)]; ok {
		h.Set("Content-Type", t)
	}
	h.Set("Cache-Control", "no-cache")
	s.pageHeaders(w, r)
	http.ServeContent(w, r, name, st.ModTime(), rs)
}

// pageHeaders are the security headers of the map page and its files.
// The Content-Security-Policy allows only the service's own origin (and
// the public URL TileJSON names, which may be spelt differently from the
// address the browser used): no inline script or style attribute, no
// other host, no eval. MapLibre GL JS 6's ESM build loads its worker
// from the same origin (maplibre-gl-worker.mjs), so no blob: worker is
// needed; its stylesheet's control icons are data: images. The browser
// test (cmd/cadastre/browser_test.go) fails on any violation. The page
// may not be framed (clickjacking) and sends no Referer to other sites.
func (s *Server) pageHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	self := "'self'"
	if b := s.baseURL(r); b != "" {
		self += " " + b
	}
	h.Set("Content-Security-Policy", "default-src 'none'; script-src "+self+"; style-src "+self+
		"; img-src "+self+" data:; font-src "+self+"; connect-src "+self+"; worker-src "+self+
		"; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// webConfig is what the page needs from the service's tables.
type webConfig struct {
	LandUses []spatial.LandUse `json:"land_uses"`
	Groups   []string          `json:"groups"` // legend order
	Zones    []webZone         `json:"zones"`
}

// webZone is one VN-2000 TM-3 zone with the provinces that use it.
type webZone struct {
	EPSG            int      `json:"epsg"`
	CentralMeridian float64  `json:"central_meridian"`
	Provinces       []string `json:"provinces"`
}

// legendOrder puts the groups the issue names first; groups found only in
// landuse.csv follow in name order, so a new group still shows.
var legendOrder = []string{"residential", "rice", "annual", "perennial", "forest", "water", "roads", "public", "commercial", "other", "unused"}

func (s *Server) handleWebConfig(w http.ResponseWriter, r *http.Request) {
	c := webConfig{LandUses: spatial.LandUses(), Groups: slices.Clone(legendOrder)}
	for _, lu := range c.LandUses {
		if !slices.Contains(c.Groups, lu.Group) {
			c.Groups = append(c.Groups, lu.Group)
		}
	}
	slices.SortStableFunc(c.Groups[len(legendOrder):], strings.Compare)
	for _, z := range crs.Zones() {
		c.Zones = append(c.Zones, webZone{EPSG: z.EPSG, CentralMeridian: z.CentralMeridian, Provinces: z.Provinces})
	}
	slices.SortFunc(c.Zones, func(a, b webZone) int { return cmp.Compare(a.CentralMeridian, b.CentralMeridian) })
	w.Header().Set("Cache-Control", "no-cache")
	s.pageHeaders(w, r)
	writeJSON(w, c)
}
