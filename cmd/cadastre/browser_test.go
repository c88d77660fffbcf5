package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"cadastre/sampledata"
	"cadastre/spatial"
)

// chromium returns the browser the test drives: $CADASTRE_CHROMIUM, else
// Debian's chromium on PATH. Without one the test skips loudly, or fails
// when CADASTRE_REQUIRE_BROWSER is set (CI sets it).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CADASTRE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	browserMissing(t, "no chromium on PATH (apt-get install chromium, or set CADASTRE_CHROMIUM)")
	return ""
}

func browserMissing(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CADASTRE_REQUIRE_BROWSER") != "" {
		t.Fatalf("browser test required (CADASTRE_REQUIRE_BROWSER is set) but %s", why)
	}
	t.Skipf("*** SKIPPING the browser test of the map page: %s", why)
}

// netLog records every request the page makes and every one that failed.
type netLog struct {
	mu     sync.Mutex
	urls   []string
	failed []string
	errs   []string // uncaught JavaScript exceptions
	ids    map[network.RequestID]string
}

func (l *netLog) listen(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		l.urls = append(l.urls, e.Request.URL)
		l.ids[e.RequestID] = e.Request.URL
	case *network.EventLoadingFailed:
		if !e.Canceled { // MapLibre cancels tiles that left the view
			l.failed = append(l.failed, l.ids[e.RequestID]+": "+e.ErrorText)
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		l.errs = append(l.errs, fmt.Sprintf("%s at %s:%d", msg, d.URL, d.LineNumber+1))
	}
}

// TestBrowserMapPage drives the map page in headless Chromium on the
// sample: tiles render, a click opens the plot panel, a key search lands
// on the plot, the language toggles, the page fits a phone, and no request
// leaves the service (issue 7).
func TestBrowserMapPage(t *testing.T) {
	exe := chromium(t)
	webDir, err := filepath.Abs(filepath.Join("..", "..", "web"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "maplibre-gl", "dist", "maplibre-gl.mjs")); err != nil {
		browserMissing(t, "MapLibre is not installed in web/node_modules (make test runs npm ci first)")
	}
	gpkg := filepath.Join(t.TempDir(), "c.gpkg")
	token, err := run(t, "token", "create", "--role", "surveyor", "--name", "browser test", "--gpkg", gpkg, "--load-sample=false")
	if err != nil {
		t.Fatal(err)
	}
	base, stop, logs := startServe(t, "--gpkg", gpkg, "--web-dir", webDir, "--log-level", "warn")
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v\n%s", err, logs)
		}
	}()
	artifacts := os.Getenv("CADASTRE_ARTIFACTS")
	if artifacts == "" {
		artifacts, err = os.MkdirTemp("", "cadastre-browser-")
		if err != nil {
			t.Fatal(err)
		}
	}

	// Every request of the browser (the page's and MapLibre's workers',
	// which the page's DevTools network log does not see) goes through a
	// logging proxy; loopback too (<-loopback).
	px := startProxy(t, base)
	// The flags of the issue, on top of chromedp's defaults (which quiet
	// Chromium's own background traffic); the rest silences the Google
	// services Chromium still calls, so that the proxy log holds only what
	// the page asked for.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-features", "Translate,AutofillServerCommunication,OptimizationHints,MediaRouter,DialMediaRouteProvider,CertificateTransparencyComponentUpdater"),
		chromedp.Flag("disable-domain-reliability", true), chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-component-extensions-with-background-pages", true),
		chromedp.ProxyServer(px.url), chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelB := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancelB()
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	defer cancelT()
	b := &browser{t: t, ctx: ctx, artifacts: artifacts, nl: &netLog{ids: map[network.RequestID]string{}}}
	if err := chromedp.Listen(ctx, b.nl.listen); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable the network log: %v", err)
	}
	// Content-Security-Policy violations (the page, MapLibre, its
	// workers' creation) are collected by a listener DevTools installs
	// before any of the page's scripts; the policy does not block it.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener}); err != nil {
		t.Fatalf("install the CSP listener: %v", err)
	}
	b.do("open the page", chromedp.Navigate(base+"/"), waitIdle())

	// A plot of the sample in the middle of the view at zoom 18 (plot
	// numbers are shown as markers from 17.5).
	sample, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	g := plotBBox(t, base, sample.Plots[0].Key.String())
	// Sheet grid numbers at mid zoom.
	get(b, "zoom to mid zoom", chromedp.Evaluate[bool](fmt.Sprintf(`cadastre.map.jumpTo({center: [%f, %f], zoom: 15}), true`, (g[0]+g[2])/2, (g[1]+g[3])/2)))
	b.do("wait for the tiles", waitIdle())
	if sheets := get(b, "read sheet labels", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".label.sheet")].map(e => e.textContent)`)); len(sheets) == 0 {
		t.Errorf("sheet grid numbers at zoom 15: got none, want some")
	} else {
		t.Logf("sheet grid numbers at zoom 15: %v", sheets)
	}
	get(b, "zoom to a plot", chromedp.Evaluate[bool](fmt.Sprintf(`cadastre.map.jumpTo({center: [%f, %f], zoom: 18}), true`, (g[0]+g[2])/2, (g[1]+g[3])/2)))
	b.do("wait for the tiles", waitIdle())
	// What MapLibre's workers fetch comes from the style: no glyphs, no
	// sprite, every source on the service (a worker's HTTPS request to
	// another host would reach the proxy as a bare CONNECT).
	foreign := get(b, "check the style", chromedp.Evaluate[[]string](`(() => {
		const s = cadastre.map.getStyle(), bad = [];
		if (s.glyphs) bad.push("glyphs " + s.glyphs);
		if (s.sprite) bad.push("sprite " + JSON.stringify(s.sprite));
		for (const [id, src] of Object.entries(s.sources))
			for (const u of [src.url, ...(src.tiles || [])].filter(Boolean))
				if (new URL(u, location.href).origin !== location.origin) bad.push(id + " " + u);
		return bad;
	})()`))
	if len(foreign) > 0 {
		t.Errorf("style refers to other hosts: %v", foreign)
	}
	rendered := get(b, "count rendered plots", chromedp.Evaluate[int](`cadastre.map.queryRenderedFeatures({layers: ["plots-fill"]}).length`))
	if rendered == 0 {
		t.Fatalf("plot features rendered: got 0, want some")
	}
	labels := get(b, "count plot labels", chromedp.Evaluate[int](`document.querySelectorAll(".label.plot").length`))
	if labels == 0 {
		t.Errorf("plot number labels at zoom 18: got 0, want some")
	}
	t.Logf("%d plot features rendered, %d plot number labels", rendered, labels)

	// Click the plot under the centre of the map and read its number.
	type hitT struct {
		X, Y  float64
		Props map[string]any
	}
	hit := get(b, "find the plot at the centre", chromedp.Evaluate[hitT](`(() => {
		const m = cadastre.map, c = m.getCanvas().getBoundingClientRect();
		const p = [c.width / 2, c.height / 2];
		const f = m.queryRenderedFeatures(p, {layers: ["plots-fill"]})[0];
		return {X: c.left + p[0], Y: c.top + p[1], Props: f ? f.properties : null};
	})()`))
	if hit.Props == nil {
		t.Fatal("no plot under the centre of the map")
	}
	wantID := fmt.Sprintf("%v/%v/%v", hit.Props["unit"], hit.Props["sheet"], hit.Props["plot"])
	b.do("click the plot", chromedp.MouseClickXY(hit.X, hit.Y), waitSelected(wantID))
	if got, want := get(b, "read the plot number", chromedp.Text(chromedp.CSS("#p-number"))), fmt.Sprint(hit.Props["plot"]); got != want {
		t.Errorf("plot number in the panel: got %q, want %q", got, want)
	}
	if grid := get(b, "read the grid number", chromedp.Text(chromedp.CSS("#f-grid"))); grid == "" || grid == "—" {
		t.Errorf("sheet grid number in the panel: got %q, want one", grid)
	}
	b.shot("plot-panel.png")

	// Search another plot by key: the panel shows it and the map is on it.
	last := sample.Plots[len(sample.Plots)-1].Key
	lb := plotBBox(t, base, last.String())
	b.do("search a key", chromedp.SendKeys(chromedp.CSS("#q-key"), last.String()),
		chromedp.Click(chromedp.CSS("#search-go")), waitSelected(last.String()), waitIdle())
	if got := get(b, "read the plot number", chromedp.Text(chromedp.CSS("#p-number"))); got != fmt.Sprint(last.Plot) {
		t.Errorf("panel after searching %s: got plot %q, want %d", last, got, last.Plot)
	}
	view := get(b, "read the map bounds", chromedp.Evaluate[[]float64](`cadastre.map.getBounds().toArray().flat()`))
	if len(view) != 4 || view[0] > lb[0] || view[1] > lb[1] || view[2] < lb[2] || view[3] < lb[3] {
		t.Errorf("map view after searching %s: got %v, want it to hold the plot %v", last, view, lb)
	}

	b.extract(base, last.String(), strings.TrimSpace(token))

	// Search by plane coordinates: X (northing) and Y (easting) of the
	// middle of the first plot, in its zone chosen from the province list.
	b.searchXY(base, sample.Plots[0])

	b.checkCSP()

	// Language toggle.
	b.do("toggle the language", chromedp.Click(chromedp.CSS("#lang")))
	if got := get(b, "read the search button", chromedp.Text(chromedp.CSS("#search-go"))); got != "Go" {
		t.Errorf("search button in English: got %q, want %q", got, "Go")
	}
	b.shot("map.png")

	// Phone width, on a fresh load as a phone would: the search lands on
	// the plot, the panel sits under the map, nothing is wider than the
	// screen.
	// A browser of its own, emulating a 390 px phone (a headless window
	// is at least 500 px wide).
	pctx, cancelP := chromedp.NewExecAllocator(context.Background(), append(opts, chromedp.WindowSize(390, 844), chromedp.UserDataDir(t.TempDir()))...)
	defer cancelP()
	pctx, cancelQ := chromedp.NewContext(pctx, chromedp.WithLogf(t.Logf))
	defer cancelQ()
	pctx, cancelR := context.WithTimeout(pctx, 2*time.Minute)
	defer cancelR()
	b = &browser{t: t, ctx: pctx, artifacts: artifacts, nl: b.nl}
	if err := chromedp.Listen(pctx, b.nl.listen); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Call(pctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable the network log: %v", err)
	}
	if _, err := chromedp.Call(pctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener}); err != nil {
		t.Fatalf("install the CSP listener: %v", err)
	}
	b.do("open the page at phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(base+"/"), waitIdle(),
		chromedp.SendKeys(chromedp.CSS("#q-key"), last.String()), chromedp.Click(chromedp.CSS("#search-go")),
		waitSelected(last.String()), waitIdle())
	panelW := get(b, "panel width", chromedp.Evaluate[float64](`document.getElementById("panel").getBoundingClientRect().width`))
	docW := get(b, "page width", chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
	if panelW > 390 || docW > 390 {
		t.Errorf("phone width 390: panel %v px, page %v px wide; want at most 390", panelW, docW)
	}
	if n := get(b, "count rendered plots", chromedp.Evaluate[int](`cadastre.map.queryRenderedFeatures({layers: ["plots-fill"]}).length`)); n == 0 {
		t.Errorf("plots rendered at phone width: got 0, want some")
	}
	// Draw one frame right before the screenshot. (With the panel laid
	// over the map, headless Chromium's compositor left the WebGL canvas
	// blank in this shot: one reason the panel sits under the map on a
	// phone.)
	get(b, "repaint", chromedp.Evaluate[bool](`new Promise(r => { cadastre.map.once("render", () => requestAnimationFrame(() => r(true))); cadastre.map.triggerRepaint(); })`, chromedp.EvalAwaitPromise))
	b.shot("phone.png")
	t.Logf("screenshots in %s", artifacts)

	b.checkCSP()
	checkSameHost(t, base, b.nl)
	px.check(t, base)
}

// proxy is an HTTP proxy that forwards requests for the service and
// refuses and records any other.
type proxy struct {
	url      string
	mu       sync.Mutex
	hosts    map[string]int // requests from web content (with a Referer or Origin) by host
	internal map[string]int // Chromium's own requests (update checks, sign-in): no Referer, no Origin
	tiles    int
}

func startProxy(t *testing.T, base string) *proxy {
	t.Helper()
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{url: "http://" + ln.Addr().String(), hosts: map[string]int{}, internal: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	// MapLibre cancels the tiles that leave the view; that is no error.
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) }
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if r.Method != http.MethodConnect && r.URL.Host != "" {
			host = r.URL.Host
		}
		p.mu.Lock()
		if r.Header.Get("Referer") != "" || r.Header.Get("Origin") != "" {
			p.hosts[host]++
		} else {
			p.internal[host]++
		}
		if strings.HasPrefix(r.URL.Path, "/tiles/cadastre/") {
			p.tiles++
		}
		p.mu.Unlock()
		if r.Method == http.MethodConnect || host != target.Host {
			http.Error(w, "the map page must not leave the service", http.StatusForbidden)
			return
		}
		rp.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close below
	t.Cleanup(func() { srv.Close() })
	return p
}

// check asserts that every request the browser made went to the service,
// tiles included.
func (p *proxy) check(t *testing.T, base string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	want := strings.TrimPrefix(base, "http://")
	for h, n := range p.hosts {
		if h != want {
			t.Errorf("browser requests to another host: %s (%d)", h, n)
		}
	}
	if p.tiles == 0 {
		t.Errorf("proxy saw no tile request: got hosts %v", p.hosts)
	}
	t.Logf("proxy: %d requests from the page and its workers to %s, %d of them tiles; Chromium's own requests, refused: %v", p.hosts[want], want, p.tiles, p.internal)
}

// browser is the tab the test drives; a failed step saves a screenshot.
type browser struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
	nl        *netLog
}

func (b *browser) fail(step string, err error) {
	b.t.Helper()
	b.shot("failed.png")
	b.nl.mu.Lock()
	defer b.nl.mu.Unlock()
	b.t.Fatalf("%s: %v\nnetwork failures: %v\nJS errors: %v", step, err, b.nl.failed, b.nl.errs)
}

func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.fail(step, err)
	}
}

func get[T any](b *browser, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.fail(step, err)
	}
	return v
}

// shot saves a screenshot of the page into the artifacts directory.
func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(b.artifacts, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("save screenshot: %v", err)
		return
	}
	b.t.Logf("screenshot: %s", path)
}

// extract submits, through the page, a re-measurement of the selected
// plot with its first vertex moved 0.8 m east (twice the 1:2000 edge
// limit of Circular 25), and reads the verdict, the edge table and the
// failing edges drawn on the map.
func (b *browser) extract(base, key, token string) {
	t := b.t
	t.Helper()
	resp, err := http.Get(base + "/api/v1/plots/" + key)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		CRS   string `json:"crs"`
		Plane struct {
			Coordinates [][][][2]float64 `json:"coordinates"`
		} `json:"geometry_plane"`
	}
	err = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if err != nil || len(p.Plane.Coordinates) == 0 {
		t.Fatalf("plane geometry of %s: %v", key, err)
	}
	ring := p.Plane.Coordinates[0][0]
	ring[0][0] += 0.8
	ring[len(ring)-1] = ring[0]
	fc := map[string]any{"type": "FeatureCollection", "crs": map[string]any{"type": "name", "properties": map[string]string{"name": p.CRS}},
		"features": []any{map[string]any{"type": "Feature", "properties": map[string]any{}, "geometry": map[string]any{"type": "MultiPolygon", "coordinates": p.Plane.Coordinates}}}}
	data, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "measured.geojson")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("submit an extract", chromedp.Click(chromedp.CSS("#extract summary")),
		chromedp.SetUploadFiles(chromedp.CSS("#ex-file"), []string{file}),
		chromedp.SendKeys(chromedp.CSS("#ex-token"), token),
		chromedp.Click(chromedp.CSS("#extract-form button[type=submit]")),
		wait(`cadastre.lastVerdict !== null && cadastre.lastVerdict !== undefined`), waitIdle())
	verdict := get(b, "read the verdict", chromedp.Evaluate[string](`cadastre.lastVerdict`))
	shown := get(b, "read the verdict text", chromedp.Text(chromedp.CSS("#ex-verdict")))
	id := get(b, "read the extract id", chromedp.Evaluate[int64](`cadastre.extractId || 0`))
	t.Logf("extract %d of %s: verdict %s, shown as %q", id, key, verdict, shown)
	var rec struct {
		Verdict string `json:"verdict"`
	}
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/extracts/%d", base, id), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token) // extracts are read by their submitter (issue 15)
	if r, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		err = json.NewDecoder(r.Body).Decode(&rec)
		r.Body.Close()
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("GET extract %d: status %d, %v", id, r.StatusCode, err)
		}
	}
	if verdict != rec.Verdict || verdict == "" || verdict == "within_tolerance" {
		t.Errorf("verdict on the page: got %q, want the stored one %q, not within_tolerance (a vertex moved 0.8 m)", verdict, rec.Verdict)
	}
	rows := get(b, "count failing edge rows", chromedp.Evaluate[int](`document.querySelectorAll("#ex-edges tr.fail").length`))
	drawn := get(b, "count failing edges drawn", chromedp.Evaluate[int](`cadastre.map.querySourceFeatures("failing").length`))
	measured := get(b, "count measured boundary", chromedp.Evaluate[int](`cadastre.map.querySourceFeatures("measured").length`))
	if rows == 0 || drawn == 0 || measured == 0 {
		t.Errorf("failing edge rows %d, failing edges drawn %d, measured boundary features %d: want each > 0", rows, drawn, measured)
	}
	b.shot("extract.png")
}

// searchXY types the VN-2000 X/Y of a point inside p, with the zone of
// its province, and expects the panel to show p.
func (b *browser) searchXY(base string, p *spatial.Plot) {
	t := b.t
	t.Helper()
	var x, y float64
	for _, c := range p.Geometry[0][0][:len(p.Geometry[0][0])-1] {
		x += c[0]
		y += c[1]
	}
	n := float64(len(p.Geometry[0][0]) - 1)
	e, nn := x/n, y/n // the vertex mean: inside the convex sample plots
	b.do("choose X/Y", chromedp.SetValue(chromedp.CSS("#search-mode"), "xy"))
	get(b, "show the X/Y fields", chromedp.Evaluate[bool](`document.getElementById("search-mode").dispatchEvent(new Event("change"))`))
	b.do("search X/Y", chromedp.SetValue(chromedp.CSS("#q-zone"), fmt.Sprint(p.EPSG)),
		chromedp.SendKeys(chromedp.CSS("#q-x"), fmt.Sprintf("%.3f", nn)), chromedp.SendKeys(chromedp.CSS("#q-y"), fmt.Sprintf("%.3f", e)),
		chromedp.Click(chromedp.CSS("#search-go")), waitSelected(p.Key.String()), waitIdle())
	t.Logf("X %.3f Y %.3f EPSG:%d found %s", nn, e, p.EPSG, p.Key)
}

// checkSameHost asserts that every request went to the service itself
// (data: and blob: URLs stay in the page), and that none failed.
func checkSameHost(t *testing.T, base string, nl *netLog) {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	nl.mu.Lock()
	defer nl.mu.Unlock()
	if len(nl.urls) == 0 {
		t.Fatal("network log is empty")
	}
	for _, raw := range nl.urls {
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("request to an unparsable URL %q", raw)
			continue
		}
		switch {
		case u.Scheme == "data" || u.Scheme == "blob":
		case u.Scheme == "http" && u.Host == host:
		default:
			t.Errorf("request to another host: %s", raw)
		}
	}
	for _, f := range nl.failed {
		t.Errorf("request failed: %s", f)
	}
	for _, e := range nl.errs {
		t.Errorf("uncaught JavaScript exception: %s", e)
	}
	t.Logf("page network log: %d requests, all to %s (tiles come from MapLibre's workers, which the proxy sees)", len(nl.urls), host)
}

// waitIdle waits until the map has rendered everything it asked for.
func waitIdle() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Sleep(100*time.Millisecond), // let a camera change start first
		wait(`window.cadastre && cadastre.ready && cadastre.map && cadastre.map.loaded()`))
}

// waitSelected waits until the panel shows the plot with this key.
func waitSelected(id string) chromedp.Action[chromedp.Void] {
	return wait(fmt.Sprintf(`cadastre.selectedId === %q`, id))
}

// wait polls a JavaScript condition for at most 90 s.
func wait(cond string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(90*time.Second))(ctx, t)
		return err
	})
}

// plotBBox returns the lon/lat bounds of a plot from the API.
func plotBBox(t *testing.T, base, key string) [4]float64 {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/plots/" + key)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		Geometry struct {
			Coordinates [][][][2]float64 `json:"coordinates"` // MultiPolygon
		} `json:"geometry"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET plot %s: status %d, %v", key, resp.StatusCode, err)
	}
	b := [4]float64{180, 90, -180, -90}
	for _, poly := range p.Geometry.Coordinates {
		for _, ring := range poly {
			for _, c := range ring {
				b = [4]float64{min(b[0], c[0]), min(b[1], c[1]), max(b[2], c[0]), max(b[3], c[1])}
			}
		}
	}
	return b
}

// cspListener records every Content-Security-Policy violation of the page
// in window.__csp (issue 15: the policy must not break the page).
const cspListener = `window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.effectiveDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber));`

// checkCSP fails the test for any violation of the page's policy, and
// when the page came without one; the legend's swatches, styled through
// the CSSOM, must have their colours.
func (b *browser) checkCSP() {
	b.t.Helper()
	if v := get(b, "read CSP violations", chromedp.Evaluate[[]string](`window.__csp`)); len(v) > 0 {
		b.t.Errorf("Content-Security-Policy violations: %v", v)
	}
	csp := get(b, "read the page's policy", chromedp.Evaluate[string](`fetch("/", {method: "HEAD"}).then(r => r.headers.get("Content-Security-Policy") || "")`, chromedp.EvalAwaitPromise))
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
		b.t.Errorf("the page's Content-Security-Policy: got %q, want default-src 'none' and no unsafe-inline", csp)
	}
	if bg := get(b, "read a swatch colour", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#legend .sw")).backgroundColor`)); bg == "" || bg == "rgba(0, 0, 0, 0)" {
		b.t.Errorf("legend swatch background: got %q, want its colour", bg)
	}
}
