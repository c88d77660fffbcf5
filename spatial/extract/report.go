package extract

import (
	"math"
	"strconv"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// Report is the outcome of a check, kept with the extract and shown to the
// registrar. Lengths are metres, areas m², on the plane of EPSG.
type Report struct {
	Plot          spatial.PlotKey `json:"plot"`
	PlotVersion   int             `json:"plot_version"`
	EPSG          int             `json:"epsg"`
	Profile       string          `json:"profile"`
	Rounding      Rounding        `json:"rounding"`
	Scale         int             `json:"scale"`
	Agricultural  bool            `json:"agricultural"`
	PositionLimit float64         `json:"position_limit"`
	Verdict       Verdict         `json:"verdict"`
	Reasons       []string        `json:"reasons"`
	Failing       []string        `json:"failing,omitempty"`
	Notes         []string        `json:"notes,omitempty"`
	Edges         []EdgeRow       `json:"edges"`
	StatedEdges   []StatedEdgeRow `json:"stated_edges,omitempty"`
	Vertices      []VertexRow     `json:"vertices"`
	Unmatched     []Unmatched     `json:"unmatched,omitempty"`
	// Reconnected lists measured edges that join two stored vertices the
	// stored boundary does not join (points in another order).
	Reconnected []Reconnection    `json:"reconnected,omitempty"`
	Area        AreaCheck         `json:"area"`
	NearLimit   NearLimitCheck    `json:"near_limit"`
	Systematic  []SystematicError `json:"systematic,omitempty"`
	Overlaps    []NeighbourArea   `json:"overlaps,omitempty"`
	Gaps        []NeighbourArea   `json:"gaps,omitempty"`
	// Overrides are the plot facts the extract departs from (another scale
	// than the sheet's, the agricultural allowance on other land), each
	// with the reason the surveyor stated.
	Overrides []Override `json:"overrides,omitempty"`
	// Measured is the checked boundary on the plane of EPSG: what an
	// accepted extract stores as the plot's new geometry.
	Measured orb.MultiPolygon `json:"measured_geometry"`
}

// EdgeRow compares the distance between two consecutive matched stored
// vertices with the distance between their measured counterparts. Spans
// is the number of stored edges it covers (more than 1 when the surveyor
// merged edges or left out a vertex).
type EdgeRow struct {
	Part           int     `json:"part"` // 0-based polygon part and ring (0 = shell)
	Ring           int     `json:"ring"`
	From           int     `json:"from"` // stored vertex numbers
	To             int     `json:"to"`
	FromPoint      string  `json:"from_point"` // measured point numbers
	ToPoint        string  `json:"to_point"`
	Spans          int     `json:"spans"`
	StoredLength   float64 `json:"stored_length"`
	MeasuredLength float64 `json:"measured_length"`
	Difference     float64 `json:"difference"` // measured - stored
	Allowed        float64 `json:"allowed"`
	Ratio          float64 `json:"ratio"` // |difference| / allowed
	Pass           bool    `json:"pass"`
}

// StatedEdgeRow compares a length the surveyor wrote with the length of
// the same edge computed from the surveyor's own coordinates.
type StatedEdgeRow struct {
	From       string  `json:"from"`
	To         string  `json:"to"`
	Stated     float64 `json:"stated"`
	Computed   float64 `json:"computed"`
	Difference float64 `json:"difference"`
	Allowed    float64 `json:"allowed"`
	Pass       bool    `json:"pass"`
}

// VertexRow is the displacement of a matched vertex, measured - stored.
type VertexRow struct {
	Stored       int        `json:"stored"`
	Point        string     `json:"point"`
	StoredXY     [2]float64 `json:"stored_en"`
	MeasuredXY   [2]float64 `json:"measured_en"`
	DE           float64    `json:"de"`
	DN           float64    `json:"dn"`
	Displacement float64    `json:"displacement"`
	Allowed      float64    `json:"allowed"`
	Ratio        float64    `json:"ratio"`
	Pass         bool       `json:"pass"`
}

// Unmatched is a vertex only one side has. It is checked like a matched
// vertex, by its distance to the other boundary: within the position
// limit it is a check like any other (Collinear: an edge split or merged;
// it counts in the 90-100 % rule); beyond, it fails as a moved corner
// with the same thresholds.
type Unmatched struct {
	Side      string     `json:"side"` // "stored" or "measured"
	Vertex    string     `json:"vertex"`
	XY        [2]float64 `json:"en"`
	Distance  float64    `json:"distance_to_other_boundary"`
	Allowed   float64    `json:"allowed"`
	Ratio     float64    `json:"ratio"` // distance / allowed
	Collinear bool       `json:"collinear"`
}

// Reconnection is a measured edge between points whose stored vertices
// are not neighbours on the stored boundary.
type Reconnection struct {
	FromPoint string `json:"from_point"` // measured point numbers
	ToPoint   string `json:"to_point"`
	From      int    `json:"from"` // their stored vertices
	To        int    `json:"to"`
}

// Override is a plot fact the extract departs from, with its reason.
type Override struct {
	Field    string `json:"field"`    // "scale" or "agricultural"
	Declared string `json:"declared"` // what the extract says
	Plot     string `json:"plot"`     // what the plot's records say
	Reason   string `json:"reason"`
}

// AreaCheck compares the areas. The tolerance is judged against the area
// of the stored map geometry (the same map the points are compared with);
// the legal area on the certificate is compared for information only:
// what happens to a difference is the registrar's decision (LegalRule).
type AreaCheck struct {
	Legal      float64 `json:"legal"`      // from legal papers; 0 unknown
	Stored     float64 `json:"stored"`     // computed from the stored geometry
	Measured   float64 `json:"measured"`   // from the measured coordinates, rounded to 0.1
	Stated     float64 `json:"stated"`     // as the surveyor states it; 0 not stated
	Reference  string  `json:"reference"`  // always "stored": the map geometry
	Difference float64 `json:"difference"` // measured - stored
	// MeasuredMinusStored and StatedMinusMeasured are the other differences.
	MeasuredMinusStored float64 `json:"measured_minus_stored"`
	StatedMinusMeasured float64 `json:"stated_minus_measured"`
	Allowed             float64 `json:"allowed"`
	Judged              bool    `json:"judged"` // false: the profile has no area limit
	Pass                bool    `json:"pass"`
	// MeasuredMinusLegal is measured - legal (0 when the legal area is
	// unknown); information for the registrar, never a failed check.
	MeasuredMinusLegal float64 `json:"measured_minus_legal"`
	// LegalRule says what the law does with such a difference, with its
	// source (the profile's legal_area_rule); empty when there is none.
	LegalRule string `json:"legal_rule,omitempty"`
}

// NearLimitCheck is the art. 7 rule: errors between 90 % and 100 % of the
// limit may be at most 10 % of all checks.
type NearLimitCheck struct {
	Checks   int     `json:"checks"`
	Near     int     `json:"near"`
	Share    float64 `json:"share"`
	MaxShare float64 `json:"max_share"`
	Pass     bool    `json:"pass"`
}

// SystematicError is a pattern in the errors that chance does not explain.
type SystematicError struct {
	Kind string `json:"kind"` // "scale" or "shift"
	// Scale is measured/stored length, e.g. 1.001 (written 1:1.001).
	Scale float64 `json:"scale,omitempty"`
	PPM   float64 `json:"ppm,omitempty"`
	// Shift is the common displacement (E, N) in metres.
	Shift  [2]float64 `json:"shift,omitempty"`
	Detail string     `json:"detail"`
}

// NeighbourArea is an overlap of the measured boundary with a stored
// neighbour, or a gap the measured boundary opens against it.
type NeighbourArea struct {
	Key  spatial.PlotKey `json:"key"`
	Area float64         `json:"area"`
}

// round4 rounds lengths (and areas) of the report to 0.1 mm, finer than
// any limit (Appendix 03 limits have 0.05 cm steps).
func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func itoa(i int) string { return strconv.Itoa(i) }
