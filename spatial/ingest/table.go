package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/crs"
)

// Coordinate tables, as surveyors produce them: one row per boundary point
// with the plot key, optional part and ring numbers (ring 0 = the shell,
// 1.. = holes), the point number, X = northing and Y = easting in metres of
// a stated VN-2000 zone (Vietnamese order: X first). UTF-8 with or without
// BOM; comma or semicolon separated (with semicolons, a decimal comma is
// accepted). Rings are closed implicitly. Plot attributes (land_use,
// legal_area, address, commune) are read from the first row of each plot.
//
//	unit,sheet,plot,part,ring,point,x,y,land_use,legal_area
//	27001,12,45,1,0,1,1192034.512,600112.204,ONT+CLN,152.3

// tableColumns maps accepted header names (lower case) to columns; the
// property fields of fields.json are accepted as well.
var tableColumns = map[string]string{
	"part": "part", "phan": "part",
	"ring": "ring", "vong": "ring",
	"point": "point", "diem": "point", "sohieudiem": "point", "stt": "point", "ten_diem": "point",
	"x": "x", "toado_x": "x", "northing": "x",
	"y": "y", "toado_y": "y", "easting": "y",
}

// DecodeCoordinateTable reads a coordinate table and calls fn once per plot,
// in file order. opt.CRS must name the zone. Index is the plot's ordinal in
// the file; problem fields name the row.
func DecodeCoordinateTable(r io.Reader, opt Options, fn func(Item) error) error {
	if _, ok := crs.ZoneByEPSG(opt.CRS); !ok {
		return inputErr("a coordinate table needs its VN-2000 zone (e.g. --crs EPSG:9210); got %d", opt.CRS)
	}
	if opt.Fields == nil {
		opt.Fields = DefaultFields()
	}
	br := bufio.NewReader(&lineGuard{r: r, max: opt.Limits.str()})
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	first, _ := br.Peek(4096)
	line := string(first)
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	cr := csv.NewReader(br)
	if strings.Count(line, ";") > strings.Count(line, ",") {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return inputErr("coordinate table: cannot read the header: %v", err)
	}
	t := &table{opt: opt, cols: map[string]int{}, decimalComma: cr.Comma == ';', fn: fn, seen: map[spatial.PlotKey]bool{}}
	if err := t.readHeader(header); err != nil {
		return err
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return inputErr("coordinate table row %d: %v", row, err)
		}
		if err := t.row(row, rec); err != nil {
			return err
		}
	}
	return t.flush()
}

// table is the state of one coordinate table: the plot being assembled.
type table struct {
	opt          Options
	cols         map[string]int
	decimalComma bool
	fn           func(Item) error
	seen         map[spatial.PlotKey]bool
	ordinal      int
	cur          *tablePlot
}

type tablePlot struct {
	key      spatial.PlotKey
	props    map[string]any
	firstRow int
	rings    map[[2]int][]orb.Point // (part, ring) -> points in order
	order    [][2]int
	points   map[string]int // point number -> row, to catch duplicates
	problems []spatial.Problem
}

func (t *table) readHeader(h []string) error {
	for i, name := range h {
		n := strings.ToLower(strings.TrimSpace(name))
		if c, ok := tableColumns[n]; ok {
			t.cols[c] = i
		} else if c, ok := t.opt.Fields.alias[n]; ok {
			t.cols[c] = i
		}
	}
	var missing []string
	for _, c := range []string{FieldUnit, FieldSheet, FieldPlot, "x", "y"} {
		if _, ok := t.cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return inputErr("coordinate table header %v lacks the columns %v", h, missing)
	}
	return nil
}

func (t *table) cell(rec []string, col string) (string, bool) {
	i, ok := t.cols[col]
	if !ok || i >= len(rec) {
		return "", false
	}
	return strings.TrimSpace(rec[i]), true
}

func (t *table) num(s string) (float64, error) {
	if t.decimalComma {
		s = strings.Replace(s, ",", ".", 1)
	}
	return strconv.ParseFloat(s, 64)
}

// row adds one point row; a new key starts a new plot.
func (t *table) row(row int, rec []string) error {
	key, kerr := t.rowKey(rec)
	if t.cur == nil || key != t.cur.key {
		if err := t.flush(); err != nil {
			return err
		}
		t.start(row, key, rec, kerr)
	}
	p := t.cur
	bad := func(field, reason string) {
		p.problems = append(p.problems, spatial.Problem{Index: t.ordinal, Feature: key.String(), Field: fmt.Sprintf("%s (row %d)", field, row), Reason: reason})
	}
	xs, _ := t.cell(rec, "x")
	ys, _ := t.cell(rec, "y")
	x, errX := t.num(xs)
	y, errY := t.num(ys)
	if errX != nil {
		bad("x", fmt.Sprintf("%q is not a number", xs))
	}
	if errY != nil {
		bad("y", fmt.Sprintf("%q is not a number", ys))
	}
	part, ring := t.intCell(rec, "part", 1, bad), t.intCell(rec, "ring", 0, bad)
	if pt, ok := t.cell(rec, "point"); ok && pt != "" {
		if prev, dup := p.points[pt]; dup {
			bad("point", fmt.Sprintf("point number %s repeats row %d", pt, prev))
		}
		p.points[pt] = row
	}
	if errX != nil || errY != nil {
		return nil
	}
	pr := [2]int{part, ring}
	if _, ok := p.rings[pr]; !ok {
		p.order = append(p.order, pr)
	}
	p.rings[pr] = append(p.rings[pr], orb.Point{y, x}) // X = northing, Y = easting
	return nil
}

func (t *table) rowKey(rec []string) (spatial.PlotKey, error) {
	u, _ := t.cell(rec, FieldUnit)
	s, _ := t.cell(rec, FieldSheet)
	p, _ := t.cell(rec, FieldPlot)
	if len(u) < 5 && u != "" {
		u = strings.Repeat("0", 5-len(u)) + u
	}
	sheet, err1 := strconv.Atoi(s)
	plot, err2 := strconv.Atoi(p)
	k := spatial.PlotKey{Unit: u, Sheet: sheet, Plot: plot}
	if err1 != nil || err2 != nil || !k.Valid() {
		return k, fmt.Errorf("bad plot key unit=%q sheet=%q plot=%q", u, s, p)
	}
	return k, nil
}

func (t *table) intCell(rec []string, col string, def int, bad func(string, string)) int {
	s, ok := t.cell(rec, col)
	if !ok || s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		bad(col, fmt.Sprintf("%q is not a whole number", s))
		return def
	}
	return v
}

func (t *table) start(row int, key spatial.PlotKey, rec []string, kerr error) {
	t.cur = &tablePlot{key: key, firstRow: row, rings: map[[2]int][]orb.Point{}, points: map[string]int{}, props: map[string]any{}}
	if kerr != nil {
		t.cur.problems = append(t.cur.problems, spatial.Problem{Index: t.ordinal, Feature: key.String(), Field: fmt.Sprintf("key (row %d)", row), Reason: kerr.Error()})
	}
	if t.seen[key] {
		t.cur.problems = append(t.cur.problems, spatial.Problem{Index: t.ordinal, Feature: key.String(), Field: fmt.Sprintf("key (row %d)", row), Reason: "the rows of this plot are not contiguous (it appeared earlier in the table)"})
	}
	t.seen[key] = true
	for _, c := range []string{FieldCommune, FieldLandUse, FieldLegalArea, FieldAddress} {
		if v, ok := t.cell(rec, c); ok && v != "" {
			if why := spatial.TextProblem(v); why != "" {
				t.cur.problems = append(t.cur.problems, spatial.Problem{Index: t.ordinal, Feature: key.String(), Field: fmt.Sprintf("%s (row %d)", c, row), Reason: why})
				continue
			}
			t.cur.props[c] = v
		}
	}
}

// flush turns the assembled plot into an Item.
func (t *table) flush() error {
	p := t.cur
	if p == nil {
		return nil
	}
	t.cur = nil
	mp := orb.MultiPolygon{}
	parts := map[int]int{}
	for _, pr := range p.order {
		ring := orb.Ring(p.rings[pr])
		if len(ring) > 0 && ring[0] != ring[len(ring)-1] {
			ring = append(ring, ring[0])
		}
		pi, ok := parts[pr[0]]
		if !ok {
			pi = len(mp)
			parts[pr[0]] = pi
			mp = append(mp, orb.Polygon{})
		}
		if pr[1] == 0 {
			mp[pi] = append(orb.Polygon{ring}, mp[pi]...)
		} else {
			mp[pi] = append(mp[pi], ring)
		}
	}
	it := Item{Index: t.ordinal}
	t.ordinal++
	pp := &props{m: p.props, item: &it, key: p.key.String()}
	pp.m[FieldUnit], pp.m[FieldSheet], pp.m[FieldPlot] = p.key.Unit, strconv.Itoa(p.key.Sheet), strconv.Itoa(p.key.Plot)
	d := &decoder{opt: t.opt, epsg: t.opt.CRS}
	d.plot(pp, mp)
	it.Problems = append(p.problems, it.Problems...)
	return t.fn(it)
}
