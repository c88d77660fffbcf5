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
	"time"

	"cadastre/api"
	"cadastre/spatial"
	"cadastre/spatial/audit"
	"cadastre/spatial/index"
	"cadastre/spatial/store/gpkg"
	"cadastre/spatial/store/storetest"
)

// TestPlotAcrossMerger: after 90001's sheet 7 became 90002's sheet 2, the
// former key answers the current plot (not its retired version, never
// 404) with both identities, and the current key names its former one.
func TestPlotAcrossMerger(t *testing.T) {
	ctx := context.Background()
	st, err := gpkg.Open(ctx, filepath.Join(t.TempDir(), "m.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sa := storetest.SheetAt(t, storetest.UnitA, 7, storetest.ZoneA, 601234, 1191876)
	sb := storetest.SheetAt(t, storetest.UnitB, 1, storetest.ZoneA, 602234, 1191876)
	p1 := storetest.Square(storetest.UnitA, 7, 1, storetest.ZoneA, sa.Frame.Bound().Min[0]+5, sa.Frame.Bound().Min[1]+5, 20)
	if _, err := st.Write(ctx, &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sa, sb}, Plots: []*spatial.Plot{p1}, Change: spatial.Change{By: "t", Reason: "t", At: time.Date(2025, 1, 2, 8, 0, 0, 0, time.UTC)}}); err != nil {
		t.Fatal(err)
	}
	plan, err := spatial.PlanMergeIn(ctx, st, spatial.SchemeContinue, storetest.UnitB, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spatial.ApplyMerge(ctx, st, plan, spatial.Change{By: "t", Reason: "merger"}, false); err != nil {
		t.Fatal(err)
	}
	ix := index.New()
	if _, err := ix.Build(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Store: st, Index: ix}))
	t.Cleanup(srv.Close)
	cur := spatial.PlotKey{Unit: storetest.UnitB, Sheet: 2, Plot: 1}
	for _, path := range []string{"90001/7/1", "90002/2/1"} {
		resp, body := get(t, srv.URL+"/api/v1/plots/"+path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d: %s", path, resp.StatusCode, body)
		}
		var got api.PlotHistoryJSON
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if got.Key != cur || got.Retired || got.Identities == nil || got.Identities.Current != cur ||
			len(got.Identities.Former) != 1 || got.Identities.Former[0].From != p1.Key {
			t.Errorf("%s: key %s retired %v identities %+v; want the current %s with former %s", path, got.Key, got.Retired, got.Identities, cur, p1.Key)
		}
		if got.Identities != nil && got.Identities.Requested.String() != path {
			t.Errorf("%s: requested %s", path, got.Identities.Requested)
		}
		if got.Sheet == nil || got.Sheet.Unit != cur.Unit || got.Sheet.Number != cur.Sheet {
			t.Errorf("%s: sheet %+v, want %s", path, got.Sheet, cur.SheetKey())
		}
	}
	// The former sheet 90001/7 is empty now: the audit knows it was
	// renumbered; 90002/1 has never had a plot.
	if resp, body := get(t, srv.URL+"/api/v1/audit"); resp.StatusCode != 200 || strings.Contains(string(body), `"unit":"90001"`) || !strings.Contains(string(body), `"kind":"empty_sheet","commune":"90002","unit":"90002","sheet":1`) {
		t.Errorf("audit after the merger: status %d: %s", resp.StatusCode, body)
	}
	// The progress begins with the former key's history (loaded 2025-01-02).
	resp, body := get(t, srv.URL+"/api/v1/audit/progress?unit=90002")
	var prog api.ProgressResponse
	if err := json.Unmarshal(body, &prog); err != nil || resp.StatusCode != 200 || len(prog.Points) != 2 ||
		prog.Points[0] != (audit.Point{Day: "2025-01-02", Plots: 1, CleanPlots: 1, CleanShare: 1}) || prog.Points[1].Plots != 1 {
		t.Errorf("progress after the merger: status %d %+v, want 2025-01-02 and today, one plot each", resp.StatusCode, prog.Points)
	}
	if resp, _ := get(t, srv.URL+"/api/v1/plots/90001/7/9"); resp.StatusCode != 404 {
		t.Errorf("a key never used: status %d, want 404", resp.StatusCode)
	}
}
