package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/api"
	"cadastre/internal/pgtest"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/extract"
	"cadastre/spatial/extract/extracttest"
	"cadastre/spatial/index"
	"cadastre/spatial/store/gpkg"
	"cadastre/spatial/store/postgis"
	"cadastre/spatial/store/storetest"
	"cadastre/tiles"
)

// extractEnv is a server over a real GeoPackage with two neighbouring
// plots (1 and 2 share an edge), a retired plot 3, and two tokens.
type extractEnv struct {
	srv                 *httptest.Server
	surveyor, registrar string
	p1                  *spatial.Plot
	e0, n0              float64 // south-west corner of plot 1
	st                  extractStore
}

// extractStore is what the extract tests need of a store.
type extractStore interface {
	spatial.Store
	spatial.Tokens
}

func openGPKG(t *testing.T) extractStore {
	st, err := gpkg.Open(context.Background(), filepath.Join(t.TempDir(), "extract.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func openPostGIS(t *testing.T) extractStore {
	st, err := postgis.Open(context.Background(), pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func newExtractEnv(t *testing.T) *extractEnv { return newExtractEnvOn(t, openGPKG(t)) }

func newExtractEnvOn(t *testing.T, st extractStore) *extractEnv {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() { st.Close() })
	sh := storetest.SheetAt(t, storetest.UnitA, 7, storetest.ZoneA, 601234, 1191876)
	f := sh.Frame.Bound()
	e0, n0 := f.Min[0]+5, f.Min[1]+5
	p1 := storetest.Square(storetest.UnitA, 7, 1, storetest.ZoneA, e0, n0, 20)
	p2 := storetest.Square(storetest.UnitA, 7, 2, storetest.ZoneA, e0+20, n0, 20)
	p3 := storetest.Square(storetest.UnitA, 7, 3, storetest.ZoneA, e0+60, n0, 20)
	p5 := extracttest.CasePlots(storetest.UnitA, 7, storetest.ZoneA, e0, n0)[2] // legal area apart from the map area
	b := &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{p1, p2, p3, p5}, Change: spatial.Change{By: "test", Reason: "load"}}
	if _, err := st.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(ctx, &spatial.Batch{Retire: []spatial.PlotKey{p3.Key}, Change: spatial.Change{By: "test", Reason: "split"}}); err != nil {
		t.Fatal(err)
	}
	env := &extractEnv{p1: p1, e0: e0, n0: n0, st: st}
	env.surveyor, env.registrar = token(t, st, spatial.RoleSurveyor), token(t, st, spatial.RoleRegistrar)
	ix := index.New()
	if _, err := ix.Build(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	tc, err := tiles.NewCache(ix, tiles.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env.srv = httptest.NewServer(api.New(api.Options{Store: st, Index: ix, Tiles: tc, OnTouched: []func([]index.Touched){tc.Invalidate},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(env.srv.Close)
	return env
}

// tileURL is the plots tile at zoom 19 over a plane point of zone 9210.
func (env *extractEnv) tileURL(e, n float64) string {
	z, _ := crs.ZoneByEPSG(storetest.ZoneA)
	lon, lat := z.ToWGS84(e, n)
	return tileURL(env.srv, "plots", maptile.At(orb.Point{lon, lat}, 19), "pbf")
}

func token(t *testing.T, st spatial.Tokens, role spatial.Role) string {
	secret, hash, err := spatial.NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(context.Background(), &spatial.Token{Name: string(role) + " one", Role: role, Hash: hash, CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	return secret
}

func (env *extractEnv) post(t *testing.T, path, tok string, body any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, env.srv.URL+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// table writes plot 1 as a coordinate table (X = northing first), its
// east edge moved by de metres.
func (env *extractEnv) table(de float64) string {
	e, n := env.e0, env.n0
	return fmt.Sprintf("point,x,y\n101,%.3f,%.3f\n102,%.3f,%.3f\n103,%.3f,%.3f\n104,%.3f,%.3f\n",
		n, e, n, e+20+de, n+20.2, e+20+de, n+20.2, e)
}

func (env *extractEnv) request(table string) map[string]any {
	return map[string]any{"plot": env.p1.Key, "scale": "1:1000", "profile": "circular-26-2024", "table": table}
}

func TestExtractEndToEnd(t *testing.T) {
	for _, c := range []struct {
		name string
		open func(*testing.T) extractStore
	}{{"gpkg", openGPKG}, {"postgis", openPostGIS}} {
		t.Run(c.name, func(t *testing.T) { extractEndToEnd(t, newExtractEnvOn(t, c.open(t))) })
	}
}

func extractEndToEnd(t *testing.T, env *extractEnv) {
	// The east edge moved 1 m west, away from plot 2: a changed boundary.
	code, body := env.post(t, "/api/v1/extracts", env.surveyor, env.request(env.table(-1)))
	if code != http.StatusCreated {
		t.Fatalf("submit: got %d %s, want 201", code, body)
	}
	var rec extract.Record
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatal(err)
	}
	var rep extract.Report
	if err := json.Unmarshal(rec.Report, &rep); err != nil {
		t.Fatal(err)
	}
	if rec.Status != extract.StatusValidated || rep.Verdict != extract.BoundaryChanged || len(rep.Gaps) != 1 || rep.Gaps[0].Key.Plot != 2 {
		t.Fatalf("report: got %s %s gaps %v, want validated boundary_changed with a gap against plot 2 (%q)", rec.Status, rep.Verdict, rep.Gaps, rep.Reasons)
	}
	auth := []string{"Authorization", "Bearer " + env.surveyor} // the submitter reads it (issue 15)
	resp, body := fetch(t, http.MethodGet, fmt.Sprintf("%s/api/v1/extracts/%d", env.srv.URL, rec.ID), auth...)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"boundary_changed"`) {
		t.Fatalf("GET extract: %d %s", resp.StatusCode, body)
	}
	resp, body = fetch(t, http.MethodGet, fmt.Sprintf("%s/api/v1/extracts/%d/report.svg", env.srv.URL, rec.ID), auth...)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(body), `class="neighbour"`) {
		t.Fatalf("report.svg: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if dir := os.Getenv("CADASTRE_TEST_SVG_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "extract.svg"), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A point 0.5 m inside the old east edge is in plot 1 before, not after.
	at := fmt.Sprintf("%s/api/v1/plots/at?x=%.3f&y=%.3f&crs=EPSG:9210", env.srv.URL, env.e0+19.5, env.n0+10)
	if _, body := get(t, at); !strings.Contains(string(body), `"plot":1`) {
		t.Fatalf("before: plot 1 not found at the point: %s", body)
	}
	tile := env.tileURL(env.e0+19.5, env.n0+10)
	_, before := fetch(t, http.MethodGet, tile)
	if code, body := env.post(t, fmt.Sprintf("/api/v1/extracts/%d/decision", rec.ID), env.surveyor, map[string]any{"accept": true}); code != http.StatusForbidden {
		t.Errorf("decision by a surveyor: got %d %s, want 403", code, body)
	}
	code, body = env.post(t, fmt.Sprintf("/api/v1/extracts/%d/decision", rec.ID), env.registrar, map[string]any{"accept": true, "reason": "neighbours agree"})
	if code != http.StatusOK {
		t.Fatalf("accept: got %d %s", code, body)
	}
	if err := json.Unmarshal(body, &rec); err != nil || rec.Status != extract.StatusAccepted || len(rec.Decisions) != 1 || rec.Decisions[0].PlotVersion != 2 {
		t.Fatalf("after accept: got %+v (%v), want accepted with one decision creating version 2", rec, err)
	}
	if _, body := get(t, at); strings.Contains(string(body), `"plot":1`) {
		t.Errorf("after: plot 1 still found 0.5 m inside its old east edge: %s", body)
	}
	if _, after := fetch(t, http.MethodGet, tile); len(before) == 0 || bytes.Equal(before, after) {
		t.Errorf("the plots tile at the changed edge did not change (%d bytes before)", len(before))
	}
	_, body = get(t, env.srv.URL+"/api/v1/plots/90001/7/1")
	var h struct {
		Version  int `json:"version"`
		Reason   string
		Area     float64
		Versions []struct {
			Version int     `json:"version"`
			Area    float64 `json:"area"`
		}
	}
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatal(err)
	}
	if h.Version != 2 || !strings.Contains(h.Reason, fmt.Sprintf("extract %d accepted", rec.ID)) || len(h.Versions) != 2 || h.Versions[1].Area != 404 || h.Area != 383.8 {
		t.Errorf("plot history: got %s", body)
	}
	if code, body := env.post(t, fmt.Sprintf("/api/v1/extracts/%d/decision", rec.ID), env.registrar, map[string]any{"accept": false, "reason": "x"}); code != http.StatusConflict {
		t.Errorf("second decision: got %d %s, want 409", code, body)
	}
}

func TestExtractRejectAndErrors(t *testing.T) {
	env := newExtractEnv(t)
	code, body := env.post(t, "/api/v1/extracts", env.surveyor, env.request(env.table(0.01)))
	var rec extract.Record
	if code != http.StatusCreated || json.Unmarshal(body, &rec) != nil || rec.Verdict != extract.WithinTolerance {
		t.Fatalf("submit: got %d %s, want 201 within_tolerance", code, body)
	}
	dec := fmt.Sprintf("/api/v1/extracts/%d/decision", rec.ID)
	if code, body := env.post(t, dec, env.registrar, map[string]any{"accept": false}); code != http.StatusBadRequest || !strings.Contains(string(body), `"field":"reason"`) {
		t.Errorf("reject without reason: got %d %s, want 400 naming reason", code, body)
	}
	if code, body := env.post(t, dec, env.registrar, map[string]any{"accept": false, "reason": "stated area missing"}); code != http.StatusOK || !strings.Contains(string(body), `"rejected"`) {
		t.Errorf("reject: got %d %s", code, body)
	}
	key := func(plot int) spatial.PlotKey { return spatial.PlotKey{Unit: storetest.UnitA, Sheet: 7, Plot: plot} }
	dup := "point,x,y\n1,1192000,600000\n2,1192000,600010\n2,1192010,600010\n"
	for _, c := range []struct {
		name   string
		tok    string
		change func(map[string]any)
		status int
		want   string
	}{
		{"no token", "", func(map[string]any) {}, 401, ""},
		{"registrar token", env.registrar, func(map[string]any) {}, 403, ""},
		{"unknown plot", env.surveyor, func(m map[string]any) { m["plot"] = key(99) }, 404, ""},
		{"retired plot", env.surveyor, func(m map[string]any) { m["plot"] = key(3) }, 409, "retired"},
		{"bad scale", env.surveyor, func(m map[string]any) { m["scale"] = "1:750" }, 400, `"field":"scale"`},
		{"unknown field", env.surveyor, func(m map[string]any) { m["stated_are"] = 12.5 }, 400, "stated_are"},
		{"bad profile", env.surveyor, func(m map[string]any) { m["profile"] = "circular-99" }, 400, `"field":"profile"`},
		{"both boundaries", env.surveyor, func(m map[string]any) { m["boundary"] = map[string]any{"type": "Polygon"} }, 400, `"field":"boundary"`},
		{"repeated point", env.surveyor, func(m map[string]any) { m["table"] = dup }, 422, `"feature":"point 2"`},
		{"open ring", env.surveyor, func(m map[string]any) {
			delete(m, "table")
			m["boundary"] = map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{600000, 1192000}, {600010, 1192000}, {600010, 1192010}}}}
		}, 422, "not closed"},
	} {
		req := env.request(env.table(0))
		c.change(req)
		code, body := env.post(t, "/api/v1/extracts", c.tok, req)
		if code != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: got %d %s, want %d with %s", c.name, code, body, c.status, c.want)
		}
	}
}

// A boundary measured in another zone is converted to the plot's zone,
// and the report says so.
func TestExtractOtherZone(t *testing.T) {
	env := newExtractEnv(t)
	from, _ := crs.ZoneByEPSG(storetest.ZoneA)
	to, _ := crs.ZoneByEPSG(9209)
	var rows strings.Builder
	rows.WriteString("point,x,y\n")
	for i, c := range [][2]float64{{0, 0}, {20, 0}, {20, 20.2}, {0, 20.2}} {
		e, n := to.FromWGS84(from.ToWGS84(env.e0+c[0], env.n0+c[1]))
		fmt.Fprintf(&rows, "%d,%.4f,%.4f\n", i+1, n, e)
	}
	req := env.request(rows.String())
	req["crs"] = "EPSG:9209"
	code, body := env.post(t, "/api/v1/extracts", env.surveyor, req)
	var rec extract.Record
	var rep extract.Report
	if code != http.StatusCreated || json.Unmarshal(body, &rec) != nil || json.Unmarshal(rec.Report, &rep) != nil {
		t.Fatalf("submit: got %d %s", code, body)
	}
	if rep.Verdict != extract.WithinTolerance || len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "converted from EPSG:9209") {
		t.Errorf("got %s notes %q, want within_tolerance and a conversion note", rep.Verdict, rep.Notes)
	}
}

// TestExtractWhileReadModelLoads: until the read model is built, a
// submission is 503 with Retry-After and nothing is stored, rather than a
// report missing its neighbours' overlaps and gaps.
func TestExtractWhileReadModelLoads(t *testing.T) {
	env := newExtractEnv(t)
	srv := httptest.NewServer(api.New(api.Options{Store: env.st, Index: index.New(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	env.srv = srv
	code, body := env.post(t, "/api/v1/extracts", env.surveyor, env.request(env.table(0)))
	if code != http.StatusServiceUnavailable || !strings.Contains(string(body), "neighbours") {
		t.Fatalf("submission while the read model loads: got %d %s, want 503 saying why", code, body)
	}
	if _, err := env.st.(extract.Store).Extract(context.Background(), 1); spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("an extract was stored during the load: %v", err)
	}
}
