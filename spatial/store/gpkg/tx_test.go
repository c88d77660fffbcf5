package gpkg

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

func begin(t *testing.T, s *Store, reason string) spatial.Tx {
	t.Helper()
	tx, err := s.Begin(context.Background(), change(reason))
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	t.Cleanup(func() {
		if err := tx.Rollback(context.Background()); err != nil {
			t.Errorf("Rollback: %v", err)
		}
	})
	return tx
}

func writeChunk(t *testing.T, tx spatial.Tx, b *spatial.Batch, what string) {
	t.Helper()
	if err := tx.Write(context.Background(), b); err != nil {
		t.Fatalf("Write %s: %v", what, err)
	}
}

// threeChunks is a file cut in three: the units and sheet 1 with its first
// 1,000 plots; the other 1,500 plots of sheet 1 (whose sheet is only in
// chunk 1); sheet 2 with all its plots.
func threeChunks(t *testing.T) []*spatial.Batch {
	g1 := newPlotGrid(t, 1, 601234, 1191876, 2, 1)
	g2 := newPlotGrid(t, 2, 601734, 1191876, 2, 2)
	return []*spatial.Batch{
		{Units: storetest.Units(), Sheets: []*spatial.Sheet{g1.sheet}, Plots: g1.plots(0, 1000)},
		{Plots: g1.plots(1000, gridSide*gridSide)},
		{Sheets: []*spatial.Sheet{g2.sheet}, Plots: g2.plots(0, gridSide*gridSide)},
	}
}

// tableCounts returns the rows of every table of the file.
func tableCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	db := openRaw(t, path)
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, n := range names {
		counts[n] = queryInt(t, db, `SELECT count(*) FROM "`+n+`"`)
	}
	return counts
}

func TestTxChunksCommitted(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	tx := begin(t, s, "chunked load")
	for i, b := range threeChunks(t) {
		writeChunk(t, tx, b, "chunk "+string(rune('1'+i)))
	}
	res, err := tx.Commit(ctx)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	const total = 2 * gridSide * gridSide
	if res.Inserted != total || res.Sheets != 2 || res.Units != 3 || len(res.Touched) != total {
		t.Errorf("Commit: got %+v (%d touched), want %d inserted and touched, 2 sheets, 3 units", res, len(res.Touched), total)
	}
	if got := countPlots(t, s); len(got) != total {
		t.Errorf("stored plots: got %d, want %d", len(got), total)
	}
	db := openRaw(t, s.Path())
	var seqs, inserted, stamps int
	err = db.QueryRow(`SELECT (SELECT count(*) FROM changes), (SELECT inserted FROM changes),
  (SELECT count(DISTINCT change_seq || valid_from) FROM plot_versions_9210)`).Scan(&seqs, &inserted, &stamps)
	if err != nil || seqs != 1 || inserted != total || stamps != 1 {
		t.Errorf("changes: got %d rows, %d inserted, %d distinct (seq, time) stamps (err %v); want 1, %d, 1", seqs, inserted, stamps, err, total)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Errorf("Rollback after Commit: got %v, want nil", err)
	}
	if _, err := tx.Commit(ctx); err == nil {
		t.Error("second Commit: got nil, want an error")
	}
}

func TestTxBadChunkInMiddle(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	before := tableCounts(t, s.Path())
	chunks := threeChunks(t)
	chunks[1].Plots[7].LandUse = []string{"XYZ"}
	tx := begin(t, s, "bad chunk")
	writeChunk(t, tx, chunks[0], "chunk 1")
	err := tx.Write(ctx, chunks[1])
	probs := spatial.ProblemsOf(err)
	if spatial.KindOf(err) != spatial.KindInvalid || len(probs) != 1 || probs[0].Index != 7 || probs[0].Field != "land_use" {
		t.Fatalf("Write bad chunk: got %v, want KindInvalid with one land_use problem at #7", err)
	}
	// A chunk may go on being written after a failed one (to report more
	// problems); it sees chunk 1's state and the plots of chunk 2 that
	// passed their checks (written for the overlap check, issue 13).
	writeChunk(t, tx, chunks[2], "chunk 3")
	keys, err := tx.CurrentKeys(ctx, chunks[0].Sheets[0].Key)
	want := 1000
	for i, p := range chunks[1].Plots {
		if i != 7 && p.Key.SheetKey() == chunks[0].Sheets[0].Key {
			want++
		}
	}
	if err != nil || len(keys) != want {
		t.Errorf("CurrentKeys after the bad chunk: got %d keys (err %v), want %d: chunk 1's and chunk 2's good ones", len(keys), err, want)
	}
	_, err = tx.Commit(ctx)
	if spatial.KindOf(err) != spatial.KindInvalid || !strings.Contains(err.Error(), "nothing stored") {
		t.Fatalf("Commit: got %v, want KindInvalid saying nothing is stored", err)
	}
	if got := tableCounts(t, s.Path()); !maps.Equal(got, before) {
		t.Errorf("after the refused commit: got tables %v, want %v", got, before)
	}
}

// TestTxPlanProblemsNotCounted: a problem that only the stored state
// shows (an unknown plot to retire) refuses the chunk; its plots that
// passed are written for the overlap check (issue 13), but the counts of
// the chunk are not added.
func TestTxPlanProblemsNotCounted(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	chunks := threeChunks(t)
	chunks[2].Retire = []spatial.PlotKey{{Unit: storetest.UnitB, Sheet: 9, Plot: 9}}
	tx := begin(t, s, "bad retire")
	writeChunk(t, tx, chunks[0], "chunk 1")
	err := tx.Write(ctx, chunks[2])
	if probs := spatial.ProblemsOf(err); spatial.KindOf(err) != spatial.KindInvalid || len(probs) != 1 || probs[0].Reason != "no such plot" {
		t.Fatalf("Write with an unknown retirement: got %v, want KindInvalid: no such plot", err)
	}
	keys, err := tx.CurrentKeys(ctx, chunks[2].Sheets[0].Key)
	if err != nil || len(keys) != len(chunks[2].Plots) {
		t.Errorf("plots of the failed chunk: got %d (err %v), want its %d plots written for the overlap check", len(keys), err, len(chunks[2].Plots))
	}
	w := tx.(*writeTx).w
	if w.res.Inserted != 1000 || len(w.res.Touched) != 1000 || w.res.Sheets != 1 {
		t.Errorf("writer after the failed chunk: got %+v, want chunk 1's counts", w.res)
	}
}

// TestTxCheckIsADryRun: Check reports what only the stored state shows,
// like Write, and writes nothing.
func TestTxCheckIsADryRun(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	writeFixture(t, s)
	sh, err := s.Sheet(ctx, keyMoved.SheetKey())
	if err != nil {
		t.Fatal(err)
	}
	f := sh.FrameBound()
	reuse := storetest.Square(keyRetired.Unit, keyRetired.Sheet, keyRetired.Plot, storetest.ZoneA, f.Min[0]+200, f.Min[1]+200, 10)
	fresh := storetest.Square(storetest.UnitA, 7, 9, storetest.ZoneA, f.Min[0]+300, f.Min[1]+300, 10)
	unknown := spatial.PlotKey{Unit: storetest.UnitA, Sheet: 7, Plot: 99}
	b := &spatial.Batch{Plots: []*spatial.Plot{fresh, reuse}, Retire: []spatial.PlotKey{keyRetired, unknown, keyMoved, keyMoved}}
	tx := begin(t, s, "dry run")
	err = tx.Check(ctx, b)
	got := map[string]string{}
	for _, p := range spatial.ProblemsOf(err) {
		got[p.Field+" "+p.Feature] += p.Reason
	}
	want := map[string]string{
		"key " + keyRetired.String():       "never reused",
		"retire[0] " + keyRetired.String(): "already retired",
		"retire[1] " + unknown.String():    "no such plot",
		"retire[3] " + keyMoved.String():   "listed twice",
	}
	if spatial.KindOf(err) != spatial.KindInvalid || len(got) != len(want) {
		t.Fatalf("Check: got %v, want KindInvalid with %d problems", err, len(want))
	}
	for k, reason := range want {
		if !strings.Contains(got[k], reason) {
			t.Errorf("Check: problem %q: got %q, want %q", k, got[k], reason)
		}
	}
	if keys, err := tx.CurrentKeys(ctx, sh.Key); err != nil || len(keys) != 2 {
		t.Errorf("after Check: got keys %v (err %v), want the 2 stored ones", keys, err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Errorf("Commit after a failed Check (nothing written): %v", err)
	}
}

// TestTxBackdated: a change dated before the version it would close is a
// problem (versions must not overlap), as in the PostGIS store.
func TestTxBackdated(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	writeFixture(t, s)
	h := mustPlot(t, s, keyMoved)
	h.Current.Address = "corrected"
	c := change("backdated")
	c.At = h.Current.ValidFrom.Add(-time.Hour)
	_, err := s.Write(ctx, &spatial.Batch{Plots: []*spatial.Plot{h.Current}, Change: c})
	if probs := spatial.ProblemsOf(err); len(probs) != 1 || !strings.Contains(probs[0].Reason, "before the current version") {
		t.Errorf("backdated change: got %v, want one problem", err)
	}
}

// TestTxBrokenMidChunk makes a chunk fail half-written (an error the plan
// cannot foresee, injected by a trigger): the transaction refuses every
// later call but Rollback, and nothing is stored.
func TestTxBrokenMidChunk(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	chunks := threeChunks(t)
	tx := begin(t, s, "broken")
	writeChunk(t, tx, chunks[0], "chunk 1")
	_, err := tx.(*writeTx).tx.ExecContext(ctx, `CREATE TEMP TRIGGER fail_1500 BEFORE INSERT ON main.plots_9210
WHEN NEW.plot = 1500 BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
	if err != nil {
		t.Fatal(err)
	}
	err = tx.Write(ctx, chunks[1])
	if spatial.KindOf(err) != spatial.KindInternal || strings.Contains(err.(*spatial.Error).Message, "injected") {
		t.Fatalf("Write: got %v, want KindInternal without the driver text in its message", err)
	}
	if err := tx.Check(ctx, chunks[2]); err == nil || !strings.Contains(err.Error(), "failed earlier") {
		t.Errorf("Check after a broken chunk: got %v, want a refusal", err)
	}
	if _, err := tx.Commit(ctx); err == nil {
		t.Error("Commit after a broken chunk: got nil, want an error")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Errorf("Rollback: %v", err)
	}
	if got := countPlots(t, s); len(got) != 0 {
		t.Errorf("after the broken transaction: got %d plots, want 0", len(got))
	}
}

func TestTxFailedChunkNewZone(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	tx := begin(t, s, "zone rolled back")
	sh := storetest.SheetAt(t, storetest.UnitC, 3, storetest.ZoneC, 585432, 2330456)
	f := sh.FrameBound()
	p := storetest.Square(storetest.UnitC, 3, 1, storetest.ZoneC, f.Min[0]+5, f.Min[1]+5, 10)
	bad := &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{p},
		Retire: []spatial.PlotKey{{Unit: storetest.UnitC, Sheet: 3, Plot: 99}}}
	if err := tx.Write(ctx, bad); spatial.KindOf(err) != spatial.KindInvalid {
		t.Fatalf("Write: got %v, want KindInvalid", err)
	}
	// The sheet and plot passed: they are written (for the overlap check)
	// in the new zone, which the transaction then knows.
	if zones := tx.(*writeTx).w.zones; len(zones) != 1 || zones[0] != storetest.ZoneC {
		t.Errorf("zones after the failed chunk: got %v, want [%d]", zones, storetest.ZoneC)
	}
	if _, err := tx.Overlaps(ctx, 0); err != nil {
		t.Errorf("Overlaps after a rolled-back zone: %v", err)
	}
}

func TestTxRollback(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	before := tableCounts(t, s.Path())
	tx := begin(t, s, "rolled back")
	for i, b := range threeChunks(t)[:2] {
		writeChunk(t, tx, b, "chunk "+string(rune('1'+i)))
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Errorf("second Rollback: got %v, want nil", err)
	}
	if err := tx.Write(ctx, &spatial.Batch{}); err == nil {
		t.Error("Write after Rollback: got nil, want an error")
	}
	if got := tableCounts(t, s.Path()); !maps.Equal(got, before) {
		t.Errorf("after Rollback: got tables %v, want %v", got, before)
	}
	// The write lock is free again.
	if _, err := s.Write(ctx, threeChunks(t)[0]); err != nil {
		t.Errorf("Write after Rollback: %v", err)
	}
}

func TestTxCancelled(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	tx, err := s.Begin(ctx, change("cancelled"))
	if err != nil {
		t.Fatal(err)
	}
	writeChunk(t, tx, threeChunks(t)[0], "chunk 1")
	cancel()
	if err := tx.Write(ctx, threeChunks(t)[1]); err == nil {
		t.Error("Write after cancel: got nil, want an error")
	}
	if _, err := tx.Commit(context.Background()); err == nil {
		t.Error("Commit after cancel: got nil, want an error")
	}
	if got := countPlots(t, s); len(got) != 0 {
		t.Errorf("after cancel: got %d plots, want 0", len(got))
	}
}

func TestTxDuplicateAcrossChunks(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	chunks := threeChunks(t)
	dup := chunks[0].Plots[3]
	again := *dup
	again.Address = "elsewhere in the file"
	second := &spatial.Batch{Plots: []*spatial.Plot{chunks[1].Plots[0], &again}}
	tx := begin(t, s, "duplicates")
	writeChunk(t, tx, chunks[0], "chunk 1")
	for _, op := range []struct {
		name string
		run  func(context.Context, *spatial.Batch) error
	}{{"Check", tx.Check}, {"Write", tx.Write}} {
		err := op.run(ctx, second)
		probs := spatial.ProblemsOf(err)
		if spatial.KindOf(err) != spatial.KindInvalid || len(probs) != 1 || probs[0].Feature != dup.Key.String() || probs[0].Index != 1 {
			t.Errorf("%s of a chunk repeating %s: got %v, want KindInvalid naming the key at #1", op.name, dup.Key, err)
		}
	}
	retire := &spatial.Batch{Retire: []spatial.PlotKey{chunks[0].Plots[5].Key}}
	if err := tx.Check(ctx, retire); spatial.KindOf(err) != spatial.KindInvalid || !strings.Contains(err.Error(), "written and retired") {
		t.Errorf("Check retiring a key written earlier: got %v, want KindInvalid", err)
	}
	if _, err := tx.Commit(ctx); spatial.KindOf(err) != spatial.KindInvalid {
		t.Errorf("Commit: got %v, want KindInvalid", err)
	}
	if got := countPlots(t, s); len(got) != 0 {
		t.Errorf("after the refused commit: got %d plots, want 0", len(got))
	}
}

func TestTxCheckSeesEarlierSheets(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	chunks := threeChunks(t)
	tx := begin(t, s, "check")
	if err := tx.Check(ctx, chunks[1]); spatial.KindOf(err) != spatial.KindInvalid {
		t.Errorf("Check of plots whose sheet is not written yet: got %v, want KindInvalid", err)
	}
	writeChunk(t, tx, chunks[0], "chunk 1")
	if err := tx.Check(ctx, chunks[1]); err != nil {
		t.Errorf("Check of plots of a sheet written by chunk 1: %v", err)
	}
	writeChunk(t, tx, chunks[1], "chunk 2 after Check")
	if _, err := tx.Commit(ctx); err != nil {
		t.Errorf("Commit: %v", err)
	}
}

func TestTxCurrentKeys(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	writeFixture(t, s) // sheet A/7 holds plots 1 and 2; 3 is retired
	sh, err := s.Sheet(ctx, keyMoved.SheetKey())
	if err != nil {
		t.Fatal(err)
	}
	f := sh.FrameBound()
	tx := begin(t, s, "keys")
	p5 := storetest.Square(storetest.UnitA, 7, 5, storetest.ZoneA, f.Min[0]+300, f.Min[1]+300, 8)
	writeChunk(t, tx, &spatial.Batch{Plots: []*spatial.Plot{p5}}, "new plot")
	writeChunk(t, tx, &spatial.Batch{Retire: []spatial.PlotKey{keyMoved}}, "retirement")
	keys, err := tx.CurrentKeys(ctx, sh.Key)
	want := []spatial.PlotKey{{Unit: storetest.UnitA, Sheet: 7, Plot: 2}, p5.Key}
	if err != nil || !slices.Equal(keys, want) {
		t.Errorf("CurrentKeys: got %v (err %v), want %v", keys, err, want)
	}
	if keys, err := tx.CurrentKeys(ctx, spatial.SheetKey{Unit: storetest.UnitA, Number: 99}); err != nil || len(keys) != 0 {
		t.Errorf("CurrentKeys of an unknown sheet: got %v (err %v), want none", keys, err)
	}
}

func TestKeySet(t *testing.T) {
	s := newKeySet()
	big := spatial.PlotKey{Unit: "12345", Sheet: 1 << 21, Plot: 1}
	s.record(&spatial.Batch{Plots: []*spatial.Plot{{Key: big}}})
	if !s.isWritten(big) || s.isWritten(spatial.PlotKey{Unit: "12345", Sheet: 1, Plot: 1}) {
		t.Error("keySet: a key on a sheet numbered above 2^20 is not remembered apart")
	}
}

// TestTxSheetOfRefusedChunk: the plots that follow a refused chunk on its
// sheet are checked against that sheet, not each reported as lacking it.
func TestTxSheetOfRefusedChunk(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	chunks := threeChunks(t)
	chunks[0].Plots[0].LandUse = []string{"XYZ"}
	tx := begin(t, s, "refused sheet")
	if err := tx.Write(ctx, chunks[0]); len(spatial.ProblemsOf(err)) != 1 {
		t.Fatalf("Write chunk 1: got %v, want one problem", err)
	}
	if err := tx.Write(ctx, chunks[1]); err != nil {
		t.Errorf("Write chunk 2, on chunk 1's sheet: got %v, want no problem", err)
	}
	if _, err := tx.Commit(ctx); spatial.KindOf(err) != spatial.KindInvalid {
		t.Errorf("Commit: got %v, want KindInvalid", err)
	}
}

func TestTxSheetRepeated(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	chunks := threeChunks(t)
	tx := begin(t, s, "sheet twice")
	writeChunk(t, tx, chunks[0], "chunk 1")
	same := *chunks[0].Sheets[0]
	writeChunk(t, tx, &spatial.Batch{Sheets: []*spatial.Sheet{&same}}, "the same sheet again")
	other := same
	other.SurveyYear = 2024
	err := tx.Write(ctx, &spatial.Batch{Sheets: []*spatial.Sheet{&other}})
	if probs := spatial.ProblemsOf(err); len(probs) != 1 || probs[0].Field != "sheets[0]" || !strings.Contains(probs[0].Reason, "other content") {
		t.Errorf("the sheet again with other content: got %v, want one problem", err)
	}
}
