package ogc

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/planetlabs/go-ogc/filter"
)

// The CQL2-text parser against the examples of OGC 21-065r2 (the
// standard's own cql2-text / cql2-json pairs, in this project's
// property names): the parsed AST must encode to the standard's JSON.
var textToJSON = []struct{ text, json string }{
	{"legal_area > 1000", `{"op":">","args":[{"property":"legal_area"},1000]}`},
	{"commune = '27001' AND NOT plot < 5", `{"op":"and","args":[{"op":"=","args":[{"property":"commune"},"27001"]},{"op":"not","args":[{"op":"<","args":[{"property":"plot"},5]}]}]}`},
	{"a = 1 OR b = 2 AND c = 3", `{"op":"or","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"and","args":[{"op":"=","args":[{"property":"b"},2]},{"op":"=","args":[{"property":"c"},3]}]}]}`},
	{"name LIKE 'Nguy%n' ", `{"op":"like","args":[{"property":"name"},"Nguy%n"]}`},
	{"name NOT LIKE 'x_'", `{"op":"not","args":[{"op":"like","args":[{"property":"name"},"x_"]}]}`},
	{"area BETWEEN 1 AND 2.5e3", `{"op":"between","args":[{"property":"area"},1,2500]}`},
	{"plot IN (1, 2)", `{"op":"in","args":[{"property":"plot"},[1,2]]}`},
	{"address IS NOT NULL", `{"op":"not","args":[{"op":"isNull","args":[{"property":"address"}]}]}`},
	{"CASEI(name) = casei('Đà')", `{"op":"=","args":[{"op":"casei","args":[{"property":"name"}]},{"op":"casei","args":["Đà"]}]}`},
	{"S_INTERSECTS(geometry, POINT(106.7 10.8))", `{"op":"s_intersects","args":[{"property":"geometry"},{"coordinates":[106.7,10.8],"type":"Point"}]}`},
	{"s_intersects(geometry, BBOX(1, 2, 3, 4))", `{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[1,2,3,4]}]}`},
	{"S_INTERSECTS(geometry,POLYGON((0 0,1 0,1 1,0 0)))", `{"op":"s_intersects","args":[{"property":"geometry"},{"coordinates":[[[0,0],[1,0],[1,1],[0,0]]],"type":"Polygon"}]}`},
	{"A_CONTAINS(land_use, ('ONT', 'CLN'))", `{"op":"a_contains","args":[{"property":"land_use"},["ONT","CLN"]]}`},
	{"valid_from > TIMESTAMP('2024-01-01T00:00:00Z')", `{"op":">","args":[{"property":"valid_from"},{"timestamp":"2024-01-01T00:00:00Z"}]}`},
	{"\"legal area\" = 'it''s'", `{"op":"=","args":[{"property":"legal area"},"it's"]}`},
	{"TRUE", `true`},
}

func TestCQL2TextToJSON(t *testing.T) {
	for _, c := range textToJSON {
		e, err := ParseCQL2Text(c.text)
		if err != nil {
			t.Errorf("%s: %v", c.text, err)
			continue
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Errorf("%s: %v", c.text, err)
			continue
		}
		var got, want any
		if json.Unmarshal(b, &got) != nil || json.Unmarshal([]byte(c.json), &want) != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", c.text, b, c.json)
		}
	}
}

func TestCQL2TextErrors(t *testing.T) {
	for _, bad := range []string{"", "a", "a =", "a = 'x", "(a = 1", "a = 1)", "a BETWEEN 1", "a IN ()", "a IS NUL",
		"S_INTERSECTS(geometry, POINT(1))", "S_INTERSECTS(geometry, BBOX(1,2,3))", "a = 1 AND", "NOT", "a LIKE 3 ~",
		"\xff = 1", strings.Repeat("NOT ", 200) + "a = 1", "A_CONTAINS(land_use, ('a',)"} {
		if e, err := ParseCQL2Text(bad); err == nil {
			t.Errorf("%q parsed as %v", bad, e)
		}
	}
}

// FuzzParseCQL2Text: the parser never panics, and whatever it accepts is
// valid CQL2-JSON that go-ogc decodes back to the same JSON.
func FuzzParseCQL2Text(f *testing.F) {
	for _, c := range textToJSON {
		f.Add(c.text)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseCQL2Text(s)
		if err != nil {
			return
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("%q parsed but does not encode: %v", s, err)
		}
		var back filter.Filter
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q encodes as %s, which go-ogc refuses: %v", s, b, err)
		}
		b2, err := json.Marshal(&back)
		var v1, v2 any
		if err != nil || json.Unmarshal(b, &v1) != nil || json.Unmarshal(b2, &v2) != nil || !reflect.DeepEqual(v1, v2) {
			t.Fatalf("%q: %s round-trips as %s (%v)", s, b, b2, err)
		}
	})
}
