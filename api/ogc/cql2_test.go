package ogc_test

import (
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// oracle lists, in key order, the ids of the read model's plots for
// which keep is true: the expected answer, computed without the filter
// code.
func oracle(ix *index.Index, keep func(*index.Plot) bool) []string {
	var ids []string
	ix.Snapshot().AscendPlots(spatialKeyZero, func(p *index.Plot) bool {
		if keep(p) {
			ids = append(ids, strings.ReplaceAll(p.Key.String(), "/", "."))
		}
		return true
	})
	return ids
}

// filtered pages through the plots matching a filter.
func (f *fixture) filtered(t *testing.T, filter string, extra ...string) []string {
	t.Helper()
	q := url.Values{"filter": {filter}, "limit": {"500"}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	ids, matched := f.pageAll(t, "/ogc/collections/plots/items?"+q.Encode())
	for _, m := range matched {
		if m != len(ids) {
			t.Errorf("filter %s: numberMatched %d, %d features", filter, m, len(ids))
		}
	}
	return ids
}

func (f *fixture) expectFilter(t *testing.T, filter string, keep func(*index.Plot) bool, extra ...string) {
	t.Helper()
	want := oracle(f.ix, keep)
	got := f.filtered(t, filter, extra...)
	if !slices.Equal(got, want) {
		t.Errorf("filter %s: %d plots, the read model says %d (first got %v, want %v)", filter, len(got), len(want), head(got), head(want))
	}
	if len(want) == 0 || len(want) == f.total {
		t.Errorf("filter %s selects %d of %d plots: the test proves nothing", filter, len(want), f.total)
	}
}

func head(s []string) []string { return s[:min(3, len(s))] }

func has(l []string, c string) bool { return slices.Contains(l, c) }

// Part 3, requirements classes Filter, Features Filter and Queryables.
func TestPart3Filter(t *testing.T) {
	f := newFixture(t)
	t.Run("req/queryables/get-queryables-response", func(t *testing.T) {
		var q struct {
			Type       string
			Properties map[string]map[string]any
		}
		f.getJSON(t, "/ogc/collections/plots/queryables", 200, &q)
		if q.Type != "object" || q.Properties["land_use"]["type"] != "array" || q.Properties["legal_area"]["type"] != "number" || q.Properties["geometry"] == nil {
			t.Errorf("queryables: %+v", q)
		}
	})
	t.Run("req/filter/filter-param", func(t *testing.T) {
		f.expectFilter(t, "legal_area > 1000", func(p *index.Plot) bool { return p.LegalArea > 1000 })
	})
	t.Run("req/filter/filter-lang-param", func(t *testing.T) {
		f.expectFilter(t, `{"op":">","args":[{"property":"legal_area"},1000]}`, func(p *index.Plot) bool { return p.LegalArea > 1000 }, "filter-lang", "cql2-json")
		f.expectFilter(t, "legal_area > 1000", func(p *index.Plot) bool { return p.LegalArea > 1000 }, "filter-lang", "cql2-text")
		f.getJSON(t, "/ogc/collections/plots/items?filter=a&filter-lang=sql", 400, nil)
		f.getJSON(t, "/ogc/collections/plots/items?filter-lang=cql2-text", 400, nil)
	})
	t.Run("req/filter/response", func(t *testing.T) {
		for _, bad := range []string{"nope = 1", "legal_area > 'x'", "legal_area >", "(legal_area > 1", "S_CROSSES(geometry, POINT(1 2))",
			"legal_area LIKE 'x%'", "FOO(legal_area) = 1", "land_use = 'ONT'", strings.Repeat("(", 500) + "a=1" + strings.Repeat(")", 500)} {
			resp, body := f.get(t, "/ogc/collections/plots/items?filter="+url.QueryEscape(bad))
			if resp.StatusCode != 400 {
				t.Errorf("filter %q: %d %s", bad, resp.StatusCode, body)
			}
		}
	})
	t.Run("req/filter/filter-crs-param", func(t *testing.T) {
		plot, _ := f.ix.Snapshot().Plot(f.changed)
		c := plot.Geometry.Bound().Center()
		zone := "http://www.opengis.net/def/crs/EPSG/0/" + itoa(int(plot.EPSG))
		got := f.filtered(t, "S_INTERSECTS(geometry, POINT("+strconvF(c[0])+" "+strconvF(c[1])+"))", "filter-crs", zone)
		if len(got) != 1 || got[0] != strings.ReplaceAll(f.changed.String(), "/", ".") {
			t.Errorf("plane point at the centre of %s: %v", f.changed, got)
		}
		f.getJSON(t, "/ogc/collections/plots/items?filter=a%3D1&filter-crs=EPSG:1", 400, nil)
	})
}

// CQL2 requirements classes, each a group: Basic CQL2, Advanced
// Comparison Operators, Case- and Accent-insensitive Comparison, Basic
// Spatial Functions (and Plus), Array Functions, CQL2-JSON.
func TestCQL2(t *testing.T) {
	f := newFixture(t)
	t.Run("req/basic-cql2", func(t *testing.T) {
		f.expectFilter(t, "sheet = 1 AND NOT (plot < 10) OR plot = 3", func(p *index.Plot) bool {
			return (p.Key.Sheet == 1 && !(p.Key.Plot < 10)) || p.Key.Plot == 3
		})
		f.expectFilter(t, "legal_area <> area and version >= 1", func(p *index.Plot) bool { return p.LegalArea != p.Area })
		f.expectFilter(t, "\"plot\" <= 5", func(p *index.Plot) bool { return p.Key.Plot <= 5 })
		var none featureCollection
		f.getJSON(t, "/ogc/collections/plots/items?filter="+url.QueryEscape("grid_number IS NULL"), 200, &none)
		if none.NumberMatched != 0 {
			t.Errorf("grid_number IS NULL: %d", none.NumberMatched)
		}
		var all featureCollection
		f.getJSON(t, "/ogc/collections/plots/items?filter="+url.QueryEscape("grid_number IS NOT NULL AND TRUE"), 200, &all)
		if all.NumberMatched != f.total {
			t.Errorf("grid_number IS NOT NULL: %d of %d", all.NumberMatched, f.total)
		}
	})
	t.Run("req/advanced-comparison-operators", func(t *testing.T) {
		f.expectFilter(t, "legal_area BETWEEN 500 AND 1500", func(p *index.Plot) bool { return p.LegalArea >= 500 && p.LegalArea <= 1500 })
		f.expectFilter(t, "legal_area NOT BETWEEN 500 AND 1500", func(p *index.Plot) bool { return !(p.LegalArea >= 500 && p.LegalArea <= 1500) })
		f.expectFilter(t, "plot IN (1, 2, 30)", func(p *index.Plot) bool { return p.Key.Plot == 1 || p.Key.Plot == 2 || p.Key.Plot == 30 })
		f.expectFilter(t, "plot NOT IN (1, 2, 30)", func(p *index.Plot) bool { return !(p.Key.Plot == 1 || p.Key.Plot == 2 || p.Key.Plot == 30) })
		f.expectFilter(t, "grid_number LIKE '%-8' AND plot < 50", func(p *index.Plot) bool { return strings.HasSuffix(p.Sheet.GridNumber, "-8") && p.Key.Plot < 50 })
		f.expectFilter(t, "id LIKE '27002.1._'", func(p *index.Plot) bool { return p.Key.Unit == "27002" && p.Key.Sheet == 1 && p.Key.Plot < 10 })
	})
	t.Run("req/case-insensitive-comparison", func(t *testing.T) {
		f.expectFilter(t, "CASEI(grid_number) LIKE CASEI('%-8') AND plot < 50", func(p *index.Plot) bool {
			return strings.HasSuffix(p.Sheet.GridNumber, "-8") && p.Key.Plot < 50
		})
	})
	t.Run("req/accent-insensitive-comparison", func(t *testing.T) {
		f.expectFilter(t, "ACCENTI(grid_number) = ACCENTI('"+gridOf(f, 1)+"')", func(p *index.Plot) bool { return p.Sheet.GridNumber == gridOf(f, 1) })
	})
	t.Run("req/basic-spatial-functions", func(t *testing.T) {
		snap := f.ix.Snapshot()
		plot, _ := snap.Plot(f.changed)
		z, _ := crs.ZoneByEPSG(int(plot.EPSG))
		c := plot.Geometry.Bound().Center()
		lon, lat := z.ToWGS84(c[0], c[1])
		var at []string
		snap.At(index.LonLat(lon, lat), func(h index.Hit) bool {
			at = append(at, strings.ReplaceAll(h.Plot.Key.String(), "/", "."))
			return true
		})
		got := f.filtered(t, "S_INTERSECTS(geometry, POINT("+strconvF(lon)+" "+strconvF(lat)+"))")
		if len(at) == 0 || !slices.Equal(got, at) {
			t.Errorf("point filter: %v, the read model's lookup %v", got, at)
		}
		bd := plot.Geometry.Bound()
		lon0, lat0 := z.ToWGS84(bd.Min[0]+1, bd.Min[1]+1)
		lon1, lat1 := z.ToWGS84(bd.Max[0]-1, bd.Max[1]-1)
		var bbox featureCollection
		f.getJSON(t, "/ogc/collections/plots/items?bbox="+floats([]float64{lon0, lat0, lon1, lat1}), 200, &bbox)
		byFilter := f.filtered(t, "S_INTERSECTS(geometry, BBOX("+floats([]float64{lon0, lat0, lon1, lat1})+"))")
		if len(byFilter) != bbox.NumberMatched || len(byFilter) == 0 {
			t.Errorf("BBOX filter %d plots, bbox parameter %d", len(byFilter), bbox.NumberMatched)
		}
		poly := "POLYGON((" + strings.Join([]string{pt(lon0, lat0), pt(lon1, lat0), pt(lon1, lat1), pt(lon0, lat1), pt(lon0, lat0)}, ", ") + "))"
		byPoly := f.filtered(t, "S_INTERSECTS(geometry, "+poly+")")
		if !slices.Equal(byPoly, byFilter) {
			t.Errorf("polygon %v, BBOX %v", byPoly, byFilter)
		}
		disjoint := f.filtered(t, "NOT S_INTERSECTS(geometry, "+poly+")")
		if len(disjoint)+len(byPoly) != f.total {
			t.Errorf("NOT S_INTERSECTS %d + S_INTERSECTS %d != %d", len(disjoint), len(byPoly), f.total)
		}
	})
	t.Run("req/basic-spatial-functions-plus", func(t *testing.T) {
		// A line across a plot inside the sheet meets it and its
		// neighbours on either side.
		var plot *index.Plot
		n := 0
		f.ix.Snapshot().AscendPlots(spatialKeyZero, func(p *index.Plot) bool {
			n++
			plot = p
			return n < 100
		})
		z, _ := crs.ZoneByEPSG(int(plot.EPSG))
		bd := plot.Geometry.Bound()
		a0, b0 := z.ToWGS84(bd.Min[0]-3, bd.Center()[1])
		a1, b1 := z.ToWGS84(bd.Max[0]+3, bd.Center()[1])
		line := f.filtered(t, "S_INTERSECTS(geometry, LINESTRING("+pt(a0, b0)+", "+pt(a1, b1)+"))")
		id := strings.ReplaceAll(plot.Key.String(), "/", ".")
		if !slices.Contains(line, id) || len(line) < 3 {
			t.Errorf("line across %s: %v", id, line)
		}
	})
	t.Run("req/array-functions", func(t *testing.T) {
		f.expectFilter(t, "A_CONTAINS(land_use, ('CLN'))", func(p *index.Plot) bool { return has(p.LandUse, "CLN") })
		f.expectFilter(t, "A_EQUALS(land_use, ('ONT', 'CLN'))", func(p *index.Plot) bool { return slices.Equal(p.LandUse, []string{"ONT", "CLN"}) })
		f.expectFilter(t, "A_OVERLAPS(land_use, ('ONT', 'ODT'))", func(p *index.Plot) bool { return has(p.LandUse, "ONT") || has(p.LandUse, "ODT") })
		f.expectFilter(t, "A_CONTAINEDBY(land_use, ['ONT', 'CLN'])", func(p *index.Plot) bool {
			return !slices.ContainsFunc(p.LandUse, func(c string) bool { return c != "ONT" && c != "CLN" })
		})
	})
	t.Run("req/cql2-json", func(t *testing.T) {
		f.expectFilter(t, `{"op":"and","args":[{"op":"a_contains","args":[{"property":"land_use"},["CLN"]]},{"op":"between","args":[{"property":"legal_area"},500,2000]}]}`,
			func(p *index.Plot) bool { return has(p.LandUse, "CLN") && p.LegalArea >= 500 && p.LegalArea <= 2000 }, "filter-lang", "cql2-json")
		f.getJSON(t, "/ogc/collections/plots/items?filter-lang=cql2-json&filter="+url.QueryEscape(`{"op":"=","args":[1]}`), 400, nil)
	})
	t.Run("filters on sheets and units", func(t *testing.T) {
		var all, some, units featureCollection
		f.getJSON(t, "/ogc/collections/sheets/items", 200, &all)
		f.getJSON(t, "/ogc/collections/sheets/items?filter="+url.QueryEscape("sheet > 1"), 200, &some)
		want := 0
		f.ix.Snapshot().AscendSheets(func(s *index.Sheet) bool {
			if s.Key.Number > 1 {
				want++
			}
			return true
		})
		if some.NumberMatched != want || len(some.Features) != want || want == all.NumberMatched {
			t.Errorf("sheets with sheet > 1: numberMatched %d, %d features, want %d of %d", some.NumberMatched, len(some.Features), want, all.NumberMatched)
		}
		f.getJSON(t, "/ogc/collections/units/items?filter="+url.QueryEscape("current = false"), 200, &units)
		for _, u := range units.Features {
			if u.Properties["current"] != false {
				t.Errorf("unit %s is current", u.ID)
			}
		}
	})
	t.Run("plot-versions filter on time", func(t *testing.T) {
		var fc featureCollection
		f.getJSON(t, "/ogc/collections/plot-versions/items?filter="+url.QueryEscape("valid_from > TIMESTAMP('2023-01-01T00:00:00Z')"), 200, &fc)
		if fc.NumberMatched != 2 { // the correction and the retirement of 2024
			t.Errorf("versions from 2023 on: %d", fc.NumberMatched)
		}
	})
}

func pt(x, y float64) string { return strconvF(x) + " " + strconvF(y) }

func gridOf(f *fixture, sheet int) string {
	var g string
	f.ix.Snapshot().AscendSheets(func(s *index.Sheet) bool {
		if s.Key.Number == sheet {
			g = s.GridNumber
			return false
		}
		return true
	})
	return g
}

// GDAL turns an OGR SQL where clause into a CQL2 filter the server
// evaluates (its debug output shows the filter parameter) and gets the
// plots the read model selects.
func TestGDALOAPIFFilter(t *testing.T) {
	ogrinfo := needTool(t, "ogrinfo")
	f := newFixture(t)
	cmd := exec.Command(ogrinfo, "-ro", "-al", "-q", "-geom=NO", "OAPIF:"+f.srv.URL+"/ogc", "plots",
		"-where", "legal_area > 1000 AND sheet = 2", "--config", "CPL_DEBUG", "ON")
	var stderr strings.Builder
	cmd.Stderr = &stderr // the debug output, apart from the features
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s%s", err, out, stderr.String())
	}
	if !strings.Contains(stderr.String(), "filter=") {
		t.Errorf("GDAL did not send the filter to the server:\n%s", stderr.String())
	}
	want := oracle(f.ix, func(p *index.Plot) bool { return p.LegalArea > 1000 && p.Key.Sheet == 2 })
	var got []string
	for _, line := range strings.Split(string(out), "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), "id (String) = "); ok {
			got = append(got, s)
		}
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("GDAL plot %d: %q, the read model %q", i, got[i], want[i])
			break
		}
	}
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("GDAL with a filter: %d plots %v, the read model %d %v", len(got), head(got), len(want), head(want))
	}
}
