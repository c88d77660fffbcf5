package ingest_test

import (
	"bytes"
	"errors"
	"testing"

	"cadastre/spatial"
	"cadastre/spatial/ingest"
)

// fuzzUnit knows every well-formed commune code, in zone EPSG:9210.
func fuzzUnit(code string) (spatial.AdminUnit, bool) {
	if !spatial.ValidUnitCode(code) {
		return spatial.AdminUnit{}, false
	}
	return spatial.AdminUnit{Code: code, Name: "x", Province: "x", EPSG: 9210}, true
}

var errStop = errors.New("stop")

// checkDecoded is what a decoder owes any input: no panic; an error that
// is the callback's or a KindInvalid one (answered 4xx, never 500); each
// item a plot, a sheet or problems.
func checkDecoded(t *testing.T, err error, items []ingest.Item) {
	t.Helper()
	if err != nil && !errors.Is(err, errStop) && spatial.KindOf(err) != spatial.KindInvalid {
		t.Fatalf("error of kind %v, want KindInvalid: %v", spatial.KindOf(err), err)
	}
	for _, it := range items {
		if it.Plot == nil && it.Sheet == nil && len(it.Problems) == 0 {
			t.Fatalf("item %d: neither a plot, a sheet nor problems", it.Index)
		}
	}
}

// collectAtMost gathers items, stopping after 1000 (a fuzzed input may
// hold many).
func collectAtMost(items *[]ingest.Item) func(ingest.Item) error {
	return func(it ingest.Item) error {
		*items = append(*items, it)
		if len(*items) > 1000 {
			return errStop
		}
		return nil
	}
}

// FuzzDecodeGeoJSON feeds the streaming GeoJSON decoder of ingest
// arbitrary bytes (issue 15).
func FuzzDecodeGeoJSON(f *testing.F) {
	for _, s := range []string{
		`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::9210"}},"features":[` +
			`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[600000,1191961.647],[600035.621,1191962.43],[600038.166,1192000],[600000,1192000],[600000,1191961.647]]]},` +
			`"properties":{"unit":"27002","sheet":1,"plot":1,"commune":"27001","land_use":["ONT","CLN"],"legal_area":1400,"area":1400,"address":"Thôn 1"}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"MaXa":"27001","SoHieuToBanDo":12,"SoThuTuThua":"45","KyHieuMucDichSuDung":"ONT+CLN","DienTichPhapLy":"152,3"},` +
			`"geometry":{"type":"MultiPolygon","coordinates":[[[[106.6,10.7],[106.61,10.7],[106.61,10.71],[106.6,10.7]]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"sheet","unit":"27001","sheet":3,"scale":"1:1000"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]}`,
		`{"features":[{"geometry":{"type":"Polygon","coordinates":[[[1e308,-1e308],[NaN,0]]]}}]}`,
		`[1,2,3]`, `{"type":"FeatureCollection","features":[`, `{"a":"\ud800"}`, ``,
	} {
		f.Add([]byte(s), 9210)
		f.Add([]byte(s), 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, epsg int) {
		var items []ingest.Item
		err := ingest.DecodeGeoJSON(bytes.NewReader(data), ingest.Options{CRS: epsg, Unit: fuzzUnit}, collectAtMost(&items))
		checkDecoded(t, err, items)
	})
}

// FuzzDecodeCoordinateTable feeds the coordinate-table reader of ingest
// arbitrary bytes.
func FuzzDecodeCoordinateTable(f *testing.F) {
	for _, s := range []string{
		"\ufeffMaXa;SoHieuToBanDo;SoThuTuThua;ring;point;X;Y;KyHieuMucDichSuDung;DienTichPhapLy\n" +
			"27001;12;45;0;1;1192000,000;600100,000;ONT+CLN;150\n27001;12;45;0;2;1192000,000;600110,000;;\n" +
			"27001;12;45;0;3;1192015,000;600110,000;;\n27001;12;45;1;5;1192005,000;600102,000;;\n",
		"unit,sheet,plot,part,ring,point,x,y,land_use\n27001,1,1,0,0,1,1192000,600100,LUC\n27001,1,1,0,0,2,1192000,600110,\n27001,1,1,0,0,3,1192010,600110,\n",
		"unit,sheet,plot,x,y\n27001,1,1,abc,1e999\n", "x\n\"unterminated\n", ";;;\n;;;\n", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var items []ingest.Item
		err := ingest.DecodeCoordinateTable(bytes.NewReader(data), ingest.Options{CRS: 9210, Unit: fuzzUnit}, collectAtMost(&items))
		checkDecoded(t, err, items)
	})
}
