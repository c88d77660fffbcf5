package postgis_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

func hasProblem(err error, feature, reasonPart string) bool {
	for _, p := range spatial.ProblemsOf(err) {
		if p.Feature == feature && strings.Contains(p.Reason, reasonPart) {
			return true
		}
	}
	return false
}

// TestPostGISConcurrentWriters sends the same batch from several goroutines:
// writes are serialised, so one inserts and the others find it unchanged.
func TestPostGISConcurrentWriters(t *testing.T) {
	s := open(t)
	const writers = 4
	results := make([]spatial.WriteResult, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() { results[i], errs[i] = s.Write(ctx(t), farBatch(t)) })
	}
	wg.Wait()
	inserted, unchanged := 0, 0
	for i := range writers {
		if errs[i] != nil {
			t.Fatalf("writer %d: %v", i, errs[i])
		}
		inserted += results[i].Inserted
		unchanged += results[i].Unchanged
	}
	n := len(farBatch(t).Plots)
	if inserted != n || unchanged != n*(writers-1) {
		t.Errorf("got %d inserted and %d unchanged, want %d and %d", inserted, unchanged, n, n*(writers-1))
	}
}

// TestPostGISRetiredNumberNotReused refuses a batch that writes a plot
// number retired earlier (plot numbers are never reused, DOMAIN.md).
func TestPostGISRetiredNumberNotReused(t *testing.T) {
	s := open(t)
	b := farBatch(t)
	if _, err := s.Write(ctx(t), b); err != nil {
		t.Fatal(err)
	}
	key := b.Plots[0].Key
	if _, err := s.Write(ctx(t), &spatial.Batch{Retire: []spatial.PlotKey{key}, Change: spatial.Change{By: "t", Reason: "split"}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Write(ctx(t), farBatch(t))
	if spatial.KindOf(err) != spatial.KindInvalid || !hasProblem(err, key.String(), "never reused") {
		t.Errorf("rewrite of retired %s: got %v, want invalid naming it", key, err)
	}
	unknown := spatial.PlotKey{Unit: storetest.UnitA, Sheet: 1, Plot: 999}
	_, err = s.Write(ctx(t), &spatial.Batch{Retire: []spatial.PlotKey{b.Plots[1].Key, unknown}, Change: spatial.Change{By: "t", Reason: "t"}})
	if !hasProblem(err, unknown.String(), "no such plot") {
		t.Errorf("retire unknown %s: got %v, want a problem naming it", unknown, err)
	}
	if h, err := s.Plot(ctx(t), b.Plots[1].Key); err != nil || len(h.Versions) != 1 {
		t.Errorf("plot of a refused retire batch: got %v (err %v), want 1 version", h, err)
	}
}

// TestPostGISChangeTime stamps versions with Change.At to the microsecond,
// logs one change per effective batch, and refuses a back-dated change.
func TestPostGISChangeTime(t *testing.T) {
	s, pool := openWithPool(t)
	at := time.Date(2025, 8, 1, 9, 30, 0, 123456789, time.UTC)
	b := farBatch(t)
	b.Change.At = at
	if _, err := s.Write(ctx(t), b); err != nil {
		t.Fatal(err)
	}
	h, err := s.Plot(ctx(t), b.Plots[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	if want := at.Truncate(time.Microsecond); !h.Current.ValidFrom.Equal(want) {
		t.Errorf("valid_from: got %v, want %v", h.Current.ValidFrom, want)
	}
	if _, err := s.Write(ctx(t), farBatch(t)); err != nil { // identical: no change logged
		t.Fatal(err)
	}
	var changes int
	if err := pool.QueryRow(ctx(t), "SELECT count(*) FROM changes").Scan(&changes); err != nil || changes != 1 {
		t.Errorf("changes rows: got %d (err %v), want 1", changes, err)
	}
	old := farBatch(t)
	old.Plots[0].LegalArea++
	old.Change.At = at.Add(-time.Hour)
	_, err = s.Write(ctx(t), old)
	if spatial.KindOf(err) != spatial.KindInvalid || !hasProblem(err, old.Plots[0].Key.String(), "before the current version") {
		t.Errorf("back-dated change: got %v, want invalid", err)
	}
}

// TestPostGISDuplicateUnit refuses a batch listing one unit twice.
func TestPostGISDuplicateUnit(t *testing.T) {
	s := open(t)
	b := farBatch(t)
	b.Units = append(b.Units, b.Units[0])
	b.Units[len(b.Units)-1].Name = "Another name"
	_, err := s.Write(ctx(t), b)
	if spatial.KindOf(err) != spatial.KindInvalid || !hasProblem(err, "unit "+b.Units[0].Code, "duplicate") {
		t.Errorf("duplicate unit: got %v, want invalid", err)
	}
}

// TestPostGISUnitChange counts only new or changed units.
func TestPostGISUnitChange(t *testing.T) {
	s := open(t)
	b := farBatch(t)
	if res, err := s.Write(ctx(t), b); err != nil || res.Units != 3 {
		t.Fatalf("first write: got %+v (err %v), want 3 units", res, err)
	}
	b = farBatch(t)
	b.Units[2].Name = "Xã Đổi Tên"
	if res, err := s.Write(ctx(t), b); err != nil || res.Units != 1 || res.Inserted != 0 {
		t.Fatalf("rename: got %+v (err %v), want 1 unit changed", res, err)
	}
}

// TestPostGISEachPlotCancel stops streaming when the context ends.
func TestPostGISEachPlotCancel(t *testing.T) {
	s := open(t)
	if _, err := s.Write(ctx(t), farBatch(t)); err != nil {
		t.Fatal(err)
	}
	c, cancel := contextWithCancel(t)
	n := 0
	err := s.EachPlot(c, func(*spatial.Plot) error {
		n++
		cancel()
		return nil
	})
	if err == nil || n != 1 {
		t.Errorf("EachPlot after cancel: got err %v after %d plots, want an error after 1", err, n)
	}
}
