package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/grid"
)

// Request is a submitted extract as the API and the CLI receive it
// (docs/examples/extract-submission.json is a complete one). The plot is
// {"unit": "27002", "sheet": 2, "plot": 458} or "27002/2/458".
type Request struct {
	Plot         spatial.PlotKey `json:"plot"`
	Scale        json.RawMessage `json:"scale"` // "1:1000", "1000" or 1000
	Agricultural bool            `json:"agricultural"`
	StatedArea   float64         `json:"stated_area"`
	Profile      string          `json:"profile"`
	// CRS is the zone of the boundary ("EPSG:9210"); empty: the plot's.
	CRS string `json:"crs"`
	// Boundary is a GeoJSON Polygon/MultiPolygon/Feature; Table a
	// coordinate table (point,x,y[,part,ring,length]). Exactly one.
	Boundary json.RawMessage `json:"boundary,omitempty"`
	Table    string          `json:"table,omitempty"`
	// ScaleReason and AgriculturalReason let an extract depart from the
	// plot's records (another scale than its sheet's, the agricultural
	// allowance on land recorded otherwise); the report shows them.
	ScaleReason        string `json:"scale_reason,omitempty"`
	AgriculturalReason string `json:"agricultural_reason,omitempty"`
}

// UnmarshalJSON reads a request strictly (an unknown field is an error,
// so a misspelt "stated_area" cannot pass silently) and takes the plot
// key as an object or as "unit/sheet/plot".
func (q *Request) UnmarshalJSON(b []byte) error {
	type plain Request // without this method
	var w struct {
		plain
		Plot json.RawMessage `json:"plot"`
	}
	if err := DecodeStrict(b, &w); err != nil {
		return err
	}
	*q = Request(w.plain)
	if len(w.Plot) == 0 || string(w.Plot) == "null" {
		return nil
	}
	var text string
	if json.Unmarshal(w.Plot, &text) == nil {
		k, err := spatial.ParsePlotKey(text)
		if err != nil {
			return spatial.Invalid("bad extract request", []spatial.Problem{{Index: -1, Field: "plot", Reason: err.Error()}})
		}
		q.Plot = k
		return nil
	}
	var k spatial.PlotKey
	if err := DecodeStrict(w.Plot, &k); err != nil {
		return spatial.Invalid("bad extract request", []spatial.Problem{{Index: -1, Field: "plot", Reason: `want "unit/sheet/plot" or {"unit": "27002", "sheet": 2, "plot": 458}`}})
	}
	q.Plot = k
	return nil
}

// DecodeStrict decodes one JSON value into v, refusing unknown fields and
// trailing data, and explains a failure in the request's own terms (the
// field and what it should hold, no Go type names).
func DecodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		err = CheckEnd(dec)
	}
	if err == nil {
		return nil
	}
	if spatial.KindOf(err) == spatial.KindInvalid {
		return err
	}
	return spatial.Invalid("bad request body", []spatial.Problem{JSONProblem(err)})
}

// CheckEnd refuses anything but white space after the value dec has
// decoded (a second value, a stray "}" or text): a body is one value, and
// what follows it must not pass unseen. (dec.More misses a stray "}".)
func CheckEnd(dec *json.Decoder) error {
	_, err := dec.Token()
	if err == io.EOF {
		return nil
	}
	e := spatial.Invalid("bad request body", []spatial.Problem{{Index: -1, Field: "body",
		Reason: fmt.Sprintf("trailing data after the JSON value (from byte %d): send one JSON object", dec.InputOffset())}})
	e.Err = err // a reader's own failure (a body limit) stays visible
	return e
}

// JSONProblem turns an encoding/json error into a Problem naming the field.
func JSONProblem(err error) spatial.Problem {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return spatial.Problem{Index: -1, Field: te.Field, Reason: fmt.Sprintf("got a JSON %s, want %s", te.Value, jsonKind(te.Type.Kind()))}
	case errors.As(err, &se):
		return spatial.Problem{Index: -1, Field: "body", Reason: fmt.Sprintf("not valid JSON at byte %d", se.Offset)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return spatial.Problem{Index: -1, Field: f, Reason: "unknown field (misspelt?)"}
	case errors.Is(err, io.EOF):
		return spatial.Problem{Index: -1, Field: "body", Reason: "empty body: want a JSON object"}
	default:
		return spatial.Problem{Index: -1, Field: "body", Reason: strings.TrimPrefix(err.Error(), "json: ")}
	}
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int64, reflect.Int32:
		return "a number"
	}
	return "another kind of value"
}

// Settings are the checked plain fields of a request.
type Settings struct {
	Scale   grid.Scale
	Profile *Profile
	EPSG    int // zone of the boundary; 0: the plot's
}

// Check checks the plain fields and returns every problem at once
// (KindInvalid naming the fields).
func (q *Request) Check() (Settings, error) {
	var st Settings
	var probs []spatial.Problem
	bad := func(field, format string, args ...any) {
		probs = append(probs, spatial.Problem{Index: -1, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if !q.Plot.Valid() {
		bad("plot", `want "unit/sheet/plot" or {"unit": 5-digit code, "sheet": n, "plot": n}, got %s`, q.Plot)
	}
	sc, err := grid.ParseScale(strings.Trim(string(q.Scale), `"`))
	if err != nil {
		bad("scale", "%v", err)
	}
	st.Scale = sc
	if st.Profile, err = LoadProfile(q.Profile); err != nil {
		bad("profile", "%v", err)
	}
	if q.CRS != "" {
		if st.EPSG, err = crs.ParseCRS(q.CRS); err != nil {
			bad("crs", "%v", err)
		} else if _, ok := crs.ZoneByEPSG(st.EPSG); !ok {
			bad("crs", "EPSG:%d is not a VN-2000 TM-3 zone", st.EPSG)
		}
	}
	if q.StatedArea < 0 {
		bad("stated_area", "must not be negative")
	}
	if (len(q.Boundary) == 0) == (q.Table == "") {
		bad("boundary", "give the measured boundary either as GeoJSON (boundary) or as a coordinate table (table)")
	}
	if len(probs) > 0 {
		return st, spatial.Invalid("bad extract request", probs)
	}
	return st, nil
}

// Input parses and checks the boundary, converts it to the stored plot's
// zone when needed (saying so), and returns the input of Check.
// KindInvalid errors name the point or ring at fault.
func (q *Request) Input(st Settings, stored *spatial.Plot, neighbours []Neighbour) (*Input, error) {
	epsg := st.EPSG
	if epsg == 0 {
		epsg = stored.EPSG
	}
	var b Boundary
	var err error
	if q.Table != "" {
		b, err = ParseTable(strings.NewReader(q.Table), epsg)
	} else {
		b, err = ParseGeoJSON(q.Boundary, epsg)
	}
	if err != nil {
		return nil, err
	}
	// Checked before any conversion: lon/lat given by mistake shows only
	// on the coordinates as written.
	if err := CheckBoundary(b); err != nil {
		return nil, err
	}
	b, note, err := b.ToZone(stored.EPSG)
	if err != nil {
		return nil, err
	}
	if probs := b.rangeProblems(); note != "" && len(probs) > 0 {
		return nil, spatial.Invalid(note+", where it lies outside the zone's plane", probs)
	}
	in := &Input{Stored: stored, Measured: b, Scale: st.Scale, Agricultural: q.Agricultural, StatedArea: q.StatedArea, Neighbours: neighbours,
		ScaleReason: q.ScaleReason, AgriculturalReason: q.AgriculturalReason}
	if note != "" {
		in.Notes = []string{note}
	}
	return in, nil
}

// Validate is the whole check of a submitted extract, the one path of
// POST /api/v1/extracts and `cadastre validate`: parse and check the
// boundary, convert its zone, hold it to the plot's records (its sheet's
// scale, its land use) and compare it with the plot and, when neighbours
// is not nil, with the plots it returns around the measured boundary.
func (q *Request) Validate(st Settings, stored *spatial.Plot, sheetScale grid.Scale, neighbours func(measured orb.MultiPolygon) ([]Neighbour, error)) (*Report, error) {
	in, err := q.Input(st, stored, nil)
	if err != nil {
		return nil, err
	}
	in.SheetScale = sheetScale
	if neighbours != nil {
		if in.Neighbours, err = neighbours(in.Measured.Geometry); err != nil {
			return nil, err
		}
	}
	return Check(in, st.Profile)
}

// MaxReportBytes bounds a stored report. MaxVertices keeps a real report
// well below it; the bound is what the stores can rely on.
const MaxReportBytes = 2 << 20

// Marshal encodes the report for storing: KindInvalid when it would
// exceed MaxReportBytes.
func (r *Report) Marshal() ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, spatial.Wrap(spatial.KindInternal, err, "extract: encoding the report")
	}
	if len(b) > MaxReportBytes {
		return nil, invalidField("boundary", fmt.Sprintf("the report of this boundary would take %d bytes, more than the %d stored with an extract: split the submission", len(b), MaxReportBytes))
	}
	return b, nil
}

// CheckText refuses a JSON body holding a NUL character in any string
// (written \u0000) or bytes that are not UTF-8: PostgreSQL cannot store
// either in text or jsonb (SQLSTATE 22021), a decoder would silently turn
// the latter into U+FFFD, and no point number, table or reason needs them.
// The problem names the field.
func CheckText(raw []byte) error {
	if !utf8.Valid(raw) {
		path := findInvalidUTF8(raw)
		if path == "" {
			path = "body"
		}
		return spatial.Invalid("bad request body", []spatial.Problem{{Index: -1, Field: path, Reason: "not valid UTF-8 text"}})
	}
	if !bytes.Contains(raw, []byte(`\u0000`)) && !bytes.Contains(raw, []byte{0}) {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil // the decoder names what is wrong
	}
	if path, ok := findNUL(v, ""); ok {
		if path == "" {
			path = "body"
		}
		return spatial.Invalid("bad request body", []spatial.Problem{{Index: -1, Field: path, Reason: "contains a NUL character (\\u0000)"}})
	}
	return nil
}

func findNUL(v any, path string) (string, bool) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch t := v.(type) {
	case string:
		return path, strings.ContainsRune(t, 0)
	case []any:
		for i, e := range t {
			if p, ok := findNUL(e, fmt.Sprintf("%s[%d]", path, i)); ok {
				return p, true
			}
		}
	case map[string]any:
		for k, e := range t {
			if strings.ContainsRune(k, 0) {
				return join("(a key)"), true
			}
			if p, ok := findNUL(e, join(k)); ok {
				return p, true
			}
		}
	}
	return "", false
}

// findInvalidUTF8 returns the path of the first string (value or key) of
// raw whose bytes are not UTF-8, or "" when it is outside any string or
// raw is not JSON. The decoder replaces such bytes with U+FFFD, so the
// raw bytes of each token are looked at.
func findInvalidUTF8(raw []byte) string {
	type frame struct {
		obj  bool
		key  string
		idx  int
		want bool // an object expecting a key
	}
	var stack []*frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.obj {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				fmt.Fprintf(&b, "[%d]", f.idx)
			}
		}
		return b.String()
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var prev int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		off := dec.InputOffset()
		bad := !utf8.Valid(raw[prev:off])
		prev = off
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.obj {
					top.want = true
				}
				stack = append(stack, &frame{obj: t == '{', want: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && !stack[len(stack)-1].obj {
					stack[len(stack)-1].idx++
				}
			}
			continue
		}
		if top != nil && top.obj && top.want {
			top.key, top.want = tok.(string), false
			if bad {
				return path() + " (a key)"
			}
			continue
		}
		if bad {
			return path()
		}
		if top != nil {
			if top.obj {
				top.want = true
			} else {
				top.idx++
			}
		}
	}
}
