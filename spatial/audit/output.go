package audit

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/project"

	"cadastre/spatial/crs"
)

// bom makes spreadsheet programs read the CSV as UTF-8 (Vietnamese text).
const bom = "\uFEFF"

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{"commune", "unit", "sheet", "plot", "kind", "measure", "measure_unit", "others", "detail"}

// WriteCSV writes one row per problem, UTF-8 with a byte-order mark so that
// a spreadsheet opens it with the right characters.
func WriteCSV(w io.Writer, r *Report) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, p := range r.Problems {
		others := make([]string, len(p.Others))
		for i, k := range p.Others {
			others[i] = k.String()
		}
		plot := ""
		if p.Plot > 0 {
			plot = strconv.Itoa(p.Plot)
		}
		if err := cw.Write([]string{p.Commune, p.Unit, strconv.Itoa(p.Sheet), plot, string(p.Kind),
			strconv.FormatFloat(p.Measure, 'f', -1, 64), p.MeasureUnit, strings.Join(others, " "), p.Detail}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteSummaryCSV writes the counts per commune, one column per rule.
func WriteSummaryCSV(w io.Writer, r *Report) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	head := []string{"commune", "sheets", "plots", "clean_plots", "clean_share"}
	for _, k := range Kinds() {
		head = append(head, string(k))
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, s := range r.Communes {
		row := []string{s.Commune, strconv.Itoa(s.Sheets), strconv.Itoa(s.Plots), strconv.Itoa(s.CleanPlots), strconv.FormatFloat(s.CleanShare, 'f', 4, 64)}
		for _, k := range Kinds() {
			row = append(row, strconv.Itoa(s.ByKind[k]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// FeatureCollection returns the problems as GeoJSON features in WGS 84
// lon/lat (RFC 7946; QGIS opens it), the plane geometry projected through
// spatial/crs (EPSG:6960). A problem without geometry has a null one.
func FeatureCollection(r *Report) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, p := range r.Problems {
		var g orb.Geometry
		if z, ok := crs.ZoneByEPSG(p.EPSG); ok && p.Geometry != nil {
			g = project.Geometry(orb.Clone(p.Geometry), func(pt orb.Point) orb.Point {
				lon, lat := z.ToWGS84(pt[0], pt[1])
				return orb.Point{lon, lat}
			})
		}
		f := geojson.NewFeature(g)
		others := make([]string, len(p.Others))
		for i, k := range p.Others {
			others[i] = k.String()
		}
		f.Properties = geojson.Properties{"kind": string(p.Kind), "commune": p.Commune, "unit": p.Unit, "sheet": p.Sheet,
			"plot": p.Plot, "measure": p.Measure, "measure_unit": p.MeasureUnit, "others": strings.Join(others, " "),
			"detail": p.Detail, "epsg": p.EPSG}
		fc.Append(f)
	}
	return fc
}

// WriteGeoJSON writes FeatureCollection(r).
func WriteGeoJSON(w io.Writer, r *Report) error {
	return json.NewEncoder(w).Encode(FeatureCollection(r))
}
