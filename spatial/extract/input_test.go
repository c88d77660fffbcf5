package extract

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

const table = `point,x,y,length
11,1192000,600000,14.000
12,1192000,600014,20
13,1192020,600014,6
14,1192020,600008,8
15,1192012,600008,8.5
16,1192012,600000,12
`

func TestParseTableAndStatedEdges(t *testing.T) {
	b, err := ParseTable(strings.NewReader(table), 9210)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckBoundary(b); err != nil {
		t.Fatal(err)
	}
	if got := b.Geometry[0][0][1]; got[0] != 600014 || got[1] != 1192000 {
		t.Errorf("second point: got E,N %v, want 600014,1192000 (X is the northing)", got)
	}
	r, err := Check(&Input{Stored: storedPlot(b.Geometry, 0), Measured: b, Scale: 1000}, mustProfile(t, "circular-26-2024"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != OutOfTolerance || len(r.StatedEdges) != 6 || r.Failing[0] != "stated edge 15-16" {
		t.Errorf("got %s, %d stated edges, failing %v; want out_of_tolerance, 6, [stated edge 15-16]", r.Verdict, len(r.StatedEdges), r.Failing)
	}
	if e := r.StatedEdges[5]; e.From != "16" || e.To != "11" || math.Abs(e.Difference) > 1e-9 {
		t.Errorf("closing stated edge: got %+v, want 16-11 with no difference", e)
	}
	if r.Edges[0].FromPoint != "11" || r.Vertices[0].Point != "11" {
		t.Errorf("measured point numbers not carried: edge from %q, vertex %q", r.Edges[0].FromPoint, r.Vertices[0].Point)
	}
}

func TestParseTableProblems(t *testing.T) {
	_, err := ParseTable(strings.NewReader("point;x;y\n1;1192000;600000\n2;11920x0;600010\n1;1192010;600010\n"), 9210)
	probs := spatial.ProblemsOf(err)
	if len(probs) != 2 || probs[0].Field != "x (row 3)" || !strings.Contains(probs[1].Reason, "repeats row 2") {
		t.Errorf("got %v, want a bad x on row 3 and point 1 repeating row 2", err)
	}
	if _, err := ParseTable(strings.NewReader("nr,x,y\n1,1,2\n"), 9210); err == nil || !strings.Contains(err.Error(), `"point"`) {
		t.Errorf("table without a point column: got %v", err)
	}
}

func TestCheckBoundaryNamesThePoint(t *testing.T) {
	b, err := ParseTable(strings.NewReader("point,x,y\nA,1192000,600000\nB,1192000,600010\nC,1192000,600010\nD,1192010,600010\n"), 9210)
	if err != nil {
		t.Fatal(err)
	}
	probs := spatial.ProblemsOf(CheckBoundary(b))
	if len(probs) != 1 || probs[0].Feature != "point C" || !strings.Contains(probs[0].Reason, "repeats the previous point B") {
		t.Errorf("got %v, want point C repeating B", probs)
	}
}

func TestCheckBoundaryLonLat(t *testing.T) {
	b, err := ParseGeoJSON([]byte(`{"type":"Polygon","coordinates":[[[106.66,10.77],[106.661,10.77],[106.661,10.771],[106.66,10.77]]]}`), 9210)
	if err != nil {
		t.Fatal(err)
	}
	if p := spatial.ProblemsOf(CheckBoundary(b)); len(p) != 1 || !strings.Contains(p[0].Reason, "longitude/latitude") {
		t.Errorf("lon/lat boundary: got %v", p)
	}
}

func TestParseGeoJSON(t *testing.T) {
	for _, doc := range []string{
		`{"type":"Polygon","coordinates":[[[600000,1192000],[600010,1192000],[600010,1192010],[600000,1192000]]]}`,
		`{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[600000,1192000],[600010,1192000],[600010,1192010],[600000,1192000]]]]}}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[600000,1192000],[600010,1192000],[600010,1192010],[600000,1192000]]]}}]}`,
	} {
		b, err := ParseGeoJSON([]byte(doc), 9210)
		if err != nil || len(b.Geometry) != 1 || len(b.Geometry[0][0]) != 4 || spatial.PlaneArea(b.Geometry) != 50 {
			t.Errorf("%.40s...: got %v, %v", doc, b.Geometry, err)
		}
	}
	b, err := ParseGeoJSON([]byte(`{"type":"Feature","properties":{"points":["A",7,"C"],"lengths":[10,10,14.142]},"geometry":{"type":"Polygon","coordinates":[[[600000,1192000],[600010,1192000],[600010,1192010],[600000,1192000]]]}}`), 9210)
	if err != nil || b.label(0, 0, 1) != "7" || b.StatedLengths[0][0][2] != 14.142 {
		t.Errorf("feature with points and lengths: got %v %v, %v", b.Labels, b.StatedLengths, err)
	}
	_, err = ParseGeoJSON([]byte(`{"type":"Feature","properties":{"points":["A","A","C"]},"geometry":{"type":"Polygon","coordinates":[[[600000,1192000],[600010,1192000],[600010,1192010],[600000,1192000]]]}}`), 9210)
	if p := spatial.ProblemsOf(err); len(p) != 1 || !strings.Contains(p[0].Reason, "A repeats") {
		t.Errorf("repeated point number: got %v", err)
	}
	_, err = ParseGeoJSON([]byte(`{"type":"Polygon","coordinates":[[[600000,1192000],[600010,1192000],[600010,1192010]]]}`), 9210)
	if p := spatial.ProblemsOf(err); len(p) != 1 || !strings.Contains(p[0].Reason, "not closed") {
		t.Errorf("open ring: got %v", err)
	}
	if _, err := ParseGeoJSON([]byte(`{"type":"Point","coordinates":[1,2]}`), 9210); spatial.KindOf(err) != spatial.KindInvalid {
		t.Errorf("point: got %v, want invalid", err)
	}
}

// A boundary measured in the neighbouring zone comes back within a
// millimetre after the conversion there and back, and the note says so.
func TestToZone(t *testing.T) {
	b := Boundary{EPSG: 9210, Geometry: orb.MultiPolygon{{lShape()}}}
	other, note, err := b.ToZone(9209)
	if err != nil || !strings.Contains(note, "EPSG:9210 to the plot's zone EPSG:9209") {
		t.Fatalf("ToZone: %q, %v", note, err)
	}
	if d := dist(other.Geometry[0][0][0], b.Geometry[0][0][0]); d < 1000 {
		t.Errorf("a zone 15' away moved the point only %.1f m", d)
	}
	back, _, err := other.ToZone(9210)
	if err != nil {
		t.Fatal(err)
	}
	for i, pt := range back.Geometry[0][0] {
		if d := dist(pt, b.Geometry[0][0][i]); d > 0.001 {
			t.Errorf("vertex %d: %.4f m off after the round trip", i, d)
		}
	}
	if _, _, err := (Boundary{EPSG: 4326}).ToZone(9210); spatial.KindOf(err) != spatial.KindInvalid {
		t.Errorf("EPSG:4326: got %v, want invalid", err)
	}
}

// Bad GeoJSON is explained without Go type names or <nil>.
func TestParseGeoJSONMessages(t *testing.T) {
	for _, b := range []string{
		`{"type": "Polygon", "coordinates": "x"}`,
		`{"type": "Point", "coordinates": [600000, 1192000]}`,
		`{"type": "Feature", "geometry": null, "properties": {}}`,
		`{"type": "Polygon", "coordinates": [[["a", 1]]]}`,
		`[1, 2`,
	} {
		_, err := ParseGeoJSON([]byte(b), 9210)
		if err == nil {
			t.Errorf("%s: no error", b)
			continue
		}
		msg := err.Error()
		for _, p := range spatial.ProblemsOf(err) {
			msg += " " + p.Reason
		}
		for _, bad := range []string{"<nil>", "orb.", "float64", "Go value", "Go struct", "%!"} {
			if strings.Contains(msg, bad) {
				t.Errorf("%s: message holds %q: %s", b, bad, msg)
			}
		}
	}
}

// TestCheckTextUTF8: bytes that are not UTF-8 are refused with the path
// of the string holding them (a decoder would store U+FFFD instead).
func TestCheckTextUTF8(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"{\"a\":1,\"scale_reason\":\"ab\xff\xfecd\"}", "scale_reason"},
		{"{\"x\":{\"y\":[\"ok\",\"b\xffd\"]}}", "x.y[1]"},
		{"{\"x\":[{\"a\":1},{\"b\":\"\xfe\"}]}", "x[1].b"},
		{"{\"k\xff\":1}", "k\uFFFD (a key)"},
		{"{\"a\":1} \xff", "body"},
	} {
		err := CheckText([]byte(c.raw))
		if p := spatial.ProblemsOf(err); len(p) != 1 || p[0].Field != c.want {
			t.Errorf("%q: got %v %+v, want a problem on %s", c.raw, err, p, c.want)
		}
	}
	if err := CheckText([]byte(`{"a":"đất ở"}`)); err != nil {
		t.Errorf("UTF-8 text refused: %v", err)
	}
}
