package spatial

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"cadastre/spatial/crs"
	"cadastre/spatial/grid"
)

// Batch is one write: units, sheets and plots stored together or not at
// all, stamped with one Change.
type Batch struct {
	Units  []AdminUnit
	Sheets []*Sheet
	Plots  []*Plot
	Retire []PlotKey // plots to retire (a new, retired version; never a delete)
	Change Change

	// Warnings are set by Check: what may be stored but deserves a look
	// (a plot beyond its sheet's frame extension whose label point is
	// inside the frame). Index and Field as for problems.
	Warnings []Problem
}

// Check normalises the batch (ring orientation, measured areas) and checks
// every unit, sheet and plot, returning a KindInvalid *Error listing every
// problem (not only the first), or nil. stored finds sheets already in the
// store; it may be nil when the batch must be self-contained.
//
// Problem.Index is the position in Plots for plot problems; sheet and unit
// problems name their field as "sheets[i]" / "units[i]".
func (b *Batch) Check(stored SheetLookup) error {
	var probs []Problem
	b.Warnings = nil
	warn := func(p Problem) { b.Warnings = append(b.Warnings, p) }
	units := make(map[string]bool, len(b.Units))
	for i := range b.Units {
		u := &b.Units[i]
		probs = append(probs, checkUnit(i, u)...)
		if units[u.Code] {
			probs = append(probs, Problem{Index: -1, Feature: "unit " + u.Code, Field: fmt.Sprintf("units[%d]", i), Reason: "duplicate unit code in batch"})
		}
		units[u.Code] = true
	}
	sheets := map[SheetKey]*Sheet{}
	for i, s := range b.Sheets {
		ps := checkSheet(i, s)
		if _, dup := sheets[s.Key]; dup {
			ps = append(ps, Problem{Index: -1, Feature: "sheet " + s.Key.String(), Field: fmt.Sprintf("sheets[%d]", i), Reason: "duplicate sheet key in batch"})
		}
		probs = append(probs, ps...)
		sheets[s.Key] = s
	}
	lookup := func(k SheetKey) (*Sheet, bool) {
		if s, ok := sheets[k]; ok {
			return s, true
		}
		if stored != nil {
			return stored(k)
		}
		return nil, false
	}
	seen := make(map[PlotKey]int, len(b.Plots))
	for i, p := range b.Plots {
		p.Normalize()
		probs = append(probs, checkPlot(i, p, lookup, warn)...)
		if j, dup := seen[p.Key]; dup {
			probs = append(probs, Problem{Index: i, Feature: p.Key.String(), Field: "key", Reason: fmt.Sprintf("duplicate plot key in batch (also feature #%d)", j)})
		} else {
			seen[p.Key] = i
		}
	}
	for _, k := range b.Retire {
		if _, both := seen[k]; both {
			probs = append(probs, Problem{Index: seen[k], Feature: k.String(), Field: "key", Reason: "plot is both written and retired in one batch"})
		}
	}
	if len(probs) > 0 {
		return Invalid(fmt.Sprintf("batch rejected: %d problem(s), nothing stored", len(probs)), probs)
	}
	return nil
}

func checkUnit(i int, u *AdminUnit) []Problem {
	var ps []Problem
	at := func(field, reason string) {
		ps = append(ps, Problem{Index: -1, Feature: "unit " + u.Code, Field: fmt.Sprintf("units[%d].%s", i, field), Reason: reason})
	}
	if !ValidUnitCode(u.Code) {
		at("code", fmt.Sprintf("%q is not a 5-digit commune code", u.Code))
	}
	if _, ok := crs.ZoneByEPSG(u.EPSG); !ok {
		at("epsg", fmt.Sprintf("EPSG:%d is not a VN-2000 TM-3 zone", u.EPSG))
	}
	if u.Successor != "" && !ValidUnitCode(u.Successor) {
		at("successor", fmt.Sprintf("%q is not a 5-digit commune code", u.Successor))
	}
	checkText(at, "name", u.Name)
	checkText(at, "province", u.Province)
	return ps
}

func checkSheet(i int, s *Sheet) []Problem {
	var ps []Problem
	at := func(field, reason string) {
		ps = append(ps, Problem{Index: -1, Feature: "sheet " + s.Key.String(), Field: fmt.Sprintf("sheets[%d].%s", i, field), Reason: reason})
	}
	if !ValidUnitCode(s.Key.Unit) || s.Key.Number <= 0 {
		at("key", fmt.Sprintf("bad sheet key %s: unit must be a 5-digit code, number positive", s.Key))
	}
	zone, zoneOK := crs.ZoneByEPSG(s.EPSG)
	if !zoneOK {
		at("epsg", fmt.Sprintf("EPSG:%d is not a VN-2000 TM-3 zone", s.EPSG))
	}
	checkText(at, "grid_number", s.GridNumber)
	if s.OffGrid {
		checkOffGrid(s, zone, zoneOK, at)
		return ps
	}
	if !s.Scale.Valid() {
		at("scale", fmt.Sprintf("1:%d is not a cadastral scale (a sheet off the Circular 25 grid may have any scale: off_grid)", int(s.Scale)))
		return ps
	}
	if len(s.Frame) != 1 || len(s.Frame[0]) != 1 || len(s.Frame[0][0]) != 5 {
		at("frame", "a grid sheet's frame is one closed rectangle of 5 points (an irregular or multipart frame is an off-grid sheet: off_grid)")
		return ps
	}
	b := s.Frame.Bound()
	c := b.Center()
	num, f, err := grid.SheetAt(s.Scale, c[0], c[1])
	switch {
	case err != nil:
		at("frame", err.Error())
	case num != s.GridNumber:
		at("grid_number", fmt.Sprintf("grid number %q does not match the frame, which is cell %q at 1:%d", s.GridNumber, num, int(s.Scale)))
	case !near(f.MinE, b.Min[0]) || !near(f.MinN, b.Min[1]) || !near(f.MaxE, b.Max[0]) || !near(f.MaxN, b.Max[1]):
		at("frame", fmt.Sprintf("frame %v is not the grid cell %q (%v)", b, num, f))
	}
	return ps
}

// checkOffGrid checks what still applies to a sheet off the grid: a
// positive scale and a valid frame (any shape, one part or several) in
// the range of its zone. Its rings are oriented as plots' are.
func checkOffGrid(s *Sheet, zone crs.Zone, zoneOK bool, at func(string, string)) {
	if s.Scale <= 0 || s.Scale > 1_000_000 {
		at("scale", fmt.Sprintf("1:%d is not a map scale", int(s.Scale)))
	}
	gerrs := ValidateGeometry(s.Frame)
	for _, ge := range gerrs {
		at("frame", ge.Error())
	}
	if len(gerrs) > 0 || !zoneOK {
		return
	}
	s.Frame = OrientMultiPolygon(s.Frame)
	if b := s.Frame.Bound(); !zone.InRange(b.Min[0], b.Min[1]) || !zone.InRange(b.Max[0], b.Max[1]) {
		at("frame", fmt.Sprintf("coordinates %v outside the valid range of EPSG:%d", b, s.EPSG))
	}
}

// checkText reports a text that cannot be stored (TextProblem).
func checkText(at func(field, reason string), field, s string) {
	if p := TextProblem(s); p != "" {
		at(field, p)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.001 }

func checkPlot(i int, p *Plot, sheets SheetLookup, warn func(Problem)) []Problem {
	var ps []Problem
	at := func(field, reason string) {
		ps = append(ps, Problem{Index: i, Feature: p.Key.String(), Field: field, Reason: reason})
	}
	if !p.Key.Valid() {
		at("key", fmt.Sprintf("bad plot key %s: unit must be a 5-digit code, sheet and plot numbers positive", p.Key))
	}
	if !ValidUnitCode(p.Commune) {
		at("commune", fmt.Sprintf("%q is not a 5-digit commune code", p.Commune))
	}
	zone, zoneOK := crs.ZoneByEPSG(p.EPSG)
	if !zoneOK {
		at("epsg", fmt.Sprintf("EPSG:%d is not a VN-2000 TM-3 zone", p.EPSG))
	}
	checkText(at, "address", p.Address)
	if len(p.LandUse) == 0 {
		at("land_use", "no land-use code")
	}
	for _, c := range p.LandUse {
		if _, ok := LookupLandUse(c); !ok {
			at("land_use", fmt.Sprintf("unknown land-use code %q (Circular 25/2014 Annex 01)", c))
		}
	}
	if p.LegalArea < 0 || math.IsNaN(p.LegalArea) || math.IsInf(p.LegalArea, 0) {
		at("legal_area", fmt.Sprintf("legal area %v must be a positive number of m² (0 when there are no papers)", p.LegalArea))
	}
	gerrs := ValidateGeometry(p.Geometry)
	for _, ge := range gerrs {
		ps = append(ps, Problem{Index: i, Feature: p.Key.String(), Field: "geometry", Reason: ge.Error(), Check: CheckInvalidGeometry})
	}
	if len(gerrs) > 0 || !zoneOK {
		return ps
	}
	bound := p.Geometry.Bound()
	if !zone.InRange(bound.Min[0], bound.Min[1]) || !zone.InRange(bound.Max[0], bound.Max[1]) {
		at("geometry", fmt.Sprintf("coordinates %v outside the valid range of EPSG:%d (easting/northing in metres expected; wrong zone or axis order?)", bound, p.EPSG))
		return ps
	}
	if pr, bad := checkPlacement(i, p, bound, sheets, at, warn); bad {
		ps = append(ps, pr)
	}
	return ps
}

// checkPlacement reports through at when the plot's sheet is missing or
// in another zone, and places the plot against the sheet's frame (the
// rule of docs/ARCHITECTURE.md, "Plots and their sheet's frame"): up to
// the frame extension of Circular 25 art. 5.2 (20 cm on the map) outside
// the frame is normal; further out is a warning naming the distance when
// the plot's label point is inside the frame (a road, river or forest plot
// drawn past the frame), and an error when it is not (the plot belongs to
// another sheet, or its coordinates are wrong).
func checkPlacement(i int, p *Plot, bound orb.Bound, sheets SheetLookup, at func(string, string), warn func(Problem)) (Problem, bool) {
	s, ok := sheets(p.Key.SheetKey())
	if !ok {
		at("sheet", fmt.Sprintf("sheet %s is neither stored nor in the batch", p.Key.SheetKey()))
		return Problem{}, false
	}
	if s.EPSG != p.EPSG {
		at("epsg", fmt.Sprintf("plot is in EPSG:%d but its sheet %s is in EPSG:%d", p.EPSG, s.Key, s.EPSG))
		return Problem{}, false
	}
	ext := s.FrameExtension()
	out := OutsideBy(p.Geometry, bound, s.Frame)
	if out <= ext {
		return Problem{}, false
	}
	name := s.Key.String()
	if s.GridNumber != "" {
		name += " (" + s.GridNumber + ")"
	}
	pr := Problem{Index: i, Feature: p.Key.String(), Field: "geometry", Check: CheckOutsideFrame,
		Reason: fmt.Sprintf("plot sticks out of its sheet %s frame by %.1f m, beyond the %.0f m frame extension at 1:%d", name, out, ext, int(s.Scale))}
	if lp, ok := LabelPoint(p.Geometry); !ok || !planar.MultiPolygonContains(s.Frame, lp) {
		pr.Reason += "; its label point is outside the frame (another sheet's plot, or wrong coordinates?)"
		return pr, true
	}
	pr.Reason += "; kept: its label point is inside the frame"
	warn(pr)
	return Problem{}, false
}

// OutsideBy returns how far a plot reaches out of a frame: the largest
// distance from the frame of a plot vertex outside it (0 when the plot is
// inside). For a frame that is its bound (a grid cell) and a plot inside
// that bound it costs nothing; otherwise each vertex is tested.
func OutsideBy(plot orb.MultiPolygon, plotBound orb.Bound, frame orb.MultiPolygon) float64 {
	fb := frame.Bound()
	if fb.Contains(plotBound.Min) && fb.Contains(plotBound.Max) && isBoundRect(frame) {
		return 0
	}
	worst := 0.0
	for _, poly := range plot {
		for _, r := range poly {
			for _, pt := range r {
				if fb.Contains(pt) && planar.MultiPolygonContains(frame, pt) {
					continue
				}
				if d := planar.DistanceFrom(frame, pt); d > worst {
					worst = d
				}
			}
		}
	}
	return worst
}

// isBoundRect reports whether a frame is one ring of 5 points on its
// bound (a grid cell).
func isBoundRect(f orb.MultiPolygon) bool {
	if len(f) != 1 || len(f[0]) != 1 || len(f[0][0]) != 5 {
		return false
	}
	b := f.Bound()
	for _, pt := range f[0][0] {
		if (pt[0] != b.Min[0] && pt[0] != b.Max[0]) || (pt[1] != b.Min[1] && pt[1] != b.Max[1]) {
			return false
		}
	}
	return true
}

// Passed returns the part of b that has none of the problems: the plots
// without a problem at their index, the sheets, units and retirements
// without one naming them (Field "sheets[i]...", "units[i]...",
// "retire[i]"). A store writes it into a transaction that will not commit,
// so that the whole-batch checks (overlaps) still see every feature that
// passed its own checks: one run then reports every kind of problem
// (issue 13). ok is false when nothing passed.
func (b *Batch) Passed(probs []Problem) (rest *Batch, ok bool) {
	badPlot := map[int]bool{}
	bad := map[string]map[int]bool{"sheets": {}, "units": {}, "retire": {}}
	for _, p := range probs {
		if p.Index >= 0 && p.Index < len(b.Plots) && !strings.HasPrefix(p.Field, "sheets[") &&
			!strings.HasPrefix(p.Field, "units[") && !strings.HasPrefix(p.Field, "retire[") {
			badPlot[p.Index] = true
			continue
		}
		if i := strings.IndexByte(p.Field, '['); i > 0 {
			var n int
			if _, err := fmt.Sscanf(p.Field[i:], "[%d]", &n); err == nil && bad[p.Field[:i]] != nil {
				bad[p.Field[:i]][n] = true
			}
		}
	}
	rest = &Batch{Change: b.Change}
	for i, u := range b.Units {
		if !bad["units"][i] {
			rest.Units = append(rest.Units, u)
		}
	}
	for i, s := range b.Sheets {
		if !bad["sheets"][i] {
			rest.Sheets = append(rest.Sheets, s)
		}
	}
	for i, p := range b.Plots {
		if !badPlot[i] {
			rest.Plots = append(rest.Plots, p)
		}
	}
	for i, k := range b.Retire {
		if !bad["retire"][i] {
			rest.Retire = append(rest.Retire, k)
		}
	}
	return rest, len(rest.Units)+len(rest.Sheets)+len(rest.Plots)+len(rest.Retire) > 0
}
