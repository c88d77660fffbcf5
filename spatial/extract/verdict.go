package extract

import (
	"fmt"
	"math"
)

// verdict sorts the findings: differences too large or vertices without a
// counterpart mean the boundary itself moved (Land Law 2024 art. 135: the
// registrar decides); failing checks of measurement size mean the
// measurement is out of tolerance; otherwise it is within tolerance.
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
}

// failingItems lists every failed check in plain words and records the
// short names in Report.Failing.
func (c *checker) failingItems() []string {
	var out []string
	fail := func(item, reason string) {
		c.r.Failing = append(c.r.Failing, item)
		out = append(out, reason)
	}
	for _, e := range c.r.Edges {
		if !e.Pass {
			fail(fmt.Sprintf("edge %d-%d", e.From, e.To), fmt.Sprintf("edge %d-%d (points %s-%s): measured %.3f m, stored %.3f m, difference %+.3f m exceeds the allowed %.3f m", e.From, e.To, e.FromPoint, e.ToPoint, e.MeasuredLength, e.StoredLength, e.Difference, e.Allowed))
		}
	}
	for _, v := range c.r.Vertices {
		if !v.Pass && !c.hasShift() {
			fail("vertex "+itoa(v.Stored), fmt.Sprintf("point %s moved %.3f m from stored vertex %d; the position limit is %.3f m", v.Point, v.Displacement, v.Stored, v.Allowed))
		}
	}
	for _, s := range c.r.StatedEdges {
		if !s.Pass {
			fail("stated edge "+s.From+"-"+s.To, fmt.Sprintf("the stated length %.3f m of edge %s-%s differs from its own coordinates (%.3f m) by %+.3f m", s.Stated, s.From, s.To, s.Computed, s.Difference))
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
		fail("area", fmt.Sprintf("measured area %.1f m² differs from the %s area by %+.1f m², more than the allowed %.2f m²", a.Measured, a.Reference, a.Difference, a.Allowed))
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
// explain: vertices without a counterpart off the other boundary, and
// differences above BoundaryChangeOfLimit times their limit.
func (c *checker) changeReasons() []string {
	var out []string
	k := c.p.BoundaryChangeOfLimit
	for _, u := range c.r.Unmatched {
		if !u.Collinear {
			out = append(out, fmt.Sprintf("%s vertex %s has no counterpart: it lies %.3f m from the other boundary", u.Side, u.Vertex, u.Distance))
		}
	}
	for _, e := range c.r.Edges {
		if e.Ratio > k {
			out = append(out, fmt.Sprintf("edge %d-%d changed by %+.3f m, more than %.0f times the allowed %.3f m", e.From, e.To, e.Difference, k, e.Allowed))
		}
	}
	if !c.hasShift() {
		for _, v := range c.r.Vertices {
			if v.Ratio > k {
				out = append(out, fmt.Sprintf("point %s moved %.3f m, more than %.0f times the position limit", v.Point, v.Displacement, k))
			}
		}
	}
	if a := c.r.Area; a.Judged && math.Abs(a.Difference) > k*a.Allowed {
		out = append(out, fmt.Sprintf("the area changed by %+.1f m², more than %.0f times the allowed %.2f m²", a.Difference, k, a.Allowed))
	}
	return out
}
