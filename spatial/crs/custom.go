package crs

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// customZonesCSV lists the TM-3 zones without an EPSG code (custom_zones.csv).
//
//go:embed custom_zones.csv
var customZonesCSV []byte

// The SRIDs a custom zone may take: PostGIS's user range (SRIDs above
// 998999 are reserved for PostGIS itself, postgis_restore.pl).
const (
	MinCustomCode = 900000
	MaxCustomCode = 998999
)

// CustomZone defines a VN-2000 TM-3 zone that has no EPSG code: the same
// transverse Mercator (k0 0.9999, false easting 500 000 m) and EPSG:6960
// datum shift on a central meridian on the 15' steps of Circular 25/2014
// Annex 02, under a code of the user SRID range. Its WKT and proj4 text are
// generated in the form PROJ prints for the EPSG zones.
func CustomZone(code int, centralMeridian float64, provinces []string, source string) (Zone, error) {
	steps := centralMeridian * 4
	switch {
	case code < MinCustomCode || code > MaxCustomCode:
		return Zone{}, fmt.Errorf("custom zone %d: code must lie in %d..%d (the user SRID range)", code, MinCustomCode, MaxCustomCode)
	case centralMeridian < 102 || centralMeridian > 110 || math.Abs(steps-math.Round(steps)) > 1e-9:
		return Zone{}, fmt.Errorf("custom zone %d: central meridian %v must be a Vietnamese meridian on the 15' steps (e.g. 104.25)", code, centralMeridian)
	case len(provinces) == 0:
		return Zone{}, fmt.Errorf("custom zone %d has no provinces", code)
	}
	if _, ok := ZoneByEPSG(code); ok {
		return Zone{}, fmt.Errorf("custom zone %d: the code is taken", code)
	}
	cm := strconv.FormatFloat(centralMeridian, 'f', -1, 64)
	deg := int(centralMeridian)
	name := fmt.Sprintf("VN-2000 / TM-3 %d-%02d (custom %d)", deg, int(math.Round((centralMeridian-float64(deg))*60)), code)
	wkt := `PROJCS["` + name + `",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6756"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4756"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",` + cm + `],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH]]`
	proj4 := "+proj=tmerc +lat_0=0 +lon_0=" + cm + " +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 " + Towgs84 + " +units=m +no_defs"
	return Zone{EPSG: code, CentralMeridian: centralMeridian, Provinces: provinces, Source: source,
		custom: &projText{EPSG: code, Name: name, WKT1: wkt, Proj4: proj4}}, nil
}

// Custom reports whether the zone has no EPSG code (CustomZone).
func (z Zone) Custom() bool { return z.custom != nil }

// parseCustomZones reads custom_zones.csv ('#' lines are comments).
func parseCustomZones(data []byte) ([]Zone, error) {
	var body bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "#") {
			body.WriteString(sc.Text() + "\n")
		}
	}
	r := csv.NewReader(&body)
	r.FieldsPerRecord = 4
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("custom_zones.csv: %w", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "code,central_meridian_deg,provinces,source" {
		return nil, fmt.Errorf("custom_zones.csv: missing or unexpected header")
	}
	var zones []Zone
	for _, row := range rows[1:] {
		code, err := strconv.Atoi(row[0])
		if err != nil {
			return nil, fmt.Errorf("custom_zones.csv: code %q: %w", row[0], err)
		}
		cm, err := strconv.ParseFloat(row[1], 64)
		if err != nil {
			return nil, fmt.Errorf("custom_zones.csv: zone %d: central meridian %q: %w", code, row[1], err)
		}
		z, err := CustomZone(code, cm, strings.Split(row[2], "|"), row[3])
		if err != nil {
			return nil, fmt.Errorf("custom_zones.csv: %w", err)
		}
		zones = append(zones, z)
	}
	return zones, nil
}
