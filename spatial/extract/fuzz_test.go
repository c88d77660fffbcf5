package extract_test

import (
	"strings"
	"testing"

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
