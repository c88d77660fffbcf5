package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"cadastre/api"
	"cadastre/spatial"
	"cadastre/spatial/audit"
	"cadastre/spatial/index"
	"cadastre/spatial/store/gpkg"
	"cadastre/spatial/store/storetest"
)

// newAuditServer stores one sheet with two plots, the second with a legal
// area 50 m² off its map area, then re-measured once (two versions).
func newAuditServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	st, err := gpkg.Open(ctx, filepath.Join(t.TempDir(), "audit.gpkg"))
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
	p2b := storetest.Square(storetest.UnitA, 7, 2, storetest.ZoneA, f.Min[0]+50, f.Min[1]+5, 30)
	p2b.LegalArea += 50
	if _, err := st.Write(ctx, &spatial.Batch{Plots: []*spatial.Plot{p2b}, Change: spatial.Change{By: "api-test", Reason: "papers entered"}}); err != nil {
		t.Fatal(err)
	}
	ix := index.New()
	if _, err := ix.Build(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Store: st, Index: ix}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAuditAPI(t *testing.T) {
	srv := newAuditServer(t)
	for _, unit := range []string{"", storetest.UnitB, storetest.UnitA} {
		resp, body := get(t, srv.URL+"/api/v1/audit?unit="+unit)
		if resp.StatusCode != 200 {
			t.Fatalf("unit %q: status %d: %s", unit, resp.StatusCode, body)
		}
		var rep audit.Report
		if err := json.Unmarshal(body, &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) != 1 || rep.Problems[0].Kind != audit.AreaMismatch || rep.Problems[0].Plot != 2 || rep.Problems[0].Measure != -50 {
			t.Fatalf("unit %q: got %+v, want one area mismatch of -50 m² on plot 2", unit, rep.Problems)
		}
		if len(rep.Communes) != 1 || rep.Communes[0].Plots != 2 || rep.Communes[0].CleanPlots != 1 || rep.Communes[0].CleanShare != 0.5 {
			t.Errorf("unit %q: communes %+v, want one with 2 plots, 1 clean", unit, rep.Communes)
		}
	}
	resp, body := get(t, srv.URL+"/api/v1/audit?format=csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "\uFEFFcommune,") || !strings.Contains(string(body), "area_mismatch") {
		t.Errorf("csv: status %d, body %q", resp.StatusCode, body)
	}
	resp, body = get(t, srv.URL+"/api/v1/audit?format=geojson")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json" || !strings.Contains(string(body), `"type":"MultiPolygon"`) {
		t.Errorf("geojson: status %d %s, body %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for q, want := range map[string]int{"unit=12": 400, "unit=99999": 404, "format=xml": 400} {
		if resp, body := get(t, srv.URL+"/api/v1/audit?"+q); resp.StatusCode != want || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: status %d %s, want %d problem+json: %s", q, resp.StatusCode, resp.Header.Get("Content-Type"), want, body)
		}
	}
}

func TestAuditProgressAPI(t *testing.T) {
	srv := newAuditServer(t)
	resp, body := get(t, srv.URL+"/api/v1/audit/progress?unit="+storetest.UnitB)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var got api.ProgressResponse
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	// Both writes happen today: one day, two plots, one clean at its end.
	if len(got.Points) != 1 || got.Points[0].Plots != 2 || got.Points[0].CleanPlots != 1 {
		t.Errorf("got %+v, want one day with 2 plots, 1 clean", got.Points)
	}
	if resp, _ := get(t, srv.URL+"/api/v1/audit/progress"); resp.StatusCode != 400 {
		t.Errorf("no unit: status %d, want 400", resp.StatusCode)
	}
}
