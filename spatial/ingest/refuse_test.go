package ingest

import (
	"io"
	"strings"
	"testing"

	"cadastre/spatial"
)

const onePlot = `{"type":"Feature","properties":{"unit":"27001","sheet":1,"plot":1,"land_use":"LUC","address":ADDR},` +
	`"geometry":{"type":"Polygon","coordinates":[[[600100,1192000],[600110,1192000],[600110,1192015],[600100,1192000]]]}}`

func plotWith(addr string) string { return strings.Replace(onePlot, "ADDR", addr, 1) }

// TestDecodeRefusesWholeFile: input that used to be read with something
// ignored or altered is a KindInvalid error of the file (issue 13).
// Before, trailing documents were ignored, {} decoded as no features and
// invalid UTF-8 became U+FFFD.
func TestDecodeRefusesWholeFile(t *testing.T) {
	fc := `{"type":"FeatureCollection","features":[` + plotWith(`"x"`) + `]}`
	for _, c := range []struct{ name, src, want string }{
		{"second document", fc + "\n" + fc, "more than one JSON document"},
		{"trailing bytes", fc + "garbage", "after the GeoJSON object"},
		{"trailing brace", fc + "}", "after the GeoJSON object"},
		{"empty object", `{}`, "has no type"},
		{"no type", `{"features":[]}`, "has no type"},
		{"geometry object", `{"type":"Polygon","coordinates":[]}`, "want FeatureCollection or Feature"},
		{"invalid UTF-8", strings.Replace(fc, `"x"`, "\"Th\xf4n 1\"", 1), "invalid UTF-8"},
		{"long string", strings.Replace(fc, `"x"`, `"`+strings.Repeat("a", 100)+`"`, 1), "longer than the limit of 64 bytes"},
		{"long escaped string", strings.Replace(fc, `"x"`, `"`+strings.Repeat(`\"`, 40)+`"`, 1), "longer than the limit of 64 bytes"},
	} {
		n := 0
		err := DecodeGeoJSON(strings.NewReader(c.src), Options{CRS: 9210, Limits: Limits{MaxString: 64}}, func(Item) error { n++; return nil })
		if spatial.KindOf(err) != spatial.KindInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an invalid-input error with %q", c.name, err, c.want)
		}
	}
	// White space after the document is fine, as is a string just at the limit.
	ok := strings.Replace(fc, `"x"`, `"`+strings.Repeat("a", 64)+`"`, 1) + "\n \t\n"
	if err := DecodeGeoJSON(strings.NewReader(ok), Options{CRS: 9210, Limits: Limits{MaxString: 64}}, func(Item) error { return nil }); err != nil {
		t.Errorf("trailing white space, string at the limit: %v", err)
	}
}

// TestDecodeSingleFeature: a top-level Feature is one feature, whatever
// the order of its members.
func TestDecodeSingleFeature(t *testing.T) {
	src := `{"geometry":{"type":"Polygon","coordinates":[[[600100,1192000],[600110,1192000],[600110,1192015],[600100,1192000]]]},` +
		`"properties":{"unit":"27001","sheet":1,"plot":7,"land_use":"LUC"},"type":"Feature"}`
	items := collect(t, func(fn func(Item) error) error {
		return DecodeGeoJSON(strings.NewReader(src), Options{CRS: 9210}, fn)
	})
	if len(items) != 1 || items[0].Plot == nil || items[0].Plot.Key.Plot != 7 || len(items[0].Problems) > 0 {
		t.Fatalf("got %+v, want plot 7 without problems", items)
	}
}

// TestDecodeNULAndVertices: a NUL character in a property and a polygon
// over the vertex limit are problems of their feature, naming the field;
// the other features are read.
func TestDecodeNULAndVertices(t *testing.T) {
	var big strings.Builder
	big.WriteString(`{"type":"Feature","properties":{"unit":"27001","sheet":1,"plot":3,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[`)
	for i := range 1000 {
		if i > 0 {
			big.WriteByte(',')
		}
		big.WriteString(`[600100,1192000]`)
	}
	big.WriteString(`]]}}`)
	src := `{"type":"FeatureCollection","features":[` + plotWith(`"Th\u00f4n\u0000 1"`) + `,` + plotWith(`"ok"`) + `,` + big.String() + `]}`
	items := collect(t, func(fn func(Item) error) error {
		return DecodeGeoJSON(strings.NewReader(src), Options{CRS: 9210, Limits: Limits{MaxVertices: 100}}, fn)
	})
	if len(items) != 3 {
		t.Fatalf("got %d items, want 3", len(items))
	}
	if !hasProblem(items[0], FieldAddress, "NUL") {
		t.Errorf("NUL in address: problems %v, want one naming address", items[0].Problems)
	}
	if len(items[1].Problems) > 0 {
		t.Errorf("good feature: %v", items[1].Problems)
	}
	if !hasProblem(items[2], "geometry", "more than 100 vertices") {
		t.Errorf("1000 vertices: problems %v, want the vertex limit", items[2].Problems)
	}
}

// TestTableRefusesBadText: a cell with a NUL or invalid UTF-8 is a problem
// naming the column and row; a line over the limit stops the table.
func TestTableRefusesBadText(t *testing.T) {
	csv := "unit,sheet,plot,point,x,y,land_use,address\n" +
		"27001,1,1,1,1192000,600100,LUC,\"a\x00b\"\n27001,1,1,2,1192000,600110,LUC,\n27001,1,1,3,1192015,600110,LUC,\n" +
		"27001,1,2,1,1192000,600100,LUC,\"Th\xf4n\"\n27001,1,2,2,1192000,600110,LUC,\n27001,1,2,3,1192015,600110,LUC,\n"
	items := collect(t, func(fn func(Item) error) error {
		return DecodeCoordinateTable(strings.NewReader(csv), Options{CRS: 9210}, fn)
	})
	if len(items) != 2 || !hasProblem(items[0], "address (row 2)", "NUL") || !hasProblem(items[1], "address (row 5)", "UTF-8") {
		t.Fatalf("got %+v, want NUL and UTF-8 problems naming the address cells", items)
	}
	long := "unit,sheet,plot,point,x,y,land_use,address\n27001,1,1,1,1192000,600100,LUC," + strings.Repeat("a", 200) + "\n"
	err := DecodeCoordinateTable(strings.NewReader(long), Options{CRS: 9210, Limits: Limits{MaxString: 100}}, func(Item) error { return nil })
	if spatial.KindOf(err) != spatial.KindInvalid || !strings.Contains(err.Error(), "line 2 is longer") {
		t.Errorf("long line: got %v, want line 2 over the limit", err)
	}
}

// TestStringGuardStreams: the guard fails a long string after reading
// about the limit, not the whole input.
func TestStringGuardStreams(t *testing.T) {
	r := io.MultiReader(strings.NewReader(`{"a":"`), neverEnding('x'))
	g := newStringGuard(r, 1<<20)
	n, err := io.Copy(io.Discard, g)
	if _, ok := err.(errStringTooLong); !ok || n > 2<<20 {
		t.Errorf("endless string: read %d bytes, error %v; want the limit error within 2 MiB", n, err)
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}
