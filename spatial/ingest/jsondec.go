package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/paulmach/orb"
)

// The features of a GeoJSON file are read token by token with jsontext
// (the streaming layer of the proposed encoding/json/v2, by the Go team):
// one pass over the bytes, coordinates straight into orb types and
// properties straight into their canonical names. encoding/json's
// Decoder.Decode scanned each feature three times and orb's geojson
// decoder twice more; that was a third of an ingest's CPU time.
// TestStreamDecoderAsEncodingJSON checks both read the same files alike.

// newTokenDecoder is as lenient as encoding/json was about a repeated
// member name (the last value is kept) but refuses invalid UTF-8, which
// encoding/json turned into U+FFFD: text is stored as sent or refused,
// never altered (issue 13).
func newTokenDecoder(r io.Reader) *jsontext.Decoder {
	return jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(false))
}

// readObject reads an object whose '{' is next, calling member for each
// name with the decoder before its value, which member must consume.
func readObject(dec *jsontext.Decoder, member func(name string) error) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != '{' {
		return fmt.Errorf("got %s, want an object", kindName(tok.Kind()))
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if err := member(name.String()); err != nil {
			return err
		}
	}
	_, err = dec.ReadToken() // }
	return err
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case ']':
		return "the end of an array"
	case '}':
		return "the end of an object"
	}
	return "nothing"
}

// readAny reads one value as encoding/json with UseNumber decodes it into
// an interface: string, json.Number, bool, nil, []any or map[string]any.
func readAny(dec *jsontext.Decoder) (any, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case 'f':
		return false, nil
	case 't':
		return true, nil
	case '"':
		return tok.String(), nil
	case '0':
		return json.Number(tok.String()), nil
	case '[':
		out := []any{}
		for dec.PeekKind() != ']' {
			v, err := readAny(dec)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		_, err := dec.ReadToken()
		return out, err
	case '{':
		out := map[string]any{}
		for dec.PeekKind() != '}' {
			tok, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			name := tok.String() // before the next read voids tok
			v, err := readAny(dec)
			if err != nil {
				return nil, err
			}
			out[name] = v
		}
		_, err := dec.ReadToken()
		return out, err
	}
	return nil, fmt.Errorf("unexpected %v", tok)
}

// streamFeature is one feature as read: its members, the geometry already
// decoded (or why not), the properties under their canonical names.
type streamFeature struct {
	typ     string
	props   map[string]any
	geom    orb.MultiPolygon
	geomErr error
	badText [][2]string // (property, reason) of values that cannot be stored
}

// readFeature reads one feature object. A JSON syntax error is returned
// (the file cannot be read further); a geometry that is valid JSON but not
// a polygon is reported in geomErr, as a problem of the feature.
func (d *decoder) readFeature(dec *jsontext.Decoder, f *streamFeature) error {
	f.geomErr = errors.New("no geometry")
	return readObject(dec, func(name string) error {
		if name == "type" {
			v, err := readAny(dec)
			if err != nil {
				return err
			}
			s, _ := v.(string)
			f.typ = s
			if s == "" {
				f.typ = fmt.Sprint(v)
			}
			return nil
		}
		return d.readFeatureMember(dec, name, f)
	})
}

// readFeatureMember reads the member name of a feature (its geometry or
// properties; others are skipped). A property holding a NUL character is
// noted in f.badText under its canonical name.
func (d *decoder) readFeatureMember(dec *jsontext.Decoder, name string, f *streamFeature) error {
	switch name {
	case "geometry":
		g, gerr, err := readGeometry(dec, d.opt.Limits.vertices())
		f.geom, f.geomErr = g, gerr
		return err
	case "properties":
		if dec.PeekKind() == 'n' {
			_, err := dec.ReadToken()
			return err
		}
		return readObject(dec, func(k string) error {
			v, err := readAny(dec)
			if err != nil {
				return err
			}
			canon := d.opt.Fields.canonicalName(k)
			if why := textIn(v); why != "" {
				f.badText = append(f.badText, [2]string{canon, why})
			}
			f.props[canon] = v
			return nil
		})
	}
	return dec.SkipValue()
}

// readGeometry reads a GeoJSON geometry (or null) into a multipolygon. err
// is a JSON syntax error; gerr says why valid JSON is not a polygon.
func readGeometry(dec *jsontext.Decoder, maxVertices int) (mp orb.MultiPolygon, gerr, err error) {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return nil, errors.New("no geometry"), err
	}
	if dec.PeekKind() != '{' {
		return nil, fmt.Errorf("bad geometry: %s, want an object", kindName(dec.PeekKind())), dec.SkipValue()
	}
	var typ string
	var depth int // nesting of the coordinates: 3 for a Polygon, 4 for a MultiPolygon
	var coords orb.MultiPolygon
	var coordErr error
	sawCoords := false
	err = readObject(dec, func(name string) error {
		switch name {
		case "type":
			v, err := readAny(dec)
			if err != nil {
				return err
			}
			typ, _ = v.(string)
			return nil
		case "coordinates":
			sawCoords = true
			var err error
			depth, coords, coordErr, err = readCoordinates(dec, maxVertices)
			return err
		}
		return dec.SkipValue()
	})
	if err != nil {
		return nil, nil, err
	}
	switch {
	case typ != "Polygon" && typ != "MultiPolygon":
		if typ == "" {
			return nil, errors.New("bad geometry: no type"), nil
		}
		return nil, fmt.Errorf("geometry type %s; want Polygon or MultiPolygon", typ), nil
	case !sawCoords:
		return nil, errors.New("bad geometry: no coordinates"), nil
	case coordErr != nil:
		return nil, fmt.Errorf("bad geometry: %v", coordErr), nil
	case depth == 0 && typ == "Polygon": // "coordinates": [], as orb reads it
		return orb.MultiPolygon{orb.Polygon{}}, nil, nil
	case depth == 0:
		return orb.MultiPolygon{}, nil, nil
	case typ == "Polygon" && depth != 3, typ == "MultiPolygon" && depth != 4:
		return nil, fmt.Errorf("bad geometry: coordinates of %s nested %d deep", typ, depth), nil
	}
	return coords, nil, nil
}

// readCoordinates reads a coordinates array of Polygon (depth 3:
// rings of positions) or MultiPolygon (depth 4) nesting, whichever it is:
// the depth is that of its first position. Positions keep their first two
// numbers (a third, the height, is dropped, as orb does). cerr says why
// valid JSON is not such an array (mixed depths, a position of fewer than
// two numbers, an empty ring); an empty array is depth 0 and no polygon.
func readCoordinates(dec *jsontext.Decoder, maxVertices int) (depth int, mp orb.MultiPolygon, cerr, err error) {
	if dec.PeekKind() != '[' {
		return 0, nil, fmt.Errorf("coordinates are %s, want an array", kindName(dec.PeekKind())), dec.SkipValue()
	}
	base := dec.StackDepth()
	// The depth: the arrays opened before the first number.
	for dec.PeekKind() == '[' {
		if _, err := dec.ReadToken(); err != nil {
			return 0, nil, nil, err
		}
		depth++
	}
	switch {
	case dec.PeekKind() == ']' && depth == 1:
		return skipRest(dec, base, nil) // []: no polygon
	case dec.PeekKind() == ']':
		return skipRest(dec, base, errors.New("an empty ring or polygon"))
	case dec.PeekKind() != '0':
		return skipRest(dec, base, fmt.Errorf("%s in coordinates", kindName(dec.PeekKind())))
	case depth != 3 && depth != 4:
		return skipRest(dec, base, fmt.Errorf("positions nested %d deep, want 3 (Polygon) or 4 (MultiPolygon)", depth))
	}
	// The reader is inside the first position, at its first number.
	var ring orb.Ring
	var poly orb.Polygon
	for vertices := 1; ; vertices++ {
		if vertices > maxVertices {
			// The rest is skipped token by token: memory stays at the limit.
			return skipRest(dec, base, fmt.Errorf("more than %d vertices, the limit of one feature", maxVertices))
		}
		var p orb.Point
		n := 0
		for dec.PeekKind() == '0' {
			tok, err := dec.ReadToken()
			if err != nil {
				return 0, nil, nil, err
			}
			if n < 2 {
				// jsontext gives ±MaxFloat64 for a number beyond float64.
				if p[n] = tok.Float(); math.Abs(p[n]) == math.MaxFloat64 {
					return skipRest(dec, base, fmt.Errorf("coordinate %s out of range", tok.String()))
				}
			}
			n++
		}
		if dec.PeekKind() != ']' {
			return skipRest(dec, base, fmt.Errorf("%s in a position", kindName(dec.PeekKind())))
		}
		if n < 2 {
			return skipRest(dec, base, fmt.Errorf("a position of %d number(s), want 2", n))
		}
		if err := closeArray(dec); err != nil { // the position
			return 0, nil, nil, err
		}
		ring = append(ring, p)
		// After each array closed: another of its kind (continue with its
		// first position), or the end of the array holding it.
		more, cerr, err := nextOrEnd(dec, 1, "positions")
		if cerr != nil || err != nil {
			return fail(dec, base, cerr, err)
		}
		if more {
			continue
		}
		poly, ring = append(poly, ring), nil
		if more, cerr, err = nextOrEnd(dec, 2, "rings"); cerr != nil || err != nil {
			return fail(dec, base, cerr, err)
		}
		if more {
			continue
		}
		mp, poly = append(mp, poly), nil
		if depth == 3 {
			return depth, mp, nil, nil // the polygon was the coordinates array
		}
		if more, cerr, err = nextOrEnd(dec, 3, "polygons"); cerr != nil || err != nil {
			return fail(dec, base, cerr, err)
		}
		if !more {
			return depth, mp, nil, nil
		}
	}
}

// nextOrEnd follows an array of coordinates just closed: if another one
// comes, it opens the open arrays down to that one's first position
// (more); else it closes the array holding them. cerr says why valid
// JSON does not go on as coordinates; among names what was expected.
func nextOrEnd(dec *jsontext.Decoder, open int, among string) (more bool, cerr, err error) {
	switch dec.PeekKind() {
	case '[':
		return true, openArrays(dec, open), nil
	case ']':
		return false, nil, closeArray(dec)
	}
	return false, fmt.Errorf("%s among %s", kindName(dec.PeekKind()), among), nil
}

// fail ends readCoordinates: a JSON error as it is, a coordinates error
// after skipping the rest of the value.
func fail(dec *jsontext.Decoder, base int, cerr, err error) (int, orb.MultiPolygon, error, error) {
	if err != nil {
		return 0, nil, nil, err
	}
	return skipRest(dec, base, cerr)
}

func closeArray(dec *jsontext.Decoder) error {
	_, err := dec.ReadToken()
	return err
}

// openArrays reads n '[' tokens in a row (into the first position of the
// next ring or polygon).
func openArrays(dec *jsontext.Decoder, n int) error {
	for range n {
		if dec.PeekKind() != '[' {
			return fmt.Errorf("%s where an array was expected in coordinates", kindName(dec.PeekKind()))
		}
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
	}
	if dec.PeekKind() != '0' {
		return fmt.Errorf("%s where a position was expected", kindName(dec.PeekKind()))
	}
	return nil
}

// skipRest consumes the rest of the coordinates value (the reader is
// somewhere inside it) and reports cerr; nil cerr with depth 0 means an
// empty coordinates array.
func skipRest(dec *jsontext.Decoder, base int, cerr error) (int, orb.MultiPolygon, error, error) {
	for dec.StackDepth() > base {
		if dec.PeekKind() == ']' || dec.PeekKind() == '}' {
			if _, err := dec.ReadToken(); err != nil {
				return 0, nil, nil, err
			}
			continue
		}
		if err := dec.SkipValue(); err != nil {
			return 0, nil, nil, err
		}
	}
	return 0, nil, cerr, nil
}
