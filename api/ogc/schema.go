package ogc

import (
	"net/http"
	"strings"
)

// jsonSchema is the JSON Schema (2019-09) of a collection's features, the
// target of its describedby link; GDAL reads field types from it.
func (h *Handler) jsonSchema(r *http.Request, c *collection) map[string]any {
	props := map[string]any{}
	for _, p := range c.props {
		d := map[string]any{"type": p.typ, "title": p.title}
		if p.items != "" {
			d["items"] = map[string]any{"type": p.items}
		}
		if p.format != "" {
			d["format"] = p.format
		}
		props[p.name] = d
	}
	s := map[string]any{
		"$schema": "https://json-schema.org/draft/2019-09/schema",
		"$id":     h.base(r) + "/collections/" + c.id + "/schema",
		"title":   c.title,
		"type":    "object",
		"properties": map[string]any{
			"type":       map[string]any{"type": "string", "enum": []string{"Feature"}},
			"id":         map[string]any{"type": "string"},
			"properties": map[string]any{"type": "object", "properties": props},
		},
	}
	if c.geomType != "" {
		s["properties"].(map[string]any)["geometry"] = map[string]any{"$ref": "https://geojson.org/schema/" + c.geomType + ".json"}
	}
	return s
}

// queryables is the JSON Schema of the properties a filter may name
// (Part 3 /req/queryables/get-queryables-response): the collection's
// properties, the id and the geometry.
func (h *Handler) queryables(r *http.Request, c *collection) map[string]any {
	props := map[string]any{"id": map[string]any{"type": "string", "title": "feature id"}}
	for _, p := range c.props {
		d := map[string]any{"type": p.typ, "title": p.title}
		if p.items != "" {
			d["items"] = map[string]any{"type": p.items}
		}
		if p.format != "" {
			d["format"] = p.format
		}
		props[p.name] = d
	}
	if c.geomType != "" {
		props["geometry"] = map[string]any{"format": "geometry-" + strings.ToLower(c.geomType), "title": "the feature's geometry"}
	}
	// "queryables" is the draft form (a list of ids), which GDAL 3.6 reads
	// to decide which properties it may send in a filter.
	var draft []map[string]string
	for _, p := range c.props {
		draft = append(draft, map[string]string{"id": p.name, "type": p.typ})
	}
	return map[string]any{
		"queryables": draft,
		"$schema":    "https://json-schema.org/draft/2019-09/schema", "$id": h.base(r) + "/collections/" + c.id + "/queryables",
		"type": "object", "title": c.title, "properties": props, "additionalProperties": false,
	}
}

func (h *Handler) schema(w http.ResponseWriter, r *http.Request, c *collection, queryables bool) error {
	f, err := negotiate(r)
	if err != nil {
		return err
	}
	if err := checkParams(r, "f"); err != nil {
		return err
	}
	s := h.jsonSchema(r, c)
	if queryables {
		s = h.queryables(r, c)
	}
	if f == fHTML {
		return writeHTML(w, r, c.title+": schema", s)
	}
	// A client asking for JSON but not for JSON Schema (GDAL 3.6 fetches the
	// queryables with Accept: application/geo+json, application/json and
	// refuses any other type) gets the same document as application/json.
	ctype := "application/schema+json"
	if acc := r.Header.Get("Accept"); acc != "" && !strings.Contains(acc, "schema+json") && !strings.Contains(acc, "*/*") && strings.Contains(acc, "json") {
		ctype = "application/json"
	}
	return writeJSON(w, r, ctype, s)
}
