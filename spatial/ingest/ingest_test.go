package ingest

import (
	"strings"
	"testing"

	"cadastre/spatial"
)

func collect(t *testing.T, decode func(func(Item) error) error) []Item {
	t.Helper()
	var items []Item
	if err := decode(func(it Item) error { items = append(items, it); return nil }); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return items
}

func hasProblem(it Item, field, reason string) bool {
	for _, p := range it.Problems {
		if strings.Contains(p.Field, field) && strings.Contains(p.Reason, reason) {
			return true
		}
	}
	return false
}

var units = map[string]spatial.AdminUnit{
	"27001": {Code: "27001", EPSG: 9210, Successor: "27003"},
	"27003": {Code: "27003", EPSG: 9210},
}

func unitOf(c string) (spatial.AdminUnit, bool) { u, ok := units[c]; return u, ok }

const fc = `{"type":"FeatureCollection","name":"x",
"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::9210"}},
"features":[
{"type":"Feature","properties":{"MaXa":"27001","SoHieuToBanDo":12,"SoThuTuThua":"45","KyHieuMucDichSuDung":"ONT+CLN","DienTichPhapLy":"152,3","DiaChi":"Thôn 1"},
 "geometry":{"type":"Polygon","coordinates":[[[600100,1192000],[600110,1192000],[600110,1192015],[600100,1192015],[600100,1192000]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":12,"plot":46,"land_use":["LUC"],"legal_area":300},
 "geometry":{"type":"LineString","coordinates":[[600100,1192000],[600110,1192000]]}},
{"type":"Feature","properties":{"unit":"2701","sheet":0,"plot":1.5,"land_use":"LUC"},
 "geometry":{"type":"Polygon","coordinates":[[[600100,1192000],[600110,1192000],[600110,1192015],[600100,1192000]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":12,"grid_number":"192 600-1-a","scale":"1:1000","survey_year":2019},
 "geometry":{"type":"Polygon","coordinates":[[[600000,1191500],[600500,1191500],[600500,1192000],[600000,1192000],[600000,1191500]]]}},
{"type":"Feature","properties":{"foo":1},"geometry":null}
]}`

func TestDecodeGeoJSON(t *testing.T) {
	items := collect(t, func(fn func(Item) error) error {
		return DecodeGeoJSON(strings.NewReader(fc), Options{Unit: unitOf}, fn)
	})
	if len(items) != 5 {
		t.Fatalf("got %d items, want 5", len(items))
	}
	p := items[0].Plot
	if len(items[0].Problems) > 0 || p == nil {
		t.Fatalf("item 0: %+v", items[0])
	}
	if p.Key != (spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 45}) || p.Commune != "27003" || p.EPSG != 9210 ||
		p.LegalArea != 152.3 || p.Address != "Thôn 1" || strings.Join(p.LandUse, "+") != "ONT+CLN" {
		t.Errorf("item 0 plot: %+v", p)
	}
	if !hasProblem(items[1], "geometry", "LineString") {
		t.Errorf("item 1: %v", items[1].Problems)
	}
	for _, w := range []string{"unit", "sheet", "plot"} {
		if !hasProblem(items[2], w, "") {
			t.Errorf("item 2 lacks a %s problem: %v", w, items[2].Problems)
		}
	}
	if s := items[3].Sheet; s == nil || s.Scale != 1000 || s.GridNumber != "192 600-1-a" || s.SurveyYear != 2019 || len(s.Frame) != 1 || len(s.Frame[0][0]) != 5 {
		t.Errorf("item 3 sheet: %+v %v", s, items[3].Problems)
	}
	if !hasProblem(items[4], "properties", "neither") {
		t.Errorf("item 4: %v", items[4].Problems)
	}
	for i, it := range items {
		for _, pr := range it.Problems {
			if pr.Index != i {
				t.Errorf("item %d problem index %d", i, pr.Index)
			}
		}
	}
}

func TestDecodeGeoJSONCRS(t *testing.T) {
	plane := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"unit":"27001","sheet":1,"plot":1,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[600100,1192000],[600110,1192000],[600110,1192015],[600100,1192000]]]}}]}`
	items := collect(t, func(fn func(Item) error) error {
		return DecodeGeoJSON(strings.NewReader(plane), Options{Unit: unitOf}, fn)
	})
	if !hasProblem(items[0], "geometry", "no CRS") {
		t.Errorf("plane without CRS: %v", items[0].Problems)
	}
	items = collect(t, func(fn func(Item) error) error {
		return DecodeGeoJSON(strings.NewReader(plane), Options{CRS: 9210, Unit: unitOf}, fn)
	})
	if len(items[0].Problems) != 0 || items[0].Plot.EPSG != 9210 {
		t.Errorf("plane with --crs: %v", items[0].Problems)
	}
	lonlat := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"unit":"27001","sheet":1,"plot":1,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[106.66,10.77],[106.661,10.77],[106.661,10.771],[106.66,10.77]]]}}]}`
	items = collect(t, func(fn func(Item) error) error {
		return DecodeGeoJSON(strings.NewReader(lonlat), Options{Unit: unitOf}, fn)
	})
	g := items[0].Plot.Geometry
	if len(items[0].Problems) != 0 || items[0].Plot.EPSG != 9210 || g[0][0][0][0] < 590000 || g[0][0][0][0] > 610000 {
		t.Errorf("WGS 84 into the unit's zone: %v %v", items[0].Problems, g)
	}
	items = collect(t, func(fn func(Item) error) error {
		return DecodeGeoJSON(strings.NewReader(lonlat), Options{CRS: 9210, Unit: unitOf}, fn)
	})
	if !hasProblem(items[0], "geometry", "look like lon/lat") {
		t.Errorf("lon/lat said to be plane: %v", items[0].Problems)
	}
	if err := DecodeGeoJSON(strings.NewReader(fc), Options{CRS: 5897}, func(Item) error { return nil }); spatial.KindOf(err) != spatial.KindInvalid {
		t.Errorf("conflicting CRS: got %v", err)
	}
	if err := DecodeGeoJSON(strings.NewReader(`[1,2]`), Options{}, func(Item) error { return nil }); spatial.KindOf(err) != spatial.KindInvalid {
		t.Errorf("not an object: got %v", err)
	}
}

func TestDecodeCoordinateTable(t *testing.T) {
	csv := "\ufeffMaXa;SoHieuToBanDo;SoThuTuThua;ring;point;X;Y;KyHieuMucDichSuDung;DienTichPhapLy\n" +
		"27001;12;45;0;1;1192000,000;600100,000;ONT+CLN;150\n" +
		"27001;12;45;0;2;1192000,000;600110,000;;\n" +
		"27001;12;45;0;3;1192015,000;600110,000;;\n" +
		"27001;12;45;0;4;1192015,000;600100,000;;\n" +
		"27001;12;45;1;5;1192005,000;600102,000;;\n" +
		"27001;12;45;1;6;1192008,000;600102,000;;\n" +
		"27001;12;45;1;7;1192008,000;600105,000;;\n" +
		"27001;12;46;0;1;1192000,000;600110,000;LUC;\n" +
		"27001;12;46;0;1;1192000,000;600120,000;;\n" +
		"27001;12;46;0;3;abc;600120,000;;\n" +
		"27001;12;45;0;1;1192000,000;600100,000;;\n"
	items := collect(t, func(fn func(Item) error) error {
		return DecodeCoordinateTable(strings.NewReader(csv), Options{CRS: 9210, Unit: unitOf}, fn)
	})
	if len(items) != 3 {
		t.Fatalf("got %d plots, want 3", len(items))
	}
	p := items[0].Plot
	if len(items[0].Problems) != 0 || len(p.Geometry[0]) != 2 || len(p.Geometry[0][0]) != 5 || p.Geometry[0][0][1] != [2]float64{600110, 1192000} {
		t.Fatalf("plot 45: %v %v", items[0].Problems, p.Geometry)
	}
	if p.LegalArea != 150 || strings.Join(p.LandUse, "+") != "ONT+CLN" || p.Commune != "27003" {
		t.Errorf("plot 45 attributes: %+v", p)
	}
	if !hasProblem(items[1], "point (row 10)", "repeats row 9") || !hasProblem(items[1], "x (row 11)", "not a number") {
		t.Errorf("plot 46 problems: %v", items[1].Problems)
	}
	if !hasProblem(items[2], "key (row 12)", "not contiguous") {
		t.Errorf("plot 45 again: %v", items[2].Problems)
	}
	if err := DecodeCoordinateTable(strings.NewReader("a,b\n"), Options{CRS: 9210}, func(Item) error { return nil }); err == nil {
		t.Error("missing columns accepted")
	}
	if err := DecodeCoordinateTable(strings.NewReader(csv), Options{}, func(Item) error { return nil }); err == nil {
		t.Error("table without zone accepted")
	}
}
