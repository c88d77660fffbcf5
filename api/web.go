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
	r.HandleFunc("/", s.handlePage).Methods(get...)
	r.HandleFunc("/web/config.json", s.handleWebConfig).Methods(get...)
	r.PathPrefix("/web/").HandlerFunc(s.handleWebFile).Methods(get...)
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
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, st.ModTime(), rs)
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
	writeJSON(w, c)
}
