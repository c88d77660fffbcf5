package ogc

import (
	"net/http"

	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// Conformance classes this service implements (Part 1 and Part 2).
var conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	// Part 3 and CQL2 1.0
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
	"http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
	// Part 4 (draft): writes on the plots collection
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
	// the draft names QGIS still checks (qgsoapifprovider.cpp)
	"http://www.opengis.net/spec/ogcapi-features-3/0.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/0.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/0.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/0.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/0.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/0.0/conf/case-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/0.0/conf/basic-spatial-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/array-operators",
}

func (h *Handler) landing(w http.ResponseWriter, r *http.Request) error {
	f, err := negotiate(r)
	if err != nil {
		return err
	}
	if err := checkParams(r, "f"); err != nil {
		return err
	}
	b := h.base(r)
	links := append(h.selfLinks(r, "", f, "application/json"),
		link{Href: b + "/api", Rel: "service-desc", Type: "application/vnd.oai.openapi+json;version=3.0", Title: "the API definition"},
		link{Href: b + "/api?f=html", Rel: "service-doc", Type: "text/html", Title: "the API documentation"},
		link{Href: b + "/conformance", Rel: "conformance", Type: "application/json", Title: "conformance classes"},
		link{Href: b + "/collections", Rel: "data", Type: "application/json", Title: "the feature collections"})
	doc := map[string]any{"title": "Cadastre: Vietnamese cadastral map sheets and land plots",
		"description": "OGC API - Features of the cadastre: current plots, plot history, map sheets and administrative units.",
		"links":       links}
	if f == fHTML {
		return writeHTML(w, r, "Cadastre", doc)
	}
	return writeJSON(w, r, "application/json", doc)
}

func (h *Handler) conformance(w http.ResponseWriter, r *http.Request) error {
	f, err := negotiate(r)
	if err != nil {
		return err
	}
	if err := checkParams(r, "f"); err != nil {
		return err
	}
	doc := map[string]any{"conformsTo": conformance}
	if f == fHTML {
		return writeHTML(w, r, "Conformance", doc)
	}
	return writeJSON(w, r, "application/json", doc)
}

func (h *Handler) collections(w http.ResponseWriter, r *http.Request) error {
	f, err := negotiate(r)
	if err != nil {
		return err
	}
	if err := checkParams(r, "f"); err != nil {
		return err
	}
	var cs []map[string]any
	for i := range collections {
		cs = append(cs, h.describe(r, &collections[i]))
	}
	doc := map[string]any{"links": h.selfLinks(r, "/collections", f, "application/json"), "collections": cs,
		"crs": supportedCRS()} // Part 2 /req/crs/crs-global-list
	if f == fHTML {
		return writeHTML(w, r, "Collections", doc)
	}
	return writeJSON(w, r, "application/json", doc)
}

func (h *Handler) collection(w http.ResponseWriter, r *http.Request, c *collection) error {
	f, err := negotiate(r)
	if err != nil {
		return err
	}
	if err := checkParams(r, "f"); err != nil {
		return err
	}
	doc := h.describe(r, c)
	doc["links"] = append(h.selfLinks(r, "/collections/"+c.id, f, "application/json"), doc["links"].([]link)...)
	if f == fHTML {
		return writeHTML(w, r, c.title, doc)
	}
	return writeJSON(w, r, "application/json", doc)
}

// describe is a collection's metadata (/req/core/sc-md, Part 2
// /req/crs/fc-md-crs-list and storageCrs).
func (h *Handler) describe(r *http.Request, c *collection) map[string]any {
	b := h.base(r) + "/collections/" + c.id
	d := map[string]any{"id": c.id, "title": c.title, "description": c.description, "itemType": "feature",
		"links": []link{
			{Href: b + "/items", Rel: "items", Type: "application/geo+json", Title: "the features as GeoJSON"},
			{Href: b + "/items?f=html", Rel: "items", Type: "text/html", Title: "the features as HTML"},
			{Href: b + "/schema", Rel: "describedby", Type: "application/schema+json", Title: "JSON Schema of the features"},
			{Href: b + "/queryables", Rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables", Type: "application/schema+json", Title: "the properties a filter may use"},
			{Href: b + "/queryables", Rel: "queryables", Type: "application/schema+json", Title: "the same, by the draft relation name GDAL 3.6 follows"},
		}}
	if c.geomType == "" {
		return d
	}
	d["crs"] = supportedCRS()
	bbox, storage := h.extent()
	if storage != 0 {
		d["storageCrs"] = crsURI(storage)
	}
	if bbox != nil {
		sp := map[string]any{"bbox": [][]float64{bbox}, "crs": uriCRS84}
		ext := map[string]any{"spatial": sp}
		if c.temporal {
			ext["temporal"] = map[string]any{"interval": [][]any{{nil, nil}}, "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
		}
		d["extent"] = ext
	}
	return d
}

// extent returns the spatial extent of the read model in CRS84 and, when
// every sheet is on one zone, that zone (the storage CRS).
func (h *Handler) extent() (bbox []float64, storage int) {
	snap := h.o.Index.Snapshot()
	m, ok := snap.MercBounds()
	if !ok {
		return nil, 0
	}
	lon0, lat0 := crs.MercatorToLonLat(m.Min[0], m.Min[1])
	lon1, lat1 := crs.MercatorToLonLat(m.Max[0], m.Max[1])
	zones := map[int]bool{}
	snap.EachSheet(func(s *index.Sheet) bool { zones[int(s.EPSG)] = true; return true })
	if len(zones) == 1 {
		for z := range zones {
			storage = z
		}
	}
	return []float64{round(lon0, 1e6), round(lat0, 1e6), round(lon1, 1e6), round(lat1, 1e6)}, storage
}
