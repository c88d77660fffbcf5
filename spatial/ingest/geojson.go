// Package ingest decodes the files people have (GeoJSON, coordinate tables)
// into domain sheets and plots, with precise errors: each bad feature is
// named by its position in the file, its key when known, the field and the
// reason, and decoding goes on so that every error is reported at once.
package ingest

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/crs"
)

// Options steers decoding.
type Options struct {
	// CRS is the EPSG code of the coordinates when the file does not say
	// (GeoJSON `crs` member); 0 = take it from the file. A file that says
	// otherwise is an error.
	CRS int
	// Fields maps property names; nil = DefaultFields().
	Fields *Fields
	// UnitZone gives the zone (and successor) of a unit, to convert WGS 84
	// input into the plane of the plot's unit and to default the current
	// commune. nil: WGS 84 input is refused.
	Unit func(code string) (spatial.AdminUnit, bool)
	// Limits bound a feature's vertices and the length of a string.
	Limits Limits
}

// Item is one decoded feature: a plot or a sheet, or only problems.
type Item struct {
	Index    int // 0-based position of the feature in the file
	Plot     *spatial.Plot
	Sheet    *spatial.Sheet
	Problems []spatial.Problem
}

// DecodeGeoJSON streams a FeatureCollection (or a single Feature) and
// calls fn for each feature in file order; memory stays bounded by one
// feature and the Limits. The `crs` member must come before `features`
// (GDAL writes it there) unless opt.CRS is given. The input must be
// exactly one such object: another document or any bytes after it but
// white space, an object without a type or of another type, invalid UTF-8
// anywhere, are a KindInvalid error (issue 13: refused, not altered).
func DecodeGeoJSON(r io.Reader, opt Options, fn func(Item) error) error {
	if opt.Fields == nil {
		opt.Fields = DefaultFields()
	}
	dec := newTokenDecoder(newStringGuard(r, opt.Limits.str()))
	if dec.PeekKind() != '{' {
		tok, err := dec.ReadToken()
		if err == nil {
			err = fmt.Errorf("got %s", kindName(tok.Kind()))
		}
		return decodeErr("not a GeoJSON object", err)
	}
	d := &decoder{opt: opt, epsg: opt.CRS}
	var typ string
	single := streamFeature{props: map[string]any{}, geomErr: errors.New("no geometry")}
	err := readObject(dec, func(key string) error {
		switch key {
		case "type":
			v, err := readAny(dec)
			if err != nil {
				return err // bad JSON
			}
			if typ, _ = v.(string); typ != "FeatureCollection" && typ != "Feature" {
				return inputErr("top-level type is %q; want FeatureCollection or Feature", fmt.Sprint(v))
			}
			return nil
		case "crs":
			return d.readCRS(dec)
		case "features":
			if typ == "Feature" {
				return dec.SkipValue() // a foreign member of a Feature
			}
			return d.readFeatures(dec, fn)
		case "geometry", "properties":
			// Members of a single Feature; a FeatureCollection's are foreign
			// and dropped when its type is known.
			return d.readFeatureMember(dec, key, &single)
		}
		if err := dec.SkipValue(); err != nil {
			return inputErr("bad JSON in member %q: %v", key, err)
		}
		return nil
	})
	if err == nil {
		err = d.end(dec, typ, &single, fn)
	}
	var pe passErr
	var se *spatial.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return pe.err // fn's, as it gave it
	case errors.As(err, &se):
		return err // a problem of the file, already said
	}
	return decodeErr("bad JSON", err)
}

// end checks what follows the top-level object (nothing but white space)
// and its type, and hands a single Feature to fn.
func (d *decoder) end(dec *jsontext.Decoder, typ string, single *streamFeature, fn func(Item) error) error {
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		if err == nil {
			return inputErr("more than one JSON document: something follows the GeoJSON object at byte %d", dec.InputOffset())
		}
		return decodeErr("after the GeoJSON object", err)
	}
	switch typ {
	case "":
		return inputErr("the top-level object has no type: want a GeoJSON FeatureCollection or Feature")
	case "Feature":
		single.typ = "Feature"
		if err := fn(d.feature(0, single)); err != nil {
			return passErr{err}
		}
	}
	return nil
}

// decodeErr is the KindInvalid error of a file the decoder cannot read
// further, saying where: a string over the limit, invalid UTF-8 (with
// the JSON pointer of the value), or bad JSON.
func decodeErr(what string, err error) error {
	var long errStringTooLong
	if errors.As(err, &long) {
		return inputErr("%s: %v", what, long)
	}
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		where := ""
		if se.JSONPointer != "" {
			where = fmt.Sprintf(" in %s", se.JSONPointer)
		}
		if strings.Contains(se.Error(), "invalid UTF-8") {
			return inputErr("%s: invalid UTF-8%s at byte %d (save the file as UTF-8)", what, where, se.ByteOffset)
		}
	}
	if what == "bad JSON" {
		return inputErr("bad JSON: %v", err)
	}
	return inputErr("%s: bad JSON: %v", what, err)
}

// passErr carries an error of DecodeGeoJSON's callback out unchanged.
type passErr struct{ err error }

func (e passErr) Error() string { return e.err.Error() }

func inputErr(format string, args ...any) error {
	return spatial.Invalid(fmt.Sprintf(format, args...), nil)
}

// decoder carries the state of one file.
type decoder struct {
	opt      Options
	epsg     int  // the file's CRS; 0 = unknown so far
	sawFeats bool // features already read (a later crs member is too late)
}

func (d *decoder) readCRS(dec *jsontext.Decoder) error {
	v, err := readAny(dec)
	if err != nil {
		return inputErr("bad crs member: %v", err)
	}
	var name string
	if m, ok := v.(map[string]any); ok {
		if p, ok := m["properties"].(map[string]any); ok {
			name, _ = p["name"].(string)
		}
	}
	return d.readCRSName(name)
}

// readCRSName takes the CRS named by the crs member.
func (d *decoder) readCRSName(name string) error {
	epsg, err := crs.ParseCRS(name)
	if err != nil {
		return inputErr("crs member %q: %v", name, err)
	}
	if d.sawFeats {
		return inputErr("the crs member comes after the features; put it first or give the CRS explicitly")
	}
	if d.opt.CRS != 0 && d.opt.CRS != epsg {
		return inputErr("the file says EPSG:%d but EPSG:%d was given", epsg, d.opt.CRS)
	}
	d.epsg = epsg
	return nil
}

func (d *decoder) readFeatures(dec *jsontext.Decoder, fn func(Item) error) error {
	d.sawFeats = true
	if k := dec.PeekKind(); k != '[' {
		return inputErr("features is not an array: got %s", kindName(k))
	}
	if _, err := dec.ReadToken(); err != nil {
		return inputErr("bad JSON: %v", err)
	}
	for i := 0; dec.PeekKind() != ']'; i++ {
		f := streamFeature{props: map[string]any{}}
		if dec.PeekKind() == 'n' { // a null feature: a problem of its own, as any non-feature
			if _, err := dec.ReadToken(); err != nil {
				return decodeErr(fmt.Sprintf("feature #%d", i), err)
			}
		} else if err := d.readFeature(dec, &f); err != nil {
			return decodeErr(fmt.Sprintf("feature #%d", i), err)
		}
		if err := fn(d.feature(i, &f)); err != nil {
			return passErr{err}
		}
	}
	_, err := dec.ReadToken() // ]
	return err
}

// feature interprets one feature as read.
func (d *decoder) feature(i int, f *streamFeature) Item {
	it := Item{Index: i}
	p := &props{m: f.props, item: &it}
	if f.typ != "Feature" {
		p.problem("type", fmt.Sprintf("type is %q; want Feature", f.typ))
		return it
	}
	g, err := f.geom, f.geomErr
	if err != nil {
		p.problem("geometry", err.Error())
	}
	for _, bt := range f.badText {
		p.problem(bt[0], bt[1])
	}
	if p.has(FieldPlot) {
		d.plot(p, g)
	} else if p.has(FieldGridNumber) || p.has(FieldOffGrid) {
		d.sheet(p, g)
	} else {
		p.problem("properties", "neither a plot (no plot number) nor a sheet (no grid number)")
	}
	return it
}

// looksLonLat reports whether every coordinate is within lon/lat ranges,
// as VN-2000 plane metres never are.
func looksLonLat(mp orb.MultiPolygon) bool {
	b := mp.Bound()
	return math.Abs(b.Min[0]) <= 180 && math.Abs(b.Max[0]) <= 180 && math.Abs(b.Min[1]) <= 90 && math.Abs(b.Max[1]) <= 90
}
