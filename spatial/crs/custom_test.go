package crs

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestCustomZoneMatchesEPSG: a custom zone on 105°45' is EPSG:9210 under
// another code: the same proj4 text as PROJ prints, the same WKT but for
// the name and authority, and the same coordinates to the bit.
func TestCustomZoneMatchesEPSG(t *testing.T) {
	z, err := CustomZone(990001, 105.75, []string{"Test"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	ref := mustZone(t, 9210)
	if z.Proj4() != ref.Proj4() {
		t.Errorf("proj4:\n got %s\nwant %s", z.Proj4(), ref.Proj4())
	}
	strip := func(w, name string) string {
		w = strings.Replace(w, `"`+name+`"`, `"NAME"`, 1)
		return strings.Replace(w, `,AUTHORITY["EPSG","9210"]]`, "]", 1)
	}
	if got, want := strip(z.WKT(), z.Name()), strip(ref.WKT(), ref.Name()); got != want {
		t.Errorf("WKT:\n got %s\nwant %s", got, want)
	}
	if z.Name() != "VN-2000 / TM-3 105-45 (custom 990001)" {
		t.Errorf("name %q", z.Name())
	}
	r := rand.New(rand.NewPCG(testSeed(t), 7))
	for range 1000 {
		e, n := randomPlanePoint(r)
		lon, lat := z.ToWGS84(e, n)
		rlon, rlat := ref.ToWGS84(e, n)
		if lon != rlon || lat != rlat {
			t.Fatalf("(%v, %v): custom %v %v, EPSG:9210 %v %v", e, n, lon, lat, rlon, rlat)
		}
	}
}

func TestCustomZoneRefuses(t *testing.T) {
	for _, c := range []struct {
		code int
		cm   float64
		want string
	}{
		{9210, 105.75, "user SRID range"}, {999000, 105.75, "user SRID range"},
		{990001, 104.3, "15' steps"}, {990001, 120, "Vietnamese meridian"},
	} {
		if _, err := CustomZone(c.code, c.cm, []string{"X"}, ""); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CustomZone(%d, %v): got %v, want an error about %s", c.code, c.cm, err, c.want)
		}
	}
	if _, err := CustomZone(990001, 104.25, nil, ""); err == nil {
		t.Error("a zone without provinces: want an error")
	}
}

func TestParseCustomZones(t *testing.T) {
	zs, err := parseCustomZones([]byte("# comment\ncode,central_meridian_deg,provinces,source\n990104,104.25,Tỉnh A|Tỉnh B,test row\n"))
	if err != nil || len(zs) != 1 || zs[0].EPSG != 990104 || zs[0].CentralMeridian != 104.25 || len(zs[0].Provinces) != 2 {
		t.Fatalf("got %+v, %v", zs, err)
	}
	if !strings.Contains(zs[0].Proj4(), " +lon_0=104.25 ") {
		t.Errorf("proj4 %s", zs[0].Proj4())
	}
	for _, bad := range []string{"code,cm\n", "code,central_meridian_deg,provinces,source\n990104,104.3,A,s\n", "code,central_meridian_deg,provinces,source\nx,104.25,A,s\n"} {
		if _, err := parseCustomZones([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	// The embedded table parses (it ships with no rows: none is known).
	if _, err := parseCustomZones(customZonesCSV); err != nil {
		t.Error(err)
	}
}
