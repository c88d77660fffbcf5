package sampledata

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"cadastre/spatial"
)

// File names written by WriteGeoJSON and read by ReadGeoJSON.
const (
	UnitsFile  = "units.json"
	SheetsFile = "sheets.geojson"
	PlotsFile  = "plots.geojson"
)

// plotProps are the properties of a plot feature, in this order.
type plotProps struct {
	Unit      string   `json:"unit"`
	Sheet     int      `json:"sheet"`
	Plot      int      `json:"plot"`
	Commune   string   `json:"commune"`
	LandUse   []string `json:"land_use"`
	LegalArea float64  `json:"legal_area"`
	Area      float64  `json:"area"`
	Address   string   `json:"address"`
}

// sheetProps are the properties of a sheet feature, in this order.
type sheetProps struct {
	Unit       string `json:"unit"`
	Sheet      int    `json:"sheet"`
	GridNumber string `json:"grid_number"`
	Scale      int    `json:"scale"`
	SurveyYear int    `json:"survey_year"`
	OffGrid    bool   `json:"off_grid,omitempty"`
}

// WriteGeoJSON generates cfg into dir (which must exist) as units.json,
// sheets.geojson and plots.geojson, streaming: memory stays bounded by one
// sheet's plots.
func WriteGeoJSON(cfg Config, dir string) (err error) {
	w := &fileEmitter{dir: dir, epsg: cfg.EPSG}
	defer func() { err = errors.Join(err, w.close()) }()
	return Generate(cfg, w)
}

// fileEmitter writes what Generate emits into the three files.
type fileEmitter struct {
	dir           string
	epsg          int
	sheets, plots *collectionWriter
}

func (w *fileEmitter) Units(us []spatial.AdminUnit) error {
	b, err := json.MarshalIndent(us, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(w.dir, UnitsFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if w.sheets, err = newCollectionWriter(filepath.Join(w.dir, SheetsFile), w.epsg); err != nil {
		return err
	}
	w.plots, err = newCollectionWriter(filepath.Join(w.dir, PlotsFile), w.epsg)
	return err
}

func (w *fileEmitter) Sheet(s *spatial.Sheet) error {
	var g orb.Geometry = s.Frame
	if len(s.Frame) == 1 {
		g = s.Frame[0]
	}
	f := geojson.FeatureOf[sheetProps]{Type: "Feature", Geometry: g, Properties: sheetProps{
		Unit: s.Key.Unit, Sheet: s.Key.Number, GridNumber: s.GridNumber, Scale: int(s.Scale), SurveyYear: s.SurveyYear,
		OffGrid: s.OffGrid,
	}}
	return w.sheets.write(f)
}

func (w *fileEmitter) Plot(p *spatial.Plot) error {
	var g orb.Geometry = p.Geometry
	if len(p.Geometry) == 1 {
		g = p.Geometry[0]
	}
	f := geojson.FeatureOf[plotProps]{Type: "Feature", Geometry: g, Properties: plotProps{
		Unit: p.Key.Unit, Sheet: p.Key.Sheet, Plot: p.Key.Plot, Commune: p.Commune,
		LandUse: p.LandUse, LegalArea: p.LegalArea, Area: p.Area, Address: p.Address,
	}}
	return w.plots.write(f)
}

func (w *fileEmitter) close() error {
	var errs []error
	for _, c := range []*collectionWriter{w.sheets, w.plots} {
		if c != nil {
			errs = append(errs, c.close())
		}
	}
	return errors.Join(errs...)
}

// collectionWriter streams a FeatureCollection: the envelope with the
// legacy crs member is written here, each feature by orb/geojson on a line
// of its own.
type collectionWriter struct {
	f *os.File
	w *bufio.Writer
	n int
}

func newCollectionWriter(path string, epsg int) (*collectionWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	c := &collectionWriter{f: f, w: bufio.NewWriterSize(f, 1<<16)}
	fmt.Fprintf(c.w, `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::%d"}},"features":[`, epsg)
	return c, nil
}

func (c *collectionWriter) write(f json.Marshaler) error {
	b, err := f.MarshalJSON()
	if err != nil {
		return err
	}
	sep := ",\n"
	if c.n == 0 {
		sep = "\n"
	}
	c.n++
	c.w.WriteString(sep)
	_, err = c.w.Write(b)
	return err
}

func (c *collectionWriter) close() error {
	c.w.WriteString("\n]}\n")
	return errors.Join(c.w.Flush(), c.f.Close())
}
