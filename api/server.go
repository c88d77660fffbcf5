// Package api is the HTTP surface of the service: a gorilla/mux router,
// handlers, middleware and problem+json errors.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"cadastre/api/ogc"
	"cadastre/spatial"
	"cadastre/spatial/index"
	"cadastre/spatial/ingest"
	"cadastre/tiles"
)

// Server holds what the handlers need; it has no global state.
type Server struct {
	store        spatial.Store
	index        *index.Index // the read model; nil: lookups answer 503
	log          *slog.Logger
	router       *mux.Router
	plotsAt      http.Handler // GET /api/v1/plots/at with the router's middleware, served before the router
	tileFast     http.Handler // GET /tiles/{layer}/{z}/{x}/{y}.mvt likewise (nil without tiles)
	maxIngest    int64
	ingestLimits ingest.Limits
	spoolDir     string                   // uploads are spooled here (api/spool.go)
	spoolOpen    func() (*os.File, error) // tests only: replaces the spool file
	// maxExtract and maxDecision limit those bodies; ingestTimeout is
	// the read and write deadline of an ingest (api/middleware.go).
	maxExtract, maxDecision int64
	ingestTimeout           time.Duration
	onTouched               []func([]index.Touched) // e.g. tile cache invalidation
	tiles                   *tiles.Cache            // vector tiles and /metrics; nil: not served
	web                     fs.FS                   // the map page's files (api/web.go); nil: no page

	failures *failureCounter     // failed authentications per client address (api/auth.go)
	touchMu  sync.Mutex          // guards touched
	touched  map[int64]time.Time // when each token's last use was last written

	access         Access         // who may read what (api/access.go)
	extractQuota   int64          // bytes of extracts per token and day; < 0: unlimited
	metricsApart   bool           // /metrics is served by MetricsHandler on a listener of its own
	publicURL      string         // scheme://host of absolute URLs; "" = the listener's address
	trustedProxies []netip.Prefix // peers whose X-Forwarded-* headers are believed
}

// Options configures a Server.
type Options struct {
	Store          spatial.Store
	Index          *index.Index
	Log            *slog.Logger
	MaxIngestBytes int64 // upload limit; 0 = DefaultMaxIngestBytes
	// MaxExtractBytes and MaxDecisionBytes limit the bodies of an extract
	// submission and a decision; 0 = the defaults.
	MaxExtractBytes, MaxDecisionBytes int64
	// IngestTimeout is the read and write deadline of one ingest request,
	// replacing the server's shorter timeouts; 0 = DefaultIngestTimeout.
	IngestTimeout time.Duration
	IngestLimits  ingest.Limits           // per-feature vertices and string length; zero = defaults
	SpoolDir      string                  // where uploads are spooled; "" = DefaultSpoolDir()
	OnTouched     []func([]index.Touched) // called after each write this instance makes
	Tiles         *tiles.Cache            // vector tiles (api/tiles.go); nil: no /tiles, no /metrics
	Web           fs.FS                   // the map page (web.FS); nil: no page
	// AuthFailures bad secrets from one client address within
	// AuthFailureWindow, and it gets 429 until the window ends; 0 = the
	// defaults.
	AuthFailures      int
	AuthFailureWindow time.Duration
	// Access says who may read each group of routes; zero groups take
	// DefaultAccess.
	Access Access
	// ExtractQuota is how many bytes of extract submissions one token may
	// store per day (api/quota.go); 0 = DefaultExtractQuota, < 0 = no limit.
	ExtractQuota int64
	// MetricsApart leaves /metrics off the router: the caller serves
	// MetricsHandler on a listen address of its own.
	MetricsApart bool
	// PublicURL is scheme://host[:port] of absolute URLs the service
	// writes (TileJSON), as ParsePublicURL returns it; "" = the address
	// a request arrived on. Never the request's Host header.
	PublicURL string
	// TrustedProxies are the peers (reverse proxies) whose X-Forwarded-For,
	// -Host and -Proto headers are believed; none by default.
	TrustedProxies []netip.Prefix
}

// New returns a Server with every route registered.
func New(o Options) *Server {
	o = o.withDefaults()
	s := &Server{store: o.Store, index: o.Index, log: o.Log, router: mux.NewRouter(), onTouched: o.OnTouched, tiles: o.Tiles, web: o.Web,
		maxIngest: o.MaxIngestBytes, maxExtract: o.MaxExtractBytes, maxDecision: o.MaxDecisionBytes, ingestTimeout: o.IngestTimeout,
		failures: newFailureCounter(o.AuthFailures, o.AuthFailureWindow), touched: map[int64]time.Time{},
		access: o.Access, extractQuota: o.ExtractQuota, metricsApart: o.MetricsApart,
		publicURL: strings.TrimSuffix(o.PublicURL, "/"), trustedProxies: o.TrustedProxies, spoolDir: o.SpoolDir, ingestLimits: o.IngestLimits}
	s.routes()
	return s
}

// withDefaults fills the settings left zero with their defaults.
func (o Options) withDefaults() Options {
	for _, f := range []struct {
		v   *int64
		def int64
	}{{&o.MaxIngestBytes, DefaultMaxIngestBytes}, {&o.MaxExtractBytes, DefaultMaxExtractBytes}, {&o.MaxDecisionBytes, DefaultMaxDecisionBytes}} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	for _, f := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&o.IngestTimeout, DefaultIngestTimeout}, {&o.AuthFailureWindow, DefaultAuthFailureWindow}} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	if o.AuthFailures <= 0 {
		o.AuthFailures = DefaultAuthFailures
	}
	if o.ExtractQuota == 0 {
		o.ExtractQuota = DefaultExtractQuota
	}
	if o.SpoolDir == "" {
		o.SpoolDir = DefaultSpoolDir()
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	o.Access = o.Access.withDefaults()
	return o
}

func (s *Server) routes() {
	r := s.router
	r.Use(s.recoverer, s.logRequests)
	r.HandleFunc("/healthz", s.handleHealth).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", s.handleReady).Methods(http.MethodGet, http.MethodHead)
	v1 := r.PathPrefix("/api/v1").Subrouter()
	v1.Use(s.limitRequests) // body limits per route (the ingest deadline: handleIngest)
	// The map data group (Access.Map): public by default.
	plotsAt := s.mapGuard(http.HandlerFunc(s.handlePlotsAt))
	v1.Handle("/plots/at", plotsAt).Methods(http.MethodGet, http.MethodHead)
	s.plotsAt = s.recoverer(s.logRequests(s.limitRequests(plotsAt))) // as the router wraps it
	v1.Handle("/plots", s.mapGuard(http.HandlerFunc(s.handleSearch))).Methods(http.MethodGet, http.MethodHead)
	v1.Handle("/sheets/at", s.mapGuard(http.HandlerFunc(s.handleSheetsAt))).Methods(http.MethodGet, http.MethodHead)
	v1.Handle("/plots/{unit}/{sheet}/{plot}", s.mapGuard(http.HandlerFunc(s.handlePlot))).Methods(http.MethodGet, http.MethodHead)
	v1.HandleFunc("/ingest", s.handleIngest).Methods(http.MethodPost)
	s.extractRoutes(v1) // issue 6: surveyors' extracts (api/extract.go)
	s.auditRoutes(v1)   // issue 18: the cleaning audit (api/audit.go)
	s.tileRoutes(r)
	r.PathPrefix("/ogc").Handler(s.mapGuard(ogc.New(ogc.Options{Store: s.store, Index: s.index, Log: s.log, Prefix: "/ogc", Base: s.baseURL,
		MayReadHistory: s.mayReadHistory, Authorize: s.ogcWriter, AfterWrite: s.afterWrite}))) // issue 17: OGC API - Features (api/ogc)
	s.webRoutes(r)
	// gorilla/mux 1.8 loses a method mismatch inside a subrouter (a later
	// route's prefix matcher clears it) and answers 404; so the not-found
	// handler asks whether another method would have matched.
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(s.allowed(r)) > 0 {
			s.handleMethodNotAllowed(w, r)
			return
		}
		writeError(w, r, s.log, spatial.Errorf(spatial.KindNotFound, "no route for %s", r.URL.Path))
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(s.handleMethodNotAllowed)
}

// methods are those an Allow header may list.
var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// handleMethodNotAllowed answers 405 with the Allow header RFC 9110
// section 15.5.6 asks for: the methods some route takes on this path.
func (s *Server) handleMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", strings.Join(s.allowed(r), ", "))
	p := Problem{Type: "urn:cadastre:problem:method_not_allowed", Title: "Method Not Allowed", Status: http.StatusMethodNotAllowed, Detail: r.Method + " is not allowed on " + r.URL.Path}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	writeJSONBody(w, p)
}

// allowed returns the methods the router takes on the request's path.
func (s *Server) allowed(r *http.Request) []string {
	var out []string
	for _, m := range methods {
		probe := r.Clone(r.Context())
		probe.Method = m
		var match mux.RouteMatch
		if s.router.Match(probe, &match) && match.MatchErr == nil && match.Route != nil {
			out = append(out, m)
		}
	}
	return out
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
