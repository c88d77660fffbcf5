package extract

import (
	"fmt"
	"strconv"
)

// mm writes a length in metres in fixed notation to the millimetre, the
// way survey tables write it (never 1e-03, never -0.000).
func mm(v float64) string {
	s := strconv.FormatFloat(v, 'f', 3, 64)
	if s == "-0.000" {
		return "0.000"
	}
	return s
}

// signed is mm with its sign.
func signed(v float64) string {
	s := mm(v)
	if s[0] != '-' {
		return "+" + s
	}
	return s
}

// xy writes a plane point (E, N) as Vietnamese survey tables do: X
// (northing) first, then Y (easting), to the millimetre.
func xy(en [2]float64) string {
	return fmt.Sprintf("X %s, Y %s", mm(en[1]), mm(en[0]))
}
