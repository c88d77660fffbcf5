// Package storetest is the contract every spatial.Store implementation
// passes: the PostGIS store and the GeoPackage store run the same suite, so
// neither can drift from the other.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/grid"
)

// Opener returns a fresh, empty store for one test; the store is closed by
// the suite.
type Opener func(t *testing.T) spatial.Store

// Run runs the whole contract against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, spatial.Store)
	}{
		{"WriteAndRead", testWriteAndRead},
		{"Idempotent", testIdempotent},
		{"NewVersion", testNewVersion},
		{"Retire", testRetire},
		{"RejectsBadBatchWhole", testRejectsBadBatchWhole},
		{"RejectsMissingSheet", testRejectsMissingSheet},
		{"RejectsDuplicateKey", testRejectsDuplicateKey},
		{"NotFound", testNotFound},
		{"TwoZones", testTwoZones},
		{"UnitsAndSheets", testUnitsAndSheets},
		{"ManyPlots", testManyPlots},
		{"RefusesBadText", testRefusesBadText},
		{"EmptyTxNoChange", testEmptyTxNoChange},
		{"OffGridSheets", testOffGridSheets},
		{"PlotPastFrame", testPlotPastFrame},
		{"EachPlotVersion", testEachPlotVersion},
		{"Merge", testMerge}, // issue 18 (merge.go)
		{"MergeKeep", testMergeKeep},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// Fixture units: made-up codes, no real people anywhere.
const (
	UnitA    = "90001" // a former commune, merged into UnitB
	UnitB    = "90002"
	UnitC    = "90003" // in another province and zone
	ZoneA    = 9210
	ZoneC    = 5897
	originAE = 601234.0
	originAN = 1191876.0
	originCE = 585432.0
	originCN = 2330456.0
)

// Units returns the fixture units.
func Units() []spatial.AdminUnit {
	merged := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	return []spatial.AdminUnit{
		{Code: UnitA, Name: "Xã Thử Nghiệm A", Province: "Tỉnh Mẫu", EPSG: ZoneA, Successor: UnitB, MergedOn: merged},
		{Code: UnitB, Name: "Xã Thử Nghiệm B", Province: "Tỉnh Mẫu", EPSG: ZoneA},
		{Code: UnitC, Name: "Xã Thử Nghiệm C", Province: "Tỉnh Khác", EPSG: ZoneC},
	}
}

// SheetAt builds the 1:1000 sheet number n of unit containing (e, n).
func SheetAt(t testing.TB, unit string, number, epsg int, e, n float64) *spatial.Sheet {
	t.Helper()
	num, f, err := grid.SheetAt(grid.Scale1000, e, n)
	if err != nil {
		t.Fatalf("grid.SheetAt: %v", err)
	}
	return &spatial.Sheet{
		Key: spatial.SheetKey{Unit: unit, Number: number}, GridNumber: num, Scale: grid.Scale1000,
		EPSG: epsg, Frame: orb.MultiPolygon{{rectRing(f.MinE, f.MinN, f.MaxE, f.MaxN)}}, SurveyYear: 2019,
	}
}

func rectRing(minE, minN, maxE, maxN float64) orb.Ring {
	return orb.Ring{{minE, minN}, {maxE, minN}, {maxE, maxN}, {minE, maxN}, {minE, minN}}
}

// Square returns a plot that is a square of side metres at (e, n) (its
// south-west corner), with non-round coordinates to catch lossy encodings.
func Square(unit string, sheet, plot, epsg int, e, n, side float64) *spatial.Plot {
	return &spatial.Plot{
		Key: spatial.PlotKey{Unit: unit, Sheet: sheet, Plot: plot}, Commune: UnitB, EPSG: epsg,
		Geometry:  orb.MultiPolygon{{rectRing(e, n, e+side, n+side*1.01)}},
		LandUse:   []string{"ONT", "CLN"},
		LegalArea: math.Round(side*side*1.01*10) / 10, Address: fmt.Sprintf("Thôn %d", plot),
	}
}

// baseBatch is one sheet of UnitA with three plots: a square, a square with
// a hole, and a two-part plot.
func baseBatch(t testing.TB) *spatial.Batch {
	sh := SheetAt(t, UnitA, 7, ZoneA, originAE, originAN)
	f := sh.Frame.Bound()
	e0, n0 := f.Min[0]+10.123, f.Min[1]+10.456
	p1 := Square(UnitA, 7, 1, ZoneA, e0, n0, 20.25)
	p2 := Square(UnitA, 7, 2, ZoneA, e0+30, n0, 40)
	p2.Geometry[0] = append(p2.Geometry[0], orb.Ring{{e0 + 40, n0 + 10}, {e0 + 40, n0 + 20}, {e0 + 50, n0 + 20}, {e0 + 50, n0 + 10}, {e0 + 40, n0 + 10}})
	p2.LandUse = []string{"LUC"}
	p3 := Square(UnitA, 7, 3, ZoneA, e0, n0+60, 10)
	p3.Geometry = append(p3.Geometry, orb.Polygon{rectRing(e0+20, n0+60, e0+25.5, n0+65.25)})
	p3.LandUse = []string{"ODT", "TMD"}
	return &spatial.Batch{
		Units: Units(), Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{p1, p2, p3},
		Change: spatial.Change{By: "contract-test", Reason: "initial load", Source: "storetest"},
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func mustWrite(t *testing.T, s spatial.Store, b *spatial.Batch) spatial.WriteResult {
	t.Helper()
	res, err := s.Write(ctx(t), b)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return res
}

func count(t *testing.T, s spatial.Store) map[spatial.PlotKey]*spatial.Plot {
	t.Helper()
	m := map[spatial.PlotKey]*spatial.Plot{}
	err := s.EachPlot(ctx(t), func(p *spatial.Plot) error {
		if _, dup := m[p.Key]; dup {
			return fmt.Errorf("EachPlot returned %s twice", p.Key)
		}
		m[p.Key] = p
		return nil
	})
	if err != nil {
		t.Fatalf("EachPlot: %v", err)
	}
	return m
}

func assertSamePlot(t *testing.T, got, want *spatial.Plot) {
	t.Helper()
	if !got.SameContent(want) {
		t.Errorf("plot %s: got %+v (geometry %v), want %+v (geometry %v)", want.Key, got, got.Geometry, want, want.Geometry)
	}
	if got.Area != want.Area {
		t.Errorf("plot %s area: got %v, want %v", want.Key, got.Area, want.Area)
	}
}

func testWriteAndRead(t *testing.T, s spatial.Store) {
	b := baseBatch(t)
	res := mustWrite(t, s, b)
	if res.Inserted != 3 || res.Changed != 0 || res.Unchanged != 0 {
		t.Fatalf("result: got %+v, want 3 inserted", res)
	}
	if len(res.Touched) != 3 {
		t.Errorf("touched: got %v, want 3 keys", res.Touched)
	}
	for _, want := range b.Plots {
		h, err := s.Plot(ctx(t), want.Key)
		if err != nil {
			t.Fatalf("Plot(%s): %v", want.Key, err)
		}
		got := h.Current
		assertSamePlot(t, got, want)
		if got.Version.Version != 1 || !got.Current() || got.ChangedBy != "contract-test" || got.Reason != "initial load" || got.Source != "storetest" {
			t.Errorf("plot %s version: got %+v", want.Key, got.Version)
		}
		if got.ValidFrom.IsZero() || time.Since(got.ValidFrom) > time.Hour {
			t.Errorf("plot %s valid_from: got %v, want about now", want.Key, got.ValidFrom)
		}
		if len(h.Versions) != 1 {
			t.Errorf("plot %s: got %d versions, want 1", want.Key, len(h.Versions))
		}
	}
	// Area of the holed plot: 40 x 40.4 minus a 10 x 10 hole.
	h, _ := s.Plot(ctx(t), b.Plots[1].Key)
	if want := spatial.RoundArea(40*40.4 - 100); h.Current.Area != want {
		t.Errorf("holed plot area: got %v, want %v", h.Current.Area, want)
	}
	if got := count(t, s); len(got) != 3 {
		t.Errorf("EachPlot: got %d plots, want 3", len(got))
	}
}

func testIdempotent(t *testing.T, s spatial.Store) {
	mustWrite(t, s, baseBatch(t))
	res := mustWrite(t, s, baseBatch(t))
	if res.Inserted != 0 || res.Changed != 0 || res.Unchanged != 3 || len(res.Touched) != 0 {
		t.Fatalf("re-ingest: got %+v, want 3 unchanged and nothing touched", res)
	}
	h, err := s.Plot(ctx(t), baseBatch(t).Plots[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Versions) != 1 {
		t.Errorf("versions after identical re-ingest: got %d, want 1", len(h.Versions))
	}
}

func testNewVersion(t *testing.T, s spatial.Store) {
	b := baseBatch(t)
	mustWrite(t, s, b)
	changed := baseBatch(t)
	p := changed.Plots[0]
	p.Geometry[0][0][2][0] += 0.37 // move one corner east: a re-measured edge
	p.Geometry[0][0][1][0] += 0.37
	p.LegalArea = 400
	changed.Plots = []*spatial.Plot{p}
	changed.Change = spatial.Change{By: "registrar-1", Reason: "re-measured", Source: "extract 42"}
	res := mustWrite(t, s, changed)
	if res.Changed != 1 || res.Inserted != 0 || len(res.Touched) != 1 || res.Touched[0] != p.Key {
		t.Fatalf("change: got %+v, want 1 changed touching %s", res, p.Key)
	}
	h, err := s.Plot(ctx(t), p.Key)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Versions) != 2 {
		t.Fatalf("versions: got %d, want 2", len(h.Versions))
	}
	newest, old := h.Versions[0], h.Versions[1]
	assertSamePlot(t, h.Current, p)
	assertSamePlot(t, newest, p)
	assertSamePlot(t, old, b.Plots[0])
	if newest.Version.Version != 2 || old.Version.Version != 1 {
		t.Errorf("version numbers: got %d, %d; want 2, 1", newest.Version.Version, old.Version.Version)
	}
	if old.Current() || !old.ValidTo.Equal(newest.ValidFrom) {
		t.Errorf("old version valid_to %v, want the new version's valid_from %v", old.ValidTo, newest.ValidFrom)
	}
	if newest.ChangedBy != "registrar-1" || newest.Reason != "re-measured" || old.ChangedBy != "contract-test" {
		t.Errorf("who/why: got new %q/%q old %q", newest.ChangedBy, newest.Reason, old.ChangedBy)
	}
	if got := count(t, s); len(got) != 3 || !got[p.Key].SameContent(p) {
		t.Errorf("EachPlot after change: got %d plots, changed one %v", len(got), got[p.Key])
	}
}

func testRetire(t *testing.T, s spatial.Store) {
	b := baseBatch(t)
	mustWrite(t, s, b)
	key := b.Plots[2].Key
	res := mustWrite(t, s, &spatial.Batch{Retire: []spatial.PlotKey{key}, Change: spatial.Change{By: "admin", Reason: "merged into 7/4"}})
	if res.Retired != 1 || len(res.Touched) != 1 {
		t.Fatalf("retire: got %+v, want 1 retired", res)
	}
	if got := count(t, s); len(got) != 2 || got[key] != nil {
		t.Errorf("EachPlot after retire: got %d plots (retired present: %v), want 2", len(got), got[key] != nil)
	}
	h, err := s.Plot(ctx(t), key)
	if err != nil {
		t.Fatalf("retired plot must stay readable: %v", err)
	}
	if len(h.Versions) != 2 || !h.Versions[0].Retired || h.Versions[1].Retired {
		t.Fatalf("retired history: got %d versions, newest retired=%v", len(h.Versions), len(h.Versions) > 0 && h.Versions[0].Retired)
	}
	assertSamePlot(t, h.Versions[1], b.Plots[2])
	// Retiring an unknown or already retired plot is refused, nothing written.
	_, err = s.Write(ctx(t), &spatial.Batch{Retire: []spatial.PlotKey{key}, Change: spatial.Change{By: "admin", Reason: "again"}})
	if spatial.KindOf(err) != spatial.KindInvalid && spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("retire twice: got %v, want invalid or not found", err)
	}
}

func testRejectsBadBatchWhole(t *testing.T, s spatial.Store) {
	b := baseBatch(t)
	f := b.Sheets[0].Frame.Bound()
	e0, n0 := f.Min[0]+200, f.Min[1]+200
	bowtie := Square(UnitA, 7, 10, ZoneA, e0, n0, 10)
	bowtie.Geometry = orb.MultiPolygon{{{{e0, n0}, {e0 + 10, n0 + 10}, {e0 + 10, n0}, {e0, n0 + 10}, {e0, n0}}}}
	unknownUse := Square(UnitA, 7, 11, ZoneA, e0+20, n0, 10)
	unknownUse.LandUse = []string{"XYZ"}
	b.Plots = append(b.Plots, bowtie, unknownUse)
	_, err := s.Write(ctx(t), b)
	if spatial.KindOf(err) != spatial.KindInvalid {
		t.Fatalf("bad batch: got %v, want KindInvalid", err)
	}
	assertProblem(t, err, bowtie.Key, "self-intersection")
	assertProblem(t, err, unknownUse.Key, "XYZ")
	if got := count(t, s); len(got) != 0 {
		t.Errorf("after rejected batch: got %d plots stored, want 0", len(got))
	}
	if sh, err := s.Sheets(ctx(t), ""); err != nil || len(sh) != 0 {
		t.Errorf("after rejected batch: got %d sheets (err %v), want 0", len(sh), err)
	}
	if _, err := s.Plot(ctx(t), b.Plots[0].Key); spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("good plot of a rejected batch: got %v, want not found", err)
	}
}

func assertProblem(t *testing.T, err error, key spatial.PlotKey, reasonPart string) {
	t.Helper()
	for _, p := range spatial.ProblemsOf(err) {
		if p.Feature == key.String() && contains(p.Reason, reasonPart) {
			return
		}
	}
	t.Errorf("no problem for %s mentioning %q in %v", key, reasonPart, spatial.ProblemsOf(err))
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func testRejectsMissingSheet(t *testing.T, s spatial.Store) {
	mustWrite(t, s, baseBatch(t))
	b := baseBatch(t)
	orphan := b.Plots[0]
	orphan.Key = spatial.PlotKey{Unit: UnitA, Sheet: 99, Plot: 1}
	_, err := s.Write(ctx(t), &spatial.Batch{Plots: []*spatial.Plot{orphan}, Change: spatial.Change{By: "t", Reason: "t"}})
	assertProblem(t, err, orphan.Key, "sheet")
	// A plot on a stored sheet (not in the batch) is accepted.
	ok := Square(UnitA, 7, 20, ZoneA, b.Plots[0].Geometry.Bound().Min[0]+100, b.Plots[0].Geometry.Bound().Min[1]+100, 5)
	if res := mustWrite(t, s, &spatial.Batch{Plots: []*spatial.Plot{ok}, Change: spatial.Change{By: "t", Reason: "t"}}); res.Inserted != 1 {
		t.Errorf("plot on stored sheet: got %+v, want 1 inserted", res)
	}
}

func testRejectsDuplicateKey(t *testing.T, s spatial.Store) {
	b := baseBatch(t)
	dup := *b.Plots[0]
	b.Plots = append(b.Plots, &dup)
	_, err := s.Write(ctx(t), b)
	assertProblem(t, err, dup.Key, "duplicate")
	if got := count(t, s); len(got) != 0 {
		t.Errorf("after duplicate-key batch: got %d plots, want 0", len(got))
	}
}

func testNotFound(t *testing.T, s spatial.Store) {
	_, err := s.Plot(ctx(t), spatial.PlotKey{Unit: UnitA, Sheet: 1, Plot: 1})
	if spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("unknown plot: got %v, want KindNotFound", err)
	}
	_, err = s.Sheet(ctx(t), spatial.SheetKey{Unit: UnitA, Number: 1})
	if spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("unknown sheet: got %v, want KindNotFound", err)
	}
	if err := s.Ping(ctx(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testTwoZones(t *testing.T, s spatial.Store) {
	mustWrite(t, s, baseBatch(t))
	sh := SheetAt(t, UnitC, 3, ZoneC, originCE, originCN)
	f := sh.Frame.Bound()
	p := Square(UnitC, 3, 1, ZoneC, f.Min[0]+1.5, f.Min[1]+2.5, 15)
	p.Commune = UnitC
	mustWrite(t, s, &spatial.Batch{Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{p}, Change: spatial.Change{By: "t", Reason: "other province"}})
	h, err := s.Plot(ctx(t), p.Key)
	if err != nil {
		t.Fatal(err)
	}
	assertSamePlot(t, h.Current, p)
	if h.Current.EPSG != ZoneC {
		t.Errorf("zone: got %d, want %d", h.Current.EPSG, ZoneC)
	}
	got, err := s.Sheet(ctx(t), sh.Key)
	if err != nil || !got.SameContent(sh) {
		t.Errorf("sheet in zone C: got %+v (err %v), want %+v", got, err, sh)
	}
	all := count(t, s)
	if len(all) != 4 || all[p.Key].EPSG != ZoneC || all[baseBatch(t).Plots[0].Key].EPSG != ZoneA {
		t.Errorf("EachPlot over two zones: got %d plots", len(all))
	}
}

func testUnitsAndSheets(t *testing.T, s spatial.Store) {
	b := baseBatch(t)
	sh2 := SheetAt(t, UnitB, 1, ZoneA, originAE+2000, originAN)
	b.Sheets = append(b.Sheets, sh2)
	mustWrite(t, s, b)
	units, err := s.Units(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]spatial.AdminUnit{}
	for _, u := range units {
		byCode[u.Code] = u
	}
	for _, want := range Units() {
		got, ok := byCode[want.Code]
		if !ok || got.Name != want.Name || got.EPSG != want.EPSG || got.Successor != want.Successor || !got.MergedOn.Equal(want.MergedOn) || got.Province != want.Province {
			t.Errorf("unit %s: got %+v, want %+v", want.Code, got, want)
		}
	}
	all, err := s.Sheets(ctx(t), "")
	if err != nil || len(all) != 2 {
		t.Fatalf("Sheets(all): got %d (err %v), want 2", len(all), err)
	}
	ofB, err := s.Sheets(ctx(t), UnitB)
	if err != nil || len(ofB) != 1 || !ofB[0].SameContent(sh2) {
		t.Fatalf("Sheets(%s): got %v (err %v), want %+v", UnitB, ofB, err, sh2)
	}
	if ofB[0].Version.Version != 1 || ofB[0].ChangedBy != "contract-test" {
		t.Errorf("sheet version: got %+v", ofB[0].Version)
	}
}

func testManyPlots(t *testing.T, s spatial.Store) {
	sh := SheetAt(t, UnitA, 7, ZoneA, originAE, originAN)
	f := sh.Frame.Bound()
	var plots []*spatial.Plot
	for i := 0; i < 40; i++ {
		for j := 0; j < 25; j++ {
			e, n := f.Min[0]+float64(i)*12.5, f.Min[1]+float64(j)*20
			plots = append(plots, Square(UnitA, 7, i*25+j+1, ZoneA, e+0.001, n+0.002, 12.4))
		}
	}
	b := &spatial.Batch{Units: Units(), Sheets: []*spatial.Sheet{sh}, Plots: plots, Change: spatial.Change{By: "t", Reason: "bulk"}}
	res := mustWrite(t, s, b)
	if res.Inserted != 1000 {
		t.Fatalf("bulk: got %+v, want 1000 inserted", res)
	}
	got := count(t, s)
	for _, p := range plots {
		g, ok := got[p.Key]
		if !ok {
			t.Fatalf("plot %s missing from EachPlot", p.Key)
		}
		assertSamePlot(t, g, p)
	}
	// Stop early: the error returned by fn comes back.
	stop := errors.New("stop")
	n := 0
	err := s.EachPlot(ctx(t), func(*spatial.Plot) error {
		n++
		if n == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 5 {
		t.Errorf("EachPlot early stop: got err %v after %d plots, want stop after 5", err, n)
	}
}

// testRefusesBadText: a NUL character or invalid UTF-8 in any text is
// refused alike by both stores, naming the field (issue 13). Before,
// PostgreSQL failed on the NUL with an internal error and SQLite stored it.
func testRefusesBadText(t *testing.T, s spatial.Store) {
	for _, c := range []struct {
		name, field string
		edit        func(b *spatial.Batch)
	}{
		{"NUL in address", "address", func(b *spatial.Batch) { b.Plots[0].Address = "Thôn\x001" }},
		{"invalid UTF-8 in address", "address", func(b *spatial.Batch) { b.Plots[0].Address = "Th\xf4n 1" }},
		{"NUL in unit name", "units[0].name", func(b *spatial.Batch) { b.Units[0].Name = "X\x00" }},
		{"NUL in reason", "reason", func(b *spatial.Batch) { b.Change.Reason = "load\x00" }},
		{"invalid UTF-8 in source", "source", func(b *spatial.Batch) { b.Change.Source = "f\xff.geojson" }},
		{"NUL in changed_by", "changed_by", func(b *spatial.Batch) { b.Change.By = "\x00" }},
	} {
		b := baseBatch(t)
		c.edit(b)
		_, err := s.Write(ctx(t), b)
		if spatial.KindOf(err) != spatial.KindInvalid {
			t.Errorf("%s: got %v, want KindInvalid", c.name, err)
			continue
		}
		named := false
		for _, p := range spatial.ProblemsOf(err) {
			named = named || p.Field == c.field
		}
		if !named {
			t.Errorf("%s: problems %v, none names %s", c.name, spatial.ProblemsOf(err), c.field)
		}
	}
	if got := count(t, s); len(got) != 0 {
		t.Errorf("after refused batches: %d plots stored, want 0", len(got))
	}
}

// testEmptyTxNoChange: a write transaction that writes nothing (an empty
// FeatureCollection) commits without a change being recorded: a later
// write's change sequence follows the previous one's directly. Before,
// the GeoPackage kept an empty changes row.
func testEmptyTxNoChange(t *testing.T, s spatial.Store) {
	w, ok := s.(spatial.Writer)
	if !ok {
		t.Skip("store cannot take chunked writes")
	}
	mustWrite(t, s, baseBatch(t))
	for range 2 {
		tx, err := w.Begin(ctx(t), spatial.Change{By: "t", Reason: "empty"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := tx.Commit(ctx(t))
		if err != nil || res.Inserted+res.Changed+res.Unchanged+res.Sheets+res.Units != 0 {
			t.Fatalf("empty commit: %+v %v", res, err)
		}
	}
	changes, ok := s.(interface {
		ChangeCount(ctx context.Context) (int, error)
	})
	if !ok {
		t.Fatalf("store %T cannot count its changes", s)
	}
	n, err := changes.ChangeCount(ctx(t))
	if err != nil || n != 1 {
		t.Errorf("change rows after one write and two empty ones: got %d (%v), want 1", n, err)
	}
}

// OffGridSheet is an off-grid sheet of UnitA (issue 13): a frame drawn
// by hand in two parts (an irregular pentagon and a small square island),
// at 1:2500, a scale outside Circular 25's list, without a grid number.
func OffGridSheet(number int, e, n float64) *spatial.Sheet {
	return &spatial.Sheet{
		Key: spatial.SheetKey{Unit: UnitA, Number: number}, Scale: 2500, EPSG: ZoneA, OffGrid: true, SurveyYear: 1994,
		Frame: orb.MultiPolygon{
			{{{e, n}, {e + 400.5, n + 20.25}, {e + 430.75, n + 300.125}, {e + 180.5, n + 420.5}, {e - 20.25, n + 250.75}, {e, n}}},
			{rectRing(e+600, n, e+700, n+100)},
		},
	}
}

// testOffGridSheets: an off-grid sheet is stored and read back as given,
// marked off-grid, with its plots checked against its drawn frame; a grid
// sheet whose frame disagrees with its grid number stays an error.
func testOffGridSheets(t *testing.T, s spatial.Store) {
	b := baseBatch(t)
	og := OffGridSheet(8, originAE+2000, originAN)
	inside := Square(UnitA, 8, 1, ZoneA, originAE+2100, originAN+100, 30)
	island := Square(UnitA, 8, 2, ZoneA, originAE+2620, originAN+20, 30)
	b.Sheets = append(b.Sheets, og)
	b.Plots = append(b.Plots, inside, island)
	res := mustWrite(t, s, b)
	if res.Sheets != 2 || res.Inserted != 5 {
		t.Fatalf("write with an off-grid sheet: got %+v, want 2 sheets and 5 plots", res)
	}
	got, err := s.Sheet(ctx(t), og.Key)
	if err != nil {
		t.Fatal(err)
	}
	want := OffGridSheet(8, originAE+2000, originAN)
	if !got.OffGrid || got.GridNumber != "" || got.Scale != 2500 || got.SurveyYear != 1994 || !orb.Equal(got.Frame, spatial.OrientMultiPolygon(want.Frame)) {
		t.Errorf("off-grid sheet read back: got %+v frame %v, want %+v", got, got.Frame, want)
	}
	if grid, err := s.Sheet(ctx(t), b.Sheets[0].Key); err != nil || grid.OffGrid {
		t.Errorf("grid sheet read back: %+v %v, want not off-grid", grid, err)
	}
	again := baseBatch(t)
	again.Sheets = append(again.Sheets, OffGridSheet(8, originAE+2000, originAN))
	if res := mustWrite(t, s, again); res.Sheets != 0 || res.Inserted+res.Changed != 0 {
		t.Errorf("same off-grid sheet again: got %+v, want nothing changed", res)
	}
	// A grid sheet with another cell's number is refused; an off-grid one
	// with an invalid frame too.
	wrong := SheetAt(t, UnitA, 9, ZoneA, originAE+5000, originAN)
	wrong.GridNumber = b.Sheets[0].GridNumber
	bad := OffGridSheet(10, originAE+8000, originAN)
	bad.Frame = orb.MultiPolygon{{{{originAE + 8000, originAN}, {originAE + 8100, originAN + 100}, {originAE + 8100, originAN}, {originAE + 8000, originAN + 100}, {originAE + 8000, originAN}}}}
	_, err = s.Write(ctx(t), &spatial.Batch{Sheets: []*spatial.Sheet{wrong, bad}, Change: spatial.Change{By: "t", Reason: "bad sheets"}})
	var gridNum, frame bool
	for _, p := range spatial.ProblemsOf(err) {
		gridNum = gridNum || (p.Field == "sheets[0].grid_number" && contains(p.Reason, "does not match the frame"))
		frame = frame || (p.Field == "sheets[1].frame" && contains(p.Reason, "self-intersection"))
	}
	if spatial.KindOf(err) != spatial.KindInvalid || !gridNum || !frame {
		t.Errorf("grid sheet with a wrong number and a bow-tie off-grid frame: got %v, want both refused", err)
	}
}

// testPlotPastFrame: a plot reaching past its sheet's frame beyond the
// 20 cm-on-the-map extension is stored with a warning naming the distance
// when its label point is inside the frame, and refused when it is not.
func testPlotPastFrame(t *testing.T, s spatial.Store) {
	b := baseBatch(t)
	f := b.Sheets[0].Frame.Bound() // 1:1000, so the extension is 200 m
	// A river plot from inside the frame to 250 m past its east edge.
	river := Square(UnitA, 7, 20, ZoneA, f.Max[0]-400, f.Min[1]+300, 10)
	river.Geometry = orb.MultiPolygon{{rectRing(f.Max[0]-400, f.Min[1]+300, f.Max[0]+250, f.Min[1]+320)}}
	river.LandUse = []string{"SON"}
	b.Plots = append(b.Plots, river)
	if _, err := s.Write(ctx(t), b); err != nil {
		t.Fatalf("river plot past the frame: got %v, want stored with a warning", err)
	}
	var warned bool
	for _, w := range b.Warnings {
		warned = warned || (w.Feature == river.Key.String() && w.Check == spatial.CheckOutsideFrame && contains(w.Reason, "by 250.0 m"))
	}
	if !warned {
		t.Errorf("warnings %v, want one for %s sticking out by 250.0 m", b.Warnings, river.Key)
	}
	// A plot whose label point lies beyond the frame is refused.
	away := Square(UnitA, 7, 21, ZoneA, f.Max[0]+210, f.Min[1]+300, 20)
	_, err := s.Write(ctx(t), &spatial.Batch{Plots: []*spatial.Plot{away}, Change: spatial.Change{By: "t", Reason: "away"}})
	if spatial.KindOf(err) != spatial.KindInvalid {
		t.Fatalf("plot outside its sheet: got %v, want KindInvalid", err)
	}
	assertProblem(t, err, away.Key, "label point is outside the frame")
}
