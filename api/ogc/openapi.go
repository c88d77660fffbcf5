package ogc

import (
	"net/http"
)

// api answers the OpenAPI 3.0 definition of the whole service
// (/req/oas30/oas-definition-1). GDAL reads the page size from the limit
// parameter's maximum and default.
func (h *Handler) api(w http.ResponseWriter, r *http.Request) error {
	f, err := negotiate(r)
	if err != nil {
		return err
	}
	if err := checkParams(r, "f"); err != nil {
		return err
	}
	doc := h.openAPI(r)
	if f == fHTML {
		return writeHTML(w, r, "API definition (OpenAPI 3.0)", doc)
	}
	return writeJSON(w, r, "application/vnd.oai.openapi+json;version=3.0", doc)
}

func param(name, in, desc string, required bool, schema map[string]any) map[string]any {
	p := map[string]any{"name": name, "in": in, "description": desc, "required": required, "schema": schema}
	if in == "query" {
		p["style"], p["explode"] = "form", false
	}
	return p
}

func (h *Handler) openAPI(r *http.Request) map[string]any {
	str := map[string]any{"type": "string"}
	fParam := param("f", "query", "the format: json or html (else from Accept)", false, map[string]any{"type": "string", "enum": []string{"json", "html"}})
	crsParam := param("crs", "query", "CRS of the answer's coordinates (Part 2); the collection lists them", false, map[string]any{"type": "string", "format": "uri", "enum": supportedCRS()})
	resp := func(desc, ctype string) map[string]any {
		return map[string]any{"200": map[string]any{"description": desc, "content": map[string]any{ctype: map[string]any{"schema": map[string]any{"type": "object"}}, "text/html": map[string]any{"schema": str}}},
			"400": map[string]any{"description": "bad parameter (problem+json)"}, "404": map[string]any{"description": "not found"}}
	}
	get := func(id, summary string, params []any, r map[string]any) map[string]any {
		return map[string]any{"get": map[string]any{"operationId": id, "summary": summary, "parameters": params, "responses": r}}
	}
	paths := map[string]any{
		"/":            get("getLandingPage", "landing page", []any{fParam}, resp("the landing page", "application/json")),
		"/conformance": get("getConformance", "conformance classes", []any{fParam}, resp("the conformance classes", "application/json")),
		"/api":         get("getAPI", "this document", []any{fParam}, resp("the API definition", "application/vnd.oai.openapi+json;version=3.0")),
		"/collections": get("getCollections", "the feature collections", []any{fParam}, resp("the collections", "application/json")),
	}
	for _, c := range collections {
		p := "/collections/" + c.id
		paths[p] = get("describe-"+c.id, c.title, []any{fParam}, resp("metadata of "+c.id, "application/json"))
		paths[p+"/queryables"] = get("queryables-"+c.id, "queryables of "+c.id, []any{fParam}, resp("JSON Schema of the queryables", "application/schema+json"))
		paths[p+"/schema"] = get("schema-"+c.id, "JSON Schema of "+c.id, []any{fParam}, resp("JSON Schema", "application/schema+json"))
		params := []any{fParam,
			param("limit", "query", "features per page", false, map[string]any{"type": "integer", "minimum": 1, "maximum": MaxLimit, "default": DefaultLimit}),
			param("bbox", "query", "minx,miny,maxx,maxy (or 6 numbers with heights) in bbox-crs (CRS84 by default)", false,
				map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}}),
			param("bbox-crs", "query", "CRS of bbox (Part 2)", false, map[string]any{"type": "string", "format": "uri", "enum": supportedCRS()}),
			param("datetime", "query", "an instant or an interval (start/end, .. for open); plots: as they were then", false, str),
			crsParam,
			param("after", "query", "paging cursor: the features after this id (from the next link)", false, str),
			param("before", "query", "paging cursor: the features before this id (from the prev link)", false, str),
			param("filter", "query", "a CQL2 filter (Part 3) over the queryables", false, str),
			param("filter-lang", "query", "the filter's encoding; cql-text is the draft name of cql2-text", false,
				map[string]any{"type": "string", "enum": []string{"cql2-text", "cql2-json", "cql-text"}, "default": "cql2-text"}),
			param("filter-crs", "query", "CRS of the filter's geometry literals", false, map[string]any{"type": "string", "format": "uri", "enum": supportedCRS()}),
		}
		paths[p+"/items"] = get("items-"+c.id, "features of "+c.id, params, resp("the features", "application/geo+json"))
		paths[p+"/items/{featureId}"] = get("item-"+c.id, "one feature of "+c.id,
			[]any{param("featureId", "path", "feature id, e.g. 27002.1.1 for a plot", true, str), fParam, crsParam},
			resp("the feature", "application/geo+json"))
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "Cadastre OGC API - Features", "version": "1.0.0", "description": "Vietnamese cadastral plots, plot history, map sheets and units."},
		"servers": []any{map[string]any{"url": h.base(r)}},
		"paths":   paths,
	}
}
