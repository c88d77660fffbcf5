package audit

import (
	"cmp"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

//go:embed outdated_landuse.csv
var outdatedCSV string

// outdated maps an outdated land-use code to the codes that replaced it;
// parsed once from the embedded table, never mutated.
var outdated = mustParseOutdated(outdatedCSV)

func mustParseOutdated(text string) map[string]string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, "#") && strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	r := csv.NewReader(strings.NewReader(strings.Join(lines, "\n")))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		panic(fmt.Sprintf("audit: outdated_landuse.csv: %v", err))
	}
	m := map[string]string{}
	for _, rec := range recs[1:] {
		m[rec[0]] = rec[1]
	}
	return m
}

// newProblem starts a problem about plot p.
func newProblem(k Kind, p *index.Plot) Problem {
	return Problem{Kind: k, Commune: p.Commune, Unit: p.Key.Unit, Sheet: p.Key.Sheet, Plot: p.Key.Plot, EPSG: int(p.EPSG), Geometry: p.Geometry}
}

// plotRules checks what one plot can show alone: geometry validity, land
// use, legal area, placement in the frame. valid is false when the
// geometry is invalid (the edge and overlap rules then leave it out).
func plotRules(p *index.Plot, sh *index.Sheet, o Options) (ps []Problem, valid bool) {
	if gerrs := spatial.ValidateGeometry(p.Geometry); len(gerrs) > 0 {
		pr := newProblem(InvalidGeometry, p)
		msgs := make([]string, len(gerrs))
		for i, e := range gerrs {
			msgs[i] = e.Error()
		}
		pr.Measure, pr.MeasureUnit, pr.Detail = float64(len(gerrs)), "count", strings.Join(msgs, "; ")
		ps = append(ps, pr)
	} else {
		valid = true
	}
	ps = append(ps, landUseRules(p)...)
	if pr, ok := legalAreaRule(p, sh, o); ok {
		ps = append(ps, pr)
	}
	if pr, ok := frameRule(p, sh); ok && valid {
		ps = append(ps, pr)
	}
	return ps, valid
}

func landUseRules(p *index.Plot) []Problem {
	var ps []Problem
	for _, c := range p.LandUse {
		if _, ok := spatial.LookupLandUse(c); ok {
			continue
		}
		if repl, ok := outdated[c]; ok {
			pr := newProblem(OutdatedLandUse, p)
			pr.MeasureUnit, pr.Detail = "count", fmt.Sprintf("land-use code %q is outdated: today %s (Circular 25/2014 Annex 01)", c, repl)
			pr.Measure = 1
			ps = append(ps, pr)
			continue
		}
		pr := newProblem(UnknownLandUse, p)
		pr.Measure, pr.MeasureUnit, pr.Detail = 1, "count", fmt.Sprintf("unknown land-use code %q (Circular 25/2014 Annex 01, Circular 08/2024)", c)
		ps = append(ps, pr)
	}
	if len(p.LandUse) == 0 {
		pr := newProblem(UnknownLandUse, p)
		pr.MeasureUnit, pr.Detail = "count", "no land-use code"
		ps = append(ps, pr)
	}
	return ps
}

// legalAreaRule compares the area on the legal papers with the map area,
// against the area tolerance of the profile at the sheet's scale, or says
// that there are no papers where there should be.
func legalAreaRule(p *index.Plot, sh *index.Sheet, o Options) (Problem, bool) {
	if p.LegalArea <= 0 {
		if len(p.LandUse) > 0 {
			if lu, ok := spatial.LookupLandUse(p.LandUse[0]); ok && slices.Contains(o.NoPapersGroups, lu.Group) {
				return Problem{}, false
			}
		}
		pr := newProblem(NoLegalArea, p)
		pr.Measure, pr.MeasureUnit, pr.Detail = p.Area, "m²", fmt.Sprintf("no legal area; map area %.1f m²", p.Area)
		return pr, true
	}
	if sh == nil || o.Profile == nil {
		return Problem{}, false
	}
	limit, ok := o.Profile.AreaLimit(sh.Scale, p.LegalArea)
	diff := math.Abs(p.Area - p.LegalArea)
	if !ok || diff <= limit+1e-9 {
		return Problem{}, false
	}
	pr := newProblem(AreaMismatch, p)
	pr.Measure, pr.MeasureUnit = spatial.RoundArea(p.Area-p.LegalArea), "m²"
	pr.Detail = fmt.Sprintf("map area %.1f m² vs legal area %.1f m²: difference %.2f m² beyond the %.2f m² allowed at 1:%d (%s)",
		p.Area, p.LegalArea, diff, limit, int(sh.Scale), o.Profile.Name)
	return pr, true
}

// frameRule: a plot may stick out of its sheet's frame (the grid cell, or
// an off-grid sheet's drawn frame) by the frame extension of Circular 25
// art. 5.2, no more: the ingest's measure (spatial.OutsideBy). The ingest
// keeps, with a warning, a plot whose label point is inside the frame (a
// road or river drawn past it); the audit still lists it, saying so.
func frameRule(p *index.Plot, sh *index.Sheet) (Problem, bool) {
	if sh == nil || len(sh.Frame) == 0 {
		return Problem{}, false
	}
	out := spatial.OutsideBy(p.Geometry, p.Geometry.Bound(), sh.Frame)
	ext := (&spatial.Sheet{Scale: sh.Scale}).FrameExtension()
	if out <= ext+1e-6 {
		return Problem{}, false
	}
	pr := newProblem(OutsideFrame, p)
	pr.Measure, pr.MeasureUnit = math.Round(out*100)/100, "m"
	pr.Detail = fmt.Sprintf("plot reaches %.2f m beyond the frame of sheet %s (%s); the frame extension at 1:%d allows %.0f m",
		out, sh.Key, sh.GridNumber, int(sh.Scale), ext)
	if lp, ok := spatial.LabelPoint(p.Geometry); ok && planar.MultiPolygonContains(sh.Frame, lp) {
		pr.Detail += "; its label point is inside the frame (a road or river drawn past it?)"
	}
	return pr, true
}

// auditSheet runs the rules of one sheet and of each of its plots, and
// matches the sheet's edges (gaps, overlap candidates).
func auditSheet(w *sheetWork, o Options, communeOf map[string]string) {
	commune := cmp.Or(communeOf[w.key.Unit], w.key.Unit)
	if len(w.plots) > 0 {
		commune = w.plots[0].Commune
	}
	sheetProblem := func(k Kind) Problem {
		pr := Problem{Kind: k, Commune: commune, Unit: w.key.Unit, Sheet: w.key.Number}
		if w.sheet != nil {
			pr.EPSG = int(w.sheet.EPSG)
			if len(w.sheet.Frame) > 0 {
				pr.Geometry = w.sheet.Frame
			}
		}
		return pr
	}
	if len(w.plots) == 0 {
		pr := sheetProblem(EmptySheet)
		pr.MeasureUnit, pr.Detail = "count", fmt.Sprintf("sheet %s has no current plot", w.key)
		w.found = append(w.found, pr)
		return
	}
	valid := make([]*index.Plot, 0, len(w.plots))
	var invalid []orb.Bound
	for i, p := range w.plots {
		ps, ok := plotRules(p, w.sheet, o)
		w.found = append(w.found, ps...)
		if ok {
			valid = append(valid, p)
		} else {
			invalid = append(invalid, p.Geometry.Bound().Pad(onTol))
		}
		if i > 0 && w.plots[i-1].Key.Plot == p.Key.Plot {
			pr := newProblem(DuplicateNumber, p)
			pr.Others = []spatial.PlotKey{w.plots[i-1].Key}
			pr.Measure, pr.MeasureUnit, pr.Detail = 2, "count", fmt.Sprintf("plot number %d is used twice on sheet %s", p.Key.Plot, w.key)
			w.found = append(w.found, pr)
		}
	}
	matchEdges(w, valid, o, func(pr Problem) {
		// An invalid plot's edges are left out: the hole it leaves is
		// reported as the invalid geometry, not as a gap.
		for _, b := range invalid {
			if gb := pr.Geometry.Bound(); b.Contains(gb.Min) && b.Contains(gb.Max) {
				return
			}
		}
		pr.Commune, pr.Unit, pr.Sheet = commune, w.key.Unit, w.key.Number
		w.found = append(w.found, pr)
	})
}

// polygonOf turns a closed ring into a polygon geometry.
func polygonOf(r orb.Ring) orb.Geometry { return orb.Polygon{r} }
