package extracttest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/extract"
)

// The plots of the cases, on one 1:1000 sheet: plot 1 is the checked
// rectangle (20 m east, 20.2 m north, south-west corner at the origin of
// the cases), plot 2 shares its east edge, plot 5 (40 m north, away from
// both) has a legal area that differs from its map area. All are rural
// residential land (ONT).
const (
	CasePlot      = 1
	CaseNeighbour = 2
	CaseLegalPlot = 5
	// CaseLegalArea is plot 5's legal area; its map area is 404 m².
	CaseLegalArea = 380
)

// CasePlots returns the plots of the cases on sheet (unit, number) of zone
// epsg, with the south-west corner of plot 1 at (e0, n0).
func CasePlots(unit string, sheet, epsg int, e0, n0 float64) []*spatial.Plot {
	rect := func(plot int, e, n float64) *spatial.Plot {
		p := &spatial.Plot{Key: spatial.PlotKey{Unit: unit, Sheet: sheet, Plot: plot}, Commune: unit, EPSG: epsg,
			Geometry: rectangle(e, n, 20, 20.2), LandUse: []string{"ONT"}, LegalArea: 404, Address: fmt.Sprintf("Thôn %d", plot)}
		p.Normalize()
		return p
	}
	p5 := rect(CaseLegalPlot, e0, n0+40)
	p5.LegalArea = CaseLegalArea
	return []*spatial.Plot{rect(CasePlot, e0, n0), rect(CaseNeighbour, e0+20, n0), p5}
}

// Case is one re-measurement a surveyor may bring, with what the check
// must answer. Points are metres east and north of plot 1's south-west
// corner (plot 5's for the legal-area case); the request carries them as
// a coordinate table (X northing, Y easting) unless GeoJSON is set.
type Case struct {
	Name    string
	Plot    int                         // plot number; 0: CasePlot
	Key     string                      // the plot key as sent; "": the plot's
	Scale   string                      // "": "1:1000"
	CRS     string                      // the zone the points are given in; "": the plot's
	Points  []Point                     // the measured boundary
	Table   func(e0, n0 float64) string // a table as written, instead of Points
	GeoJSON bool                        // send the points as a GeoJSON Polygon
	Extra   map[string]any

	Status   int // HTTP status: 0 means 201 (a report)
	Verdict  extract.Verdict
	Failing  []string // Report.Failing, exactly, in order
	Overlaps []int    // neighbours overlapped (plot numbers)
	Gaps     []int    // neighbours with a gap
	Reasons  []string // substrings some reason (or, when refused, the answer) must hold
	Checks   int      // NearLimit.Checks when not 0
}

// Point is a measured point: its label and its offset in metres.
type Point struct {
	Label string
	DE    float64
	DN    float64
}

// square are plot 1's corners as the surveyor numbers them.
var square = []Point{{"101", 0, 0}, {"102", 20, 0}, {"103", 20, 20.2}, {"104", 0, 20.2}}

func points(f func(i int, p Point) Point) []Point {
	out := make([]Point, len(square))
	for i, p := range square {
		out[i] = f(i, p)
	}
	return out
}

// Cases lists the re-measurements of issue 14's "done when".
func Cases() []Case {
	moveAll := func(de, dn float64) []Point {
		return points(func(_ int, p Point) Point { return Point{p.Label, p.DE + de, p.DN + dn} })
	}
	scaled := func(k float64) []Point {
		return points(func(_ int, p Point) Point { return Point{p.Label, 10 + k*(p.DE-10), 10.1 + k*(p.DN-10.1)} })
	}
	return []Case{
		{Name: "stored ring rotated", Points: []Point{square[2], square[3], square[0], square[1]}, Verdict: extract.WithinTolerance, Checks: 8},
		{Name: "stored ring reversed", Points: []Point{square[0], square[3], square[2], square[1]}, Verdict: extract.WithinTolerance, Checks: 8},
		{Name: "collinear extra point", Points: []Point{square[0], {"105", 10, 0.004}, square[1], square[2], square[3]},
			Verdict: extract.WithinTolerance, Checks: 9},
		{Name: "corner moved 30 cm", Points: points(func(i int, p Point) Point {
			if i == 2 {
				p.DE += 0.3
			}
			return p
		}), Verdict: extract.BoundaryChanged, Failing: []string{"edge 103-104", "point 103", "area"}, Overlaps: []int{CaseNeighbour},
			Reasons: []string{"edge 103-104 changed by +0.300 m", "point 103 (X ", "is 0.300 m from stored vertex 3"}},
		{Name: "all points moved 5 cm at 1:1000", Points: moveAll(0.03, -0.04), Verdict: extract.WithinTolerance, Overlaps: []int{CaseNeighbour}},
		{Name: "all points moved 5 cm at 1:200", Scale: "1:200", Extra: map[string]any{"scale_reason": "re-surveyed at 1:200 for the lost certificate"},
			Points: moveAll(0.03, -0.04), Verdict: extract.OutOfTolerance, Failing: []string{"near_limit", "systematic_shift"}, Overlaps: []int{CaseNeighbour},
			Reasons: []string{"every point is shifted alike", "scale 1:200 instead of the plot's 1:1000, stated reason: re-surveyed"}},
		{Name: "scale 1.001", Points: scaled(1.001), Verdict: extract.OutOfTolerance, Failing: []string{"systematic_scale"}, Overlaps: []int{CaseNeighbour},
			Reasons: []string{"scale error 1:1.001"}},
		{Name: "shift 0.6 m", Points: moveAll(0.36, 0.48), Verdict: extract.OutOfTolerance, Failing: []string{"systematic_shift"},
			Overlaps: []int{CaseNeighbour}, Gaps: []int{CaseNeighbour}, Reasons: []string{"dX +0.480 m, dY +0.360 m (0.600 m)"}},
		{Name: "edge pushed into a neighbour", Points: points(func(i int, p Point) Point {
			if i == 1 || i == 2 {
				p.DE += 0.5
			}
			return p
		}), Verdict: extract.BoundaryChanged, Failing: []string{"edge 101-102", "edge 103-104", "point 102", "point 103", "area"},
			Overlaps: []int{CaseNeighbour}, Reasons: []string{"overlaps neighbouring plot", "by 10.10 m²"}},
		{Name: "edge pulled back from a neighbour", Points: points(func(i int, p Point) Point {
			if i == 1 || i == 2 {
				p.DE -= 1
			}
			return p
		}), Verdict: extract.BoundaryChanged, Failing: []string{"stored vertex 2", "stored vertex 3", "area"},
			Gaps: []int{CaseNeighbour}, Reasons: []string{"gap of 18.38 m² against neighbouring plot", "stored vertex 2 (X "}},
		{Name: "area beyond tolerance with small moves", Points: []Point{square[0], {"105", 0.5, -0.1}, {"106", 19.5, -0.1}, square[1], square[2], square[3],
			{"107", -0.1, 19.7}, {"108", -0.1, 0.5}}, Verdict: extract.OutOfTolerance, Failing: []string{"area"}, Checks: 12,
			Reasons: []string{"differs from the area of the stored map geometry (404.0 m²) by +3.9 m²"}},
		{Name: "bow-tie", Points: []Point{square[0], square[2], square[1], square[3]}, Status: 422, Reasons: []string{"boundary part 1 shell"}},
		{Name: "unknown key", Key: "90001/7/999", Points: square, Status: 404},
		{Name: "plot key in the unit/sheet/plot form", Key: "slash", Points: square, Verdict: extract.WithinTolerance},
		{Name: "coordinate table as written", Table: func(e0, n0 float64) string {
			var b strings.Builder
			b.WriteString("Diem;ToaDo_X;ToaDo_Y\n")
			for _, p := range square {
				fmt.Fprintf(&b, "%s;%s;%s\n", p.Label, strings.Replace(fmt.Sprintf("%.3f", n0+p.DN+0.012), ".", ",", 1), strings.Replace(fmt.Sprintf("%.3f", e0+p.DE-0.01), ".", ",", 1))
			}
			return b.String()
		}, Verdict: extract.WithinTolerance, Gaps: []int{CaseNeighbour}},
		{Name: "X and Y swapped", Table: func(e0, n0 float64) string {
			var b strings.Builder
			b.WriteString("point,x,y\n")
			for _, p := range square {
				fmt.Fprintf(&b, "%s,%.3f,%.3f\n", p.Label, e0+p.DE, n0+p.DN)
			}
			return b.String()
		}, Status: 422, Reasons: []string{"X and Y look swapped", `"feature":"point 101"`}},
		{Name: "wrong zone", CRS: "EPSG:9209", Points: square, Verdict: extract.OutOfTolerance, Failing: []string{"systematic_shift"},
			Gaps: []int{CaseNeighbour}, Reasons: []string{"check the zone and datum"}},
		{Name: "scale other than the sheet's", Scale: "1:500", Points: square, Status: 422, Reasons: []string{`"field":"scale"`, "mapped at 1:1000"}},
		{Name: "agricultural allowance on residential land", Extra: map[string]any{"agricultural": true}, Points: square, Status: 422,
			Reasons: []string{`"field":"agricultural"`, "recorded as ONT"}},
		{Name: "legal area differs from the map area", Plot: CaseLegalPlot, Points: square, Verdict: extract.WithinTolerance,
			Reasons: []string{"differs from the legal area 380.0 m² on the certificate by +24.0 m²"}},
	}
}

// Request returns the case's request body for plot 1's south-west corner
// at (e0, n0) on the given sheet.
func (c Case) Request(unit string, sheet int, e0, n0 float64) map[string]any {
	plot := c.Plot
	if plot == 0 {
		plot = CasePlot
	}
	if plot == CaseLegalPlot {
		n0 += 40
	}
	key := spatial.PlotKey{Unit: unit, Sheet: sheet, Plot: plot}
	req := map[string]any{"plot": key, "scale": "1:1000", "profile": extract.DefaultProfile}
	switch c.Key {
	case "":
	case "slash":
		req["plot"] = key.String()
	default:
		req["plot"] = c.Key
	}
	if c.Scale != "" {
		req["scale"] = c.Scale
	}
	if c.Table != nil {
		req["table"] = c.Table(e0, n0)
	} else {
		pts := c.plane(e0, n0)
		if c.GeoJSON {
			ring := make([][2]float64, 0, len(pts)+1)
			for _, p := range pts {
				ring = append(ring, [2]float64{p[0], p[1]})
			}
			req["boundary"] = map[string]any{"type": "Polygon", "coordinates": [][][2]float64{append(ring, ring[0])}}
		} else {
			var b strings.Builder
			b.WriteString("point,x,y\n")
			for i, p := range pts {
				fmt.Fprintf(&b, "%s,%.4f,%.4f\n", c.Points[i].Label, p[1], p[0])
			}
			req["table"] = b.String()
		}
	}
	if c.CRS != "" {
		req["crs"] = c.CRS
	}
	for k, v := range c.Extra {
		req[k] = v
	}
	return req
}

// plane returns the points on the plot's plane, rounded to 0.1 mm (a
// case declaring another zone sends them unconverted: the surveyor named
// the wrong zone).
func (c Case) plane(e0, n0 float64) [][2]float64 {
	out := make([][2]float64, len(c.Points))
	for i, p := range c.Points {
		e, n := e0+p.DE, n0+p.DN
		out[i] = [2]float64{math.Round(e*1e4) / 1e4, math.Round(n*1e4) / 1e4}
	}
	return out
}

func rectangle(e, n, w, h float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{e, n}, {e + w, n}, {e + w, n + h}, {e, n + h}, {e, n}}}}
}

// Outcome is what a check answered: an HTTP status (201 with a report,
// or an error status with its text).
type Outcome struct {
	Status int
	Report *extract.Report
	Text   string // the error answer, or the reasons joined
}

// Assert checks an outcome against the case: the status, and for a
// report the verdict, the failing items in order, the neighbours
// overlapped and with a gap, the reasons and the number of checks.
func (c Case) Assert(t testing.TB, o Outcome) {
	t.Helper()
	want := c.Status
	if want == 0 {
		want = 201
	}
	if o.Status != want {
		t.Errorf("%s: got status %d (%s), want %d", c.Name, o.Status, o.Text, want)
		return
	}
	text := o.Text
	if r := o.Report; r != nil {
		text = strings.Join(r.Reasons, "\n")
		if r.Verdict != c.Verdict || !slices.Equal(r.Failing, c.Failing) {
			t.Errorf("%s: got %s %q, want %s %q (reasons %q)", c.Name, r.Verdict, r.Failing, c.Verdict, c.Failing, r.Reasons)
		}
		if got := plotNumbers(r.Overlaps); !slices.Equal(got, c.Overlaps) {
			t.Errorf("%s: got overlaps with %v (%v), want %v", c.Name, got, r.Overlaps, c.Overlaps)
		}
		if got := plotNumbers(r.Gaps); !slices.Equal(got, c.Gaps) {
			t.Errorf("%s: got gaps against %v (%v), want %v", c.Name, got, r.Gaps, c.Gaps)
		}
		if c.Checks != 0 && r.NearLimit.Checks != c.Checks {
			t.Errorf("%s: got %d checks in the 90-100 %% rule, want %d", c.Name, r.NearLimit.Checks, c.Checks)
		}
		for _, bad := range []string{"<nil>", "orb.", "float64", "%!"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s: a reason holds %q: %q", c.Name, bad, r.Reasons)
			}
		}
	}
	for _, s := range c.Reasons {
		if !strings.Contains(text, s) {
			t.Errorf("%s: the answer lacks %q:\n%s", c.Name, s, text)
		}
	}
}

func plotNumbers(ns []extract.NeighbourArea) []int {
	var out []int
	for _, n := range ns {
		out = append(out, n.Key.Plot)
	}
	return out
}
