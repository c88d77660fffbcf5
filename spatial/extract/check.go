package extract

import (
	"fmt"
	"math"

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
	c := &checker{in: in, p: p, limit: p.PositionLimit(in.Scale, in.Agricultural)}
	c.r = &Report{
		Plot: in.Stored.Key, PlotVersion: in.Stored.Version.Version, EPSG: in.Stored.EPSG,
		Profile: p.Name, Rounding: p.Rounding, Scale: int(in.Scale), Agricultural: in.Agricultural,
		PositionLimit: round4(c.limit), Measured: in.Measured.Geometry, Notes: append(append([]string(nil), in.Notes...), p.Notes...),
	}
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

// unmatched lists the vertices only one side has, saying whether they lie
// on the other side's boundary (harmless) or not.
func (c *checker) unmatched() {
	off := func(pt orb.Point, sign float64) orb.Point {
		return orb.Point{pt[0] - sign*c.offset[0], pt[1] - sign*c.offset[1]}
	}
	for _, s := range c.stored {
		if s.match < 0 {
			d := boundaryDist(off(s.Pt, -1), c.in.Measured.Geometry)
			c.r.Unmatched = append(c.r.Unmatched, Unmatched{Side: "stored", Vertex: s.Label, XY: [2]float64(s.Pt), Distance: round4(d), Collinear: d <= c.limit})
		}
	}
	for _, m := range c.measured {
		if m.match < 0 {
			d := boundaryDist(off(m.Pt, 1), c.in.Stored.Geometry)
			c.r.Unmatched = append(c.r.Unmatched, Unmatched{Side: "measured", Vertex: m.Label, XY: [2]float64(m.Pt), Distance: round4(d), Collinear: d <= c.limit})
		}
	}
}

// edgeRows walks each stored ring and compares consecutive matched
// vertices: a split or merged edge still compares the same two points.
func (c *checker) edgeRows() {
	start := 0
	for start < len(c.stored) {
		end := start
		for end < len(c.stored) && c.stored[end].Part == c.stored[start].Part && c.stored[end].Ring == c.stored[start].Ring {
			end++
		}
		c.ringEdges(c.stored[start:end])
		start = end
	}
}

func (c *checker) ringEdges(ring []vertex) {
	var idx []int
	for i, v := range ring {
		if v.match >= 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) < 2 {
		return
	}
	for k, i := range idx {
		j := idx[(k+1)%len(idx)]
		if len(idx) == 2 && k == 1 {
			break // two points make one distance, not two
		}
		spans := (j - i + len(ring)) % len(ring)
		if spans == 0 {
			spans = len(ring)
		}
		c.r.Edges = append(c.r.Edges, c.edgeRow(ring[i], ring[j], spans))
	}
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

// area compares the measured area with the legal area (the stored
// geometry's area when the legal area is unknown).
func (c *checker) area() {
	st := c.in.Stored
	a := AreaCheck{Legal: st.LegalArea, Stored: spatial.RoundArea(spatial.PlaneArea(st.Geometry)),
		Measured: spatial.RoundArea(spatial.PlaneArea(c.in.Measured.Geometry)), Stated: c.in.StatedArea, Reference: "legal"}
	ref := a.Legal
	if ref <= 0 {
		ref, a.Reference = a.Stored, "stored"
	}
	a.Difference = spatial.RoundArea(a.Measured - ref)
	a.MeasuredMinusStored = spatial.RoundArea(a.Measured - a.Stored)
	if a.Stated > 0 {
		a.StatedMinusMeasured = spatial.RoundArea(a.Stated - a.Measured)
	}
	a.Allowed, a.Judged = c.p.AreaLimit(c.in.Scale, ref)
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
	if n.Checks > 0 {
		n.Share = round4(float64(n.Near) / float64(n.Checks))
	}
	n.Pass = n.Checks == 0 || float64(n.Near) <= n.MaxShare*float64(n.Checks)+1e-9
	c.r.NearLimit = n
}
