package api

import (
	"context"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"cadastre/spatial"
)

// Defaults of the failed-authentication limit: this many bad secrets from
// one client address within the window, then 429 until it ends.
const (
	DefaultAuthFailures      = 10
	DefaultAuthFailureWindow = time.Minute
)

// touchEvery is how often at most a token's last use is written: a busy
// token costs one write a minute, not one per request. touchWait bounds
// that write: behind a long ingest holding the GeoPackage's write lock a
// read must not wait for it (the use is then recorded a minute later).
const (
	touchEvery = time.Minute
	touchWait  = 250 * time.Millisecond
)

// authorize checks the request's bearer token and role: 401 when it is
// missing, unknown, revoked or expired, 403 when its role is not one of
// those given, 429 when the client address sent too many bad secrets.
// A 401 never names the token (its name may say who holds it); the
// server log says which, at warn, without the secret.
func (s *Server) authorize(r *http.Request, roles ...spatial.Role) (*spatial.Token, error) {
	secret, ok := bearer(r)
	if !ok {
		return nil, spatial.Errorf(spatial.KindUnauthorized, "this endpoint needs an 'Authorization: Bearer TOKEN' header with a %s token (cadastre token create)", rolesText(roles))
	}
	tok, err := s.authenticate(r, secret)
	if err != nil {
		return nil, err
	}
	for _, role := range roles {
		if tok.Role == role {
			return tok, nil
		}
	}
	return nil, spatial.Errorf(spatial.KindForbidden, "this token has role %s; this endpoint needs %s", tok.Role, rolesText(roles))
}

// bearer returns the secret of the Authorization header, if any.
func bearer(r *http.Request) (string, bool) {
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	secret = strings.TrimSpace(secret)
	return secret, ok && secret != ""
}

func rolesText(roles []spatial.Role) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = string(r)
	}
	return strings.Join(parts, " or ")
}

// authenticate finds the valid token of a secret, counting failures per
// client address.
func (s *Server) authenticate(r *http.Request, secret string) (*spatial.Token, error) {
	client := failureKey(s.clientAddr(r))
	if wait := s.failures.blocked(client, time.Now()); wait > 0 {
		return nil, &tooManyError{retryAfter: wait, msg: "too many failed authentication attempts from this address; try again later"}
	}
	ts, ok := s.store.(spatial.Tokens)
	if !ok {
		return nil, spatial.Errorf(spatial.KindInternal, "store keeps no tokens")
	}
	tok, err := ts.TokenByHash(r.Context(), spatial.HashToken(secret))
	now := time.Now()
	var reason string
	switch {
	case spatial.KindOf(err) == spatial.KindNotFound:
		reason, err = "unknown token", spatial.Errorf(spatial.KindUnauthorized, "unknown token")
	case err != nil:
		return nil, err
	case tok.Revoked():
		reason, err = "revoked token", spatial.Errorf(spatial.KindUnauthorized, "this token was revoked; ask for a new one")
	case tok.Expired(now):
		reason, err = "expired token", spatial.Errorf(spatial.KindUnauthorized, "this token expired; ask for a new one")
	default:
		s.touch(r.Context(), ts, tok, now)
		return tok, nil
	}
	n := s.failures.fail(client, now)
	attrs := []any{"client", client, "reason", reason, "path", r.URL.Path, "failures", n}
	if tok != nil {
		attrs = append(attrs, "token_id", tok.ID)
	}
	s.log.WarnContext(r.Context(), "authentication failed", attrs...)
	return nil, err
}

// failureKey is what failures are counted by: an IPv4 address, or the
// /64 of an IPv6 one (one subscriber's network, which hands its hosts
// any of 2^64 addresses).
func failureKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}

// touch records the token's use, at most once per touchEvery; a failure
// is logged and does not fail the request.
func (s *Server) touch(ctx context.Context, ts spatial.Tokens, tok *spatial.Token, now time.Time) {
	s.touchMu.Lock()
	last, seen := s.touched[tok.ID]
	if seen && now.Sub(last) < touchEvery {
		s.touchMu.Unlock()
		return
	}
	s.touched[tok.ID] = now
	s.touchMu.Unlock()
	tctx, cancel := context.WithTimeout(ctx, touchWait)
	defer cancel()
	if err := ts.TouchToken(tctx, tok.ID, now); err != nil {
		s.log.WarnContext(ctx, "recording the token's last use failed; it is retried a minute later", "token_id", tok.ID, "err", err)
	}
}

// failureCounter counts failed authentications per client address in
// fixed windows: after limit failures the address is refused until its
// window ends. Memory is bounded by dropping ended windows.
type failureCounter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	by     map[string]*failureWindow
}

type failureWindow struct {
	start time.Time
	n     int
}

func newFailureCounter(limit int, window time.Duration) *failureCounter {
	return &failureCounter{limit: limit, window: window, by: map[string]*failureWindow{}}
}

// blocked returns how long the client must wait, 0 if it may try.
func (c *failureCounter) blocked(client string, now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.by[client]
	if w == nil || now.Sub(w.start) >= c.window || w.n < c.limit {
		return 0
	}
	return w.start.Add(c.window).Sub(now)
}

// fail counts one failure and returns the client's count in its window.
func (c *failureCounter) fail(client string, now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.by) > 10000 {
		for k, w := range c.by {
			if now.Sub(w.start) >= c.window {
				delete(c.by, k)
			}
		}
	}
	w := c.by[client]
	if w == nil || now.Sub(w.start) >= c.window {
		w = &failureWindow{start: now}
		c.by[client] = w
	}
	w.n++
	return w.n
}

// tooManyError is answered 429 with Retry-After (writeError).
type tooManyError struct {
	retryAfter time.Duration
	msg        string
}

func (e *tooManyError) Error() string { return e.msg }

// retryAfterSeconds is Retry-After's whole seconds, at least 1.
func (e *tooManyError) retryAfterSeconds() string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(e.retryAfter.Seconds()))))
}
