package storetest

import (
	"strings"
	"testing"
	"time"

	"cadastre/spatial"
)

// testMerge renumbers UnitA's sheet 7 into UnitB (which has sheets 1 and
// 2) under SchemeContinue: a dry run stores nothing; the merge makes sheet
// UnitB/3 with plots UnitB/3/1..3 whose first version says what they were,
// retires the former keys and maps them; applying it again fails on the
// lineage after the versions were written, and nothing of it is stored.
func testMerge(t *testing.T, s spatial.Store) {
	w, ok := s.(spatial.Writer)
	if !ok {
		t.Fatal("store is not a spatial.Writer")
	}
	lin, ok := s.(spatial.Lineage)
	if !ok {
		t.Fatal("store is not a spatial.Lineage")
	}
	b := baseBatch(t)
	for i := 1; i <= 2; i++ {
		b.Sheets = append(b.Sheets, SheetAt(t, UnitB, i, ZoneA, originAE+1000*float64(i), originAN))
	}
	mustWrite(t, s, b)
	c := spatial.Change{By: "merge-test", Reason: "2025 merger: sheets renumbered (continue)"}
	plan, err := spatial.PlanMergeIn(ctx(t), s, spatial.SchemeContinue, UnitB, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Sheets) != 1 || plan.Sheets[0].To != (spatial.SheetKey{Unit: UnitB, Number: 3}) || len(plan.Plots) != 3 {
		t.Fatalf("plan: got sheets %+v and %d plots, want 90001/7 -> 90002/3 and 3 plots", plan.Sheets, len(plan.Plots))
	}
	old := spatial.PlotKey{Unit: UnitA, Sheet: 7, Plot: 1}
	cur := spatial.PlotKey{Unit: UnitB, Sheet: 3, Plot: 1}
	if _, err := spatial.ApplyMerge(ctx(t), w, plan, c, true); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if _, err := lin.Successor(ctx(t), old); spatial.KindOf(err) != spatial.KindNotFound {
		t.Fatalf("after the dry run: Successor = %v, want not found", err)
	}
	if _, err := s.Plot(ctx(t), cur); spatial.KindOf(err) != spatial.KindNotFound {
		t.Fatalf("after the dry run: plot %s: %v, want not found", cur, err)
	}
	res, err := spatial.ApplyMerge(ctx(t), w, plan, c, false)
	if err != nil {
		t.Fatalf("merge: %v", err)
	}
	if res.Inserted != 3 || res.Retired != 3 || res.Sheets != 1 {
		t.Errorf("merge result %+v, want 3 inserted, 3 retired, 1 sheet", res)
	}
	m, err := lin.Successor(ctx(t), old)
	if err != nil || m.To != cur || !m.On.Equal(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("Successor(%s) = %+v, %v; want %s from 2025-07-01", old, m, err, cur)
	}
	want := "Trước ngày 01/07/2025 là thửa đất số 1 tờ bản đồ số 7 xã Thử Nghiệm A"
	if m.Note != want {
		t.Errorf("note: got %q, want %q", m.Note, want)
	}
	h, err := s.Plot(ctx(t), cur)
	if err != nil {
		t.Fatal(err)
	}
	if h.Current.Reason != want || h.Current.Commune != UnitB || h.Current.Retired {
		t.Errorf("new plot: reason %q commune %s retired %v; want the note, %s, current", h.Current.Reason, h.Current.Commune, h.Current.Retired, UnitB)
	}
	if oh, err := s.Plot(ctx(t), old); err != nil || !oh.Current.Retired || oh.Current.Reason != c.Reason {
		t.Errorf("former plot: %v, %+v; want retired with the change's reason", err, oh)
	}
	sh, err := s.Sheet(ctx(t), spatial.SheetKey{Unit: UnitB, Number: 3})
	if err != nil || !strings.HasPrefix(sh.Reason, "Trước ngày 01/07/2025 là tờ bản đồ số 7 xã Thử Nghiệm A") {
		t.Errorf("new sheet: %v, %+v", err, sh)
	}
	if f, err := lin.Former(ctx(t), cur); err != nil || len(f) != 1 || f[0].From != old {
		t.Errorf("Former(%s) = %+v, %v; want [%s]", cur, f, err, old)
	}
	if sm, err := lin.SheetSuccessor(ctx(t), spatial.SheetKey{Unit: UnitA, Number: 7}); err != nil || sm.To != cur.SheetKey() || !strings.HasPrefix(sm.Note, "Trước ngày") {
		t.Errorf("SheetSuccessor(90001/7) = %+v, %v; want 90002/3 with its note", sm, err)
	}
	if _, err := lin.SheetSuccessor(ctx(t), spatial.SheetKey{Unit: UnitB, Number: 1}); spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("SheetSuccessor(90002/1): %v, want not found", err)
	}
	// Again: sheet 90001/7 is still there (sheets are never retired), so
	// the plan makes 90002/4, whose lineage collides with the first one.
	again, err := spatial.PlanMergeIn(ctx(t), s, spatial.SchemeContinue, UnitB, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spatial.ApplyMerge(ctx(t), w, again, c, false); spatial.KindOf(err) != spatial.KindConflict {
		t.Fatalf("second merge: got %v, want a conflict", err)
	}
	if _, err := s.Sheet(ctx(t), spatial.SheetKey{Unit: UnitB, Number: 4}); spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("after the failed merge: sheet 90002/4: %v, want not found (rolled back)", err)
	}
}

// testMergeKeep keeps the former numbers (today's model): plots still
// naming their former commune get a new version under the same key with
// the current commune and the note; every key maps to itself.
func testMergeKeep(t *testing.T, s spatial.Store) {
	w := s.(spatial.Writer)
	lin := s.(spatial.Lineage)
	b := baseBatch(t)
	b.Plots[0].Commune = UnitA // not yet moved to the commune it merged into
	mustWrite(t, s, b)
	plan, err := spatial.PlanMergeIn(ctx(t), s, spatial.SchemeKeep, UnitB, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := spatial.ApplyMerge(ctx(t), w, plan, spatial.Change{By: "merge-test", Reason: "2025 merger (keep)"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed != 1 || res.Inserted != 0 || res.Retired != 0 || len(plan.Sheets) != 0 {
		t.Errorf("keep: result %+v, %d sheet mappings; want 1 changed, nothing else", res, len(plan.Sheets))
	}
	k := b.Plots[0].Key
	h, err := s.Plot(ctx(t), k)
	if err != nil {
		t.Fatal(err)
	}
	want := "Từ ngày 01/07/2025 thuộc xã Thử Nghiệm B; giữ số tờ bản đồ số 7 xã Thử Nghiệm A"
	if len(h.Versions) != 2 || h.Current.Commune != UnitB || h.Current.Reason != want {
		t.Errorf("kept plot: %d versions, commune %s, reason %q; want 2, %s, %q", len(h.Versions), h.Current.Commune, h.Current.Reason, UnitB, want)
	}
	if m, err := lin.Successor(ctx(t), k); err != nil || m.To != k {
		t.Errorf("Successor(%s) = %+v, %v; want itself", k, m, err)
	}
}
