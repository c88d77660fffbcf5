package extract

import (
	"encoding/json"
	"fmt"
	"strings"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/grid"
)

// Request is a submitted extract as the API and the CLI receive it.
type Request struct {
	Plot         spatial.PlotKey `json:"plot"`
	Scale        json.RawMessage `json:"scale"` // "1:1000", "1000" or 1000
	Agricultural bool            `json:"agricultural"`
	StatedArea   float64         `json:"stated_area"`
	Profile      string          `json:"profile"`
	// CRS is the zone of the boundary ("EPSG:9210"); empty: the plot's.
	CRS string `json:"crs"`
	// Boundary is a GeoJSON Polygon/MultiPolygon/Feature; Table a
	// coordinate table (point,x,y[,part,ring,length]). Exactly one.
	Boundary json.RawMessage `json:"boundary,omitempty"`
	Table    string          `json:"table,omitempty"`
}

// Settings are the checked plain fields of a request.
type Settings struct {
	Scale   grid.Scale
	Profile *Profile
	EPSG    int // zone of the boundary; 0: the plot's
}

// Check checks the plain fields and returns every problem at once
// (KindInvalid naming the fields).
func (q *Request) Check() (Settings, error) {
	var st Settings
	var probs []spatial.Problem
	bad := func(field, format string, args ...any) {
		probs = append(probs, spatial.Problem{Index: -1, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if !q.Plot.Valid() {
		bad("plot", "want {\"unit\": 5-digit code, \"sheet\": n, \"plot\": n}, got %s", q.Plot)
	}
	sc, err := grid.ParseScale(strings.Trim(string(q.Scale), `"`))
	if err != nil {
		bad("scale", "%v", err)
	}
	st.Scale = sc
	if st.Profile, err = LoadProfile(q.Profile); err != nil {
		bad("profile", "%v", err)
	}
	if q.CRS != "" {
		if st.EPSG, err = crs.ParseCRS(q.CRS); err != nil {
			bad("crs", "%v", err)
		} else if _, ok := crs.ZoneByEPSG(st.EPSG); !ok {
			bad("crs", "EPSG:%d is not a VN-2000 TM-3 zone", st.EPSG)
		}
	}
	if q.StatedArea < 0 {
		bad("stated_area", "must not be negative")
	}
	if (len(q.Boundary) == 0) == (q.Table == "") {
		bad("boundary", "give the measured boundary either as GeoJSON (boundary) or as a coordinate table (table)")
	}
	if len(probs) > 0 {
		return st, spatial.Invalid("bad extract request", probs)
	}
	return st, nil
}

// Input parses and checks the boundary, converts it to the stored plot's
// zone when needed (saying so), and returns the input of Check.
// KindInvalid errors name the point or ring at fault.
func (q *Request) Input(st Settings, stored *spatial.Plot, neighbours []Neighbour) (*Input, error) {
	epsg := st.EPSG
	if epsg == 0 {
		epsg = stored.EPSG
	}
	var b Boundary
	var err error
	if q.Table != "" {
		b, err = ParseTable(strings.NewReader(q.Table), epsg)
	} else {
		b, err = ParseGeoJSON(q.Boundary, epsg)
	}
	if err != nil {
		return nil, err
	}
	// Checked before any conversion: lon/lat given by mistake shows only
	// on the coordinates as written.
	if err := CheckBoundary(b); err != nil {
		return nil, err
	}
	b, note, err := b.ToZone(stored.EPSG)
	if err != nil {
		return nil, err
	}
	in := &Input{Stored: stored, Measured: b, Scale: st.Scale, Agricultural: q.Agricultural, StatedArea: q.StatedArea, Neighbours: neighbours}
	if note != "" {
		in.Notes = []string{note}
	}
	return in, nil
}
