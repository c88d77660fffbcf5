package postgis_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"cadastre/internal/pgtest"
	"cadastre/spatial"
	"cadastre/spatial/store/postgis"
	"cadastre/spatial/store/storetest"
)

// txSheet is 1:1000 sheet n of UnitA, the n-th cell east of a fixed origin.
func txSheet(tb testing.TB, n int) *spatial.Sheet {
	return storetest.SheetAt(tb, storetest.UnitA, n, storetest.ZoneA, 560250+float64(n)*500, 1150250)
}

// txPlots returns plots first..last of sheet sh: 10 m squares 15 m apart,
// 30 to a row.
func txPlots(sh *spatial.Sheet, first, last int) []*spatial.Plot {
	f := sh.Frame.Bound()
	var out []*spatial.Plot
	for i := first; i <= last; i++ {
		e, n := f.Min[0]+float64(i%30)*15+1.5, f.Min[1]+float64(i/30)*15+1.5
		out = append(out, storetest.Square(storetest.UnitA, sh.Key.Number, i, storetest.ZoneA, e, n, 10))
	}
	return out
}

func begin(t *testing.T, s *postgis.Store) spatial.Tx {
	t.Helper()
	tx, err := s.Begin(ctx(t), spatial.Change{By: "t", Reason: "chunked load", Source: "tx_test"})
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	t.Cleanup(func() {
		if err := tx.Rollback(ctx(t)); err != nil {
			t.Errorf("Rollback at cleanup: %v", err)
		}
	})
	return tx
}

func writeChunk(t *testing.T, tx spatial.Tx, b *spatial.Batch) {
	t.Helper()
	if err := tx.Write(ctx(t), b); err != nil {
		t.Fatalf("Tx.Write: %v", err)
	}
}

// threeChunks is a load of 30 plots on two sheets. Chunk 2 writes plots on
// the sheet of chunk 1 without carrying it.
func threeChunks(tb testing.TB) []*spatial.Batch {
	s1, s2 := txSheet(tb, 1), txSheet(tb, 2)
	return []*spatial.Batch{
		{Units: storetest.Units(), Sheets: []*spatial.Sheet{s1}, Plots: txPlots(s1, 1, 10)},
		{Sheets: []*spatial.Sheet{s2}, Plots: append(txPlots(s1, 11, 15), txPlots(s2, 1, 5)...)},
		{Plots: txPlots(s2, 6, 15)},
	}
}

// TestPostGISTxChunks commits three chunks as one write: one change, one
// time and one seq for every version, nothing visible before Commit.
func TestPostGISTxChunks(t *testing.T) {
	s, pool := openWithPool(t)
	tx := begin(t, s)
	for i, b := range threeChunks(t) {
		writeChunk(t, tx, b)
		var n int
		if err := pool.QueryRow(ctx(t), "SELECT count(*) FROM plots").Scan(&n); err != nil || n != 0 {
			t.Fatalf("after chunk %d, another connection sees %d plots (err %v), want 0", i+1, n, err)
		}
	}
	res, err := tx.Commit(ctx(t))
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if res.Inserted != 30 || res.Sheets != 2 || res.Units != 3 || len(res.Touched) != 30 {
		t.Errorf("Commit: got %+v with %d touched, want 30 inserted, 2 sheets, 3 units, 30 touched", res, len(res.Touched))
	}
	var plots, stamps, changes, inserted int
	err = pool.QueryRow(ctx(t), `SELECT count(*), count(DISTINCT (valid_from, change_seq)),
		(SELECT count(*) FROM changes), (SELECT sum(inserted) FROM changes) FROM plots`).Scan(&plots, &stamps, &changes, &inserted)
	if err != nil || plots != 30 || stamps != 1 || changes != 1 || inserted != 30 {
		t.Errorf("stored: got %d plots, %d stamps, %d changes rows counting %d inserted (err %v), want 30, 1, 1, 30",
			plots, stamps, changes, inserted, err)
	}
	if res, err := tx.Commit(ctx(t)); err == nil {
		t.Errorf("second Commit: got %+v, want an error", res)
	}
}

// TestPostGISTxSheetFromEarlierChunk checks and writes plots whose sheet an
// earlier chunk wrote, and refuses those whose sheet nobody wrote.
func TestPostGISTxSheetFromEarlierChunk(t *testing.T) {
	s := open(t)
	tx := begin(t, s)
	s1 := txSheet(t, 1)
	writeChunk(t, tx, &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{s1}})
	later := &spatial.Batch{Plots: txPlots(s1, 1, 3)}
	if err := tx.Check(ctx(t), later); err != nil {
		t.Errorf("Check of plots on the sheet of chunk 1: %v", err)
	}
	writeChunk(t, tx, later)
	orphan := txPlots(txSheet(t, 9), 1, 1)
	err := tx.Check(ctx(t), &spatial.Batch{Plots: orphan})
	if !hasProblem(err, orphan[0].Key.String(), "neither stored nor in the batch") {
		t.Errorf("Check of a plot on an unknown sheet: got %v, want its sheet reported missing", err)
	}
	if res, err := tx.Commit(ctx(t)); err != nil || res.Inserted != 3 || res.Sheets != 1 {
		t.Errorf("Commit: got %+v (err %v), want 3 inserted, 1 sheet", res, err)
	}
}

// TestPostGISTxBadChunk fails a chunk in the middle: its problems are
// reported, later chunks are still checked and written (so that one pass
// reports every problem), Commit refuses and nothing of any chunk is
// stored.
func TestPostGISTxBadChunk(t *testing.T) {
	s, pool := openWithPool(t)
	tx := begin(t, s)
	chunks := threeChunks(t)
	bad := chunks[1].Plots[2]
	bad.LandUse = []string{"XYZ"}
	writeChunk(t, tx, chunks[0])
	err := tx.Write(ctx(t), chunks[1])
	if spatial.KindOf(err) != spatial.KindInvalid || !hasProblem(err, bad.Key.String(), "XYZ") {
		t.Fatalf("bad chunk: got %v, want invalid naming %s", err, bad.Key)
	}
	if err := tx.Check(ctx(t), chunks[2]); err != nil {
		t.Errorf("Check of a good chunk after the bad one: %v", err)
	}
	worse := &spatial.Batch{Plots: []*spatial.Plot{chunks[2].Plots[0]}}
	worse.Plots[0].LegalArea = -1
	if err := tx.Check(ctx(t), worse); !hasProblem(err, worse.Plots[0].Key.String(), "legal area") {
		t.Errorf("Check of a bad chunk after the first: got %v, want its problem", err)
	}
	if err := tx.Write(ctx(t), threeChunks(t)[2]); err != nil {
		t.Errorf("Write of a good chunk after a refused one: %v", err)
	}
	again := txPlots(txSheet(t, 2), 15, 15)[0].Key
	if err := tx.Write(ctx(t), &spatial.Batch{Plots: txPlots(txSheet(t, 2), 15, 15)}); !hasProblem(err, again.String(), "earlier chunk") {
		t.Errorf("Write of a key repeated after a refused chunk: got %v, want it reported", err)
	}
	_, err = tx.Commit(ctx(t))
	if spatial.KindOf(err) != spatial.KindInvalid || !strings.Contains(err.Error(), "2 chunk(s) failed") {
		t.Errorf("Commit: got %v, want KindInvalid counting 2 failed chunks", err)
	}
	var rows int
	err = pool.QueryRow(ctx(t), `SELECT (SELECT count(*) FROM plots) + (SELECT count(*) FROM sheets)
		+ (SELECT count(*) FROM units) + (SELECT count(*) FROM changes)`).Scan(&rows)
	if err != nil || rows != 0 {
		t.Errorf("after a refused commit: got %d rows (err %v), want 0", rows, err)
	}
}

// TestPostGISTxRollback stores nothing; Rollback may be called again.
func TestPostGISTxRollback(t *testing.T) {
	s, pool := openWithPool(t)
	tx := begin(t, s)
	for _, b := range threeChunks(t)[:2] {
		writeChunk(t, tx, b)
	}
	for i := range 2 {
		if err := tx.Rollback(ctx(t)); err != nil {
			t.Errorf("Rollback #%d: %v", i+1, err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx(t), "SELECT count(*) FROM plots").Scan(&n); err != nil || n != 0 {
		t.Errorf("after Rollback: got %d plots (err %v), want 0", n, err)
	}
	if err := tx.Write(ctx(t), threeChunks(t)[2]); err == nil {
		t.Errorf("Write after Rollback: got nil, want an error")
	}
	// The lock is free again.
	if _, err := s.Write(ctx(t), threeChunks(t)[0]); err != nil {
		t.Errorf("Write after Rollback: %v", err)
	}
}

// TestPostGISTxDuplicateKey refuses a plot key written, or retired, by an
// earlier chunk, naming it.
func TestPostGISTxDuplicateKey(t *testing.T) {
	s := open(t)
	stored := threeChunks(t)[0]
	if _, err := s.Write(ctx(t), stored); err != nil {
		t.Fatal(err)
	}
	s1 := txSheet(t, 1)
	cases := []struct {
		name          string
		first, second *spatial.Batch
		key           spatial.PlotKey
	}{
		{"new plot twice", &spatial.Batch{Plots: txPlots(s1, 20, 22)}, &spatial.Batch{Plots: txPlots(s1, 22, 23)}, txPlots(s1, 22, 22)[0].Key},
		{"unchanged plot twice", &spatial.Batch{Plots: txPlots(s1, 1, 2)}, &spatial.Batch{Plots: txPlots(s1, 2, 2)}, txPlots(s1, 2, 2)[0].Key},
		{"retired then written", &spatial.Batch{Retire: []spatial.PlotKey{txPlots(s1, 3, 3)[0].Key}}, &spatial.Batch{Plots: txPlots(s1, 3, 3)}, txPlots(s1, 3, 3)[0].Key},
		{"written then retired", &spatial.Batch{Plots: txPlots(s1, 30, 30)}, &spatial.Batch{Retire: []spatial.PlotKey{txPlots(s1, 30, 30)[0].Key}}, txPlots(s1, 30, 30)[0].Key},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx := begin(t, s)
			writeChunk(t, tx, c.first)
			err := tx.Write(ctx(t), c.second)
			if spatial.KindOf(err) != spatial.KindInvalid || !hasProblem(err, c.key.String(), "earlier chunk") {
				t.Errorf("second chunk: got %v, want invalid naming %s", err, c.key)
			}
			if _, err := tx.Commit(ctx(t)); spatial.KindOf(err) != spatial.KindInvalid {
				t.Errorf("Commit: got %v, want KindInvalid", err)
			}
		})
	}
}

// TestPostGISTxCurrentKeys lists the keys of a sheet as the transaction
// sees them, while other connections still see the stored ones.
func TestPostGISTxCurrentKeys(t *testing.T) {
	s := open(t)
	s1 := txSheet(t, 1)
	if _, err := s.Write(ctx(t), &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{s1}, Plots: txPlots(s1, 1, 3)}); err != nil {
		t.Fatal(err)
	}
	tx := begin(t, s)
	writeChunk(t, tx, &spatial.Batch{Retire: []spatial.PlotKey{txPlots(s1, 2, 2)[0].Key}, Plots: txPlots(s1, 4, 4)})
	writeChunk(t, tx, &spatial.Batch{Plots: txPlots(s1, 5, 5)})
	keys, err := tx.CurrentKeys(ctx(t), s1.Key)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := plotNumbers(keys), []int{1, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("CurrentKeys in the transaction: got plots %v, want %v", got, want)
	}
	if keys, err := tx.CurrentKeys(ctx(t), spatial.SheetKey{Unit: storetest.UnitA, Number: 99}); err != nil || len(keys) != 0 {
		t.Errorf("CurrentKeys of an unknown sheet: got %v (err %v), want none", keys, err)
	}
	n := 0
	if err := s.EachPlot(ctx(t), func(*spatial.Plot) error { n++; return nil }); err != nil || n != 3 {
		t.Errorf("outside the transaction: got %d plots (err %v), want the 3 stored", n, err)
	}
}

func plotNumbers(keys []spatial.PlotKey) []int {
	out := make([]int, len(keys))
	for i, k := range keys {
		out[i] = k.Plot
	}
	return out
}

// TestPostGISTxHoldsWriteLock makes a writer of another instance wait
// until Commit, and one of the same instance wait without a connection
// until its context ends.
func TestPostGISTxHoldsWriteLock(t *testing.T) {
	dbURL := pgtest.New(t)
	s, other := openURL(t, dbURL), openURL(t, dbURL)
	tx := begin(t, s)
	writeChunk(t, tx, threeChunks(t)[0])

	short, cancel := context.WithTimeout(ctx(t), 200*time.Millisecond)
	defer cancel()
	if _, err := s.Begin(short, spatial.Change{By: "t", Reason: "t"}); spatial.KindOf(err) != spatial.KindUnavailable {
		t.Errorf("Begin on the same store during a transaction: got %v, want KindUnavailable when its context ends", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := other.Write(ctx(t), &spatial.Batch{Units: storetest.Units(), Change: spatial.Change{By: "t", Reason: "t"}})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a Write of another instance finished during the transaction (err %v); want it to wait", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := tx.Commit(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("Write of another instance after Commit: %v", err)
	}
	if _, err := s.Write(ctx(t), &spatial.Batch{Plots: txPlots(txSheet(t, 1), 40, 40), Change: spatial.Change{By: "t", Reason: "t"}}); err != nil {
		t.Errorf("Write on the same store after Commit: %v", err)
	}
}

// TestPostGISTxConnectionLost kills the transaction's backend midway, as a
// crashed process or a database restart would: nothing is stored, the
// transaction refuses everything after, and the write lock is free.
func TestPostGISTxConnectionLost(t *testing.T) {
	dbURL := pgtest.New(t)
	s := openURL(t, dbURL)
	tx := begin(t, s)
	chunks := threeChunks(t)
	writeChunk(t, tx, chunks[0])
	if n := terminateBackends(t, dbURL, ""); n == 0 {
		t.Fatal("no backend terminated")
	}
	if err := tx.Write(ctx(t), chunks[1]); spatial.KindOf(err) != spatial.KindUnavailable {
		t.Errorf("Write after the backend died: got %v, want KindUnavailable", err)
	}
	if err := tx.Check(ctx(t), chunks[2]); err == nil {
		t.Errorf("Check after the backend died: got nil, want the failure")
	}
	if _, err := tx.Commit(ctx(t)); spatial.KindOf(err) != spatial.KindUnavailable {
		t.Errorf("Commit after the backend died: got %v, want KindUnavailable", err)
	}
	res, err := s.Write(ctx(t), chunks[0])
	if err != nil || res.Inserted != len(chunks[0].Plots) {
		t.Errorf("Write after the lost transaction: got %+v (err %v), want all %d plots inserted", res, err, len(chunks[0].Plots))
	}
}
