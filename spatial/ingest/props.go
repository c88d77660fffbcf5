package ingest

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"cadastre/spatial"
)

// props reads typed values from one feature's canonical properties and
// records a problem for each value that is missing or malformed.
type props struct {
	m    map[string]any
	item *Item
	key  string // the feature's key once known, for problem reports
}

func (p *props) problem(field, reason string) {
	p.item.Problems = append(p.item.Problems, spatial.Problem{Index: p.item.Index, Feature: p.key, Field: field, Reason: reason})
}

func (p *props) has(field string) bool {
	v, ok := p.m[field]
	return ok && v != nil && v != ""
}

// str returns a string field; numbers are accepted and formatted.
func (p *props) str(field string, required bool) string {
	v, ok := p.m[field]
	if !ok || v == nil {
		if required {
			p.problem(field, "missing")
		}
		return ""
	}
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case json.Number:
		return t.String()
	}
	p.problem(field, fmt.Sprintf("want a string, got %v", v))
	return ""
}

// unit returns a 5-digit unit code; a number loses its leading zero in
// many exports, so 1234 is read as "01234".
func (p *props) unit(field string, required bool) string {
	if n, ok := p.m[field].(json.Number); ok {
		if i, err := n.Int64(); err == nil && i > 0 && i < 100000 {
			return fmt.Sprintf("%05d", i)
		}
	}
	s := p.str(field, required)
	if s != "" && !spatial.ValidUnitCode(s) {
		p.problem(field, fmt.Sprintf("%q is not a 5-digit commune code", s))
	}
	return s
}

// int returns a positive whole number (numeric strings accepted).
func (p *props) int(field string) int {
	f, ok := p.number(field, true)
	if !ok {
		return 0
	}
	if f != math.Trunc(f) || f <= 0 || f > math.MaxInt32 {
		p.problem(field, fmt.Sprintf("%v is not a positive whole number", f))
		return 0
	}
	return int(f)
}

// number returns a finite number (numeric strings with a decimal comma
// accepted, as Vietnamese spreadsheets write them).
func (p *props) number(field string, required bool) (float64, bool) {
	v, ok := p.m[field]
	if !ok || v == nil || v == "" {
		if required {
			p.problem(field, "missing")
		}
		return 0, false
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.Replace(strings.TrimSpace(t), ",", ".", 1)
	case float64:
		return t, true
	default:
		p.problem(field, fmt.Sprintf("want a number, got %v", v))
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		p.problem(field, fmt.Sprintf("%q is not a number", s))
		return 0, false
	}
	return f, true
}

// boolean returns a flag: true/false, 1/0, "true"/"false", "yes"/"no"
// (GDAL writes booleans into Shapefiles as 1/0); missing is false.
func (p *props) boolean(field string) bool {
	v, ok := p.m[field]
	if !ok || v == nil {
		return false
	}
	switch t := v.(type) {
	case bool:
		return t
	case json.Number:
		switch t.String() {
		case "1":
			return true
		case "0":
			return false
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true", "1", "yes", "y":
			return true
		case "false", "0", "no", "n", "":
			return false
		}
	}
	p.problem(field, fmt.Sprintf("want true or false, got %v", v))
	return false
}

// landUse accepts an array of codes or a string "ONT+CLN", "ONT, CLN",
// "ONT;CLN" (main purpose first). Codes are checked by Batch.Check.
func (p *props) landUse(field string) []string {
	v, ok := p.m[field]
	if !ok || v == nil {
		p.problem(field, "missing")
		return nil
	}
	var parts []string
	switch t := v.(type) {
	case string:
		// GDAL writes string lists into formats without lists (Shapefile)
		// as "(2:ONT,CLN)".
		if i := strings.IndexByte(t, ':'); strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") && i > 0 {
			t = t[i+1 : len(t)-1]
		}
		parts = strings.FieldsFunc(t, func(r rune) bool { return r == '+' || r == ',' || r == ';' || r == ' ' })
	case []any:
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				p.problem(field, fmt.Sprintf("want codes as strings, got %v", e))
				return nil
			}
			parts = append(parts, s)
		}
	default:
		p.problem(field, fmt.Sprintf("want a code list, got %v", v))
		return nil
	}
	for i := range parts {
		parts[i] = strings.ToUpper(strings.TrimSpace(parts[i]))
	}
	return parts
}
