// Package extracttest is the contract every extract.Store passes.
package extracttest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/extract"
	"cadastre/spatial/ingest"
	"cadastre/spatial/store/storetest"
)

// Run checks s: a submission is stored byte for byte, then its report,
// then one decision; every later step is refused with the right kind and
// nothing stored is lost.
func Run(t *testing.T, s extract.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	key := spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 45}
	rec := &extract.Record{Plot: key, PlotVersion: 2, Profile: extract.DefaultProfile, SubmittedBy: "token:surveyor",
		Submission: json.RawMessage(`{"scale": "1:1000",  "plot":"27001/12/45"}`)}
	if err := s.CreateExtract(ctx, rec); err != nil {
		t.Fatalf("CreateExtract: %v", err)
	}
	if rec.ID == 0 || rec.SubmittedAt.IsZero() {
		t.Fatalf("CreateExtract: got id %d at %v, want both set", rec.ID, rec.SubmittedAt)
	}
	got, err := s.Extract(ctx, rec.ID)
	if err != nil || got.Status != extract.StatusSubmitted || got.Plot != key || got.PlotVersion != 2 || string(got.Submission) != string(rec.Submission) {
		t.Fatalf("Extract after create: got %+v, %v", got, err)
	}
	if err := s.Decide(ctx, rec.ID, &extract.Decision{Accept: true, By: "r"}); spatial.KindOf(err) != spatial.KindConflict {
		t.Errorf("Decide before validation: got %v, want conflict", err)
	}
	report := json.RawMessage(`{"verdict":"within_tolerance","edges":[]}`)
	if err := s.SaveReport(ctx, rec.ID, extract.StatusValidated, extract.WithinTolerance, report); err != nil {
		t.Fatalf("SaveReport: %v", err)
	}
	if err := s.SaveReport(ctx, rec.ID, extract.StatusValidated, extract.OutOfTolerance, report); spatial.KindOf(err) != spatial.KindConflict {
		t.Errorf("second SaveReport: got %v, want conflict", err)
	}
	d := &extract.Decision{Accept: false, Reason: "neighbour disputes edge 2-3", By: "token:registrar"}
	if err := s.Decide(ctx, rec.ID, d); err != nil || d.At.IsZero() {
		t.Fatalf("Decide: %v (at %v)", err, d.At)
	}
	if err := s.Decide(ctx, rec.ID, &extract.Decision{Accept: true, By: "x"}); spatial.KindOf(err) != spatial.KindConflict {
		t.Errorf("second decision: got %v, want conflict", err)
	}
	got, err = s.Extract(ctx, rec.ID)
	if err != nil || got.Status != extract.StatusRejected || got.Verdict != extract.WithinTolerance || !jsonEqual(got.Report, report) ||
		len(got.Decisions) != 1 || got.Decisions[0].Reason != d.Reason || got.Decisions[0].Accept || got.Decisions[0].By != d.By {
		t.Errorf("Extract after decision: got %+v, %v", got, err)
	}
	for _, f := range []func() error{
		func() error { _, err := s.Extract(ctx, rec.ID+1000); return err },
		func() error { return s.SaveReport(ctx, rec.ID+1000, extract.StatusRefused, "", report) },
		func() error { return s.Decide(ctx, rec.ID+1000, &extract.Decision{By: "x"}) },
	} {
		if err := f(); spatial.KindOf(err) != spatial.KindNotFound {
			t.Errorf("unknown extract: got %v, want not found", err)
		}
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// TxStore is a store that writes plots in transactions and records
// decisions inside them.
type TxStore interface {
	extract.Store
	extract.TxDecider
	spatial.Store
	spatial.Writer
}

// RunTx checks DecideInTx: an accepted extract's plot version and its
// decision commit together, and a decision refused inside the transaction
// (the extract was decided meanwhile) leaves neither the plot version nor
// a decision behind.
func RunTx(t *testing.T, s TxStore) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sh := storetest.SheetAt(t, storetest.UnitB, 1, storetest.ZoneA, 601234, 1191876)
	f := sh.FrameBound()
	p := storetest.Square(storetest.UnitB, 1, 1, storetest.ZoneA, f.Min[0]+10, f.Min[1]+10, 20)
	if _, err := s.Write(ctx, &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{p},
		Change: spatial.Change{By: "t", Reason: "load"}}); err != nil {
		t.Fatal(err)
	}
	validated := func() int64 {
		rec := &extract.Record{Plot: p.Key, PlotVersion: 1, Profile: extract.DefaultProfile, SubmittedBy: "s", Submission: json.RawMessage(`{}`)}
		if err := s.CreateExtract(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveReport(ctx, rec.ID, extract.StatusValidated, extract.BoundaryChanged, json.RawMessage(`{}`)); err != nil {
			t.Fatal(err)
		}
		return rec.ID
	}
	accept := func(id int64, side float64, commit bool) error {
		tx, err := s.Begin(ctx, spatial.Change{By: "r", Reason: "extract accepted"})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		moved := storetest.Square(storetest.UnitB, 1, 1, storetest.ZoneA, f.Min[0]+10, f.Min[1]+10, side)
		if err := tx.Write(ctx, &spatial.Batch{Plots: []*spatial.Plot{moved}}); err != nil {
			t.Fatal(err)
		}
		if err := s.DecideInTx(ctx, tx, id, &extract.Decision{Accept: true, By: "r", PlotVersion: 2}); err != nil {
			return err
		}
		if !commit {
			return tx.Rollback(ctx)
		}
		_, err = tx.Commit(ctx)
		return err
	}
	a, b, c := validated(), validated(), validated()
	// Rolled back after the decision: neither the plot nor the decision stays.
	if err := accept(c, 23, false); err != nil {
		t.Fatalf("accept then roll back: %v", err)
	}
	if rec, err := s.Extract(ctx, c); err != nil || rec.Status != extract.StatusValidated || len(rec.Decisions) != 0 {
		t.Fatalf("after a rolled back accept: extract %+v, %v; want validated, no decision", rec, err)
	}
	if err := accept(a, 21, true); err != nil {
		t.Fatalf("accept in one transaction: %v", err)
	}
	h, err := s.Plot(ctx, p.Key)
	if err != nil || h.Current.Version.Version != 2 {
		t.Fatalf("after accept: plot %v, %v; want version 2", h, err)
	}
	if rec, err := s.Extract(ctx, a); err != nil || rec.Status != extract.StatusAccepted || len(rec.Decisions) != 1 || rec.Decisions[0].PlotVersion != 2 {
		t.Fatalf("after accept: extract %+v, %v", rec, err)
	}
	// b is decided by someone else first: the accept must leave nothing.
	if err := s.Decide(ctx, b, &extract.Decision{Accept: false, By: "other"}); err != nil {
		t.Fatal(err)
	}
	if err := accept(b, 22, true); spatial.KindOf(err) != spatial.KindConflict {
		t.Fatalf("accept of a decided extract: got %v, want conflict", err)
	}
	if h, err := s.Plot(ctx, p.Key); err != nil || h.Current.Version.Version != 2 || len(h.Versions) != 2 {
		t.Errorf("after the refused accept: plot %+v, %v; want still version 2 of 2", h.Current, err)
	}
	if rec, err := s.Extract(ctx, b); err != nil || rec.Status != extract.StatusRejected || len(rec.Decisions) != 1 {
		t.Errorf("after the refused accept: extract %+v, %v; want rejected with one decision", rec, err)
	}

	// ExpectVersion: d, checked against version 1 as a was, is accepted
	// after a wrote version 2. Its write makes version 3, which is not the
	// 2 it expects: refused, nothing stays. A confirmation (Decide, no
	// write) expecting version 1 is refused too; expecting 2 it passes.
	d := validated()
	tx, err := s.Begin(ctx, spatial.Change{By: "r", Reason: "extract accepted"})
	if err != nil {
		t.Fatal(err)
	}
	moved := storetest.Square(storetest.UnitB, 1, 1, storetest.ZoneA, f.Min[0]+10, f.Min[1]+10, 24)
	if err := tx.Write(ctx, &spatial.Batch{Plots: []*spatial.Plot{moved}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DecideInTx(ctx, tx, d, &extract.Decision{Accept: true, By: "r", PlotVersion: 2, ExpectVersion: 2}); spatial.KindOf(err) != spatial.KindConflict {
		t.Errorf("accept expecting version 2 over version 2: got %v, want conflict", err)
	}
	if _, err := tx.Commit(ctx); err == nil {
		t.Errorf("commit after a refused decision: want an error")
	}
	tx.Rollback(ctx)
	if h, err := s.Plot(ctx, p.Key); err != nil || h.Current.Version.Version != 2 || len(h.Versions) != 2 {
		t.Errorf("after the refused stale accept: plot %+v, %v; want still version 2 of 2", h.Current, err)
	}
	if err := s.Decide(ctx, d, &extract.Decision{Accept: true, By: "r", PlotVersion: 1, ExpectVersion: 1}); spatial.KindOf(err) != spatial.KindConflict {
		t.Errorf("confirmation expecting version 1 of a plot at 2: got %v, want conflict", err)
	}
	if rec, err := s.Extract(ctx, d); err != nil || rec.Status != extract.StatusValidated || len(rec.Decisions) != 0 {
		t.Errorf("after the refused decisions: extract %+v, %v; want validated, no decision", rec, err)
	}
	if err := s.Decide(ctx, d, &extract.Decision{Accept: true, By: "r", PlotVersion: 2, ExpectVersion: 2}); err != nil {
		t.Errorf("confirmation expecting the current version 2: %v", err)
	}
}

// RunAcceptOverlaps checks extract.AcceptOverlaps on s: plot 1's accepted
// boundary moves its east edge 3.7 cm into plot 2 (0.75 m² over the
// 20.2 m edge). The old accept path (write, decide, commit) stores it, and
// the next ingest of plot 2, which changes nothing of its boundary, is
// refused for an overlap its file did not make. With the check inside the
// transaction the acceptance is refused naming plot 2 and the area, nothing
// is stored, and the ingest of plot 2 goes through; accepted with the
// override, the boundary is stored and the overlaps are returned.
func RunAcceptOverlaps(t *testing.T, s TxStore) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const side, overlap = 20.0, 0.75
	shift := overlap / (side * 1.01) // storetest.Square is side x 1.01 side
	type sheet struct {
		number int
		p1, p2 *spatial.Plot
		e0, n0 float64
	}
	load := func(number int) sheet {
		sh := storetest.SheetAt(t, storetest.UnitB, number, storetest.ZoneA, 601234, 1191876+float64(number)*600)
		f := sh.FrameBound()
		e0, n0 := f.Min[0]+10, f.Min[1]+10
		p1 := storetest.Square(storetest.UnitB, number, 1, storetest.ZoneA, e0, n0, side)
		p2 := storetest.Square(storetest.UnitB, number, 2, storetest.ZoneA, e0+side, n0, side)
		if _, err := s.Write(ctx, &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{p1, p2},
			Change: spatial.Change{By: "t", Reason: "load"}}); err != nil {
			t.Fatal(err)
		}
		return sheet{number, p1, p2, e0, n0}
	}
	validated := func(p *spatial.Plot) int64 {
		rec := &extract.Record{Plot: p.Key, PlotVersion: 1, Profile: extract.DefaultProfile, SubmittedBy: "s", Submission: json.RawMessage(`{}`)}
		if err := s.CreateExtract(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveReport(ctx, rec.ID, extract.StatusValidated, extract.BoundaryChanged, json.RawMessage(`{}`)); err != nil {
			t.Fatal(err)
		}
		return rec.ID
	}
	// accept writes plot 1 with its east edge moved into plot 2, runs
	// check (nil: the old path) and records the decision, in one
	// transaction.
	accept := func(sh sheet, id int64, check func(spatial.Tx) ([]extract.NeighbourArea, error)) ([]extract.NeighbourArea, error) {
		tx, err := s.Begin(ctx, spatial.Change{By: "r", Reason: fmt.Sprintf("extract %d accepted", id)})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		moved := storetest.Square(storetest.UnitB, sh.number, 1, storetest.ZoneA, sh.e0, sh.n0, side)
		moved.Geometry = orb.MultiPolygon{{{{sh.e0, sh.n0}, {sh.e0 + side + shift, sh.n0}, {sh.e0 + side + shift, sh.n0 + side*1.01}, {sh.e0, sh.n0 + side*1.01}, {sh.e0, sh.n0}}}}
		if err := tx.Write(ctx, &spatial.Batch{Plots: []*spatial.Plot{moved}}); err != nil {
			t.Fatal(err)
		}
		var ovs []extract.NeighbourArea
		if check != nil {
			if ovs, err = check(tx); err != nil {
				return ovs, err
			}
		}
		if err := s.DecideInTx(ctx, tx, id, &extract.Decision{Accept: true, By: "r", PlotVersion: 2}); err != nil {
			t.Fatal(err)
		}
		_, err = tx.Commit(ctx)
		return ovs, err
	}
	// ingestNeighbour ingests plot 2 as it is stored, its land use changed.
	ingestNeighbour := func(sh sheet) (*ingest.Report, error) {
		units, err := s.Units(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var coords []string
		for _, pt := range sh.p2.Geometry[0][0] {
			coords = append(coords, fmt.Sprintf("[%.4f,%.4f]", pt[0], pt[1]))
		}
		doc := fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"unit":%q,"sheet":%d,"plot":2,"land_use":"LUC","legal_area":%g},
			"geometry":{"type":"Polygon","coordinates":[[%s]]}}]}`, storetest.UnitB, sh.number, sh.p2.LegalArea, strings.Join(coords, ","))
		return ingest.Run(ctx, s, spatial.Change{By: "t", Reason: "land use survey"}, units,
			[]ingest.Input{{Name: "neighbour.geojson", Format: ingest.FormatGeoJSON, R: strings.NewReader(doc)}},
			ingest.Settings{Decode: ingest.Options{CRS: storetest.ZoneA}})
	}

	// The old failure: stored without the check, then the neighbour's ingest fails.
	old := load(21)
	if _, err := accept(old, validated(old.p1), nil); err != nil {
		t.Fatalf("old path: accept: %v", err)
	}
	if rep, err := ingestNeighbour(old); spatial.KindOf(err) != spatial.KindInvalid || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Reason, "0.75 m²") {
		t.Fatalf("old path: ingest of the neighbour: got %v, want refused for the 0.75 m² overlap the acceptance stored", err)
	}

	sh := load(22)
	id := validated(sh.p1)
	ovs, err := accept(sh, id, func(tx spatial.Tx) ([]extract.NeighbourArea, error) {
		return extract.AcceptOverlaps(ctx, tx, sh.p1.Key, false)
	})
	probs := spatial.ProblemsOf(err)
	if spatial.KindOf(err) != spatial.KindConflict || len(ovs) != 1 || ovs[0].Key != sh.p2.Key || math.Abs(ovs[0].Area-overlap) > 1e-3 ||
		len(probs) != 1 || probs[0].Feature != sh.p2.Key.String() || !strings.Contains(probs[0].Reason, "0.75 m²") {
		t.Fatalf("accept with the check: got %v (%v, %+v), want a conflict naming plot %s and 0.75 m²", err, ovs, probs, sh.p2.Key)
	}
	if h, err := s.Plot(ctx, sh.p1.Key); err != nil || h.Current.Version.Version != 1 {
		t.Fatalf("after the refused accept: plot %+v, %v; want version 1", h, err)
	}
	if rec, err := s.Extract(ctx, id); err != nil || rec.Status != extract.StatusValidated || len(rec.Decisions) != 0 {
		t.Fatalf("after the refused accept: extract %+v, %v; want validated, undecided", rec, err)
	}
	if rep, err := ingestNeighbour(sh); err != nil || rep.Result.Changed != 1 {
		t.Fatalf("ingest of the neighbour after the refused accept: %v (%+v), want it changed", err, rep)
	}
	// The override stores it and says what it allowed.
	ovs, err = accept(sh, id, func(tx spatial.Tx) ([]extract.NeighbourArea, error) {
		return extract.AcceptOverlaps(ctx, tx, sh.p1.Key, true)
	})
	if err != nil || len(ovs) != 1 || ovs[0].Key != sh.p2.Key || !strings.Contains(extract.DescribeOverlaps(ovs), sh.p2.Key.String()+" 0.75 m²") {
		t.Fatalf("accept with the override: got %v, %v; want stored, reporting plot 2 and 0.75 m²", ovs, err)
	}
	if h, err := s.Plot(ctx, sh.p1.Key); err != nil || h.Current.Version.Version != 2 {
		t.Fatalf("after the override: plot %+v, %v; want version 2", h, err)
	}
}
