package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"cadastre/spatial"
)

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusRecorder) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// logRequests writes one structured log line per request, at debug level.
// When that level is off (serve's default is info) it costs one Enabled
// call: no recorder, no clock reads, no boxed log arguments.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.log.DebugContext(r.Context(), "http", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "bytes", rec.bytes, "dur", time.Since(start))
	})
}

// recoverer turns a panic in a handler into a logged 500 problem instead of
// a dropped connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				writeError(w, r, s.log, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func writeJSONBody(w http.ResponseWriter, v any) { _ = json.NewEncoder(w).Encode(v) }

// baseURL is the scheme and host of absolute URLs the service writes
// (TileJSON's tile URLs): the configured public URL; without one, the
// address the request arrived on (the listener's, never the client's Host
// header, which anyone can set). Only a request from a trusted proxy may
// name another with X-Forwarded-Proto and X-Forwarded-Host.
func (s *Server) baseURL(r *http.Request) string {
	if s.fromTrustedProxy(r) {
		if host := firstValue(r.Header.Get("X-Forwarded-Host")); validHost(host) {
			scheme := "http"
			if strings.EqualFold(firstValue(r.Header.Get("X-Forwarded-Proto")), "https") {
				scheme = "https"
			}
			return scheme + "://" + host
		}
	}
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return scheme + "://" + a.String()
	}
	return scheme + "://localhost"
}

// fromTrustedProxy reports whether the request's peer is a configured
// trusted proxy, whose X-Forwarded-* headers are then believed.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	if len(s.trustedProxies) == 0 {
		return false
	}
	ip, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && s.trusted(ip.Addr().Unmap())
}

// clientAddr is the address failed logins are counted by: the peer; or,
// when the peer is a trusted proxy, the right-most X-Forwarded-For entry
// that is not itself a trusted proxy (what the outermost trusted proxy
// saw; entries left of it the client may have written).
func (s *Server) clientAddr(r *http.Request) string {
	host := r.RemoteAddr
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		host = ap.Addr().Unmap().String()
	}
	if !s.fromTrustedProxy(r) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: trust nothing left of it
		}
		if a = a.Unmap(); !s.trusted(a) {
			return a.String()
		}
	}
	return host
}

// trusted reports whether a is in a trusted proxy prefix.
func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func firstValue(h string) string {
	v, _, _ := strings.Cut(h, ",")
	return strings.TrimSpace(v)
}

// validHost accepts a host[:port] with nothing a URL could be bent with.
func validHost(h string) bool {
	if h == "" || strings.ContainsAny(h, "/\\@?# \t\"'<>") {
		return false
	}
	u, err := url.Parse("http://" + h)
	return err == nil && u.Host == h
}

// ParsePublicURL checks a configured public base URL: http or https, a
// host, no path, query or user info. The trailing slash is dropped.
func ParsePublicURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("public URL %q: want http(s)://host[:port] with no path", s)
	}
	return u.Scheme + "://" + u.Host, nil
}

// Default limits of request bodies and of the long-running ingest route.
const (
	DefaultMaxExtractBytes  = 4 << 20 // a boundary of a few hundred points is a few kilobytes
	DefaultMaxDecisionBytes = 64 << 10
	DefaultMaxOtherBytes    = 64 << 10 // routes that take no body
	DefaultIngestTimeout    = time.Hour
)

// limitFor is the body limit of each API route, by its
// template: one place for them, so that a handler cannot forget its own.
// A route not named here takes at most DefaultMaxOtherBytes.
func (s *Server) limitFor(tpl string) (maxBytes int64) {
	switch tpl {
	case "/api/v1/ingest":
		return s.maxIngest
	case "/api/v1/extracts":
		return s.maxExtract
	case "/api/v1/extracts/{id:[0-9]+}/decision":
		return s.maxDecision
	}
	return DefaultMaxOtherBytes
}

// limitRequests applies the route's body limit (413 at once when the
// declared length is over it; a body that grows past it fails its read
// with *http.MaxBytesError, answered 413 by writeError). The ingest's
// longer deadline is not granted here: handleIngest extends it once the
// token is authorized (extendIngestDeadline), so that a client without
// one keeps the server's short timeouts.
func (s *Server) limitRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tpl := ""
		if rt := mux.CurrentRoute(r); rt != nil {
			tpl, _ = rt.GetPathTemplate()
		}
		n := s.limitFor(tpl)
		if r.ContentLength > n {
			writeError(w, r, s.log, &spatial.Error{Kind: spatial.KindInvalid, Err: errTooLarge,
				Message: fmt.Sprintf("request body of %d bytes is larger than the limit of %d bytes of %s", r.ContentLength, n, r.URL.Path)})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

// extendIngestDeadline replaces the server's read and write timeouts
// with the ingest deadline: a large upload and its report take longer
// than a lookup. Called only after the token is authorized.
func (s *Server) extendIngestDeadline(w http.ResponseWriter, r *http.Request) {
	if s.ingestTimeout <= 0 {
		return
	}
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(s.ingestTimeout)
	// Not every writer supports deadlines (httptest's recorder): the
	// server's own timeouts then stay.
	if err := errors.Join(rc.SetReadDeadline(deadline), rc.SetWriteDeadline(deadline)); err != nil {
		s.log.DebugContext(r.Context(), "ingest deadline not set; the server's timeouts stay", "err", err)
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
