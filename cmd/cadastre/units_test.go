package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/crs"
)

// TestServeHoldsUnits: serve --units 27002 holds only that unit's plots.
// A plot of another unit is 421 naming the held units; a lon/lat lookup
// outside them too; the TileJSON bounds are those of 27002's plots,
// smaller than those of an instance holding every unit.
func TestServeHoldsUnits(t *testing.T) {
	gpkgPath := filepath.Join(t.TempDir(), "c.gpkg")
	all, stopAll, _ := startServe(t, "--gpkg", gpkgPath) // loads the sample
	defer stopAll()
	one, stopOne, logs := startServe(t, "--gpkg", gpkgPath, "--load-sample=false", "--units", "27002")
	defer func() {
		stopOne()
		if t.Failed() {
			t.Logf("serve --units:\n%s", logs)
		}
	}()
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	var in, out *spatial.Plot
	for _, p := range b.Plots {
		if p.Key.Unit == "27002" && in == nil {
			in = p
		}
		if p.Key.Unit == "27003" && out == nil {
			out = p
		}
	}
	if in == nil || out == nil {
		t.Fatal("the sample lacks plots of 27003 or 27002")
	}
	get := func(base, path string) (*http.Response, map[string]any) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp, body
	}
	keyPath := func(k spatial.PlotKey) string { return fmt.Sprintf("/api/v1/plots/%s/%d/%d", k.Unit, k.Sheet, k.Plot) }

	resp, body := get(one, keyPath(out.Key))
	if resp.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(fmt.Sprint(body["detail"]), "holds units 27002") {
		t.Fatalf("plot %s of a unit not held: %d %v, want 421 naming 27002", out.Key, resp.StatusCode, body)
	}
	if resp, _ := get(one, keyPath(in.Key)); resp.StatusCode != http.StatusOK || resp.Header.Get("Cadastre-Units") != "27002" {
		t.Fatalf("plot %s of the held unit: %d, Cadastre-Units %q", in.Key, resp.StatusCode, resp.Header.Get("Cadastre-Units"))
	}
	if resp, _ := get(all, keyPath(out.Key)); resp.StatusCode != http.StatusOK || resp.Header.Get("Cadastre-Units") != "" {
		t.Fatalf("the instance holding every unit answers %s with %d, Cadastre-Units %q", out.Key, resp.StatusCode, resp.Header.Get("Cadastre-Units"))
	}

	bounds := func(base string) [4]float64 {
		_, tj := get(base, "/tiles/plots.json")
		bs, _ := tj["bounds"].([]any)
		if len(bs) != 4 {
			t.Fatalf("TileJSON of %s without bounds: %v", base, tj)
		}
		var b [4]float64
		for i := range b {
			b[i] = bs[i].(float64)
		}
		return b
	}
	z, _ := crs.ZoneByEPSG(9210)
	lonLat := func(p *spatial.Plot) orb.Point {
		c := p.Geometry.Bound().Center()
		lon, lat := z.ToWGS84(c[0], c[1])
		return orb.Point{lon, lat}
	}
	held, every := bounds(one), bounds(all)
	hb := orb.Bound{Min: orb.Point{held[0], held[1]}, Max: orb.Point{held[2], held[3]}}
	eb := orb.Bound{Min: orb.Point{every[0], every[1]}, Max: orb.Point{every[2], every[3]}}
	if hb == eb || !eb.Contains(hb.Min) || !eb.Contains(hb.Max) {
		t.Fatalf("TileJSON bounds of the 27002 instance %v, of every unit %v: want smaller, inside", held, every)
	}
	for _, p := range b.Plots {
		if p.Key.Unit == "27002" && !hb.Contains(lonLat(p)) {
			t.Fatalf("plot %s of the held unit is outside the TileJSON bounds %v", p.Key, held)
		}
	}
	var far *spatial.Plot
	for _, p := range b.Plots {
		if p.Key.Unit != "27002" && !hb.Pad(0.01).Contains(lonLat(p)) {
			far = p
			break
		}
	}
	if far == nil {
		t.Fatal("no plot of another unit lies outside the held bounds")
	}
	pt := lonLat(far)
	resp, body = get(one, fmt.Sprintf("/api/v1/plots/at?lon=%.7f&lat=%.7f", pt[0], pt[1]))
	if resp.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(fmt.Sprint(body["detail"]), "27002") {
		t.Fatalf("lookup at %v (a plot of %s): %d %v, want 421 naming 27002", pt, far.Key.Unit, resp.StatusCode, body)
	}
	pt = lonLat(in)
	resp, body = get(one, fmt.Sprintf("/api/v1/plots/at?lon=%.7f&lat=%.7f", pt[0], pt[1]))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("lookup inside the held unit: %d %v", resp.StatusCode, body)
	}
	plots, _ := body["plots"].([]any)
	for _, q := range plots {
		if id := fmt.Sprint(q.(map[string]any)["id"]); !strings.HasPrefix(id, "27002/") {
			t.Fatalf("the 27002 instance answered plot %s", id)
		}
	}
	if _, err := run(t, "serve", "--gpkg", gpkgPath, "--units", "27002,123"); err == nil || !strings.Contains(err.Error(), `"123"`) {
		t.Fatalf("serve --units 27002,123: %v, want a usage error naming 123", err)
	}
	if _, err := run(t, "serve", "--gpkg", gpkgPath, "--load-sample=false", "--units", "Tỉnh Không Có"); err == nil || !strings.Contains(err.Error(), `no unit of province "Tỉnh Không Có"`) {
		t.Fatalf("serve --units with an unknown province: %v, want a usage error naming it", err)
	}
}

// TestServeHoldsProvince: --units with a province name holds every unit
// the store lists under it, former units too.
func TestServeHoldsProvince(t *testing.T) {
	gpkgPath := filepath.Join(t.TempDir(), "c.gpkg")
	base, stop, logs := startServe(t, "--gpkg", gpkgPath, "--units", sampledata.ProvinceName)
	defer stop()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Cadastre-Units"); got != "27001,27002,27003" {
		t.Fatalf("serve --units %q holds %q, want 27001,27002,27003\n%s", sampledata.ProvinceName, got, logs)
	}
}
