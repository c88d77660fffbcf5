// Package ingest decodes the files people have (GeoJSON, coordinate tables)
// into domain sheets and plots, with precise errors: each bad feature is
// named by its position in the file, its key when known, the field and the
// reason, and decoding goes on so that every error is reported at once.
package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

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
}

// Item is one decoded feature: a plot or a sheet, or only problems.
type Item struct {
	Index    int // 0-based position of the feature in the file
	Plot     *spatial.Plot
	Sheet    *spatial.Sheet
	Problems []spatial.Problem
}

// rawFeature is one GeoJSON feature before interpretation.
type rawFeature struct {
	Type       string          `json:"type"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
}

// DecodeGeoJSON streams a FeatureCollection and calls fn for each feature
// in file order; memory stays bounded by one feature. The `crs` member must
// come before `features` (GDAL writes it there) unless opt.CRS is given.
func DecodeGeoJSON(r io.Reader, opt Options, fn func(Item) error) error {
	if opt.Fields == nil {
		opt.Fields = DefaultFields()
	}
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return inputErr("not a GeoJSON object: %v", err)
	}
	d := &decoder{opt: opt, epsg: opt.CRS}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return inputErr("bad JSON: %v", err)
		}
		key, _ := tok.(string)
		switch key {
		case "type":
			var t string
			if err := dec.Decode(&t); err != nil || t != "FeatureCollection" {
				return inputErr("top-level type is %q; want FeatureCollection", t)
			}
		case "crs":
			if err := d.readCRS(dec); err != nil {
				return err
			}
		case "features":
			if err := d.readFeatures(dec, fn); err != nil {
				return err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return inputErr("bad JSON in member %q: %v", key, err)
			}
		}
	}
	return nil
}

func inputErr(format string, args ...any) error {
	return spatial.Invalid(fmt.Sprintf(format, args...), nil)
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("got %v, want %q", tok, want)
	}
	return nil
}

// decoder carries the state of one file.
type decoder struct {
	opt      Options
	epsg     int  // the file's CRS; 0 = unknown so far
	sawFeats bool // features already read (a later crs member is too late)
}

func (d *decoder) readCRS(dec *json.Decoder) error {
	var c struct {
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if err := dec.Decode(&c); err != nil {
		return inputErr("bad crs member: %v", err)
	}
	epsg, err := crs.ParseCRS(c.Properties.Name)
	if err != nil {
		return inputErr("crs member %q: %v", c.Properties.Name, err)
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

func (d *decoder) readFeatures(dec *json.Decoder, fn func(Item) error) error {
	d.sawFeats = true
	if err := expectDelim(dec, '['); err != nil {
		return inputErr("features is not an array: %v", err)
	}
	for i := 0; dec.More(); i++ {
		var f rawFeature
		if err := dec.Decode(&f); err != nil {
			return inputErr("feature #%d: bad JSON: %v", i, err)
		}
		if err := fn(d.feature(i, &f)); err != nil {
			return err
		}
	}
	_, err := dec.Token() // ]
	return err
}

// feature interprets one raw feature.
func (d *decoder) feature(i int, f *rawFeature) Item {
	it := Item{Index: i}
	p := &props{m: d.opt.Fields.canonical(f.Properties), item: &it}
	if f.Type != "Feature" {
		p.problem("type", fmt.Sprintf("type is %q; want Feature", f.Type))
		return it
	}
	g, err := decodeGeometry(f.Geometry)
	if err != nil {
		p.problem("geometry", err.Error())
	}
	if p.has(FieldPlot) {
		d.plot(p, g)
	} else if p.has(FieldGridNumber) {
		d.sheet(p, g)
	} else {
		p.problem("properties", "neither a plot (no plot number) nor a sheet (no grid number)")
	}
	return it
}

func decodeGeometry(raw json.RawMessage) (orb.MultiPolygon, error) {
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
	default:
		return nil, fmt.Errorf("geometry type %s; want Polygon or MultiPolygon", g.Type)
	}
}

// looksLonLat reports whether every coordinate is within lon/lat ranges,
// as VN-2000 plane metres never are.
func looksLonLat(mp orb.MultiPolygon) bool {
	b := mp.Bound()
	return math.Abs(b.Min[0]) <= 180 && math.Abs(b.Max[0]) <= 180 && math.Abs(b.Min[1]) <= 90 && math.Abs(b.Max[1]) <= 90
}
