package extract

import (
	"fmt"
	"math"
	"strconv"
)

// systematic looks for the two patterns art. 7 forbids beyond single
// limits: every edge longer (or shorter) by a similar ratio, a scale
// error; and every point displaced alike, a shift (zone or datum error).
func (c *checker) systematic() {
	if s, ok := c.scaleError(); ok {
		c.r.Systematic = append(c.r.Systematic, s)
	}
	if s, ok := c.shiftError(); ok {
		c.r.Systematic = append(c.r.Systematic, s)
	}
}

// scaleError fits measured = k x stored over the edge table (least
// squares) and reports k when every difference has the same sign, k is
// far enough from 1, and the edges scatter little around it.
func (c *checker) scaleError() (SystematicError, bool) {
	es := c.r.Edges
	sp := c.p.Systematic
	if len(es) < sp.MinChecks {
		return SystematicError{}, false
	}
	var sms, sss float64
	pos, neg := 0, 0
	for _, e := range es {
		sms += e.MeasuredLength * e.StoredLength
		sss += e.StoredLength * e.StoredLength
		if e.Difference > 0 {
			pos++
		} else if e.Difference < 0 {
			neg++
		}
	}
	if sss == 0 || (pos != len(es) && neg != len(es)) {
		return SystematicError{}, false
	}
	k := sms / sss
	ppm := (k - 1) * 1e6
	if math.Abs(ppm) < sp.MinScalePPM {
		return SystematicError{}, false
	}
	var spread float64
	for _, e := range es {
		if e.StoredLength > 0 {
			spread += math.Pow(e.MeasuredLength/e.StoredLength-k, 2)
		}
	}
	if math.Sqrt(spread/float64(len(es))) > sp.MaxSpread*math.Abs(k-1) {
		return SystematicError{}, false
	}
	k = math.Round(k*1e6) / 1e6
	word := "longer"
	if k < 1 {
		word = "shorter"
	}
	return SystematicError{Kind: "scale", Scale: k, PPM: math.Round(ppm),
		Detail: fmt.Sprintf("every measured edge is %s than stored by a similar ratio: scale error 1:%s (%+.0f mm per 100 m)", word, strconv.FormatFloat(k, 'f', -1, 64), ppm/10)}, true
}

// shiftError reports the mean displacement when it is large against the
// position limit and every point moved nearly alike. A shift removed
// before matching counts too.
func (c *checker) shiftError() (SystematicError, bool) {
	vs := c.r.Vertices
	sp := c.p.Systematic
	if len(vs) < sp.MinChecks {
		return SystematicError{}, false
	}
	var me, mn float64
	for _, v := range vs {
		me += v.MeasuredXY[0] - v.StoredXY[0]
		mn += v.MeasuredXY[1] - v.StoredXY[1]
	}
	me, mn = me/float64(len(vs)), mn/float64(len(vs))
	size := math.Hypot(me, mn)
	if size < sp.MinShiftOfLimit*c.limit {
		return SystematicError{}, false
	}
	var spread float64
	for _, v := range vs {
		spread += math.Pow(v.MeasuredXY[0]-v.StoredXY[0]-me, 2) + math.Pow(v.MeasuredXY[1]-v.StoredXY[1]-mn, 2)
	}
	if math.Sqrt(spread/float64(len(vs))) > sp.MaxSpread*size {
		return SystematicError{}, false
	}
	return SystematicError{Kind: "shift", Shift: [2]float64{round4(me), round4(mn)},
		Detail: fmt.Sprintf("every point is shifted alike by dX %s m, dY %s m (%s m): check the zone and datum of the measurement", signed(mn), signed(me), mm(size))}, true
}
