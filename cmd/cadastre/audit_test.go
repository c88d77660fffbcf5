package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cadastre/spatial"
	"cadastre/spatial/store/gpkg"
	"cadastre/spatial/store/storetest"
)

// TestAuditCommand: a sheet whose plots are numbered 1, 2 and 4 (3 was
// never used nor retired) and whose plot 2 overlaps plot 1 by 1 m.
func TestAuditCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.gpkg")
	st, err := gpkg.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	sh := storetest.SheetAt(t, storetest.UnitA, 7, storetest.ZoneA, 601234, 1191876)
	e, n := sh.Frame.Bound().Min[0]+5, sh.Frame.Bound().Min[1]+5
	p1 := storetest.Square(storetest.UnitA, 7, 1, storetest.ZoneA, e, n, 20)
	p2 := storetest.Square(storetest.UnitA, 7, 2, storetest.ZoneA, e+19, n, 20)
	p4 := storetest.Square(storetest.UnitA, 7, 4, storetest.ZoneA, e+100, n, 20)
	if _, err := st.Write(context.Background(), &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{p1, p2, p4}, Change: spatial.Change{By: "t", Reason: "t"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out := filepath.Join(dir, "out")
	got, err := run(t, "audit", "--gpkg", path, "--unit", storetest.UnitB, "--out", out)
	if err != nil || !strings.Contains(got, "2 problems") {
		t.Fatalf("audit: got %v\n%s", err, got)
	}
	csv, err := os.ReadFile(filepath.Join(out, "problems.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\uFEFFcommune,", "90002,90001,7,1,overlap,20.2,m²,90001/7/2", "90002,90001,7,3,missing_number"} {
		if !strings.Contains(string(csv), want) {
			t.Errorf("problems.csv lacks %q:\n%s", want, csv)
		}
	}
	for _, f := range []string{"problems.geojson", "communes.csv", "problems.gpkg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := run(t, "audit", "--gpkg", path, "--unit", "99999"); err == nil || !strings.Contains(err.Error(), "99999") {
		t.Errorf("unknown unit: got %v, want an error naming it", err)
	}
}
