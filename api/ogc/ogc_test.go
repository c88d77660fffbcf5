package ogc_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cadastre/api"
	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
	"cadastre/spatial/store/gpkg"
)

// fixture is a real server (the api router) over a GeoPackage holding the
// committed sample commune, loaded on 2020-01-01, with one plot
// re-measured on 2024-01-01 (two versions) and one retired then.
type fixture struct {
	srv      *httptest.Server
	store    *gpkg.Store
	ix       *index.Index
	changed  spatial.PlotKey
	retired  spatial.PlotKey
	total    int // current plots in the store
	versions int // plot versions in the store
}

var (
	loadedAt  = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	changedAt = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := gpkg.Open(ctx, filepath.Join(t.TempDir(), "ogc.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	b.Change = spatial.Change{By: "ogc-test", Reason: "sample", At: loadedAt}
	if _, err := st.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: st, changed: b.Plots[0].Key, retired: b.Plots[1].Key}
	// Re-measure plot 0: the same ring shifted by nothing but one vertex
	// moved 0.5 m inwards keeps it valid and inside its neighbours.
	p := *b.Plots[0]
	p.LegalArea = p.LegalArea + 1
	if _, err := st.Write(ctx, &spatial.Batch{Plots: []*spatial.Plot{&p}, Change: spatial.Change{By: "ogc-test", Reason: "legal area corrected", At: changedAt}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(ctx, &spatial.Batch{Retire: []spatial.PlotKey{f.retired}, Change: spatial.Change{By: "ogc-test", Reason: "merged", At: changedAt}}); err != nil {
		t.Fatal(err)
	}
	if err := st.EachPlot(ctx, func(*spatial.Plot) error { f.total++; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := st.EachPlotVersion(ctx, func(*spatial.Plot) error { f.versions++; return nil }); err != nil {
		t.Fatal(err)
	}
	f.ix = index.New()
	if _, err := f.ix.Build(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	// History public: these tests read plot-versions without a token
	// (api TestOGCHostileHostAndHistory checks the default guard).
	f.srv = httptest.NewServer(api.New(api.Options{Store: st, Index: f.ix, Access: api.Access{History: api.Public}}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) get(t *testing.T, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
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

func (f *fixture) getJSON(t *testing.T, path string, want int, v any) *http.Response {
	t.Helper()
	resp, body := f.get(t, path)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %.300s", path, resp.StatusCode, want, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, body)
		}
	}
	return resp
}

type link struct{ Href, Rel, Type string }

type featureCollection struct {
	Type           string
	NumberMatched  int
	NumberReturned int
	Links          []link
	Features       []struct {
		ID         string
		Geometry   json.RawMessage
		Properties map[string]any
	}
}

func (fc featureCollection) link(rel string) string {
	for _, l := range fc.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// path strips the server from an absolute link.
func (f *fixture) path(href string) string { return strings.TrimPrefix(href, f.srv.URL) }

// pageAll follows next links from path and returns every feature id and
// each page's numberMatched.
func (f *fixture) pageAll(t *testing.T, path string) (ids []string, matched []int) {
	t.Helper()
	for path != "" && len(matched) < 10000 {
		var fc featureCollection
		f.getJSON(t, path, 200, &fc)
		for _, ft := range fc.Features {
			ids = append(ids, ft.ID)
		}
		if fc.NumberReturned != len(fc.Features) {
			t.Fatalf("%s: numberReturned %d, features %d", path, fc.NumberReturned, len(fc.Features))
		}
		matched = append(matched, fc.NumberMatched)
		path = f.path(fc.link("next"))
	}
	return ids, matched
}

// Part 1, requirements class Core (/req/core/...).
func TestPart1Core(t *testing.T) {
	f := newFixture(t)
	t.Run("req/core/root-success", func(t *testing.T) {
		var doc struct{ Links []link }
		f.getJSON(t, "/ogc", 200, &doc)
		rels := map[string]bool{}
		for _, l := range doc.Links {
			rels[l.Rel] = true
			if !strings.HasPrefix(l.Href, "http://") {
				t.Errorf("link %q is not absolute", l.Href)
			}
		}
		for _, r := range []string{"self", "service-desc", "conformance", "data"} {
			if !rels[r] {
				t.Errorf("landing page lacks rel=%s: %v", r, doc.Links)
			}
		}
	})
	t.Run("req/core/conformance-success", func(t *testing.T) {
		var doc struct{ ConformsTo []string }
		f.getJSON(t, "/ogc/conformance", 200, &doc)
		for _, c := range []string{"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
			"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"} {
			if !strings.Contains(strings.Join(doc.ConformsTo, " "), c) {
				t.Errorf("conformance lacks %s", c)
			}
		}
	})
	t.Run("req/core/fc-md-items", func(t *testing.T) {
		var doc struct {
			Collections []struct {
				ID    string
				Links []link
			}
		}
		f.getJSON(t, "/ogc/collections", 200, &doc)
		got := map[string]bool{}
		for _, c := range doc.Collections {
			got[c.ID] = true
			var items, describedby bool
			for _, l := range c.Links {
				items = items || l.Rel == "items"
				describedby = describedby || (l.Rel == "describedby" && l.Type == "application/schema+json")
			}
			if !items || !describedby {
				t.Errorf("collection %s: items link %v, describedby link %v", c.ID, items, describedby)
			}
		}
		for _, id := range []string{"plots", "plot-versions", "sheets", "units"} {
			if !got[id] {
				t.Errorf("collection %s missing", id)
			}
		}
	})
	t.Run("req/core/sc-md", func(t *testing.T) {
		var doc struct {
			ID     string
			Extent struct{ Spatial struct{ Bbox [][]float64 } }
		}
		f.getJSON(t, "/ogc/collections/plots", 200, &doc)
		if doc.ID != "plots" || len(doc.Extent.Spatial.Bbox) != 1 || doc.Extent.Spatial.Bbox[0][0] < 102 || doc.Extent.Spatial.Bbox[0][0] > 110 {
			t.Errorf("plots collection: %+v", doc)
		}
		f.getJSON(t, "/ogc/collections/nope", 404, nil)
	})
	t.Run("req/core/fc-response", func(t *testing.T) {
		var fc featureCollection
		resp := f.getJSON(t, "/ogc/collections/plots/items", 200, &fc)
		if ct := resp.Header.Get("Content-Type"); ct != "application/geo+json" {
			t.Errorf("Content-Type %q", ct)
		}
		if fc.Type != "FeatureCollection" || fc.NumberMatched != f.total || fc.NumberReturned != 100 || fc.link("self") == "" || fc.link("next") == "" {
			t.Errorf("first page: type %q matched %d (store %d) returned %d, links %v", fc.Type, fc.NumberMatched, f.total, fc.NumberReturned, fc.Links)
		}
	})
	t.Run("req/core/fc-limit-definition", func(t *testing.T) {
		var fc featureCollection
		f.getJSON(t, "/ogc/collections/plots/items?limit=7", 200, &fc)
		if fc.NumberReturned != 7 {
			t.Errorf("limit=7 returned %d", fc.NumberReturned)
		}
		f.getJSON(t, "/ogc/collections/plots/items?limit=1000000", 200, &fc) // above the maximum: the maximum
		if fc.NumberReturned != min(f.total, 10000) {
			t.Errorf("limit above the maximum returned %d", fc.NumberReturned)
		}
		for _, bad := range []string{"0", "-3", "x", "1.5"} {
			f.getJSON(t, "/ogc/collections/plots/items?limit="+bad, 400, nil)
		}
	})
	t.Run("req/core/fc-next-1", func(t *testing.T) {
		// Paging by next links reaches every plot once, with an exact
		// numberMatched on every page.
		ids, matched := f.pageAll(t, "/ogc/collections/plots/items?limit=250")
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("plot %s on two pages", id)
			}
			seen[id] = true
		}
		if len(ids) != f.total {
			t.Errorf("paging returned %d plots, the store has %d", len(ids), f.total)
		}
		for _, m := range matched {
			if m != f.total {
				t.Errorf("numberMatched %d, want %d", m, f.total)
			}
		}
		if want := (f.total + 249) / 250; len(matched) != want {
			t.Errorf("%d pages, want %d", len(matched), want)
		}
	})
	t.Run("req/core/fc-prev", func(t *testing.T) {
		var p1, p2, back featureCollection
		f.getJSON(t, "/ogc/collections/plots/items?limit=5", 200, &p1)
		f.getJSON(t, f.path(p1.link("next")), 200, &p2)
		if p2.link("prev") == "" {
			t.Fatal("second page has no prev link")
		}
		f.getJSON(t, f.path(p2.link("prev")), 200, &back)
		if len(back.Features) != 5 || back.Features[0].ID != p1.Features[0].ID || back.Features[4].ID != p1.Features[4].ID {
			t.Errorf("prev of page 2 is not page 1: %v", back.Features)
		}
		if p1.link("prev") != "" {
			t.Errorf("first page has a prev link")
		}
	})
	t.Run("req/core/fc-bbox-response", func(t *testing.T) {
		// A bbox around one plot's plane bound: every plot the read model's
		// exact test says touches it, and no other.
		snap := f.ix.Snapshot()
		p, ok := snap.Plot(f.changed)
		if !ok {
			t.Fatal("changed plot not in the read model")
		}
		z, _ := crs.ZoneByEPSG(int(p.EPSG))
		bd := p.Geometry.Bound()
		lon0, lat0 := z.ToWGS84(bd.Min[0]+1, bd.Min[1]+1)
		lon1, lat1 := z.ToWGS84(bd.Max[0]-1, bd.Max[1]-1)
		bbox := []float64{lon0, lat0, lon1, lat1}
		ids, matched := f.pageAll(t, "/ogc/collections/plots/items?limit=3&bbox="+floats(bbox))
		if len(ids) == 0 || len(ids) > 30 || matched[0] != len(ids) {
			t.Fatalf("bbox around one plot: %d plots, numberMatched %v", len(ids), matched)
		}
		found := false
		for _, id := range ids {
			found = found || id == strings.ReplaceAll(f.changed.String(), "/", ".")
		}
		if !found {
			t.Errorf("bbox around %s does not return it: %v", f.changed, ids)
		}
		var six featureCollection
		f.getJSON(t, "/ogc/collections/plots/items?limit=100&bbox="+floats([]float64{lon0, lat0, -5, lon1, lat1, 50}), 200, &six)
		if six.NumberMatched != len(ids) {
			t.Errorf("6-number bbox matched %d, 4-number %d", six.NumberMatched, len(ids))
		}
		for _, bad := range []string{"1,2,3", "a,b,c,d", "106.7,10.8,106.6,10.7", "1,2,3,4,5"} {
			f.getJSON(t, "/ogc/collections/plots/items?bbox="+bad, 400, nil)
		}
		var far featureCollection
		f.getJSON(t, "/ogc/collections/plots/items?bbox=0,0,1,1", 200, &far)
		if far.NumberMatched != 0 || len(far.Features) != 0 {
			t.Errorf("bbox far away matched %d", far.NumberMatched)
		}
	})
	t.Run("req/core/fc-time-response", func(t *testing.T) {
		id := strings.ReplaceAll(f.changed.String(), "/", ".")
		legal := func(dt string) (float64, int) {
			var fc featureCollection
			f.getJSON(t, "/ogc/collections/plots/items?limit=10000&datetime="+url.QueryEscape(dt), 200, &fc)
			for _, ft := range fc.Features {
				if ft.ID == id {
					return ft.Properties["legal_area"].(float64), fc.NumberMatched
				}
			}
			return -1, fc.NumberMatched
		}
		before, nBefore := legal("2022-06-01T00:00:00Z")
		after, nAfter := legal("2025-01-01T00:00:00Z")
		if before < 0 || after != before+1 {
			t.Errorf("legal area of %s in 2022 %v, in 2025 %v: want the correction of 2024 to show", id, before, after)
		}
		if nBefore != f.total+1 || nAfter != f.total {
			t.Errorf("plots in 2022: %d (want %d, the retired one still there), in 2025: %d (want %d)", nBefore, f.total+1, nAfter, f.total)
		}
		if _, n := legal("2019-01-01"); n != 0 {
			t.Errorf("plots before the load: %d", n)
		}
		if _, n := legal("../2021-01-01T00:00:00Z"); n != f.total+1 {
			t.Errorf("open-start interval: %d", n)
		}
		if _, n := legal("2023-01-01/.."); n != f.total+1 {
			t.Errorf("open-end interval from 2023: %d (the retired plot existed until 2024)", n)
		}
		var vs featureCollection
		f.getJSON(t, "/ogc/collections/plot-versions/items?limit=10000", 200, &vs)
		if vs.NumberMatched != f.versions {
			t.Errorf("plot-versions: %d, store %d", vs.NumberMatched, f.versions)
		}
		for _, bad := range []string{"yesterday", "2024-13-01", "2024-02-01/2023-01-01", "/"} {
			f.getJSON(t, "/ogc/collections/plots/items?datetime="+url.QueryEscape(bad), 400, nil)
		}
	})
	t.Run("req/core/query-param-unknown", func(t *testing.T) {
		for _, p := range []string{"/ogc/collections/plots/items?foo=1", "/ogc/collections?limit=3", "/ogc?x=1", "/ogc/collections/plots/items/27002.1.1?limit=1"} {
			_, body := f.get(t, p)
			resp, _ := f.get(t, p)
			if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s", p, resp.StatusCode, body)
			}
		}
	})
	t.Run("req/core/f-success", func(t *testing.T) {
		id := strings.ReplaceAll(f.changed.String(), "/", ".")
		var ft struct {
			Type, ID   string
			Properties map[string]any
			Links      []link
		}
		resp := f.getJSON(t, "/ogc/collections/plots/items/"+id, 200, &ft)
		if ft.Type != "Feature" || ft.ID != id || ft.Properties["version"].(float64) != 2 || resp.Header.Get("ETag") == "" {
			t.Errorf("feature %s: %+v, ETag %q", id, ft, resp.Header.Get("ETag"))
		}
		var same struct{ ID string }
		f.getJSON(t, "/ogc/collections/plots/items/"+url.PathEscape(f.changed.String()), 200, &same) // percent-encoded slashes
		if same.ID != id {
			t.Errorf("percent-encoded id answered %q", same.ID)
		}
		f.getJSON(t, "/ogc/collections/plots/items/"+strings.ReplaceAll(f.retired.String(), "/", "."), 404, nil)
		f.getJSON(t, "/ogc/collections/plots/items/27002.x.1", 404, nil)
		f.getJSON(t, "/ogc/collections/plot-versions/items/"+id+".v1", 200, &ft)
		if ft.Properties["valid_to"] == nil || ft.Properties["reason"] != "sample" {
			t.Errorf("version 1 of %s: %v", id, ft.Properties)
		}
		f.getJSON(t, "/ogc/collections/sheets/items/"+f.changed.SheetKey().Unit+"."+itoa(f.changed.Sheet), 200, nil)
	})
}

// Part 1, requirements classes OpenAPI 3.0, GeoJSON and HTML.
func TestPart1Encodings(t *testing.T) {
	f := newFixture(t)
	t.Run("req/oas30/oas-definition-1", func(t *testing.T) {
		resp, body := f.get(t, "/ogc/api")
		var doc struct {
			OpenAPI string
			Paths   map[string]struct {
				Get struct {
					Parameters []struct {
						Name   string
						Schema struct {
							Maximum int
							Default any
						}
					}
				}
			}
		}
		if err := json.Unmarshal(body, &doc); err != nil || resp.StatusCode != 200 {
			t.Fatalf("/api: %d %v", resp.StatusCode, err)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/vnd.oai.openapi+json;version=3.0") || !strings.HasPrefix(doc.OpenAPI, "3.0") {
			t.Errorf("/api: Content-Type %q, openapi %q", resp.Header.Get("Content-Type"), doc.OpenAPI)
		}
		limitOK := false
		for _, p := range doc.Paths["/collections/plots/items"].Get.Parameters {
			limitOK = limitOK || (p.Name == "limit" && p.Schema.Maximum == 10000 && p.Schema.Default == float64(100))
		}
		if !limitOK {
			t.Errorf("/api declares no limit maximum for plots items")
		}
	})
	t.Run("req/geojson/content", func(t *testing.T) {
		var fc featureCollection
		f.getJSON(t, "/ogc/collections/sheets/items", 200, &fc)
		var g struct {
			Type        string
			Coordinates [][][][2]float64
		}
		if len(fc.Features) == 0 || json.Unmarshal(fc.Features[0].Geometry, &g) != nil || g.Type != "MultiPolygon" || g.Coordinates[0][0][0][0] < 102 {
			t.Errorf("sheet geometry: %s", fc.Features[0].Geometry)
		}
		var units featureCollection
		f.getJSON(t, "/ogc/collections/units/items", 200, &units)
		if units.NumberMatched == 0 || string(units.Features[0].Geometry) != "null" {
			t.Errorf("units: %d, geometry %s", units.NumberMatched, units.Features[0].Geometry)
		}
	})
	t.Run("req/html/content", func(t *testing.T) {
		for _, p := range []string{"/ogc", "/ogc/collections", "/ogc/collections/plots/items?limit=3"} {
			resp, body := f.get(t, p, "Accept", "text/html")
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<html") {
				t.Errorf("%s as HTML: %d %s", p, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		_, body := f.get(t, "/ogc/collections/plots/items?limit=3&f=html")
		if !strings.Contains(string(body), "27002.1.") {
			t.Errorf("HTML items page shows no plot ids")
		}
	})
}

// Part 2, requirements class CRS by reference (/req/crs/...).
func TestPart2CRS(t *testing.T) {
	f := newFixture(t)
	id := strings.ReplaceAll(f.changed.String(), "/", ".")
	plot, _ := f.ix.Snapshot().Plot(f.changed)
	first := plot.Geometry[0][0][0]
	coords := func(path string) ([2]float64, *http.Response) {
		var ft struct {
			Geometry struct{ Coordinates [][][][2]float64 }
		}
		resp := f.getJSON(t, path, 200, &ft)
		return ft.Geometry.Coordinates[0][0][0], resp
	}
	t.Run("req/crs/fc-md-crs-list", func(t *testing.T) {
		var doc struct {
			CRS        []string
			StorageCrs string
		}
		f.getJSON(t, "/ogc/collections/plots", 200, &doc)
		list := strings.Join(doc.CRS, " ")
		for _, z := range crs.Zones() {
			if !strings.Contains(list, "http://www.opengis.net/def/crs/EPSG/0/"+itoa(z.EPSG)) {
				t.Errorf("crs list lacks zone %d", z.EPSG)
			}
		}
		if doc.CRS[0] != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" || !strings.Contains(list, "/EPSG/0/3857") {
			t.Errorf("crs list %v", doc.CRS)
		}
		if doc.StorageCrs != "http://www.opengis.net/def/crs/EPSG/0/"+itoa(int(plot.EPSG)) {
			t.Errorf("storageCrs %q, the sample is on %d", doc.StorageCrs, plot.EPSG)
		}
	})
	t.Run("req/crs/fc-crs-response", func(t *testing.T) {
		zone := "http://www.opengis.net/def/crs/EPSG/0/" + itoa(int(plot.EPSG))
		c, resp := coords("/ogc/collections/plots/items/" + id + "?crs=" + url.QueryEscape(zone))
		if math.Abs(c[0]-first[0]) > 0.0005 || math.Abs(c[1]-first[1]) > 0.0005 || c[0] != math.Round(c[0]*1000)/1000 {
			t.Errorf("plane coordinates %v, stored %v: want them to the millimetre", c, first)
		}
		if h := resp.Header.Get("Content-Crs"); h != "<"+zone+">" {
			t.Errorf("Content-Crs %q", h)
		}
		ll, resp := coords("/ogc/collections/plots/items/" + id)
		if resp.Header.Get("Content-Crs") != "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>" {
			t.Errorf("default Content-Crs %q", resp.Header.Get("Content-Crs"))
		}
		latlon, _ := coords("/ogc/collections/plots/items/" + id + "?crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4326"))
		if latlon[0] != ll[1] || latlon[1] != ll[0] || ll[0] < 100 {
			t.Errorf("EPSG:4326 %v should be CRS84 %v with lat first", latlon, ll)
		}
		m, _ := coords("/ogc/collections/plots/items/" + id + "?crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/3857"))
		if x, y := crs.LonLatToMercator(ll[0], ll[1]); math.Abs(m[0]-x) > 0.01 || math.Abs(m[1]-y) > 0.01 {
			t.Errorf("3857 %v, want %v,%v", m, x, y)
		}
	})
	t.Run("req/crs/fc-crs-valid-value", func(t *testing.T) {
		for _, ok := range []string{"[EPSG:9210]", "EPSG:9210", "urn:ogc:def:crs:EPSG::4326", "[OGC:CRS84]"} {
			f.getJSON(t, "/ogc/collections/plots/items?limit=1&crs="+url.QueryEscape(ok), 200, nil)
		}
		for _, bad := range []string{"EPSG:2154", "http://www.opengis.net/def/crs/EPSG/0/2154", "foo", "[EPSG:9210"} {
			f.getJSON(t, "/ogc/collections/plots/items?crs="+url.QueryEscape(bad), 400, nil)
			f.getJSON(t, "/ogc/collections/plots/items?bbox=1,2,3,4&bbox-crs="+url.QueryEscape(bad), 400, nil)
		}
	})
	t.Run("req/crs/fc-bbox-crs-action", func(t *testing.T) {
		// The same area as plane metres, as lat/lon (EPSG:4326) and as
		// CRS84 matches the same plots.
		bd := plot.Geometry.Bound()
		z, _ := crs.ZoneByEPSG(int(plot.EPSG))
		lon0, lat0 := z.ToWGS84(bd.Min[0]+1, bd.Min[1]+1)
		lon1, lat1 := z.ToWGS84(bd.Max[0]-1, bd.Max[1]-1)
		var a, b, c featureCollection
		f.getJSON(t, "/ogc/collections/plots/items?bbox="+floats([]float64{lon0, lat0, lon1, lat1}), 200, &a)
		f.getJSON(t, "/ogc/collections/plots/items?bbox="+floats([]float64{lat0, lon0, lat1, lon1})+"&bbox-crs="+url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4326"), 200, &b)
		f.getJSON(t, "/ogc/collections/plots/items?bbox="+floats([]float64{bd.Min[0] + 1, bd.Min[1] + 1, bd.Max[0] - 1, bd.Max[1] - 1})+"&bbox-crs="+url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/"+itoa(int(plot.EPSG))), 200, &c)
		if a.NumberMatched == 0 || a.NumberMatched != b.NumberMatched || a.NumberMatched > c.NumberMatched+2 || c.NumberMatched > a.NumberMatched+2 {
			t.Errorf("bbox in CRS84 %d, EPSG:4326 %d, plane %d", a.NumberMatched, b.NumberMatched, c.NumberMatched)
		}
	})
}

func floats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconvF(x)
	}
	return strings.Join(s, ",")
}
