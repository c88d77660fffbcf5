package ogc

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/planetlabs/go-ogc/filter"
)

// A CQL2-text parser (OGC 21-065r2, the BNF of Annex B), producing the
// go-ogc CQL2 AST that the CQL2-JSON decoder produces too, so both
// encodings share one evaluator. It covers Basic CQL2 (comparisons,
// AND/OR/NOT, IS NULL, booleans), advanced comparison (LIKE, BETWEEN,
// IN), CASEI/ACCENTI, S_INTERSECTS and the other spatial functions over
// WKT literals and BBOX, the array functions over array literals, and
// DATE/TIMESTAMP/INTERVAL literals. Keywords are case-insensitive.

// maxFilterDepth bounds nesting, so a hostile filter cannot exhaust the
// stack of the recursive descent.
const maxFilterDepth = 100

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tOp    // = <> < <= > >=
	tPunct // ( ) , [ ]
)

type token struct {
	kind tokKind
	text string // identifier (as written), string value, number text, operator
	pos  int
}

func lex(s string) ([]token, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("the filter is not UTF-8")
	}
	var out []token
	i := 0
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			return nil, fmt.Errorf("position %d: not UTF-8", i)
		case unicode.IsSpace(r):
			i += w
		case r == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("position %d: string not closed", i)
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, token{kind: tString, text: b.String(), pos: i})
			i = j + 1
		case r == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, fmt.Errorf("position %d: quoted property name not closed", i)
			}
			out = append(out, token{kind: tIdent, text: "\"" + s[i+1:i+1+j], pos: i})
			i += j + 2
		case r == '(' || r == ')' || r == ',' || r == '[' || r == ']':
			out = append(out, token{kind: tPunct, text: string(r), pos: i})
			i++
		case r == '=':
			out = append(out, token{kind: tOp, text: "=", pos: i})
			i++
		case r == '<' || r == '>':
			op := string(r)
			if i+1 < len(s) && (s[i+1] == '=' || (r == '<' && s[i+1] == '>')) {
				op += string(s[i+1])
			}
			out = append(out, token{kind: tOp, text: op, pos: i})
			i += len(op)
		case r == '-' || r == '+' || r == '.' || (r >= '0' && r <= '9'):
			j := i
			if s[j] == '-' || s[j] == '+' {
				j++
			}
			start := j
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') && j > start {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k < len(s) && s[k] >= '0' && s[k] <= '9' {
					j = k
					for j < len(s) && s[j] >= '0' && s[j] <= '9' {
						j++
					}
				}
			}
			if j == start {
				return nil, fmt.Errorf("position %d: unexpected %q", i, r)
			}
			out = append(out, token{kind: tNumber, text: s[i:j], pos: i})
			i = j
		case unicode.IsLetter(r) || r == '_':
			j := i
			for j < len(s) {
				r2, w2 := utf8.DecodeRuneInString(s[j:])
				if !(unicode.IsLetter(r2) || unicode.IsDigit(r2) || r2 == '_' || r2 == ':' || r2 == '.') {
					break
				}
				j += w2
			}
			out = append(out, token{kind: tIdent, text: s[i:j], pos: i})
			i = j
		default:
			return nil, fmt.Errorf("position %d: unexpected %q", i, r)
		}
	}
	return append(out, token{kind: tEOF, pos: len(s)}), nil
}

type parser struct {
	toks  []token
	i     int
	depth int
}

// ParseCQL2Text parses a CQL2-text boolean expression.
func ParseCQL2Text(s string) (filter.BooleanExpression, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.boolExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errf("unexpected %q after the end of the expression", t.text)
	}
	return e, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errf(format string, a ...any) error {
	return fmt.Errorf("position %d: %s", p.peek().pos, fmt.Sprintf(format, a...))
}

// keyword reports (and consumes) an identifier equal to kw, ignoring case.
func (p *parser) keyword(kw string) bool {
	if t := p.peek(); t.kind == tIdent && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) isKeyword(off int, kw string) bool {
	if p.i+off >= len(p.toks) {
		return false
	}
	t := p.toks[p.i+off]
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) punct(c string) bool {
	if t := p.peek(); t.kind == tPunct && t.text == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(c string) error {
	if !p.punct(c) {
		t := p.peek()
		if t.kind == tEOF {
			return p.errf("expected %q, found the end", c)
		}
		return p.errf("expected %q, found %q", c, t.text)
	}
	return nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxFilterDepth {
		return p.errf("expression nested deeper than %d", maxFilterDepth)
	}
	return nil
}

// boolExpr = boolTerm {OR boolTerm}
func (p *parser) boolExpr() (filter.BooleanExpression, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	first, err := p.boolTerm()
	if err != nil {
		return nil, err
	}
	args := []filter.BooleanExpression{first}
	for p.keyword("OR") {
		t, err := p.boolTerm()
		if err != nil {
			return nil, err
		}
		args = append(args, t)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &filter.Or{Args: args}, nil
}

// boolTerm = boolFactor {AND boolFactor}
func (p *parser) boolTerm() (filter.BooleanExpression, error) {
	first, err := p.boolFactor()
	if err != nil {
		return nil, err
	}
	args := []filter.BooleanExpression{first}
	for p.keyword("AND") {
		f, err := p.boolFactor()
		if err != nil {
			return nil, err
		}
		args = append(args, f)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &filter.And{Args: args}, nil
}

// boolFactor = [NOT] boolPrimary
func (p *parser) boolFactor() (filter.BooleanExpression, error) {
	if p.keyword("NOT") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		e, err := p.boolFactor()
		if err != nil {
			return nil, err
		}
		return &filter.Not{Arg: e}, nil
	}
	return p.boolPrimary()
}

var spatialFuncs = map[string]string{"S_INTERSECTS": filter.GeometryIntersects, "S_DISJOINT": filter.GeometryDisjoint,
	"S_CONTAINS": filter.GeometryContains, "S_WITHIN": filter.GeometryWithin, "S_EQUALS": filter.GeometryEquals,
	"S_TOUCHES": filter.GeometryTouches, "S_CROSSES": filter.GeometryCrosses, "S_OVERLAPS": filter.GeometryOverlaps,
	"INTERSECTS": filter.GeometryIntersects} // the draft spelling

var arrayFuncs = map[string]string{"A_EQUALS": filter.ArrayEquals, "A_CONTAINS": filter.ArrayContains,
	"A_CONTAINEDBY": filter.ArrayContainedBy, "A_OVERLAPS": filter.ArrayOverlaps}

// boolPrimary = "(" boolExpr ")" | TRUE | FALSE | spatial or array
// predicate | predicate over a scalar.
func (p *parser) boolPrimary() (filter.BooleanExpression, error) {
	t := p.peek()
	if t.kind == tPunct && t.text == "(" {
		p.i++
		e, err := p.boolExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return e, nil
	}
	if t.kind == tIdent {
		up := strings.ToUpper(t.text)
		if op, ok := spatialFuncs[up]; ok && p.isPunctAt(1, "(") {
			p.i += 2
			a, err := p.geomExpr()
			if err != nil {
				return nil, err
			}
			if err := p.expect(","); err != nil {
				return nil, err
			}
			b, err := p.geomExpr()
			if err != nil {
				return nil, err
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return &filter.SpatialComparison{Name: op, Left: a, Right: b}, nil
		}
		if op, ok := arrayFuncs[up]; ok && p.isPunctAt(1, "(") {
			p.i += 2
			a, err := p.arrayExpr()
			if err != nil {
				return nil, err
			}
			if err := p.expect(","); err != nil {
				return nil, err
			}
			b, err := p.arrayExpr()
			if err != nil {
				return nil, err
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return &filter.ArrayComparison{Name: op, Left: a, Right: b}, nil
		}
		if (up == "TRUE" || up == "FALSE") && !p.isOpAt(1) && !p.isKeyword(1, "IS") {
			p.i++
			return &filter.Boolean{Value: up == "TRUE"}, nil
		}
	}
	return p.predicate()
}

func (p *parser) isPunctAt(off int, c string) bool {
	if p.i+off >= len(p.toks) {
		return false
	}
	t := p.toks[p.i+off]
	return t.kind == tPunct && t.text == c
}

func (p *parser) isOpAt(off int) bool {
	return p.i+off < len(p.toks) && p.toks[p.i+off].kind == tOp
}

// predicate = scalar (compOp scalar | [NOT] LIKE pattern | [NOT] BETWEEN
// num AND num | [NOT] IN (list) | IS [NOT] NULL)
func (p *parser) predicate() (filter.BooleanExpression, error) {
	left, err := p.scalar()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tOp {
		p.i++
		right, err := p.scalar()
		if err != nil {
			return nil, err
		}
		return &filter.Comparison{Name: t.text, Left: left, Right: right}, nil
	}
	if p.keyword("IS") {
		not := p.keyword("NOT")
		if !p.keyword("NULL") {
			return nil, p.errf("expected NULL after IS")
		}
		var e filter.BooleanExpression = &filter.IsNull{Value: left}
		if not {
			e = &filter.Not{Arg: e}
		}
		return e, nil
	}
	not := p.keyword("NOT")
	var e filter.BooleanExpression
	switch {
	case p.keyword("LIKE"):
		ch, ok := left.(filter.CharacterExpression)
		if !ok {
			return nil, p.errf("LIKE needs a text on its left")
		}
		pat, err := p.scalar()
		if err != nil {
			return nil, err
		}
		pe, ok := pat.(filter.PatternExpression)
		if !ok {
			return nil, p.errf("LIKE needs a text pattern")
		}
		e = &filter.Like{Value: ch, Pattern: pe}
	case p.keyword("BETWEEN"):
		v, ok := left.(filter.NumericExpression)
		if !ok {
			return nil, p.errf("BETWEEN needs a number or property on its left")
		}
		lo, err := p.numeric()
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, p.errf("expected AND in BETWEEN")
		}
		hi, err := p.numeric()
		if err != nil {
			return nil, err
		}
		e = &filter.Between{Value: v, Low: lo, High: hi}
	case p.keyword("IN"):
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var list filter.ScalarList
		for {
			s, err := p.scalar()
			if err != nil {
				return nil, err
			}
			list = append(list, s)
			if !p.punct(",") {
				break
			}
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		e = &filter.In{Item: left, List: list}
	default:
		if not {
			return nil, p.errf("expected LIKE, BETWEEN or IN after NOT")
		}
		if t := p.peek(); t.kind != tEOF {
			return nil, p.errf("expected a comparison after the operand, found %q", t.text)
		}
		return nil, p.errf("expected a comparison after the operand, found the end")
	}
	if not {
		e = &filter.Not{Arg: e}
	}
	return e, nil
}

func (p *parser) numeric() (filter.NumericExpression, error) {
	s, err := p.scalar()
	if err != nil {
		return nil, err
	}
	n, ok := s.(filter.NumericExpression)
	if !ok {
		return nil, p.errf("expected a number or a property")
	}
	return n, nil
}

// scalar = string | number | TRUE | FALSE | DATE(...) | TIMESTAMP(...) |
// CASEI(...) | ACCENTI(...) | property | function(args)
func (p *parser) scalar() (filter.ScalarExpression, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.next()
	switch t.kind {
	case tString:
		return &filter.String{Value: t.text}, nil
	case tNumber:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, fmt.Errorf("position %d: bad number %q", t.pos, t.text)
		}
		return &filter.Number{Value: v}, nil
	case tIdent:
		if strings.HasPrefix(t.text, "\"") {
			return &filter.Property{Name: t.text[1:]}, nil
		}
		up := strings.ToUpper(t.text)
		switch {
		case up == "TRUE" || up == "FALSE":
			return &filter.Boolean{Value: up == "TRUE"}, nil
		case (up == "DATE" || up == "TIMESTAMP") && p.isPunctAt(0, "("):
			return p.instant(up)
		case (up == "CASEI" || up == "ACCENTI") && p.isPunctAt(0, "("):
			p.i++
			in, err := p.scalar()
			if err != nil {
				return nil, err
			}
			ch, ok := in.(filter.CharacterExpression)
			if !ok {
				return nil, p.errf("%s needs a text or a property", up)
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			if up == "CASEI" {
				return &filter.CaseInsensitive{Value: ch}, nil
			}
			return &filter.AccentInsensitive{Value: ch}, nil
		case p.isPunctAt(0, "("):
			p.i++
			fn := &filter.Function{Op: t.text}
			if !p.punct(")") {
				for {
					a, err := p.scalar()
					if err != nil {
						return nil, err
					}
					fn.Args = append(fn.Args, a)
					if !p.punct(",") {
						break
					}
				}
				if err := p.expect(")"); err != nil {
					return nil, err
				}
			}
			return fn, nil
		}
		return &filter.Property{Name: t.text}, nil
	case tEOF:
		return nil, fmt.Errorf("position %d: expected an operand, found the end", t.pos)
	}
	return nil, fmt.Errorf("position %d: expected an operand, found %q", t.pos, t.text)
}

func (p *parser) instant(kind string) (filter.ScalarExpression, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	t := p.next()
	if t.kind != tString {
		return nil, fmt.Errorf("position %d: %s needs a quoted value", t.pos, kind)
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	if kind == "DATE" {
		d, err := time.Parse(time.DateOnly, t.text)
		if err != nil {
			return nil, fmt.Errorf("position %d: DATE(%q) is not a date", t.pos, t.text)
		}
		return &filter.Date{Value: d}, nil
	}
	ts, err := time.Parse(time.RFC3339Nano, t.text)
	if err != nil {
		return nil, fmt.Errorf("position %d: TIMESTAMP(%q) is not an RFC 3339 time", t.pos, t.text)
	}
	return &filter.Timestamp{Value: ts}, nil
}

// arrayExpr = property | "(" [element {"," element}] ")" | "[" ... "]"
// (the brackets are the draft spelling).
func (p *parser) arrayExpr() (filter.ArrayExpression, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	closeWith := ""
	switch {
	case p.punct("("):
		closeWith = ")"
	case p.punct("["):
		closeWith = "]"
	default:
		s, err := p.scalar()
		if err != nil {
			return nil, err
		}
		a, ok := s.(filter.ArrayExpression)
		if !ok {
			return nil, p.errf("expected an array or a property")
		}
		return a, nil
	}
	arr := filter.Array{}
	if p.punct(closeWith) {
		return arr, nil
	}
	for {
		var item filter.ArrayItemExpression
		if p.isPunctAt(0, "(") || p.isPunctAt(0, "[") {
			a, err := p.arrayExpr()
			if err != nil {
				return nil, err
			}
			sub, ok := a.(filter.Array)
			if !ok {
				return nil, p.errf("bad nested array")
			}
			item = sub
		} else {
			s, err := p.scalar()
			if err != nil {
				return nil, err
			}
			it, ok := s.(filter.ArrayItemExpression)
			if !ok {
				return nil, p.errf("this value cannot be an array element")
			}
			item = it
		}
		arr = append(arr, item)
		if !p.punct(",") {
			break
		}
	}
	if err := p.expect(closeWith); err != nil {
		return nil, err
	}
	return arr, nil
}

// geomExpr = property | BBOX(x1, y1, x2, y2[, ...]) | WKT literal
func (p *parser) geomExpr() (filter.SpatialExpression, error) {
	t := p.peek()
	if t.kind != tIdent {
		return nil, p.errf("expected a geometry or a property")
	}
	up := strings.ToUpper(t.text)
	if up == "BBOX" && p.isPunctAt(1, "(") {
		p.i += 2
		var ext []float64
		for {
			n := p.next()
			if n.kind != tNumber {
				return nil, fmt.Errorf("position %d: BBOX needs numbers", n.pos)
			}
			v, err := strconv.ParseFloat(n.text, 64)
			if err != nil {
				return nil, fmt.Errorf("position %d: bad number %q", n.pos, n.text)
			}
			ext = append(ext, v)
			if !p.punct(",") {
				break
			}
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		if len(ext) != 4 && len(ext) != 6 {
			return nil, p.errf("BBOX needs 4 or 6 numbers, got %d", len(ext))
		}
		return &filter.BoundingBox{Extent: ext}, nil
	}
	if _, ok := wktTypes[up]; ok {
		p.i++
		v, err := p.wkt(up)
		if err != nil {
			return nil, err
		}
		return &filter.Geometry{Value: v}, nil
	}
	p.i++
	if strings.HasPrefix(t.text, "\"") {
		return &filter.Property{Name: t.text[1:]}, nil
	}
	return &filter.Property{Name: t.text}, nil
}

var wktTypes = map[string]string{"POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon",
	"MULTIPOINT": "MultiPoint", "MULTILINESTRING": "MultiLineString", "MULTIPOLYGON": "MultiPolygon",
	"GEOMETRYCOLLECTION": "GeometryCollection"}

// wkt reads the body of a WKT literal of type typ (its keyword consumed)
// as a GeoJSON geometry object, the form the CQL2-JSON AST holds.
func (p *parser) wkt(typ string) (map[string]any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.keyword("Z") // 3D coordinates: the height is read and ignored
	gj := wktTypes[typ]
	if typ == "GEOMETRYCOLLECTION" {
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var geoms []any
		for {
			t := p.next()
			if _, ok := wktTypes[strings.ToUpper(t.text)]; t.kind != tIdent || !ok {
				return nil, fmt.Errorf("position %d: expected a geometry in the collection", t.pos)
			}
			g, err := p.wkt(strings.ToUpper(t.text))
			if err != nil {
				return nil, err
			}
			geoms = append(geoms, g)
			if !p.punct(",") {
				break
			}
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return map[string]any{"type": gj, "geometries": geoms}, nil
	}
	depth := map[string]int{"POINT": 0, "LINESTRING": 1, "MULTIPOINT": 1, "POLYGON": 2, "MULTILINESTRING": 2, "MULTIPOLYGON": 3}[typ]
	var coords any
	var err error
	if typ == "POINT" {
		if err := p.expect("("); err != nil {
			return nil, err
		}
		coords, err = p.position()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
	} else if coords, err = p.nested(depth, typ == "MULTIPOINT"); err != nil {
		return nil, err
	}
	return map[string]any{"type": gj, "coordinates": coords}, nil
}

// nested reads depth levels of parenthesised lists ending in positions.
func (p *parser) nested(depth int, multipoint bool) (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var out []any
	for {
		var item any
		var err error
		switch {
		case depth == 1 && multipoint && p.isPunctAt(0, "("): // MULTIPOINT((1 2), (3 4))
			p.i++
			if item, err = p.position(); err == nil {
				err = p.expect(")")
			}
		case depth == 1:
			item, err = p.position()
		default:
			item, err = p.nested(depth-1, false)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, item)
		if !p.punct(",") {
			break
		}
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	return out, nil
}

// position reads 2 or 3 numbers.
func (p *parser) position() ([]any, error) {
	var out []any
	for len(out) < 3 && p.peek().kind == tNumber {
		t := p.next()
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, fmt.Errorf("position %d: bad number %q", t.pos, t.text)
		}
		out = append(out, v)
	}
	if len(out) < 2 {
		return nil, p.errf("a position needs two numbers")
	}
	return out, nil
}
