package grid

// Frame is the nominal inner frame of a sheet, an axis-aligned rectangle
// on the TM-3 plane in metres. E is the easting (survey Y), N the
// northing (survey X): the fields are named by direction so the survey
// habit of writing X = northing first cannot swap them.
type Frame struct {
	MinE, MinN, MaxE, MaxN float64
}

// Contains reports whether the point (e, n) belongs to the cell f, using
// the grid's boundary convention: the cell owns its west and north edges
// but not its east and south edges, [MinE, MaxE) x (MinN, MaxN]. With it
// every point belongs to exactly one cell of a scale, the top-left corner
// that names a sheet (Circular 25/2014 Art. 5, Annex 03) belongs to that
// sheet, and SheetAt agrees with Contains.
func (f Frame) Contains(e, n float64) bool {
	return f.MinE <= e && e < f.MaxE && f.MinN < n && n <= f.MaxN
}

// Expand returns f grown by m metres on every side (shrunk if m < 0). With
// Scale.FrameExtension it gives the widest frame a sheet may have when its
// content runs past the standard frame (Circular 25/2014 Art. 5.2).
func (f Frame) Expand(m float64) Frame {
	return Frame{MinE: f.MinE - m, MinN: f.MinN - m, MaxE: f.MaxE + m, MaxN: f.MaxN + m}
}

// Ring returns the frame as a closed ring of [easting, northing] points,
// counter-clockwise from the south-west corner, first point repeated last
// (5 points), the orientation GeoJSON (RFC 7946) and OGC simple features
// want for an exterior ring.
func (f Frame) Ring() [][2]float64 {
	return [][2]float64{
		{f.MinE, f.MinN},
		{f.MaxE, f.MinN},
		{f.MaxE, f.MaxN},
		{f.MinE, f.MaxN},
		{f.MinE, f.MinN},
	}
}
