package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/api"
	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
	"cadastre/spatial/store/storetest"
	"cadastre/tiles"
)

// TestWrongMethod405: a wrong method on a route answers 405 with the
// methods it takes in Allow, on the API subrouter and the hot routes that
// skip the router alike; an unknown path stays 404. Before, every API
// route answered 404.
func TestWrongMethod405(t *testing.T) {
	srv, _ := newServer(t)
	tsrv, _, tl := tileServer(t, true)
	cases := []struct{ base, method, path, allow string }{
		{srv.URL, http.MethodPost, "/api/v1/plots/at?lon=106&lat=10", "GET, HEAD"},
		{srv.URL, http.MethodDelete, "/api/v1/plots/79/7/1", "GET, HEAD"},
		{srv.URL, http.MethodGet, "/api/v1/ingest", "POST"},
		{srv.URL, http.MethodGet, "/api/v1/extracts", "POST"},
		{srv.URL, http.MethodPut, "/api/v1/extracts/1", "GET, HEAD"},
		{srv.URL, http.MethodGet, "/api/v1/extracts/1/decision", "POST"},
		{srv.URL, http.MethodPut, "/healthz", "GET, HEAD"},
		{tsrv.URL, http.MethodPost, tileURL(tsrv, "plots", tl, "mvt")[len(tsrv.URL):], "GET, HEAD, OPTIONS"},
		{tsrv.URL, http.MethodDelete, "/tiles/plots.json", "GET, HEAD, OPTIONS"},
		{tsrv.URL, http.MethodPost, "/metrics", "GET"},
	}
	for _, c := range cases {
		resp, body := fetch(t, c.method, c.base+c.path)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s: got %d Allow %q, want 405 Allow %q (%s)", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), c.allow, body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q, want a problem", c.method, c.path, ct)
		}
	}
	for _, p := range []string{"/api/v1/nothing", "/api/v1/plots/79/7"} {
		if resp, _ := fetch(t, http.MethodPost, srv.URL+p); resp.StatusCode != http.StatusNotFound || resp.Header.Get("Allow") != "" {
			t.Errorf("POST %s: got %d Allow %q, want 404 without Allow", p, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

// tileServerWith is tileServer's server with options changed by opt.
func tileServerWith(t *testing.T, opt func(*api.Options)) *httptest.Server {
	t.Helper()
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	ix := index.New()
	if _, err := ix.Build(context.Background(), batchSource{b}, discardLog()); err != nil {
		t.Fatal(err)
	}
	tc, err := tiles.NewCache(ix, tiles.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := api.Options{Index: ix, Tiles: tc, Log: discardLog()}
	opt(&o)
	srv := httptest.NewServer(api.New(o))
	t.Cleanup(srv.Close)
	return srv
}

// tileJSONURL fetches /tiles/plots.json with the headers and returns its
// tile URL.
func tileJSONURL(t *testing.T, srv *httptest.Server, host string, hdr ...string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/tiles/plots.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tj tiles.TileJSON
	if err := json.NewDecoder(resp.Body).Decode(&tj); err != nil || resp.StatusCode != 200 || len(tj.Tiles) != 1 {
		t.Fatalf("TileJSON: %d %v %+v", resp.StatusCode, err, tj)
	}
	return tj.Tiles[0]
}

// TestTileJSONHostileHost: the tile URL comes from the configured public
// URL or the listener, never from a client's Host or X-Forwarded-*
// headers, unless the peer is a configured trusted proxy. Before, a
// request with Host: evil.example got tiles from evil.example.
func TestTileJSONHostileHost(t *testing.T) {
	hostile := []string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https"}
	plain := tileServerWith(t, func(*api.Options) {})
	if got := tileJSONURL(t, plain, "evil.example", hostile...); !strings.HasPrefix(got, plain.URL+"/tiles/plots/") {
		t.Errorf("no public URL, hostile headers: tile URL %q, want it on the listener %s", got, plain.URL)
	}
	public := tileServerWith(t, func(o *api.Options) { o.PublicURL = "https://cadastre.example.gov.vn" })
	if got := tileJSONURL(t, public, "evil.example", hostile...); !strings.HasPrefix(got, "https://cadastre.example.gov.vn/tiles/plots/") {
		t.Errorf("public URL, hostile headers: tile URL %q, want it on the public URL", got)
	}
	// A proxy elsewhere is not this peer: its headers are not believed.
	elsewhere := tileServerWith(t, func(o *api.Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	if got := tileJSONURL(t, elsewhere, "evil.example", hostile...); !strings.HasPrefix(got, elsewhere.URL+"/") {
		t.Errorf("untrusted peer: tile URL %q, want it on the listener", got)
	}
	proxied := tileServerWith(t, func(o *api.Options) {
		o.PublicURL = "https://cadastre.example.gov.vn"
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	if got := tileJSONURL(t, proxied, "ignored.example", "X-Forwarded-Host", "maps.example.gov.vn", "X-Forwarded-Proto", "https"); !strings.HasPrefix(got, "https://maps.example.gov.vn/tiles/plots/") {
		t.Errorf("trusted proxy: tile URL %q, want the forwarded host", got)
	}
	if got := tileJSONURL(t, proxied, "x", "X-Forwarded-Host", "evil.example/path@x"); !strings.HasPrefix(got, "https://cadastre.example.gov.vn/") {
		t.Errorf("trusted proxy, malformed forwarded host: tile URL %q, want the public URL", got)
	}
}

func TestParsePublicURL(t *testing.T) {
	for in, want := range map[string]string{"https://c.example/": "https://c.example", "http://10.0.0.1:8080": "http://10.0.0.1:8080"} {
		if got, err := api.ParsePublicURL(in); err != nil || got != want {
			t.Errorf("ParsePublicURL(%q): got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "c.example", "ftp://c.example", "https://u:p@c.example", "https://c.example/maps", "https://c.example?x=1"} {
		if _, err := api.ParsePublicURL(in); err == nil {
			t.Errorf("ParsePublicURL(%q): no error", in)
		}
	}
}

// TestPageHeaders: the map page and its files carry a Content-Security-
// Policy allowing only the service's origin, nosniff, no framing and a
// same-origin Referrer-Policy; the public URL is named in the policy.
func TestPageHeaders(t *testing.T) {
	files := fstest.MapFS{"index.html": {Data: []byte("<p>x")}, "app.js": {Data: []byte("1")}}
	st := openGPKG(t)
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(api.New(api.Options{Store: st, Web: files, PublicURL: "https://cadastre.example.gov.vn"}))
	t.Cleanup(srv.Close)
	for _, p := range []string{"/", "/web/app.js", "/web/config.json"} {
		resp, _ := fetch(t, http.MethodGet, srv.URL+p)
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self' https://cadastre.example.gov.vn;", "connect-src 'self' https://cadastre.example.gov.vn;", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: Content-Security-Policy %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") || strings.Contains(csp, "evil") || strings.Contains(csp, "*") {
			t.Errorf("GET %s: Content-Security-Policy %q allows more than the service", p, csp)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("GET %s: %s %q, want %q", p, k, got, want)
			}
		}
	}
}

// limitServer is a server over a GeoPackage store with small body limits
// and short server timeouts (what cmd/cadastre sets from its config).
func limitServer(t *testing.T, readTimeout time.Duration) (*httptest.Server, extractStore) {
	t.Helper()
	st := openGPKG(t)
	t.Cleanup(func() { st.Close() })
	h := api.New(api.Options{Store: st, Log: discardLog(), MaxIngestBytes: 4096, MaxExtractBytes: 1024, MaxDecisionBytes: 256, IngestTimeout: time.Minute})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout = readTimeout
	srv.Config.ReadHeaderTimeout = readTimeout
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, st
}

// send posts body (chunked when chunked is set: no Content-Length) with
// a bearer token.
func send(t *testing.T, url, tok string, body io.Reader, chunked bool) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if chunked {
		req.ContentLength = -1
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestBodyLimits: each API route that takes a body has its own limit; a
// body over it is 413, whether its length is declared or not.
func TestBodyLimits(t *testing.T) {
	srv, st := limitServer(t, 10*time.Second)
	admin, surveyor, registrar := token(t, st, spatial.RoleAdmin), token(t, st, spatial.RoleSurveyor), token(t, st, spatial.RoleRegistrar)
	big := func(n int) string { return `{"x":"` + strings.Repeat("a", n) + `"}` }
	cases := []struct {
		path, tok string
		over      int
	}{
		{"/api/v1/ingest?format=geojson", admin, 4096},
		{"/api/v1/extracts", surveyor, 1024},
		{"/api/v1/extracts/1/decision", registrar, 256},
	}
	for _, c := range cases {
		for _, chunked := range []bool{false, true} {
			status, body := send(t, srv.URL+c.path, c.tok, strings.NewReader(big(c.over)), chunked)
			if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"type":"urn:cadastre:problem:invalid"`) {
				t.Errorf("POST %s with %d bytes (chunked %v): got %d %s, want 413 of type problem:invalid", c.path, c.over, chunked, status, body)
			}
		}
	}
	// Under the limit, the decision route reads the body (404: no such
	// extract): the limit is the route's, not a global one.
	if status, body := send(t, srv.URL+"/api/v1/extracts/1/decision", registrar, strings.NewReader(`{"accept":false,"reason":"r"}`), false); status != http.StatusNotFound {
		t.Errorf("small decision: got %d %s, want 404", status, body)
	}
}

// slowReader yields its text a byte at a time, pausing between bytes.
type slowReader struct {
	s     string
	pause time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	p[0], r.s = r.s[0], r.s[1:]
	return 1, nil
}

// TestIngestOutlivesReadTimeout: a slow upload to the ingest route is
// read to its end past the server's read timeout (the route's own
// deadline replaces it), while the same upload to another route is cut
// off.
func TestIngestOutlivesReadTimeout(t *testing.T) {
	srv, st := limitServer(t, 300*time.Millisecond)
	admin, surveyor := token(t, st, spatial.RoleAdmin), token(t, st, spatial.RoleSurveyor)
	const body = `{"type":"FeatureCollection","features":[]}`
	pause := 700 * time.Millisecond / time.Duration(len(body))
	status, out := send(t, srv.URL+"/api/v1/ingest?format=geojson", admin, &slowReader{s: body, pause: pause}, true)
	if status == 0 || strings.Contains(out, "timeout") {
		t.Errorf("slow ingest: got %d %s, want the ingest's own answer", status, out)
	}
	status, out = send(t, srv.URL+"/api/v1/extracts", surveyor, &slowReader{s: body, pause: pause}, true)
	if status != 0 && !strings.Contains(out, "timeout") {
		t.Errorf("slow extract: got %d %s, want it cut off by the read timeout", status, out)
	}
}

// TestIngestDeadlineAfterAuthorization: the ingest's long deadline is
// granted to an authorized admin only. A client without a token that
// declares a body and sends none is answered and let go within the
// server's read timeout, not held for the ingest's hour.
func TestIngestDeadlineAfterAuthorization(t *testing.T) {
	srv, _ := limitServer(t, 300*time.Millisecond)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := fmt.Fprintf(conn, "POST /api/v1/ingest?format=geojson HTTP/1.1\r\nHost: x\r\nContent-Type: application/geo+json\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// A guard far below the ingest deadline (a minute here) and far above
	// the read timeout.
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	took := time.Since(start)
	if err != nil || took > 5*time.Second {
		t.Fatalf("unauthorized ingest held the connection %v (%v), want it closed within the read timeout", took, err)
	}
	if !strings.HasPrefix(string(got), "HTTP/1.1 401") && len(got) > 0 {
		t.Errorf("unauthorized ingest: got %.200q, want 401 or a closed connection", got)
	}
}

// syncBuf is a log sink safe for the server's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// authServer is a server over a GeoPackage store allowing 3 bad secrets a
// minute per address, logging into the returned buffer.
func authServer(t *testing.T) (*httptest.Server, extractStore, *syncBuf) {
	t.Helper()
	st := openGPKG(t)
	t.Cleanup(func() { st.Close() })
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := httptest.NewServer(api.New(api.Options{Store: st, Log: log, AuthFailures: 3, AuthFailureWindow: time.Minute}))
	t.Cleanup(srv.Close)
	return srv, st, logs
}

// TestAuthFailuresRateLimited: after 3 bad secrets from one address, the
// 4th attempt (even with a good secret) is 429 with Retry-After; each
// failure is logged at warn without the secret.
func TestAuthFailuresRateLimited(t *testing.T) {
	srv, st, logs := authServer(t)
	good := token(t, st, spatial.RoleAdmin)
	url := srv.URL + "/api/v1/ingest?format=geojson"
	const guess = "cad_guessed-secret-0123456789"
	for i := range 3 {
		if status, body := send(t, url, guess+strconv.Itoa(i), strings.NewReader("{}"), false); status != http.StatusUnauthorized {
			t.Fatalf("bad secret #%d: got %d %s, want 401", i, status, body)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+good)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusTooManyRequests || ra < 1 || ra > 60 {
		t.Errorf("4th attempt: got %d Retry-After %q, want 429 with 1..60 s", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN msg=\"authentication failed\""); n != 3 {
		t.Errorf("log: %d warnings of failed authentication, want 3:\n%s", n, out)
	}
	if strings.Contains(out, "guessed-secret") || strings.Contains(out, good) || strings.Contains(out, good[4:]) {
		t.Errorf("the log holds a secret:\n%s", out)
	}
	// Requests that present no secret are not guesses: public routes
	// still answer the address.
	if resp, _ := fetch(t, http.MethodGet, srv.URL+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz from the blocked address: %d", resp.StatusCode)
	}
}

// TestTokenExpiredAndRevoked401: an expired or revoked token is 401 with
// a message that does not name it; a valid one's use is recorded.
func TestTokenExpiredAndRevoked401(t *testing.T) {
	srv, st, _ := authServer(t)
	ctx := context.Background()
	mk := func(name string, expires time.Time) (*spatial.Token, string) {
		secret, hash, err := spatial.NewTokenSecret()
		if err != nil {
			t.Fatal(err)
		}
		tok := &spatial.Token{Name: name, Role: spatial.RoleAdmin, Hash: hash, CreatedBy: "test", ExpiresAt: expires}
		if err := st.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		return tok, secret
	}
	_, soon := mk("desk of the expiring holder", time.Now().Add(1500*time.Millisecond))
	revoked, rsecret := mk("desk of the revoked holder", time.Time{})
	valid, vsecret := mk("desk of the valid holder", time.Now().Add(time.Hour))
	if _, err := st.RevokeToken(ctx, revoked.ID, "ops"); err != nil {
		t.Fatal(err)
	}
	url := srv.URL + "/api/v1/ingest?format=geojson&dry_run=true"
	body := `{"type":"FeatureCollection","features":[]}`
	if status, out := send(t, url, soon, strings.NewReader(body), false); status != http.StatusOK {
		t.Fatalf("before expiry: got %d %s, want 200", status, out)
	}
	time.Sleep(1600 * time.Millisecond)
	for name, secret := range map[string]string{"expired": soon, "revoked": rsecret} {
		status, out := send(t, url, secret, strings.NewReader(body), false)
		if status != http.StatusUnauthorized || !strings.Contains(out, name) || strings.Contains(out, "holder") {
			t.Errorf("%s token: got %d %s, want 401 saying %s without naming the token", name, status, out, name)
		}
	}
	if status, out := send(t, url, vsecret, strings.NewReader(body), false); status != http.StatusOK {
		t.Fatalf("valid token: got %d %s", status, out)
	}
	got, err := st.TokenByHash(ctx, valid.Hash)
	if err != nil || got.LastUsedAt.IsZero() || time.Since(got.LastUsedAt) > time.Minute {
		t.Errorf("valid token's last use: got %+v (err %v), want just now", got, err)
	}
}

// accessEnv is a server over a GeoPackage store with two plots (the
// second in two versions), the read model and tiles, configured by opt,
// and a token of each role plus a second surveyor.
type accessEnv struct {
	srv                                        *httptest.Server
	admin, registrar, surveyor, other, monitor string
	plot                                       *spatial.Plot
	retryAfter                                 string // of the last submit
}

func newAccessEnv(t *testing.T, opt func(*api.Options)) *accessEnv {
	return newAccessEnvOn(t, openGPKG(t), opt)
}

func newAccessEnvOn(t *testing.T, st extractStore, opt func(*api.Options)) *accessEnv {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() { st.Close() })
	sh := storetest.SheetAt(t, storetest.UnitA, 7, storetest.ZoneA, 601234, 1191876)
	f := sh.Frame.Bound()
	p1 := storetest.Square(storetest.UnitA, 7, 1, storetest.ZoneA, f.Min[0]+5, f.Min[1]+5, 20)
	b := &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{p1}, Change: spatial.Change{By: "officer Lan", Reason: "load", Source: "plots.geojson"}}
	if _, err := st.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	env := &accessEnv{plot: p1, admin: token(t, st, spatial.RoleAdmin), registrar: token(t, st, spatial.RoleRegistrar),
		surveyor: token(t, st, spatial.RoleSurveyor), monitor: token(t, st, spatial.RoleMonitor)}
	secret, hash, _ := spatial.NewTokenSecret()
	if err := st.CreateToken(ctx, &spatial.Token{Name: "surveyor two", Role: spatial.RoleSurveyor, Hash: hash, CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	env.other = secret
	ix := index.New()
	if _, err := ix.Build(ctx, st, discardLog()); err != nil {
		t.Fatal(err)
	}
	tc, err := tiles.NewCache(ix, tiles.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := api.Options{Store: st, Index: ix, Tiles: tc, Log: discardLog(), Web: fstest.MapFS{"index.html": {Data: []byte("<p>x")}}}
	opt(&o)
	env.srv = httptest.NewServer(api.New(o))
	t.Cleanup(env.srv.Close)
	return env
}

// status GETs path with the token (none when empty).
func (env *accessEnv) status(t *testing.T, path, tok string) (int, string) {
	t.Helper()
	var hdr []string
	if tok != "" {
		hdr = []string{"Authorization", "Bearer " + tok}
	}
	resp, body := fetch(t, http.MethodGet, env.srv.URL+path, hdr...)
	return resp.StatusCode, string(body)
}

// TestReadAccessDefaults: map data is public; who changed a plot needs a
// token; an extract is read by its submitter, registrars and admins
// (another surveyor gets 404, as for an extract that does not exist);
// /metrics needs a monitor or admin token.
func TestReadAccessDefaults(t *testing.T) {
	env := newAccessEnv(t, func(*api.Options) {})
	c := env.plot.Geometry.Bound().Center()
	plotPath := "/api/v1/plots/" + env.plot.Key.String()
	for _, p := range []string{fmt.Sprintf("/api/v1/plots/at?x=%.2f&y=%.2f&crs=EPSG:9210", c[0], c[1]), plotPath, "/tiles/plots.json", "/"} {
		if code, body := env.status(t, p, ""); code != http.StatusOK {
			t.Errorf("GET %s without a token: got %d %.200s, want 200 (map data is public)", p, code, body)
		}
	}
	if _, body := env.status(t, plotPath, ""); strings.Contains(body, "officer Lan") || strings.Contains(body, "plots.geojson") || !strings.Contains(body, `"reason":"load"`) {
		t.Errorf("plot without a token: %s, want its history without changed_by and source", body)
	}
	if _, body := env.status(t, plotPath, env.surveyor); !strings.Contains(body, `"changed_by":"officer Lan"`) || !strings.Contains(body, "plots.geojson") {
		t.Errorf("plot with a token: %s, want changed_by and source", body)
	}
	if code, _ := env.status(t, plotPath, "cad_not-a-token"); code != http.StatusUnauthorized {
		t.Errorf("plot with a bad token: got %d, want 401 (not a quiet public view)", code)
	}

	code, body := env.submit(t, env.surveyor)
	if code != http.StatusCreated && code != http.StatusUnprocessableEntity {
		t.Fatalf("submit an extract: %d %s", code, body)
	}
	var rec struct{ ID int64 }
	if err := json.Unmarshal([]byte(body), &rec); err != nil || rec.ID == 0 {
		t.Fatalf("extract id: %v %s", err, body)
	}
	path := fmt.Sprintf("/api/v1/extracts/%d", rec.ID)
	for _, c := range []struct {
		who, tok string
		want     int
	}{{"nobody", "", 401}, {"another surveyor", env.other, 404}, {"the monitor", env.monitor, 403}, {"the submitter", env.surveyor, 200}, {"a registrar", env.registrar, 200}, {"an admin", env.admin, 200}} {
		if code, body := env.status(t, path, c.tok); code != c.want {
			t.Errorf("GET %s by %s: got %d %.200s, want %d", path, c.who, code, body, c.want)
		}
	}
	if _, body := env.status(t, path, env.other); body != strings.Replace(mustStatus(env, t, fmt.Sprintf("/api/v1/extracts/%d", rec.ID+99), env.other), fmt.Sprint(rec.ID+99), fmt.Sprint(rec.ID), -1) {
		t.Errorf("another surveyor's 404 differs from an unknown extract's: %s", body)
	}

	for _, c := range []struct {
		who, tok string
		want     int
	}{{"nobody", "", 401}, {"a surveyor", env.surveyor, 403}, {"the monitor", env.monitor, 200}, {"an admin", env.admin, 200}} {
		if code, _ := env.status(t, "/metrics", c.tok); code != c.want {
			t.Errorf("GET /metrics by %s: got %d, want %d", c.who, code, c.want)
		}
	}
}

func mustStatus(env *accessEnv, t *testing.T, path, tok string) string {
	_, body := env.status(t, path, tok)
	return body
}

// TestReadAccessConfigured: map=token guards the lookups and the tiles
// (the fast path too); history=public shows changed_by to all;
// extracts=token lets any token read; metrics apart leaves /metrics off
// the main router.
func TestReadAccessConfigured(t *testing.T) {
	a, err := api.ParseAccess("map=token, history=public,extracts=token")
	if err != nil || a.String() != "map=token,history=public,extracts=token,metrics=token" {
		t.Fatalf("ParseAccess: %v %v", a, err)
	}
	env := newAccessEnv(t, func(o *api.Options) { o.Access, o.MetricsApart = a, true })
	c := env.plot.Geometry.Bound().Center()
	lon, lat := crsToWGS(t, c)
	tile := maptile.At(orb.Point{lon, lat}, 18)
	for _, p := range []string{fmt.Sprintf("/api/v1/plots/at?x=%.2f&y=%.2f&crs=EPSG:9210", c[0], c[1]), "/api/v1/plots/" + env.plot.Key.String(),
		"/tiles/plots.json", fmt.Sprintf("/tiles/plots/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y), "/", "/web/config.json"} {
		if code, _ := env.status(t, p, ""); code != http.StatusUnauthorized {
			t.Errorf("map=token: GET %s without a token: got %d, want 401", p, code)
		}
		if code, body := env.status(t, p, env.monitor); code != http.StatusOK {
			t.Errorf("map=token: GET %s with a token: got %d %.200s, want 200", p, code, body)
		}
	}
	if code, _ := env.status(t, "/metrics", env.admin); code != http.StatusNotFound {
		t.Errorf("metrics apart: /metrics on the main router: got %d, want 404", code)
	}
	for _, bad := range []string{"map=owner", "tiles=public", "history", "metrics=open"} {
		if _, err := api.ParseAccess(bad); err == nil {
			t.Errorf("ParseAccess(%q): no error", bad)
		}
	}
}

// crsToWGS is a plane point of zone A in lon/lat.
func crsToWGS(t *testing.T, p orb.Point) (float64, float64) {
	z, ok := crs.ZoneByEPSG(storetest.ZoneA)
	if !ok {
		t.Fatal("no zone A")
	}
	return z.ToWGS84(p[0], p[1])
}

// submit posts an extract of the plot as measured (its own corners) with
// the token.
func (env *accessEnv) submit(t *testing.T, tok string) (int, string) {
	t.Helper()
	bb := env.plot.Geometry.Bound()
	ex := map[string]any{"plot": env.plot.Key, "scale": "1:1000", "profile": "circular-26-2024",
		"table": fmt.Sprintf("point,x,y\n1,%.3f,%.3f\n2,%.3f,%.3f\n3,%.3f,%.3f\n4,%.3f,%.3f\n",
			bb.Min[1], bb.Min[0], bb.Min[1], bb.Max[0], bb.Max[1], bb.Max[0], bb.Max[1], bb.Min[0])}
	b, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, env.srv.URL+"/api/v1/extracts", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	env.retryAfter = resp.Header.Get("Retry-After")
	return resp.StatusCode, string(out)
}

// TestExtractQuota: a token's extracts count against its daily quota on
// both stores; past it, 429 with Retry-After and a message saying so,
// and nothing stored; another token still submits.
func TestExtractQuota(t *testing.T) {
	for name, open := range map[string]func(*testing.T) extractStore{"gpkg": openGPKG, "postgis": openPostGIS} {
		t.Run(name, func(t *testing.T) {
			env := newAccessEnvOn(t, open(t), func(o *api.Options) { o.ExtractQuota = 1000 })
			var ok int
			for range 10 {
				code, body := env.submit(t, env.surveyor)
				if code == http.StatusTooManyRequests {
					if !strings.Contains(body, "quota of 1000 bytes of extracts a day") {
						t.Errorf("429 body: %s, want it to name the quota", body)
					}
					break
				}
				if code != http.StatusCreated {
					t.Fatalf("submission %d: %d %s", ok+1, code, body)
				}
				ok++
			}
			if ok == 0 || ok == 10 {
				t.Fatalf("%d submissions of a few hundred bytes passed a quota of 1000 bytes, want some and not all", ok)
			}
			env.retryAfter = ""
			code, body := env.submit(t, env.surveyor)
			if ra, _ := strconv.Atoi(env.retryAfter); code != http.StatusTooManyRequests || ra < 1 || ra > 86400 {
				t.Errorf("after the quota: got %d Retry-After %q %s, want 429 with a wait until tomorrow", code, env.retryAfter, body)
			}
			resp, b := fetch(t, http.MethodGet, fmt.Sprintf("%s/api/v1/extracts/%d", env.srv.URL, ok+1), "Authorization", "Bearer "+env.admin)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("extract %d after the refusals: got %d %s, want none stored", ok+1, resp.StatusCode, b)
			}
			if code, body := env.submit(t, env.other); code != http.StatusCreated {
				t.Errorf("another surveyor: got %d %s, want 201 (the quota is per token)", code, body)
			}
		})
	}
}

// TestAuthFailuresBehindProxy: behind a trusted proxy, failures are
// counted by the address the proxy saw (the right-most untrusted
// X-Forwarded-For entry), so one client's guesses do not block another
// and a forged left-most entry does not escape the count.
func TestAuthFailuresBehindProxy(t *testing.T) {
	st := openGPKG(t)
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(api.New(api.Options{Store: st, Log: discardLog(), AuthFailures: 2,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.0.0.0/8")}}))
	t.Cleanup(srv.Close)
	try := func(xff string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/ingest", strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer cad_wrong")
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i, xff := range []string{"203.0.113.5", "198.51.100.1, 203.0.113.5, 10.1.2.3"} {
		if got := try(xff); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d, want 401", i, got)
		}
	}
	if got := try("192.0.2.9, 203.0.113.5"); got != http.StatusTooManyRequests {
		t.Errorf("third try of 203.0.113.5 behind a forged entry: got %d, want 429", got)
	}
	if got := try("203.0.113.6"); got != http.StatusUnauthorized {
		t.Errorf("another client behind the same proxy: got %d, want 401", got)
	}
}

// TestOGCHostileHostAndHistory: the OGC API's links come from the public
// URL or the listener, never the Host header, and its plot-versions
// collection (who changed each version) follows the history read access.
func TestOGCHostileHostAndHistory(t *testing.T) {
	srv := tileServerWith(t, func(o *api.Options) { o.PublicURL = "https://cadastre.example.gov.vn" })
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/ogc?f=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Host", "evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "evil.example") || !strings.Contains(string(body), "https://cadastre.example.gov.vn/ogc") {
		t.Errorf("OGC landing with a hostile Host: got %d %.300s, want links on the public URL only", resp.StatusCode, body)
	}
	if resp, body := fetch(t, http.MethodGet, srv.URL+"/ogc/collections/plot-versions/items?limit=1"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("plot-versions without a token: got %d %.200s, want 401 (history needs a token by default)", resp.StatusCode, body)
	}
	if resp, body := fetch(t, http.MethodGet, srv.URL+"/ogc/collections/plots/items?limit=1"); resp.StatusCode != http.StatusOK {
		t.Errorf("plots without a token: got %d %.200s, want 200 (map data is public by default)", resp.StatusCode, body)
	}
	open := tileServerWith(t, func(o *api.Options) { o.Access = api.Access{History: api.Public} })
	// This server has no store (501 for the versions): what matters is that it is not 401.
	if resp, body := fetch(t, http.MethodGet, open.URL+"/ogc/collections/plot-versions/items?limit=1"); resp.StatusCode == http.StatusUnauthorized {
		t.Errorf("plot-versions under history=public: got %d %.200s, want no 401", resp.StatusCode, body)
	}
}
