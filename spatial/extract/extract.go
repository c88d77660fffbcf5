// Package extract checks a surveyor's cadastral map extract (trích đo), a
// re-measured plot boundary, against the stored plot under a tolerance
// profile (Circular 25/2014 art. 7, Circular 26/2024 appendices 03/04) and
// writes a report for the registrar: edge table, vertex displacements,
// areas, the 90-100 % rule, systematic errors, neighbours, and a verdict.
//
// Everything is computed on the VN-2000 plane of the stored plot's zone.
// The package does no I/O.
package extract

import (
	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/grid"
)

// Boundary is a measured boundary on a VN-2000 plane, with the
// surveyor's point numbers.
type Boundary struct {
	EPSG     int
	Geometry orb.MultiPolygon // closed rings, plane metres (E, N)
	// Labels holds the point number of every vertex, indexed like
	// Geometry without the closing vertex; nil: numbered 1, 2, ... in order.
	Labels [][][]string
	// StatedLengths holds the surveyor's own length from each vertex to
	// the next, indexed like Labels; 0 or nil: not stated.
	StatedLengths [][][]float64
}

// label returns the point number of a vertex.
func (b *Boundary) label(part, ring, i int) string {
	if part < len(b.Labels) && ring < len(b.Labels[part]) && i < len(b.Labels[part][ring]) {
		return b.Labels[part][ring][i]
	}
	return ""
}

// Neighbour is a stored plot around the checked one, on the same plane.
type Neighbour struct {
	Key      spatial.PlotKey
	Geometry orb.MultiPolygon
}

// Input is everything a check needs.
type Input struct {
	Stored       *spatial.Plot // the current version of the plot
	Measured     Boundary      // on the plane of Stored.EPSG
	Scale        grid.Scale
	Agricultural bool    // agricultural (or unused) land: the 1.5x / 1.2x allowances
	StatedArea   float64 // m² as the surveyor states it; 0: not stated
	Neighbours   []Neighbour
	Notes        []string // e.g. the zone conversion made before the check
	// SheetScale is the scale of the plot's map sheet (0: unknown). An
	// extract at another scale, or taking the agricultural allowance on a
	// plot whose land-use codes are not agricultural, is refused unless
	// ScaleReason or AgriculturalReason says why; the report shows it.
	SheetScale         grid.Scale
	ScaleReason        string
	AgriculturalReason string
}

// Verdict is the outcome of a check.
type Verdict string

// The verdicts of a report.
const (
	// WithinTolerance: every difference is a measurement error the
	// profile allows; the measured area may replace the stored one.
	WithinTolerance Verdict = "within_tolerance"
	// OutOfTolerance: some check fails, but the differences look like
	// measurement errors (to be re-measured).
	OutOfTolerance Verdict = "out_of_tolerance"
	// BoundaryChanged: differences too large (or vertices without a
	// counterpart) to be measurement error: Land Law 2024 art. 135 case.
	BoundaryChanged Verdict = "boundary_changed"
)
