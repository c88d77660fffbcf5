package extract_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"cadastre/spatial"
	"cadastre/spatial/extract"
)

// checkBoundaryInput runs what a submission's boundary goes through
// (extract.Request.Input): parse, check, convert to the plot's zone. Any
// input must end in a boundary or a KindInvalid error (a 4xx), never a
// panic or another kind.
func checkBoundaryInput(t *testing.T, b extract.Boundary, err error) {
	t.Helper()
	if err == nil {
		err = extract.CheckBoundary(b)
	}
	if err == nil {
		_, _, err = b.ToZone(9210)
	}
	if err != nil && spatial.KindOf(err) != spatial.KindInvalid {
		t.Fatalf("error of kind %v, want KindInvalid: %v", spatial.KindOf(err), err)
	}
}

// FuzzParseGeoJSON feeds an extract's GeoJSON boundary reader arbitrary
// bytes (issue 15).
func FuzzParseGeoJSON(f *testing.F) {
	for _, s := range []string{
		`{"type":"Polygon","coordinates":[[[600000,1191961.6],[600035.6,1191962.4],[600038.1,1192000],[600000,1192000],[600000,1191961.6]]]}`,
		`{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[106.6,10.7],[106.61,10.7],[106.61,10.71],[106.6,10.7]]]]}}`,
		`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::5897"}},"features":[{"type":"Feature","properties":{"point":"A"},"geometry":{"type":"Point","coordinates":[1,2]}}]}`,
		`{"type":"Polygon","coordinates":[[[1e308,-1e308],[0,0],[1,1]]]}`, `{"type":"Polygon","coordinates":[]}`, `null`, `{`, ``,
	} {
		f.Add([]byte(s), 9210)
		f.Add([]byte(s), 4326)
	}
	f.Fuzz(func(t *testing.T, data []byte, epsg int) {
		b, err := extract.ParseGeoJSON(data, epsg)
		checkBoundaryInput(t, b, err)
	})
}

// FuzzParseTable feeds an extract's coordinate-table reader arbitrary
// text.
func FuzzParseTable(f *testing.F) {
	for _, s := range []string{
		"point,x,y\n101,1191961.6,600000\n102,1191962.4,600035.6\n103,1192000,600038.1\n104,1192000,600000\n",
		"point;x;y;part;ring;length\n1;10,5;20,5;0;0;3,2\n2;10,5;25;0;0;\n3;15;25;0;0;\n4;15;20,5;1;1;\n",
		"point,x,y\n1,abc,1e999\n1,NaN,Inf\n", "x,y\n", "point,x,y\n\"open\n", "",
	} {
		f.Add(s, 9210)
	}
	f.Fuzz(func(t *testing.T, table string, epsg int) {
		b, err := extract.ParseTable(strings.NewReader(table), epsg)
		checkBoundaryInput(t, b, err)
	})
}

// FuzzDecodeRequest feeds a submission's body through what
// POST /api/v1/extracts does before anything is stored (text check,
// strict decode, settings check): any body ends in a request or a
// KindInvalid error (a 4xx), never a panic or another kind, and a body
// that passes is valid UTF-8 without NUL.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"plot":"27002/2/458","scale":"1:2000","table":"point,x,y\n1,1191961.6,600000\n2,1191962.4,600035.6\n3,1192000,600038.1\n"}`,
		`{"plot":{"unit":"27002","sheet":2,"plot":458},"scale":2000,"profile":"circular-25-2014","agricultural":true,"agricultural_reason":"x"}`,
		`{"plot":"27002/2/458","scale":"1:2000","boundary":{"type":"Polygon","coordinates":[[[600000,1191961.6],[600035.6,1191962.4],[600038.1,1192000],[600000,1191961.6]]]}}`,
		`{"plot":"27002/2/458","stated_area":1e309}`, `{"scale_reason":"ab\xff\xfe"}`, `{"x":"\u0000"}`, `{} {}`, `{} }`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		err := extract.CheckText(raw)
		var q extract.Request
		if err == nil {
			err = extract.DecodeStrict(raw, &q)
		}
		if err == nil {
			_, err = q.Check()
		}
		if err != nil {
			if spatial.KindOf(err) != spatial.KindInvalid {
				t.Fatalf("error of kind %v, want KindInvalid: %v", spatial.KindOf(err), err)
			}
			return
		}
		if !utf8.Valid(raw) || strings.Contains(string(raw), "\x00") {
			t.Fatalf("a body with invalid UTF-8 or NUL passed: %q", raw)
		}
	})
}
