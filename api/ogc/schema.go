package ogc

import "net/http"

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

func (h *Handler) schema(w http.ResponseWriter, r *http.Request, c *collection) error {
	f, err := negotiate(r)
	if err != nil {
		return err
	}
	if err := checkParams(r, "f"); err != nil {
		return err
	}
	s := h.jsonSchema(r, c)
	if f == fHTML {
		return writeHTML(w, r, c.title+": schema", s)
	}
	return writeJSON(w, r, "application/schema+json", s)
}
