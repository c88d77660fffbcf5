package extract

import (
	"fmt"
	"math"
)

// maxReasons bounds the reasons of a report: a boundary of thousands of
// moved points would otherwise repeat one sentence thousands of times (the
// tables keep every row).
const maxReasons = 60

// verdict sorts the findings: differences too large mean the boundary
// itself moved (Land Law 2024 art. 135: the registrar decides); failing
// checks of measurement size mean the measurement is out of tolerance;
// otherwise it is within tolerance.
func (c *checker) verdict() {
	changed := c.changeReasons()
	failing := c.failingItems()
	switch {
	case len(changed) > 0:
		c.r.Verdict = BoundaryChanged
		c.r.Reasons = append(changed, failing...)
	case len(failing) > 0:
		c.r.Verdict = OutOfTolerance
		c.r.Reasons = failing
	default:
		c.r.Verdict = WithinTolerance
		c.r.Reasons = []string{fmt.Sprintf("every edge, point and the area agree with the stored plot within the limits of %s", c.p.Title)}
	}
	for _, o := range c.r.Overlaps {
		c.r.Reasons = append(c.r.Reasons, fmt.Sprintf("the measured boundary overlaps neighbouring plot %s by %.2f m²", o.Key, o.Area))
	}
	for _, g := range c.r.Gaps {
		c.r.Reasons = append(c.r.Reasons, fmt.Sprintf("the measured boundary leaves a gap of %.2f m² against neighbouring plot %s", g.Area, g.Key))
	}
	for _, o := range c.r.Overrides {
		c.r.Reasons = append(c.r.Reasons, fmt.Sprintf("%s %s instead of the plot's %s, stated reason: %s", o.Field, o.Declared, o.Plot, o.Reason))
	}
	if a := c.r.Area; a.Legal > 0 && a.MeasuredMinusLegal != 0 {
		c.r.Reasons = append(c.r.Reasons, fmt.Sprintf("for the registrar: the measured area %.1f m² differs from the legal area %.1f m² on the certificate by %+.1f m² (not a tolerance check)", a.Measured, a.Legal, a.MeasuredMinusLegal))
	}
	if n := len(c.r.Reasons); n > maxReasons {
		c.r.Reasons = append(c.r.Reasons[:maxReasons-1:maxReasons-1], fmt.Sprintf("... and %d more findings: see the tables", n-maxReasons+1))
	}
}

// failingItems lists every failed check in plain words, in the surveyor's
// point numbers, and records the short names in Report.Failing.
func (c *checker) failingItems() []string {
	var out []string
	fail := func(item, reason string) {
		c.r.Failing = append(c.r.Failing, item)
		out = append(out, reason)
	}
	for _, e := range c.r.Edges {
		if !e.Pass {
			fail("edge "+e.FromPoint+"-"+e.ToPoint, fmt.Sprintf("edge %s-%s: measured %s m, stored %s m (stored vertices %d-%d), difference %s m exceeds the allowed %s m",
				e.FromPoint, e.ToPoint, mm(e.MeasuredLength), mm(e.StoredLength), e.From, e.To, signed(e.Difference), mm(e.Allowed)))
		}
	}
	if !c.hasShift() {
		for _, v := range c.r.Vertices {
			if !v.Pass {
				fail("point "+v.Point, fmt.Sprintf("point %s (%s) is %s m from stored vertex %d (%s), dX %s m, dY %s m; the position limit is %s m",
					v.Point, xy(v.MeasuredXY), mm(v.Displacement), v.Stored, xy(v.StoredXY), signed(v.DN), signed(v.DE), mm(v.Allowed)))
			}
		}
		for _, u := range c.r.Unmatched {
			if !u.Collinear {
				fail(u.item(), fmt.Sprintf("%s (%s) has no counterpart and lies %s m from the %s boundary; the position limit is %s m",
					u.name(), xy(u.XY), mm(u.Distance), u.other(), mm(u.Allowed)))
			}
		}
	}
	for _, s := range c.r.StatedEdges {
		if !s.Pass {
			fail("stated edge "+s.From+"-"+s.To, fmt.Sprintf("the stated length %s m of edge %s-%s differs from its own coordinates (%s m) by %s m", mm(s.Stated), s.From, s.To, mm(s.Computed), signed(s.Difference)))
		}
	}
	c.areaFailures(fail)
	if nl := c.r.NearLimit; !nl.Pass {
		fail("near_limit", fmt.Sprintf("%d of %d checks (%.0f %%) are between %.0f %% and 100 %% of their limit; at most %.0f %% may be", nl.Near, nl.Checks, 100*nl.Share, 100*c.p.NearLimit.From, 100*nl.MaxShare))
	}
	for _, s := range c.r.Systematic {
		fail("systematic_"+s.Kind, s.Detail)
	}
	return out
}

func (c *checker) areaFailures(fail func(item, reason string)) {
	a := c.r.Area
	if !a.Pass {
		fail("area", fmt.Sprintf("measured area %.1f m² differs from the area of the stored map geometry (%.1f m²) by %+.1f m², more than the allowed %.2f m²", a.Measured, a.Stored, a.Difference, a.Allowed))
	}
	// The stated area must be the area of the surveyor's own coordinates
	// rounded to 0.1 m² (Circular 25 art. 7).
	if a.Stated > 0 && math.Abs(a.StatedMinusMeasured) > 0.1+1e-9 {
		fail("stated_area", fmt.Sprintf("the stated area %.1f m² is not the area of the submitted coordinates (%.1f m²)", a.Stated, a.Measured))
	}
}

func (c *checker) hasShift() bool {
	for _, s := range c.r.Systematic {
		if s.Kind == "shift" {
			return true
		}
	}
	return false
}

// changeReasons lists the findings that measurement error does not
// explain: differences above BoundaryChangeOfLimit times their limit, for
// matched and unmatched points alike, and measured edges joining stored
// vertices the stored boundary does not join.
func (c *checker) changeReasons() []string {
	var out []string
	k := c.p.BoundaryChangeOfLimit
	for _, r := range c.r.Reconnected {
		out = append(out, fmt.Sprintf("measured edge %s-%s joins stored vertices %d and %d, which are not neighbours on the stored boundary: the points are connected in another order", r.FromPoint, r.ToPoint, r.From, r.To))
	}
	for _, e := range c.r.Edges {
		if e.Ratio > k {
			out = append(out, fmt.Sprintf("edge %s-%s changed by %s m, more than %.0f times the allowed %s m", e.FromPoint, e.ToPoint, signed(e.Difference), k, mm(e.Allowed)))
		}
	}
	if !c.hasShift() {
		for _, v := range c.r.Vertices {
			if v.Ratio > k {
				out = append(out, fmt.Sprintf("point %s moved %s m, more than %.0f times the position limit %s m", v.Point, mm(v.Displacement), k, mm(v.Allowed)))
			}
		}
		for _, u := range c.r.Unmatched {
			if u.Ratio > k {
				out = append(out, fmt.Sprintf("%s has no counterpart: it lies %s m from the %s boundary, more than %.0f times the position limit %s m", u.name(), mm(u.Distance), u.other(), k, mm(u.Allowed)))
			}
		}
	}
	if a := c.r.Area; a.Judged && math.Abs(a.Difference) > k*a.Allowed {
		out = append(out, fmt.Sprintf("the area changed by %+.1f m² against the stored map geometry, more than %.0f times the allowed %.2f m²", a.Difference, k, a.Allowed))
	}
	return out
}

// item is the short name of an unmatched vertex in Report.Failing.
func (u Unmatched) item() string {
	if u.Side == "stored" {
		return "stored vertex " + u.Vertex
	}
	return "point " + u.Vertex
}

func (u Unmatched) name() string {
	if u.Side == "stored" {
		return "stored vertex " + u.Vertex
	}
	return "measured point " + u.Vertex
}

func (u Unmatched) other() string {
	if u.Side == "stored" {
		return "measured"
	}
	return "stored"
}
