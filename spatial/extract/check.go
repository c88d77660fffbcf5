package extract

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// checker holds the state of one check.
type checker struct {
	in       *Input
	p        *Profile
	limit    float64 // position limit, m
	stored   []vertex
	measured []vertex
	offset   orb.Point // shift removed before matching, if any
	r        *Report
}

// Check compares a measured boundary with the stored plot under profile p.
// The measured boundary must already be on the stored plot's plane and
// valid (see CheckBoundary).
func Check(in *Input, p *Profile) (*Report, error) {
	if in.Stored == nil || len(in.Stored.Geometry) == 0 {
		return nil, spatial.Errorf(spatial.KindInvalid, "extract: no stored geometry to compare with")
	}
	if !in.Scale.Valid() {
		return nil, spatial.Invalid("bad extract", []spatial.Problem{{Index: -1, Field: "scale", Reason: fmt.Sprintf("1:%d is not a cadastral scale", in.Scale)}})
	}
	if in.Measured.EPSG != 0 && in.Measured.EPSG != in.Stored.EPSG {
		return nil, spatial.Errorf(spatial.KindInvalid, "extract: measured boundary in EPSG:%d, stored plot in EPSG:%d", in.Measured.EPSG, in.Stored.EPSG)
	}
	overrides, err := plotFacts(in, p)
	if err != nil {
		return nil, err
	}
	c := &checker{in: in, p: p, limit: p.PositionLimit(in.Scale, in.Agricultural)}
	c.r = &Report{
		Plot: in.Stored.Key, PlotVersion: in.Stored.Version.Version, EPSG: in.Stored.EPSG,
		Profile: p.Name, Rounding: p.Rounding, Scale: int(in.Scale), Agricultural: in.Agricultural,
		PositionLimit: round4(c.limit), Measured: in.Measured.Geometry, Notes: append(append([]string(nil), in.Notes...), p.Notes...),
	}
	c.r.Overrides = overrides
	c.stored = vertices(in.Stored.Geometry, nil)
	c.measured = vertices(in.Measured.Geometry, &in.Measured)
	c.offset = match(c.stored, c.measured, c.limit*p.MatchRadiusOfLimit)
	c.vertexRows()
	c.unmatched()
	c.edgeRows()
	c.statedEdges()
	c.area()
	c.nearLimit()
	c.systematic()
	if err := c.neighbours(); err != nil {
		return nil, err
	}
	c.verdict()
	return c.r, nil
}

// plotFacts holds the extract to the plot's records: the scale of its
// sheet, and the agricultural allowance only on land whose main land-use
// code takes it (profile agricultural_categories, spatial/landuse.csv).
// A departure needs a stated reason and is returned as an Override.
func plotFacts(in *Input, p *Profile) ([]Override, error) {
	var out []Override
	var probs []spatial.Problem
	if in.SheetScale != 0 && in.Scale != in.SheetScale {
		o := Override{Field: "scale", Declared: fmt.Sprintf("1:%d", in.Scale), Plot: fmt.Sprintf("1:%d", in.SheetScale), Reason: in.ScaleReason}
		if o.Reason == "" {
			probs = append(probs, spatial.Problem{Index: -1, Field: "scale", Reason: fmt.Sprintf("the extract declares %s but sheet %d of plot %s is mapped at %s: check at the sheet's scale, or state why in scale_reason", o.Declared, in.Stored.Key.Sheet, in.Stored.Key, o.Plot)})
		} else {
			out = append(out, o)
		}
	}
	if in.Agricultural && !p.AllowsAgricultural(in.Stored.LandUse) {
		codes := strings.Join(in.Stored.LandUse, ", ")
		if codes == "" {
			codes = "none recorded"
		}
		o := Override{Field: "agricultural", Declared: "agricultural allowance", Plot: "land use " + codes, Reason: in.AgriculturalReason}
		if o.Reason == "" {
			probs = append(probs, spatial.Problem{Index: -1, Field: "agricultural", Reason: fmt.Sprintf("plot %s is recorded as %s, not %s land: the agricultural allowance does not apply (state why in agricultural_reason if the records are wrong)", in.Stored.Key, codes, strings.Join(p.AgriculturalCategories, " or "))})
		} else {
			out = append(out, o)
		}
	}
	if len(probs) > 0 {
		return nil, spatial.Invalid("the extract does not match the plot's records", probs)
	}
	return out, nil
}

// vertexRows lists the displacement of every matched vertex.
func (c *checker) vertexRows() {
	for _, s := range c.stored {
		if s.match < 0 {
			continue
		}
		m := c.measured[s.match]
		d := sub(m.Pt, s.Pt)
		disp := math.Hypot(d[0], d[1])
		c.r.Vertices = append(c.r.Vertices, VertexRow{
			Stored: s.Num, Point: m.Label, StoredXY: [2]float64(s.Pt), MeasuredXY: [2]float64(m.Pt),
			DE: round4(d[0]), DN: round4(d[1]), Displacement: round4(disp), Allowed: round4(c.limit),
			Ratio: disp / c.limit, Pass: disp <= c.limit+1e-9,
		})
	}
}

// unmatched lists the vertices only one side has, with their distance to
// the other boundary: a check like a matched vertex's displacement, under
// the same position limit.
func (c *checker) unmatched() {
	off := func(pt orb.Point, sign float64) orb.Point {
		return orb.Point{pt[0] - sign*c.offset[0], pt[1] - sign*c.offset[1]}
	}
	add := func(side, label string, pt orb.Point, d float64) {
		c.r.Unmatched = append(c.r.Unmatched, Unmatched{Side: side, Vertex: label, XY: [2]float64(pt), Distance: round4(d),
			Allowed: round4(c.limit), Ratio: d / c.limit, Collinear: d <= c.limit+1e-9})
	}
	for _, s := range c.stored {
		if s.match < 0 {
			add("stored", s.Label, s.Pt, boundaryDist(off(s.Pt, -1), c.in.Measured.Geometry))
		}
	}
	for _, m := range c.measured {
		if m.match < 0 {
			add("measured", m.Label, m.Pt, boundaryDist(off(m.Pt, 1), c.in.Stored.Geometry))
		}
	}
}

// ringKey names one ring of a geometry.
type ringKey struct{ part, ring int }

// edgeRows pairs edges by how the measured points connect: two measured
// points that follow each other on their ring (skipping points without a
// stored counterpart) make an edge row when their stored vertices follow
// each other on the stored ring too (skipping stored vertices without a
// counterpart: a split or merged edge compares the same two points).
// Otherwise the measured boundary joins two stored vertices the stored
// boundary does not join: a reconnection, never an edge row. Rows are
// written in stored order, from the stored vertex that comes first.
func (c *checker) edgeRows() {
	var order []ringKey
	mring := map[ringKey][]int{}
	for i, m := range c.measured {
		if m.match < 0 {
			continue
		}
		k := ringKey{m.Part, m.Ring}
		if _, ok := mring[k]; !ok {
			order = append(order, k)
		}
		mring[k] = append(mring[k], i)
	}
	pos, matched := map[int]int{}, map[ringKey]int{}
	for i, s := range c.stored {
		if s.match >= 0 {
			k := ringKey{s.Part, s.Ring}
			pos[i] = matched[k]
			matched[k]++
		}
	}
	for _, k := range order {
		idx := mring[k]
		for j := range idx {
			if len(idx) < 2 || (len(idx) == 2 && j == 1) {
				break // two points make one distance, not two
			}
			c.pairEdge(c.measured[idx[j]], c.measured[idx[(j+1)%len(idx)]], pos, matched)
		}
	}
	slices.SortStableFunc(c.r.Edges, func(a, b EdgeRow) int { return cmp.Compare(a.From, b.From) })
}

// pairEdge adds the row of the measured edge ma-mb, or a reconnection.
func (c *checker) pairEdge(ma, mb vertex, pos map[int]int, matched map[ringKey]int) {
	a, b := c.stored[ma.match], c.stored[mb.match]
	k := ringKey{a.Part, a.Ring}
	n := matched[k]
	if (ringKey{b.Part, b.Ring}) == k && n >= 2 {
		fwd := (pos[mb.match]-pos[ma.match]+n)%n == 1
		if !fwd && (pos[ma.match]-pos[mb.match]+n)%n == 1 {
			a, b = b, a
			fwd = true
		}
		if fwd {
			l := c.ringLen(k)
			spans := (b.Index - a.Index + l) % l
			if spans == 0 {
				spans = l
			}
			c.r.Edges = append(c.r.Edges, c.edgeRow(a, b, spans))
			return
		}
	}
	c.r.Reconnected = append(c.r.Reconnected, Reconnection{FromPoint: ma.Label, ToPoint: mb.Label, From: a.Num, To: b.Num})
}

// ringLen returns the number of vertices of a stored ring, without the
// closing one.
func (c *checker) ringLen(k ringKey) int {
	r := c.in.Stored.Geometry[k.part][k.ring]
	if n := len(r); n > 1 && r[0] == r[n-1] {
		return n - 1
	}
	return len(r)
}

func (c *checker) edgeRow(a, b vertex, spans int) EdgeRow {
	ma, mb := c.measured[a.match], c.measured[b.match]
	sl, ml := dist(a.Pt, b.Pt), dist(ma.Pt, mb.Pt)
	lim := c.p.EdgeLimit(c.in.Scale, c.in.Agricultural, sl)
	diff := ml - sl
	return EdgeRow{
		Part: a.Part, Ring: a.Ring, From: a.Num, To: b.Num, FromPoint: ma.Label, ToPoint: mb.Label, Spans: spans,
		StoredLength: round4(sl), MeasuredLength: round4(ml), Difference: round4(diff), Allowed: round4(lim),
		Ratio: math.Abs(diff) / lim, Pass: math.Abs(diff) <= lim+1e-9,
	}
}

// statedEdges compares the surveyor's written lengths with the lengths of
// their own coordinates: a typing or computing error shows here.
func (c *checker) statedEdges() {
	b := &c.in.Measured
	for pi, p := range b.Geometry {
		for ri, r := range p {
			for i := 0; i+1 < len(r); i++ {
				if pi >= len(b.StatedLengths) || ri >= len(b.StatedLengths[pi]) || i >= len(b.StatedLengths[pi][ri]) || b.StatedLengths[pi][ri][i] <= 0 {
					continue
				}
				st, comp := b.StatedLengths[pi][ri][i], dist(r[i], r[i+1])
				lim := c.p.EdgeLimit(c.in.Scale, c.in.Agricultural, comp)
				next := (i + 1) % (len(r) - 1)
				c.r.StatedEdges = append(c.r.StatedEdges, StatedEdgeRow{
					From: b.label(pi, ri, i), To: b.label(pi, ri, next), Stated: st, Computed: round4(comp),
					Difference: round4(st - comp), Allowed: round4(lim), Pass: math.Abs(st-comp) <= lim+1e-9,
				})
			}
		}
	}
}

// area compares the measured area with the area of the stored map
// geometry: the points are checked against that map, so is the area. The
// legal area on the certificate may differ from the map (older survey,
// rounding on paper); that difference is reported for the registrar with
// the rule that applies, and never fails the check.
func (c *checker) area() {
	st := c.in.Stored
	a := AreaCheck{Legal: st.LegalArea, Stored: spatial.RoundArea(spatial.PlaneArea(st.Geometry)),
		Measured: spatial.RoundArea(spatial.PlaneArea(c.in.Measured.Geometry)), Stated: c.in.StatedArea, Reference: "stored"}
	a.Difference = spatial.RoundArea(a.Measured - a.Stored)
	a.MeasuredMinusStored = a.Difference
	if a.Stated > 0 {
		a.StatedMinusMeasured = spatial.RoundArea(a.Stated - a.Measured)
	}
	if a.Legal > 0 {
		a.MeasuredMinusLegal = spatial.RoundArea(a.Measured - a.Legal)
		if a.MeasuredMinusLegal != 0 && c.p.LegalAreaRule != nil {
			a.LegalRule = c.p.LegalAreaRule.Text + " (" + c.p.LegalAreaRule.Source + ")"
		}
	}
	a.Allowed, a.Judged = c.p.AreaLimit(c.in.Scale, a.Stored)
	a.Allowed = round4(a.Allowed)
	a.Pass = !a.Judged || math.Abs(a.Difference) <= a.Allowed+1e-9
	c.r.Area = a
}

// nearLimit applies the art. 7 rule on errors close to the limit to the
// edge and vertex checks together.
func (c *checker) nearLimit() {
	n := NearLimitCheck{MaxShare: c.p.NearLimit.MaxShare}
	count := func(ratio float64) {
		n.Checks++
		if ratio >= c.p.NearLimit.From && ratio <= 1+1e-9 {
			n.Near++
		}
	}
	for _, e := range c.r.Edges {
		count(e.Ratio)
	}
	for _, v := range c.r.Vertices {
		count(v.Ratio)
	}
	for _, u := range c.r.Unmatched {
		count(u.Ratio)
	}
	if n.Checks > 0 {
		n.Share = round4(float64(n.Near) / float64(n.Checks))
	}
	n.Pass = n.Checks == 0 || float64(n.Near) <= n.MaxShare*float64(n.Checks)+1e-9
	c.r.NearLimit = n
}
