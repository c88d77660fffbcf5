package ingest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Canonical field names of the project's own input format.
const (
	FieldUnit       = "unit"
	FieldSheet      = "sheet"
	FieldPlot       = "plot"
	FieldCommune    = "commune"
	FieldArea       = "area"
	FieldLegalArea  = "legal_area"
	FieldLandUse    = "land_use"
	FieldAddress    = "address"
	FieldGridNumber = "grid_number"
	FieldScale      = "scale"
	FieldSurveyYear = "survey_year"
	FieldOffGrid    = "off_grid" // true: a sheet that is not a cell of the Circular 25 grid
)

//go:embed fields.json
var defaultFieldsJSON []byte

// Fields maps input property names to canonical fields. The mapping is
// data (fields.json) so that a land office can add the names its own
// exports use without a code change.
type Fields struct {
	alias map[string]string // input name (lower case) -> canonical
}

// DefaultFields returns the built-in mapping.
func DefaultFields() *Fields {
	f, err := parseFields(defaultFieldsJSON, &Fields{alias: map[string]string{}})
	if err != nil {
		panic("ingest: fields.json: " + err.Error())
	}
	return f
}

// LoadFields returns the built-in mapping extended by a JSON file of the
// same shape as fields.json.
func LoadFields(path string) (*Fields, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseFields(b, DefaultFields())
}

func parseFields(b []byte, into *Fields) (*Fields, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for canon, raw := range m {
		if strings.HasPrefix(canon, "_") {
			continue
		}
		var names []string
		if err := json.Unmarshal(raw, &names); err != nil {
			return nil, fmt.Errorf("field %q: want a list of names: %v", canon, err)
		}
		if !knownField(canon) {
			return nil, fmt.Errorf("unknown field %q", canon)
		}
		for _, n := range names {
			into.alias[strings.ToLower(n)] = canon
		}
	}
	return into, nil
}

func knownField(s string) bool {
	switch s {
	case FieldUnit, FieldSheet, FieldPlot, FieldCommune, FieldArea, FieldLegalArea, FieldLandUse,
		FieldAddress, FieldGridNumber, FieldScale, FieldSurveyYear, FieldOffGrid:
		return true
	}
	return false
}

// canonicalName is the project's name of a property name (itself when
// it has no alias).
func (f *Fields) canonicalName(k string) string {
	if c, ok := f.alias[strings.ToLower(k)]; ok {
		return c
	}
	return k
}
