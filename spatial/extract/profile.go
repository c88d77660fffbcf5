package extract

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cadastre/spatial"
	"cadastre/spatial/grid"
)

// DefaultProfile is the profile used when a request names none: the
// circular in force since 15 January 2025.
const DefaultProfile = "circular-26-2024"

//go:embed profiles/*.json
var profileFiles embed.FS

// Rounding says how a partial unit of a tolerance table band counts
// ("+k per whole metre", "+k per 10 m²"): the open question of DOMAIN.md,
// answered in data so that it can be corrected.
type Rounding string

// The rounding rules a profile may state.
const (
	RoundFloor Rounding = "floor" // only whole units count; a partial unit adds nothing
	RoundCeil  Rounding = "ceil"  // a started unit counts as a whole one
	RoundExact Rounding = "exact" // proportional: a partial unit adds its share
)

// apply turns a length of units into the counted number of units.
func (r Rounding) apply(units float64) float64 {
	// 1e-9 absorbs the binary error of a band boundary like 3.5 m.
	switch r {
	case RoundCeil:
		return math.Ceil(units - 1e-9)
	case RoundExact:
		return units
	default:
		return math.Floor(units + 1e-9)
	}
}

// Profile is a set of accuracy limits, read from a JSON file so that a
// single-source table can be replaced without touching code.
type Profile struct {
	Name     string   `json:"name"`
	Title    string   `json:"title"`
	Source   string   `json:"source"`
	Notes    []string `json:"notes"`
	Rounding Rounding `json:"rounding"`
	// PositionCM is the position limit of a boundary point by scale, cm.
	PositionCM           map[string]float64 `json:"position_cm"`
	PositionAgricultural Allowance          `json:"position_agricultural"`
	// Edge is the Circular 25 art. 7 rule; EdgeTable the Appendix 03 table.
	Edge             *MapRule   `json:"edge,omitempty"`
	EdgeTable        *BandTable `json:"edge_table,omitempty"`
	EdgeAgricultural Allowance  `json:"edge_agricultural"`
	// AreaTable is the Appendix 04 table; nil: areas are reported only.
	AreaTable  *BandTable `json:"area_table,omitempty"`
	NearLimit  NearLimit  `json:"near_limit"`
	Systematic Systematic `json:"systematic"`
	// MatchRadiusOfLimit is the vertex search radius in position limits.
	MatchRadiusOfLimit float64 `json:"match_radius_of_limit"`
	// BoundaryChangeOfLimit: a difference above this many limits is not
	// taken for a measurement error.
	BoundaryChangeOfLimit float64 `json:"boundary_change_of_limit"`
	// AgriculturalCategories are the land-use categories (landuse.csv) of
	// a plot's main code that may take the agricultural allowances.
	AgriculturalCategories []string `json:"agricultural_categories"`
	// LegalAreaRule is what the law does when the measured area differs
	// from the certificate's, shown next to that difference.
	LegalAreaRule *Citation `json:"legal_area_rule,omitempty"`
}

// Citation is a rule in plain words with where it comes from.
type Citation struct {
	Text   string `json:"text"`
	Source string `json:"source"`
}

// AllowsAgricultural reports whether a plot with these land-use codes
// (main purpose first) may take the agricultural allowances.
func (p *Profile) AllowsAgricultural(codes []string) bool {
	if len(codes) == 0 {
		return false
	}
	lu, ok := spatial.LookupLandUse(codes[0])
	return ok && slices.Contains(p.AgriculturalCategories, lu.Category)
}

// Allowance multiplies a limit for agricultural land at some scales.
type Allowance struct {
	Factor float64 `json:"factor"`
	Scales []int   `json:"scales"`
}

// factor returns the multiplier for a plot.
func (a Allowance) factor(sc grid.Scale, agricultural bool) float64 {
	if agricultural && a.Factor > 0 && slices.Contains(a.Scales, int(sc)) {
		return a.Factor
	}
	return 1
}

// MapRule is Circular 25 art. 7: MapMM millimetres at map scale, but at
// most ShortEdgeMaxCM on the ground for edges shorter than ShortEdgeM.
type MapRule struct {
	MapMM          float64 `json:"map_mm"`
	ShortEdgeM     float64 `json:"short_edge_m"`
	ShortEdgeMaxCM float64 `json:"short_edge_max_cm"`
}

// BandTable is an Appendix 03/04 table: per scale, a base value up to a
// size, then +k per Unit inside each band.
type BandTable struct {
	Unit   float64              `json:"unit"`
	Scales map[string]BandScale `json:"scales"`
}

// BandScale is one row of a BandTable. Each band is [from, k]; it ends
// where the next one starts, the last one is open.
type BandScale struct {
	BaseUpto float64      `json:"base_upto"`
	Base     float64      `json:"base"`
	Bands    [][2]float64 `json:"bands"`
}

// NearLimit is the art. 7 rule on errors close to the limit: errors from
// From (0.9) to 1 times the limit may be at most MaxShare of all checks.
type NearLimit struct {
	From     float64 `json:"from"`
	MaxShare float64 `json:"max_share"`
}

// Systematic holds the thresholds of the systematic-error tests.
type Systematic struct {
	MinChecks       int     `json:"min_checks"`         // fewest edges or points to judge
	MaxSpread       float64 `json:"max_spread"`         // spread allowed around the common value, as a share of it
	MinScalePPM     float64 `json:"min_scale_ppm"`      // smallest scale error reported
	MinShiftOfLimit float64 `json:"min_shift_of_limit"` // smallest shift reported, in position limits
}

// LoadProfile returns the embedded profile of that name. The profiles are
// parsed once (parsing one costs more than checking a 20-vertex plot);
// each call returns its own copy of the Profile value, whose tables are
// shared: read them, do not change them.
func LoadProfile(name string) (*Profile, error) {
	if name == "" {
		name = DefaultProfile
	}
	e, ok := embeddedProfiles()[name]
	if !ok || strings.ContainsAny(name, "/\\") {
		return nil, spatial.Errorf(spatial.KindInvalid, "unknown tolerance profile %q: want one of %s", name, strings.Join(ProfileNames(), ", "))
	}
	if e.err != nil {
		return nil, e.err
	}
	p := *e.p
	return &p, nil
}

// parsedProfile is an embedded profile file, parsed.
type parsedProfile struct {
	p   *Profile
	err error
}

// embeddedProfiles parses the embedded profile files, once: they are part
// of the binary.
var embeddedProfiles = sync.OnceValue(func() map[string]parsedProfile {
	out := map[string]parsedProfile{}
	for _, name := range ProfileNames() {
		b, err := profileFiles.ReadFile("profiles/" + name + ".json")
		if err == nil {
			var e parsedProfile
			e.p, e.err = ParseProfile(b)
			out[name] = e
		}
	}
	return out
})

// ProfileNames lists the embedded profiles.
func ProfileNames() []string {
	entries, _ := profileFiles.ReadDir("profiles") // embedded: cannot fail
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	return out
}

// ParseProfile reads and checks a profile.
func ParseProfile(b []byte) (*Profile, error) {
	var p Profile
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("extract: profile: %w", err)
	}
	switch p.Rounding {
	case RoundFloor, RoundCeil, RoundExact:
	default:
		return nil, fmt.Errorf("extract: profile %s: rounding %q: want floor, ceil or exact", p.Name, p.Rounding)
	}
	if len(p.AgriculturalCategories) == 0 {
		return nil, fmt.Errorf("extract: profile %s: agricultural_categories is empty", p.Name)
	}
	if (p.Edge == nil) == (p.EdgeTable == nil) {
		return nil, fmt.Errorf("extract: profile %s: want exactly one of edge and edge_table", p.Name)
	}
	for _, sc := range grid.Scales() {
		k := strconv.Itoa(int(sc))
		if p.PositionCM[k] <= 0 {
			return nil, fmt.Errorf("extract: profile %s: no position limit for 1:%d", p.Name, sc)
		}
		for _, t := range []*BandTable{p.EdgeTable, p.AreaTable} {
			if t == nil {
				continue
			}
			if _, ok := t.Scales[k]; !ok || t.Unit <= 0 {
				return nil, fmt.Errorf("extract: profile %s: a table lacks 1:%d or its unit", p.Name, sc)
			}
		}
	}
	return &p, nil
}

// PositionLimit returns the allowed position error of a boundary point, m.
func (p *Profile) PositionLimit(sc grid.Scale, agricultural bool) float64 {
	return p.PositionCM[strconv.Itoa(int(sc))] / 100 * p.PositionAgricultural.factor(sc, agricultural)
}

// EdgeLimit returns the allowed difference, in metres, for an edge of
// length d metres.
func (p *Profile) EdgeLimit(sc grid.Scale, agricultural bool, d float64) float64 {
	f := p.EdgeAgricultural.factor(sc, agricultural)
	if p.Edge != nil {
		lim := p.Edge.MapMM / 1000 * float64(sc)
		if d < p.Edge.ShortEdgeM {
			lim = math.Min(lim, p.Edge.ShortEdgeMaxCM/100)
		}
		return lim * f
	}
	return p.EdgeTable.value(sc, d, p.Rounding) / 100 * f
}

// AreaLimit returns the allowed area difference in m² for a plot of s m²;
// ok is false when the profile has no area table.
func (p *Profile) AreaLimit(sc grid.Scale, s float64) (limit float64, ok bool) {
	if p.AreaTable == nil {
		return 0, false
	}
	return p.AreaTable.value(sc, s, p.Rounding), true
}

// value computes base + k per unit in each band up to x.
func (t *BandTable) value(sc grid.Scale, x float64, r Rounding) float64 {
	row := t.Scales[strconv.Itoa(int(sc))]
	v := row.Base
	for i, b := range row.Bands {
		hi := math.Inf(1)
		if i+1 < len(row.Bands) {
			hi = row.Bands[i+1][0]
		}
		if x <= b[0] {
			break
		}
		v += b[1] * r.apply((math.Min(x, hi)-b[0])/t.Unit)
	}
	return v
}
