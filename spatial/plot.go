package spatial

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Plot is a land plot (thửa đất) in one version.
type Plot struct {
	Key       PlotKey          `json:"key"`
	Commune   string           `json:"commune"`    // current commune code
	EPSG      int              `json:"epsg"`       // VN-2000 TM-3 zone of Geometry
	Geometry  orb.MultiPolygon `json:"-"`          // plane metres (E, N); RFC 7946 orientation
	LandUse   []string         `json:"land_use"`   // main purpose first
	LegalArea float64          `json:"legal_area"` // m², from legal papers; 0 if unknown
	Area      float64          `json:"area"`       // m², computed from coordinates, rounded to 0.1
	Address   string           `json:"address,omitempty"`
	// Note, when set, is the reason of the version written, in place of
	// the batch's: a renumbering says what the plot was before (issue 18).
	Note string `json:"-"`
	Version
}

// SameContent reports whether two plots carry the same data (key, commune,
// zone, geometry to the coordinate, land use, legal area, address),
// ignoring version information. Re-ingesting identical data is a no-op.
func (p *Plot) SameContent(o *Plot) bool {
	return p.Key == o.Key && p.Commune == o.Commune && p.EPSG == o.EPSG &&
		slices.Equal(p.LandUse, o.LandUse) && p.LegalArea == o.LegalArea &&
		p.Address == o.Address && orb.Equal(p.Geometry, o.Geometry)
}

// Normalize orients the rings (RFC 7946: shells counter-clockwise, holes
// clockwise) and computes the measured area. Call it before storing.
func (p *Plot) Normalize() {
	p.Geometry = OrientMultiPolygon(p.Geometry)
	p.Area = RoundArea(PlaneArea(p.Geometry))
}

// RoundArea rounds an area to 0.1 m², as Circular 25 art. 7 asks.
func RoundArea(a float64) float64 { return math.Round(a*10) / 10 }
