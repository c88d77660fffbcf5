package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"cadastre/api"
	"cadastre/spatial/crs"
)

func TestPlotsAt(t *testing.T) {
	srv, plots := newServer(t)
	z, _ := crs.ZoneByEPSG(9210)
	b1 := plots[0].Geometry.Bound()
	e, n := b1.Min[0]+3, b1.Min[1]+4
	lon, lat := z.ToWGS84(e, n)
	for _, q := range []string{
		fmt.Sprintf("lon=%.10f&lat=%.10f", lon, lat),
		fmt.Sprintf("x=%.3f&y=%.3f&crs=EPSG:9210", e, n),
	} {
		resp, body := get(t, srv.URL+"/api/v1/plots/at?"+q)
		var got api.AtResponse
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, body)
		}
		if len(got.Plots) != 1 || got.Plots[0].ID != "90001/7/1" || got.Plots[0].OnBoundary || got.Plots[0].Sheet == nil || got.Plots[0].Sheet.Scale != 1000 {
			t.Errorf("%s: got %s", q, body)
		}
	}
	// On the shared corner? Plots 1 and 2 do not touch (5 m gap): nearest.
	gapE := b1.Max[0] + 1
	resp, body := get(t, srv.URL+fmt.Sprintf("/api/v1/plots/at?x=%.3f&y=%.3f&crs=EPSG:9210&nearest=50", gapE, n))
	var got api.AtResponse
	json.Unmarshal(body, &got)
	if resp.StatusCode != 200 || len(got.Plots) != 0 || got.Nearest == nil || got.Nearest.ID != "90001/7/1" || *got.Nearest.Distance != 1 {
		t.Errorf("nearest: %d %s", resp.StatusCode, body)
	}
	// Plane output.
	_, body = get(t, srv.URL+fmt.Sprintf("/api/v1/plots/at?lon=%.10f&lat=%.10f&crs=EPSG:9210", lon, lat))
	json.Unmarshal(body, &got)
	if len(got.Plots) != 1 || got.Plots[0].CRS != "EPSG:9210" || got.Plots[0].Geometry.Geometry().Bound().Min != b1.Min {
		t.Errorf("plane output: %s", body)
	}
}

func TestLookupBadInput(t *testing.T) {
	srv, _ := newServer(t)
	cases := map[string]string{
		"lon=200&lat=10":                    "lon",
		"lon=abc&lat=10":                    "lon",
		"lat=10":                            "lon",
		"x=600000&y=1192000":                "crs",
		"x=600000&y=1192000&crs=EPSG:1234":  "crs",
		"x=6000000&y=1192000&crs=EPSG:9210": "x",
		"":                                  "lon",
		"lon=106&lat=10&nearest=-1":         "nearest",
	}
	for q, field := range cases {
		resp, body := get(t, srv.URL+"/api/v1/plots/at?"+q)
		var p api.Problem
		json.Unmarshal(body, &p)
		if resp.StatusCode != http.StatusBadRequest || len(p.Errors) == 0 || p.Errors[0].Field != field {
			t.Errorf("%q: got %d %s, want 400 naming %s", q, resp.StatusCode, body, field)
		}
	}
	for _, q := range []string{"bbox=1,2,3", "bbox=3,2,1,4", "bbox=1,2,3,4&limit=0", "bbox=1,2,3,4&cursor=zz"} {
		resp, body := get(t, srv.URL+"/api/v1/plots?"+q)
		if resp.StatusCode != 400 {
			t.Errorf("%q: got %d %s", q, resp.StatusCode, body)
		}
	}
}

func TestSearchPaging(t *testing.T) {
	srv, plots := newServer(t)
	b := plots[0].Geometry.Bound()
	bbox := fmt.Sprintf("%.3f,%.3f,%.3f,%.3f", b.Min[0]-10, b.Min[1]-10, b.Max[0]+100, b.Max[1]+100)
	next := ""
	var ids []string
	for i := 0; i < 5; i++ {
		u := srv.URL + "/api/v1/plots?bbox-crs=EPSG:9210&limit=1&bbox=" + url.QueryEscape(bbox)
		if next != "" {
			u += "&cursor=" + next
		}
		_, body := get(t, u)
		var page api.SearchResponse
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Plots {
			ids = append(ids, p.ID)
		}
		if next = page.Next; next == "" {
			break
		}
	}
	if len(ids) != 2 || ids[0] != "90001/7/1" || ids[1] != "90001/7/2" {
		t.Errorf("pages: got %v", ids)
	}
}

func TestSheetsAt(t *testing.T) {
	srv, plots := newServer(t)
	b := plots[0].Geometry.Bound()
	_, body := get(t, srv.URL+fmt.Sprintf("/api/v1/sheets/at?x=%.3f&y=%.3f&crs=EPSG:9210", b.Min[0]+1, b.Min[1]+1))
	var got api.SheetsAtResponse
	if err := json.Unmarshal(body, &got); err != nil || len(got.Sheets) != 1 || got.Sheets[0].Scale != 1000 || got.Sheets[0].GridNumber == "" {
		t.Errorf("sheets at: %s", body)
	}
}

func TestPlotsAtWithoutGeometry(t *testing.T) {
	srv, plots := newServer(t)
	b := plots[0].Geometry.Bound()
	q := fmt.Sprintf("x=%.3f&y=%.3f&crs=EPSG:9210", b.Min[0]+3, b.Min[1]+4)
	_, body := get(t, srv.URL+"/api/v1/plots/at?"+q+"&geometry=false")
	var got api.AtResponse
	if err := json.Unmarshal(body, &got); err != nil || len(got.Plots) != 1 || got.Plots[0].Geometry != nil || got.Plots[0].ID != "90001/7/1" {
		t.Errorf("geometry=false: %s", body)
	}
	_, body = get(t, srv.URL+"/api/v1/plots/at?"+q)
	if err := json.Unmarshal(body, &got); err != nil || len(got.Plots) != 1 || got.Plots[0].Geometry == nil {
		t.Errorf("default: %s", body)
	}
	if resp, _ := get(t, srv.URL+"/api/v1/plots/at?"+q+"&geometry=maybe"); resp.StatusCode != 400 {
		t.Errorf("geometry=maybe: got %d, want 400", resp.StatusCode)
	}
}
