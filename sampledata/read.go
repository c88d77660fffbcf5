package sampledata

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/grid"
)

// ReadGeoJSON reads units.json, sheets.geojson and plots.geojson from dir
// into one batch. It holds whole files in memory: use it for small files
// (the committed sample), and spatial/ingest for big ones.
func ReadGeoJSON(dir string) (*spatial.Batch, error) { return readFS(os.DirFS(dir)) }

func readFS(fsys fs.FS) (*spatial.Batch, error) {
	b := &spatial.Batch{}
	data, err := fs.ReadFile(fsys, UnitsFile)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &b.Units); err != nil {
		return nil, fmt.Errorf("sampledata: %s: %w", UnitsFile, err)
	}
	sheets, epsg, err := readCollection[sheetProps](fsys, SheetsFile)
	if err != nil {
		return nil, err
	}
	for _, f := range sheets {
		s, err := sheetOf(f, epsg)
		if err != nil {
			return nil, err
		}
		b.Sheets = append(b.Sheets, s)
	}
	plots, epsg, err := readCollection[plotProps](fsys, PlotsFile)
	if err != nil {
		return nil, err
	}
	for _, f := range plots {
		p, err := plotOf(f, epsg)
		if err != nil {
			return nil, err
		}
		b.Plots = append(b.Plots, p)
	}
	return b, nil
}

// readCollection decodes a FeatureCollection and the EPSG code of its
// crs member.
func readCollection[P any](fsys fs.FS, name string) ([]*geojson.FeatureOf[P], int, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, 0, err
	}
	var fc geojson.FeatureCollectionOf[P]
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, 0, fmt.Errorf("sampledata: %s: %w", name, err)
	}
	var member struct {
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	raw, err := json.Marshal(fc.ExtraMembers["crs"])
	if err == nil {
		err = json.Unmarshal(raw, &member)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("sampledata: %s: crs member: %w", name, err)
	}
	epsg, err := crs.ParseCRS(member.Properties.Name)
	if err != nil {
		return nil, 0, fmt.Errorf("sampledata: %s: crs member %q: %w", name, member.Properties.Name, err)
	}
	return fc.Features, epsg, nil
}

func sheetOf(f *geojson.FeatureOf[sheetProps], epsg int) (*spatial.Sheet, error) {
	var frame orb.MultiPolygon
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		frame = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		frame = g
	default:
		return nil, fmt.Errorf("sampledata: sheet %s/%d: geometry %T, want a Polygon or MultiPolygon", f.Properties.Unit, f.Properties.Sheet, f.Geometry)
	}
	p := f.Properties
	return &spatial.Sheet{
		Key:        spatial.SheetKey{Unit: p.Unit, Number: p.Sheet},
		GridNumber: p.GridNumber,
		Scale:      grid.Scale(p.Scale),
		EPSG:       epsg,
		Frame:      frame,
		SurveyYear: p.SurveyYear,
		OffGrid:    p.OffGrid,
	}, nil
}

func plotOf(f *geojson.FeatureOf[plotProps], epsg int) (*spatial.Plot, error) {
	p := f.Properties
	var mp orb.MultiPolygon
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return nil, fmt.Errorf("sampledata: plot %s/%d/%d: geometry %T, want a Polygon or MultiPolygon", p.Unit, p.Sheet, p.Plot, f.Geometry)
	}
	return &spatial.Plot{
		Key:       spatial.PlotKey{Unit: p.Unit, Sheet: p.Sheet, Plot: p.Plot},
		Commune:   p.Commune,
		EPSG:      epsg,
		Geometry:  mp,
		LandUse:   p.LandUse,
		LegalArea: p.LegalArea,
		Area:      p.Area,
		Address:   p.Address,
	}, nil
}
