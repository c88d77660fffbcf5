package spatial

import (
	"github.com/paulmach/orb"

	"cadastre/spatial/grid"
)

// Sheet is a cadastral map sheet (tờ bản đồ): a cell of the grid of its
// scale on the TM-3 plane of its zone.
type Sheet struct {
	Key        SheetKey    `json:"key"`
	GridNumber string      `json:"grid_number"`
	Scale      grid.Scale  `json:"scale"`
	EPSG       int         `json:"epsg"`
	Frame      orb.Polygon `json:"-"` // plane metres (E, N), the nominal cell
	SurveyYear int         `json:"survey_year,omitempty"`
	// Note, when set, is the reason of the version written, in place of
	// the batch's (see Plot.Note).
	Note string `json:"-"`
	Version
}

// FrameBound returns the nominal frame as a plane bound.
func (s *Sheet) FrameBound() orb.Bound { return s.Frame.Bound() }

// SameContent reports whether two sheets carry the same data, ignoring
// version information.
func (s *Sheet) SameContent(o *Sheet) bool {
	return s.Key == o.Key && s.GridNumber == o.GridNumber && s.Scale == o.Scale &&
		s.EPSG == o.EPSG && s.SurveyYear == o.SurveyYear && orb.Equal(s.Frame, o.Frame)
}
