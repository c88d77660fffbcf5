package grid_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"cadastre/spatial/grid"
)

const hint = 1700000 // m, a northing in northern Vietnam near the examples

// m builds a frame from metres (west, south, east, north).
func m(minE, minN, maxE, maxN float64) grid.Frame {
	return grid.Frame{MinE: minE, MinN: minN, MaxE: maxE, MaxN: maxN}
}

// annex03 holds the examples of Circular 25/2014 Annex 03 and the frames
// the grid alignment of the package documentation gives them.
var annex03 = []struct {
	number string
	scale  grid.Scale
	frame  grid.Frame
}{
	{"10-728 494", grid.Scale10000, m(494000, 1722000, 500000, 1728000)},
	{"725 497", grid.Scale5000, m(497000, 1722000, 500000, 1725000)},
	// "725 500" spans E 500..503, N 1722..1725; cell 6 = row 2, column 3.
	{"725 500-6", grid.Scale2000, m(502000, 1723000, 503000, 1724000)},
	// d = south-east quarter.
	{"725 500-6-d", grid.Scale1000, m(502500, 1723000, 503000, 1723500)},
	// (11) = row 3, column 3 of 4 x 4.
	{"725 500-6-(11)", grid.Scale500, m(502500, 1723250, 502750, 1723500)},
	// 25 = row 3, column 5 of 10 x 10.
	{"725 500-6-25", grid.Scale200, m(502400, 1723700, 502500, 1723800)},
}

func center(f grid.Frame) (e, n float64) { return (f.MinE + f.MaxE) / 2, (f.MinN + f.MaxN) / 2 }

func TestAnnex03Examples(t *testing.T) {
	for _, tc := range annex03 {
		t.Run(tc.number, func(t *testing.T) {
			s, f, err := grid.Parse(tc.number, hint)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if s != tc.scale || f != tc.frame {
				t.Fatalf("Parse = %v %+v, want %v %+v", s, f, tc.scale, tc.frame)
			}
			if f.MaxE-f.MinE != tc.scale.CellSize() || f.MaxN-f.MinN != tc.scale.CellSize() {
				t.Errorf("frame %+v is not a %v m square", f, tc.scale.CellSize())
			}
			if g, err := grid.FrameOf(tc.scale, tc.number, hint); err != nil || g != tc.frame {
				t.Errorf("FrameOf = %+v, %v", g, err)
			}
			// Formats back identically, from the centre and from the
			// naming (north-west) corner, which the cell owns.
			ce, cn := center(f)
			for _, p := range [][2]float64{{ce, cn}, {f.MinE, f.MaxN}, {math.Nextafter(f.MaxE, 0), math.Nextafter(f.MinN, math.Inf(1))}} {
				num, g, err := grid.SheetAt(tc.scale, p[0], p[1])
				if err != nil || num != tc.number || g != tc.frame {
					t.Errorf("SheetAt(%v, %v, %v) = %q %+v %v, want %q", tc.scale, p[0], p[1], num, g, err, tc.number)
				}
			}
		})
	}
}

func TestNesting(t *testing.T) {
	_, f10, _ := grid.Parse("10-728 494", hint)
	_, f5, _ := grid.Parse("725 497", hint)
	if !inside(f5, f10) {
		t.Errorf("725 497 %+v not inside 10-728 494 %+v", f5, f10)
	}
	// The four 1:5000 sheets of a 1:10000 sheet are its quarters.
	tile(t, "10-728 494", []string{"728 494", "728 497", "725 494", "725 497"})
	tile(t, "10-728 500", []string{"728 500", "728 503", "725 500", "725 503"})
	// The 1:2000 cells of a 1:5000 cell tile it, numbered 1..9.
	var sub []string
	for k := 1; k <= 9; k++ {
		sub = append(sub, fmt.Sprintf("725 500-%d", k))
	}
	tile(t, "725 500", sub)
	// The 1:1000, 1:500 and 1:200 cells of a 1:2000 cell tile it.
	for _, parent := range []string{"725 500-1", "725 500-6", "725 497-9"} {
		sub = sub[:0]
		for _, l := range "abcd" {
			sub = append(sub, fmt.Sprintf("%s-%c", parent, l))
		}
		tile(t, parent, sub)
		sub = sub[:0]
		for k := 1; k <= 16; k++ {
			sub = append(sub, fmt.Sprintf("%s-(%d)", parent, k))
		}
		tile(t, parent, sub)
		sub = sub[:0]
		for k := 1; k <= 100; k++ {
			sub = append(sub, fmt.Sprintf("%s-%d", parent, k))
		}
		tile(t, parent, sub)
	}
}

func inside(in, out grid.Frame) bool {
	return in.MinE >= out.MinE && in.MaxE <= out.MaxE && in.MinN >= out.MinN && in.MaxN <= out.MaxN
}

// tile checks that the children (given in numbering order) tile the parent
// left to right, top to bottom, without gaps or overlaps.
func tile(t *testing.T, parent string, children []string) {
	t.Helper()
	_, pf, err := grid.Parse(parent, hint)
	if err != nil {
		t.Fatal(err)
	}
	side := int(math.Round(math.Sqrt(float64(len(children)))))
	var area float64
	var prev grid.Frame
	for i, c := range children {
		_, f, err := grid.Parse(c, hint)
		if err != nil {
			t.Fatal(err)
		}
		if !inside(f, pf) {
			t.Errorf("%s %+v not inside %s %+v", c, f, parent, pf)
		}
		area += (f.MaxE - f.MinE) * (f.MaxN - f.MinN)
		switch {
		case i == 0:
			if f.MinE != pf.MinE || f.MaxN != pf.MaxN {
				t.Errorf("first cell %s %+v is not at the top-left of %s", c, f, parent)
			}
		case i%side == 0: // new row: below the previous row, back at the left
			if f.MinE != pf.MinE || f.MaxN != prev.MinN {
				t.Errorf("%s %+v does not start the row below %+v", c, f, prev)
			}
		default: // right of the previous cell
			if f.MinE != prev.MaxE || f.MaxN != prev.MaxN {
				t.Errorf("%s %+v is not right of %+v", c, f, prev)
			}
		}
		prev = f
	}
	if want := (pf.MaxE - pf.MinE) * (pf.MaxN - pf.MinN); area != want {
		t.Errorf("children of %s cover %v m², want %v", parent, area, want)
	}
	if prev.MaxE != pf.MaxE || prev.MinN != pf.MinN {
		t.Errorf("last cell %+v is not at the bottom-right of %s %+v", prev, parent, pf)
	}
}

// TestBoundaryConvention pins the owner of points on grid lines: a cell
// owns its west and north edges ([MinE, MaxE) x (MinN, MaxN]).
func TestBoundaryConvention(t *testing.T) {
	tests := []struct {
		e, n  float64 // km
		scale grid.Scale
		want  string
	}{
		{494, 1728, grid.Scale10000, "10-728 494"}, // its own naming corner
		{500, 1728, grid.Scale10000, "10-728 500"}, // top-right corner: east neighbour
		{494, 1722, grid.Scale10000, "10-722 494"}, // bottom-left corner: south neighbour
		{500, 1722, grid.Scale10000, "10-722 500"}, // bottom-right corner: south-east
		{497, 1725, grid.Scale10000, "10-728 494"}, // interior point
		{497, 1725, grid.Scale5000, "725 497"},
		{500, 1725, grid.Scale5000, "725 500"},
		{500, 1724, grid.Scale2000, "725 500-4"},
		{500, 1722.0001, grid.Scale2000, "725 500-7"},
		{502.5, 1723.5, grid.Scale1000, "725 500-6-d"},
		{502.4, 1723.8, grid.Scale200, "725 500-6-25"},
		{502.5, 1723.5, grid.Scale500, "725 500-6-(11)"},
		{104, 6, grid.Scale10000, "10-006 104"}, // domain corner
		{997.9999, 0.0001, grid.Scale200, "003 995-9-100"},
		{104, 2994, grid.Scale5000, "994 104"},
	}
	for _, tc := range tests {
		e, n := tc.e*1000, tc.n*1000
		num, f, err := grid.SheetAt(tc.scale, e, n)
		if err != nil || num != tc.want {
			t.Errorf("SheetAt(%v, %v, %v) = %q, %v, want %q", tc.scale, e, n, num, err, tc.want)
			continue
		}
		if !f.Contains(e, n) {
			t.Errorf("frame %+v of %q does not contain (%v, %v)", f, num, e, n)
		}
		// No neighbour claims the point.
		c := tc.scale.CellSize()
		for de := -1.0; de <= 1; de++ {
			for dn := -1.0; dn <= 1; dn++ {
				g := grid.Frame{MinE: f.MinE + de*c, MaxE: f.MaxE + de*c, MinN: f.MinN + dn*c, MaxN: f.MaxN + dn*c}
				if (de != 0 || dn != 0) && g.Contains(e, n) {
					t.Errorf("neighbour %+v of %q also contains (%v, %v)", g, num, e, n)
				}
			}
		}
	}
}

// TestThousandsDigit: the hint picks the thousands digit of the northing.
func TestThousandsDigit(t *testing.T) {
	tests := []struct {
		number  string
		hint    float64
		wantMax float64 // top edge, km
		wantErr string
	}{
		{"725 497", 1700000, 1725, ""},
		{"725 497", 1300000, 1725, ""},
		{"725 497", 2100000, 1725, ""},
		{"725 497", 1225001, 1725, ""},
		{"725 497", 2224999, 1725, ""},
		{"725 497", 700000, 0, "not a 1:5000 sheet's top edge"},  // picks 725 km
		{"725 497", 2600000, 0, "not a 1:5000 sheet's top edge"}, // picks 2725 km
		{"10-728 494", 1728000, 1728, ""},
		{"10-728 494", 728000, 0, "not a 1:10000 sheet's top edge"},
		{"10-006 104", 0, 6, ""},
		{"10-006 104", -300000, 6, ""},
		{"10-994 104", 2900000, 2994, ""},
		{"10-994 104", 3500000, 2994, ""},
		{"997 500", 2999000, 0, "outside the grid domain"},          // 2997 km > 2994
		{"10-000 500", 900000, 0, "not a 1:10000 sheet's top edge"}, // 1000 km is not a multiple of 6
		{"10-000 500", 0, 0, "outside the grid domain"},
		{"10-000 494", 2000000, 0, "not a 1:10000 sheet's top edge"},
		{"725 497", math.NaN(), 0, "hint northing NaN"},
		{"725 497", math.Inf(1), 0, "hint northing +Inf"},
	}
	for _, tc := range tests {
		_, f, err := grid.Parse(tc.number, tc.hint)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Parse(%q, %v) = %+v, %v; want error containing %q", tc.number, tc.hint, f, err, tc.wantErr)
			}
			continue
		}
		if err != nil || f.MaxN != tc.wantMax*1000 {
			t.Errorf("Parse(%q, %v) = %+v, %v; want top edge %v km", tc.number, tc.hint, f, err, tc.wantMax)
		}
	}
}

func TestBadNumbers(t *testing.T) {
	tests := []struct{ number, reason string }{
		{"", "bad format"},
		{" 725 497", "bad format"},
		{"725 497 ", "bad format"},
		{"725  497", "bad format"},
		{"725-497", "bad format"},
		{"725497", "bad format"},
		{"725 49", "bad format"},
		{"72 497", "bad format"},
		{"7a5 497", "bad format"},
		{"725 4x7", "bad format"},
		{"٧٢٥ 497", "bad format"},
		{"725 497-", "missing 1:2000 cell"},
		{"725 500-0", "unknown 1:2000 cell 0"},
		{"725 500-10", "unknown 1:2000 cell 10"},
		{"725 500-06", "unknown 1:2000 cell 06"},
		{"725 500-x", "missing 1:2000 cell"},
		{"725 500-6x", "bad format"},
		{"725 500 6", "bad format"},
		{"725 500-6-", "missing cell"},
		{"725 500-6-e", "unknown 1:1000 cell e"},
		{"725 500-6-D", "unknown 1:1000 cell D"},
		{"725 500-6-dd", "bad format"},
		{"725 500-6-(0)", "unknown 1:500 cell (0)"},
		{"725 500-6-(17)", "unknown 1:500 cell (17)"},
		{"725 500-6-(011)", "unknown 1:500 cell (011)"},
		{"725 500-6-()", "bad format"},
		{"725 500-6-(11", "bad format"},
		{"725 500-6-(1a)", "bad format"},
		{"725 500-6-0", "unknown 1:200 cell 0"},
		{"725 500-6-101", "unknown 1:200 cell 101"},
		{"725 500-6-025", "unknown 1:200 cell 025"},
		{"725 500-6-1000", "unknown 1:200 cell 1000"},
		{"725 500-6-2a", "bad format"},
		{"725 500-6--1", "bad format"},
		{"725 500-6-d-1", "bad format"},
		{"725 500-6-25-1", "bad format"},
		{"725 500--6", "missing 1:2000 cell"},
		{"10-728 494-1", "after a 1:10000 number"},
		{"10-728", "bad format"},
		{"10-728494", "bad format"},
		{"10 728 494", "bad format"},
		{"5-728 494", "bad format"},
		{"20-728 494", "bad format"},
		{"1:10000 728 494", "bad format"},
		{"10-725 494", "not a 1:10000 sheet's top edge"},
		{"10-728 497", "not a 1:10000 sheet's west edge"},
		{"724 497", "not a 1:5000 sheet's top edge"},
		{"725 498", "not a 1:5000 sheet's west edge"},
		{"725 098", "outside the grid domain"},
		{"725 101", "outside the grid domain"},
		{"725 998", "outside the grid domain"},
		{"10-728 098", "outside the grid domain"},
		{"10-728 998", "outside the grid domain"},
	}
	for _, tc := range tests {
		s, f, err := grid.Parse(tc.number, hint)
		if err == nil {
			t.Errorf("Parse(%q) = %v %+v, want error %q", tc.number, s, f, tc.reason)
			continue
		}
		if !errors.Is(err, grid.ErrNumber) {
			t.Errorf("Parse(%q) error %v does not wrap ErrNumber", tc.number, err)
		}
		if !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("Parse(%q) error %q does not name the reason %q", tc.number, err, tc.reason)
		}
		if strings.Contains(tc.reason, "outside") && !errors.Is(err, grid.ErrOutside) {
			t.Errorf("Parse(%q) error %v does not wrap ErrOutside", tc.number, err)
		}
	}
}

func TestFrameOfScaleMismatch(t *testing.T) {
	if _, err := grid.FrameOf(grid.Scale1000, "725 500-6", hint); err == nil || !strings.Contains(err.Error(), "a 1:2000 sheet number, not 1:1000") {
		t.Errorf("FrameOf(1:1000, 1:2000 number) = %v", err)
	}
	if _, err := grid.FrameOf(grid.Scale(2500), "725 500-6", hint); !errors.Is(err, grid.ErrScale) {
		t.Errorf("FrameOf(2500) = %v, want ErrScale", err)
	}
	if _, err := grid.FrameOf(grid.Scale2000, "725 500-10", hint); !errors.Is(err, grid.ErrNumber) {
		t.Errorf("FrameOf(bad number) = %v, want ErrNumber", err)
	}
}

func TestSheetAtErrors(t *testing.T) {
	tests := []struct {
		s    grid.Scale
		e, n float64
		want error
	}{
		{0, 500000, 1700000, grid.ErrScale},
		{2500, 500000, 1700000, grid.ErrScale},
		{grid.Scale1000, math.NaN(), 1700000, grid.ErrOutside},
		{grid.Scale1000, 500000, math.NaN(), grid.ErrOutside},
		{grid.Scale1000, math.Inf(1), 1700000, grid.ErrOutside},
		{grid.Scale1000, 500000, math.Inf(-1), grid.ErrOutside},
		{grid.Scale1000, 103999.999, 1700000, grid.ErrOutside},
		{grid.Scale1000, 998000, 1700000, grid.ErrOutside},
		{grid.Scale1000, 500000, 0, grid.ErrOutside},
		{grid.Scale1000, 500000, -1, grid.ErrOutside},
		{grid.Scale1000, 500000, 2994000.001, grid.ErrOutside},
		{grid.Scale1000, 50000, 1700000, grid.ErrOutside},
	}
	for _, tc := range tests {
		num, _, err := grid.SheetAt(tc.s, tc.e, tc.n)
		if !errors.Is(err, tc.want) {
			t.Errorf("SheetAt(%v, %v, %v) = %q, %v, want %v", tc.s, tc.e, tc.n, num, err, tc.want)
		}
	}
}

func TestScale(t *testing.T) {
	want := []struct {
		s         grid.Scale
		cell, ext float64
	}{
		{grid.Scale200, 100, 40},
		{grid.Scale500, 250, 100},
		{grid.Scale1000, 500, 200},
		{grid.Scale2000, 1000, 400},
		{grid.Scale5000, 3000, 1000},
		{grid.Scale10000, 6000, 2000},
	}
	got := grid.Scales()
	if len(got) != len(want) {
		t.Fatalf("Scales() = %v", got)
	}
	for i, w := range want {
		if got[i] != w.s || !w.s.Valid() || w.s.CellSize() != w.cell || math.Abs(w.s.FrameExtension()-w.ext) > 1e-9 {
			t.Errorf("%v: Valid %v CellSize %v FrameExtension %v, want %v %v", w.s, w.s.Valid(), w.s.CellSize(), w.s.FrameExtension(), w.cell, w.ext)
		}
		for _, text := range []string{w.s.String(), fmt.Sprint(int(w.s)), " " + w.s.String() + " "} {
			if s, err := grid.ParseScale(text); err != nil || s != w.s {
				t.Errorf("ParseScale(%q) = %v, %v", text, s, err)
			}
		}
	}
	got[0] = 7
	if grid.Scales()[0] != grid.Scale200 {
		t.Error("Scales() shares its slice")
	}
	for _, s := range []grid.Scale{0, -1000, 1, 100, 2500, 25000, 50000} {
		if s.Valid() || s.CellSize() != 0 || s.FrameExtension() != 0 {
			t.Errorf("%v: Valid %v CellSize %v FrameExtension %v", s, s.Valid(), s.CellSize(), s.FrameExtension())
		}
	}
	for _, text := range []string{"", "1:", "1:2500", "2500", "1/1000", "1:-1000", "-1000", "+1000", "1:1000.0", "1 : 1000", "1:1e3", "10000000000000000000000"} {
		if s, err := grid.ParseScale(text); err == nil || !errors.Is(err, grid.ErrScale) {
			t.Errorf("ParseScale(%q) = %v, %v, want ErrScale", text, s, err)
		}
	}
}

func TestFrame(t *testing.T) {
	f := m(502000, 1723000, 503000, 1724000)
	r := f.Ring()
	if len(r) != 5 || r[0] != r[4] {
		t.Fatalf("Ring not closed with 5 points: %v", r)
	}
	var twiceArea float64 // shoelace: positive for counter-clockwise
	for i := 0; i < 4; i++ {
		twiceArea += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	if twiceArea != 2*1000*1000 {
		t.Errorf("Ring %v: signed area %v, want +1e6 (counter-clockwise)", r, twiceArea/2)
	}
	for _, p := range r[:4] {
		if (p[0] != f.MinE && p[0] != f.MaxE) || (p[1] != f.MinN && p[1] != f.MaxN) {
			t.Errorf("Ring point %v is not a corner of %+v", p, f)
		}
	}
	g := f.Expand(grid.Scale2000.FrameExtension())
	if g != m(501600, 1722600, 503400, 1724400) {
		t.Errorf("Expand(400) = %+v", g)
	}
	if f.Expand(-500) != m(502500, 1723500, 502500, 1723500) {
		t.Errorf("Expand(-500) = %+v", f.Expand(-500))
	}
	for _, tc := range []struct {
		e, n float64
		in   bool
	}{
		{502000, 1724000, true},  // north-west corner: owned
		{502000, 1723500, true},  // west edge
		{502500, 1724000, true},  // north edge
		{503000, 1724000, false}, // north-east corner
		{502500, 1723000, false}, // south edge
		{503000, 1723500, false}, // east edge
		{502000, 1723000, false}, // south-west corner
		{502500, 1723500, true},
		{math.NaN(), 1723500, false},
	} {
		if f.Contains(tc.e, tc.n) != tc.in {
			t.Errorf("Contains(%v, %v) = %v", tc.e, tc.n, !tc.in)
		}
	}
}

// FuzzParse: Parse never panics, and a number it accepts is canonical: it
// is the number SheetAt writes for its cell, so numbers are usable as keys.
func FuzzParse(f *testing.F) {
	for _, tc := range annex03 {
		f.Add(tc.number, float64(hint))
	}
	f.Add("725 500-6-(16)", 2.5e6)
	f.Add("994 992-9-100", 0.0)
	f.Fuzz(func(t *testing.T, number string, h float64) {
		s, fr, err := grid.Parse(number, h)
		if err != nil {
			if !errors.Is(err, grid.ErrNumber) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrNumber", number, err)
			}
			return
		}
		num, g, err := grid.SheetAt(s, fr.MinE, fr.MaxN)
		if err != nil || num != number || g != fr {
			t.Fatalf("Parse(%q) = %v %+v, but SheetAt of its corner = %q %+v %v", number, s, fr, num, g, err)
		}
	})
}
