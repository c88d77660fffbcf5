package spatial

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
)

// LandUse is one land-use code of Circular 25/2014 Annex 01 (as amended).
type LandUse struct {
	Code     string `json:"code"`
	Category string `json:"category"` // agricultural, non_agricultural or unused
	Group    string `json:"group"`    // map legend group
	NameVI   string `json:"name_vi"`
	NameEN   string `json:"name_en"`
}

// Land-use categories, as written in landuse.csv.
const (
	CategoryAgricultural    = "agricultural"
	CategoryNonAgricultural = "non_agricultural"
	CategoryUnused          = "unused"
)

//go:embed landuse.csv
var landUseCSV string

// landUses is parsed once from the embedded table; it is never mutated.
var landUses = mustParseLandUses(landUseCSV)

func mustParseLandUses(text string) map[string]LandUse {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, "#") && strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	recs, err := csv.NewReader(strings.NewReader(strings.Join(lines, "\n"))).ReadAll()
	if err != nil {
		panic(fmt.Sprintf("spatial: landuse.csv: %v", err))
	}
	m := make(map[string]LandUse, len(recs))
	for _, r := range recs[1:] {
		m[r[0]] = LandUse{Code: r[0], Category: r[1], Group: r[2], NameVI: r[3], NameEN: r[4]}
	}
	return m
}

// LookupLandUse returns the land use of a code (exact, upper case).
func LookupLandUse(code string) (LandUse, bool) {
	lu, ok := landUses[code]
	return lu, ok
}

// LandUses returns every known code, sorted.
func LandUses() []LandUse {
	out := make([]LandUse, 0, len(landUses))
	for _, lu := range landUses {
		out = append(out, lu)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// IsAgricultural reports whether the main (first) code of a plot is
// agricultural land, for the 1.5x allowance of Circular 25 art. 7.
func IsAgricultural(codes []string) bool {
	if len(codes) == 0 {
		return false
	}
	lu, ok := landUses[codes[0]]
	return ok && lu.Category == CategoryAgricultural
}
