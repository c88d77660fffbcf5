package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestBrowserAuditView runs the map page's audit view on the sample
// commune (issue 18): the problems are counted in the box and drawn as a
// layer over the plots. The sample's legal areas differ from the map areas
// by up to 2 %, beyond the area tolerance for some plots.
func TestBrowserAuditView(t *testing.T) {
	exe := chromium(t)
	webDir, err := filepath.Abs(filepath.Join("..", "..", "web"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "maplibre-gl", "dist", "maplibre-gl.mjs")); err != nil {
		browserMissing(t, "MapLibre is not installed in web/node_modules (make test runs npm ci first)")
	}
	base, stop, logs := startServe(t, "--gpkg", filepath.Join(t.TempDir(), "a.gpkg"), "--web-dir", webDir, "--log-level", "warn")
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v\n%s", err, logs)
		}
	}()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelB := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancelB()
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelT()
	b := &browser{t: t, ctx: ctx, artifacts: t.TempDir(), nl: &netLog{ids: map[network.RequestID]string{}}}
	if err := chromedp.Listen(ctx, b.nl.listen); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b.do("open the page", chromedp.Navigate(base+"/"), waitIdle())
	b.do("run the audit", chromedp.Click(chromedp.CSS("#audit summary")),
		chromedp.SendKeys(chromedp.CSS("#audit-unit"), "27001"), chromedp.Click(chromedp.CSS("#audit-form button")),
		wait(`cadastre.audit !== undefined`), waitIdle())
	counts := get(b, "read the counts", chromedp.Evaluate[map[string]int](`cadastre.audit`))
	if counts["area_mismatch"] == 0 {
		t.Errorf("audit counts %v: want area mismatches", counts)
	}
	rows := get(b, "read the table", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#audit-counts td:first-child")].map(e => e.textContent)`))
	if len(rows) == 0 || rows[0] != "Diện tích pháp lý khác diện tích đo" {
		t.Errorf("audit table rows %q: want the Vietnamese name of area_mismatch first", rows)
	}
	drawn := get(b, "count drawn problems", chromedp.Evaluate[int](`cadastre.map.queryRenderedFeatures({layers: ["audit-fill"]}).length`))
	if drawn == 0 {
		t.Errorf("audit layer: no problem drawn")
	}
	t.Logf("audit counts %v, %d problem features drawn", counts, drawn)
}
