package sampledata

// curve is a piecewise-linear function v(c) on whole millimetres, with
// knots every step from c0: a road edge y(x) or a canal edge x(y). Integer
// interpolation keeps the geometry identical on every platform.
type curve struct {
	c0, step int64
	v        []int64 // one value and step 0: a constant (a sheet frame edge)
}

// constant returns the curve v(c) = v.
func constant(v int64) curve { return curve{v: []int64{v}} }

// at evaluates the curve, clamped to its first and last knot.
func (k curve) at(c int64) int64 {
	if k.step == 0 || c <= k.c0 {
		return k.v[0]
	}
	i := (c - k.c0) / k.step
	if i >= int64(len(k.v))-1 {
		return k.v[len(k.v)-1]
	}
	r := c - k.c0 - i*k.step
	return k.v[i] + (k.v[i+1]-k.v[i])*r/k.step
}

// knots calls fn with each knot coordinate strictly between lo and hi.
func (k curve) knots(lo, hi int64, fn func(c int64)) {
	if k.step == 0 {
		return
	}
	for i := range k.v {
		if c := k.c0 + int64(i)*k.step; c > lo && c < hi {
			fn(c)
		}
	}
}

// floorDiv divides rounding towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
