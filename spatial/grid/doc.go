// Package grid numbers cadastral map sheets: the cells of the sheet grid of
// Circular 25/2014/TT-BTNMT Art. 5 and Annex 03 (kept by Circular 26/2024
// Art. 5), laid on the VN-2000 TM-3 plane of a province's zone.
//
// # Axes
//
// Vietnamese survey texts write X for the northing and Y for the easting.
// This package names them by direction instead (E = easting = Y,
// N = northing = X, plane metres) so the axis order cannot be mixed up;
// sheet numbers keep the survey order: X first, then Y.
//
// # The grid
//
//	scale    cell        derived from        number (Annex 03 example)
//	1:10000  6 x 6 km    the grid            "10-728 494"
//	1:5000   3 x 3 km    1:10000 / 4         "725 497"
//	1:2000   1 x 1 km    1:5000 / 9 (1..9)   "725 500-6"
//	1:1000   500 m       1:2000 / 4 (a..d)   "725 500-6-d"
//	1:500    250 m       1:2000 / 16         "725 500-6-(11)"
//	1:200    100 m       1:2000 / 100        "725 500-6-25"
//
// 1:10000 cells have their top edges at multiples of 6 km of northing and
// their left edges at easting 500 km plus or minus multiples of 6 km: the
// central meridian (false easting 500 km) is a grid line, so "10-728 494"
// spans E 494..500 km, N 1722..1728 km. The 1:10000 and 1:5000 numbers are
// the whole kilometres of the northing and easting of the cell's top-left
// (north-west) corner, three digits each, the thousands digit of the
// northing dropped (1728 km is written "728"). Sub-cells are counted left
// to right, top to bottom. The alignment is inferred from the Annex 03
// examples (see /work/shared/DOMAIN.md); the tests pin every example.
//
// A grid number means something only together with its zone (EPSG code):
// this package works on one zone's plane and never sees the zone.
//
// # The dropped thousands digit
//
// Parse needs a hint northing (the centre of the province or zone's area,
// or any point near the sheet) and gives the number the thousands digit
// that puts its northing nearest to the hint, as the brief of the format
// asks. Vietnam's northings run from about 950 to 2600 km, so a hint within
// a few hundred km is always enough. Note that, with the grid aligned as
// above, the digit is also fixed arithmetically: 1000 km is 1 modulo 3 and
// 4 modulo 6, so of "725", "1725" and "2725" only 1725 km is a multiple of
// 3 km. Parse uses that as a check: a number whose hint-chosen northing is
// not on the grid (a typo, or a hint from the wrong region) is an error,
// not silently moved 1000 km.
//
// # Boundaries
//
// Every point of the domain belongs to exactly one cell of each scale.
// A cell owns its west (left) and north (top) edges and not its east and
// south edges: [MinE, MaxE) x (MinN, MaxN]. So the top-left corner that
// names a sheet belongs to that sheet, a point on a vertical grid line
// belongs to the cell east of it, and a point on a horizontal grid line
// belongs to the cell south of it (the cell whose top edge it is).
// Frame.Contains and SheetAt use the same rule, with exact comparisons.
//
// # Domain
//
// The grid covers whole 1:10000 cells whose numbers fit the three-digit
// fields, so that every sheet of every scale has a valid parent sheet at
// every smaller scale: easting 104 km <= E < 998 km (left edges 104..992
// km, 500 km +- multiples of 6) and northing 0 < N <= 2994 km (top edges
// 6..2994 km). Vietnam's TM-3 coordinates (E about 250..750 km, N about
// 950..2600 km) lie well inside. Points and numbers outside are errors
// wrapping ErrOutside.
package grid
