package ogc_test

import (
	"strconv"

	"cadastre/spatial"
)

func itoa(i int) string         { return strconv.Itoa(i) }
func strconvF(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

var spatialKeyZero = spatial.PlotKey{}
