package extract

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"cadastre/spatial"
	"cadastre/spatial/crs"
)

// ParseGeoJSON reads a measured boundary from a GeoJSON Polygon or
// MultiPolygon (a bare geometry, a Feature, or a FeatureCollection with
// one feature) on the plane of zone epsg. Rings must be closed. Vertices
// are numbered 1, 2, ... in order unless the properties of a single-ring
// feature list them ("points", one per vertex without the closing one);
// "lengths" gives the surveyor's edge lengths from each vertex to the next.
func ParseGeoJSON(b []byte, epsg int) (Boundary, error) {
	var probe struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return Boundary{}, invalidField("boundary", "not GeoJSON: "+jsonReason(err))
	}
	var g orb.Geometry
	switch probe.Type {
	case "FeatureCollection":
		if len(probe.Features) != 1 {
			return Boundary{}, invalidField("boundary", fmt.Sprintf("want one feature, got %d", len(probe.Features)))
		}
		return ParseGeoJSON(probe.Features[0], epsg)
	case "Feature":
		f, err := geojson.UnmarshalFeature(b)
		if err != nil {
			return Boundary{}, invalidField("boundary", "not a GeoJSON Feature: "+jsonReason(err))
		}
		bd, err := boundaryFromGeometry(f.Geometry, epsg)
		if err != nil {
			return bd, err
		}
		return bd, bd.pointProperties(f.Properties)
	default:
		gg, err := geojson.UnmarshalGeometry(b)
		if err != nil {
			return Boundary{}, invalidField("boundary", "not a GeoJSON geometry: "+jsonReason(err))
		}
		g = gg.Geometry()
	}
	return boundaryFromGeometry(g, epsg)
}

func boundaryFromGeometry(g orb.Geometry, epsg int) (Boundary, error) {
	var mp orb.MultiPolygon
	switch t := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{t}
	case orb.MultiPolygon:
		mp = t
	default:
		name := "nothing"
		if g != nil {
			name = "a " + g.GeoJSONType()
		}
		return Boundary{}, invalidField("boundary", "want a Polygon or MultiPolygon, got "+name)
	}
	for pi, p := range mp {
		for ri, r := range p {
			if len(r) > 0 && r[0] != r[len(r)-1] {
				return Boundary{}, invalidField(ringName(pi, ri), "ring is not closed: its last position must repeat the first")
			}
		}
	}
	return Boundary{EPSG: epsg, Geometry: mp}, nil
}

// pointProperties reads the optional "points" (point numbers) and
// "lengths" (stated edge lengths) of a single-ring feature.
func (b *Boundary) pointProperties(props geojson.Properties) error {
	pts, hasPts := props["points"].([]any)
	lens, hasLens := props["lengths"].([]any)
	if !hasPts && !hasLens {
		return nil
	}
	if len(b.Geometry) != 1 || len(b.Geometry[0]) != 1 {
		return invalidField("properties.points", "point numbers and lengths are accepted for a single ring only")
	}
	n := len(b.Geometry[0][0]) - 1
	if (hasPts && len(pts) != n) || (hasLens && len(lens) != n) {
		return invalidField("properties.points", fmt.Sprintf("want %d entries, one per vertex without the closing one", n))
	}
	labels, lengths := make([]string, n), make([]float64, n)
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		if hasPts {
			labels[i] = fmt.Sprint(pts[i])
			if seen[labels[i]] {
				return invalidField("properties.points", "point number "+labels[i]+" repeats")
			}
			seen[labels[i]] = true
		}
		if hasLens {
			l, ok := lens[i].(float64)
			if !ok {
				return invalidField("properties.lengths", fmt.Sprintf("entry %d is not a number", i+1))
			}
			lengths[i] = l
		}
	}
	if hasPts {
		b.Labels = [][][]string{{labels}}
	}
	if hasLens {
		b.StatedLengths = [][][]float64{{lengths}}
	}
	return nil
}

// tableAliases maps accepted column names (lower case) to columns.
var tableAliases = map[string]string{
	"point": "point", "diem": "point", "sohieudiem": "point", "stt": "point", "ten_diem": "point",
	"x": "x", "toado_x": "x", "northing": "x",
	"y": "y", "toado_y": "y", "easting": "y",
	"part": "part", "phan": "part", "ring": "ring", "vong": "ring",
	"length": "length", "canh": "length", "chieu_dai": "length", "distance": "length",
}

// ParseTable reads a measured boundary from a coordinate table: a header
// naming point, x (northing), y (easting) and optionally part, ring (0 =
// shell) and length (the surveyor's length from this point to the next);
// comma or semicolon separated, rings closed implicitly. Problems name
// the row and the point.
func ParseTable(r io.Reader, epsg int) (Boundary, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord, cr.TrimLeadingSpace = -1, true
	rows, err := cr.ReadAll()
	if err != nil {
		return Boundary{}, invalidField("table", "not a readable coordinate table: "+err.Error())
	}
	if len(rows) < 2 {
		return Boundary{}, invalidField("table", "a coordinate table needs a header (point,x,y) and one row per point")
	}
	if len(rows[0]) == 1 && strings.Contains(rows[0][0], ";") {
		cr := csv.NewReader(strings.NewReader(joinRows(rows)))
		cr.Comma, cr.FieldsPerRecord = ';', -1
		if rows, err = cr.ReadAll(); err != nil {
			return Boundary{}, invalidField("boundary", err.Error())
		}
	}
	t := tableReader{cols: map[string]int{}, epsg: epsg}
	if err := t.header(rows[0]); err != nil {
		return Boundary{}, err
	}
	for i, rec := range rows[1:] {
		t.row(i+2, rec)
	}
	if len(t.problems) > 0 {
		return Boundary{}, spatial.Invalid("bad coordinate table", t.problems)
	}
	return t.boundary(), nil
}

func joinRows(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, ","))
		b.WriteByte('\n')
	}
	return b.String()
}

// tableReader collects the rings of a coordinate table.
type tableReader struct {
	cols     map[string]int
	epsg     int
	order    [][2]int
	rings    map[[2]int]*tableRing
	seen     map[string]int
	problems []spatial.Problem
}

type tableRing struct {
	pts     orb.Ring
	labels  []string
	lengths []float64
}

func (t *tableReader) header(h []string) error {
	for i, name := range h {
		key := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		if c, ok := tableAliases[key]; ok {
			t.cols[c] = i
		}
	}
	for _, need := range []string{"point", "x", "y"} {
		if _, ok := t.cols[need]; !ok {
			return invalidField("boundary", fmt.Sprintf("the coordinate table has no %q column (header: %s)", need, strings.Join(h, ",")))
		}
	}
	t.rings, t.seen = map[[2]int]*tableRing{}, map[string]int{}
	return nil
}

func (t *tableReader) cell(rec []string, col string) string {
	i, ok := t.cols[col]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func (t *tableReader) num(rec []string, col string, row int, pt string) (float64, bool) {
	s := strings.Replace(t.cell(rec, col), ",", ".", 1)
	if s == "" && (col == "length" || col == "part" || col == "ring") {
		return 0, true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		t.bad(row, pt, col, fmt.Sprintf("%q is not a number", s))
		return 0, false
	}
	return v, true
}

func (t *tableReader) bad(row int, pt, field, reason string) {
	t.problems = append(t.problems, spatial.Problem{Index: -1, Feature: "point " + pt, Field: fmt.Sprintf("%s (row %d)", field, row), Reason: reason})
}

func (t *tableReader) row(row int, rec []string) {
	pt := t.cell(rec, "point")
	if pt == "" {
		t.bad(row, pt, "point", "missing point number")
	} else if prev, dup := t.seen[pt]; dup {
		t.bad(row, pt, "point", fmt.Sprintf("point number %s repeats row %d", pt, prev))
	}
	t.seen[pt] = row
	x, okX := t.num(rec, "x", row, pt)
	y, okY := t.num(rec, "y", row, pt)
	part, okP := t.num(rec, "part", row, pt)
	ring, okR := t.num(rec, "ring", row, pt)
	l, okL := t.num(rec, "length", row, pt)
	if !okX || !okY || !okP || !okR || !okL {
		return
	}
	k := [2]int{int(part), int(ring)}
	tr, ok := t.rings[k]
	if !ok {
		tr = &tableRing{}
		t.rings[k] = tr
		t.order = append(t.order, k)
	}
	tr.pts = append(tr.pts, orb.Point{y, x}) // X = northing, Y = easting
	tr.labels = append(tr.labels, pt)
	tr.lengths = append(tr.lengths, l)
}

// boundary assembles the rings: shells first within each part.
func (t *tableReader) boundary() Boundary {
	b := Boundary{EPSG: t.epsg}
	parts := map[int]int{}
	for _, k := range t.order {
		tr := t.rings[k]
		pi, ok := parts[k[0]]
		if !ok {
			pi = len(b.Geometry)
			parts[k[0]] = pi
			b.Geometry = append(b.Geometry, nil)
			b.Labels = append(b.Labels, nil)
			b.StatedLengths = append(b.StatedLengths, nil)
		}
		ring := append(tr.pts, tr.pts[0])
		if k[1] == 0 {
			b.Geometry[pi] = append(orb.Polygon{ring}, b.Geometry[pi]...)
			b.Labels[pi] = append([][]string{tr.labels}, b.Labels[pi]...)
			b.StatedLengths[pi] = append([][]float64{tr.lengths}, b.StatedLengths[pi]...)
		} else {
			b.Geometry[pi] = append(b.Geometry[pi], ring)
			b.Labels[pi] = append(b.Labels[pi], tr.labels)
			b.StatedLengths[pi] = append(b.StatedLengths[pi], tr.lengths)
		}
	}
	return b
}

// ToZone converts the boundary to the plane of zone epsg through WGS 84
// (EPSG:6960) and says so in the returned note; nothing when already there.
func (b Boundary) ToZone(epsg int) (Boundary, string, error) {
	if b.EPSG == epsg {
		return b, "", nil
	}
	from, ok1 := crs.ZoneByEPSG(b.EPSG)
	to, ok2 := crs.ZoneByEPSG(epsg)
	if !ok1 || !ok2 {
		return b, "", invalidField("crs", fmt.Sprintf("EPSG:%d is not a VN-2000 TM-3 zone", b.EPSG))
	}
	out := b
	out.EPSG, out.Geometry = epsg, make(orb.MultiPolygon, len(b.Geometry))
	for pi, p := range b.Geometry {
		out.Geometry[pi] = make(orb.Polygon, len(p))
		for ri, r := range p {
			nr := make(orb.Ring, len(r))
			for i, pt := range r {
				lon, lat := from.ToWGS84(pt[0], pt[1])
				nr[i][0], nr[i][1] = to.FromWGS84(lon, lat)
			}
			out.Geometry[pi][ri] = nr
		}
	}
	return out, fmt.Sprintf("the measured boundary was converted from EPSG:%d to the plot's zone EPSG:%d", b.EPSG, epsg), nil
}

// MaxVertices is the most vertices an extract may have: a re-measured
// plot has tens, a long road plot a few hundred; beyond this the report
// (one row per vertex and edge) would outgrow what a registrar reads and
// what is stored with the extract.
const MaxVertices = 2000

// maxPointProblems is how many points out of range are named one by one.
const maxPointProblems = 10

// CheckBoundary returns every defect of a measured boundary, naming the
// points: too many points, coordinates that are not numbers or lie outside
// the zone's plane range (with a hint when X and Y look swapped),
// duplicate consecutive points, too few points, self-crossing rings, holes
// outside their shell.
func CheckBoundary(b Boundary) error {
	var probs []spatial.Problem
	n := 0
	for _, p := range b.Geometry {
		for _, r := range p {
			n += len(r)
		}
	}
	if n > MaxVertices+len(b.Geometry) {
		return invalidField("boundary", fmt.Sprintf("%d points: an extract may have at most %d", n, MaxVertices))
	}
	if bd := b.Geometry.Bound(); len(b.Geometry) > 0 && math.Abs(bd.Min[0]) <= 180 && math.Abs(bd.Max[0]) <= 180 && math.Abs(bd.Min[1]) <= 90 && math.Abs(bd.Max[1]) <= 90 {
		probs = append(probs, spatial.Problem{Index: -1, Field: "boundary", Reason: "the coordinates look like longitude/latitude degrees: give VN-2000 plane metres of a TM-3 zone (a table: X northing, Y easting)"})
		return spatial.Invalid("the measured boundary is not a valid polygon", probs)
	}
	probs = append(probs, b.rangeProblems()...)
	if len(probs) == 0 {
		for pi, p := range b.Geometry {
			for ri, r := range p {
				for i := 0; i+1 < len(r)-1; i++ {
					if r[i] == r[i+1] {
						probs = append(probs, spatial.Problem{Index: -1, Feature: "point " + b.labelOr(pi, ri, i+1), Field: ringName(pi, ri),
							Reason: fmt.Sprintf("point %s repeats the previous point %s", b.labelOr(pi, ri, i+1), b.labelOr(pi, ri, i))})
					}
				}
			}
		}
	}
	if len(probs) == 0 {
		for _, ge := range spatial.ValidateGeometry(b.Geometry) {
			probs = append(probs, spatial.Problem{Index: -1, Field: ringName(ge.Part, ge.Ring), Reason: ge.Reason})
		}
	}
	if len(probs) > 0 {
		return spatial.Invalid("the measured boundary is not a valid polygon", probs)
	}
	return nil
}

// rangeProblems names the points that are not finite or lie outside the
// plane range of the boundary's zone (crs.Zone.InRange), the first
// maxPointProblems one by one.
func (b *Boundary) rangeProblems() []spatial.Problem {
	z, ok := crs.ZoneByEPSG(b.EPSG)
	var probs []spatial.Problem
	bad, swapped := 0, 0
	for pi, p := range b.Geometry {
		for ri, r := range p {
			for i, pt := range r[:max(len(r)-1, 0)] {
				e, n := pt[0], pt[1]
				finite := !math.IsNaN(e) && !math.IsNaN(n) && !math.IsInf(e, 0) && !math.IsInf(n, 0)
				if finite && (!ok || z.InRange(e, n)) {
					continue
				}
				bad++
				reason := "the coordinates are not finite numbers"
				if finite {
					reason = fmt.Sprintf("%s lies outside the plane of EPSG:%d (X northing 900000-2700000 m, Y easting 250000-750000 m)", xy([2]float64{e, n}), b.EPSG)
					if z.InRange(n, e) {
						swapped++
						reason += ": X and Y look swapped (X is the northing, the larger number here; Y the easting)"
					}
				}
				if bad <= maxPointProblems {
					probs = append(probs, spatial.Problem{Index: -1, Feature: "point " + b.labelOr(pi, ri, i), Field: ringName(pi, ri), Reason: reason})
				}
			}
		}
	}
	if bad > maxPointProblems {
		probs = append(probs, spatial.Problem{Index: -1, Field: "boundary", Reason: fmt.Sprintf("%d points in all lie outside the zone's plane (%d look like X and Y swapped)", bad, swapped)})
	}
	return probs
}

func (b *Boundary) labelOr(pi, ri, i int) string {
	if l := b.label(pi, ri, i); l != "" {
		return l
	}
	return itoa(i + 1)
}

func ringName(pi, ri int) string {
	if ri == 0 {
		return fmt.Sprintf("boundary part %d shell", pi+1)
	}
	return fmt.Sprintf("boundary part %d hole %d", pi+1, ri)
}

// jsonReason says what is wrong with a JSON value without Go type names.
func jsonReason(err error) string {
	p := JSONProblem(err)
	if p.Field != "" && p.Field != "body" {
		return p.Field + ": " + p.Reason
	}
	return p.Reason
}

func invalidField(field, reason string) error {
	return spatial.Invalid("bad measured boundary", []spatial.Problem{{Index: -1, Field: field, Reason: reason}})
}
