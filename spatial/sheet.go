package spatial

import (
	"github.com/paulmach/orb"

	"cadastre/spatial/grid"
)

// Sheet is a cadastral map sheet (tờ bản đồ): a cell of the grid of its
// scale on the TM-3 plane of its zone, or, for older surveys (local
// grids, frames drawn by hand), an off-grid sheet: any valid frame, one
// polygon or several, at any scale, with or without a grid number
// (issue 13).
type Sheet struct {
	Key        SheetKey         `json:"key"`
	GridNumber string           `json:"grid_number"` // "" for an off-grid sheet without one
	Scale      grid.Scale       `json:"scale"`       // the denominator; a Circular 25 scale unless OffGrid
	EPSG       int              `json:"epsg"`
	OffGrid    bool             `json:"off_grid"`
	Frame      orb.MultiPolygon `json:"-"` // plane metres (E, N): the nominal cell, or the drawn frame
	SurveyYear int              `json:"survey_year,omitempty"`
	// Note, when set, is the reason of the version written, in place of
	// the batch's (see Plot.Note).
	Note string `json:"-"`
	Version
}

// FrameBound returns the nominal frame as a plane bound.
func (s *Sheet) FrameBound() orb.Bound { return s.Frame.Bound() }

// FrameExtension is how far, in ground metres, a plot may run past the
// sheet's frame: 20 cm on the map (Circular 25/2014 Art. 5.2) times the
// scale denominator, for off-grid scales too.
func (s *Sheet) FrameExtension() float64 { return 0.20 * float64(s.Scale) }

// SameContent reports whether two sheets carry the same data, ignoring
// version information.
func (s *Sheet) SameContent(o *Sheet) bool {
	return s.Key == o.Key && s.GridNumber == o.GridNumber && s.Scale == o.Scale && s.OffGrid == o.OffGrid &&
		s.EPSG == o.EPSG && s.SurveyYear == o.SurveyYear && orb.Equal(s.Frame, o.Frame)
}
