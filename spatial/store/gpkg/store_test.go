package gpkg

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

func TestGPKGContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) spatial.Store {
		return openTemp(t)
	})
}

// openTemp opens a new GeoPackage in the test's temporary directory; the
// caller closes it.
func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "sub", "cadastre.gpkg"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func mustPlot(t *testing.T, s spatial.Store, key spatial.PlotKey) *spatial.PlotHistory {
	t.Helper()
	h, err := s.Plot(context.Background(), key)
	if err != nil {
		t.Fatalf("Plot(%s): %v", key, err)
	}
	return h
}

func countPlots(t *testing.T, s spatial.Store) map[spatial.PlotKey]*spatial.Plot {
	t.Helper()
	m := map[spatial.PlotKey]*spatial.Plot{}
	err := s.EachPlot(context.Background(), func(p *spatial.Plot) error {
		m[p.Key] = p
		return nil
	})
	if err != nil {
		t.Fatalf("EachPlot: %v", err)
	}
	return m
}

var (
	keyMoved   = spatial.PlotKey{Unit: storetest.UnitA, Sheet: 7, Plot: 1}
	keyRetired = spatial.PlotKey{Unit: storetest.UnitA, Sheet: 7, Plot: 3}
)

func TestReopen(t *testing.T) {
	s := openTemp(t)
	writeFixture(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s, err := Open(context.Background(), s.Path())
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if got := countPlots(t, s); len(got) != 3 {
		t.Errorf("EachPlot after reopen: got %d plots, want 3", len(got))
	}
	h := mustPlot(t, s, keyMoved)
	if len(h.Versions) != 2 || !h.Versions[1].ValidTo.Equal(h.Versions[0].ValidFrom) || !h.Current.Current() {
		t.Errorf("re-measured plot after reopen: got %d versions %+v", len(h.Versions), h.Versions)
	}
	if h := mustPlot(t, s, keyRetired); !h.Current.Retired {
		t.Errorf("retired plot after reopen: got %+v, want retired", h.Current.Version)
	}
	units, err := s.Units(context.Background())
	if err != nil || len(units) != 3 {
		t.Errorf("Units after reopen: got %d (err %v), want 3", len(units), err)
	}
	sheets, err := s.Sheets(context.Background(), "")
	if err != nil || len(sheets) != 2 {
		t.Errorf("Sheets after reopen: got %d (err %v), want 2", len(sheets), err)
	}
	// The reopened file takes writes into its existing zone tables.
	p := storetest.Square(storetest.UnitA, 7, 4, storetest.ZoneA, sheets[0].FrameBound().Min[0]+300, sheets[0].FrameBound().Min[1]+300, 8)
	res, err := s.Write(context.Background(), &spatial.Batch{Plots: []*spatial.Plot{p}, Change: change("after reopen")})
	if err != nil || res.Inserted != 1 {
		t.Errorf("write after reopen: got %+v (err %v), want 1 inserted", res, err)
	}
}

func TestRetiredNumberNotReused(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	writeFixture(t, s)
	sh, err := s.Sheet(context.Background(), keyRetired.SheetKey())
	if err != nil {
		t.Fatal(err)
	}
	f := sh.FrameBound()
	again := storetest.Square(keyRetired.Unit, keyRetired.Sheet, keyRetired.Plot, storetest.ZoneA, f.Min[0]+200, f.Min[1]+200, 10)
	_, err = s.Write(context.Background(), &spatial.Batch{Plots: []*spatial.Plot{again}, Change: change("reuse")})
	// A problem of the feature, as the PostGIS store reports it, so that an
	// ingest lists it with the others.
	probs := spatial.ProblemsOf(err)
	if spatial.KindOf(err) != spatial.KindInvalid || len(probs) != 1 || probs[0].Feature != keyRetired.String() ||
		!strings.Contains(probs[0].Reason, "never reused") {
		t.Fatalf("reusing a retired number: got %v, want KindInvalid with one problem naming %s", err, keyRetired)
	}
	if strings.Contains(err.Error(), "UNIQUE") {
		t.Errorf("message: got %q, want no SQL text", err)
	}
}

func TestRetireProblems(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	writeFixture(t, s)
	unknown := spatial.PlotKey{Unit: storetest.UnitA, Sheet: 7, Plot: 99}
	_, err := s.Write(context.Background(), &spatial.Batch{
		Retire: []spatial.PlotKey{{Unit: storetest.UnitA, Sheet: 7, Plot: 2}, keyRetired, unknown},
		Change: change("bad retire"),
	})
	if spatial.KindOf(err) != spatial.KindInvalid {
		t.Fatalf("retire: got %v, want KindInvalid", err)
	}
	probs := map[string]string{}
	for _, p := range spatial.ProblemsOf(err) {
		probs[p.Feature] = p.Reason
	}
	if !strings.Contains(probs[keyRetired.String()], "already retired") || !strings.Contains(probs[unknown.String()], "no such plot") || len(probs) != 2 {
		t.Errorf("problems: got %v", probs)
	}
	if h := mustPlot(t, s, spatial.PlotKey{Unit: storetest.UnitA, Sheet: 7, Plot: 2}); h.Current.Retired {
		t.Error("the good key of a rejected retire batch was retired")
	}
}

// TestZoneMove re-files a sheet and its plot under another zone (a data
// correction): the histories continue across the zone tables.
func TestZoneMove(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	writeFixture(t, s)
	h := mustPlot(t, s, keyMoved)
	sh, err := s.Sheet(context.Background(), keyMoved.SheetKey())
	if err != nil {
		t.Fatal(err)
	}
	sh.EPSG, h.Current.EPSG = storetest.ZoneC, storetest.ZoneC
	res, err := s.Write(context.Background(), &spatial.Batch{Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{h.Current}, Change: change("wrong zone")})
	if err != nil || res.Changed != 1 || res.Sheets != 1 {
		t.Fatalf("zone move: got %+v (err %v), want 1 changed plot and sheet", res, err)
	}
	moved := mustPlot(t, s, keyMoved)
	if len(moved.Versions) != 3 || moved.Current.EPSG != storetest.ZoneC || moved.Versions[1].EPSG != storetest.ZoneA ||
		!moved.Versions[1].ValidTo.Equal(moved.Current.ValidFrom) {
		t.Errorf("history across zones: got %d versions, current zone %d", len(moved.Versions), moved.Current.EPSG)
	}
	all := countPlots(t, s)
	if len(all) != 3 || all[keyMoved].EPSG != storetest.ZoneC {
		t.Errorf("EachPlot after the move: got %d plots, moved one in zone %d", len(all), all[keyMoved].EPSG)
	}
	if got, err := s.Sheet(context.Background(), sh.Key); err != nil || got.EPSG != storetest.ZoneC || got.Version.Version != 2 {
		t.Errorf("moved sheet: got %+v (err %v)", got, err)
	}
}

func TestEachPlotCancelled(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	writeFixture(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := s.EachPlot(ctx, func(*spatial.Plot) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancelled EachPlot: got %v after %d plots, want context.Canceled after 1", err, n)
	}
}

// TestConcurrentWriters writes from two stores on one file at once: the
// busy timeout makes them take turns, nothing is lost.
func TestConcurrentWriters(t *testing.T) {
	a := openTemp(t)
	defer a.Close()
	b, err := Open(context.Background(), a.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sh := storetest.SheetAt(t, storetest.UnitB, 1, storetest.ZoneA, 601234, 1191876)
	if _, err := a.Write(context.Background(), &spatial.Batch{Sheets: []*spatial.Sheet{sh}, Change: change("sheet")}); err != nil {
		t.Fatal(err)
	}
	f := sh.FrameBound()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		s := []*Store{a, b}[i%2]
		p := storetest.Square(storetest.UnitB, 1, i+1, storetest.ZoneA, f.Min[0]+float64(i)*20, f.Min[1]+5, 10)
		wg.Go(func() {
			_, err := s.Write(context.Background(), &spatial.Batch{Plots: []*spatial.Plot{p}, Change: change("concurrent")})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent write: %v", err)
		}
	}
	if got := countPlots(t, b); len(got) != 20 {
		t.Errorf("after concurrent writes: got %d plots, want 20", len(got))
	}
}

// Two handles on one file: a server and a `cadastre ingest` process.
func TestGPKGChangeFeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feed.gpkg")
	a, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	storetest.RunChangeFeed(t, a, b)
}
