package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"cadastre/sampledata"
	"cadastre/spatial"
)

// oracleDecode is how features were read before the token decoder:
// encoding/json (numbers as json.Number) and orb's geojson, which
// TestStreamDecoderAsEncodingJSON holds the token decoder to.
func oracleDecode(t *testing.T, src string, opt Options) []Item {
	t.Helper()
	if opt.Fields == nil {
		opt.Fields = DefaultFields()
	}
	var doc struct {
		CRS *struct {
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"crs"`
		Features []struct {
			Type       string          `json:"type"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		} `json:"features"`
	}
	dec := json.NewDecoder(strings.NewReader(src))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	d := &decoder{opt: opt, epsg: opt.CRS}
	if doc.CRS != nil {
		if err := d.readCRSName(doc.CRS.Properties.Name); err != nil {
			t.Fatalf("oracle crs: %v", err)
		}
	}
	var items []Item
	for i, f := range doc.Features {
		sf := streamFeature{typ: f.Type, props: map[string]any{}}
		for k, v := range f.Properties {
			sf.props[opt.Fields.canonicalName(k)] = v
		}
		sf.geom, sf.geomErr = oracleGeometry(f.Geometry)
		items = append(items, d.feature(i, &sf))
	}
	return items
}

func oracleGeometry(raw json.RawMessage) (orb.MultiPolygon, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, errors.New("no geometry")
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, fmt.Errorf("bad geometry: %v", err)
	}
	switch t := g.Geometry().(type) {
	case orb.Polygon:
		return orb.MultiPolygon{t}, nil
	case orb.MultiPolygon:
		return t, nil
	}
	return nil, fmt.Errorf("geometry type %s; want Polygon or MultiPolygon", g.Type)
}

// problemFields lists the fields of an item's problems: geometry errors
// are worded differently by orb and by the token decoder, but must be
// found on the same features.
func problemFields(it Item) []string {
	var out []string
	for _, p := range it.Problems {
		out = append(out, fmt.Sprint(p.Index, p.Feature, p.Field))
	}
	return out
}

// TestStreamDecoderAsEncodingJSON reads files with the token decoder and
// with encoding/json and orb, and wants the same plots, sheets and
// problems: the committed sample, a generated province (as the benchmark
// ingests it) and hand-written features in odd but valid forms.
func TestStreamDecoderAsEncodingJSON(t *testing.T) {
	dir := t.TempDir()
	cfg := sampledata.DefaultConfig()
	cfg.Plots = 3000
	if err := sampledata.WriteGeoJSON(cfg, dir); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, name := range []string{sampledata.SheetsFile, sampledata.PlotsFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files["generated "+name] = string(b)
	}
	ring := `[[600100,1192000],[600110,1192000],[600110,1192015],[600100,1192015],[600100,1192000]]`
	hole := `[[600102,1192002],[600104,1192002],[600104,1192004],[600102,1192002]]`
	props := `{"MaXa":"27001","SoHieuToBanDo":1,"SoThuTuThua":%d,"KyHieuMucDichSuDung":["ONT","CLN"],"DienTichPhapLy":150.5,"note":{"a":[1,true,null,"x"]}}`
	var odd []string
	for i, g := range []string{
		`{"type":"Polygon","coordinates":[` + ring + `]}`,
		`{"coordinates":[` + ring + `,` + hole + `],"type":"Polygon"}`, // coordinates first
		`{"type":"MultiPolygon","coordinates":[[` + ring + `],[` + hole + `]]}`,
		`{"type":"Polygon","coordinates":[[[600100,1192000,12.5],[600110,1192000,1],[600110,1192015,1],[600100,1192000,1]]]}`, // heights
		`{"type":"Polygon","bbox":[1,2,3,4],"coordinates":[` + ring + `],"extra":{"x":[[1]]}}`,
		`{"type":"Polygon","coordinates":[]}`,
		`{"type":"MultiPolygon","coordinates":[]}`,
		`{"type":"LineString","coordinates":[[600100,1192000],[600110,1192000]]}`,
		`{"type":"Point","coordinates":[600100,1192000]}`,
		`{"type":"GeometryCollection","geometries":[]}`,
		`null`,
		`{"type":"Polygon","coordinates":[` + ring + `,5]}`,                                                           // a number among rings
		`{"type":"MultiPolygon","coordinates":[[` + ring + `],"x"]}`,                                                  // a string among polygons
		`{"type":"Polygon","coordinates":[[[600100,1192000],7]]}`,                                                     // a number among positions
		`{"type":"Polygon","coordinates":[[[600100,1.192e6],[6.0011E5,1192000],[600110,1192015],[600100,1.192E+6]]]}`, // exponents
	} {
		odd = append(odd, fmt.Sprintf(`{"type":"Feature","geometry":%s,"properties":`+props+`}`, g, i+1))
	}
	odd = append(odd,
		`{"properties":`+fmt.Sprintf(props, 50)+`,"type":"Feature","geometry":{"type":"Polygon","coordinates":[`+ring+`]}}`, // properties first
		`{"type":"Feature","properties":{"plot":51,"sheet":1,"unit":"27001","land_use":"ONT","note":"ch\u00e2u \"x\""},"geometry":{"type":"Polygon","coordinates":[`+ring+`]}}`,
		`{"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[`+ring+`]}}`,
		`{"type":"Feature","properties":{"plot":52,"plot":53,"sheet":1,"unit":"27001","land_use":"ONT"},"geometry":{"type":"Polygon","coordinates":[`+ring+`]}}`, // repeated name: the last
		`{"type":"Feature","properties":{"grid_number":"F-48-1","scale":1000,"unit":"27001","sheet":1},"geometry":{"type":"Polygon","coordinates":[[[600000,1191500],[600500,1191500],[600500,1192000],[600000,1192000],[600000,1191500]]]}}`,
		`{"type":"Feat","properties":{"plot":1},"geometry":null}`,
		`{"type":"Feature","properties":{"plot":true,"unit":27001},"geometry":null}`,
		`null`, // a null feature: a problem of its own
		`{"type":"Feature","properties":`+fmt.Sprintf(props, 54)+`,"geometry":{"type":"Polygon","coordinates":[[[600100,1e400],[600110,1192000],[600110,1192015],[600100,1192000]]]}}`, // beyond float64
	)
	files["odd forms"] = `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::9210"}},"features":[` + strings.Join(odd, ",\n") + `]}`

	for name, src := range files {
		opt := Options{Unit: unitOf}
		var got []Item
		if err := DecodeGeoJSON(strings.NewReader(src), opt, func(it Item) error { got = append(got, it); return nil }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := oracleDecode(t, src, opt)
		if len(got) != len(want) {
			t.Fatalf("%s: %d items, oracle %d", name, len(got), len(want))
		}
		problems := 0
		for i := range got {
			g, w := got[i], want[i]
			if !reflect.DeepEqual(g.Plot, w.Plot) || !reflect.DeepEqual(g.Sheet, w.Sheet) {
				t.Errorf("%s #%d: plot %+v sheet %+v; oracle plot %+v sheet %+v", name, i, g.Plot, g.Sheet, w.Plot, w.Sheet)
			}
			if gf, wf := problemFields(g), problemFields(w); !reflect.DeepEqual(gf, wf) {
				t.Errorf("%s #%d: problems %v; oracle %v", name, i, g.Problems, w.Problems)
			}
			problems += len(g.Problems)
		}
		if name == "odd forms" && problems == 0 {
			t.Errorf("%s: no problems found, some features are bad", name)
		}
		t.Logf("%s: %d features, %d problems, same as encoding/json", name, len(got), problems)
	}
}

// TestStreamDecoderBadJSON: broken JSON is an input error naming the
// feature, and the callback's own error comes out unchanged.
func TestStreamDecoderBadJSON(t *testing.T) {
	good := `{"type":"Feature","properties":{"plot":1},"geometry":null}`
	for _, c := range []struct{ src, want string }{
		{`[1,2]`, "not a GeoJSON object"},
		{``, "not a GeoJSON object"},
		{`{"type":"Topology"}`, "want FeatureCollection"},
		{`{"type":["Feature",}`, "bad JSON"},
		{`{"type":"FeatureCollection","features":{}}`, "features is not an array"},
		{`{"type":"FeatureCollection","features":[` + good + `,{"type":"Feature","properties":{"plot":1,},"geometry":null}]}`, "feature #1: bad JSON"},
		{`{"type":"FeatureCollection","features":[` + good + `,{"type":"Feature","properties":"x"}]}`, "feature #1: bad JSON"},
		{`{"type":"FeatureCollection","features":[` + good + `,{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4]]]`, "feature #1: bad JSON"},
		{`{"type":"FeatureCollection","features":[` + good + `]`, "bad JSON"},
		{`{"type":"FeatureCollection","features":[],"crs":{"type":"name","properties":{"name":"EPSG:9210"}}}`, "crs member comes after"},
	} {
		err := DecodeGeoJSON(strings.NewReader(c.src), Options{CRS: 9210}, func(Item) error { return nil })
		if err == nil || !strings.Contains(err.Error(), c.want) || spatial.KindOf(err) != spatial.KindInvalid {
			t.Errorf("%.60q: error %v, want %q (invalid input)", c.src, err, c.want)
		}
	}
	stop := errors.New("stop")
	src := `{"type":"FeatureCollection","features":[` + good + `,` + good + `]}`
	n := 0
	err := DecodeGeoJSON(strings.NewReader(src), Options{CRS: 9210}, func(Item) error { n++; return stop })
	if !errors.Is(err, stop) || err != stop || n != 1 {
		t.Errorf("callback error: got %v after %d features, want stop after 1", err, n)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 1000 {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(good)
	}
	buf.WriteString(`]}`)
	n = 0
	if err := DecodeGeoJSON(&buf, Options{CRS: 9210}, func(Item) error { n++; return nil }); err != nil || n != 1000 {
		t.Errorf("1000 features: %d read, error %v", n, err)
	}
}
