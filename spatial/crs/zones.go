package crs

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// zonesCSV is the hand-kept zone table (Circular 25/2014 Annex 02): it is
// data so a meridian or province list can be corrected without code.
//
//go:embed zones.csv
var zonesCSV []byte

// zonesProjJSON holds the EPSG names, WKT1 and proj4 text written once by
// gen_proj.go from the installed PROJ, so run time never needs PROJ.
//
//go:embed zones_proj.json
var zonesProjJSON []byte

// Zone is one VN-2000 TM-3 provincial zone: a transverse Mercator plane on
// its own central meridian (k0 = 0.9999, false easting 500 000 m).
type Zone struct {
	EPSG            int      // EPSG code of the projected CRS
	CentralMeridian float64  // degrees east
	Provinces       []string // provinces using it, pre-2025 names
	Source          string   // where the row comes from, for re-checking

	custom *projText // the generated text of a zone with no EPSG code (custom.go)
}

// projText is the generated text of one zone (zones_proj.json).
type projText struct {
	EPSG  int    `json:"epsg"`
	Name  string `json:"name"`
	WKT1  string `json:"wkt1_gdal"`
	Proj4 string `json:"proj4"`
}

type zoneTable struct {
	zones []Zone // sorted by central meridian
	index map[int]int
	text  map[int]projText
}

// table is loaded once; a broken embedded file is a build defect, so it
// panics at start-up rather than serving wrong coordinates later.
var table = mustLoadTable(zonesCSV, zonesProjJSON)

func mustLoadTable(csvData, jsonData []byte) *zoneTable {
	t, err := loadTable(csvData, jsonData)
	if err != nil {
		panic("crs: embedded zone table: " + err.Error())
	}
	return t
}

// The custom zones join the table once it holds the EPSG zones (CustomZone
// refuses a taken code by looking there).
func init() {
	custom, err := parseCustomZones(customZonesCSV)
	if err != nil {
		panic("crs: embedded custom zone table: " + err.Error())
	}
	for _, z := range custom {
		table.index[z.EPSG] = len(table.zones)
		table.zones = append(table.zones, z)
	}
	sort.SliceStable(table.zones, func(i, j int) bool { return table.zones[i].CentralMeridian < table.zones[j].CentralMeridian })
	for i, z := range table.zones {
		table.index[z.EPSG] = i
	}
}

func loadTable(csvData, jsonData []byte) (*zoneTable, error) {
	zones, err := parseZonesCSV(csvData)
	if err != nil {
		return nil, err
	}
	text, err := parseProjJSON(jsonData)
	if err != nil {
		return nil, err
	}
	t := &zoneTable{zones: zones, index: map[int]int{}, text: text}
	for i, z := range zones {
		if _, dup := t.index[z.EPSG]; dup {
			return nil, fmt.Errorf("zones.csv: EPSG %d listed twice", z.EPSG)
		}
		if err := checkProjText(z, text[z.EPSG]); err != nil {
			return nil, err
		}
		t.index[z.EPSG] = i
	}
	if len(text) != len(zones) {
		return nil, fmt.Errorf("zones_proj.json has %d zones, zones.csv %d", len(text), len(zones))
	}
	return t, nil
}

func parseZonesCSV(data []byte) ([]Zone, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 4
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("zones.csv: %w", err)
	}
	if len(rows) < 2 || strings.Join(rows[0], ",") != "epsg,central_meridian_deg,provinces,source" {
		return nil, fmt.Errorf("zones.csv: missing or unexpected header")
	}
	zones := make([]Zone, 0, len(rows)-1)
	for _, row := range rows[1:] {
		z, err := parseZoneRow(row)
		if err != nil {
			return nil, err
		}
		zones = append(zones, z)
	}
	sort.SliceStable(zones, func(i, j int) bool { return zones[i].CentralMeridian < zones[j].CentralMeridian })
	return zones, nil
}

func parseZoneRow(row []string) (Zone, error) {
	code, err := strconv.Atoi(row[0])
	if err != nil {
		return Zone{}, fmt.Errorf("zones.csv: epsg %q: %w", row[0], err)
	}
	cm, err := strconv.ParseFloat(row[1], 64)
	if err != nil || cm < 102 || cm > 110 {
		return Zone{}, fmt.Errorf("zones.csv: EPSG %d: central meridian %q is not a Vietnamese meridian", code, row[1])
	}
	if row[2] == "" {
		return Zone{}, fmt.Errorf("zones.csv: EPSG %d has no provinces", code)
	}
	return Zone{EPSG: code, CentralMeridian: cm, Provinces: strings.Split(row[2], "|"), Source: row[3]}, nil
}

func parseProjJSON(data []byte) (map[int]projText, error) {
	var f struct {
		Zones []projText `json:"zones"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("zones_proj.json: %w", err)
	}
	text := make(map[int]projText, len(f.Zones))
	for _, p := range f.Zones {
		text[p.EPSG] = p
	}
	return text, nil
}

// checkProjText makes sure the generated text describes the same meridian
// and datum shift as the table, so the WKT stored in a database and our own
// math can never disagree silently.
func checkProjText(z Zone, p projText) error {
	if p.EPSG != z.EPSG {
		return fmt.Errorf("zones_proj.json: no entry for EPSG %d", z.EPSG)
	}
	cm := strconv.FormatFloat(z.CentralMeridian, 'f', -1, 64)
	switch {
	case !strings.Contains(p.Proj4, " +lon_0="+cm+" "):
		return fmt.Errorf("zones_proj.json: EPSG %d proj4 lacks +lon_0=%s", z.EPSG, cm)
	case !strings.Contains(p.Proj4, " "+Towgs84+" "):
		return fmt.Errorf("zones_proj.json: EPSG %d proj4 lacks the EPSG:6960 +towgs84", z.EPSG)
	case !strings.Contains(p.WKT1, `PARAMETER["central_meridian",`+cm+`]`):
		return fmt.Errorf("zones_proj.json: EPSG %d WKT lacks central_meridian %s", z.EPSG, cm)
	case p.Name == "":
		return fmt.Errorf("zones_proj.json: EPSG %d has no name", z.EPSG)
	}
	return nil
}

// Towgs84 is the proj4 +towgs84 term for EPSG:6960 (VN-2000 to WGS 84).
// proj4 uses the position-vector convention, so the rotation signs are the
// opposite of the coordinate-frame values EPSG publishes; copies with the
// EPSG signs land 0.5 to 0.8 m off (DOMAIN.md).
const Towgs84 = "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"

// Zones returns all VN-2000 TM-3 zones sorted by central meridian. The slice
// is a copy, so callers may modify it.
func Zones() []Zone {
	out := make([]Zone, len(table.zones))
	for i, z := range table.zones {
		out[i] = z.clone()
	}
	return out
}

// ZoneByEPSG returns the zone with that EPSG code, or false when the code is
// not a VN-2000 TM-3 zone.
func ZoneByEPSG(epsg int) (Zone, bool) {
	i, ok := table.index[epsg]
	if !ok {
		return Zone{}, false
	}
	return table.zones[i].clone(), true
}

// clone copies the province slice so no caller can edit the shared table.
func (z Zone) clone() Zone {
	z.Provinces = append([]string(nil), z.Provinces...)
	return z
}

// Name returns the EPSG name of the zone, e.g. "VN-2000 / TM-3 105-45"
// (EPSG keeps the older "zone 482" style for 5897 and 5898).
func (z Zone) Name() string { return z.text().Name }

// text returns the WKT and proj4 text of the zone.
func (z Zone) text() projText {
	if z.custom != nil {
		return *z.custom
	}
	return table.text[z.EPSG]
}

// WKT returns the zone definition as WKT1 (GDAL flavour, PROJCS[...]) as
// PROJ prints it, the form spatial_ref_sys.srtext and
// gpkg_spatial_ref_sys.definition expect. Like PROJ's own output it has no
// TOWGS84 clause; readers resolve the datum shift through AUTHORITY EPSG.
func (z Zone) WKT() string { return z.text().WKT1 }

// Proj4 returns the proj4 text of the zone, including the EPSG:6960
// Towgs84 term, for spatial_ref_sys.proj4text and for explicit
// ST_Transform(geom, from_proj, to_proj) calls that must not let PROJ pick
// another VN-2000 operation.
func (z Zone) Proj4() string { return z.text().Proj4 }

// InRange reports whether (e, n) are plausible plane coordinates of this zone
// inside Vietnam. Easting may be up to 250 km from the 500 000 m meridian
// line: a TM-3 zone nominally spans about ±165 km, but provinces merged in
// 2025 keep one meridian over a wider area, so the check only rejects
// clearly wrong input (swapped X/Y, another zone's numbers, degrees).
// Northing must lie in 900 000..2 700 000 m, Vietnam's latitude range
// (about 8.1 to 24.4 degrees north) with margin.
func (z Zone) InRange(e, n float64) bool {
	return math.Abs(e-falseEasting) <= 250000 && n >= 900000 && n <= 2700000
}
