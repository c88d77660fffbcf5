// Package audit is the cleaning audit of the land-database campaign
// (issue 18): every problem of the spatial data of a commune, each with
// the key(s) it concerns, a measure and its geometry, found on the read
// model (spatial/index). It is pure: the snapshot, the units and a lookup
// of retired plots come in, a Report goes out; CSV and GeoJSON writers
// sit in output.go.
package audit

// Kind names one rule of the audit.
type Kind string

// The rules, in the order the report lists them.
const (
	InvalidGeometry Kind = "invalid_geometry" // ring defects, self-intersections (spatial.ValidateGeometry)
	Overlap         Kind = "overlap"          // two plots share area above MinArea
	Gap             Kind = "gap"              // a hole in the union of a sheet's plots
	Sliver          Kind = "sliver"           // a gap narrower than SliverWidth on average
	AreaMismatch    Kind = "area_mismatch"    // legal area vs map area beyond the profile's area tolerance
	OutsideFrame    Kind = "outside_frame"    // plot beyond its sheet's frame + the frame extension
	DuplicateNumber Kind = "duplicate_number" // a plot number used twice on a sheet
	MissingNumber   Kind = "missing_number"   // a number of 1..max on a sheet with no plot, current or retired
	UnknownLandUse  Kind = "unknown_land_use" // a code in neither landuse.csv nor outdated_landuse.csv
	OutdatedLandUse Kind = "outdated_land_use"
	NoLegalArea     Kind = "no_legal_area" // no area on legal papers (roads and water exempt)
	EmptySheet      Kind = "empty_sheet"   // a sheet with no current plot
)

// Kinds lists every rule in report order.
func Kinds() []Kind {
	return []Kind{InvalidGeometry, Overlap, Gap, Sliver, AreaMismatch, OutsideFrame,
		DuplicateNumber, MissingNumber, UnknownLandUse, OutdatedLandUse, NoLegalArea, EmptySheet}
}
