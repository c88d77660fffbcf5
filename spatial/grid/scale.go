package grid

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Scale is a map scale given by its denominator (1000 means 1:1000). Only
// the six cadastral scales of Circular 25/2014 Art. 5 are valid; each has
// its own cell size in the sheet grid of Annex 03.
type Scale int

// The cadastral map scales of Circular 25/2014 Art. 5.
const (
	// Scale200 is 1:200: 100 m cells, a 1:2000 cell divided 10 x 10.
	Scale200 Scale = 200
	// Scale500 is 1:500: 250 m cells, a 1:2000 cell divided 4 x 4.
	Scale500 Scale = 500
	// Scale1000 is 1:1000: 500 m cells, a 1:2000 cell divided 2 x 2.
	Scale1000 Scale = 1000
	// Scale2000 is 1:2000: 1 km cells, a 1:5000 cell divided 3 x 3.
	Scale2000 Scale = 2000
	// Scale5000 is 1:5000: 3 km cells, a 1:10000 cell divided 2 x 2.
	Scale5000 Scale = 5000
	// Scale10000 is 1:10000: the 6 km base cells of the grid.
	Scale10000 Scale = 10000
)

// Errors wrapped by every error of this package, for errors.Is.
var (
	// ErrScale marks a scale that is not one of the six cadastral scales.
	ErrScale = errors.New("grid: unsupported scale")
	// ErrNumber marks a sheet number that is malformed or names no cell.
	ErrNumber = errors.New("grid: bad sheet number")
	// ErrOutside marks a point or sheet outside the grid domain (see the
	// package documentation), or a non-finite coordinate.
	ErrOutside = errors.New("grid: outside the grid domain")
)

// Scales returns the six cadastral scales, largest map scale (1:200)
// first. The slice is new on each call, so callers may change it.
func Scales() []Scale {
	return []Scale{Scale200, Scale500, Scale1000, Scale2000, Scale5000, Scale10000}
}

// ParseScale reads a scale written as "1:1000" or "1000" (surrounding
// spaces ignored) and accepts only the cadastral scales, because only
// they have a sheet grid.
func ParseScale(s string) (Scale, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "1:")
	if t == "" || len(t) > 6 || strings.Trim(t, "0123456789") != "" {
		return 0, fmt.Errorf("%w %q: want 1:N or N with N one of 200, 500, 1000, 2000, 5000, 10000", ErrScale, s)
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		return 0, fmt.Errorf("%w %q: %v", ErrScale, s, err)
	}
	if sc := Scale(n); sc.Valid() {
		return sc, nil
	}
	return 0, fmt.Errorf("%w %q: want one of 200, 500, 1000, 2000, 5000, 10000", ErrScale, s)
}

// Valid reports whether s is one of the six cadastral scales of Circular
// 25/2014 Art. 5.
func (s Scale) Valid() bool {
	return s.cellMetres() != 0
}

// String returns "1:N", the way scales are written on sheets.
func (s Scale) String() string {
	if !s.Valid() {
		return "Scale(" + strconv.Itoa(int(s)) + ")"
	}
	return "1:" + strconv.Itoa(int(s))
}

// CellSize returns the side of a sheet's square cell in plane metres
// (Circular 25/2014 Art. 5, Annex 03): 100 m at 1:200 up to 6000 m at
// 1:10000; 0 for an invalid scale.
func (s Scale) CellSize() float64 {
	return float64(s.cellMetres())
}

// FrameExtension returns, in ground metres, how far a sheet's inner frame
// may be extended on each side when its content runs past the standard
// frame: 20 cm on the map (Circular 25/2014 Art. 5.2) times the scale
// denominator, e.g. 200 m at 1:1000. A plot of a sheet may stick out of
// the nominal cell by up to this much; use Frame.Expand to get the widest
// allowed frame. It is 0 for an invalid scale.
func (s Scale) FrameExtension() float64 {
	if !s.Valid() {
		return 0
	}
	return 0.20 * float64(s)
}

// cellMetres is the cell side in whole metres, 0 if s is invalid. Every
// size divides 6000, and all grids share the origin (E 500 km, N 0), so
// the cells of each scale nest exactly in those of the smaller scales.
func (s Scale) cellMetres() int64 {
	switch s {
	case Scale200:
		return 100
	case Scale500:
		return 250
	case Scale1000:
		return 500
	case Scale2000:
		return 1000
	case Scale5000:
		return 3000
	case Scale10000:
		return 6000
	}
	return 0
}

// subdivisions is how many cells per side a 1:2000 cell is cut into at the
// scales numbered inside a 1:2000 cell (Annex 03), else 0.
func (s Scale) subdivisions() int64 {
	switch s {
	case Scale200:
		return 10
	case Scale500:
		return 4
	case Scale1000:
		return 2
	}
	return 0
}
