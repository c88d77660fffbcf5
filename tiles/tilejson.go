package tiles

import (
	"encoding/json"
	"fmt"
	"strconv"

	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// TileJSON is a TileJSON 3.0.0 document describing one tileset.
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Version      string        `json:"version"`
	Attribution  string        `json:"attribution"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []VectorLayer `json:"vector_layers"`
	// LowZoom says what tiles below the plots' zoom hold (an extension
	// of TileJSON: clients ignore members they do not know).
	LowZoom string `json:"cadastre:low_zoom,omitempty"`
}

// VectorLayer describes one MVT layer in TileJSON: its fields map each
// attribute to its type ("Number", "String"), as MapLibre, QGIS and GDAL
// read them.
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// Describe returns the TileJSON of a tileset. tileURL is the tile URL
// template ({z}/{x}/{y}), with the data version in it for cache busting.
func (o Options) Describe(l Layer, snap *index.Snapshot, tileURL, version string) TileJSON {
	o = o.withDefaults()
	b := lonLatBounds(snap)
	tj := TileJSON{
		TileJSON: "3.0.0", Name: "cadastre " + l.String(), Version: "1.0.0", Scheme: "xyz",
		Description: "Vietnamese cadastral map sheets and plots (VN-2000 data shown in Web Mercator); data version " + version,
		Attribution: "Cadastral data of the land administration", Tiles: []string{tileURL},
		MinZoom: o.MinZoom(l), MaxZoom: o.MaxZoom, Bounds: b,
		Center: [3]float64{(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, float64(min(max(o.MinZoom(l), 16), o.MaxZoom))},
	}
	for _, s := range o.describedSpecs(l) {
		tj.VectorLayers = append(tj.VectorLayers, VectorLayer{ID: s.name, Description: s.description,
			MinZoom: o.layerMinZoom(s), MaxZoom: o.layerMaxZoom(s), Fields: s.fieldTypes(false)})
	}
	if l.hasPlots() && o.OverviewMinZoom < o.PlotsMinZoom {
		tj.LowZoom = fmt.Sprintf("from z%d to z%d a tile holds every plot (no labels) if they all fit its %d-byte budget, "+
			"else the layers landuse (plots dissolved by land-use legend group) and communes (with names) instead; "+
			"plots and plot_labels whole from z%d", o.OverviewMinZoom, o.PlotsMinZoom-1, o.Budget, o.PlotsMinZoom)
	}
	return tj
}

// describedSpecs returns every MVT layer a tileset may have.
func (o Options) describedSpecs(l Layer) []*layerSpec {
	return l.specsAt(l.hasPlots() && o.OverviewMinZoom < o.PlotsMinZoom)
}

func (o Options) layerMinZoom(s *layerSpec) int {
	switch s {
	case sheetsSpec:
		return o.SheetsMinZoom
	case plotsSpec:
		return min(o.PlotsMinZoom, o.OverviewMinZoom)
	case landUseSpec, communeSpec:
		return o.OverviewMinZoom
	}
	return o.PlotsMinZoom
}

func (o Options) layerMaxZoom(s *layerSpec) int {
	if s == landUseSpec || s == communeSpec {
		return o.PlotsMinZoom - 1
	}
	return o.MaxZoom
}

// fieldTypes maps field names to TileJSON types; gdal keeps "Integer"
// (GDAL's extension) for integer fields.
func (s *layerSpec) fieldTypes(gdal bool) map[string]string {
	m := map[string]string{}
	for _, f := range s.fields {
		t := string(f.Type)
		if f.Type == Integer && !gdal {
			t = string(Real)
		}
		m[f.Name] = t
	}
	return m
}

// lonLatBounds returns the WGS 84 bounds of the data, or the whole Web
// Mercator world when there is none.
func lonLatBounds(snap *index.Snapshot) [4]float64 {
	mb, ok := snap.MercBounds()
	if !ok {
		return [4]float64{-180, -crs.MaxMercatorLat, 180, crs.MaxMercatorLat}
	}
	w, s := crs.MercatorToLonLat(mb.Min[0], mb.Min[1])
	e, n := crs.MercatorToLonLat(mb.Max[0], mb.Max[1])
	return [4]float64{w, s, e, n}
}

// GDALMetadata returns the metadata.json that GDAL's MVT driver reads in
// a tileset directory (an MBTiles-style metadata object whose "json"
// member holds the vector_layers and tilestats as a string), so that
// `ogrinfo MVT:http://host/tiles/plots/16` opens the tileset.
func (o Options) GDALMetadata(l Layer, snap *index.Snapshot, version string) ([]byte, error) {
	tj := o.Describe(l, snap, "", version)
	type attr struct {
		Attribute string `json:"attribute"`
		Type      string `json:"type"`
	}
	type stat struct {
		Layer      string `json:"layer"`
		Geometry   string `json:"geometry"`
		Attributes []attr `json:"attributes"`
	}
	var layers []map[string]any
	var stats []stat
	for i, s := range o.describedSpecs(l) {
		vl := tj.VectorLayers[i]
		layers = append(layers, map[string]any{"id": vl.ID, "description": vl.Description,
			"minzoom": vl.MinZoom, "maxzoom": vl.MaxZoom, "fields": s.fieldTypes(true)})
		st := stat{Layer: s.name, Geometry: "Polygon"}
		if s == labelsSpec {
			st.Geometry = "Point"
		}
		for _, f := range s.fields {
			st.Attributes = append(st.Attributes, attr{Attribute: f.Name, Type: map[bool]string{true: "string", false: "number"}[f.Type == String]})
		}
		stats = append(stats, st)
	}
	inner, err := json.Marshal(map[string]any{"vector_layers": layers,
		"tilestats": map[string]any{"layerCount": len(stats), "layers": stats}})
	if err != nil {
		return nil, err
	}
	b := tj.Bounds
	return json.Marshal(map[string]string{
		"name": tj.Name, "description": tj.Description, "version": "2", "type": "overlay", "format": "pbf",
		"minzoom": strconv.Itoa(tj.MinZoom), "maxzoom": strconv.Itoa(tj.MaxZoom),
		"bounds": fmt.Sprintf("%g,%g,%g,%g", b[0], b[1], b[2], b[3]),
		"center": fmt.Sprintf("%g,%g,%g", tj.Center[0], tj.Center[1], tj.Center[2]),
		"json":   string(inner),
	})
}
