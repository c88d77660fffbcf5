// Package ogc serves OGC API - Features (Part 1 Core with GeoJSON, HTML and
// OpenAPI 3.0; Part 2 CRS by reference) from the in-memory read model:
// the current plots and sheets of the index snapshot, the units and the
// plot versions of the store. It is mounted under a prefix (/ogc) by the
// api package and knows nothing of its router.
package ogc

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

// Options configures a Handler.
type Options struct {
	Store spatial.Store
	Index *index.Index
	Log   *slog.Logger
	// Prefix is the path the handler is mounted at, e.g. "/ogc".
	Prefix string
	// BaseURL is the public URL of the service root (scheme, host and any
	// proxy path, no trailing slash), e.g. "https://cadastre.example.vn";
	// links are BaseURL+Prefix+path. Empty: taken from each request's Host
	// (http, or https behind TLS).
	BaseURL string
	// Base, when set, gives the public URL of the service root for a
	// request instead of BaseURL (the server's configured public URL or
	// the address the request arrived on, never the Host header).
	Base func(*http.Request) string
	// MayReadHistory says whether a request may read plot history (who
	// changed each version): the plot-versions collection answers 401
	// without it. nil: always.
	MayReadHistory func(*http.Request) (bool, error)
	// Authorize checks a write's credentials (a registrar or admin token)
	// and returns who writes, as recorded in the version; nil: read-only.
	Authorize func(*http.Request) (string, error)
	// AfterWrite brings the read model and tiles up to date with a write,
	// as after an ingest.
	AfterWrite func(*http.Request, spatial.WriteResult)
}

// Handler answers the OGC API requests under its prefix.
type Handler struct {
	o    Options
	hist history
}

// New returns a Handler.
func New(o Options) *Handler {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	o.Prefix = strings.TrimSuffix(o.Prefix, "/")
	return &Handler{o: o}
}

// Limits of the items page size (Part 1 /req/core/fc-limit-definition);
// both are declared in the OpenAPI document, where GDAL reads them.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// httpError is an error with its HTTP status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, a ...any) error {
	return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, a...)}
}

func notFound(format string, a ...any) error {
	return &httpError{status: http.StatusNotFound, msg: fmt.Sprintf(format, a...)}
}

// writeError answers an RFC 9457 problem; store errors map by kind and
// internal causes are logged, never shown.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, detail := http.StatusInternalServerError, "internal error; see the server log"
	var he *httpError
	var de *spatial.Error
	switch {
	case errors.As(err, &he):
		status, detail = he.status, he.msg
	case errors.As(err, &de) && spatial.KindOf(err) != spatial.KindInternal:
		status, detail = map[spatial.Kind]int{spatial.KindInvalid: 400, spatial.KindNotFound: 404, spatial.KindConflict: 409,
			spatial.KindUnauthorized: 401, spatial.KindForbidden: 403, spatial.KindUnavailable: 503}[spatial.KindOf(err)], de.Message
		if status == 0 {
			status = http.StatusInternalServerError
		}
	default:
		h.o.Log.ErrorContext(r.Context(), "ogc request failed", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cadastre"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status,
		"detail": detail, "instance": r.URL.Path})
}

// base returns the absolute URL of the handler's root.
func (h *Handler) base(r *http.Request) string {
	if h.o.Base != nil {
		return strings.TrimSuffix(h.o.Base(r), "/") + h.o.Prefix
	}
	if h.o.BaseURL != "" {
		return strings.TrimSuffix(h.o.BaseURL, "/") + h.o.Prefix
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + h.o.Prefix
}

// ServeHTTP routes the OGC paths. Paths are matched on the escaped form
// so a percent-encoded plot id ("27002%2F1%2F1") stays one segment.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.o.Index == nil || !h.o.Index.Ready() {
		h.writeError(w, r, &httpError{status: http.StatusServiceUnavailable, msg: "read model not loaded"})
		return
	}
	rest := strings.TrimPrefix(r.URL.EscapedPath(), h.o.Prefix)
	rest = strings.TrimSuffix(rest, "/")
	seg := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	if rest == "" {
		seg = nil
	}
	for i, s := range seg {
		u, err := url.PathUnescape(s)
		if err != nil {
			h.writeError(w, r, badRequest("bad path segment %q", s))
			return
		}
		seg[i] = u
	}
	var err error
	var c *collection
	item := false
	if len(seg) >= 2 && seg[0] == "collections" {
		c, _ = collectionByID(seg[1])
		item = len(seg) == 4 && seg[2] == "items"
	}
	isItems := c != nil && len(seg) >= 3 && seg[2] == "items" && len(seg) <= 4
	if c != nil && c.temporal && h.o.MayReadHistory != nil && len(seg) >= 3 {
		ok, err := h.o.MayReadHistory(r)
		if err != nil || !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cadastre"`)
			h.writeError(w, r, &httpError{status: http.StatusUnauthorized, msg: "plot history (who changed each version) needs an 'Authorization: Bearer TOKEN' header (read access: history)"})
			return
		}
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		w.Header().Set("Allow", allowed(map[bool]*collection{true: c}[isItems], item))
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		allow := allowed(map[bool]*collection{true: c}[isItems], item)
		if !isItems || !strings.Contains(allow, r.Method) {
			w.Header().Set("Allow", allow)
			h.writeError(w, r, &httpError{status: http.StatusMethodNotAllowed, msg: r.Method + " is not allowed on " + r.URL.Path + " (allowed: " + allow + ")"})
			return
		}
		switch {
		case r.Method == http.MethodPost:
			err = h.create(w, r, c)
		case r.Method == http.MethodDelete:
			err = h.retire(w, r, c, seg[3])
		default:
			err = h.replace(w, r, c, seg[3])
		}
		if err != nil {
			h.writeError(w, r, err)
		}
		return
	}
	switch {
	case len(seg) == 0:
		err = h.landing(w, r)
	case len(seg) == 1 && seg[0] == "conformance":
		err = h.conformance(w, r)
	case len(seg) == 1 && seg[0] == "api":
		err = h.api(w, r)
	case len(seg) == 1 && seg[0] == "collections":
		err = h.collections(w, r)
	case len(seg) >= 2 && seg[0] == "collections":
		c, ok := collectionByID(seg[1])
		if !ok {
			err = notFound("no collection %q (collections: plots, plot-versions, sheets, units)", seg[1])
			break
		}
		switch {
		case len(seg) == 2:
			err = h.collection(w, r, c)
		case len(seg) == 3 && seg[2] == "items":
			err = h.items(w, r, c)
		case len(seg) == 3 && seg[2] == "schema":
			err = h.schema(w, r, c, false)
		case len(seg) == 3 && seg[2] == "queryables":
			err = h.schema(w, r, c, true)
		case len(seg) == 4 && seg[2] == "items":
			err = h.item(w, r, c, seg[3])
		default:
			err = notFound("no resource %s", r.URL.Path)
		}
	default:
		err = notFound("no resource %s", r.URL.Path)
	}
	if err != nil {
		h.writeError(w, r, err)
	}
}

// format is the negotiated representation.
type format int

const (
	fJSON format = iota
	fHTML
)

// negotiate picks JSON or HTML from f= or Accept (/req/core/http,
// /req/html/content).
func negotiate(r *http.Request) (format, error) {
	switch f := r.URL.Query().Get("f"); f {
	case "json", "geojson", "application/json", "application/geo+json":
		return fJSON, nil
	case "html", "text/html":
		return fHTML, nil
	case "":
	default:
		return 0, badRequest("f: %q is not a format here (json or html)", f)
	}
	acc := r.Header.Get("Accept")
	if strings.Contains(acc, "text/html") && !strings.Contains(acc, "json") {
		return fHTML, nil
	}
	return fJSON, nil
}

// checkParams answers 400 for a parameter the resource does not know
// (/req/core/query-param-unknown) or one given twice.
func checkParams(r *http.Request, allowed ...string) error {
	for k, v := range r.URL.Query() {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			return badRequest("unknown query parameter %q (this resource takes: %s)", k, strings.Join(allowed, ", "))
		}
		if len(v) > 1 {
			return badRequest("query parameter %q given %d times", k, len(v))
		}
	}
	return nil
}

type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

func writeJSON(w http.ResponseWriter, r *http.Request, ctype string, v any) error {
	w.Header().Set("Content-Type", ctype)
	if r.Method == http.MethodHead {
		return nil
	}
	return json.NewEncoder(w).Encode(v)
}

// selfLinks returns self and alternate links for a resource path.
func (h *Handler) selfLinks(r *http.Request, path string, f format, jsonType string) []link {
	b := h.base(r) + path
	js := link{Href: b + "?f=json", Type: jsonType, Title: "this document as JSON"}
	ht := link{Href: b + "?f=html", Type: "text/html", Title: "this document as HTML"}
	if f == fHTML {
		ht.Rel, js.Rel = "self", "alternate"
		return []link{ht, js}
	}
	js.Rel, ht.Rel = "self", "alternate"
	return []link{js, ht}
}
