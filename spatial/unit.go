package spatial

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AdminUnit is a commune-level administrative unit with its national
// 5-digit code. Since 2025-07-01 communes were merged; a former unit keeps
// its code (its sheets were numbered under it) and names its successor.
type AdminUnit struct {
	Code      string    `json:"code"` // national 5-digit commune code
	Name      string    `json:"name"`
	Province  string    `json:"province"`
	EPSG      int       `json:"epsg"`                // the VN-2000 TM-3 zone of the province
	Successor string    `json:"successor,omitempty"` // code of the current unit it merged into; "" if current
	MergedOn  time.Time `json:"merged_on,omitzero"`  // date of the merger (2025-07-01 for the 2025 reform)
}

// Current reports whether the unit still exists (was not merged away).
func (u AdminUnit) Current() bool { return u.Successor == "" }

// ValidUnitCode reports whether s is a 5-digit commune code.
func ValidUnitCode(s string) bool {
	if len(s) != 5 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// SheetKey identifies a map sheet: the survey unit that numbered it and its
// sequence number inside that unit.
type SheetKey struct {
	Unit   string `json:"unit"`
	Number int    `json:"sheet"`
}

// String renders the key as "unit/sheet".
func (k SheetKey) String() string { return fmt.Sprintf("%s/%d", k.Unit, k.Number) }

// PlotKey identifies a plot: (survey unit, sheet number, plot number). The
// survey unit is the commune, former or current, that numbered the sheet, so
// keys stay unique after the 2025 mergers.
type PlotKey struct {
	Unit  string `json:"unit"`
	Sheet int    `json:"sheet"`
	Plot  int    `json:"plot"`
}

// String renders the key as "unit/sheet/plot".
func (k PlotKey) String() string { return fmt.Sprintf("%s/%d/%d", k.Unit, k.Sheet, k.Plot) }

// SheetKey returns the key of the plot's sheet.
func (k PlotKey) SheetKey() SheetKey { return SheetKey{Unit: k.Unit, Number: k.Sheet} }

// ParsePlotKey reads "unit/sheet/plot", e.g. "27002/2/458".
func ParsePlotKey(s string) (PlotKey, error) {
	parts := strings.Split(s, "/")
	if len(parts) == 3 {
		sheet, err1 := strconv.Atoi(parts[1])
		plot, err2 := strconv.Atoi(parts[2])
		if k := (PlotKey{Unit: parts[0], Sheet: sheet, Plot: plot}); err1 == nil && err2 == nil && k.Valid() {
			return k, nil
		}
	}
	return PlotKey{}, fmt.Errorf("bad plot key %q: want UNIT/SHEET/PLOT, e.g. 27002/2/458", s)
}

// Valid reports whether the key is well-formed.
func (k PlotKey) Valid() bool { return ValidUnitCode(k.Unit) && k.Sheet > 0 && k.Plot > 0 }
