package audit

import (
	"testing"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

func TestProgress(t *testing.T) {
	d := func(n int) time.Time { return time.Date(2025, 7, n, 9, 30, 0, 0, time.UTC) }
	mk := func(num int, legal float64, from, to time.Time, retired bool) *spatial.Plot {
		ip := plot(1, num, rect(e0, n0, e0+10, n0+10))
		return &spatial.Plot{Key: ip.Key, Commune: "27001", EPSG: 9210, Geometry: ip.Geometry, LandUse: []string{"LUC"},
			LegalArea: legal, Area: 100, Version: spatial.Version{ValidFrom: from, ValidTo: to, Retired: retired}}
	}
	// Plot 1 gets its papers' area on day 3; plot 2 appears clean on day 2
	// and is retired on day 4.
	hist := []*spatial.PlotHistory{
		{Versions: []*spatial.Plot{mk(1, 100, d(3), time.Time{}, false), mk(1, 0, d(1), d(3), false)}},
		{Versions: []*spatial.Plot{mk(2, 100, d(4), time.Time{}, true), mk(2, 100, d(2), d(4), false)}},
	}
	o, err := DefaultOptions()
	if err != nil {
		t.Fatal(err)
	}
	sh := testSheet(1)
	got := Progress(hist, func(spatial.SheetKey) *index.Sheet { return sh }, o)
	want := []Point{{"2025-07-01", 1, 0, 0}, {"2025-07-02", 2, 1, 0.5}, {"2025-07-03", 2, 2, 1}, {"2025-07-04", 1, 1, 1}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
