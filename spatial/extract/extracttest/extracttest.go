// Package extracttest is the contract every extract.Store passes.
package extracttest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/extract"
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
}
