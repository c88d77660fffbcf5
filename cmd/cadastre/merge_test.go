package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"cadastre/spatial"
	"cadastre/spatial/store/gpkg"
	"cadastre/spatial/store/storetest"
)

// TestMergeCommand: the dry run stores nothing, --apply renumbers 90001's
// sheet 7 after 90002's sheet 1, and the former key resolves.
func TestMergeCommand(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.gpkg")
	st, err := gpkg.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	sa := storetest.SheetAt(t, storetest.UnitA, 7, storetest.ZoneA, 601234, 1191876)
	sb := storetest.SheetAt(t, storetest.UnitB, 1, storetest.ZoneA, 602234, 1191876)
	e, n := sa.Frame.Bound().Min[0]+5, sa.Frame.Bound().Min[1]+5
	p1 := storetest.Square(storetest.UnitA, 7, 1, storetest.ZoneA, e, n, 20)
	if _, err := st.Write(ctx, &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sa, sb}, Plots: []*spatial.Plot{p1}, Change: spatial.Change{By: "t", Reason: "t"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out, err := run(t, "merge", "--gpkg", path, "--commune", storetest.UnitB)
	if err != nil || !strings.Contains(out, "sheet 90001/7 -> 90002/2  Trước ngày 01/07/2025 là tờ bản đồ số 7 xã Thử Nghiệm A") || !strings.Contains(out, "would write 1 plot versions") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if _, err := run(t, "merge", "--gpkg", path, "--commune", storetest.UnitB, "--apply"); err == nil {
		t.Error("--apply without --by: want a usage error")
	}
	out, err = run(t, "merge", "--gpkg", path, "--commune", storetest.UnitB, "--apply", "--by", "land office")
	if err != nil || !strings.Contains(out, "wrote 1 plot versions, 1 sheets, retired 1 former keys") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	st, err = gpkg.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := st.Successor(ctx, p1.Key)
	if err != nil || m.To != (spatial.PlotKey{Unit: storetest.UnitB, Sheet: 2, Plot: 1}) {
		t.Errorf("Successor(%s) = %+v, %v; want 90002/2/1", p1.Key, m, err)
	}
}
