package ogc

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/paulmach/orb"
	"github.com/planetlabs/go-ogc/filter"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// CQL2 evaluation on the read model: a filter (either encoding, one AST)
// is compiled once per request into a Go predicate over features; no SQL
// is ever built from it. Unknown properties, unsupported functions and
// comparisons of different types are 400s naming the culprit.

// predicate is a compiled filter.
type predicate func(*feature) bool

// valueFn returns an operand's value for a feature: string, float64, bool,
// []string, time.Time or nil (absent).
type valueFn func(*feature) any

// compiled is a filter ready to run, with the area it needs (for the
// R-tree), if its top level requires one.
type compiled struct {
	pred   predicate
	region *region
}

func (h *Handler) compileFilter(c *collection, text, lang, fcrs string) (*compiled, error) {
	var expr filter.BooleanExpression
	switch lang {
	case "", "cql2-text", "cql-text":
		e, err := ParseCQL2Text(text)
		if err != nil {
			return nil, badRequest("filter: %v", err)
		}
		expr = e
	case "cql2-json":
		var f filter.Filter
		if err := json.Unmarshal([]byte(text), &f); err != nil {
			return nil, badRequest("filter: not CQL2-JSON: %v", err)
		}
		expr = f.Expression
	default:
		return nil, badRequest("filter-lang: %q is not cql2-text or cql2-json", lang)
	}
	fc := crs84
	if fcrs != "" {
		var err error
		if fc, err = parseCRS("filter-crs", fcrs); err != nil {
			return nil, err
		}
	}
	cp := &compiler{c: c, crs: fc}
	pred, err := cp.boolean(expr)
	if err != nil {
		return nil, badRequest("filter: %v", err)
	}
	return &compiled{pred: pred, region: cp.topRegion(expr)}, nil
}

type compiler struct {
	c   *collection
	crs outCRS
	// regions of the spatial literals, by AST node, for topRegion
	regions map[filter.Expression]*region
}

// topRegion returns the area every match must intersect: that of an
// S_INTERSECTS at the top level or under a top-level AND.
func (cp *compiler) topRegion(e filter.BooleanExpression) *region {
	switch e := e.(type) {
	case *filter.SpatialComparison:
		if e.Name == filter.GeometryIntersects {
			return cp.regions[e]
		}
	case *filter.And:
		for _, a := range e.Args {
			if r := cp.topRegion(a); r != nil {
				return r
			}
		}
	}
	return nil
}

func (cp *compiler) boolean(e filter.BooleanExpression) (predicate, error) {
	switch e := e.(type) {
	case *filter.Filter:
		return cp.boolean(e.Expression)
	case *filter.Boolean:
		v := e.Value
		return func(*feature) bool { return v }, nil
	case *filter.And, *filter.Or:
		var args []filter.BooleanExpression
		and := false
		if a, ok := e.(*filter.And); ok {
			args, and = a.Args, true
		} else {
			args = e.(*filter.Or).Args
		}
		ps := make([]predicate, len(args))
		for i, a := range args {
			p, err := cp.boolean(a)
			if err != nil {
				return nil, err
			}
			ps[i] = p
		}
		if and {
			return func(f *feature) bool {
				for _, p := range ps {
					if !p(f) {
						return false
					}
				}
				return true
			}, nil
		}
		return func(f *feature) bool {
			for _, p := range ps {
				if p(f) {
					return true
				}
			}
			return false
		}, nil
	case *filter.Not:
		p, err := cp.boolean(e.Arg)
		if err != nil {
			return nil, err
		}
		return func(f *feature) bool { return !p(f) }, nil
	case *filter.Comparison:
		return cp.comparison(e)
	case *filter.Like:
		return cp.like(e)
	case *filter.Between:
		v, _, err := cp.scalar(e.Value)
		if err != nil {
			return nil, err
		}
		lo, _, err := cp.scalar(e.Low)
		if err != nil {
			return nil, err
		}
		hi, _, err := cp.scalar(e.High)
		if err != nil {
			return nil, err
		}
		return func(f *feature) bool {
			x, ok1 := v(f).(float64)
			a, ok2 := lo(f).(float64)
			b, ok3 := hi(f).(float64)
			return ok1 && ok2 && ok3 && a <= x && x <= b
		}, nil
	case *filter.In:
		item, it, err := cp.scalar(e.Item)
		if err != nil {
			return nil, err
		}
		list := make([]valueFn, len(e.List))
		for i, s := range e.List {
			fn, lt, err := cp.scalar(s)
			if err != nil {
				return nil, err
			}
			if it != "" && lt != "" && it != lt {
				return nil, fmt.Errorf("IN: a %s cannot equal the %s %s", it, lt, s)
			}
			list[i] = fn
		}
		return func(f *feature) bool {
			x := item(f)
			if x == nil {
				return false
			}
			for _, l := range list {
				if c, ok := compare(x, l(f)); ok && c == 0 {
					return true
				}
			}
			return false
		}, nil
	case *filter.IsNull:
		s, ok := e.Value.(filter.ScalarExpression)
		if !ok {
			if p, isProp := e.Value.(*filter.Property); isProp {
				s = p
			} else {
				return nil, fmt.Errorf("IS NULL needs a property")
			}
		}
		v, _, err := cp.scalar(s)
		if err != nil {
			return nil, err
		}
		return func(f *feature) bool { return v(f) == nil }, nil
	case *filter.SpatialComparison:
		return cp.spatial(e)
	case *filter.ArrayComparison:
		return cp.array(e)
	case *filter.Function:
		return nil, fmt.Errorf("function %s is not supported", e.Op)
	case *filter.TemporalComparison:
		return nil, fmt.Errorf("temporal function %s is not supported; compare valid_from and valid_to with TIMESTAMP(...) instead", e.Name)
	}
	return nil, fmt.Errorf("unsupported expression %s", e)
}

// compare orders two values of one type; ok is false for nil or
// different types.
func compare(a, b any) (int, bool) {
	switch x := a.(type) {
	case float64:
		if y, ok := b.(float64); ok {
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			}
			return 0, true
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), true
		}
	case bool:
		if y, ok := b.(bool); ok {
			if x == y {
				return 0, true
			}
			return 1, true
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y), true
		}
	}
	return 0, false
}

func (cp *compiler) comparison(e *filter.Comparison) (predicate, error) {
	l, lt, err := cp.scalar(e.Left)
	if err != nil {
		return nil, err
	}
	r, rt, err := cp.scalar(e.Right)
	if err != nil {
		return nil, err
	}
	if lt != "" && rt != "" && lt != rt {
		return nil, fmt.Errorf("%s %s %s compares a %s with a %s", e.Left, e.Name, e.Right, lt, rt)
	}
	if lt == "boolean" && e.Name != filter.Equals && e.Name != filter.NotEquals {
		return nil, fmt.Errorf("booleans are only compared with = and <>")
	}
	var test func(int) bool
	switch e.Name {
	case filter.Equals:
		test = func(c int) bool { return c == 0 }
	case filter.NotEquals:
		test = func(c int) bool { return c != 0 }
	case filter.LessThan:
		test = func(c int) bool { return c < 0 }
	case filter.LessThanOrEquals:
		test = func(c int) bool { return c <= 0 }
	case filter.GreaterThan:
		test = func(c int) bool { return c > 0 }
	case filter.GreaterThanOrEquals:
		test = func(c int) bool { return c >= 0 }
	default:
		return nil, fmt.Errorf("unknown comparison %q", e.Name)
	}
	return func(f *feature) bool {
		c, ok := compare(l(f), r(f))
		return ok && test(c)
	}, nil
}

// likeRegexp turns a CQL2 LIKE pattern (% any run, _ one character,
// backslash escaping either) into an anchored regexp.
func likeRegexp(pat string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^(?s:")
	esc := false
	for _, r := range pat {
		switch {
		case esc:
			b.WriteString(regexp.QuoteMeta(string(r)))
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if esc {
		return nil, fmt.Errorf("LIKE pattern %q ends with a lone backslash", pat)
	}
	b.WriteString(")$")
	return regexp.Compile(b.String())
}

func (cp *compiler) like(e *filter.Like) (predicate, error) {
	v, vt, err := cp.scalar(e.Value)
	if err != nil {
		return nil, err
	}
	if vt != "" && vt != "string" {
		return nil, fmt.Errorf("LIKE on %s, a %s", e.Value, vt)
	}
	ps, ok := e.Pattern.(filter.ScalarExpression)
	if !ok {
		return nil, fmt.Errorf("LIKE needs a text pattern")
	}
	pf, _, err := cp.scalar(ps)
	if err != nil {
		return nil, err
	}
	pat, ok := pf(&feature{}).(string)
	if !ok || hasProperty(ps) {
		return nil, fmt.Errorf("the LIKE pattern must be a text literal")
	}
	re, err := likeRegexp(pat)
	if err != nil {
		return nil, err
	}
	return func(f *feature) bool {
		s, ok := v(f).(string)
		return ok && re.MatchString(s)
	}, nil
}

func hasProperty(e filter.Expression) bool {
	switch e := e.(type) {
	case *filter.Property:
		return true
	case *filter.CaseInsensitive:
		return hasProperty(e.Value)
	case *filter.AccentInsensitive:
		return hasProperty(e.Value)
	}
	return false
}

var stripAccents = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// unaccent removes diacritics; đ and Đ, letters of their own in
// Vietnamese, fold to d and D.
func unaccent(s string) string {
	s = strings.NewReplacer("đ", "d", "Đ", "D").Replace(s)
	out, _, err := transform.String(stripAccents, s)
	if err != nil {
		return s
	}
	return out
}

// scalar compiles an operand; typ is its type when known ("string",
// "number", "boolean", "timestamp", "array"), "" when not.
func (cp *compiler) scalar(e filter.Expression) (valueFn, string, error) {
	switch e := e.(type) {
	case *filter.String:
		v := e.Value
		return func(*feature) any { return v }, "string", nil
	case *filter.Number:
		v := e.Value
		return func(*feature) any { return v }, "number", nil
	case *filter.Boolean:
		v := e.Value
		return func(*feature) any { return v }, "boolean", nil
	case *filter.Timestamp:
		v := e.Value
		return func(*feature) any { return v }, "timestamp", nil
	case *filter.Date:
		v := e.Value
		return func(*feature) any { return v }, "timestamp", nil
	case *filter.CaseInsensitive:
		in, t, err := cp.scalar(e.Value)
		if err != nil {
			return nil, "", err
		}
		return func(f *feature) any {
			if s, ok := in(f).(string); ok {
				return strings.ToLower(s)
			}
			return nil
		}, t, nil
	case *filter.AccentInsensitive:
		in, t, err := cp.scalar(e.Value)
		if err != nil {
			return nil, "", err
		}
		return func(f *feature) any {
			if s, ok := in(f).(string); ok {
				return unaccent(s)
			}
			return nil
		}, t, nil
	case *filter.Property:
		return cp.property(e.Name)
	case *filter.Function:
		return nil, "", fmt.Errorf("function %s is not supported", e.Op)
	}
	return nil, "", fmt.Errorf("%s cannot be an operand here", e)
}

// property compiles a queryable; unknown names are an error listing the
// queryables (/req/queryables/... an unknown property is a 400).
func (cp *compiler) property(name string) (valueFn, string, error) {
	if name == "id" {
		c := cp.c.id
		return func(f *feature) any { return f.id(c) }, "string", nil
	}
	var def *propDef
	for i := range cp.c.props {
		if cp.c.props[i].name == name {
			def = &cp.c.props[i]
		}
	}
	if def == nil {
		var names []string
		for _, p := range cp.c.props {
			names = append(names, p.name)
		}
		return nil, "", fmt.Errorf("%q is not a queryable of %s (queryables: id, %s)", name, cp.c.id, strings.Join(names, ", "))
	}
	typ := map[string]string{"string": "string", "integer": "number", "number": "number", "boolean": "boolean", "array": "array"}[def.typ]
	if def.format == "date-time" {
		typ = "timestamp"
	}
	if fn := fastProperty(name); fn != nil {
		return fn, typ, nil
	}
	return func(f *feature) any {
		v := numeric(f.properties()[name])
		switch x := v.(type) {
		case string:
			if typ == "timestamp" {
				t, err := time.Parse(time.RFC3339Nano, x)
				if err != nil {
					return nil
				}
				return t
			}
		}
		return v
	}, typ, nil
}

// fastProperty reads the plot properties straight from the read model,
// without building the property map: the hot path of plot filters.
func fastProperty(name string) valueFn {
	switch name {
	case "unit":
		return func(f *feature) any {
			if f.plot != nil || f.sheet != nil || f.version != nil {
				return f.key.unit
			}
			return f.properties()["unit"]
		}
	case "land_use":
		return func(f *feature) any {
			switch {
			case f.plot != nil:
				return nonNil(f.plot.LandUse)
			case f.version != nil:
				return nonNil(f.version.LandUse)
			}
			return nil
		}
	case "commune":
		return func(f *feature) any {
			switch {
			case f.plot != nil:
				return f.plot.Commune
			case f.version != nil:
				return f.version.Commune
			}
			return nil
		}
	case "legal_area", "area":
		legal := name == "legal_area"
		return func(f *feature) any {
			switch {
			case f.plot != nil && legal:
				return f.plot.LegalArea
			case f.plot != nil:
				return f.plot.Area
			case f.version != nil && legal:
				return f.version.LegalArea
			case f.version != nil:
				return f.version.Area
			}
			return nil
		}
	case "sheet", "plot", "version", "epsg":
		return func(f *feature) any {
			switch {
			case f.plot != nil:
				return float64(plotInt(f.plot.Key.Sheet, f.plot.Key.Plot, int(f.plot.Version), int(f.plot.EPSG), name))
			case f.version != nil:
				return float64(plotInt(f.version.Key.Sheet, f.version.Key.Plot, f.version.Version.Version, f.version.EPSG, name))
			}
			return numeric(f.properties()[name])
		}
	case "grid_number":
		return func(f *feature) any {
			if f.plot != nil && f.plot.Sheet != nil {
				return f.plot.Sheet.GridNumber
			}
			return f.properties()[name]
		}
	case "valid_from":
		return func(f *feature) any {
			if f.version != nil {
				return f.version.ValidFrom
			}
			return nil
		}
	case "valid_to":
		return func(f *feature) any {
			if f.version != nil && !f.version.ValidTo.IsZero() {
				return f.version.ValidTo
			}
			return nil
		}
	}
	return nil
}

func (cp *compiler) spatial(e *filter.SpatialComparison) (predicate, error) {
	if e.Name != filter.GeometryIntersects && e.Name != filter.GeometryDisjoint {
		return nil, fmt.Errorf("spatial function %s is not supported (S_INTERSECTS and S_DISJOINT are)", e.Name)
	}
	prop, lit := e.Left, e.Right
	if _, ok := prop.(*filter.Property); !ok {
		prop, lit = lit, prop
	}
	p, ok := prop.(*filter.Property)
	if !ok || (p.Name != "geometry" && p.Name != "geom") {
		return nil, fmt.Errorf("%s needs the geometry property and a geometry literal", e.Name)
	}
	if cp.c.geomType == "" {
		return nil, fmt.Errorf("the %s collection has no geometry", cp.c.id)
	}
	r, err := cp.literalRegion(lit)
	if err != nil {
		return nil, err
	}
	if cp.regions == nil {
		cp.regions = map[filter.Expression]*region{}
	}
	cp.regions[e] = r
	if e.Name == filter.GeometryDisjoint {
		return func(f *feature) bool { return !r.intersects(f.epsg, f.geom) }, nil
	}
	return func(f *feature) bool { return r.intersects(f.epsg, f.geom) }, nil
}

// literalRegion converts a BBOX or a GeoJSON geometry literal, in the
// filter CRS, into a region.
func (cp *compiler) literalRegion(e filter.SpatialExpression) (*region, error) {
	switch e := e.(type) {
	case *filter.BoundingBox:
		x := e.Extent
		if len(x) == 6 {
			x = []float64{x[0], x[1], x[3], x[4]}
		}
		if len(x) != 4 || x[0] > x[2] || x[1] > x[3] {
			return nil, fmt.Errorf("bad BBOX %v", e.Extent)
		}
		return bboxRegion(cp.crs, [4]float64{x[0], x[1], x[2], x[3]}), nil
	case *filter.Geometry:
		var polys orb.MultiPolygon
		var lines []orb.LineString
		var points []orb.Point
		if err := cp.geometry(e.Value, &polys, &lines, &points, 0); err != nil {
			return nil, err
		}
		if len(polys)+len(lines)+len(points) == 0 {
			return nil, fmt.Errorf("empty geometry")
		}
		return newRegionOf(polys, lines, points), nil
	}
	return nil, fmt.Errorf("%s is not a geometry literal", e)
}

func (cp *compiler) position(v any) (orb.Point, error) {
	a, ok := v.([]any)
	if !ok || len(a) < 2 || len(a) > 3 {
		return orb.Point{}, fmt.Errorf("a position needs 2 or 3 numbers")
	}
	x, ok1 := a[0].(float64)
	y, ok2 := a[1].(float64)
	if !ok1 || !ok2 {
		return orb.Point{}, fmt.Errorf("a position needs numbers")
	}
	lon, lat := cp.crs.toWGS84(orb.Point{x, y})
	if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return orb.Point{}, fmt.Errorf("position %v,%v is outside the range of %s", x, y, cp.crs.uri)
	}
	return orb.Point{lon, lat}, nil
}

func (cp *compiler) positions(v any) ([]orb.Point, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("expected a list of positions")
	}
	out := make([]orb.Point, len(a))
	for i, p := range a {
		q, err := cp.position(p)
		if err != nil {
			return nil, err
		}
		out[i] = q
	}
	return out, nil
}

func (cp *compiler) polygon(v any) (orb.Polygon, error) {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return nil, fmt.Errorf("a polygon needs rings")
	}
	var poly orb.Polygon
	for _, r := range a {
		ps, err := cp.positions(r)
		if err != nil {
			return nil, err
		}
		if len(ps) < 4 || ps[0] != ps[len(ps)-1] {
			return nil, fmt.Errorf("a polygon ring needs 4 or more positions, the last equal to the first")
		}
		poly = append(poly, orb.Ring(ps))
	}
	return poly, nil
}

func (cp *compiler) geometry(v any, polys *orb.MultiPolygon, lines *[]orb.LineString, points *[]orb.Point, depth int) error {
	if depth > 8 {
		return fmt.Errorf("geometry collections nested too deeply")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("bad geometry")
	}
	coords := m["coordinates"]
	switch m["type"] {
	case "Point":
		p, err := cp.position(coords)
		if err != nil {
			return err
		}
		*points = append(*points, p)
	case "MultiPoint":
		ps, err := cp.positions(coords)
		if err != nil {
			return err
		}
		*points = append(*points, ps...)
	case "LineString":
		ps, err := cp.positions(coords)
		if err != nil || len(ps) < 2 {
			return fmt.Errorf("a line needs 2 or more positions")
		}
		*lines = append(*lines, ps)
	case "MultiLineString":
		a, _ := coords.([]any)
		for _, l := range a {
			ps, err := cp.positions(l)
			if err != nil || len(ps) < 2 {
				return fmt.Errorf("a line needs 2 or more positions")
			}
			*lines = append(*lines, ps)
		}
	case "Polygon":
		p, err := cp.polygon(coords)
		if err != nil {
			return err
		}
		*polys = append(*polys, p)
	case "MultiPolygon":
		a, _ := coords.([]any)
		for _, pv := range a {
			p, err := cp.polygon(pv)
			if err != nil {
				return err
			}
			*polys = append(*polys, p)
		}
	case "GeometryCollection":
		gs, _ := m["geometries"].([]any)
		for _, g := range gs {
			if err := cp.geometry(g, polys, lines, points, depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("geometry type %v is not supported", m["type"])
	}
	return nil
}

func (cp *compiler) array(e *filter.ArrayComparison) (predicate, error) {
	get := func(a filter.ArrayExpression) (func(*feature) []string, error) {
		switch a := a.(type) {
		case *filter.Property:
			v, t, err := cp.property(a.Name)
			if err != nil {
				return nil, err
			}
			if t != "array" {
				return nil, fmt.Errorf("%s is not an array property", a.Name)
			}
			return func(f *feature) []string { s, _ := v(f).([]string); return s }, nil
		case filter.Array:
			var out []string
			for _, it := range a {
				s, ok := it.(*filter.String)
				if !ok {
					return nil, fmt.Errorf("array elements must be texts (land-use codes), not %s", it)
				}
				out = append(out, s.Value)
			}
			return func(*feature) []string { return out }, nil
		}
		return nil, fmt.Errorf("%s is not an array", a)
	}
	l, err := get(e.Left)
	if err != nil {
		return nil, err
	}
	r, err := get(e.Right)
	if err != nil {
		return nil, err
	}
	containsAll := func(a, b []string) bool {
		for _, x := range b {
			if !slices.Contains(a, x) {
				return false
			}
		}
		return true
	}
	switch e.Name {
	case filter.ArrayEquals:
		return func(f *feature) bool { return slices.Equal(l(f), r(f)) }, nil
	case filter.ArrayContains:
		return func(f *feature) bool { return containsAll(l(f), r(f)) }, nil
	case filter.ArrayContainedBy:
		return func(f *feature) bool { return containsAll(r(f), l(f)) }, nil
	case filter.ArrayOverlaps:
		return func(f *feature) bool {
			b := r(f)
			return slices.ContainsFunc(l(f), func(x string) bool { return slices.Contains(b, x) })
		}, nil
	}
	return nil, fmt.Errorf("unknown array function %s", e.Name)
}

// plotInt picks one of a plot's whole-number properties by name.
func plotInt(sheet, plot, version, epsg int, name string) int {
	switch name {
	case "sheet":
		return sheet
	case "plot":
		return plot
	case "version":
		return version
	}
	return epsg
}

// numeric turns the whole numbers of a property map into float64, the
// one number type filters compare.
func numeric(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int32:
		return float64(x)
	}
	return v
}
