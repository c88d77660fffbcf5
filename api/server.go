// Package api is the HTTP surface of the service: a gorilla/mux router,
// handlers, middleware and problem+json errors.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"cadastre/spatial"
	"cadastre/spatial/index"
	"cadastre/tiles"
)

// Server holds what the handlers need; it has no global state.
type Server struct {
	store     spatial.Store
	index     *index.Index // the read model; nil: lookups answer 503
	log       *slog.Logger
	router    *mux.Router
	plotsAt   http.Handler // GET /api/v1/plots/at with the router's middleware, served before the router
	tileFast  http.Handler // GET /tiles/{layer}/{z}/{x}/{y}.mvt likewise (nil without tiles)
	maxIngest int64
	onTouched []func([]index.Touched) // e.g. tile cache invalidation
	tiles     *tiles.Cache            // vector tiles and /metrics; nil: not served
	web       fs.FS                   // the map page's files (api/web.go); nil: no page
}

// Options configures a Server.
type Options struct {
	Store          spatial.Store
	Index          *index.Index
	Log            *slog.Logger
	MaxIngestBytes int64                   // upload limit; 0 = DefaultMaxIngestBytes
	OnTouched      []func([]index.Touched) // called after each write this instance makes
	Tiles          *tiles.Cache            // vector tiles (api/tiles.go); nil: no /tiles, no /metrics
	Web            fs.FS                   // the map page (web.FS); nil: no page
}

// New returns a Server with every route registered.
func New(o Options) *Server {
	s := &Server{store: o.Store, index: o.Index, log: o.Log, router: mux.NewRouter(), maxIngest: o.MaxIngestBytes, onTouched: o.OnTouched, tiles: o.Tiles, web: o.Web}
	if s.maxIngest <= 0 {
		s.maxIngest = DefaultMaxIngestBytes
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.routes()
	return s
}

func (s *Server) routes() {
	r := s.router
	r.Use(s.recoverer, s.logRequests)
	r.HandleFunc("/healthz", s.handleHealth).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", s.handleReady).Methods(http.MethodGet, http.MethodHead)
	v1 := r.PathPrefix("/api/v1").Subrouter()
	v1.HandleFunc("/plots/at", s.handlePlotsAt).Methods(http.MethodGet, http.MethodHead)
	s.plotsAt = s.recoverer(s.logRequests(http.HandlerFunc(s.handlePlotsAt))) // as r.Use wraps it
	v1.HandleFunc("/plots", s.handleSearch).Methods(http.MethodGet, http.MethodHead)
	v1.HandleFunc("/sheets/at", s.handleSheetsAt).Methods(http.MethodGet, http.MethodHead)
	v1.HandleFunc("/plots/{unit}/{sheet}/{plot}", s.handlePlot).Methods(http.MethodGet, http.MethodHead)
	v1.HandleFunc("/ingest", s.handleIngest).Methods(http.MethodPost)
	s.extractRoutes(v1) // issue 6: surveyors' extracts (api/extract.go)
	s.auditRoutes(v1)   // issue 18: the cleaning audit (api/audit.go)
	s.tileRoutes(r)
	s.webRoutes(r)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, spatial.Errorf(spatial.KindNotFound, "no route for %s", r.URL.Path))
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := Problem{Type: "urn:cadastre:problem:method_not_allowed", Title: "Method Not Allowed", Status: http.StatusMethodNotAllowed, Detail: r.Method + " is not allowed on " + r.URL.Path}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(p.Status)
		writeJSONBody(w, p)
	})
}

// ServeHTTP implements http.Handler. The hot routes, the point lookup and
// the tiles, skip the router's matching (a regexp per route tried, the
// middleware chain rebuilt and the request copied with its route
// variables on every request); they go through the same middleware to the
// same handlers, and any other method or spelling of the path (one the
// router would clean or redirect) still goes through the router.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if r.URL.Path == "/api/v1/plots/at" {
			s.plotsAt.ServeHTTP(w, r)
			return
		}
		if _, _, _, _, ok := tilePath(r.URL.Path); ok && s.tileFast != nil {
			s.tileFast.ServeHTTP(w, r)
			return
		}
	}
	s.router.ServeHTTP(w, r)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"status": "ok"})
}

// handleReady answers 200 only when the store answers within two seconds
// and the read model (if any) is built: a load balancer sends no lookups
// to an instance still loading a province.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		writeError(w, r, s.log, spatial.Wrap(spatial.KindUnavailable, err, "store not reachable"))
		return
	}
	if s.index != nil && !s.index.Ready() {
		writeError(w, r, s.log, spatial.Errorf(spatial.KindUnavailable, "read model still loading"))
		return
	}
	writeJSON(w, map[string]string{"status": "ready"})
}

// afterWrite brings the read model up to date with a write this instance
// made, before the response goes out: the client that wrote sees its own
// write in the next lookup.
func (s *Server) afterWrite(r *http.Request, res spatial.WriteResult) {
	if s.index == nil {
		return
	}
	touched, err := s.index.Sync(r.Context(), s.store, res)
	if err != nil {
		s.log.ErrorContext(r.Context(), "read model not updated after a write", "err", err)
		return
	}
	for _, fn := range s.onTouched {
		fn(touched)
	}
}
