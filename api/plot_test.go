package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/api"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
	"cadastre/spatial/store/gpkg"
	"cadastre/spatial/store/storetest"
)

// newServer returns a test server over a real GeoPackage store holding one
// sheet and two plots, the second in two versions.
func newServer(t *testing.T) (*httptest.Server, []*spatial.Plot) {
	t.Helper()
	ctx := context.Background()
	st, err := gpkg.Open(ctx, filepath.Join(t.TempDir(), "api.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sh := storetest.SheetAt(t, storetest.UnitA, 7, storetest.ZoneA, 601234, 1191876)
	f := sh.Frame.Bound()
	p1 := storetest.Square(storetest.UnitA, 7, 1, storetest.ZoneA, f.Min[0]+5, f.Min[1]+5, 20)
	p2 := storetest.Square(storetest.UnitA, 7, 2, storetest.ZoneA, f.Min[0]+50, f.Min[1]+5, 30)
	b := &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{p1, p2}, Change: spatial.Change{By: "api-test", Reason: "load"}}
	if _, err := st.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	p2b := storetest.Square(storetest.UnitA, 7, 2, storetest.ZoneA, f.Min[0]+50, f.Min[1]+5, 31)
	if _, err := st.Write(ctx, &spatial.Batch{Plots: []*spatial.Plot{p2b}, Change: spatial.Change{By: "api-test", Reason: "re-measured"}}); err != nil {
		t.Fatal(err)
	}
	ix := index.New()
	if _, err := ix.Build(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Store: st, Index: ix}))
	t.Cleanup(srv.Close)
	return srv, []*spatial.Plot{p1, p2, p2b}
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestGetPlot(t *testing.T) {
	srv, plots := newServer(t)
	sheet := storetest.SheetAt(t, storetest.UnitA, 7, storetest.ZoneA, 601234, 1191876) // newServer's
	resp, body := get(t, srv.URL+"/api/v1/plots/90001/7/2")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var got api.PlotHistoryJSON
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := plots[2]
	if got.Key != want.Key || got.Version.Version != 2 || len(got.Versions) != 2 || got.Versions[1].Version.Version != 1 {
		t.Fatalf("got key %v version %d with %d versions, want %v v2 with 2", got.Key, got.Version.Version, len(got.Versions), want.Key)
	}
	if got.CRS != "EPSG:9210" || got.Area != want.Area || got.Versions[1].Area != plots[1].Area {
		t.Errorf("crs %s area %v (old %v), want EPSG:9210 %v (old %v)", got.CRS, got.Area, got.Versions[1].Area, want.Area, plots[1].Area)
	}
	if sh := got.Sheet; sh == nil || sh.Unit != "90001" || sh.Number != 7 || sh.Scale != 1000 || sh.ZoneEPSG != 9210 || sh.GridNumber != sheet.GridNumber || sh.GridNumber == "" {
		t.Errorf("sheet: got %+v, want 90001/7 at 1:1000 in EPSG:9210, grid number %q", sh, sheet.GridNumber)
	}
	if got.Reason != "re-measured" || got.Versions[1].ValidTo.IsZero() {
		t.Errorf("history: reason %q, old valid_to %v", got.Reason, got.Versions[1].ValidTo)
	}
	// The WGS 84 geometry is the plane geometry projected by crs, to 1e-8 degrees.
	z, _ := crs.ZoneByEPSG(9210)
	plane := want.Geometry[0][0][0]
	lon, lat := z.ToWGS84(plane[0], plane[1])
	mp, ok := got.Geometry.Geometry().(orb.MultiPolygon)
	if !ok || math.Abs(mp[0][0][0][0]-lon) > 1e-7 || math.Abs(mp[0][0][0][1]-lat) > 1e-7 {
		t.Errorf("WGS 84 geometry: got %s starting %v, want near (%v, %v)", got.Geometry.Type, mp[0][0][0], lon, lat)
	}
	pb := got.GeometryPlane.Geometry().Bound()
	if pb.Min != plane {
		t.Errorf("plane geometry corner: got %v, want %v", pb.Min, plane)
	}
}

func TestPlotErrors(t *testing.T) {
	srv, _ := newServer(t)
	cases := []struct {
		path   string
		status int
		field  string
	}{
		{"/api/v1/plots/90001/7/99", 404, ""},
		{"/api/v1/plots/9001/7/1", 400, "unit"},
		{"/api/v1/plots/90001/x/1", 400, "sheet"},
		{"/api/v1/plots/90001/7/-3", 400, "plot"},
		{"/api/v1/nothing", 404, ""},
	}
	for _, c := range cases {
		resp, body := get(t, srv.URL+c.path)
		if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: got %d %s, want %d problem+json", c.path, resp.StatusCode, resp.Header.Get("Content-Type"), c.status)
			continue
		}
		var p api.Problem
		if err := json.Unmarshal(body, &p); err != nil || p.Status != c.status || p.Detail == "" {
			t.Errorf("%s: bad problem %s (%v)", c.path, body, err)
		}
		if c.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: got errors %+v, want one naming %q", c.path, p.Errors, c.field)
		}
	}
	resp, _ := get(t, srv.URL+"/healthz")
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
	resp, body := get(t, srv.URL+"/readyz")
	if resp.StatusCode != 200 {
		t.Errorf("readyz: %d %s", resp.StatusCode, body)
	}
}

func TestReadyzWhenStoreClosed(t *testing.T) {
	ctx := context.Background()
	st, err := gpkg.Open(ctx, filepath.Join(t.TempDir(), "closed.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	srv := httptest.NewServer(api.New(api.Options{Store: st}))
	defer srv.Close()
	resp, body := get(t, srv.URL+"/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz on a closed store: got %d %s, want 503", resp.StatusCode, body)
	}
}
