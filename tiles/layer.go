package tiles

import (
	"cadastre/spatial"
)

// Layer is a tileset: what the {layer} of a tile URL names.
type Layer int

// The tilesets.
const (
	Plots    Layer = iota + 1 // plots and their label points
	Sheets                    // sheet frames
	Cadastre                  // both
)

// Layers returns every tileset.
func Layers() []Layer { return []Layer{Plots, Sheets, Cadastre} }

// String returns the name used in URLs.
func (l Layer) String() string {
	switch l {
	case Plots:
		return "plots"
	case Sheets:
		return "sheets"
	case Cadastre:
		return "cadastre"
	}
	return "unknown"
}

// ParseLayer returns the tileset of a URL name; KindNotFound if unknown.
func ParseLayer(s string) (Layer, error) {
	for _, l := range Layers() {
		if l.String() == s {
			return l, nil
		}
	}
	return 0, spatial.Errorf(spatial.KindNotFound, "no tile layer %q (want plots, sheets or cadastre)", s)
}

// hasPlots and hasSheets say which MVT layers the tileset carries.
func (l Layer) hasPlots() bool  { return l == Plots || l == Cadastre }
func (l Layer) hasSheets() bool { return l == Sheets || l == Cadastre }

// FieldType is the type of an attribute as TileJSON names it.
type FieldType string

// Field types.
const (
	String  FieldType = "String"
	Integer FieldType = "Integer" // TileJSON says "Number"; GDAL reads "Integer" as an integer field
	Real    FieldType = "Number"
	Boolean FieldType = "Boolean"
)

// Field is one attribute of an MVT layer.
type Field struct {
	Name        string
	Type        FieldType
	Description string
}

// layerSpec is one MVT layer: its name and fields (the order is the key
// order in every tile).
type layerSpec struct {
	name        string
	description string
	fields      []Field
	version     uint32
	extent      uint32
}

func (l *layerSpec) keys() []string {
	ks := make([]string, len(l.fields))
	for i, f := range l.fields {
		ks[i] = f.Name
	}
	return ks
}

// Field positions of the plots layer (the order of plotFields).
const (
	pfUnit = iota
	pfSheet
	pfPlot
	pfCommune
	pfLandUse
	pfLegalArea
	pfArea
	pfVersion
)

var plotFields = []Field{
	{"unit", String, "survey unit code (5 digits) that numbered the sheet"},
	{"sheet", Integer, "sheet number inside the survey unit"},
	{"plot", Integer, "plot number inside the sheet"},
	{"commune", String, "code of the current commune"},
	{"land_use", String, "land-use codes, main purpose first, joined by +"},
	{"legal_area", Real, "area on the legal papers, m² (absent if unknown)"},
	{"area", Real, "area measured on the VN-2000 plane, m²"},
	{"version", Integer, "version of the plot"},
}

// Field positions of the plot_labels layer.
const (
	lfUnit = iota
	lfSheet
	lfPlot
	lfLandUse
	lfArea
)

var labelFields = []Field{
	{"unit", String, "survey unit code"},
	{"sheet", Integer, "sheet number"},
	{"plot", Integer, "plot number"},
	{"land_use", String, "main land-use code"},
	{"area", Real, "area measured on the VN-2000 plane, m²"},
}

// Field positions of the sheets layer.
const (
	sfUnit = iota
	sfSheet
	sfGrid
	sfScale
	sfEPSG
	sfOffGrid
)

var sheetFields = []Field{
	{"unit", String, "survey unit code that numbered the sheet"},
	{"sheet", Integer, "sheet sequence number inside the unit"},
	{"grid_number", String, "grid sheet number of its scale (Circular 25/2014 art. 5)"},
	{"scale", Integer, "scale denominator (1000 for 1:1000)"},
	{"epsg", Integer, "EPSG code of the VN-2000 TM-3 zone"},
	{"off_grid", Boolean, "true for a sheet that is not a cell of the Circular 25 grid (older surveys, frames drawn by hand); its grid_number may be empty"},
}

var (
	plotsSpec  = &layerSpec{name: "plots", description: "cadastral plots", fields: plotFields, version: 2, extent: Extent}
	labelsSpec = &layerSpec{name: "plot_labels", description: "one point inside each plot, for its number", fields: labelFields, version: 2, extent: Extent}
	sheetsSpec = &layerSpec{name: "sheets", description: "map sheet frames", fields: sheetFields, version: 2, extent: Extent}
)

// specs returns the MVT layers of a tileset, in tile order.
func (l Layer) specs() []*layerSpec {
	switch l {
	case Plots:
		return []*layerSpec{plotsSpec, labelsSpec}
	case Sheets:
		return []*layerSpec{sheetsSpec}
	}
	return []*layerSpec{sheetsSpec, plotsSpec, labelsSpec}
}
